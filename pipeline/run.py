"""`wirebeam run`: check the command line, build the flow, run it, commit its output, summarise."""
import datetime as dt
import logging
import os
import time

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from wirebeam.pipeline import dataflow, dataset, finalize, output
from wirebeam.pipeline.assembly import build_pipeline
from wirebeam.pipeline.checks import (DATAFLOW_RUNNERS, LOCAL_RUNNERS, UsageError, check_options, check_runner,
                                      check_worker_options, dry_run, ingested_at, output_folder, runner_name,
                                      unknown_arguments)
from wirebeam.pipeline.console import DriverProgress
from wirebeam.pipeline.local import local_runner, start_extraction_child, stop_workers
from wirebeam.pipeline.lock import Locked, OutputLock
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
    FileSystems.set_options(options)   # the driver's own reads and writes (inputs, staging, commit) use --s3_* etc.
    opts = options.view_as(WirebeamOptions)
    feeds = feed_list(opts, UsageError)
    check_options(opts, feeds)
    standard = options.view_as(StandardOptions)
    if standard.runner in (None, "DirectRunner"):
        standard.runner = LOCAL_RUNNER
    on_dataflow = runner_name(standard.runner) in DATAFLOW_RUNNERS
    check_runner(standard.runner)
    check_worker_options(options, standard.runner)
    dry = dry_run(options)
    if on_dataflow and opts.commit_in_job and opts.report:
        raise UsageError("--report needs `wirebeam run` to wait for the job, which it does not on Dataflow with "
                         "--commit-in-job: run `wirebeam report OUTPUT` when the job is done")
    if on_dataflow:
        dataflow.check_template(options, opts.commit_in_job)
    out_dir = output_folder(opts.output)
    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    run_id = opts.run_id or started.strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}"
    stamp = ingested_at(opts.ingested_at, started)
    check_dataset_options(opts, run_id, on_dataflow)
    index_at = finalize.index_root(opts, out_dir)
    not_inputs = [out_dir, output.staging_path(out_dir, run_id)] + output.leftover_staging(out_dir) + \
        ([index_at] if index_at else [])
    paths = expand_inputs(opts.input, exclude=not_inputs) if opts.input else []
    if opts.input and not paths:
        raise UsageError(f"no input file matched {', '.join(map(repr, opts.input))} outside the output folder: "
                         f"check the path, and quote globs so the shell does not expand them")
    ner_models = resolve_models(opts.ner, opts.ner_model)
    if ner_models:
        check_models(ner_models)
    if on_dataflow:
        dataflow.check_paths(opts, paths, dry)
    state = feed_state_io.load_state(opts.state) if feeds else None
    if dry:  # touches nothing, reads nothing of the output (on Dataflow it may be a bucket out of reach)
        return _run(options, opts, standard, on_dataflow, dry, out_dir, paths, feeds, ner_models, state,
                    started, run_id, stamp)
    check_replacing(opts, out_dir, state)
    # the output's lock, and the index's when it lies elsewhere (runs into two outputs may share one index)
    locks = [OutputLock(out_dir, run_id)] + ([OutputLock(index_at, run_id)] if opts.index else [])
    taken = []
    try:
        for lock in locks:
            lock.acquire()
            taken.append(lock)
        return _run(options, opts, standard, on_dataflow, dry, out_dir, paths, feeds, ner_models, state,
                    started, run_id, stamp)
    except Locked as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        if taken == locks:
            raise
        what = "the output folder" if not taken else "the index folder"
        raise UsageError(f"cannot write to {what} {locks[len(taken)].folder!r} ({exc.strerror or exc}): "
                         f"give a folder you may write to") from exc
    finally:
        for lock in taken:
            lock.release()


def check_dataset_options(opts, run_id: str, on_dataflow: bool) -> None:
    """--append, --index, --index-days and a --run-id that names files."""
    if opts.index_days < 0:
        raise UsageError("--index-days must be 0 (keep everything) or a positive number of days")
    if (opts.append or opts.index) and not dataset.SAFE_RUN_ID.match(run_id):
        raise UsageError(f"--run-id {run_id!r} becomes part of file names: use letters, digits, '.', '_' and '-'")
    if (opts.append or opts.index) and opts.commit_in_job and on_dataflow:
        raise UsageError(f"{'--append' if opts.append else '--index'} holds the dataset's lock for the whole run, "
                         f"which a driver that returns at submission (--commit-in-job on Dataflow) cannot do; "
                         f"drop --commit-in-job")


def check_replacing(opts, out_dir: str, state) -> None:
    """A run without --append replaces the output: refuse where that would lose rows for good."""
    if opts.append:
        return
    if dataset.is_appended(out_dir):
        raise UsageError(f"{out_dir} is a dataset that runs were appended to (it has runs/): a run without "
                         f"--append would replace all of them; pass --append")
    if state is not None and state.seen and opts.state:
        previous = finalize.read_run_json(out_dir)
        if previous and previous.get("articles"):
            raise UsageError(
                f"--state {opts.state} marks {len(state.seen)} feed items as ingested, and {out_dir} holds "
                f"{previous['articles']} articles of an earlier run: a run without --append would replace them "
                f"with only the new items, and the state keeps the earlier ones from being fetched again. "
                f"Pass --append to add to that output, or give a new --output")


def _run(options, opts, standard, on_dataflow, dry, out_dir, paths, feeds, ner_models, state, started, run_id,
         stamp) -> int:
    """The run proper, holding the output's lock (none for a dry run)."""
    finish = dataset.finish_leftover if opts.append else None
    try:  # a dry run touches nothing, not even the output folder
        staging = output.staging_path(out_dir, run_id) if dry else output.prepare_staging(out_dir, run_id, finish)
    except OSError as exc:
        raise UsageError(f"cannot write to the output folder {out_dir!r} ({exc.strerror or exc}): "
                         f"give a folder you may write to") from exc
    log.info("run %s: %d input files -> %s (runner %s%s)", run_id, len(paths), out_dir, standard.runner,
             ", dry run" if dry else "")

    clock = time.monotonic()
    local = runner_name(standard.runner) in LOCAL_RUNNERS
    runner = local_runner(options) if runner_name(standard.runner) == LOCAL_RUNNER else None
    if runner_name(standard.runner) == LOCAL_RUNNER and runner is None and paths and not dry:
        # the flow runs in this process: its extraction child imports while the flow is built
        start_extraction_child(opts.extract_timeout, opts.extract_memory_mib)
    pipeline = beam.Pipeline(runner=runner, options=options)
    written = build_pipeline(pipeline, paths=paths, staging=staging, options=opts, ingested_at=stamp,
                             ner_models=ner_models, feeds=feeds, feed_state=state,
                             fetch_policy=FetchPolicy.from_options(opts) if feeds else None,
                             run_id=run_id, index_root=finalize.index_root(opts, out_dir))
    base_report = finalize.base_report(run_id, started, out_dir, opts, paths, feeds, ner_models, standard.runner,
                                       stamp)
    if opts.commit_in_job:
        _ = pipeline | "CommitRun" >> finalize.CommitRun(written, staging, out_dir, base_report)
    if dry:
        return dataflow.dry_run_report(pipeline, standard.runner, on_dataflow, out_dir, len(paths))

    if local:   # run() blocks until the end: a thread shows progress
        try:
            with DriverProgress(len(paths), opts.progress_seconds):
                result = dataflow.submit(pipeline, on_dataflow)
        except KeyboardInterrupt:
            stop_workers()
            raise
    else:
        result = dataflow.submit(pipeline, on_dataflow)
    if opts.commit_in_job and on_dataflow:
        dataflow.report_submitted(result, options, out_dir)
        return 0
    if on_dataflow and getattr(result, "has_job", False):   # the driver cannot count there: the job page does
        log.info("job %s submitted; its progress: %s", result.job_id(), dataflow.job_page(result, options))
    try:
        outcome = result.wait_until_finish()
    except Exception as exc:  # DataflowRuntimeException and the like: the job failed remotely
        log.error("the job failed (%s); the previous output in %s is untouched", exc, out_dir)
        return 1
    if outcome not in (None, "DONE", beam.runners.runner.PipelineState.DONE):
        log.error("the pipeline ended in state %s; the previous output in %s is untouched", outcome, out_dir)
        return 1
    if opts.commit_in_job:  # the job has committed; show what it wrote
        report = finalize.read_run_json(out_dir, run_id if opts.append else None)
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
