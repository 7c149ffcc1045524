"""The flow of a wirebeam run, read top to bottom: read, extract, clean, detect language,
mark duplicates, tag entities, group stories, write."""
import datetime as dt
from typing import Dict, List, Optional

import apache_beam as beam

from wirebeam.schemas import ARTICLE, FAILURE
from wirebeam.schemas.stories import STORY
from wirebeam.transforms.boilerplate import RemoveRepeatedLines
from wirebeam.transforms.dedup import MarkDuplicates
from wirebeam.transforms.entities.tag import TagNamedEntities
from wirebeam.transforms.extract.dispatch import ExtractText
from wirebeam.transforms.feeds.read import ReadFeeds
from wirebeam.transforms.feeds.pages import FetchItemPages, WriteFeedStateUpdate
from wirebeam.transforms.language import DetectLanguage
from wirebeam.transforms.read import ReadArticles
from wirebeam.transforms.stories import GroupStories
from wirebeam.transforms.write import (WritePartitionedParquet, article_folder, article_sort_key,
                                       failure_sort_key, join)


def build_pipeline(p: beam.Pipeline, *, paths: List[str], staging: str, options, ingested_at: dt.datetime,
                   ner_models: Dict[str, str], feeds: Optional[List[str]] = None, feed_state=None,
                   fetch_policy=None) -> Dict[str, beam.PCollection]:
    """Add the whole flow to `p`; output lands in `staging` (articles/, failures/, stories/ unless
    --stories off, and for feeds the state update the driver saves after the commit). Returns the
    PCollections of the written file paths, {"articles": ..., "failures": ..., "stories": ...}, for
    a step that has to wait for them."""
    read = p | "ReadArticles" >> ReadArticles(paths, options.max_input_bytes, options.max_line_bytes)
    extracted = read.documents | "ExtractText" >> ExtractText(options.extract_timeout, options.extract_memory_mib,
                                                                     options.progress_seconds)
    extra_articles, extra_failures = [], []
    if feeds:  # feeds: new items -> pages -> the same extraction -> article rows
        fed = p | "ReadFeeds" >> ReadFeeds(feeds, fetch_policy,
                                           {f: feed_state.conditional_headers(f) for f in feeds}, feed_state.seen,
                                           options.max_items_per_feed)
        pages = fed.items | "FetchItemPages" >> FetchItemPages(fetch_policy, options.host_delay)
        extra_articles, extra_failures = [pages.articles], [fed.failures, pages.failures]
    dedup_args = {} if options.dedup_threshold is None else {"threshold": options.dedup_threshold}
    articles = (
        ([extracted.articles] + extra_articles | "AllArticles" >> beam.Flatten())
        | "RemoveRepeatedLines" >> RemoveRepeatedLines(options.boilerplate_min_docs)
        | "DetectLanguage" >> beam.ParDo(DetectLanguage(options.min_language_chars))
        | "MarkDuplicates" >> MarkDuplicates(**dedup_args)
        | "TagNamedEntities" >> TagNamedEntities(ner_models, progress_seconds=options.progress_seconds)
    )
    stories = None
    if options.stories != "off":
        grouped = articles | "GroupStories" >> GroupStories(options.story_window, options.story_threshold)
        articles, stories = grouped["articles"], grouped["stories"]
    failures = [read.failures, extracted.failures] + extra_failures | "AllFailures" >> beam.Flatten()
    if feeds:
        _ = (fed.validators, articles) | "FeedStateUpdate" >> WriteFeedStateUpdate(staging)

    article_files = articles | "WriteArticles" >> WritePartitionedParquet(
        join(staging, "articles"), ARTICLE, folder_of=article_folder, shard_key=lambda a: a["id"],
        sort_key=article_sort_key, shards=options.shards_per_date, ingested_at=ingested_at)
    failure_files = failures | "WriteFailures" >> WritePartitionedParquet(
        join(staging, "failures"), FAILURE, folder_of=lambda f: None, shard_key=lambda f: f["source"],
        sort_key=failure_sort_key, shards=1, ingested_at=ingested_at)
    written = {"articles": article_files, "failures": failure_files}
    if stories is not None:
        written["stories"] = stories | "WriteStories" >> WritePartitionedParquet(
            join(staging, "stories"), STORY, folder_of=lambda s: None, shard_key=lambda s: s["story_id"],
            sort_key=lambda s: s["story_id"], shards=1, ingested_at=ingested_at)
    return written
