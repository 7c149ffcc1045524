"""The flow of a wirebeam run, read top to bottom: read, extract, clean, detect language,
mark duplicates, tag entities, write."""
import datetime as dt
from typing import Dict, List

import apache_beam as beam

from wirebeam.schemas import ARTICLE, FAILURE
from wirebeam.transforms.boilerplate import RemoveRepeatedLines
from wirebeam.transforms.dedup import MarkDuplicates
from wirebeam.transforms.entities import TagNamedEntities
from wirebeam.transforms.extract import ExtractText
from wirebeam.transforms.language import DetectLanguage
from wirebeam.transforms.read import ReadArticles
from wirebeam.transforms.write import (WritePartitionedParquet, article_folder, article_sort_key,
                                       failure_sort_key, join)


def build_pipeline(p: beam.Pipeline, *, paths: List[str], staging: str, options, ingested_at: dt.datetime,
                   ner_models: Dict[str, str]) -> None:
    """Add the whole flow to `p`; output lands in `staging` (articles/ and failures/)."""
    read = p | "ReadArticles" >> ReadArticles(paths, options.max_input_bytes, options.max_line_bytes)
    extracted = read.documents | "ExtractText" >> ExtractText(options.extract_timeout, options.extract_memory_mib)
    dedup_args = {} if options.dedup_threshold is None else {"threshold": options.dedup_threshold}
    articles = (
        extracted.articles
        | "RemoveRepeatedLines" >> RemoveRepeatedLines(options.boilerplate_min_docs)
        | "DetectLanguage" >> beam.ParDo(DetectLanguage(options.min_language_chars))
        | "MarkDuplicates" >> MarkDuplicates(**dedup_args)
        | "TagNamedEntities" >> TagNamedEntities(ner_models)
    )
    failures = (read.failures, extracted.failures) | "AllFailures" >> beam.Flatten()

    _ = articles | "WriteArticles" >> WritePartitionedParquet(
        join(staging, "articles"), ARTICLE, folder_of=article_folder, shard_key=lambda a: a["id"],
        sort_key=article_sort_key, shards=options.shards_per_date, ingested_at=ingested_at)
    _ = failures | "WriteFailures" >> WritePartitionedParquet(
        join(staging, "failures"), FAILURE, folder_of=lambda f: None, shard_key=lambda f: f["source"],
        sort_key=failure_sort_key, shards=1, ingested_at=ingested_at)
