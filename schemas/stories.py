"""The stories/ table: one row per story a run touched (transforms/stories.py builds the rows).

A story is the set of articles that report one event; `story_id` is also a column of every
article. With several runs into one output, the latest row of a story (by ingested_at) is its
current state.
"""
import pyarrow as pa

from wirebeam.schemas.articles import ENTITY_COUNT

STORY = pa.schema([
    pa.field("story_id", pa.string(), nullable=False),   # id of the story's earliest article (dated before undated, then longest, then smallest id)
    pa.field("headline", pa.string()),                   # title of the earliest article that has one
    pa.field("headline_id", pa.string()),                # the id of that article
    pa.field("first_published", pa.string()),            # `published` of the earliest dated article (ISO 8601 at its precision)
    pa.field("last_published", pa.string()),             # `published` of the latest dated article
    pa.field("first_date", pa.date32()),                 # earliest known publication day
    pa.field("last_date", pa.date32()),                  # latest known publication day
    pa.field("article_count", pa.int64()),               # articles in the story, copies included (cumulative once runs join stories)
    pa.field("run_articles", pa.int64()),                # of those, articles of this run
    pa.field("copy_groups", pa.int64()),                 # different texts in the story (copy groups)
    pa.field("sites", pa.list_(pa.string())),
    pa.field("languages", pa.list_(pa.string())),
    pa.field("agencies", pa.list_(pa.string())),
    pa.field("top_entities", pa.list_(ENTITY_COUNT)),    # the 10 most mentioned (norm, label) over the story's articles
    pa.field("ingested_at", pa.timestamp("us", tz="UTC")),
])
