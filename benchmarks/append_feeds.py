#!/usr/bin/env python3
"""A day of half-hourly feed runs appended into one dataset: 48 runs of 200 new feed items each,
from a real HTTP server on 127.0.0.1 (as the tests serve feeds).

Each run's feed lists its 200 new items and the previous run's last 50 again (as real feeds
overlap); one item in five (from the second run on) is another outlet's copy of a story from one
of the three runs before, with a wire copy's edits (dedup_scale's generator: verbatim, two
sentences replaced, subedited, cut). Every run is `wirebeam run --feed ... --state ... --append
--output DATASET --ingested-at T` in a subprocess, T half an hour after the last; --ner none (the
entity stage is not what this measures). Reported: total rows, copies linked across runs against
the truth, rows doubled (must be 0), seconds per run, and the time of DuckDB queries over the dataset.

    python benchmarks/append_feeds.py                    # 48 runs x 200 items
    python benchmarks/append_feeds.py --runs 6 --items 50
"""
import argparse
import datetime as dt
import http.server
import json
import pathlib
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import dedup_scale  # noqa: E402

OVERLAP = 50          # items of the previous run listed again
COPY_EVERY = 5        # one item in five copies an earlier run's story
START = dt.datetime(2026, 6, 1, 0, 0, tzinfo=dt.timezone.utc)


def item(run: int, j: int, items: int):
    """(text, source (run, j) of the story it copies or None) of item j of a run."""
    if run > 0 and j % COPY_EVERY == 0:
        source_j = (j * 7 + 1) % items
        if source_j % COPY_EVERY == 0:   # copy an original story, not another copy
            source_j += 1
        src = (max(0, run - 1 - j % 3), source_j)
        edit = dedup_scale.EDITS[j % len(dedup_scale.EDITS)]
        paragraphs = dedup_scale._edit(dedup_scale._paragraphs(seed(*src)), edit, seed(run, j))
        return "\n\n".join(" ".join(p) for p in paragraphs), src
    return "\n\n".join(" ".join(p) for p in dedup_scale._paragraphs(seed(run, j))), None


def seed(run: int, j: int) -> int:
    return 50_000_000 + run * 10_000 + j


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _reply(self, body: bytes, kind: str):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        srv = self.server
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        if self.path == "/feed.xml":
            run, items = srv.run, srv.items
            listed = [(run - 1, j) for j in range(max(0, items - OVERLAP), items) if run > 0] + [(run, j) for j in range(items)]
            entries = "".join(f"<item><title>Meldung {r}-{j}</title><link>{base}/p/{r}/{j}</link><guid>g-{r}-{j}</guid>"
                              f"<pubDate>Mon, 01 Jun 2026 06:00:00 GMT</pubDate></item>" for r, j in listed)
            self._reply(f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>{entries}</channel></rss>"
                        .encode(), "application/rss+xml")
        elif self.path.startswith("/p/"):
            r, j = map(int, self.path.split("/")[2:4])
            text, _ = item(r, j, srv.items)
            body = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
            self._reply(f"<html><head><title>Meldung {r}-{j}</title></head><body><article><h1>Meldung {r}-{j}</h1>"
                        f"{body}</article></body></html>".encode(), "text/html; charset=utf-8")
        elif self.path == "/robots.txt":
            self._reply(b"User-agent: *\nAllow: /\n", "text/plain")
        else:
            self.send_response(404)
            self.end_headers()


def evaluate(data: pathlib.Path, items: int, seconds) -> dict:
    """The measures over a dataset the runs appended to (also one a stopped benchmark left: --evaluate)."""
    import duckdb
    runs = len(list((data / "runs").glob("*.json")))
    articles = f"read_parquet('{data}/articles/**/*.parquet', hive_partitioning=true)"
    started = time.perf_counter()
    total, distinct = duckdb.sql(f"SELECT count(*), count(DISTINCT (id, version)) FROM {articles}").fetchone()
    count_seconds = time.perf_counter() - started
    started = time.perf_counter()
    groups = duckdb.sql(f"SELECT dup_group, count(*) FROM {articles} GROUP BY 1 HAVING count(*) > 1").fetchall()
    group_seconds = time.perf_counter() - started
    rows = duckdb.sql(f"SELECT id, url, dup_group FROM {articles}").fetchall()
    by_url = {url.split("/p/", 1)[1]: (i, g) for i, url, g in rows}
    truth = linked = correct = 0
    for key, (article_id, group) in by_url.items():
        r, j = map(int, key.split("/"))
        _, src = item(r, j, items)
        if src is not None:
            truth += 1
            src_id, src_group = by_url[f"{src[0]}/{src[1]}"]
            correct += group in (src_id, src_group)
        linked += group != article_id
    reports = [json.loads(p.read_text()) for p in sorted((data / "runs").glob("*.json"))]
    result = {"runs": runs, "items_per_run": items, "rows": total, "rows_doubled": total - distinct,
              "expected_rows": runs * items, "true_cross_run_copies": truth,
              "linked_to_their_source": correct, "rows_marked_duplicate": linked,
              "copies_of_earlier_runs_reported": sum(r["dataset"]["copies_of_earlier_runs"] for r in reports),
              "groups_with_copies": len(groups), "seconds_per_run_median": round(sorted(seconds)[len(seconds) // 2], 1) if seconds else None,
              "seconds_per_run_max": round(max(seconds), 1) if seconds else None,
              "seconds_total": round(sum(seconds), 1),
              "duckdb_count_s": round(count_seconds, 3), "duckdb_group_by_s": round(group_seconds, 3),
              "dataset_files": sum(1 for _ in data.rglob("*.parquet"))}
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=48)
    ap.add_argument("--items", type=int, default=200)
    ap.add_argument("--json", type=pathlib.Path)
    ap.add_argument("--evaluate", type=pathlib.Path, metavar="DATASET",
                    help="only measure a dataset an earlier (possibly stopped) benchmark left")
    args = ap.parse_args(argv)
    if args.evaluate:
        print(json.dumps(evaluate(args.evaluate, args.items, []), indent=2))
        return 0

    work = pathlib.Path(tempfile.mkdtemp(prefix="append-feeds-"))
    data, state = work / "dataset", work / "state"
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads, srv.items = True, args.items
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    feed = f"http://127.0.0.1:{srv.server_address[1]}/feed.xml"
    seconds = []
    for run in range(args.runs):
        srv.run = run
        stamp = (START + dt.timedelta(minutes=30 * run)).isoformat()
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "wirebeam", "run", "--feed", feed, "--state", str(state),
                               "--output", str(data), "--append", "--run-id", f"run{run:02d}", "--ingested-at", stamp,
                               "--allow-host", "127.0.0.1", "--host-delay", "0", "--fetch-timeout", "10",
                               "--max-items-per-feed", str(args.items + OVERLAP), "--ner", "none",
                               "--extract-timeout", "0"], capture_output=True, text=True)
        seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"run {run} failed:\n{done.stderr[-3000:]}")
        print(f"run {run + 1}/{args.runs}: {seconds[-1]:.1f} s ({data})", file=sys.stderr, flush=True)
    srv.shutdown()

    result = evaluate(data, args.items, seconds)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
