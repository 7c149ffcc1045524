"""Local multi-processing runs that stop cleanly on Ctrl-C or when the driver is killed.

Beam's FnApiRunner starts each `--direct_running_mode multi_processing` worker as a child in the
driver's process group, so Ctrl-C on a terminal interrupts every worker too: each prints a
KeyboardInterrupt traceback, the driver's gRPC threads log "Stream removed" and "sdk harness failed",
80 to 170 lines in all. Here the workers run `python -m wirebeam.pipeline.local`, which moves itself
into a process group of its own (Ctrl-C reaches only the driver) and exits without a word once its
parent is gone; the driver, when interrupted, ends its workers (`stop_workers`) and leaves at once.
"""
import logging
import os
import signal
import sys
import threading
import time
from typing import List

PARENT_POLL_SECONDS = 0.5   # how soon an orphaned worker notices that its driver is gone
# The run's extraction limits ("SECONDS:MIB"), given to each worker so that it starts its extraction
# child first thing, beside its own start-up (see transforms.isolation.start_ahead)
EXTRACT_AHEAD = "WIREBEAM_EXTRACT_AHEAD"
EXTRACTION = "wirebeam.transforms.extract.dispatch:extract_document"   # what that child serves

if __name__ in ("__main__", "__mp_main__"):   # a worker, or the extraction child it spawns (transforms.isolation)
    # Their records reach the driver through Beam's log handler, which shows them as the worker's own
    # lines (pipeline.logs). Without a handler of their own, the first root-level warning Beam logs on
    # import would install logging's default one on stderr, and every INFO line of the harness would
    # follow it onto the user's console ("INFO:apache_beam.runners.worker...", about 40 a run).
    logging.getLogger().addHandler(logging.NullHandler())


def worker_command(extract_timeout: float = 0, extract_memory_mib: int = 0) -> str:
    """The workers' command line (run with a shell by Beam): `exec` keeps the driver their parent.
    With an extraction time limit, the workers start their extraction child ahead."""
    ahead = f"env {EXTRACT_AHEAD}={extract_timeout:g}:{extract_memory_mib:d} " if extract_timeout else ""
    return f"exec {ahead}{sys.executable} -m wirebeam.pipeline.local"


def local_runner(options):
    """The FnApiRunner for `options`, whose multi-processing workers are `worker_command()`; None for
    the other running modes, which run in the driver's process."""
    from apache_beam.options.pipeline_options import DirectOptions

    from wirebeam.pipeline.options import WirebeamOptions
    if options.view_as(DirectOptions).direct_running_mode != "multi_processing":
        return None
    limits = options.view_as(WirebeamOptions)
    command = worker_command(limits.extract_timeout, limits.extract_memory_mib)
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from apache_beam.transforms.environments import SubprocessSDKEnvironment

    class QuietWorkersRunner(FnApiRunner):
        """Beam picks the workers' environment from the options when the run starts; this swaps in ours."""

        @property
        def _default_environment(self):
            return self._environment

        @_default_environment.setter
        def _default_environment(self, environment):
            if isinstance(environment, SubprocessSDKEnvironment):
                environment = SubprocessSDKEnvironment.from_command_string(command)
            self._environment = environment

    return QuietWorkersRunner()


def child_processes(pid: int) -> List[int]:
    """The direct children of `pid` (Linux /proc; empty elsewhere)."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(p) for p in handle.read().split()]
    except OSError:
        pass
    return sorted(set(found))


def quiet() -> None:
    """No more log lines or thread tracebacks in this process (Beam's threads and cleanup after an interrupt)."""
    logging.disable(logging.CRITICAL)
    threading.excepthook = lambda args: None


def stop_workers() -> None:
    """After an interrupt: quiet, and SIGTERM to the worker processes (which die without a word; they
    would also leave on their own once the driver is gone)."""
    quiet()
    for pid in child_processes(os.getpid()):
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(0)   # the driver is gone: nobody is left to report to


def start_extraction_child(timeout: float, memory_mib: int) -> None:
    """Start the extraction child ExtractArticles will use under these limits, now (see
    transforms.isolation.start_ahead); without a time limit extraction runs in-process, no child.
    By name, so that the caller (a worker, before its Beam import) need not import the extractor."""
    from wirebeam.transforms.isolation import memory_limit, start_ahead
    if timeout:
        start_ahead(EXTRACTION, memory_limit(memory_mib))


def worker_main() -> None:
    try:
        os.setpgrp()   # out of the terminal's foreground group: Ctrl-C goes to the driver alone
    except OSError:
        pass
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))   # the driver stops us: quietly
    if os.environ.get(EXTRACT_AHEAD):
        timeout, memory_mib = os.environ[EXTRACT_AHEAD].split(":")
        start_extraction_child(float(timeout), int(memory_mib))
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()
    from wirebeam.pipeline.collector import relax_collector
    relax_collector()
    from apache_beam.runners.worker import sdk_worker_main
    sdk_worker_main.main(sys.argv)


if __name__ == "__main__":
    worker_main()
