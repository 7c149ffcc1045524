"""Ctrl-C (SIGINT to the whole foreground process group, as a terminal sends it) or SIGTERM to the driver
of a real 2-worker multi-processing run: one clear line on stderr, exit status 130, no worker left behind,
the previous output untouched. The runs read a feed from a loopback site whose article pages stall, so
the signal always arrives while the pipeline runs, whatever the machine's speed."""
import http.server
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT, LoopbackHandler, serve
from wirebeam.pipeline.local import child_processes

ITEMS = 40
FEED = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Harbour news</title>"
        + "".join(f"<item><guid>story-{n}</guid><title>Terminal {n}</title><link>{{base}}/story/{n}</link></item>"
                  for n in range(ITEMS))
        + "</channel></rss>")
PAGE = ("<html><head><title>Terminal</title></head><body><article><p>Hamburg - The harbour authority opened a new "
        "container terminal on Monday. Officials said it would handle two million containers a year.</p>"
        "</article></body></html>").encode()


MULTI = ("--direct_running_mode", "multi_processing", "--direct_num_workers", "2")


@pytest.fixture
def stalled_site():
    """A real loopback news site whose article pages do not answer until the test is done: a run
    that asks for one is certainly inside the pipeline (in the page-fetching DoFn) when it is
    interrupted, however fast or slow the machine."""
    asked, done = threading.Event(), threading.Event()

    class Stalled(LoopbackHandler, http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/feed.xml":
                self.reply(200, FEED.format(base=base).encode(), [("Content-Type", "application/rss+xml")])
            elif self.path.startswith("/story/"):
                asked.set()
                done.wait(120)
                self.reply(200, PAGE, [("Content-Type", "text/html; charset=utf-8")])
            else:
                self.reply(404, b"nope")
    server = serve(Stalled)
    server.asked = asked
    yield server
    done.set()
    server.shutdown()
    server.server_close()


def _start(site, out, *mode):
    feed = f"http://127.0.0.1:{site.server_address[1]}/feed.xml"
    return subprocess.Popen([sys.executable, "-m", "wirebeam", "run", "--feed", feed, "--output", str(out),
                             "--allow-host", "127.0.0.1", "--host-delay", "0", "--ner", "none", *mode],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)   # its own process group, like a shell job


def _wait_for_a_page_request(process, site, timeout=120):
    """Until the run asks for an article page (it is then running the pipeline)."""
    deadline = time.monotonic() + timeout
    while not site.asked.wait(0.2):
        assert process.poll() is None, process.communicate()[1][-3000:]
        if time.monotonic() > deadline:
            pytest.fail("the run never asked for an article page")


def _stop(process, how):
    if how == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGTERM)
    try:
        _stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return stderr


def _gone(pids, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(os.path.exists(f"/proc/{pid}") and "zombie" not in open(f"/proc/{pid}/status").read()
                   for pid in pids):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_an_interrupted_two_worker_run_says_one_clear_line(stalled_site, tmp_path, how):
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_text('{"run_id": "before"}', encoding="utf-8")   # a previous run's output
    process = _start(stalled_site, out, *MULTI)
    _wait_for_a_page_request(process, stalled_site)
    workers = child_processes(process.pid)
    assert len(workers) >= 2, workers
    stderr = _stop(process, how)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert process.returncode == 130, stderr[-3000:]
    assert len(lines) <= 3, stderr[-5000:]
    said = [line for line in lines if line.startswith("wirebeam: interrupted")]
    assert len(said) == 1 and "previous output is untouched" in said[0], lines
    assert ("(SIGTERM)" in said[0]) == (how == "sigterm")
    assert "Traceback" not in stderr and "Stream removed" not in stderr and "harness" not in stderr
    assert _gone(workers), f"workers {workers} still run"
    assert (out / "run.json").read_text(encoding="utf-8") == '{"run_id": "before"}'


def test_an_interrupted_single_process_run_says_one_clear_line(stalled_site, tmp_path):
    """In one process Beam re-raises the KeyboardInterrupt that hits a DoFn as a RuntimeError: still one line."""
    out = tmp_path / "out"
    process = _start(stalled_site, out)
    _wait_for_a_page_request(process, stalled_site)
    stderr = _stop(process, "ctrl-c")
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert process.returncode == 130 and len(lines) <= 3, stderr[-5000:]
    assert sum(line.startswith("wirebeam: interrupted;") for line in lines) == 1, lines
    assert not (out / "run.json").exists()
    assert not list(tmp_path.glob("out/articles/**/*.parquet"))   # nothing half-written is visible
