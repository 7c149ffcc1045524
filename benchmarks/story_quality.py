#!/usr/bin/env python3
"""Quality of story grouping on the story corpus (`tests/data/stories/`) and the five shared seeds.

Runs `python -m wirebeam run` for real on the corpus together with ../shared/seeds (five different
texts on one event, which must form exactly one story that no other article joins), reads the
Parquet back and compares `story_id` with `truth.json` (source name -> event; a JSON line is
`file.jsonl:LINE`; the seeds are one event, "seeds"). Printed and saved to
benchmarks/results/story_quality.json:

- pairwise precision / recall / F1 (a pair is positive when both articles report one event) and
  B-cubed precision / recall / F1 (per article: the share of its predicted story that is its event,
  and of its event that is in its predicted story, averaged over articles);
- the same against a same-language truth (an event's English and German articles as two events),
  since joining languages is a stretch goal;
- the seed check, and that no copy group (dup_group) is split across stories;
- every event split or merged, and the run time with and without the story stage (--stories off).

With `--runs N` the articles arrive as a schedule would bring them: ordered by publication time
(undated ones spread evenly) and cut into N runs appended into one dataset (`--append`), so stories
must be joined across runs through the index. The latest stories/ row of each story must then count
every article that carries its story_id.

    python benchmarks/story_quality.py [--seeds DIR | --no-seeds] [--keep OUT] [--no-timing] [--runs N]

The exit status is non-zero only when something fails to run; low scores are reported, not raised.
"""
import argparse
import collections
import itertools
import json
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "stories"
SEEDS = ROOT.parent / "shared" / "seeds"
RESULTS = ROOT / "benchmarks" / "results"
TARGETS = {"bcubed_f1": 0.90, "bcubed_precision": 0.95}


def run_wirebeam(inputs, out: pathlib.Path, *extra) -> float:
    cmd = [sys.executable, "-m", "wirebeam", "run", "--output", str(out), *extra]
    for pattern in inputs:
        cmd += ["--input", str(pattern)]
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"wirebeam run failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return time.perf_counter() - started


def read(out: pathlib.Path, table: str) -> list:
    import pyarrow.dataset as ds
    return ds.dataset(str(out / table), format="parquet", partitioning="hive").to_table().to_pylist()


def name_of(row) -> str:
    return row["source"].replace("\\", "/").rsplit("/", 1)[-1]


def pairwise(truth: dict, predicted: dict) -> dict:
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(truth), 2):
        same_true, same_pred = truth[a] == truth[b], predicted[a] == predicted[b]
        tp += same_true and same_pred
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def bcubed(truth: dict, predicted: dict) -> dict:
    by_pred, by_true = collections.defaultdict(set), collections.defaultdict(set)
    for name in truth:
        by_pred[predicted[name]].add(name)
        by_true[truth[name]].add(name)
    n = len(truth)
    p = sum(len(by_pred[predicted[x]] & by_true[truth[x]]) / len(by_pred[predicted[x]]) for x in truth) / n
    r = sum(len(by_pred[predicted[x]] & by_true[truth[x]]) / len(by_true[truth[x]]) for x in truth) / n
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def split_into_runs(inputs, runs: int, work: pathlib.Path):
    """The input files cut into `runs` folders in publication order: each JSON line becomes a file of
    its own (`STEM__LNNN.jsonl`); text files are copied. Returns (folders, {name in the run: name in
    truth.json})."""
    import shutil
    items = []   # (order key, name in the run, truth name, content or source path)
    for pattern in inputs:
        for path in sorted(pathlib.Path(pattern).parent.glob(pathlib.Path(pattern).name)):
            if path.suffix == ".jsonl":
                for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    published = json.loads(line).get("published")
                    items.append((published, f"{path.stem}__L{n:03d}.jsonl", f"{path.name}:{n}", line + "\n"))
            else:
                items.append((None, path.name, path.name, path))
    dated = sorted((i for i in items if i[0]), key=lambda i: (i[0], i[1]))
    undated = sorted((i for i in items if not i[0]), key=lambda i: i[1])
    per_run = -(-len(dated) // runs)
    folders, names = [], {}
    for k in range(runs):
        folder = work / f"run{k:02d}"
        folder.mkdir(parents=True)
        folders.append(folder)
        for _, name, truth_name, content in dated[k * per_run:(k + 1) * per_run] + undated[k::runs]:
            if isinstance(content, pathlib.Path):
                shutil.copy(content, folder / name)
            else:
                (folder / name).write_text(content, encoding="utf-8")
            names[f"{name}:1" if name.endswith(".jsonl") else name] = truth_name
    return folders, names


def latest_rows(stories: list) -> dict:
    """story_id -> its latest stories/ row (the one with the latest ingested_at)."""
    latest = {}
    for row in sorted(stories, key=lambda r: (r["ingested_at"], r["story_id"])):
        latest[row["story_id"]] = row
    return latest


def errors(truth: dict, predicted: dict, rows: dict) -> list:
    """Events split over several stories and stories holding several events, as lines to print."""
    lines = []
    events = collections.defaultdict(list)
    for name, event in truth.items():
        events[event].append(name)
    for event, names in sorted(events.items()):
        stories = collections.Counter(predicted[n] for n in names)
        if len(stories) > 1:
            main = stories.most_common(1)[0][0]
            lines.append(f"split  {event}: " + "; ".join(
                f"{n} [{rows[n]['language']}] {rows[n]['title'][:50]!r}" for n in names if predicted[n] != main))
    stories = collections.defaultdict(list)
    for name, story in predicted.items():
        stories[story].append(name)
    for story, names in sorted(stories.items()):
        held = collections.Counter(truth[n] for n in names)
        if len(held) > 1:
            lines.append(f"merged {dict(held)}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-seeds", action="store_true", help="run the corpus without the seeds")
    parser.add_argument("--seeds", type=pathlib.Path, default=SEEDS, help="the seeds folder (default ../shared/seeds)")
    parser.add_argument("--keep", type=pathlib.Path, help="write the run's output here (default: a temp folder)")
    parser.add_argument("--no-timing", action="store_true", help="skip the second run with --stories off")
    parser.add_argument("--runs", type=int, default=1,
                        help="cut the articles into N runs in publication order, appended into one dataset")
    args = parser.parse_args(argv)
    truth = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))
    inputs = [CORPUS / "*.jsonl", CORPUS / "*.txt"]
    seeds = not args.no_seeds
    if seeds:
        if not args.seeds.exists():
            raise SystemExit(f"{args.seeds} is not here; give --seeds DIR or run with --no-seeds")
        inputs.append(args.seeds / "*.txt")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or pathlib.Path(tmp) / "out"
        seed_names = {p.name for p in args.seeds.glob("*.txt")} if seeds else set()
        if args.runs > 1:
            folders, names = split_into_runs(inputs, args.runs, pathlib.Path(tmp) / "runs")
            seconds = 0.0
            for k, folder in enumerate(folders):
                seconds += run_wirebeam([folder / "*"], out, "--append", "--ingested-at",
                                        f"2026-01-01T{k % 24:02d}:00:00+00:00")
        else:
            names = {}
            seconds = run_wirebeam(inputs, out)
        seconds_off = None if args.no_timing else run_wirebeam(inputs, pathlib.Path(tmp) / "off", "--stories", "off")
        rows = {names.get(name_of(r), name_of(r)): r for r in read(out, "articles")}
        stories = read(out, "stories")
    if seeds:
        truth.update({name: "seeds" for name in rows if name not in truth and name in seed_names})
    missing = sorted(set(truth) - set(rows))
    if missing or set(rows) - set(truth):
        raise SystemExit(f"articles not in the output: {missing}; rows not in truth.json: {sorted(set(rows) - set(truth))}")
    predicted = {name: rows[name]["story_id"] for name in truth}
    same_language = {name: f"{event}:{rows[name]['language']}" for name, event in truth.items()}
    latest = latest_rows(stories)
    counted = collections.Counter(predicted.values())
    result = {
        "runs": args.runs,
        "articles": len(rows), "events": len(set(truth.values())), "stories": len(set(predicted.values())),
        "story_rows": len(stories), "stories_in_rows": len(latest),
        "story_rows_counting_wrong": sorted(s for s in counted if s not in latest
                                            or latest[s]["article_count"] != counted[s]),
        "pairwise": pairwise(truth, predicted), "bcubed": bcubed(truth, predicted),
        "same_language_pairwise": pairwise(same_language, predicted),
        "same_language_bcubed": bcubed(same_language, predicted),
    }
    groups = collections.defaultdict(set)
    for name, row in rows.items():
        groups[row["dup_group"]].add(row["story_id"])
    result["copy_groups"] = sum(1 for g in groups.values())
    result["copy_groups_split"] = sum(1 for g in groups.values() if len(g) > 1)
    if seeds:
        seed_names = [n for n in truth if truth[n] == "seeds"]
        seed_stories = {predicted[n] for n in seed_names}
        joined = sorted(n for n in truth if predicted[n] in seed_stories and truth[n] != "seeds")
        result["seeds"] = {"articles": len(seed_names), "stories": len(seed_stories), "others_joined": joined,
                           "ok": len(seed_stories) == 1 and not joined}
    result["seconds"] = round(seconds, 1)
    if seconds_off is not None:
        result["seconds_stories_off"] = round(seconds_off, 1)
    result["targets_met"] = (result["bcubed"]["f1"] >= TARGETS["bcubed_f1"]
                             and result["bcubed"]["precision"] >= TARGETS["bcubed_precision"]
                             and result["copy_groups_split"] == 0 and result.get("seeds", {}).get("ok", True))
    result["errors"] = errors(truth, predicted, rows)

    print(f"story corpus: {result['articles']} articles, {result['events']} events -> {result['stories']} stories "
          f"({result['story_rows']} rows in stories/)" + (f", in {args.runs} appended runs" if args.runs > 1 else ""))
    print(f"stories whose latest row miscounts their articles: {len(result['story_rows_counting_wrong'])}")
    print(f"{'':28}{'precision':>10}{'recall':>8}{'F1':>7}")
    for key, label in (("bcubed", "B-cubed"), ("pairwise", "pairwise"),
                       ("same_language_bcubed", "B-cubed, same language"),
                       ("same_language_pairwise", "pairwise, same language")):
        s = result[key]
        print(f"{label:28}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}")
    print(f"copy groups split across stories: {result['copy_groups_split']} of {result['copy_groups']}")
    if seeds:
        s = result["seeds"]
        print(f"seeds: {s['articles']} articles in {s['stories']} story; others joined: {s['others_joined'] or 'none'}")
    if seconds_off is not None:
        print(f"run time: {seconds:.1f} s with stories, {seconds_off:.1f} s with --stories off (whole CLI run)")
    print(f"targets (B-cubed F1 >= 0.90, precision >= 0.95, seeds one story, no copy group split): "
          f"{'met' if result['targets_met'] else 'NOT met'}")
    for line in result["errors"]:
        print("  " + line)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / ("story_quality.json" if args.runs == 1 else f"story_quality_{args.runs}_runs.json")).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
