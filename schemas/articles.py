"""The output contract: Arrow schemas of the article and failure tables.

Everything that writes or validates rows takes its columns from here, so the Parquet files,
the tests and the docs cannot drift apart. Inside the pipeline an article travels as a plain
dict with exactly these keys (``ingested_at`` is stamped when rows are written).
"""
import pyarrow as pa

ENTITY = pa.struct([
    pa.field("text", pa.string()),
    pa.field("label", pa.string()),   # PER | LOC | ORG | MISC
    pa.field("start", pa.int32()),    # character offsets into `text`: text[start:end] is the mention
    pa.field("end", pa.int32()),
    pa.field("norm", pa.string()),    # canonical form within the article: "Putins" -> "Putin", "Kim" -> "Kim Jong Un"
])

ENTITY_COUNT = pa.struct([
    pa.field("norm", pa.string()),
    pa.field("label", pa.string()),
    pa.field("count", pa.int32()),    # mentions of (norm, label) in the article
])

ARTICLE = pa.schema([
    pa.field("id", pa.string(), nullable=False),          # stable: hash of `source`
    pa.field("source", pa.string(), nullable=False),      # input path, path:LINE for a JSON line, path#OFFSET for a WARC record
    pa.field("input_format", pa.string()),                # text | html | jsonl | warc | feed
    pa.field("url", pa.string()),                         # canonical url when known
    pa.field("title", pa.string()),
    pa.field("authors", pa.list_(pa.string())),
    pa.field("site", pa.string()),
    pa.field("published", pa.string()),                   # ISO 8601 at its known precision: 2024-05 | 2024-06-18 | 2024-06-18T09:30:00+02:00
    pa.field("date_precision", pa.string()),              # month | day | time, null when unknown
    pa.field("published_date", pa.date32()),              # only when the day is known
    pa.field("published_at", pa.timestamp("us", tz="UTC")),  # the instant in UTC, only when a time with offset is stated
    pa.field("language", pa.string()),                    # ISO 639-1, "und" when undetermined
    pa.field("language_confidence", pa.float32()),
    pa.field("text", pa.string()),
    pa.field("word_count", pa.int32()),
    pa.field("agencies", pa.list_(pa.string())),          # news agencies credited: AFP, AP, Reuters, dpa, ...
    pa.field("dup_group", pa.string()),                   # id of the group's canonical article (own id when alone)
    pa.field("is_duplicate", pa.bool_()),                 # false for exactly one member of each group (dup_group != id)
    pa.field("version", pa.int32()),                      # 1; with --append, n+1 for a changed text under an id the dataset has
    pa.field("story_id", pa.string()),                    # the story (articles on one event) it belongs to: see stories/ and docs/stories.md; null with --stories off
    pa.field("entities", pa.list_(ENTITY)),
    pa.field("entity_counts", pa.list_(ENTITY_COUNT)),    # one row per (norm, label), most frequent first
    # feed inputs only (null for files):
    pa.field("text_source", pa.string()),                 # page | feed_content | feed_summary
    pa.field("feed_url", pa.string()),                    # the feed the item came from
    pa.field("guid", pa.string()),                        # the item's guid / Atom id
    pa.field("item_title", pa.string()),                  # the item's title as the feed gives it
    # WARC inputs only (null otherwise):
    pa.field("fetched_at", pa.timestamp("us", tz="UTC")),  # WARC-Date of the record: when the page was fetched
    pa.field("ingested_at", pa.timestamp("us", tz="UTC")),
])

FAILURE = pa.schema([
    pa.field("source", pa.string(), nullable=False),
    pa.field("stage", pa.string(), nullable=False),       # read | decode | extract | feed | fetch | language | dedup | entities | write
    pa.field("reason", pa.string(), nullable=False),      # short machine-readable reason, e.g. too_large, no_text
    pa.field("detail", pa.string()),                      # human-readable detail
    pa.field("ingested_at", pa.timestamp("us", tz="UTC")),
])
