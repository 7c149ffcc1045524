"""The `wirebeam` command.

    wirebeam run --input 'samples/*' --output out [Beam options...]

wirebeam's own flags are fields of `WirebeamOptions`; every other flag goes to Beam unchanged
(--runner, --direct_num_workers, --direct_running_mode, --project, ...).
"""
import logging
import sys


class _QuietImports(logging.Filter):
    """apache_beam logs a warning about optional GCP clients on import; a local user has no use for it."""

    def filter(self, record):
        return "apitools not found" not in record.getMessage()


def _setup_logging(verbose: bool = False) -> None:
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        handler.addFilter(_QuietImports())
        root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("wirebeam").setLevel(logging.DEBUG if verbose else logging.INFO)
    # trafilatura and htmldate log every odd page at WARNING/ERROR; the failure records carry what matters.
    for noisy in ("trafilatura", "htmldate", "readability", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)


_setup_logging()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from importlib import metadata  # noqa: E402

import apache_beam as beam  # noqa: E402
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions  # noqa: E402

from wirebeam import __version__  # noqa: E402
from wirebeam.pipeline import output  # noqa: E402
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


def _versions() -> dict:
    out = {"wirebeam": __version__, "python": platform.python_version()}
    for dist in ("apache-beam", "pyarrow", "trafilatura", "langdetect", "spacy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


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


def _entities_report(ner: str, models: dict, metrics: dict) -> dict:
    """run.json "entities": which pipelines tagged which language, and how many articles had none."""
    return {
        "status": "off (--ner none)" if ner == "none" else describe_models(models),
        "models": {lang: ("bundled" if name == bundled_model_path(lang) else name) for lang, name in sorted(models.items())},
        "tagged_articles": {lang: metrics.get(f"entities.tagged_articles_{lang}", 0) for lang in sorted(models)},
        "no_model_for_language": metrics.get("entities.no_model_for_language", 0),
        "entities": metrics.get("entities.entities", 0),
    }


def _print_summary(report: dict, out=sys.stdout) -> None:
    w = out.write
    w(f"\nwirebeam: {report['articles']} articles from {report['inputs']['files']} input files "
      f"in {report['elapsed_seconds']:.1f} s\n")
    w(f"  output      {report['output']}\n")
    w(f"  duplicates  {report['duplicates']} rows are copies (in {report['duplicate_groups']} groups)\n")
    langs = ", ".join(f"{k} {v}" for k, v in report["languages"].items()) or "-"
    w(f"  languages   {langs}\n")
    dates = ", ".join(f"{k} {v}" for k, v in report["dates"].items()) or "-"
    w(f"  dates       {dates}\n")
    failures = report["failures"]
    w(f"  failures    {failures['total']}")
    details = [f"{stage}/{reason} {n}" for stage, reasons in failures["by_stage"].items() for reason, n in reasons.items()]
    w(f" ({', '.join(details)})\n" if details else "\n")
    w(f"  entities    {report['entities']['status']}\n")
    w(f"Query it: duckdb -c \"SELECT date, language, title FROM read_parquet('{report['output']}/articles/**/*.parquet', "
      f"hive_partitioning=true)\"\n")


def run(argv) -> int:
    parser = _parser()
    known, _beam_args = parser.parse_known_args(argv)
    _setup_logging(known.verbose)
    argv = [a for a in argv if a not in ("-v", "--verbose")]
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
    for name in ("extract_timeout", "extract_memory_mib"):
        if getattr(opts, name) < 0:
            raise UsageError(f"--{name.replace('_', '-')} must be 0 (no limit) or a positive number")
    paths = expand_inputs(opts.input) if opts.input else []
    if opts.input and not paths:
        raise UsageError(f"no input file matched {', '.join(map(repr, opts.input))}: check the path, "
                         f"and quote globs so the shell does not expand them")
    ner_models = resolve_models(opts.ner, opts.ner_model)
    if ner_models:
        check_models(ner_models)
    standard = options.view_as(StandardOptions)
    if standard.runner in (None, "DirectRunner"):
        standard.runner = LOCAL_RUNNER

    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    ingested_at = dt.datetime.fromisoformat(opts.ingested_at.replace("Z", "+00:00")) if opts.ingested_at else started
    if ingested_at.tzinfo is None:
        ingested_at = ingested_at.replace(tzinfo=dt.timezone.utc)
    run_id = opts.run_id or started.strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}"
    out_dir = opts.output if "://" in opts.output else os.path.abspath(opts.output)
    staging = output.prepare_staging(out_dir, run_id)
    log.info("run %s: %d input files -> %s (runner %s)", run_id, len(paths), out_dir, standard.runner)

    clock = time.monotonic()
    pipeline = beam.Pipeline(options=options)
    feed_state = feedrun.load(opts) if feeds else None
    build_pipeline(pipeline, paths=paths, staging=staging, options=opts, ingested_at=ingested_at,
                   ner_models=ner_models, feeds=feeds, feed_state=feed_state,
                   fetch_policy=feedrun.policy(opts) if feeds else None)
    result = pipeline.run()
    state = result.wait_until_finish()
    if state not in (None, "DONE", beam.runners.runner.PipelineState.DONE):
        log.error("the pipeline ended in state %s; the previous output in %s is untouched", state, out_dir)
        return 1
    output.ensure_failures_file(staging)
    metrics = _counters(result)
    report = {
        "run_id": run_id,
        "started_at": started.isoformat(),
        "elapsed_seconds": round(time.monotonic() - clock, 3),
        "output": out_dir,
        "inputs": {"patterns": opts.input, "files": len(paths), "feeds": len(feeds)},
        **output.summarise(staging),
        "entities": _entities_report(opts.ner, ner_models, metrics),
        "runner": standard.runner,
        "metrics": metrics,
        "versions": _versions(),
    }
    output.write_run_json(staging, report)
    update = feedrun.read_update(staging) if feeds else None
    output.commit(staging, out_dir)
    if feeds:
        feedrun.save(opts, feed_state, update)  # only after the output is committed
    _print_summary(report)
    return 0


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
