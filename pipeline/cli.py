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
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from wirebeam import __version__  # noqa: E402
from wirebeam.pipeline.collector import relax_collector  # noqa: E402
from wirebeam.pipeline.local import stop_workers  # noqa: E402

# Each command imports what it needs when it runs: `wirebeam report` and `--version` never pay
# for importing Beam (seconds on a busy machine), and a Ctrl-C during the imports of `run` finds
# the interrupt handler in place.

DESCRIPTION = """Read news articles, extract clean text and metadata, detect the language, mark wire copies,
tag entities, and write Parquet partitioned by publication date.

Output (OUTPUT folder):
  articles/date=YYYY-MM-DD/part-*.parquet   one row per article (date=YYYY-MM for month-only dates,
                                            date=unknown when no date was found)
  failures/part-*.parquet                   one row per input that did not become an article
  stories/part-*.parquet                    one row per story the run touched (--stories off: none)
  run.json                                  counts, failures by stage and reason, versions
  runs/RUNID.json, _index/                  with --append: each run's report, the copy and story index

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
    relax_collector()   # before Beam's imports and the flow's construction, which allocate a lot too
    from wirebeam.pipeline import run as run_job
    known, _beam_args = _parser().parse_known_args(argv)
    setup_logging(known.verbose)
    return run_job.run([a for a in argv if a not in ("-v", "--verbose")])


def _stopped(signum, _frame):
    """Ctrl-C or SIGTERM: the workers of a local run are ended now (Beam's cleanup waits for them), and
    from here on Beam's threads and cleanup code log nothing; the run stops."""
    stop_workers()
    _signal.append(signal.Signals(signum).name)
    threading.Thread(target=_deadline, daemon=True).start()
    raise KeyboardInterrupt() if signum == signal.SIGINT else KeyboardInterrupt(signal.Signals(signum).name)


INTERRUPTED = "wirebeam: interrupted{how}; the previous output is untouched (the next run removes what this one staged)"
STOP_SECONDS = 10.0   # longest wait for Beam's cleanup after an interrupt before the driver leaves anyway
_said = threading.Event()
_signal = []   # the signal that stopped the run; Beam re-raises a KeyboardInterrupt in a DoFn as a RuntimeError


def _say_interrupted(how: str = "") -> None:
    if not _said.is_set():
        _said.set()
        print(INTERRUPTED.format(how=how), file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()


def _deadline() -> None:
    time.sleep(STOP_SECONDS)
    _say_interrupted()
    os._exit(130)


def _interrupted(exc: KeyboardInterrupt) -> int:
    """One line; then, when Beam's threads are still running (a local run), leave without waiting for them."""
    _say_interrupted(f" ({exc.args[0]})" if exc.args else "")
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        os._exit(130)
    return 130


def main(argv=None) -> int:
    """The `wirebeam` command. Called as the process's entry (no `argv`), a finished `run` leaves at
    once (`leave`) instead of returning through the interpreter's teardown."""
    if argv is None and sys.argv[1:2] == ["run"]:
        leave(_main(sys.argv[1:]))
    return _main(list(sys.argv[1:] if argv is None else argv))


def leave(code: int) -> None:
    """Flush the console and the log handlers, then end the process without Python's teardown: after
    a run it frees the entity models, the language profiles and Beam's pipeline graph object by
    object, which measured 1.5 to 5.5 s on the loaded 2-core test machine (py-spy: the main thread
    outside any Python frame after the summary was printed), for nothing the run needs. The run's
    locks are released and its files committed before this; an extraction child left behind ends
    when its pipe closes (transforms.isolation)."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _main(argv) -> int:
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
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):   # a killed driver says so in one line, like Ctrl-C
            signal.signal(signum, _stopped)
    try:
        from wirebeam.pipeline.checks import UsageError
        from wirebeam.transforms.entities.tag import NerConfigError
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    try:
        return run(argv[1:])
    except (UsageError, NerConfigError) as exc:
        print(f"wirebeam: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except Exception:
        if _signal:   # the interrupt, wrapped by Beam: "RuntimeError: KeyboardInterrupt [while running ...]"
            return _interrupted(KeyboardInterrupt(*([] if _signal[0] == "SIGINT" else _signal[:1])))
        raise


if __name__ == "__main__":
    sys.exit(main())
