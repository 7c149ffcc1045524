"""Progress of long runs: each DoFn instance counts what it handled and says so every so often.

The lines go to the `wirebeam` log (INFO) of the worker; on the local multi-processing runner the
launching process shows them (see `wirebeam.pipeline.logs`), on Dataflow and Flink they land in the
workers' logs.
"""
import logging
import os
import time

log = logging.getLogger(__name__)

PROGRESS_SECONDS = 30.0


class Progress:
    """`add(n)` counts `n` more; at most every `seconds` (0 or less: never) it logs the count so
    far and the rate since the first `add`. A DoFn makes one in its constructor (it pickles)."""

    def __init__(self, what: str, seconds: float = PROGRESS_SECONDS, clock=time.monotonic):
        self.what, self.seconds, self.clock = what, seconds, clock
        self.count = 0
        self.started = self.last = None

    def add(self, n: int = 1) -> None:
        self.count += n
        if self.seconds <= 0:
            return
        now = self.clock()
        if self.started is None:
            self.started = self.last = now
        if now - self.last >= self.seconds:
            self.last = now
            rate = self.count / (now - self.started) if now > self.started else 0.0
            log.info("worker %d: %s %s so far (%.1f a second)", os.getpid(), f"{self.count:,}", self.what, rate)
