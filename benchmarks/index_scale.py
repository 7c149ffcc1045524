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

With the story stage (unless --no-stories) the same two runs again with `GroupStories` after the copy
detection: without the index, and with its story tables (every indexed article its own story; the
copied sources with their real term vectors and keys, the others random ones). Reported: the time
the stage adds to each run, and how many copies join their indexed source's story.

    python benchmarks/index_scale.py                          # 1,000,000 indexed + 10,000 new
    python benchmarks/index_scale.py --indexed 100000 --json result.json
"""
import argparse
import datetime as dt
import json
import pathlib
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import dedup_scale  # noqa: E402
from measured import measured_run  # noqa: E402

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
        write_story_tables(root, run_id, ids, id_keys, ingested, source_at, positions, rng, last=r == INDEX_RUNS - 1)
        index.write_marker(str(root), run_id, ingested)
        print(f"  index run {r + 1}/{INDEX_RUNS}: {n} articles", file=sys.stderr, flush=True)


STORY_KEYS_PER_ARTICLE = 48     # about what an article gets: 20 terms and 4 names, in its own and the next day bucket
NOISE_TERMS = 100


def _lists(flat: np.ndarray, n: int, width: int, type_):
    import pyarrow as pa
    return pa.ListArray.from_arrays(pa.array(np.arange(0, n * width + 1, width, dtype=np.int32)), pa.array(flat, type_))


def _source_feature(k: int) -> dict:
    from wirebeam.transforms import stories
    return stories.features({"id": f"s{k}", "text": source_text(k), "title": None, "language": None,
                             "published": "2026-06-19", "entity_counts": None, "published_date": dt.date(2026, 6, 19)})


def source_frequencies(n_sources: int) -> np.ndarray:
    """Document frequencies over the copied sources (the indexed articles with real texts), once."""
    from wirebeam.transforms import stories
    if getattr(source_frequencies, "df", None) is None:
        df = stories.DocumentFrequencies.create()
        for k in range(n_sources):
            stories.DocumentFrequencies.add(df, list(_source_feature(k)["terms"]))
        source_frequencies.df = df
    return source_frequencies.df


def write_story_tables(root, run_id, ids, id_keys, ingested, source_at, positions, rng, last):
    """The story tables of one indexed run, as the story stage writes them (transforms.story_index):
    every indexed article is its own story and copy group (a state row and a group row each); the
    copied sources have their real TF-IDF vectors and blocking keys, published the day before the
    new run; the other articles random vectors and keys (unrelated texts share no rare terms)."""
    import pyarrow as pa

    from wirebeam.schemas.index import STORY_GROUP, STORY_KEY, STORY_STATE, STORY_VECTOR
    from wirebeam.transforms import index, stories, story_index
    n = len(ids)
    day = dt.date(2026, 6, 19).toordinal()
    terms = rng.integers(0, 2**63 - 1, size=(n, NOISE_TERMS), dtype=np.int64)
    term_weights = np.full((n, NOISE_TERMS), 0.1, dtype=np.float32)
    names = rng.integers(0, 2**63 - 1, size=(n, 4), dtype=np.int64)
    name_weights = np.full((n, 4), 0.5, dtype=np.float32)
    keys = rng.integers(0, 2**63 - 1, size=(n, STORY_KEYS_PER_ARTICLE), dtype=np.int64)
    df = source_frequencies(len(source_at))
    for j, pos in enumerate(positions):
        if pos in source_at:
            feature = _source_feature(source_at[pos])
            member = {"id": ids[j], "t": stories.weights(feature["terms"], df), "e": {}, "days": (day, day)}
            t_keys, t_weights = story_index.heaviest(member["t"], NOISE_TERMS)
            t_keys += [0] * (NOISE_TERMS - len(t_keys))
            t_weights += [0.0] * (NOISE_TERMS - len(t_weights))
            terms[j], term_weights[j] = t_keys, t_weights
            names[j], name_weights[j] = 0, 0.0
            real = sorted({story_index.key_hash(k) for k in stories.blocking_keys(member["t"], {}, (day, day), 3, df)
                           + stories.blocking_keys(member["t"], {}, (day, day), 3)})
            keys[j] = (real + list(keys[j]))[:STORY_KEYS_PER_ARTICLE]
    writes = {
        index.STORY_VECTORS: (pa.table({
            "id_key": id_keys, "id": ids, "story_id": ids, "first_day": np.full(n, day, np.int32),
            "last_day": np.full(n, day, np.int32), "term_keys": _lists(terms.reshape(-1), n, NOISE_TERMS, pa.int64()),
            "term_weights": _lists(term_weights.reshape(-1), n, NOISE_TERMS, pa.float32()),
            "name_keys": _lists(names.reshape(-1), n, 4, pa.int64()),
            "name_weights": _lists(name_weights.reshape(-1), n, 4, pa.float32()), "run_id": [run_id] * n},
            schema=STORY_VECTOR), "id_key"),
        index.STORY_KEYS: (pa.table({"key": keys.reshape(-1) & index.KEY_MASK,
                                     "id_key": np.repeat(id_keys, STORY_KEYS_PER_ARTICLE)}, schema=STORY_KEY), "key"),
        index.STORY_GROUPS: (pa.table({"group_key": id_keys, "dup_group": ids, "story_id": ids}, schema=STORY_GROUP),
                             "group_key"),
        index.STORY_STATES: (pa.Table.from_pylist([{
            "story_key": int(k), "story_id": i, "headline": f"headline {i}", "headline_id": i,
            "first_published": "2026-06-19", "last_published": "2026-06-19", "first_date": dt.date(2026, 6, 19),
            "last_date": dt.date(2026, 6, 19), "article_count": 1, "run_articles": 1, "copy_groups": 1,
            "sites": ["site.example"], "languages": [], "agencies": [], "top_entities": [], "ingested_at": ingested,
            "entity_counts": []} for k, i in zip(id_keys.tolist(), ids)], schema=STORY_STATE), "story_key"),
    }
    for table, (data, sort_column) in writes.items():
        key = data.column(sort_column).to_numpy()
        buckets = index.bucket_of(key)
        for b in range(index.BUCKETS):
            chosen = np.nonzero(buckets == b)[0]
            if len(chosen):
                path = index.bucket_file(str(root), table, b, run_id)
                pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
                index.write_sorted(data.take(pa.array(chosen)), path, sort_column, index._table_spec(table)[2])
    if last:   # the document frequencies of the indexed texts: one file, in the latest run
        counts = source_frequencies(len(source_at)).astype(np.int64)
        pathlib.Path(index.bucket_file(str(root), index.STORY_DF, 0, run_id)).parent.mkdir(parents=True, exist_ok=True)
        bucket, row = next(story_index.df_rows(counts))
        list(index._WriteBucket(str(root), index.STORY_DF, run_id).process((bucket, [row])))


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
        day = dt.date.fromisoformat(a["published"][:10])   # as the pipeline's date stage sets it
        return {**a, "version": 1, "published_date": day}
    with beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions([])) as p:
        articles = p | beam.Create(range(n_new)) | "Generate" >> beam.Map(make)
        snapshot = index.snapshot(root, NOW, 14)
        staging = tempfile.mkdtemp(prefix="index-staging-")
        if mode.startswith("index"):
            marked = (articles | index.MarkCopiesAcrossRuns(snapshot, staging, "new", NOW,
                                                              skip_known=True))["articles"]
        else:
            marked = articles | MarkDuplicates()
        if mode.endswith("stories"):
            from wirebeam.transforms.stories import GroupStories
            from wirebeam.transforms.story_index import StoryIndex
            story_index = StoryIndex(snapshot, staging, "new") if mode.startswith("index") else None
            marked = (marked | GroupStories(index=story_index, ingested_at=NOW))["articles"]
        _ = (marked | beam.Map(lambda a: f"{a['id']}\t{a['dup_group']}\t{a.get('story_id')}")
             | beam.io.WriteToText(out, shard_name_template=""))


def measure(mode: str, root: pathlib.Path, n_new: int, n_copies: int, n_indexed: int, work: pathlib.Path) -> dict:
    out = work / f"groups-{mode}.tsv"
    cmd = [sys.executable, __file__, "--run", mode, "--root", str(root), "--new", str(n_new), "--copies", str(n_copies),
           "--indexed", str(n_indexed), "--out", str(out)]
    seconds, rss_mib, rc, stderr = measured_run(cmd)
    if rc != 0:
        raise SystemExit(f"{mode} run failed:\n{stderr[-3000:]}")
    rows = [line.split("\t") for line in out.read_text().splitlines()]
    return {"seconds": round(seconds, 1), "peak_rss_mib": round(rss_mib),
            "groups": {i: g for i, g, _ in rows}, "stories": {i: s for i, _, s in rows}}


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
    ap.add_argument("--no-stories", action="store_true", help="skip the runs with the story stage")
    ap.add_argument("--run", choices=["plain", "index", "plain_stories", "index_stories"], help=argparse.SUPPRESS)
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
    for run in (plain, indexed):
        run.pop("groups", None), run.pop("stories")
    result = {"indexed": args.indexed, "new": args.new, "copies_of_indexed": n_copies,
              "index_mib": round(size / 2**20), "without_index": plain, "with_index": indexed,
              "ratio": round(indexed["seconds"] / plain["seconds"], 2), **quality}
    if not args.no_stories:   # the story stage after each: its time, and copies keeping their source's story
        plain_stories = measure("plain_stories", root, args.new, n_copies, args.indexed, work)
        index_stories = measure("index_stories", root, args.new, n_copies, args.indexed, work)
        truth = {new_article(i, args.new, n_copies, args.indexed)["id"]:
                 new_article(i, args.new, n_copies, args.indexed)["source_of_copy"]
                 for i in range(args.new - n_copies, args.new)}
        kept = sum(1 for i, source in truth.items() if index_stories["stories"].get(i) == source)
        for run in (plain_stories, index_stories):
            run.pop("groups"), run.pop("stories")
        result["stories"] = {
            "without_index": plain_stories, "with_index": index_stories,
            "story_seconds_without_index": round(plain_stories["seconds"] - plain["seconds"], 1),
            "story_seconds_with_index": round(index_stories["seconds"] - indexed["seconds"], 1),
            "ratio": round(index_stories["seconds"] / plain_stories["seconds"], 2),
            "copies_in_their_source_story": kept, "copies": len(truth)}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
