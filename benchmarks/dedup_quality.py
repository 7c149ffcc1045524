#!/usr/bin/env python3
"""Precision and recall of copy detection on the wire-copy corpus (`tests/wire_copies.py`).

Writes the corpus to a temporary folder, runs `wirebeam run` on it for real, reads the Parquet
back and compares the predicted groups (dup_group) with the written truth, pair by pair: a pair
of files is positive when both are copies of one story. With --seeds, the five shared seed
articles (five different texts on one event) are run too: every pair grouped there is wrong.

    python benchmarks/dedup_quality.py [--seeds]
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
sys.path.insert(0, str(ROOT / "tests"))

import wire_copies  # noqa: E402  (the corpus lives with the tests)


def predicted_groups(folder: pathlib.Path, out: pathlib.Path, pattern=None) -> dict:
    import pyarrow.dataset as ds
    cmd = [sys.executable, "-m", "wirebeam", "run", "--input", pattern or str(folder), "--output", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    rows = ds.dataset(str(out / "articles"), format="parquet", partitioning="hive").to_table().to_pylist()
    return {r["source"].rsplit("/", 1)[-1]: r["dup_group"] for r in rows}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", action="store_true", help="also check that the shared seeds stay apart")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        truth = wire_copies.write_corpus(tmp / "in")
        groups = predicted_groups(tmp / "in", tmp / "out")
        missing = sorted(set(truth) - set(groups))
        if missing:
            raise SystemExit(f"no article row for {missing}")
        precision, recall, f1, wrong, missed = wire_copies.pair_scores(truth, groups)
        stories = len(set(truth.values()))
        exact = sum(1 for story in set(truth.values())
                    if {n for n in truth if truth[n] == story} in
                    [{n for n in groups if groups[n] == g} for g in set(groups.values())])
        print(f"wire-copy corpus: {len(truth)} articles, {stories} stories")
        print(f"pairwise precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}; "
              f"stories grouped exactly {exact}/{stories}")
        for a, b in wrong:
            print(f"  grouped but different stories: {a} + {b}")
        for a, b in missed:
            print(f"  copies not grouped: {a} + {b}")
        if args.seeds:
            if not SEEDS.exists():
                raise SystemExit(f"{SEEDS} is not here")
            seeds = predicted_groups(SEEDS, tmp / "seeds_out", pattern=f"{SEEDS}/*")
            print(f"seeds: {len(seeds)} articles in {len(set(seeds.values()))} groups (5 expected)")


if __name__ == "__main__":
    main()
