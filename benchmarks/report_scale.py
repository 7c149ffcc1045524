#!/usr/bin/env python3
"""`wirebeam report` at scale: a synthetic dataset of N articles (default 100,000) in the appended
layout, then the wall time of the `wirebeam report` command (a subprocess, as a user runs it),
for the HTML page and for --format json.

The dataset: RUNS daily runs (articles/date=*/part-RUNID-00000.parquet, failures/part-RUNID-00000.parquet,
runs/RUNID.json), SITES sites of very different sizes (Zipf), 8 languages, every column of the
article schema filled like real output: texts of 40-1,500 words, authors, agencies on a fifth of
the articles, a fifth of the articles wire copies in groups, 6-20 entity mentions per article from
a vocabulary of 5,000 names, 2% failures. Three sites change their templates half-way (dates, authors,
or the text itself gone), so the health section has work to do.

    python benchmarks/report_scale.py                          # 100,000 articles
    python benchmarks/report_scale.py --articles 10000 --keep /tmp/ds
"""
import argparse
import datetime as dt
import json
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
import time

import pyarrow as pa
import pyarrow.parquet as pq

from wirebeam.schemas import ARTICLE, FAILURE

RUNS = 60
SITES = 300
LANGUAGES = ["de", "en", "fr", "es", "it", "nl", "pl", "und"]
AGENCIES = ["dpa", "Reuters", "AFP", "AP", "KNA", "epd", "ANSA", "EFE"]
LABELS = ["PER", "LOC", "ORG", "MISC"]
BROKEN = {7: "dated", 19: "authored", 42: "text"}   # site index -> what its template change loses
WORDS = ("the of and to in a is that for on with as was by at from his her are were be this have new city "
         "council minister police market school harbour storm election court bridge trial strike report").split()


def make_run(r: int, first: int, count: int, rng: random.Random, names, start: dt.date):
    day = start + dt.timedelta(days=r)
    ingested = dt.datetime.combine(day, dt.time(5), tzinfo=dt.timezone.utc)
    half = r >= RUNS // 2
    rows = []
    for k in range(count):
        n = first + k
        site_i = min(int(rng.paretovariate(0.9)) - 1, SITES - 1)
        lang = LANGUAGES[min(int(rng.expovariate(0.9)), len(LANGUAGES) - 1)]
        pub_day = day - dt.timedelta(days=min(int(rng.expovariate(1.2)), 20))
        broken = BROKEN.get(site_i) if half else None
        dated = broken != "dated" and rng.random() < 0.93
        timed = dated and rng.random() < 0.7
        words = 12 if broken == "text" else int(rng.lognormvariate(6.0, 0.6)) % 1500 + 40
        text = " ".join(rng.choice(WORDS) for _ in range(words))
        copy_of = n - rng.randint(1, 50) if n > 50 and rng.random() < 0.2 else None
        mentions = [(rng.choice(names), rng.choice(LABELS)) for _ in range(rng.randint(6, 20))]
        counts = {}
        for m in mentions:
            counts[m] = counts.get(m, 0) + 1
        rows.append({
            "id": f"{n:016x}", "source": f"/crawl/{day}/site{site_i}/{n}.html", "input_format": "html",
            "url": f"https://www.site{site_i}.example/news/{n}", "title": f"Story {n} from site {site_i}",
            "authors": [] if broken == "authored" or rng.random() < 0.15 else [f"Reporter {rng.randint(1, 900)}"],
            "site": f"Site {site_i}",
            "published": (f"{pub_day}T{rng.randint(0, 23):02d}:00:00+00:00" if timed else str(pub_day)) if dated else None,
            "date_precision": ("time" if timed else "day") if dated else None,
            "published_date": pub_day if dated else None, "language": lang, "language_confidence": 0.99,
            "text": text, "word_count": words,
            "agencies": [rng.choice(AGENCIES)] if rng.random() < 0.2 else [],
            "dup_group": f"{copy_of:016x}" if copy_of else f"{n:016x}", "is_duplicate": copy_of is not None,
            "entities": [{"text": t, "label": lab, "start": 0, "end": len(t), "norm": t} for t, lab in mentions],
            "entity_counts": [{"norm": t, "label": lab, "count": c} for (t, lab), c in counts.items()],
            "text_source": None, "feed_url": None, "guid": None, "item_title": None, "fetched_at": None,
            "ingested_at": ingested,
        })
    failures = [{"source": f"/crawl/{day}/bad{j}.html", "stage": rng.choice(["read", "decode", "extract"]),
                 "reason": rng.choice(["empty", "binary", "no_main_text", "too_large"]), "detail": "synthetic",
                 "ingested_at": ingested} for j in range(count // 50)]
    return day, ingested, rows, failures


def build(folder: pathlib.Path, articles: int) -> None:
    rng = random.Random(20261205)
    names = [f"Name{i}" for i in range(5000)]
    start = dt.date(2026, 9, 1)
    per_run = articles // RUNS
    for r in range(RUNS):
        run_id = f"run-{r:03d}"
        count = per_run + (articles % RUNS if r == RUNS - 1 else 0)
        day, ingested, rows, failures = make_run(r, r * per_run, count, rng, names, start)
        by_date = {}
        for row in rows:
            by_date.setdefault(str(row["published_date"]) if row["published_date"] else "unknown", []).append(row)
        for date, part in sorted(by_date.items()):
            target = folder / "articles" / f"date={date}" / f"part-{run_id}-00000.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pylist(part, schema=ARTICLE), target, compression="zstd")
        (folder / "failures").mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(failures, schema=FAILURE),
                       folder / "failures" / f"part-{run_id}-00000.parquet", compression="zstd")
        (folder / "runs").mkdir(parents=True, exist_ok=True)
        (folder / "runs" / f"{run_id}.json").write_text(json.dumps(
            {"run_id": run_id, "started_at": ingested.isoformat(), "articles": count,
             "failures": {"total": len(failures)}}))


def timed(args):
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "wirebeam", "report", *args], capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if done.returncode:
        sys.exit(done.stderr)
    return elapsed, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--keep", default=None, help="build the dataset here (reused when it exists) and keep it")
    args = parser.parse_args()
    folder = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="wirebeam-report-bench-")) / "dataset"
    try:
        if not folder.exists():
            started = time.monotonic()
            build(folder, args.articles)
            size = sum(p.stat().st_size for p in folder.rglob("*.parquet"))
            files = sum(1 for _ in folder.rglob("*.parquet"))
            print(f"dataset: {args.articles} articles, {RUNS} runs, {files} Parquet files, {size / 2**20:.0f} MiB, "
                  f"built in {time.monotonic() - started:.0f} s")
        out = folder.parent / "report.html"
        html, said = timed([str(folder), "--out", str(out)])
        print(f"wirebeam report (html): {html:.1f} s wall, page {out.stat().st_size / 1024:.0f} KiB; {said}")
        js, _ = timed([str(folder), "--format", "json", "--out", str(folder.parent / "report.json")])
        print(f"wirebeam report --format json: {js:.1f} s wall")
    finally:
        if not args.keep:
            shutil.rmtree(folder.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
