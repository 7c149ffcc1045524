"""`wirebeam run`: check the command line, build the flow, run it, commit its output, summarise."""
import datetime as dt
import logging
import os
import time

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from wirebeam.pipeline import dataflow, finalize, output
from wirebeam.pipeline.assembly import build_pipeline
from wirebeam.pipeline.checks import (DATAFLOW_RUNNERS, UsageError, check_options, check_runner, dry_run,
                                      ingested_at, output_folder, runner_name, unknown_arguments)
from wirebeam.pipeline.options import WirebeamOptions
from wirebeam.pipeline.report import write_after_run
from wirebeam.pipeline.summary import print_summary
from wirebeam.transforms.entities.tag import check_models, resolve_models
from wirebeam.transforms.feeds import state as feed_state_io
from wirebeam.transforms.feeds.http import FetchPolicy
from wirebeam.transforms.feeds.read import feed_list
from wirebeam.transforms.read import expand_inputs

log = logging.getLogger("wirebeam")

LOCAL_RUNNER = "FnApiRunner"


def run(argv) -> int:
    """Run the pipeline as `argv` (wirebeam's and Beam's flags, without -v) says; the exit status."""
    problem = unknown_arguments(argv)
    if problem:
        raise UsageError(problem)
    options = PipelineOptions(argv)
    opts = options.view_as(WirebeamOptions)
    feeds = feed_list(opts, UsageError)
    check_options(opts, feeds)
    standard = options.view_as(StandardOptions)
    if standard.runner in (None, "DirectRunner"):
        standard.runner = LOCAL_RUNNER
    on_dataflow = runner_name(standard.runner) in DATAFLOW_RUNNERS
    check_runner(standard.runner)
    dry = dry_run(options)
    if on_dataflow and opts.commit_in_job and opts.report:
        raise UsageError("--report needs `wirebeam run` to wait for the job, which it does not on Dataflow with "
                         "--commit-in-job: run `wirebeam report OUTPUT` when the job is done")
    if on_dataflow:
        dataflow.check_template(options, opts.commit_in_job)
    out_dir = output_folder(opts.output)
    paths = expand_inputs(opts.input, exclude=[out_dir]) if opts.input else []
    if opts.input and not paths:
        raise UsageError(f"no input file matched {', '.join(map(repr, opts.input))} outside the output folder: "
                         f"check the path, and quote globs so the shell does not expand them")
    ner_models = resolve_models(opts.ner, opts.ner_model)
    if ner_models:
        check_models(ner_models)
    if on_dataflow:
        dataflow.check_paths(opts, paths, dry)

    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    stamp = ingested_at(opts.ingested_at, started)
    run_id = opts.run_id or started.strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}"
    try:  # a dry run touches nothing, not even the output folder
        staging = output.staging_path(out_dir, run_id) if dry else output.prepare_staging(out_dir, run_id)
    except OSError as exc:
        raise UsageError(f"cannot write to the output folder {out_dir!r} ({exc.strerror or exc}): "
                         f"give a folder you may write to") from exc
    log.info("run %s: %d input files -> %s (runner %s%s)", run_id, len(paths), out_dir, standard.runner,
             ", dry run" if dry else "")

    clock = time.monotonic()
    pipeline = beam.Pipeline(options=options)
    state = feed_state_io.load_state(opts.state) if feeds else None
    written = build_pipeline(pipeline, paths=paths, staging=staging, options=opts, ingested_at=stamp,
                             ner_models=ner_models, feeds=feeds, feed_state=state,
                             fetch_policy=FetchPolicy.from_options(opts) if feeds else None)
    base_report = finalize.base_report(run_id, started, out_dir, opts, paths, feeds, ner_models, standard.runner)
    if opts.commit_in_job:
        _ = pipeline | "CommitRun" >> finalize.CommitRun(written, staging, out_dir, base_report)
    if dry:
        return dataflow.dry_run_report(pipeline, standard.runner, on_dataflow, out_dir, len(paths))

    result = dataflow.submit(pipeline, on_dataflow)
    if opts.commit_in_job and on_dataflow:
        dataflow.report_submitted(result, options, out_dir)
        return 0
    try:
        outcome = result.wait_until_finish()
    except Exception as exc:  # DataflowRuntimeException and the like: the job failed remotely
        log.error("the job failed (%s); the previous output in %s is untouched", exc, out_dir)
        return 1
    if outcome not in (None, "DONE", beam.runners.runner.PipelineState.DONE):
        log.error("the pipeline ended in state %s; the previous output in %s is untouched", outcome, out_dir)
        return 1
    if opts.commit_in_job:  # the job has committed; show what it wrote
        report = finalize.read_run_json(out_dir)
        if report is None or report.get("run_id") != run_id:
            log.error("the job ended but %s has no run.json of run %s", out_dir, run_id)
            return 1
        print_summary(report)
        return write_after_run(out_dir, opts.report)
    update = feed_state_io.read_update(staging) if feeds else None
    report = finalize.commit_run(staging, out_dir, base_report, time.monotonic() - clock,
                                 finalize.counters(result), committed_by="driver")
    if feeds:
        feed_state_io.save_update(opts.state, state, update)  # only after the output is committed
    print_summary(report)
    return write_after_run(out_dir, opts.report)
