"""The copy index (transforms.index): Arrow schemas of its two tables.

One entry per indexed article (what verifying a candidate copy needs), and one band row per LSH
band key of an article. Keys are 63-bit hashes stored as int64, so Parquet's min/max statistics
order them the same way the reader does. A later stage that wants more per-article keys (e.g. story
blocking keys) adds a column to INDEX_ENTRY or a table like INDEX_BAND keyed the same way.
"""
import pyarrow as pa

from wirebeam.schemas.articles import ENTITY_COUNT
from wirebeam.schemas.stories import STORY

INDEX_ENTRY = pa.schema([
    pa.field("id_key", pa.int64(), nullable=False),     # 63-bit hash of `id`; files are sorted by it
    pa.field("id", pa.string(), nullable=False),
    pa.field("version", pa.int32()),
    pa.field("exact", pa.string()),                     # exact-text key (sha1 of the text's words)
    pa.field("sig", pa.binary(1024)),                   # MinHash signature: 128 little-endian uint64
    pa.field("shingles", pa.int32()),                   # distinct word 5-grams (for the containment test)
    pa.field("length", pa.int32()),                     # characters of text (a canonical's tie-break)
    pa.field("published", pa.string()),
    pa.field("ingested_at", pa.timestamp("us", tz="UTC")),
    pa.field("dup_group", pa.string()),                 # the group the article joined when it was written
    pa.field("run_id", pa.string()),
])

INDEX_BAND = pa.schema([
    pa.field("key", pa.int64(), nullable=False),        # 63-bit band key (42 MinHash bands, and one of the exact key)
    pa.field("id_key", pa.int64(), nullable=False),     # the entry it points to
])

# --- stories across runs (transforms.story_index) ----------------------------------------------------

STORY_VECTOR = pa.schema([                              # one row per dated representative article
    pa.field("id_key", pa.int64(), nullable=False),     # 63-bit hash of `id`; files are sorted by it
    pa.field("id", pa.string(), nullable=False),
    pa.field("story_id", pa.string()),
    pa.field("first_day", pa.int32()),                  # publication day span as proleptic ordinals
    pa.field("last_day", pa.int32()),
    pa.field("term_keys", pa.list_(pa.int64())),        # the TF-IDF term vector (hashed terms), its heaviest entries
    pa.field("term_weights", pa.list_(pa.float32())),
    pa.field("name_keys", pa.list_(pa.int64())),        # the TF-IDF vector of entity names
    pa.field("name_weights", pa.list_(pa.float32())),
    pa.field("run_id", pa.string()),
])

STORY_KEY = pa.schema([                                 # one row per blocking key of an indexed article
    pa.field("key", pa.int64(), nullable=False),        # 63-bit hash of "term@day-bucket"
    pa.field("id_key", pa.int64(), nullable=False),     # the STORY_VECTOR row it points to
])

STORY_GROUP = pa.schema([                               # one row per copy group a run touched
    pa.field("group_key", pa.int64(), nullable=False),  # 63-bit hash of `dup_group`
    pa.field("dup_group", pa.string(), nullable=False),
    pa.field("story_id", pa.string(), nullable=False),
])

STORY_DF = pa.schema([                                  # document frequencies up to and including the run (sparse)
    pa.field("slot", pa.int32(), nullable=False),       # hashed term slot; slot == DF_SLOTS holds the document count
    pa.field("count", pa.int64(), nullable=False),
])

# The state of a story after a run that touched it: its stories/ row, keyed by a hash of story_id,
# with more entity counts than the row shows, so the next run's top entities add up.
STORY_STATE = pa.schema([pa.field("story_key", pa.int64(), nullable=False), *STORY,
                         pa.field("entity_counts", pa.list_(ENTITY_COUNT))])
