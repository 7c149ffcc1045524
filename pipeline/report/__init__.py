"""`wirebeam report PATH`: what came into an output folder or an appended dataset, as one HTML page
(or JSON with the same figures): runs, articles per day and language, sites and agencies, copy
groups and stories, entities, failures, and per-site extraction health with a template-change flag.

    wirebeam report out                         # writes ./report.html
    wirebeam report gs://bucket/news --since 2026-11-01 --out nov.html
    wirebeam report out --format json --out -   # the figures on stdout
"""
import argparse
import datetime as dt
import json
import os
import sys
import time
from typing import Optional

DEFAULT_OUT = "report.html"


def _date(value: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)")
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def parser() -> argparse.ArgumentParser:
    from wirebeam.pipeline.report.health import MIN_SITE_ARTICLES
    p = argparse.ArgumentParser(
        prog="wirebeam report",
        description="Summarise what a run (an output folder with run.json) or an appended dataset (runs/*.json) "
                    "holds, as one self-contained HTML page or as JSON.")
    p.add_argument("path", metavar="PATH", help="Output folder or dataset: a local folder or a gs:// path "
                                                "(remote files are copied to a temporary folder first).")
    p.add_argument("--out", default=None, metavar="FILE",
                   help=f"Where to write the report (default {DEFAULT_OUT}, or report.json with --format json; "
                        "- for stdout).")
    p.add_argument("--format", choices=["html", "json"], default="html", help="html (default) or json.")
    p.add_argument("--since", type=_date, default=None, metavar="DATE",
                   help="Only rows that runs ingested on or after DATE (YYYY-MM-DD, UTC).")
    p.add_argument("--min-site-articles", type=int, default=MIN_SITE_ARTICLES, metavar="N",
                   help=f"Sites need this many articles for an extraction-health row (default {MIN_SITE_ARTICLES}).")
    return p


def build(path: str, since: Optional[dt.datetime] = None, min_site_articles: Optional[int] = None) -> dict:
    """The report's figures for PATH (see queries.figures)."""
    from wirebeam.pipeline.report import health, queries, source
    found = source.open_source(path)
    try:
        return queries.figures(found, since, health.MIN_SITE_ARTICLES if min_site_articles is None else min_site_articles)
    finally:
        found.close()


def write_report(path: str, out: str, fmt: str = "html", since: Optional[dt.datetime] = None,
                 min_site_articles: Optional[int] = None) -> dict:
    """Build the report of PATH and write it to `out` ("-": stdout); returns the figures."""
    from wirebeam.pipeline.report.render import render
    figures = build(path, since, min_site_articles)
    text = json.dumps(figures, indent=1, ensure_ascii=False) + "\n" if fmt == "json" else render(figures)
    if out == "-":
        sys.stdout.write(text)
    else:
        folder = os.path.dirname(os.path.abspath(out))
        os.makedirs(folder, exist_ok=True)
        temp = out + ".tmp"
        with open(temp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, out)
    return figures


def write_after_run(out_dir: str, target: Optional[str]) -> int:
    """`wirebeam run --report FILE`: the report of the committed output. A report that cannot be made is
    an error (exit 1), though the run's output is committed and stays."""
    if not target:
        return 0
    try:
        write_report(out_dir, target)
    except Exception as exc:  # the run is done; say what went wrong with its report
        print(f"wirebeam: the run is committed to {out_dir}, but its report failed: {exc}", file=sys.stderr)
        return 1
    print(f"Report written: {target}")
    return 0


def main(argv) -> int:
    args = parser().parse_args(argv)
    out = args.out or ("report.json" if args.format == "json" else DEFAULT_OUT)
    started = time.monotonic()
    try:
        figures = write_report(args.path, out, args.format, args.since, args.min_site_articles)
    except FileNotFoundError as exc:
        print(f"wirebeam report: error: {exc}", file=sys.stderr)
        return 2
    if out != "-":
        t = figures["totals"]
        flagged = sum(1 for s in figures["health"]["sites"] if s["flags"])
        print(f"wirebeam report: {t['articles']} articles, {t['failures']} failures, {t['runs']} runs, "
              f"{flagged} sites flagged -> {out} ({time.monotonic() - started:.1f} s)")
    return 0
