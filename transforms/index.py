"""The persistent copy index: copies found across runs, not only within one.

Layout (INDEX = DATASET/_index with --append, or --index PATH):

    INDEX/entries/bucket=BB/part-RUNID.parquet   one row per article (schemas.index.INDEX_ENTRY), sorted by id_key
    INDEX/bands/bucket=BB/part-RUNID.parquet     one row per band key of an article (INDEX_BAND), sorted by key
    INDEX/runs/RUNID.json                        the run's marker: written last, so only committed runs count

BB is the top BUCKET_BITS bits of the 63-bit key (id_key for entries, the band key for bands). A
run reads, per bucket, only the files of the runs inside the --index-days window, and of each file
only the row groups whose min/max key range holds one of its own keys (Parquet statistics), one row
group at a time: no step holds more than one bucket's probes and one row group of the index.

The flow (`MarkCopiesAcrossRuns`), on the articles of this run:
1. known ids: an article whose id the index has with the same exact-text key is already in the
   dataset (with --append it is skipped and counted; without, it keeps its row); a changed text
   under a known id is the next `version`;
2. the within-run copy detection, unchanged (dedup.MarkDuplicates, on the same signatures);
3. band keys of the new articles are looked up in the index buckets they fall in; each candidate
   is verified against the indexed signature with the same test as within a run;
4. a within-run group any of whose members copies an indexed article takes the earliest such
   article's dup_group (its group's canonical is older than anything in this run), and all its
   members become is_duplicate unless dup_group is their own id (a new version of a canonical);
5. the run's entries and band rows are written into the staging folder, moved into INDEX with the
   run's commit.
"""
import datetime as dt
import hashlib
import json
import logging
from typing import Dict, List, Optional

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from wirebeam.schemas.index import INDEX_BAND, INDEX_ENTRY
from wirebeam.transforms.dedup import (BANDS, ROWS, THRESHOLD, MarkDuplicates, _fmix64, canonical_key, exact_key,
                                       is_copy, signatures)
from wirebeam.transforms.write import join

log = logging.getLogger(__name__)

KEY_BITS = 63
KEY_MASK = (1 << KEY_BITS) - 1
BUCKET_BITS = 3                 # 8 buckets: the parallelism of the lookups, and files per run and table
BUCKETS = 1 << BUCKET_BITS
ENTRY_ROW_GROUP = 2048          # 2 MiB of signatures: what a lookup reads at least, per file touched
BAND_ROW_GROUP = 65536          # 1 MiB of band rows
MAX_BAND_HITS = 2000            # index entries one band key may point to before it is skipped (near-empty texts)
ENTRIES, BANDS_TABLE, RUNS = "entries", "bands", "runs"
# The story stage's tables (transforms.story_index), kept in the same buckets and run markers
STORY_VECTORS, STORY_KEYS, STORY_GROUPS, STORY_STATES, STORY_DF = (
    "story_vectors", "story_keys", "story_groups", "story_states", "story_df")
TABLES = (ENTRIES, BANDS_TABLE, STORY_VECTORS, STORY_KEYS, STORY_GROUPS, STORY_STATES, STORY_DF)
FORMAT = 1
_BAND_SEEDS = np.array([int.from_bytes(hashlib.blake2b(f"wirebeam-index-band-{b}".encode(), digest_size=8).digest(),
                                       "little") for b in range(BANDS + 1)], dtype=np.uint64)


def id_key(article_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest(), "little") & KEY_MASK


def bucket_of(key):
    """Bucket of a 63-bit key (an int or an int64 array)."""
    return key >> (KEY_BITS - BUCKET_BITS)


def packed(keys: np.ndarray) -> bytes:
    """int64 keys as the bytes elements carry between stages: Beam's coders pickle a numpy array
    (about 35 us each, 5 s of a 10,000-article indexed run, measured with py-spy), bytes cost ~1 us."""
    return np.ascontiguousarray(keys, dtype=np.int64).tobytes()


def unpacked(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.int64)


def index_band_keys(sigs: np.ndarray, exacts: List[str]) -> np.ndarray:
    """(n, 128) uint64 signatures and their exact keys -> (n, BANDS + 1) int64 band keys: one per
    band of ROWS values (as dedup's banding), and one of the exact text. Vectorised, no per-band
    Python hashing, so an index of millions is cheap to build."""
    sigs = np.asarray(sigs, dtype=np.uint64).reshape(len(exacts), -1)
    with np.errstate(over="ignore"):
        h = np.broadcast_to(_BAND_SEEDS[:BANDS], (len(exacts), BANDS)).copy()
        for r in range(ROWS):
            h = _fmix64(h ^ sigs[:, np.arange(BANDS) * ROWS + r])
        x = np.array([int(e[:16], 16) for e in exacts], dtype=np.uint64) ^ _BAND_SEEDS[BANDS]
        x = _fmix64(x)
    keys = np.concatenate([h, x[:, None]], axis=1) & np.uint64(KEY_MASK)
    return keys.astype(np.int64)


# ---- the index on disk -------------------------------------------------------------------------------

def bucket_file(root: str, table: str, bucket: int, run_id: str) -> str:
    return join(root, table, f"bucket={bucket:02d}", f"part-{run_id}.parquet")


def write_sorted(table: pa.Table, path: str, sort_column: str, row_group: int) -> None:
    """One index file: sorted by its key, so row-group statistics narrow every lookup; temp name, then rename."""
    table = table.sort_by(sort_column)
    temp = path.rsplit("/", 1)[0] + "/.tmp-" + path.rsplit("/", 1)[1]
    with FileSystems.create(temp) as handle:
        pq.write_table(table, handle, row_group_size=row_group, compression="zstd", write_statistics=True)
    FileSystems.rename([temp], [path])


def written_buckets(root: str) -> Dict[str, List[int]]:
    """Table -> the buckets that have a file below `root` (a run's staged index)."""
    out = {}
    for table in TABLES:
        try:
            found = [m.path for r in FileSystems.match([join(root, table, "bucket=*", "*.parquet")])
                     for m in r.metadata_list]
        except Exception:
            found = []
        out[table] = sorted({int(p.replace("\\", "/").rsplit("/", 2)[-2].split("=")[1]) for p in found
                             if not p.rsplit("/", 1)[-1].startswith(".")})
    return out


def write_marker(root: str, run_id: str, ingested_at: dt.datetime) -> Dict:
    """The run's marker, once its index files are staged: run id, ingestion time, buckets, entries."""
    buckets = written_buckets(root)
    entries = 0
    for b in buckets[ENTRIES]:
        with FileSystems.open(bucket_file(root, ENTRIES, b, run_id)) as handle:
            entries += pq.ParquetFile(handle).metadata.num_rows
    marker = {"format": FORMAT, "run_id": run_id, "ingested_at": ingested_at.isoformat(), "entries": entries,
              "buckets": buckets}
    with FileSystems.create(join(root, RUNS, f"{run_id}.json")) as handle:
        handle.write(json.dumps(marker).encode("utf-8"))
    return marker


def _markers(root: str) -> List[Dict]:
    try:
        found = [m.path for r in FileSystems.match([join(root, RUNS, "*.json")]) for m in r.metadata_list]
    except Exception:
        return []
    markers = []
    for path in sorted(found):
        try:
            with FileSystems.open(path) as handle:
                markers.append(json.loads(handle.read().decode("utf-8")))
        except Exception as exc:
            log.warning("index run marker %s is unreadable (%s); its run is left out", path, exc)
    return markers


def _window_start(now: dt.datetime, days: int) -> Optional[dt.datetime]:
    return None if days == 0 else now - dt.timedelta(days=days)


def snapshot(root: Optional[str], now: dt.datetime, days: int, exclude_run: Optional[str] = None) -> Dict:
    """The index as a run sees it, read in the driver from the run markers only (small): per bucket,
    the entry and band files of the committed runs ingested within `days` before `now` (0: all).
    A rerun of `exclude_run` does not match against its own earlier entries."""
    files = {b: {table: [] for table in TABLES} for b in range(BUCKETS)}
    runs, latest_df = 0, None
    if root:
        start = _window_start(now, days)
        # in ingestion order, so a lookup that keeps the last row it finds keeps the latest state
        for marker in sorted(_markers(root), key=lambda m: (m.get("ingested_at", ""), m["run_id"])):
            if marker.get("format") != FORMAT or marker["run_id"] == exclude_run:
                continue
            if start is not None and dt.datetime.fromisoformat(marker["ingested_at"]) < start:
                continue
            runs += 1
            for table in TABLES:
                for b in marker["buckets"].get(table, []):
                    files[b][table].append(bucket_file(root, table, b, marker["run_id"]))
            at = dt.datetime.fromisoformat(marker["ingested_at"])
            if marker["buckets"].get(STORY_DF) and (latest_df is None or at > latest_df[0]):
                latest_df = (at, bucket_file(root, STORY_DF, 0, marker["run_id"]))
    return {"runs": runs, "files": files, "story_df": latest_df[1] if latest_df else None}


def prune(root: str, now: dt.datetime, days: int) -> List[str]:
    """Delete the index files of runs ingested before the window (their marker first, so a crash
    midway leaves files no marker vouches for, which nobody reads). Returns the pruned run ids."""
    start = _window_start(now, days)
    pruned = []
    if start is None:
        return pruned
    for marker in _markers(root):
        if dt.datetime.fromisoformat(marker["ingested_at"]) >= start:
            continue
        FileSystems.delete([join(root, RUNS, f"{marker['run_id']}.json")])
        for table in TABLES:
            for b in marker.get("buckets", {}).get(table, []):
                try:
                    FileSystems.delete([bucket_file(root, table, b, marker["run_id"])])
                except Exception:
                    pass
        pruned.append(marker["run_id"])
    return pruned


def _row_groups(path: str, column: str, sorted_keys: np.ndarray):
    """(row group table reader, keys of `sorted_keys` within its range) for each row group of `path`
    whose min/max statistics of `column` hold at least one of `sorted_keys`."""
    with FileSystems.open(path) as handle:
        pf = pq.ParquetFile(handle)
        col = pf.schema_arrow.get_field_index(column)
        for rg in range(pf.num_row_groups):
            stats = pf.metadata.row_group(rg).column(col).statistics
            if stats is None or not stats.has_min_max:
                lo, hi = 0, len(sorted_keys)
            else:
                lo = np.searchsorted(sorted_keys, stats.min, "left")
                hi = np.searchsorted(sorted_keys, stats.max, "right")
            if lo < hi:
                yield pf, rg, sorted_keys[lo:hi]


def _hits(column: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Ascending indices i with column[i] in `wanted` (sorted, unique). Index files are sorted by
    their key column (write_sorted), so each wanted key is searched in the column rather than each
    row among the keys: a lookup has far fewer keys in a row group's range than the row group has
    rows. A column that is not sorted is searched row by row."""
    if len(column) > 1 and not (column[1:] >= column[:-1]).all():
        pos = np.minimum(np.searchsorted(wanted, column), len(wanted) - 1)
        return np.nonzero(wanted[pos] == column)[0]
    lo, hi = np.searchsorted(column, wanted, "left"), np.searchsorted(column, wanted, "right")
    found = hi > lo
    lo, counts = lo[found], (hi - lo)[found]
    # the runs [lo, lo + count) of equal keys, concatenated
    return np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(lo - (np.cumsum(counts) - counts), counts)


def grouped_by_key(items, counter=None):
    """[(key, value)] probes of a lookup -> ({key: [values]}, the keys as a sorted int64 array)."""
    by_key = {}
    for key, member in items:
        by_key.setdefault(key, []).append(member)
        if counter is not None:
            counter.inc()
    return by_key, np.array(sorted(by_key), dtype=np.int64)


def rows_with_keys(paths: List[str], column: str, sorted_keys: np.ndarray, columns: Optional[List[str]] = None):
    """The rows (dicts) of the files at `paths`, in order, whose `column` holds one of `sorted_keys`:
    of each file only the row groups whose statistics admit a key, their key column first and the
    other columns only of the matching rows."""
    for path in paths:
        for pf, rg, within in _row_groups(path, column, sorted_keys):
            hits = _hits(pf.read_row_group(rg, columns=[column]).column(column).to_numpy(), within)
            if len(hits):
                yield from pf.read_row_group(rg, columns=columns).take(pa.array(hits)).to_pylist()


class GroupPerBucket(beam.PTransform):
    """(bucket, item) -> (bucket, [items]). The same as a GroupByKey, but the items are gathered
    into one list per bucket within each bundle before the shuffle (a lifted combine): the index
    steps shuffle a handful of lists instead of one element per probe or row, which on the local
    runner was most of what the index added to a run (per-element coding and dispatch)."""

    def expand(self, keyed):
        return keyed | beam.CombinePerKey(beam.combiners.ToListCombineFn())


# ---- lookups (DoFns, one bucket each) ----------------------------------------------------------------

class _LookupIds(beam.DoFn):
    """(bucket, [(id_key, id)]) -> (id, (exact, version)) for each indexed version of those ids."""

    def __init__(self, files):
        self.files = files

    def process(self, bucket_and_probes):
        bucket, probes = bucket_and_probes
        wanted, keys = grouped_by_key(probes)
        for row in rows_with_keys(self.files[bucket][ENTRIES], "id_key", keys, ["id_key", "id", "exact", "version"]):
            if row["id"] in wanted[row["id_key"]]:
                yield row["id"], (row["exact"], row["version"])


class _LookupBands(beam.DoFn):
    """(bucket, [(new id, its band keys in this bucket, packed)]) -> (new id, indexed id_key) candidate pairs.
    `table`: any table of (key, id_key) rows sorted by key (the copy bands, the story keys)."""

    def __init__(self, files, table: str = BANDS_TABLE):
        self.files, self.table = files, table
        self.oversized = Metrics.counter("index", "oversized_bands" if table == BANDS_TABLE else f"oversized_{table}")

    def process(self, bucket_and_probes):
        bucket, probes = bucket_and_probes
        probes = list(probes)
        ids = [new_id for new_id, _ in probes]
        keys = [unpacked(band_keys) for _, band_keys in probes]
        owners = [np.full(len(k), i, dtype=np.int64) for i, k in enumerate(keys)]
        keys, owners = np.concatenate(keys), np.concatenate(owners)
        order = np.argsort(keys, kind="stable")
        keys, owners = keys[order], owners[order]
        distinct = np.unique(keys)
        found = {}   # band key -> indexed id_keys
        for path in self.files[bucket][self.table]:
            for pf, rg, within in _row_groups(path, "key", distinct):
                band = pf.read_row_group(rg, columns=["key"]).column("key").to_numpy()
                hits = _hits(band, within)
                if len(hits):   # the targets only of row groups with a hit (most have none)
                    target = pf.read_row_group(rg, columns=["id_key"]).column("id_key").to_numpy()
                    for i in hits:
                        found.setdefault(int(band[i]), []).append(int(target[i]))
        pairs = set()
        for band, targets in found.items():
            if len(targets) > MAX_BAND_HITS:
                self.oversized.inc()
                continue
            lo, hi = np.searchsorted(keys, band, "left"), np.searchsorted(keys, band, "right")
            for owner in owners[lo:hi]:
                pairs.update((ids[owner], t) for t in targets)
        for pair in sorted(pairs):
            yield pair


class _VerifyCandidates(beam.DoFn):
    """(bucket, [(indexed id_key, new member)]) -> (new id, earlier match) for each verified copy;
    an earlier match is (canonical_key of the indexed article, its dup_group)."""

    def __init__(self, files, threshold):
        self.files, self.threshold = files, threshold
        self.candidates = Metrics.counter("index", "candidate_pairs")

    def process(self, bucket_and_items):
        bucket, items = bucket_and_items
        by_key, keys = grouped_by_key(items, self.candidates)
        best = {}
        for row in rows_with_keys(self.files[bucket][ENTRIES], "id_key", keys,
                                  ["id_key", "id", "exact", "sig", "shingles", "length", "published", "dup_group"]):
            old_sig = np.frombuffer(row["sig"], dtype=np.uint64)
            match = (canonical_key({"id": row["id"], "published": row["published"], "length": row["length"]}),
                     row["dup_group"])
            for m in by_key[row["id_key"]]:
                if m["exact"] == row["exact"] or is_copy(np.frombuffer(m["sig"], dtype=np.uint64), m["n"],
                                                         old_sig, row["shingles"], self.threshold):
                    if m["id"] not in best or match < best[m["id"]]:
                        best[m["id"]] = match
        for new_id in sorted(best):
            yield new_id, best[new_id]


def _band_probes(id_and_member):
    article_id, m = id_and_member
    keys = index_band_keys(np.frombuffer(m["sig"], dtype=np.uint64), [m["exact"]])[0]
    buckets = bucket_of(keys)
    for b in np.unique(buckets):
        yield int(b), (article_id, packed(keys[buckets == b]))


def _with_member(id_and_joined):
    """(new id, {"candidate": [id_key...], "member": [member]}) -> (bucket of id_key, (id_key, member))."""
    _, joined = id_and_joined
    for member in joined["member"]:
        for key in sorted(set(joined["candidate"])):
            yield bucket_of(key), (key, member)


@beam.typehints.with_output_types(dict)
class _Versions(beam.DoFn):
    """An article and (side input) id -> [(exact, version)] of the indexed ids -> the articles to write, with their version.
    Same text as an indexed version: already in the dataset (dropped with --append, kept and tagged
    "indexed" without, so it is not indexed twice); another text: the next version."""

    INDEXED = "indexed"

    def __init__(self, skip_known: bool):
        self.skip_known = skip_known
        self.already = Metrics.counter("append", "already_in_dataset")
        self.versions = Metrics.counter("append", "new_versions")

    def process(self, article, known_by_id):
        article_id = article["id"]
        try:
            known = dict(known_by_id[article_id])   # Beam's MultiMap: [] for an id the index lacks
        except KeyError:
            known = {}
        if not known:
            yield article
            return
        exact = exact_key(article["text"])
        if exact in known:
            self.already.inc()
            if self.skip_known:
                return
            yield {**article, "version": known[exact]}
            yield beam.pvalue.TaggedOutput(self.INDEXED, (article_id, True))
        else:
            self.versions.inc()
            yield {**article, "version": max(known.values()) + 1}


def _adopt(article, earlier_of_group):
    """An article -> the same, in the earlier group its within-run group copies, if any."""
    earlier = earlier_of_group.get(article["dup_group"])
    if earlier is None:
        return article
    Metrics.counter("index", "copies_of_earlier_runs").inc()
    group = earlier[1]
    return {**article, "dup_group": group, "is_duplicate": group != article["id"]}


def _entry(id_and_joined, run_id, ingested_at):
    """(id, {"row": [article slim], "member": [member], "indexed": [...]}) -> index entries to write."""
    _, joined = id_and_joined
    if joined["indexed"]:
        return
    for row in joined["row"]:
        for m in joined["member"]:
            yield {"id_key": id_key(row["id"]), "id": row["id"], "version": row["version"], "exact": m["exact"],
                   "sig": m["sig"], "shingles": m["n"], "length": m["length"], "published": row["published"],
                   "ingested_at": ingested_at, "dup_group": row["dup_group"], "run_id": run_id}


def _band_rows(bucket_and_probes, indexed):
    """(bucket, [(id, packed band keys)]) of the lookups -> (bucket, [(packed keys, id_key)]): the
    run's band rows in that bucket, except for articles already indexed (a known text kept without --append)."""
    bucket, probes = bucket_and_probes
    return bucket, [(keys, id_key(article_id)) for article_id, keys in probes if article_id not in indexed]


def _table_spec(table: str):
    """(schema, sort column, row group size) of an index table."""
    from wirebeam.schemas import index as schemas
    return {ENTRIES: (INDEX_ENTRY, "id_key", ENTRY_ROW_GROUP), BANDS_TABLE: (INDEX_BAND, "key", BAND_ROW_GROUP),
            STORY_VECTORS: (schemas.STORY_VECTOR, "id_key", ENTRY_ROW_GROUP),
            STORY_KEYS: (schemas.STORY_KEY, "key", BAND_ROW_GROUP),
            STORY_GROUPS: (schemas.STORY_GROUP, "group_key", BAND_ROW_GROUP),
            STORY_STATES: (schemas.STORY_STATE, "story_key", ENTRY_ROW_GROUP),
            STORY_DF: (schemas.STORY_DF, "slot", BAND_ROW_GROUP)}[table]


class _WriteBucket(beam.DoFn):
    """(bucket, rows) -> the path of that bucket's file of this run. Rows are dicts, or, for the
    tables of two integer columns, (packed first column, packed second column or the one value
    all its rows share): (band keys, id_key), (story keys, id_key), (DF slots, counts)."""

    def __init__(self, root: str, table: str, run_id: str):
        self.root, self.table, self.run_id = root, table, run_id
        self.written = Metrics.counter("index", f"{table}_written" if table != ENTRIES else "entries_written")

    def process(self, bucket_and_rows):
        bucket, rows = bucket_and_rows
        rows = list(rows)
        if not rows:
            return
        schema, sort_column, row_group = _table_spec(self.table)
        if rows and isinstance(rows[0], tuple):
            firsts = [unpacked(first) for first, _ in rows]
            seconds = [unpacked(second) if isinstance(second, bytes) else np.full(len(first), second, dtype=np.int64)
                       for first, (_, second) in zip(firsts, rows)]
            data = pa.Table.from_arrays([pa.array(np.concatenate(column), type=field.type)
                                         for column, field in zip((firsts, seconds), schema)], schema=schema)
        else:
            data = pa.Table.from_pylist(rows, schema=schema)
        self.written.inc(data.num_rows)
        write_sorted(data, bucket_file(self.root, self.table, bucket, self.run_id), sort_column, row_group)
        yield bucket


class _WithinRun(beam.PTransform):
    """(articles, their signatures) -> dedup.MarkDuplicates' result, without computing signatures twice."""

    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold

    def expand(self, articles_and_members):
        articles, members = articles_and_members
        return MarkDuplicates(self.threshold).mark(articles, members)


class MarkCopiesAcrossRuns(beam.PTransform):
    """Articles -> articles with dup_group and is_duplicate across this run and the indexed runs
    (`index`: `snapshot()` of the index), and the run's index files written below `staging_index`.
    Output: {"articles": ..., "buckets": the buckets written (for the run's marker)}."""

    def __init__(self, index: Dict, staging_index: str, run_id: str, ingested_at: dt.datetime,
                 skip_known: bool, threshold: float = THRESHOLD):
        super().__init__()
        self.index, self.staging_index, self.run_id = index, staging_index, run_id
        self.ingested_at, self.skip_known, self.threshold = ingested_at, skip_known, threshold

    def expand(self, articles):
        files, searching = self.index["files"], self.index["runs"] > 0
        indexed = []
        if searching:
            known = (articles | "IdProbes" >> beam.Map(lambda a: (bucket_of(id_key(a["id"])), (id_key(a["id"]), a["id"])))
                     | "GroupIdProbes" >> GroupPerBucket() | "LookupIds" >> beam.ParDo(_LookupIds(files)))
            # what the index knows of this run's ids is small (ids seen before): a side input, so the
            # articles themselves are not shuffled
            checked = (articles | "Versions" >> beam.ParDo(_Versions(self.skip_known), beam.pvalue.AsMultiMap(known))
                       .with_outputs(_Versions.INDEXED, main="fresh"))
            articles, indexed = checked.fresh, [checked[_Versions.INDEXED]]
        members = signatures(articles)
        marked = (articles, members) | "WithinRun" >> _WithinRun(self.threshold)
        # the band keys, once per bucket: probes of the lookups, and this run's band rows
        band_probes = members | "BandProbes" >> beam.FlatMap(_band_probes) | "GroupBandProbes" >> GroupPerBucket()
        if searching:
            candidates = band_probes | "LookupBands" >> beam.ParDo(_LookupBands(files))
            earlier = (
                {"candidate": candidates, "member": members} | "JoinCandidates" >> beam.CoGroupByKey()
                | "ByIndexedBucket" >> beam.FlatMap(_with_member) | "GroupCandidates" >> GroupPerBucket()
                | "Verify" >> beam.ParDo(_VerifyCandidates(files, self.threshold))
            )
            per_group = (
                {"earlier": earlier, "group": marked | "GroupOf" >> beam.Map(lambda a: (a["id"], a["dup_group"]))}
                | "JoinGroups" >> beam.CoGroupByKey()
                | "ByGroup" >> beam.FlatMap(lambda kv: [(g, e) for g in kv[1]["group"] for e in kv[1]["earlier"]])
                | "EarliestPerGroup" >> beam.CombinePerKey(min)
            )
            # one entry per within-run group that copies an earlier one: small, a side input
            marked = marked | "Adopt" >> beam.Map(_adopt, beam.pvalue.AsDict(per_group))
        slim = marked | "Slim" >> beam.Map(lambda a: (a["id"], {k: a[k] for k in ("id", "version", "published",
                                                                                      "dup_group")}))
        indexed = (indexed or [articles.pipeline | "NoneIndexed" >> beam.Create([])])[0]
        entries = (
            {"row": slim, "member": members, "indexed": indexed} | "JoinEntries" >> beam.CoGroupByKey()
            | "Entries" >> beam.FlatMap(_entry, self.run_id, self.ingested_at)
        )
        entry_files = (entries | "EntryByBucket" >> beam.Map(lambda e: (bucket_of(e["id_key"]), e))
                       | "GroupEntries" >> GroupPerBucket()
                       | "WriteEntries" >> beam.ParDo(_WriteBucket(self.staging_index, ENTRIES, self.run_id)))
        band_files = (band_probes | "BandRows" >> beam.Map(_band_rows, beam.pvalue.AsDict(indexed))
                      | "WriteBands" >> beam.ParDo(_WriteBucket(self.staging_index, BANDS_TABLE, self.run_id)))
        return {"articles": marked, "entry_buckets": entry_files, "band_buckets": band_files}
