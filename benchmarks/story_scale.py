#!/usr/bin/env python3
"""The story stage at scale: what GroupStories adds to MarkDuplicates on 10k+ generated articles.

The corpus is dedup_scale's (articles generated from their index: made-up words with Zipf
frequencies, copy families with the edits wire copies get, articles quoting a paragraph of another,
publication days spread over June 2025). Each size runs twice in its own subprocess on the default
local runner: `MarkDuplicates` alone, then `MarkDuplicates | GroupStories`. Reported: wall time of
each, the difference, peak RSS, candidate pairs and stories, and pairwise precision and recall of
stories against the copy families (in this corpus every base is its own event, so a story should be
one family; a quoting article is its own family).

    python benchmarks/story_scale.py                       # 10k and 30k
    python benchmarks/story_scale.py --sizes 2000 --json result.json
"""
import argparse
import json
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import dedup_scale  # noqa: E402
from measured import measured_run  # noqa: E402



def generated(index: int) -> dict:
    a = dedup_scale.article(index)
    return {**a, "title": None, "language": "und", "entity_counts": [], "published_date": None,
            "site": None, "agencies": []}


def with_day(article: dict) -> dict:
    import datetime as dt
    return {**article, "published_date": dt.date.fromisoformat(article["published"][:10])}


def run_size(n: int, out: pathlib.Path, stories: bool) -> None:
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from wirebeam.transforms.dedup import MarkDuplicates
    from wirebeam.transforms.stories import GroupStories

    with beam.Pipeline(runner=FnApiRunner()) as p:
        marked = p | beam.Create(range(n)) | "Generate" >> beam.Map(generated) | beam.Map(with_day) | MarkDuplicates()
        if stories:
            marked = (marked | GroupStories())["articles"]
        _ = (marked | beam.Map(lambda a: f"{a['id']}\t{a['dup_group']}\t{a.get('story_id')}")
             | beam.io.WriteToText(str(out), shard_name_template=""))


def measure(n: int, stories: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "rows.tsv"
        cmd = [sys.executable, __file__, "--run", str(n), "--out", str(out)] + (["--stories"] if stories else [])
        seconds, rss_mib, rc, stderr = measured_run(cmd)
        if rc != 0:
            raise SystemExit(f"run of {n} failed:\n{stderr[-3000:]}")
        rows = [line.split("\t") for line in out.read_text().splitlines()]
    result = {"seconds": round(seconds, 1), "peak_rss_mib": round(rss_mib)}
    if stories:
        truth = {f"a{i:07d}": dedup_scale.family(i) for i in range(n)}
        predicted = {r[0]: r[2] for r in rows}
        precision, recall, pred_pairs, true_pairs = dedup_scale.pairwise(predicted, truth)
        result.update(stories=len(set(predicted.values())), story_precision=round(precision, 4),
                      story_recall=round(recall, 4), predicted_pairs=pred_pairs, true_pairs=true_pairs)
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 30000])
    ap.add_argument("--json", type=pathlib.Path, help="write the table here")
    ap.add_argument("--run", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=pathlib.Path, help=argparse.SUPPRESS)
    ap.add_argument("--stories", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.run:
        run_size(args.run, args.out, args.stories)
        return 0
    rows = []
    print(f"{'articles':>9} {'dedup s':>8} {'+stories s':>10} {'added':>7} {'RSS MiB':>8} {'stories':>8} "
          f"{'precision':>10} {'recall':>7}")
    for n in args.sizes:
        base, full = measure(n, False), measure(n, True)
        row = {"articles": n, "dedup_seconds": base["seconds"], "dedup_and_stories_seconds": full["seconds"],
               "stories_added_seconds": round(full["seconds"] - base["seconds"], 1),
               "peak_rss_mib": full["peak_rss_mib"], **{k: v for k, v in full.items() if k not in ("seconds", "peak_rss_mib")}}
        rows.append(row)
        print(f"{n:>9} {base['seconds']:>8} {full['seconds']:>10} {row['stories_added_seconds']:>7} "
              f"{row['peak_rss_mib']:>8} {row['stories']:>8} {row['story_precision']:>10.4f} {row['story_recall']:>7.4f}",
              flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
