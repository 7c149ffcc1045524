"""Progress of long runs: each DoFn instance counts what it handled.

Two channels. On a local run the driver (`wirebeam.pipeline.console`) shows one line for the whole run,
with the total and the time left: it names a folder in the environment variable `PROGRESS_DIR_ENV`
before the pipeline starts, workers (threads or the multi-processing runner's child processes, which
inherit the environment) write each counter's running count into a small file of its own there, and
the driver adds them up. Elsewhere (Dataflow, Flink) each worker logs its own count to the `wirebeam`
log (INFO) every so often; those lines land in the workers' logs.
"""
import logging
import os
import threading
import time
from typing import Optional

log = logging.getLogger(__name__)

PROGRESS_SECONDS = 30.0
PROGRESS_DIR_ENV = "WIREBEAM_PROGRESS_DIR"
# Least time between two writes of one count file. A write took 1.8 ms on the shared 2-core test machine
# (0.3 us an add without); a document takes 100+ ms to extract, so this keeps the cost far below 1 %.
WRITE_SECONDS = 0.25


def count_file(folder: str, key: str, instance: str) -> str:
    """The file of one counter of one DoFn instance: KEY.PID-ID.count."""
    return os.path.join(folder, f"{key}.{instance}.count")


def write_count(path: str, count: int) -> None:
    """The count, replaced whole (written beside, then renamed), so a reader never sees half a number."""
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="ascii") as handle:
        handle.write(str(count))
    os.replace(temporary, path)


class Progress:
    """`add(n)` counts `n` more. With a driver folder (`PROGRESS_DIR_ENV`) and a `key`, the running count
    is written there at most every WRITE_SECONDS (a timer writes the last one, so the driver's totals end
    exact).
    Log lines: every `seconds` the count so far and the rate since the first `add`; `seconds` None means
    every PROGRESS_SECONDS, but not when the driver shows the progress; 0 or less: never.
    A DoFn makes one in its constructor (it pickles)."""

    def __init__(self, what: str, seconds: Optional[float] = PROGRESS_SECONDS, clock=time.monotonic,
                 key: Optional[str] = None):
        self.what, self.seconds, self.clock, self.key = what, seconds, clock, key
        self.count = 0
        self.started = self.last = None
        self.path = None
        self.written_at = None
        self._timer = None
        self._lock = threading.Lock()

    def __getstate__(self):   # a DoFn pickles its Progress: no timer or lock in the pickle
        state = dict(self.__dict__)
        state["_timer"], state["_lock"] = None, None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _write(self) -> None:
        with self._lock:
            self._timer = None
            if self.path is None:
                return
            try:
                write_count(self.path, self.count)
                self.written_at = self.clock()
            except OSError:   # the driver removed its folder (the run is ending): progress is only a display
                self.path = None

    def _report(self, now: float) -> None:
        if self.written_at is None or now - self.written_at >= WRITE_SECONDS:
            self._write()
        elif self._timer is None:   # a later write brings the file up to date
            self._timer = threading.Timer(WRITE_SECONDS, self._write)
            self._timer.daemon = True
            self._timer.start()

    def _start(self, now: float) -> None:
        self.started = self.last = now
        folder = os.environ.get(PROGRESS_DIR_ENV)
        if folder and self.key and os.path.isdir(folder):
            self.path = count_file(folder, self.key, f"{os.getpid()}-{id(self):x}")
        if self.seconds is None:
            self.seconds = 0 if folder else PROGRESS_SECONDS

    def add(self, n: int = 1) -> None:
        self.count += n
        now = self.clock()
        if self.started is None:
            self._start(now)
        if self.path is not None:
            self._report(now)
        if self.seconds <= 0:
            return
        if now - self.last >= self.seconds:
            self.last = now
            rate = self.count / (now - self.started) if now > self.started else 0.0
            log.info("worker %d: %s %s so far (%.1f a second)", os.getpid(), f"{self.count:,}", self.what, rate)
