"""The `wirebeam` command.

    wirebeam run --input 'samples/*' --output out [Beam options...]

wirebeam's own flags are fields of `WirebeamOptions`; every other flag goes to Beam unchanged
(--runner, --direct_num_workers, --direct_running_mode, --project, ...).
"""
import logging
import sys

from wirebeam.pipeline.logs import setup_logging  # before apache_beam: it filters a warning Beam logs on import

setup_logging()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
from typing import Optional  # noqa: E402

import apache_beam as beam  # noqa: E402
from apache_beam.options.pipeline_options import (GoogleCloudOptions, PipelineOptions, StandardOptions,  # noqa: E402
                                                  TestOptions)

from wirebeam import __version__  # noqa: E402
from wirebeam.pipeline import finalize, output  # noqa: E402
from wirebeam.pipeline.assembly import build_pipeline  # noqa: E402
from wirebeam.pipeline.options import WirebeamOptions  # noqa: E402
from wirebeam.transforms.entities import (NerConfigError, bundled_model_path, check_models, describe_models,  # noqa: E402
                                          resolve_models)
from wirebeam.transforms.read import expand_inputs  # noqa: E402
from wirebeam.pipeline import feedrun  # noqa: E402

log = logging.getLogger("wirebeam")

LOCAL_RUNNER = "FnApiRunner"
DESCRIPTION = """Read news articles, extract clean text and metadata, detect the language, mark wire copies,
tag entities, and write Parquet partitioned by publication date.

Output (OUTPUT folder):
  articles/date=YYYY-MM-DD/part-*.parquet   one row per article (date=YYYY-MM for month-only dates,
                                            date=unknown when no date was found)
  failures/part-*.parquet                   one row per input that did not become an article
  run.json                                  counts, failures by stage and reason, versions

Beam options pass straight through, e.g. --runner DataflowRunner, --direct_num_workers 2
--direct_running_mode multi_processing. Without --runner (or with DirectRunner) wirebeam runs
locally on Beam's FnApiRunner, the DirectRunner's batch engine, without first trying to download
the Prism runner."""
EPILOG = "Example: wirebeam run --input 'samples/*' --output out"


class UsageError(Exception):
    """A problem with the command line; the message says what to do."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wirebeam run", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    WirebeamOptions._add_argparse_args(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="Log debug messages.")
    return parser


def unknown_arguments(argv) -> Optional[str]:
    """What is wrong with the arguments that neither wirebeam nor any of Beam's options classes takes
    (a misspelt option, or the extra file names of an unquoted glob that the shell expanded), or None.
    Beam itself would drop them without a word."""
    import difflib
    from apache_beam.options.pipeline_options import _BeamArgumentParser  # the parser Beam reads its flags with
    parser = _BeamArgumentParser(allow_abbrev=False, add_help=False, exit_on_error=False)
    for cls in {str(c): c for c in PipelineOptions.__subclasses__()}.values():
        cls._add_argparse_args(parser)
    try:
        _known, unknown = parser.parse_known_args(argv)
    except argparse.ArgumentError as exc:  # a Beam option with a bad value ("--direct_num_workers=two")
        return str(exc)
    flags = [flag for action in parser._actions for flag in action.option_strings]
    options, strays = [], []
    for i, arg in enumerate(unknown):
        if arg.startswith("-"):
            name = arg.split("=", 1)[0]
            close = difflib.get_close_matches(name, flags, n=1, cutoff=0.8)
            options.append(name + (f" (did you mean {close[0]}?)" if close else ""))
        elif not (i and unknown[i - 1].startswith("-") and "=" not in unknown[i - 1]):  # not an unknown option's value
            strays.append(repr(arg))
    problems = []
    if options:
        problems.append(f"unknown option{'s' if len(options) > 1 else ''} {', '.join(options)}: `wirebeam run --help` "
                        f"lists wirebeam's options, and Beam's own (--runner, --direct_num_workers, ...) pass through")
    if strays:
        shown = ", ".join(strays[:3]) + (f" and {len(strays) - 3} more" if len(strays) > 3 else "")
        problems.append(f"arguments that belong to no option: {shown}; each --input takes one pattern, so quote "
                        f"globs to keep the shell from expanding them (--input 'samples/*.txt') or repeat --input")
    return "; ".join(problems) or None


def _counters(result) -> dict:
    try:
        counters = result.metrics().query()["counters"]
    except Exception:  # not every runner reports metrics
        return {}
    totals = {}
    for counter in counters:
        key = f"{counter.key.metric.namespace}.{counter.key.metric.name}"
        value = counter.committed if counter.committed is not None else counter.attempted
        totals[key] = totals.get(key, 0) + (value or 0)
    return dict(sorted(totals.items()))


def _entities_report(ner: str, models: dict, metrics: Optional[dict]) -> dict:
    """run.json "entities": which pipelines tag which language and, once the run's metrics are known
    (None before the run, and in a --commit-in-job run), how many articles each tagged and how many had none."""
    report = {
        "status": "off (--ner none)" if ner == "none" else describe_models(models),
        "models": {lang: ("bundled" if name == bundled_model_path(lang) else name) for lang, name in sorted(models.items())},
    }
    if metrics is not None:
        report.update({
            "tagged_articles": {lang: metrics.get(f"entities.tagged_articles_{lang}", 0) for lang in sorted(models)},
            "no_model_for_language": metrics.get("entities.no_model_for_language", 0),
            "entities": metrics.get("entities.entities", 0),
        })
    return report


def _entities_line(entities: dict) -> str:
    """The summary's entities line: what was found, by which models (run.json has the details)."""
    if "entities" not in entities or not entities.get("models"):
        return entities["status"]
    tagged = ", ".join(f"{lang} {n}" for lang, n in entities["tagged_articles"].items())
    models = ", ".join(f"{lang}={name}" for lang, name in entities["models"].items())
    untagged = entities["no_model_for_language"]
    return (f"{entities['entities']} mentions; articles tagged: {tagged} (models {models})"
            + (f"; {untagged} in other languages untagged" if untagged else ""))


def _count(n: int, noun: str) -> str:
    """"1 article", "2 articles"."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


SUMMARY_DATES = 8   # partitions listed one by one; a longer run gets its range and its busiest days


def dates_line(dates: dict) -> str:
    """The summary's dates line: every partition when there are few, else how many, their range and
    the busiest ones (run.json keeps the full count of each). `dates`: partition value -> rows."""
    known = {k: v for k, v in dates.items() if k != "unknown"}
    unknown = f"unknown {dates['unknown']}" if dates.get("unknown") else ""
    if len(known) <= SUMMARY_DATES:
        parts = [f"{k} {v}" for k, v in sorted(known.items())]
    else:
        busiest = sorted(known.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        parts = [f"{len(known)} dates from {min(known)} to {max(known)}",
                 "most on " + ", ".join(f"{k} {v}" for k, v in busiest)]
    return ", ".join(parts + [unknown] if unknown else parts) or "-"


def feeds_line(report: dict) -> str:
    """The summary's feeds line, from the run's metrics and failures (run.json has them all)."""
    metrics = report.get("metrics") or {}

    def n(name):
        return metrics.get(f"feeds.{name}", 0)
    failed = sum(report["failures"]["by_stage"].get("feed", {}).values())
    parts = [f"{_count(report['inputs']['feeds'], 'feed')} ({n('not_modified')} not modified since the last run, "
             f"{failed} failed)", _count(n("items_new"), "new item")]
    if n("items_seen"):
        parts.append(f"{n('items_seen')} seen before")
    if n("items_over_cap"):
        parts.append(f"{n('items_over_cap')} over --max-items-per-feed")
    because = sorted((k.rsplit(".", 1)[-1], v) for k, v in metrics.items() if k.startswith("feeds.fallback_because."))
    why = f" (page {', '.join(f'{reason} {count}' for reason, count in because)})" if because else ""
    parts.append(f"{_count(n('pages_fetched'), 'page')} fetched, {n('fallbacks')} from the feed's own text{why}")
    return ", ".join(parts)


REFUSED_HINT = "pages at private, loopback or link-local addresses are refused: allow a host with --allow-host"


def print_summary(report: dict, out=None) -> None:
    w = (out or sys.stdout).write
    inputs = report["inputs"]
    sources = _count(inputs["files"], "input file") + (f" and {_count(inputs['feeds'], 'feed')}" if inputs.get("feeds") else "")
    w(f"\nwirebeam: {_count(report['articles'], 'article')} from {sources} in {report['elapsed_seconds']:.1f} s\n")
    w(f"  output      {report['output']}\n")
    copies = report["duplicates"]
    w(f"  duplicates  {_count(copies, 'row')} {'is a copy' if copies == 1 else 'are copies'} "
      f"(in {_count(report['duplicate_groups'], 'group')})\n")
    langs = ", ".join(f"{k} {v}" for k, v in report["languages"].items()) or "-"
    w(f"  languages   {langs}\n")
    w(f"  dates       {dates_line(report['dates'])}\n")
    failures = report["failures"]
    w(f"  failures    {failures['total']}")
    details = [f"{stage}/{reason} {n}" for stage, reasons in failures["by_stage"].items() for reason, n in reasons.items()]
    w(f" ({', '.join(details)})\n" if details else "\n")
    if (any(reasons.get("refused_address") for reasons in failures["by_stage"].values())
            or (report.get("metrics") or {}).get("feeds.fallback_because.refused_address")):
        w(f"              {REFUSED_HINT}\n")
    if inputs.get("feeds"):
        w(f"  feeds       {feeds_line(report)}\n")
    w(f"  entities    {_entities_line(report['entities'])}\n")
    w(f"Query it: duckdb -c \"SELECT date, language, title FROM read_parquet('{report['output']}/articles/**/*.parquet', "
      f"hive_partitioning=true)\"\n")


def run(argv) -> int:
    parser = _parser()
    known, _beam_args = parser.parse_known_args(argv)
    setup_logging(known.verbose)
    argv = [a for a in argv if a not in ("-v", "--verbose")]
    problem = unknown_arguments(argv)
    if problem:
        raise UsageError(problem)
    options = PipelineOptions(argv)
    opts = options.view_as(WirebeamOptions)
    feeds = feedrun.feed_list(opts, UsageError)
    if not opts.input and not feeds:
        raise UsageError("no input given: pass --input 'PATTERN' (a glob, file or folder; repeatable) "
                         "or --feed URL_OR_PATH / --feeds-file FILE")
    if not opts.output:
        raise UsageError("no output folder given: pass --output DIR")
    for name in ("max_input_bytes", "max_line_bytes", "shards_per_date"):
        if getattr(opts, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number")
    if opts.dedup_threshold is not None and not 0 < opts.dedup_threshold < 1:
        raise UsageError("--dedup-threshold is a Jaccard similarity: give a number between 0 and 1, e.g. 0.4")
    for name in ("extract_timeout", "extract_memory_mib"):
        if getattr(opts, name) < 0:
            raise UsageError(f"--{name.replace('_', '-')} must be 0 (no limit) or a positive number")
    standard = options.view_as(StandardOptions)
    if standard.runner in (None, "DirectRunner"):
        standard.runner = LOCAL_RUNNER
    on_dataflow = _runner_name(standard.runner) in DATAFLOW_RUNNERS
    _check_runner(standard.runner)
    dry_run = _dry_run(options)
    if on_dataflow and options.view_as(GoogleCloudOptions).template_location and not opts.commit_in_job:
        # A Flex Template launch passes --template_location: the run only writes the job's description,
        # Dataflow starts the job later, and no driver is left to wait for it and commit.
        raise UsageError("--template_location writes a job description instead of running the job, so nothing "
                         "would commit its output: add --commit-in-job (deploy/dataflow/main.py does)")
    if opts.commit_in_job and opts.state:
        raise UsageError("--commit-in-job cannot save --state: the feed state is saved by the driver after the "
                         "commit; drop one of them")
    out_dir = opts.output if "://" in opts.output else os.path.abspath(opts.output)
    paths = expand_inputs(opts.input, exclude=[out_dir]) if opts.input else []
    if opts.input and not paths:
        raise UsageError(f"no input file matched {', '.join(map(repr, opts.input))} outside the output folder: "
                         f"check the path, and quote globs so the shell does not expand them")
    ner_models = resolve_models(opts.ner, opts.ner_model)
    if ner_models:
        check_models(ner_models)
    if on_dataflow:
        _check_dataflow_paths(opts, paths, dry_run)

    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    try:
        ingested_at = dt.datetime.fromisoformat(opts.ingested_at.replace("Z", "+00:00")) if opts.ingested_at else started
    except ValueError:
        raise UsageError(f"--ingested-at {opts.ingested_at!r} is not an ISO 8601 timestamp; "
                         f"give one like 2025-03-14T06:00:00Z") from None
    if ingested_at.tzinfo is None:
        ingested_at = ingested_at.replace(tzinfo=dt.timezone.utc)
    run_id = opts.run_id or started.strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}"
    if "://" not in out_dir and os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise UsageError(f"--output {opts.output!r} is a file: give a folder (it is created if missing)")
    try:  # a dry run touches nothing, not even the output folder
        staging = output.staging_path(out_dir, run_id) if dry_run else output.prepare_staging(out_dir, run_id)
    except OSError as exc:
        raise UsageError(f"cannot write to the output folder {out_dir!r} ({exc.strerror or exc}): "
                         f"give a folder you may write to") from exc
    log.info("run %s: %d input files -> %s (runner %s%s)", run_id, len(paths), out_dir, standard.runner,
             ", dry run" if dry_run else "")

    clock = time.monotonic()
    pipeline = beam.Pipeline(options=options)
    feed_state = feedrun.load(opts) if feeds else None
    written = build_pipeline(pipeline, paths=paths, staging=staging, options=opts, ingested_at=ingested_at,
                             ner_models=ner_models, feeds=feeds, feed_state=feed_state,
                             fetch_policy=feedrun.policy(opts) if feeds else None)
    base_report = {
        "run_id": run_id,
        "started_at": started.isoformat(),
        "output": out_dir,
        "inputs": {"patterns": opts.input, "files": len(paths), "feeds": len(feeds)},
        "entities": _entities_report(opts.ner, ner_models, None),
        "runner": standard.runner,
    }
    if opts.commit_in_job:
        _ = pipeline | "CommitRun" >> finalize.CommitRun(written, staging, out_dir, base_report)
    if dry_run:
        return _dry_run_report(pipeline, standard.runner, on_dataflow, out_dir, len(paths))

    result = _submit(pipeline, on_dataflow)
    if opts.commit_in_job and on_dataflow:
        gcp = options.view_as(GoogleCloudOptions)
        if not getattr(result, "has_job", False):  # --template_location: a Flex Template launch
            print(f"\nwirebeam: job description written to {gcp.template_location}; Dataflow starts the job from it.\n"
                  f"  output      {out_dir} (the job's last step writes run.json and commits it there)")
            return 0
        job_id = result.job_id()
        print(f"\nwirebeam: Dataflow job {job_id} submitted; not waiting for it (--commit-in-job).\n"
              f"  output      {out_dir} (the job's last step writes run.json and commits it there)\n"
              f"  follow it   https://console.cloud.google.com/dataflow/jobs/{gcp.region}/{job_id}"
              f"?project={gcp.project}")
        return 0
    try:
        state = result.wait_until_finish()
    except Exception as exc:  # DataflowRuntimeException and the like: the job failed remotely
        log.error("the job failed (%s); the previous output in %s is untouched", exc, out_dir)
        return 1
    if state not in (None, "DONE", beam.runners.runner.PipelineState.DONE):
        log.error("the pipeline ended in state %s; the previous output in %s is untouched", state, out_dir)
        return 1
    if opts.commit_in_job:  # the job has committed; show what it wrote
        report = finalize.read_run_json(out_dir)
        if report is None or report.get("run_id") != run_id:
            log.error("the job ended but %s has no run.json of run %s", out_dir, run_id)
            return 1
        print_summary(report)
        return 0
    output.ensure_tables(staging)
    metrics = _counters(result)
    base_report["entities"] = _entities_report(opts.ner, ner_models, metrics)
    report = finalize.make_report(base_report, time.monotonic() - clock, output.summarise(staging),
                                  metrics, committed_by="driver")
    output.write_run_json(staging, report)
    update = feedrun.read_update(staging) if feeds else None
    output.commit(staging, out_dir)
    if feeds:
        feedrun.save(opts, feed_state, update)  # only after the output is committed
    print_summary(report)
    return 0


DATAFLOW_RUNNERS = ("DataflowRunner", "TestDataflowRunner")


def _check_runner(runner) -> None:
    """A --runner that Beam does not know is a usage error before anything is written."""
    from apache_beam.runners.runner import create_runner
    if isinstance(runner, str):
        try:
            create_runner(runner)
        except ValueError as exc:
            raise UsageError(f"--runner {runner}: {exc}") from None
        except ImportError:  # a runner whose extra is missing: _submit says which extra to install
            pass


def _runner_name(runner) -> str:
    if isinstance(runner, str):
        return runner.rsplit(".", 1)[-1]
    return type(runner).__name__ if not isinstance(runner, type) else runner.__name__


def _dry_run(options) -> bool:
    """--dry_run (Beam's TestOptions) takes any string; read it as a yes/no and store the bool, so that
    --dry_run=False really submits (Beam itself would treat the string 'False' as true)."""
    test = options.view_as(TestOptions)
    value = test.dry_run
    flag = value if isinstance(value, bool) else str(value).strip().lower() in ("true", "1", "yes", "y", "on")
    test.dry_run = flag
    return flag


def _check_dataflow_paths(opts, paths, dry_run: bool) -> None:
    """Dataflow workers see neither the launching machine's files nor its disk."""
    problems = []
    local_inputs = [p for p in paths if "://" not in p]
    if local_inputs:
        problems.append(f"{len(local_inputs)} input files are local (e.g. {local_inputs[0]}); Dataflow workers "
                        f"cannot read them: copy them to a bucket and pass --input 'gs://BUCKET/...'")
    if "://" not in opts.output:
        problems.append(f"--output {opts.output} is local; Dataflow workers would write to their own disks: "
                        f"pass --output gs://BUCKET/PATH")
    if not problems:
        return
    if dry_run:
        for problem in problems:
            log.warning("a real run would stop here: %s", problem)
        return
    raise UsageError("; ".join(problems))


def _submit(pipeline, on_dataflow: bool):
    """pipeline.run(), with advice when DataflowRunner lacks Beam's GCP clients."""
    try:
        return pipeline.run()
    except ImportError as exc:
        if on_dataflow:
            raise UsageError(f"{exc}: install wirebeam with its Dataflow extra, pip install 'wirebeam[dataflow]'")
        raise


def _stages(proto):
    """Top-level steps of a pipeline proto, in order, with the number of transforms inside each."""
    transforms = proto.components.transforms

    def count(tid):
        return 1 + sum(count(sub) for sub in transforms[tid].subtransforms)

    stages = []
    for root in proto.root_transform_ids:
        subs = transforms[root].subtransforms or [root]
        stages += [(transforms[t].unique_name, count(t)) for t in subs]
    return stages


def _dry_run_report(pipeline, runner, on_dataflow: bool, out_dir: str, n_inputs: int, out=None) -> int:
    """Build the job graph as the runner would submit it, without running or writing anything."""
    if on_dataflow:
        proto = _submit(pipeline, on_dataflow).job.proto_pipeline  # with --dry_run: built, not submitted
    else:
        proto = pipeline.to_runner_api()
    stages = _stages(proto)
    images = sorted({_container_image(env) for env in proto.components.environments.values()} - {None})
    w = (out or sys.stdout).write
    w(f"\nwirebeam: dry run on {runner}: the job graph was built ({len(proto.components.transforms)} transforms in "
      f"{len(stages)} stages) and not submitted.\n")
    w(f"  nothing was read, run or written; {out_dir} is untouched and no run.json was made\n")
    w(f"  inputs      {n_inputs} files matched on this machine\n")
    w(f"  stages      {', '.join(f'{name} ({n})' for name, n in stages)}\n")
    if images:
        w(f"  workers     container image {', '.join(images)}\n")
    return 0


def _container_image(env):
    from apache_beam.portability import common_urns
    from apache_beam.portability.api import beam_runner_api_pb2
    if env.urn != common_urns.environments.DOCKER.urn:
        return None
    return beam_runner_api_pb2.DockerPayload.FromString(env.payload).container_image


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: wirebeam run --input PATTERN [--input PATTERN ...] --output DIR [options]\n\n"
              "Commands:\n  run    run the ingestion pipeline (wirebeam run --help lists every option)\n"
              "  --version  print the version")
        return 0 if argv else 2
    if argv[0] == "--version":
        print(f"wirebeam {__version__}")
        return 0
    if argv[0] != "run":
        print(f"wirebeam: unknown command {argv[0]!r}; try: wirebeam run --help", file=sys.stderr)
        return 2
    try:
        return run(argv[1:])
    except (UsageError, NerConfigError) as exc:
        print(f"wirebeam: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wirebeam: interrupted; the previous output is untouched", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
