"""Checks of a `wirebeam run` command line, before anything is read or written. Each problem is a
`UsageError` whose message says what to do."""
import argparse
import datetime as dt
import difflib
import os
from typing import List, Optional

from apache_beam.options.pipeline_options import PipelineOptions, TestOptions

from wirebeam.transforms.files import is_local

DATAFLOW_RUNNERS = ("DataflowRunner", "TestDataflowRunner")
# The runners that run on this machine: Beam's DirectRunner engines (wirebeam maps DirectRunner to FnApiRunner)
LOCAL_RUNNERS = ("FnApiRunner", "DirectRunner", "BundleBasedDirectRunner", "SwitchingDirectRunner", "PrismRunner")
# Beam WorkerOptions (flag -> field) that size Dataflow's worker pool; a local run ignores them without a word
DATAFLOW_WORKER_OPTIONS = {"--num_workers": "num_workers", "--max_num_workers": "max_num_workers",
                           "--autoscaling_algorithm": "autoscaling_algorithm", "--machine_type": "machine_type",
                           "--worker_machine_type": "machine_type", "--disk_size_gb": "disk_size_gb"}
LOCAL_WORKERS = "--direct_num_workers N --direct_running_mode multi_processing"


class UsageError(Exception):
    """A problem with the command line; the message says what to do."""


def unknown_arguments(argv) -> Optional[str]:
    """What is wrong with the arguments that neither wirebeam nor any of Beam's options classes takes
    (a misspelt option, or the extra file names of an unquoted glob that the shell expanded), or None.
    Beam itself would drop them without a word."""
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
            options.append(name + (f" (did you mean {_suggestion(close[0])}?)" if close else ""))
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


def _suggestion(flag: str) -> str:
    """The flag to suggest for a near miss: for Dataflow's worker-pool flags also the local one."""
    if flag in DATAFLOW_WORKER_OPTIONS:
        return f"{LOCAL_WORKERS} on this machine, or {flag} on Dataflow"
    return flag


def check_worker_options(options, runner) -> None:
    """Dataflow's worker-pool options (--num_workers, --machine_type, ...) on a local runner are a usage
    error that names the local option: the local runners would ignore them without a word."""
    from apache_beam.options.pipeline_options import WorkerOptions
    if runner_name(runner) not in LOCAL_RUNNERS:
        return
    workers = options.view_as(WorkerOptions)
    given = sorted({flag for flag, field in DATAFLOW_WORKER_OPTIONS.items()
                    if getattr(workers, field, None) is not None and flag != "--worker_machine_type"})
    if given:
        raise UsageError(f"{', '.join(given)} {'is a Dataflow option' if len(given) == 1 else 'are Dataflow options'} "
                         f"that a local run ignores: run N workers on this machine with {LOCAL_WORKERS}, "
                         f"or pass --runner DataflowRunner")


def check_options(opts, feeds: List[str]) -> None:
    """wirebeam's own options: required ones present, numbers in range."""
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
    if not 0 < opts.story_threshold <= 1:
        raise UsageError("--story-threshold is an average cosine similarity: give a number above 0 and at most 1, "
                         "e.g. 0.18")
    if opts.story_window < 0:
        raise UsageError("--story-window is a number of days: give 0 (same day only) or more, e.g. 3")
    for name in ("extract_timeout", "extract_memory_mib"):
        if getattr(opts, name) < 0:
            raise UsageError(f"--{name.replace('_', '-')} must be 0 (no limit) or a positive number")
    if opts.commit_in_job and opts.state:
        raise UsageError("--commit-in-job cannot save --state: the feed state is saved by the driver after the "
                         "commit; drop one of them")


def output_folder(output: str) -> str:
    """--output as the run uses it: absolute when local; a usage error when it is an existing file."""
    if not is_local(output):
        return output
    out_dir = os.path.abspath(output)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise UsageError(f"--output {output!r} is a file: give a folder (it is created if missing)")
    return out_dir


def ingested_at(value: Optional[str], started: dt.datetime) -> dt.datetime:
    """--ingested-at as an aware timestamp (UTC when no offset is given); the run's start without it."""
    if not value:
        return started
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--ingested-at {value!r} is not an ISO 8601 timestamp; "
                         f"give one like 2025-03-14T06:00:00Z") from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)


def check_runner(runner) -> None:
    """A --runner that Beam does not know is a usage error before anything is written."""
    from apache_beam.runners.runner import create_runner
    if isinstance(runner, str):
        try:
            create_runner(runner)
        except ValueError as exc:
            raise UsageError(f"--runner {runner}: {exc}") from None
        except ImportError:  # a runner whose extra is missing: dataflow.submit says which extra to install
            pass


def runner_name(runner) -> str:
    if isinstance(runner, str):
        return runner.rsplit(".", 1)[-1]
    return type(runner).__name__ if not isinstance(runner, type) else runner.__name__


def dry_run(options) -> bool:
    """--dry_run (Beam's TestOptions) takes any string; read it as a yes/no and store the bool, so that
    --dry_run=False really submits (Beam itself would treat the string 'False' as true)."""
    test = options.view_as(TestOptions)
    value = test.dry_run
    flag = value if isinstance(value, bool) else str(value).strip().lower() in ("true", "1", "yes", "y", "on")
    test.dry_run = flag
    return flag
