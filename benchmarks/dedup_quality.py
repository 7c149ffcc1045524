#!/usr/bin/env python3
"""Precision and recall of copy detection on the reprints corpus (`tests/data/reprints/`).

Runs `python -m wirebeam run` for real on the corpus, reads the Parquet back and compares the
predicted groups (`dup_group`) with `truth.json` (file name -> story family; a JSON line is named
`file.jsonl:LINE`). Scores are pairwise: a pair of articles is positive when both belong to one
family, predicted positive when they share a `dup_group`. Also printed: how many families came out
as exactly one predicted group, whether each group's canonical member is the one `canonical.json`
expects, and every wrongly grouped or wrongly separated pair with its true 5-gram Jaccard and
containment. With --seeds, the five shared seed articles (five different texts on one event,
../shared/seeds) are run as well: they must stay five groups. With --resample N the extracted texts
are grouped again in-process under N other MinHash seed sets, to see whether the result depends
on the luck of the shipped seeds.

    python benchmarks/dedup_quality.py [--seeds] [--resample N] [--corpus DIR] [--keep OUT]

The exit status is non-zero only when something fails to run (the CLI, a missing article row,
missing seeds); low scores are reported, not raised.
"""
import argparse
import itertools
import json
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "reprints"
SEEDS = ROOT.parent / "shared" / "seeds"
ARTICLE_GLOBS = ("*.txt", "*.txt.gz", "*.html", "*.jsonl")


def run_wirebeam(inputs, out: pathlib.Path) -> list:
    """Run the CLI on the input patterns; -> article rows (dicts) read back from the Parquet."""
    import pyarrow.dataset as ds
    cmd = [sys.executable, "-m", "wirebeam", "run", "--output", str(out)]
    for pattern in inputs:
        cmd += ["--input", str(pattern)]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"wirebeam run failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return ds.dataset(str(out / "articles"), format="parquet", partitioning="hive").to_table().to_pylist()


def name_of(row) -> str:
    return row["source"].replace("\\", "/").rsplit("/", 1)[-1]


def pairs(labels: dict) -> set:
    """Unordered pairs of names with the same label."""
    names = sorted(labels)
    return {(a, b) for a, b in itertools.combinations(names, 2) if labels[a] == labels[b]}


def scores(truth: dict, predicted: dict) -> dict:
    """Pairwise precision / recall / F1 of `predicted` (name -> group) against `truth` (name -> family),
    the wrong pairs, and group-level exact matches."""
    same_true, same_pred = pairs(truth), pairs(predicted)
    tp = len(same_true & same_pred)
    precision = tp / len(same_pred) if same_pred else 1.0
    recall = tp / len(same_true) if same_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def partition(labels):
        groups = {}
        for name, label in labels.items():
            groups.setdefault(label, set()).add(name)
        return [frozenset(g) for g in groups.values()]
    true_groups, pred_groups = partition(truth), set(partition(predicted))
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": len(same_true),
            "predicted_pairs": len(same_pred), "true_positive_pairs": tp,
            "false_pairs": sorted(same_pred - same_true), "missed_pairs": sorted(same_true - same_pred),
            "families": len(true_groups), "families_exact": sum(1 for g in true_groups if g in pred_groups),
            "predicted_groups": len(pred_groups)}


def overlap(text_a: str, text_b: str):
    """True (Jaccard, containment of the smaller) of the 5-word shingle sets of two texts."""
    from wirebeam.transforms.dedup import shingle_hashes
    a, b = set(shingle_hashes(text_a).tolist()), set(shingle_hashes(text_b).tolist())
    if not a or not b:
        return 0.0, 0.0
    inter = len(a & b)
    return inter / len(a | b), inter / min(len(a), len(b))


def evaluate_corpus(corpus: pathlib.Path, out: pathlib.Path) -> dict:
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    canonical_path = corpus / "canonical.json"
    expected_canonical = json.loads(canonical_path.read_text(encoding="utf-8")) if canonical_path.exists() else {}
    started = time.perf_counter()
    rows = {name_of(r): r for r in run_wirebeam([corpus / g for g in ARTICLE_GLOBS], out)}
    seconds = time.perf_counter() - started
    missing, extra = sorted(set(truth) - set(rows)), sorted(set(rows) - set(truth))
    if missing or extra:
        raise SystemExit(f"articles not in the output: {missing}; rows not in truth.json: {extra}")
    predicted = {name: rows[name]["dup_group"] for name in truth}
    result = scores(truth, predicted)
    by_id = {r["id"]: name for name, r in rows.items()}
    canonical = []
    for family, name in sorted(expected_canonical.items()):
        members = sorted(n for n in truth if truth[n] == family)
        got = sorted({by_id.get(rows[n]["dup_group"], rows[n]["dup_group"]) for n in members})
        canonical.append((family, name, got))
    result.update(rows=rows, seconds=seconds, canonical=canonical, truth=truth)
    return result


def resample(rows: dict, truth: dict, runs: int) -> list:
    """Group the extracted texts again under `runs` other sets of MinHash seeds, with the module's
    banding and verification (in-process, no Beam): -> [(precision, recall)] per seed set. Shows
    whether the corpus result holds for hash functions in general or only for the shipped seeds."""
    import hashlib

    import numpy as np
    from wirebeam.transforms import dedup
    names = sorted(truth)
    shingles = {n: dedup.shingle_hashes(rows[n]["text"]) for n in names}
    exact = {n: dedup.exact_key(rows[n]["text"]) for n in names}
    out = []
    for run in range(runs):
        seeds = np.array([int.from_bytes(hashlib.blake2b(f"resample-{run}-{i}".encode(), digest_size=8).digest(),
                                         "little") for i in range(dedup.NUM_PERM)], dtype=np.uint64)
        sigs = {n: dedup.minhash(shingles[n], seeds) for n in names}
        buckets = {}
        for n in names:
            for key in dedup.band_keys(sigs[n]) + ["x:" + exact[n]]:
                buckets.setdefault(key, set()).add(n)
        edges = set()
        for members in buckets.values():
            for a, b in itertools.combinations(sorted(members), 2):
                if exact[a] == exact[b] or dedup.is_copy(sigs[a], len(shingles[a]), sigs[b], len(shingles[b])):
                    edges.add((a, b))
        roots = dedup.components(names, edges)
        r = scores(truth, roots)
        out.append((r["precision"], r["recall"]))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=pathlib.Path, default=CORPUS, help="folder with truth.json (default: %(default)s)")
    ap.add_argument("--seeds", action="store_true", help="also check that the five shared seeds stay apart")
    ap.add_argument("--keep", type=pathlib.Path, help="write the wirebeam output here instead of a temporary folder")
    ap.add_argument("--resample", type=int, default=0, metavar="N",
                    help="also group the extracted texts under N other MinHash seed sets (in-process) and "
                         "report how often the partition comes out right")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or pathlib.Path(tmp)
        r = evaluate_corpus(args.corpus, base / "reprints")
        rows, truth = r["rows"], r["truth"]
        print(f"reprints corpus: {len(truth)} articles, {r['families']} families "
              f"({sum(1 for f in set(truth.values()) if list(truth.values()).count(f) > 1)} with copies), "
              f"wirebeam run {r['seconds']:.1f} s")
        print(f"pairwise: precision {r['precision']:.3f}  recall {r['recall']:.3f}  F1 {r['f1']:.3f}  "
              f"({r['true_positive_pairs']} of {r['predicted_pairs']} predicted pairs right, "
              f"{r['true_positive_pairs']} of {r['true_pairs']} true pairs found)")
        print(f"groups: {r['families_exact']}/{r['families']} families predicted exactly; "
              f"{r['predicted_groups']} predicted groups")
        right = sum(1 for _, want, got in r["canonical"] if got == [want])
        print(f"canonical member: {right}/{len(r['canonical'])} families as expected")
        for family, want, got in r["canonical"]:
            if got != [want]:
                print(f"  {family}: expected {want}, got {', '.join(got)}")
        for title, wrong in (("grouped but different families", r["false_pairs"]),
                             ("same family but not grouped", r["missed_pairs"])):
            for a, b in wrong:
                j, c = overlap(rows[a]["text"], rows[b]["text"])
                print(f"  {title}: {a} + {b} (Jaccard {j:.2f}, containment {c:.2f}; "
                      f"{truth[a]} / {truth[b]})")

        if args.resample > 0:
            runs = resample(rows, truth, args.resample)
            p = [x[0] for x in runs]
            rc = [x[1] for x in runs]
            print(f"under {len(runs)} other hash seed sets: precision mean {sum(p) / len(p):.3f} (min {min(p):.3f}), "
                  f"recall mean {sum(rc) / len(rc):.3f} (min {min(rc):.3f}); all pairs right in "
                  f"{sum(1 for a, b in runs if a == b == 1.0)}/{len(runs)}")

        if args.seeds:
            if not SEEDS.is_dir():
                raise SystemExit(f"--seeds: {SEEDS} is not here")
            seeds = run_wirebeam([f"{SEEDS}/*"], base / "seeds")
            groups = {}
            for row in seeds:
                groups.setdefault(row["dup_group"], []).append(name_of(row))
            print(f"seeds: {len(seeds)} articles in {len(groups)} groups (5 expected)")
            for members in groups.values():
                if len(members) > 1:
                    print(f"  grouped seeds: {', '.join(sorted(members))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
