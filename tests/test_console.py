"""The driver's progress: counts written by real Progress objects into the driver's folder, added up,
and shown as one line with the total and the time left (a rewritten line on a terminal, log lines
otherwise); and a real run that shows them."""
import io
import logging
import os
import re
import time

from conftest import run_cli
from wirebeam.pipeline.console import DriverProgress, ProgressView, duration, read_counts
from wirebeam.transforms.progress import PROGRESS_DIR_ENV, WRITE_SECONDS, Progress


def test_counts_of_every_instance_add_up(tmp_path, monkeypatch):
    monkeypatch.setenv(PROGRESS_DIR_ENV, str(tmp_path))
    first, second = Progress("files read", 0, key="files"), Progress("files read", 0, key="files")
    docs = Progress("documents extracted", None, key="documents")
    first.add(), first.add(), second.add(3), docs.add(7)
    (tmp_path / "files.half-written.count.tmp").write_text("99")   # a write in progress is not counted
    assert read_counts(str(tmp_path)) == {"files": 4, "documents": 7}   # first's second add: not yet written
    time.sleep(WRITE_SECONDS * 3)
    assert read_counts(str(tmp_path)) == {"files": 5, "documents": 7}   # a timer wrote the last count
    assert docs.seconds == 0   # the driver shows progress: no per-worker log lines by default


def test_many_adds_cost_little_and_end_exact(tmp_path, monkeypatch):
    monkeypatch.setenv(PROGRESS_DIR_ENV, str(tmp_path))
    progress = Progress("documents extracted", None, key="documents")
    clock = time.perf_counter()
    for _ in range(2000):
        progress.add()
    per_add = (time.perf_counter() - clock) / 2000
    assert per_add < 200e-6, per_add   # measured 8 us here; one file write per add took 1.8 ms
    time.sleep(WRITE_SECONDS * 3)
    assert read_counts(str(tmp_path)) == {"documents": 2000}


def test_without_a_driver_workers_log_their_own_counts(monkeypatch):
    monkeypatch.delenv(PROGRESS_DIR_ENV, raising=False)
    progress = Progress("documents extracted", None, key="documents")
    progress.add()
    assert progress.seconds == 30 and progress.path is None


def test_the_line_gives_files_of_the_total_rate_and_time_left():
    view = ProgressView(total_files=100, started=0.0)
    assert view.line({}, 3.0) == "[3 s] 0/100 input files; starting the workers"
    assert view.line({"files": 1, "documents": 2}, 5.0) == \
        "[5 s] 1/100 input files (1%), 2 documents extracted"   # reading began just now: no rate yet
    assert view.line({"files": 25, "documents": 50, "articles": 48}, 15.0) == \
        "[15 s] 25/100 input files (25%), 50 documents extracted, 5.0 documents/s, about 30 s left"
    assert view.line({"files": 100, "documents": 200, "articles": 190}, 45.0) == \
        "[45 s] 100/100 input files, 200 documents extracted, 190 articles; duplicates, entities and writing follow"
    assert view.line({"files": 100, "documents": 200, "articles": 190, "tagged": 10}, 50.0).endswith(
        "entities 10/190 articles (5%)")
    assert view.line({"files": 100, "documents": 200, "articles": 190, "tagged": 100}, 140.0) == \
        ("[2 min 20 s] 100/100 input files, 200 documents extracted; entities 100/190 articles (52%), "
         "1.1 articles/s, about 1 min 21 s left")
    assert view.line({"files": 100, "documents": 200, "articles": 190, "tagged": 190}, 200.0).endswith(
        "(100%), 1.3 articles/s; writing Parquet")
    assert duration(7260) == "2 h 01 min"


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_one_line_rewritten_in_place(monkeypatch):
    clock = iter(range(0, 1000)).__next__   # each call: one second later
    stream = Terminal()
    with DriverProgress(total_files=4, stream=stream, clock=lambda: float(clock())) as progress:
        assert progress.seconds == 2.0 and PROGRESS_DIR_ENV in os.environ
        Progress("files read", 0, key="files").add(2)
        progress.show(progress.view.line(read_counts(progress.folder), 9.0))
        folder = progress.folder
    text = stream.getvalue()
    assert text.startswith("\r[") and "2/4 input files (50%)" in text and text.endswith("\x1b[K\n"), repr(text)
    assert not os.path.exists(folder) and PROGRESS_DIR_ENV not in os.environ


def test_a_log_line_on_the_terminal_clears_the_progress_line_first():
    stream = Terminal()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with DriverProgress(total_files=4, stream=stream) as progress:
            progress.show("[2 s] 1/4 input files (25%)")
            logging.getLogger("wirebeam").warning("a worker said something")
            progress.show("[4 s] 2/4 input files (50%)")
    finally:
        root.removeHandler(handler)
    assert stream.getvalue() == ("\r[2 s] 1/4 input files (25%)\x1b[K\r\x1b[Ka worker said something\n"
                                 "\r[4 s] 2/4 input files (50%)\x1b[K\n")
    assert not handler.filters   # the filter leaves with the run


def test_a_run_shows_files_done_of_the_total_in_log_lines(tmp_path):
    result = run_cli("run", "--input", "samples/*", "--output", tmp_path / "out", "--progress-seconds", "0.5")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = re.findall(r"INFO wirebeam: progress \[.*", result.stderr)
    assert lines, result.stderr[-3000:]
    done = [line for line in lines if "11/11 input files" in line]
    assert done and ("14 articles" in done[0] or "entities" in done[0]), lines   # 11 files, 14 articles
    assert not list((tmp_path / "out").glob("*progress*"))   # nothing of it in the output


def test_a_feed_run_gives_items_fetched_of_the_items_found():
    view = ProgressView(total_files=0, started=0.0)
    assert view.line({}, 1.0) == "[1 s] 0/0 input files; starting the workers"
    assert view.line({"items": 40}, 2.0) == "[2 s] feeds: 0/40 items fetched (0%)"
    assert view.line({"items": 40, "pages": 10}, 7.0) == \
        "[7 s] feeds: 10/40 items fetched (25%), 2.0 items/s, about 15 s left"
    assert view.line({"items": 40, "pages": 40, "documents": 0, "articles": 0, "tagged": 5}, 20.0).endswith(
        "entities 5/5 articles (100%); writing Parquet")   # the entity stage follows as for files


def test_a_feed_run_shows_items_fetched_in_log_lines(tmp_path):
    import http.server
    from conftest import LoopbackHandler, serve

    class Site(LoopbackHandler, http.server.BaseHTTPRequestHandler):
        def do_GET(self):   # the feed, and 404 for robots.txt and the item pages (they fall back to the feed)
            if self.path != "/feed.xml":
                return self.reply(404, b"nope")
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            items = "".join(f"<item><title>Meldung {i}</title><guid>item-{i}</guid><link>{base}/page-{i}</link>"
                            f"<description>Der Stadtrat hat am Montag über den Haushalt für das Jahr {2000 + i} "
                            f"beraten und mehrere Anträge beschlossen.</description></item>" for i in range(6))
            self.reply(200, f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}'
                            f'</channel></rss>'.encode(), [("Content-Type", "application/rss+xml")])

    server = serve(Site)
    feed = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    result = run_cli("run", "--feed", feed, "--output", tmp_path / "out", "--allow-host", "127.0.0.1",
                     "--host-delay", "1", "--progress-seconds", "0.5", "--ner", "none")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = re.findall(r"INFO wirebeam: progress \[.*", result.stderr)
    assert any(re.search(r"feeds: [1-5]/6 items fetched", line) for line in lines), lines   # one page a second
