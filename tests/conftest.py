import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
EVAL = SHARED / "eval" / "extraction"
SAMPLES = ROOT / "samples"
BAD = ROOT / "tests" / "data" / "bad"


def needs(path: pathlib.Path):
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is not here (shared data beside the project)")


def run_cli(*args, cwd=None, timeout=600):
    """Run the installed `wirebeam` command for real, in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "wirebeam", *map(str, args)], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONHASHSEED": "random"})


def process_outputs(fn, path):
    """A DoFn's `process(path)` outputs split by tag: {"main": [...], "failures": [...]}."""
    out = {"main": [], "failures": []}
    for item in fn.process(str(path)):
        if hasattr(item, "tag"):
            out[item.tag].append(item.value)
        else:
            out["main"].append(item)
    return out


def read_articles(out):
    import pyarrow.dataset as ds
    return ds.dataset(str(pathlib.Path(out) / "articles"), format="parquet", partitioning="hive").to_table()


def read_failures(out):
    import pyarrow.parquet as pq
    return pq.read_table(str(pathlib.Path(out) / "failures"))


class LoopbackHandler:
    """Mixin for test HTTP handlers: quiet, and `reply(status, body, headers)` in one call."""

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve_feed(path: str, body: bytes):
    """A real loopback HTTP server that answers `path` with the RSS `body` and everything else with 404."""
    import http.server

    class FeedOnly(LoopbackHandler, http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == path:
                self.reply(200, body, [("Content-Type", "application/rss+xml")])
            else:
                self.reply(404, b"nope")
    return serve(FeedOnly)


def serve(handler, address="127.0.0.1"):
    """A real HTTP server on a free loopback port, in a daemon thread; `.hits` lists the paths asked."""
    import http.server
    import threading
    server = http.server.ThreadingHTTPServer((address, 0), handler)
    server.daemon_threads, server.hits = True, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
