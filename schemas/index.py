"""The copy index (transforms.index): Arrow schemas of its two tables.

One entry per indexed article (what verifying a candidate copy needs), and one band row per LSH
band key of an article. Keys are 63-bit hashes stored as int64, so Parquet's min/max statistics
order them the same way the reader does. A later stage that wants more per-article keys (e.g. story
blocking keys) adds a column to INDEX_ENTRY or a table like INDEX_BAND keyed the same way.
"""
import pyarrow as pa

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
