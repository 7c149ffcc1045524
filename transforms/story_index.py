"""Stories across runs: a run's articles join the stories of earlier runs.

The copy index (transforms/index.py) keeps, beside its copy tables, what the story stage of a later
run needs, in the same buckets and run markers (so the same window, pruning and crash safety):

    story_vectors/bucket=BB/part-RUNID.parquet   per dated representative article: its story, day span
                                                 and TF-IDF vectors (the heaviest entries), by id_key
    story_keys/bucket=BB/part-RUNID.parquet      its blocking keys (hashed "term@days"), by key
    story_groups/bucket=BB/part-RUNID.parquet    per copy group the run touched: its story, by group key
    story_states/bucket=BB/part-RUNID.parquet    per story the run touched: its cumulative stories/ row
    story_df/bucket=00/part-RUNID.parquet        document frequencies up to this run (sparse)

A run (transforms/stories.GroupStories with an index):
1. weighs its articles with its own document frequencies plus those of the latest indexed run, so
   weights stay comparable and a small run's rare terms are rare against the whole history;
2. looks up its blocking keys in story_keys (only the buckets its keys fall in), verifies each
   candidate against the indexed vectors (same similarity and window as within a run), and adds the
   verified indexed articles to its story graph as extra nodes;
3. after average linkage, a cluster with indexed nodes continues their story (the one most of them
   belong to), and so does a copy group of an earlier run (story_groups); other clusters are new
   stories;
4. a continued story's row adds this run's articles to its state in story_states: the count is
   cumulative, the headline and story_id stay.
No step reads more than one bucket's probes and one row group of the index at a time.
"""
from typing import Dict, Iterable, List, Optional, Tuple

import apache_beam as beam
import numpy as np
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from wirebeam.transforms.index import STORY_VECTORS, bucket_of, grouped_by_key, id_key, packed, rows_with_keys

# The heaviest entries of an article's term and name vectors that the index keeps (the rest of a
# unit vector's weight is dropped, so a cross-run similarity is a little lower than a within-run
# one). Measured on tests/data/stories (146 articles): articles have 40 to 200 distinct terms and
# the 100 heaviest hold most of a vector's weight; `benchmarks/story_quality.py --runs 3` compares
# the corpus split across runs with one run.
INDEXED_TERMS = 100
INDEXED_NAMES = 20
# Entity counts a story's state keeps (its stories/ row shows the top 10 of them).
STATE_ENTITIES = 50
NODE_PREFIX = "index:"


def node_id(run_id: str, article_id: str) -> str:
    """The graph node of an indexed article (an article id of this run can be the same: a new version)."""
    return f"{NODE_PREFIX}{run_id}:{article_id}"


def is_indexed(node: str) -> bool:
    return node.startswith(NODE_PREFIX)


def key_hash(key: str) -> int:
    """63-bit hash of a blocking key ("term@days")."""
    return id_key(key)


def heaviest(weights: Dict[int, float], k: int) -> Tuple[List[int], List[float]]:
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return [h for h, _ in top], [float(v) for _, v in top]


# ---- document frequencies -------------------------------------------------------------------------

def read_df(path: Optional[str], slots: int) -> Optional[np.ndarray]:
    """The dense DF array (slots + 1, the last entry the document count) stored at `path`."""
    if not path:
        return None
    with FileSystems.open(path) as handle:
        table = pq.read_table(handle)
    df = np.zeros(slots + 1, dtype=np.int64)
    df[table.column("slot").to_numpy()] = table.column("count").to_numpy()
    return df


def with_indexed_df(run_df: np.ndarray, path: Optional[str]) -> np.ndarray:
    """This run's DF plus the DF up to the latest indexed run."""
    prior = read_df(path, len(run_df) - 1)
    return run_df if prior is None else (prior + run_df).astype(np.int64)


def df_rows(df: np.ndarray) -> Iterable[Tuple[int, Tuple[bytes, bytes]]]:
    """The DF as rows of the single story_df bucket: (0, (slots, counts)) of its non-zero slots, packed."""
    slots = np.nonzero(df)[0]
    yield 0, (packed(slots), packed(df[slots]))


# ---- rows the run writes ----------------------------------------------------------------------------

def vector_row(member: dict, story_id: str, run_id: str) -> dict:
    terms, term_weights = heaviest(member["t"], INDEXED_TERMS)
    names, name_weights = heaviest(member["e"], INDEXED_NAMES)
    return {"id_key": id_key(member["id"]), "id": member["id"], "story_id": story_id,
            "first_day": member["days"][0], "last_day": member["days"][1],
            "term_keys": terms, "term_weights": term_weights, "name_keys": names, "name_weights": name_weights,
            "run_id": run_id}


def indexed_member(row: dict) -> dict:
    """A story_vectors row -> a member of the story graph (as stories._weigh makes them)."""
    return {"id": node_id(row["run_id"], row["id"]), "story_id": row["story_id"],
            "t": dict(zip(row["term_keys"], row["term_weights"])),
            "e": dict(zip(row["name_keys"], row["name_weights"])),
            "days": (row["first_day"], row["last_day"])}


def key_rows(member: dict, keys: List[str]):
    """(bucket, (key hashes packed, the article's id_key)) of one article's blocking keys."""
    hashed = np.array(sorted({key_hash(k) for k in keys}), dtype=np.int64)
    buckets = bucket_of(hashed)
    target = id_key(member["id"])
    for b in np.unique(buckets):
        yield int(b), (packed(hashed[buckets == b]), target)


def probes(article_id: str, keys: List[str]):
    """(bucket, (article id, key hashes in that bucket)) of one article's blocking keys."""
    hashed = np.array(sorted({key_hash(k) for k in keys}), dtype=np.int64)
    buckets = bucket_of(hashed)
    for b in np.unique(buckets):
        yield int(b), (article_id, packed(hashed[buckets == b]))


def by_key_bucket(name: str):
    """(bucket of id_key(name), (id_key(name), name))."""
    key = id_key(name)
    return bucket_of(key), (key, name)


# ---- lookups (DoFns, one bucket each) ---------------------------------------------------------------

class VerifyIndexedStories(beam.DoFn):
    """(bucket, [(indexed id_key, new member)]) -> scored edges (new id, node, similarity, new dated, True)
    at or above the edge threshold, and (tagged "nodes") each indexed article with an edge, once."""

    NODES = "nodes"

    def __init__(self, files, window: int, edge_threshold: float, similarity):
        self.files, self.window, self.edge_threshold, self.similarity = files, window, edge_threshold, similarity
        self.candidates = Metrics.counter("stories", "indexed_candidates")
        self.edges = Metrics.counter("stories", "indexed_edges")

    def process(self, bucket_and_items):
        from wirebeam.transforms.stories import day_gap
        bucket, items = bucket_and_items
        by_key, keys = grouped_by_key(items, self.candidates)
        for row in rows_with_keys(self.files[bucket][STORY_VECTORS], "id_key", keys):
            old = indexed_member(row)
            linked = False
            for m in sorted(by_key[row["id_key"]], key=lambda m: m["id"]):
                gap = day_gap(m["days"], old["days"])
                if gap is not None and gap > self.window:
                    continue
                score = self.similarity(m, old)
                if score >= self.edge_threshold:
                    self.edges.inc()
                    linked = True
                    yield m["id"], old["id"], score, m["days"] is not None, True
            if linked:
                yield beam.pvalue.TaggedOutput(self.NODES, (old["id"], old))


class LookupLatest(beam.DoFn):
    """(bucket, [(key, name)]) -> (name, latest indexed row) from a table keyed by a hash of a name
    (story_groups by dup_group, story_states by story_id). Files come in ingestion order, so the
    last row found for a name is its latest."""

    def __init__(self, files, table: str, key_column: str, name_column: str):
        self.files, self.table, self.key_column, self.name_column = files, table, key_column, name_column

    def process(self, bucket_and_probes):
        bucket, wanted = bucket_and_probes
        names, keys = grouped_by_key(wanted)
        latest = {}
        for row in rows_with_keys(self.files[bucket][self.table], self.key_column, keys):
            if row[self.name_column] in names[row[self.key_column]]:
                latest[row[self.name_column]] = row
        for name in sorted(latest):
            yield name, latest[name]


class StoryIndex:
    """What GroupStories needs of the index: the snapshot's files, the latest DF, and where this run's
    story tables go (the staged index of the run)."""

    def __init__(self, snapshot: Dict, staging_index: str, run_id: str):
        self.files, self.searching = snapshot["files"], snapshot["runs"] > 0
        self.df_path, self.staging_index, self.run_id = snapshot.get("story_df"), staging_index, run_id


def state_row(row: dict, entity_counts: List[dict]) -> dict:
    return {"story_key": id_key(row["story_id"]), **row, "entity_counts": entity_counts[:STATE_ENTITIES]}

