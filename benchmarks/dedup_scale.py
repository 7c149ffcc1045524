#!/usr/bin/env python3
"""Copy detection at scale: a synthetic corpus with known families, 10k to 100k articles.

The corpus is generated from the article index alone (no file, same text on every run and
worker): base articles of 6-10 paragraphs drawn from a Zipf-distributed vocabulary of made-up
words, and for some bases reprints with the edits wire copies get (verbatim with other
whitespace, two sentences replaced, subedited with one word in twenty changed, last paragraph
cut, first two thirds only, subedited and cut). Look-alikes must stay apart: articles that quote
one paragraph of another base. `MarkDuplicates` runs in a Beam pipeline on the default local
runner (or --two-workers); pairwise precision and recall are computed against the known
families, with wall time and peak RSS of each run (a subprocess per size).

    python benchmarks/dedup_scale.py                      # 10k, 30k, 100k
    python benchmarks/dedup_scale.py --sizes 2000 --json result.json
"""
import argparse
import collections
import json
import pathlib
import random
import sys
import tempfile

import numpy as np

from measured import measured_run  # benchmarks/measured.py (this folder is on sys.path when run as a script)

BLOCK = 20                # the family plan is drawn per block of 20 indices
VOCABULARY = 30000
EDITS = ("verbatim", "two_sentences", "subedited", "cut_last_paragraph", "first_two_thirds", "subedited_and_cut")
_vocab = None


def vocabulary():
    global _vocab
    if _vocab is None:
        rnd = random.Random(20261125)
        syllables = [c + v for c in "bdfghklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ei", "au")]
        words = set()
        while len(words) < VOCABULARY:
            words.add("".join(rnd.choice(syllables) for _ in range(rnd.randint(1, 4))))
        weights = 1 / np.arange(1, VOCABULARY + 1, dtype=float)
        _vocab = (np.array(sorted(words)), np.cumsum(weights) / weights.sum())
    return _vocab


def plan_block(block: int):
    """The 20 slots of one block: (kind, base index, edit) per slot; kind base | copy | quote."""
    rnd = random.Random(block * 7919 + 1)
    slots = []
    while len(slots) < BLOCK:
        start = block * BLOCK + len(slots)
        if rnd.random() < 0.08 and slots:
            slots.append(("quote", start, slots[0][1]))  # quotes a paragraph of the block's first base
            continue
        slots.append(("base", start, None))
        for _ in range(rnd.choice([0, 0, 0, 0, 1, 1, 2, 3, 5])):
            if len(slots) < BLOCK:
                slots.append(("copy", start, rnd.choice(EDITS)))
    return slots


def family(index: int) -> int:
    """The truth: the base index of an article's family (a quote is a family of its own)."""
    kind, base, _ = plan_block(index // BLOCK)[index % BLOCK]
    return index if kind == "quote" else base


def _paragraphs(seed: int):
    words, cdf = vocabulary()
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(int(rng.integers(6, 11))):
        sentences = []
        for _ in range(int(rng.integers(2, 5))):
            n = int(rng.integers(10, 23))
            sentence = " ".join(words[np.minimum(np.searchsorted(cdf, rng.random(n)), VOCABULARY - 1)])
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
        out.append(sentences)
    return out


def _edit(paragraphs, edit: str, seed: int):
    rng = random.Random(seed)
    paragraphs = [list(p) for p in paragraphs]
    if edit in ("subedited", "subedited_and_cut"):
        words = vocabulary()[0]
        paragraphs = [[" ".join(w if rng.random() > 0.05 else str(words[rng.randrange(VOCABULARY)])
                                for w in s.split()) for s in p] for p in paragraphs]
    if edit == "two_sentences":
        fresh = [s for p in _paragraphs(seed + 10**9) for s in p]
        for k in range(2):
            p = rng.randrange(len(paragraphs))
            paragraphs[p][rng.randrange(len(paragraphs[p]))] = fresh[k]
    if edit in ("cut_last_paragraph", "subedited_and_cut"):
        paragraphs = paragraphs[:-1]
    if edit == "first_two_thirds":
        paragraphs = paragraphs[:max(1, (2 * len(paragraphs) + 2) // 3)]
    return paragraphs


def article(index: int) -> dict:
    kind, base, edit = plan_block(index // BLOCK)[index % BLOCK]
    if kind == "base":
        paragraphs = _paragraphs(base)
    elif kind == "copy":
        paragraphs = _edit(_paragraphs(base), edit, index)
    else:
        paragraphs = _paragraphs(index)
        paragraphs.insert(len(paragraphs) // 2, _paragraphs(edit)[1])
    separator = "\n\n" if not (kind == "copy" and edit == "verbatim") else "\r\n\r\n"
    day = 1 + base % 28
    hour = 6 if kind != "copy" else 7 + index % 12
    return {"id": f"a{index:07d}", "text": separator.join(" ".join(p) for p in paragraphs),
            "published": f"2025-06-{day:02d}T{hour:02d}:00:00+00:00"}


def run_size(n: int, out: pathlib.Path, two_workers: bool) -> None:
    """One Beam run over n generated articles; (id, dup_group) lines into `out`."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from wirebeam.transforms.dedup import MarkDuplicates

    args = ["--direct_running_mode", "multi_processing", "--direct_num_workers", "2"] if two_workers else []
    with beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions(args)) as p:
        _ = (p | beam.Create(range(n)) | "Generate" >> beam.Map(article) | MarkDuplicates()
             | beam.Map(lambda a: f"{a['id']}\t{a['dup_group']}")
             | beam.io.WriteToText(str(out), shard_name_template=""))


def pairwise(groups: dict, truth: dict):
    """Pairwise precision and recall of a partition (id -> group) against the truth (id -> family)."""
    def pairs(counter):
        return sum(c * (c - 1) // 2 for c in counter.values())
    predicted = pairs(collections.Counter(groups.values()))
    actual = pairs(collections.Counter(truth.values()))
    both = pairs(collections.Counter((groups[i], truth[i]) for i in groups))
    return (both / predicted if predicted else 1.0), (both / actual if actual else 1.0), predicted, actual


def measure(n: int, two_workers: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "groups.tsv"
        cmd = [sys.executable, __file__, "--run", str(n), "--out", str(out)] + (["--two-workers"] if two_workers else [])
        seconds, rss_mib, rc, stderr = measured_run(cmd)
        if rc != 0:
            raise SystemExit(f"run of {n} failed:\n{stderr[-3000:]}")
        groups = dict(line.split("\t") for line in out.read_text().splitlines())
    truth = {f"a{i:07d}": family(i) for i in range(n)}
    precision, recall, predicted, actual = pairwise(groups, truth)
    return {"articles": n, "seconds": round(seconds, 1), "articles_per_s": round(n / seconds, 1),
            "peak_rss_mib": round(rss_mib), "precision": round(precision, 4),
            "recall": round(recall, 4), "true_pairs": actual, "predicted_pairs": predicted,
            "families_with_copies": sum(1 for c in collections.Counter(truth.values()).values() if c > 1)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 30000, 100000])
    ap.add_argument("--two-workers", action="store_true", help="multi_processing with 2 workers")
    ap.add_argument("--json", type=pathlib.Path, help="write the table here")
    ap.add_argument("--run", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=pathlib.Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.run:
        run_size(args.run, args.out, args.two_workers)
        return 0
    rows = []
    print(f"{'articles':>9} {'seconds':>8} {'art/s':>7} {'peak RSS MiB':>13} {'precision':>10} {'recall':>7} "
          f"{'true pairs':>11} {'predicted':>10}")
    for n in args.sizes:
        row = measure(n, args.two_workers)
        rows.append(row)
        print(f"{row['articles']:>9} {row['seconds']:>8} {row['articles_per_s']:>7} {row['peak_rss_mib']:>13} "
              f"{row['precision']:>10.4f} {row['recall']:>7.4f} {row['true_pairs']:>11} {row['predicted_pairs']:>10}",
              flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
