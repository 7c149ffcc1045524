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


def _articles_table(out):
    import pyarrow.dataset as ds
    return ds.dataset(str(pathlib.Path(out) / "articles"), format="parquet", partitioning="hive").to_table()


def read_articles(out):
    """A run's article rows (pyarrow), after `check_output` found its invariants hold."""
    check_output(out)
    return _articles_table(out)


def check_output(out, feeds_items=None):
    """The invariants of every run's output, for every test that reads one: `id` is unique; and
    in a feed run (run.json with feeds and the job's metrics) every new item ended as a row, a
    failure row or a counted skip: feeds.items_new = feed rows + feed item failures +
    feeds.repeated_item, each skip under its key (feeds.repeated_key.<key>). `feeds_items`: the
    number of new items the test expects, if it knows. Returns (articles, failures) as lists."""
    import collections
    import json
    out = pathlib.Path(out)
    articles = _articles_table(out).to_pylist() if (out / "articles").exists() else []
    failures = _failures_table(out).to_pylist() if (out / "failures").exists() else []
    repeated_ids = [i for i, n in collections.Counter(a["id"] for a in articles).items() if n > 1]
    assert not repeated_ids, f"two rows with one id: {[a['source'] for a in articles if a['id'] in repeated_ids]}"
    report = json.loads((out / "run.json").read_text()) if (out / "run.json").exists() else {}
    metrics = report.get("metrics") or {}
    if report.get("inputs", {}).get("feeds") and metrics and "note" not in metrics:  # metrics known
        items = metrics.get("feeds.items_new", 0)
        rows = sum(1 for a in articles if a["source"].startswith("feed:"))
        failed = sum(1 for f in failures if f["source"].startswith("feed:"))
        skips = metrics.get("feeds.repeated_item", 0)
        assert items == rows + failed + skips, (f"{items} new feed items, but {rows} rows + {failed} failures + "
                                                f"{skips} counted skips")
        by_key = sum(n for name, n in metrics.items() if name.startswith("feeds.repeated_key."))
        assert by_key == skips, f"{skips} repeated items, {by_key} counted under their keys"
        if feeds_items is not None:
            assert items == feeds_items, f"{items} new feed items, {feeds_items} expected"
    return articles, failures


def _failures_table(out):
    import pyarrow.parquet as pq
    return pq.read_table(str(pathlib.Path(out) / "failures"))


def read_failures(out):
    """A run's failure rows (pyarrow), after `check_output` found its invariants hold."""
    check_output(out)
    return _failures_table(out)


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
