"""The `wirebeam` command.

    wirebeam run --input 'samples/*' --output out [Beam options...]

wirebeam's own flags are fields of `WirebeamOptions`; every other flag goes to Beam unchanged
(--runner, --direct_num_workers, --direct_running_mode, ...). This module parses the command and
dispatches; `pipeline.run` runs a job, `pipeline.checks` checks its flags, `pipeline.summary` prints
what it did, `pipeline.dataflow` submits and dry-runs.
"""
import sys

from wirebeam.pipeline.logs import setup_logging  # before apache_beam: it filters a warning Beam logs on import

setup_logging()

import argparse  # noqa: E402

from wirebeam import __version__  # noqa: E402

# Each command imports what it needs when it runs: `wirebeam report` and `--version` never pay
# for importing Beam (seconds on a busy machine).

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
USAGE = ("usage: wirebeam run --input PATTERN [--input PATTERN ...] --output DIR [options]\n\n"
         "Commands:\n  run    run the ingestion pipeline (wirebeam run --help lists every option)\n"
         "  report summarise an output folder or dataset as HTML or JSON (wirebeam report --help)\n"
         "  --version  print the version")


def _parser() -> argparse.ArgumentParser:
    from wirebeam.pipeline.options import WirebeamOptions
    parser = argparse.ArgumentParser(prog="wirebeam run", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    WirebeamOptions._add_argparse_args(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="Log debug messages.")
    return parser


def run(argv) -> int:
    """`wirebeam run ARGS`: --help and -v here, the job in pipeline.run."""
    from wirebeam.pipeline import run as run_job
    known, _beam_args = _parser().parse_known_args(argv)
    setup_logging(known.verbose)
    return run_job.run([a for a in argv if a not in ("-v", "--verbose")])


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == "--version":
        print(f"wirebeam {__version__}")
        return 0
    if argv[0] == "report":
        from wirebeam.pipeline.report import main as report_main
        return report_main(argv[1:])
    if argv[0] != "run":
        print(f"wirebeam: unknown command {argv[0]!r}; try: wirebeam run --help", file=sys.stderr)
        return 2
    from wirebeam.pipeline.checks import UsageError
    from wirebeam.transforms.entities.tag import NerConfigError
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
