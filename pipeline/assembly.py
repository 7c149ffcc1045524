"""The flow of a wirebeam run, read top to bottom: read, extract, clean, detect language,
mark duplicates (with a copy index: across runs too), tag entities, group stories, write."""
import datetime as dt
from typing import Dict, List, Optional

import apache_beam as beam

from wirebeam.pipeline.dataset import INDEX, file_prefix
from wirebeam.schemas import ARTICLE, FAILURE
from wirebeam.schemas.stories import STORY
from wirebeam.transforms.boilerplate import RemoveRepeatedLines
from wirebeam.transforms.dedup import MarkDuplicates
from wirebeam.transforms.entities.tag import TagNamedEntities
from wirebeam.transforms.extract.dispatch import ExtractText
from wirebeam.transforms.feeds.read import ReadFeeds
from wirebeam.transforms.feeds.pages import FetchItemPages, WriteFeedStateUpdate
from wirebeam.transforms.feeds.politeness import RobotsOfSites
from wirebeam.transforms.index import MarkCopiesAcrossRuns, snapshot
from wirebeam.transforms.language import DetectLanguage
from wirebeam.transforms.read import ReadArticles
from wirebeam.transforms.stories import GroupStories
from wirebeam.transforms.story_index import StoryIndex
from wirebeam.transforms.titles import RemoveRepeatedTitleAffixes
from wirebeam.transforms.write import (WritePartitionedParquet, article_folder, article_sort_key,
                                       failure_sort_key, join)


def build_pipeline(p: beam.Pipeline, *, paths: List[str], staging: str, options, ingested_at: dt.datetime,
                   ner_models: Dict[str, str], feeds: Optional[List[str]] = None, feed_state=None,
                   fetch_policy=None, run_id: str = "", index_root: Optional[str] = None) -> Dict[str, beam.PCollection]:
    """Add the whole flow to `p`; output lands in `staging` (articles/, failures/, stories/ unless
    --stories off, and for feeds the state update the driver saves after the commit; with an index,
    _index/). `run_id` names the files of an --append run (part-RUNID-NNNNN.parquet). Returns the
    PCollections of the written file paths, {"articles": ..., "failures": ..., "stories": ...}, for
    a step that has to wait for them."""
    read = p | "ReadArticles" >> ReadArticles(paths, options.max_input_bytes, options.max_line_bytes)
    extracted = read.documents | "ExtractText" >> ExtractText(options.extract_timeout, options.extract_memory_mib,
                                                                     options.progress_seconds)
    extra_articles, extra_failures = [], []
    if feeds:  # feeds: new items -> pages -> the same extraction -> article rows
        robots = p | "RobotsOfFeeds" >> RobotsOfSites(feeds, fetch_policy)   # each site's robots.txt, once
        fed = p | "ReadFeeds" >> ReadFeeds(feeds, fetch_policy,
                                           {f: feed_state.conditional_headers(f) for f in feeds}, feed_state.seen,
                                           options.max_items_per_feed, robots)
        pages = fed.items | "FetchItemPages" >> FetchItemPages(fetch_policy, options.host_delay, robots)
        extra_articles, extra_failures = [pages.articles], [fed.failures, pages.failures]
    dedup_args = {} if options.dedup_threshold is None else {"threshold": options.dedup_threshold}
    articles = (
        ([extracted.articles] + extra_articles | "AllArticles" >> beam.Flatten())
        | "RemoveRepeatedLines" >> RemoveRepeatedLines(options.boilerplate_min_docs)
        | "RemoveRepeatedTitleAffixes" >> RemoveRepeatedTitleAffixes(options.title_affix_min_docs)
        | "DetectLanguage" >> beam.ParDo(DetectLanguage(options.min_language_chars))
    )
    index_files, indexed = [], None
    if index_root:  # copies across runs too (transforms.index); the run's index files staged in _index/
        indexed = snapshot(index_root, ingested_at, options.index_days, exclude_run=run_id)
        across = articles | "MarkCopiesAcrossRuns" >> MarkCopiesAcrossRuns(
            indexed, join(staging, INDEX), run_id, ingested_at, skip_known=options.append, **dedup_args)
        articles, index_files = across["articles"], [across["entry_buckets"], across["band_buckets"]]
    else:
        articles = articles | "MarkDuplicates" >> MarkDuplicates(**dedup_args)
    articles = articles | "TagNamedEntities" >> TagNamedEntities(ner_models, progress_seconds=options.progress_seconds)
    stories = None
    if options.stories != "off":
        story_index = None if indexed is None else StoryIndex(indexed, join(staging, INDEX), run_id)
        grouped = articles | "GroupStories" >> GroupStories(options.story_window, options.story_threshold,
                                                            story_index, ingested_at)
        articles, stories = grouped["articles"], grouped["stories"]
        if grouped["index"] is not None:   # stories across runs: the run's story tables, staged in _index/
            index_files.append(grouped["index"])
    failures = [read.failures, extracted.failures] + extra_failures | "AllFailures" >> beam.Flatten()
    if feeds:
        _ = (fed.validators, articles) | "FeedStateUpdate" >> WriteFeedStateUpdate(staging)

    prefix = file_prefix(run_id) if options.append else "part"
    article_files = articles | "WriteArticles" >> WritePartitionedParquet(
        join(staging, "articles"), ARTICLE, folder_of=article_folder, shard_key=lambda a: a["id"],
        sort_key=article_sort_key, shards=options.shards_per_date, ingested_at=ingested_at,
        prefix=prefix)
    failure_files = failures | "WriteFailures" >> WritePartitionedParquet(
        join(staging, "failures"), FAILURE, folder_of=lambda f: None, shard_key=lambda f: f["source"],
        sort_key=failure_sort_key, shards=1, ingested_at=ingested_at, prefix=prefix)
    written = {"articles": article_files, "failures": failure_files}
    if stories is not None:
        written["stories"] = stories | "WriteStories" >> WritePartitionedParquet(
            join(staging, "stories"), STORY, folder_of=lambda s: None, shard_key=lambda s: s["story_id"],
            sort_key=lambda s: s["story_id"], shards=1, ingested_at=ingested_at, prefix=prefix)
    if index_files:
        written["index"] = index_files | "IndexFiles" >> beam.Flatten()
    return written
