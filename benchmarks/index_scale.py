#!/usr/bin/env python3
"""The copy index at scale: 1,000,000 indexed articles, a run of 10,000 new ones of which 20% copy
indexed articles.

The index is written in its real layout (transforms.index: entries and band files per bucket and
run, run markers) as 16 earlier runs over 13 days. The 2,000 indexed articles that the new run
copies are real texts (dedup_scale's generator: made-up words, Zipf-distributed), with their real
signatures; the other 998,000 are unrelated articles, whose MinHash signatures are drawn at random
(the MinHash values of unrelated texts are independent uniform draws, so this is what their
signatures look like; generating and hashing a million texts would take an hour on one core).
The new run: 8,000 articles from dedup_scale's corpus (with its own within-run families) and one
copy of each source, with the edits wire copies get (verbatim, two sentences replaced, subedited,
last paragraph cut, first two thirds, subedited and cut).

Each run is a Beam pipeline on the default local runner in its own subprocess: `MarkDuplicates`
alone (the run without an index) and `MarkCopiesAcrossRuns` against the index (which also writes
the run's own index files). Reported: wall time of each, peak RSS, and precision and recall of the
cross-run links (a new article whose dup_group is an indexed id is a link; the truth is its source).

    python benchmarks/index_scale.py                          # 1,000,000 indexed + 10,000 new
    python benchmarks/index_scale.py --indexed 100000 --json result.json
"""
import argparse
import datetime as dt
import json
import pathlib
import resource  # noqa: F401  (the probe below uses it in the child)
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import dedup_scale  # noqa: E402

INDEX_RUNS = 16
SOURCE_SEED = 10_000_000          # seeds of the copied sources: far from dedup_scale's own indices
NOW = dt.datetime(2026, 6, 20, 12, tzinfo=dt.timezone.utc)


def sources(n_indexed: int, n_copies: int):
    """Indexed positions of the sources: spread evenly over the index (and so over its runs and buckets)."""
    step = n_indexed // n_copies
    return [k * step for k in range(n_copies)]


def source_text(k: int) -> str:
    return "\n\n".join(" ".join(p) for p in dedup_scale._paragraphs(SOURCE_SEED + k))


def new_article(i: int, n_new: int, n_copies: int, n_indexed: int) -> dict:
    """The i-th article of the new run: dedup_scale's corpus first, then one copy of each source."""
    fresh = n_new - n_copies
    if i < fresh:
        return dedup_scale.article(i)
    k = i - fresh
    edit = dedup_scale.EDITS[k % len(dedup_scale.EDITS)]
    paragraphs = dedup_scale._edit(dedup_scale._paragraphs(SOURCE_SEED + k), edit, SOURCE_SEED + k)
    return {"id": f"n{k:07d}", "text": "\n\n".join(" ".join(p) for p in paragraphs),
            "published": "2026-06-20T10:00:00+00:00", "source_of_copy": f"i{sources(n_indexed, n_copies)[k]:07d}"}


def build_index(root: pathlib.Path, n_indexed: int, n_copies: int) -> None:
    """The index of `n_indexed` earlier articles, as INDEX_RUNS runs, in the layout the pipeline writes."""
    import pyarrow as pa

    from wirebeam.schemas.index import INDEX_BAND, INDEX_ENTRY
    from wirebeam.transforms import index
    from wirebeam.transforms.dedup import exact_key, signature_of

    source_at = {pos: k for k, pos in enumerate(sources(n_indexed, n_copies))}
    rng = np.random.default_rng(20261205)
    per_run = -(-n_indexed // INDEX_RUNS)
    for r in range(INDEX_RUNS):
        run_id = f"idx{r:02d}"
        positions = range(r * per_run, min(n_indexed, (r + 1) * per_run))
        n = len(positions)
        sigs = rng.integers(0, np.iinfo(np.uint64).max, size=(n, 128), dtype=np.uint64, endpoint=True)
        shingles = np.full(n, 250, dtype=np.int32)
        exacts = [row.tobytes().hex() for row in rng.integers(0, 256, size=(n, 20), dtype=np.uint8)]
        lengths = np.full(n, 1800, dtype=np.int32)
        for j, pos in enumerate(positions):
            if pos in source_at:
                text = source_text(source_at[pos])
                sig, count = signature_of(text)
                sigs[j], shingles[j], exacts[j], lengths[j] = np.array(sig, dtype=np.uint64), count, exact_key(text), len(text)
        ids = [f"i{pos:07d}" for pos in positions]
        id_keys = np.array([index.id_key(i) for i in ids], dtype=np.int64)
        ingested = NOW - dt.timedelta(days=13) + dt.timedelta(hours=19.5 * r)
        entries = pa.table({
            "id_key": id_keys, "id": ids, "version": np.ones(n, dtype=np.int32), "exact": exacts,
            "sig": pa.FixedSizeBinaryArray.from_buffers(pa.binary(1024), n, [None, pa.py_buffer(sigs.tobytes())]),
            "shingles": shingles, "length": lengths, "published": ["2026-06-01T06:00:00+00:00"] * n,
            "ingested_at": pa.array([ingested] * n, pa.timestamp("us", tz="UTC")), "dup_group": ids,
            "run_id": [run_id] * n}, schema=INDEX_ENTRY)
        buckets = index.bucket_of(id_keys)
        for b in range(index.BUCKETS):
            chosen = np.nonzero(buckets == b)[0]
            if len(chosen):
                path = index.bucket_file(str(root), index.ENTRIES, b, run_id)
                pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
                index.write_sorted(entries.take(pa.array(chosen)), path, "id_key", index.ENTRY_ROW_GROUP)
        keys = index.index_band_keys(sigs, exacts)
        targets = np.repeat(id_keys, keys.shape[1])
        keys = keys.reshape(-1)
        buckets = index.bucket_of(keys)
        for b in range(index.BUCKETS):
            chosen = buckets == b
            path = index.bucket_file(str(root), index.BANDS_TABLE, b, run_id)
            pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
            index.write_sorted(pa.table({"key": keys[chosen], "id_key": targets[chosen]}, schema=INDEX_BAND),
                               path, "key", index.BAND_ROW_GROUP)
        index.write_marker(str(root), run_id, ingested)
        print(f"  index run {r + 1}/{INDEX_RUNS}: {n} articles", file=sys.stderr, flush=True)


def run_once(mode: str, root: str, n_new: int, n_copies: int, n_indexed: int, out: str) -> None:
    """One Beam run over the new articles; (id, dup_group) lines into `out`."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from wirebeam.transforms import index
    from wirebeam.transforms.dedup import MarkDuplicates

    def make(i):
        a = new_article(i, n_new, n_copies, n_indexed)
        a.pop("source_of_copy", None)
        return {**a, "version": 1}
    with beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions([])) as p:
        articles = p | beam.Create(range(n_new)) | "Generate" >> beam.Map(make)
        if mode == "index":
            staging = tempfile.mkdtemp(prefix="index-staging-")
            marked = (articles | index.MarkCopiesAcrossRuns(index.snapshot(root, NOW, 14), staging, "new", NOW,
                                                              skip_known=True))["articles"]
        else:
            marked = articles | MarkDuplicates()
        _ = (marked | beam.Map(lambda a: f"{a['id']}\t{a['dup_group']}")
             | beam.io.WriteToText(out, shard_name_template=""))


def measure(mode: str, root: pathlib.Path, n_new: int, n_copies: int, n_indexed: int, work: pathlib.Path) -> dict:
    out = work / f"groups-{mode}.tsv"
    probe = ("import resource, subprocess, sys, json; rc = subprocess.call(sys.argv[1:]); "
             "print(json.dumps({'rc': rc, 'maxrss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")
    cmd = [sys.executable, __file__, "--run", mode, "--root", str(root), "--new", str(n_new), "--copies", str(n_copies),
           "--indexed", str(n_indexed), "--out", str(out)]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    info = json.loads(done.stdout.strip().splitlines()[-1])
    if info["rc"] != 0:
        raise SystemExit(f"{mode} run failed:\n{done.stderr[-3000:]}")
    groups = dict(line.split("\t") for line in out.read_text().splitlines())
    return {"seconds": round(seconds, 1), "peak_rss_mib": round(info["maxrss_kib"] / 1024), "groups": groups}


def cross_run_quality(groups: dict, n_new: int, n_copies: int, n_indexed: int) -> dict:
    truth = {}
    for i in range(n_new - n_copies, n_new):
        a = new_article(i, n_new, n_copies, n_indexed)
        truth[a["id"]] = a["source_of_copy"]
    links = {i: g for i, g in groups.items() if g.startswith("i")}
    correct = sum(1 for i, g in links.items() if truth.get(i) == g)
    return {"links": len(links), "true_copies": len(truth), "correct": correct,
            "precision": round(correct / len(links), 4) if links else 1.0, "recall": round(correct / len(truth), 4)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--indexed", type=int, default=1_000_000)
    ap.add_argument("--new", type=int, default=10_000)
    ap.add_argument("--copy-share", type=float, default=0.2)
    ap.add_argument("--work", type=pathlib.Path, help="keep the index here (reused when it exists)")
    ap.add_argument("--json", type=pathlib.Path)
    ap.add_argument("--run", choices=["plain", "index"], help=argparse.SUPPRESS)
    ap.add_argument("--root", help=argparse.SUPPRESS)
    ap.add_argument("--copies", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.run:
        run_once(args.run, args.root, args.new, args.copies, args.indexed, args.out)
        return 0
    n_copies = int(args.new * args.copy_share)
    work = args.work or pathlib.Path(tempfile.mkdtemp(prefix="index-scale-"))
    root = work / f"index-{args.indexed}"
    if not (root / "runs").exists():
        started = time.perf_counter()
        build_index(root, args.indexed, n_copies)
        print(f"index of {args.indexed} built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
    plain = measure("plain", root, args.new, n_copies, args.indexed, work)
    indexed = measure("index", root, args.new, n_copies, args.indexed, work)
    quality = cross_run_quality(indexed.pop("groups"), args.new, n_copies, args.indexed)
    plain.pop("groups")
    result = {"indexed": args.indexed, "new": args.new, "copies_of_indexed": n_copies,
              "index_mib": round(size / 2**20), "without_index": plain, "with_index": indexed,
              "ratio": round(indexed["seconds"] / plain["seconds"], 2), **quality}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
