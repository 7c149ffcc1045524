"""The driver's progress on a local run: input files done of the total (feed runs: items fetched of the
items found), documents, rate and time left.

With the local runners `pipeline.run()` blocks until the job is done, so the driver learns how far the
workers are from a side channel: a temporary folder named in the environment (`PROGRESS_DIR_ENV`) where
each DoFn instance keeps a small file with its running count (`transforms.progress`). A thread of the
driver adds the counts up every POLL_SECONDS and shows them every `seconds`: one line rewritten in place
on a terminal, plain `wirebeam` log lines otherwise. Nothing of this reaches the output.

Two phases: reading and extraction (files done of the total; fused, so a file is done once its documents
are extracted), then the entity stage (articles tagged of the articles extracted, known once every file
is done). The time left is the remaining work at the rate of the phase so far.
"""
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from typing import Dict, Optional

from wirebeam.transforms.progress import PROGRESS_DIR_ENV

log = logging.getLogger("wirebeam")

TTY_SECONDS = 2.0     # a terminal line rewritten in place costs nothing: update it often
LOG_SECONDS = 10.0    # plain log lines (a file, CI): a 30-second run still gets two or three
POLL_SECONDS = 0.5    # how often the counts are read, so that each phase's start is known to half a second
COUNT_SUFFIX = ".count"


def read_counts(folder: str) -> Dict[str, int]:
    """Sum of the running counts in `folder`, by key ("files", "documents", "articles", "tagged")."""
    totals: Dict[str, int] = {}
    try:
        names = os.listdir(folder)
    except OSError:
        return totals
    for name in names:
        if not name.endswith(COUNT_SUFFIX):
            continue
        try:
            with open(os.path.join(folder, name), encoding="ascii") as handle:
                value = int(handle.read() or 0)
        except (OSError, ValueError):
            continue
        key = name.split(".", 1)[0]
        totals[key] = totals.get(key, 0) + value
    return totals


def duration(seconds: float) -> str:
    """42 s, 3 min 05 s, 2 h 07 min."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _left(done: int, total: int, active: float) -> str:
    if not done or active <= 0:
        return ""
    return f", about {duration((total - done) * active / done)} left"


class ProgressView:
    """What the driver knows: counts over time -> one line. Remembers when each phase began."""

    def __init__(self, total_files: int, started: float):
        self.total_files, self.started = total_files, started
        self.reading_since: Optional[float] = None
        self.fetching_since: Optional[float] = None
        self.tagging_since: Optional[float] = None

    def line(self, counts: Dict[str, int], now: float) -> str:
        files, documents = counts.get("files", 0), counts.get("documents", 0)
        articles, tagged = counts.get("articles", 0), counts.get("tagged", 0)
        items, pages = counts.get("items", 0), counts.get("pages", 0)   # feed items found, and fetched
        if self.reading_since is None and (files or documents):
            self.reading_since = now
        if self.fetching_since is None and items:
            self.fetching_since = now
        if self.tagging_since is None and tagged:
            self.tagging_since = now
        head = f"[{duration(now - self.started)}]"
        reading = now - (self.reading_since if self.reading_since is not None else now)
        rate = f", {documents / reading:.1f} documents/s" if reading > 0 and documents else ""
        if not (files or documents or tagged or items):
            return f"{head} 0/{self.total_files:,} input files; starting the workers"
        if items and pages < items and not tagged:   # feeds: items found so far (feeds still being read) and done
            fetching = now - self.fetching_since
            item_rate = f", {pages / fetching:.1f} items/s" if fetching > 0 and pages else ""
            files_part = f"{files:,}/{self.total_files:,} input files, " if self.total_files else ""
            return (f"{head} {files_part}feeds: {pages:,}/{items:,} items fetched ({100 * pages // items}%)"
                    f"{item_rate}{_left(pages, items, fetching)}")
        if self.total_files and files < self.total_files:
            share = 100 * files // self.total_files
            return (f"{head} {files:,}/{self.total_files:,} input files ({share}%), {documents:,} documents "
                    f"extracted{rate}{_left(files, self.total_files, reading)}")
        done = f"{files:,}/{self.total_files:,} input files, " if self.total_files else ""
        if not tagged:
            return f"{head} {done}{documents:,} documents extracted, {articles:,} articles; duplicates, entities and writing follow"
        tagging = now - self.tagging_since
        total = max(articles, tagged)   # feed pages reach the entity stage too, without a count of their own
        share = 100 * tagged // total
        tag_rate = f", {tagged / tagging:.1f} articles/s" if tagging > 0 else ""
        left = _left(tagged, total, tagging) if tagged < total else "; writing Parquet"
        return (f"{head} {done}{documents:,} documents extracted; entities {tagged:,}/{total:,} articles "
                f"({share}%){tag_rate}{left}")


class _ClearLine(logging.Filter):
    """On a terminal: a log record (a worker's warning, say) first clears the progress line it would
    otherwise be appended to; the next update redraws the line."""

    def __init__(self, progress: "DriverProgress"):
        super().__init__()
        self.progress = progress

    def filter(self, record):
        if self.progress._shown_line:
            self.progress._shown_line = False
            self.progress.stream.write("\r\x1b[K")
        return True


class DriverProgress:
    """The progress thread of one local run: `with DriverProgress(total_files, seconds):` around
    `pipeline.run()`. `seconds` None: TTY_SECONDS on a terminal, LOG_SECONDS otherwise; 0: off."""

    def __init__(self, total_files: int, seconds: Optional[float] = None, stream=None, clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.seconds = (TTY_SECONDS if self.tty else LOG_SECONDS) if seconds is None else seconds
        self.clock = clock
        self.view = ProgressView(total_files, clock())
        self.folder: Optional[str] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._shown = False
        self._shown_line = False   # the progress line is on the screen now, without a newline after it
        self._clear = _ClearLine(self)

    def __enter__(self):
        if self.seconds <= 0:
            return self
        if self.tty:
            for handler in logging.getLogger().handlers:
                handler.addFilter(self._clear)
        self.folder = tempfile.mkdtemp(prefix="wirebeam-progress-")
        os.environ[PROGRESS_DIR_ENV] = self.folder   # before the workers start: they inherit it
        self._thread = threading.Thread(target=self._loop, name="wirebeam-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=5)
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self._clear)
        if self._shown_line:
            self.stream.write("\n")
            self.stream.flush()
        if self.folder is not None:
            if os.environ.get(PROGRESS_DIR_ENV) == self.folder:
                del os.environ[PROGRESS_DIR_ENV]
            shutil.rmtree(self.folder, ignore_errors=True)
        return False

    def _loop(self):
        last_shown = self.clock()
        while not self._stop.wait(POLL_SECONDS):
            now = self.clock()
            line = self.view.line(read_counts(self.folder), now)
            if now - last_shown >= self.seconds:
                last_shown = now
                self.show(line)

    def show(self, line: str) -> None:
        self._shown = True
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K")
            self.stream.flush()
            self._shown_line = True
        else:
            log.info("progress %s", line)
