"""Writing Parquet: rows grouped by (partition, shard), one file per group, temp name then rename.

Beam's fileio cannot write into per-row subfolders on local disk, so partitions are written here
through FileSystems (local, gs://, s3://, ...). A group's file name is deterministic
(``part-00003.parquet``), so a retried bundle overwrites its own file instead of doubling rows.
Folder names come only from validated dates (see `partition_of`), never from raw metadata.
"""
import re
import uuid
import zlib
from typing import Callable, Optional

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from wirebeam.transforms.dates import parse_published

UNKNOWN_DATE = "unknown"
_SAFE_PARTITION = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
ROW_GROUP_ROWS = 10_000


def partition_of(article: dict) -> str:
    """The `date=` folder value of an article: YYYY-MM-DD, YYYY-MM (month-only dates) or 'unknown'."""
    published = parse_published(article.get("published"))
    value = published.partition if published else UNKNOWN_DATE
    return value if _SAFE_PARTITION.match(value) else UNKNOWN_DATE


def shard_of(key: str, shards: int) -> int:
    """Stable across processes and machines (crc32, not Python's salted hash())."""
    return zlib.crc32(key.encode("utf-8")) % max(1, shards)


def join(*parts: str) -> str:
    return FileSystems.join(*parts) if parts else ""


class WriteParquetGroup(beam.DoFn):
    """((folder, shard), rows) -> the path of one Parquet file holding those rows."""

    def __init__(self, root: str, schema: pa.Schema, sort_key: Callable[[dict], object], ingested_at,
                 prefix: str = "part"):
        self.root, self.prefix = root, prefix
        self.schema = schema
        self.sort_key = sort_key
        self.ingested_at = ingested_at
        self.files = Metrics.counter("write", "files")
        self.rows = Metrics.counter("write", "rows")

    def process(self, group):
        (folder, shard), rows = group
        rows = sorted(rows, key=self.sort_key)
        directory = join(self.root, folder) if folder else self.root
        final = join(directory, f"{self.prefix}-{shard:05d}.parquet")
        temp = join(directory, f".tmp-{self.prefix}-{shard:05d}-{uuid.uuid4().hex}.parquet")
        stamp = {"ingested_at": self.ingested_at}
        with FileSystems.create(temp) as handle:
            with pq.ParquetWriter(handle, self.schema, compression="zstd") as writer:
                for start in range(0, len(rows), ROW_GROUP_ROWS):
                    chunk = [{**row, **stamp} for row in rows[start:start + ROW_GROUP_ROWS]]
                    writer.write_table(pa.Table.from_pylist(chunk, schema=self.schema))
        FileSystems.rename([temp], [final])
        self.files.inc()
        self.rows.inc(len(rows))
        yield final


class WritePartitionedParquet(beam.PTransform):
    """Rows -> Parquet files under `root`, in Hive-style folders from `folder_of(row)` (None: no subfolder)."""

    def __init__(self, root: str, schema: pa.Schema, folder_of: Callable[[dict], Optional[str]],
                 shard_key: Callable[[dict], str], sort_key: Callable[[dict], object], shards: int, ingested_at,
                 prefix: str = "part"):
        """`prefix`: the start of each file name, part-NNNNN.parquet by default (part-RUNID with --append)."""
        super().__init__()
        self.prefix = prefix
        self.root, self.schema = root, schema
        self.folder_of, self.shard_key, self.sort_key = folder_of, shard_key, sort_key
        self.shards, self.ingested_at = shards, ingested_at

    def expand(self, rows):
        folder_of, shard_key, shards = self.folder_of, self.shard_key, self.shards
        return (
            rows
            | "KeyByFile" >> beam.Map(lambda row: ((folder_of(row), shard_of(shard_key(row), shards)), row))
            | "GroupByFile" >> beam.GroupByKey()
            | "WriteFile" >> beam.ParDo(WriteParquetGroup(self.root, self.schema, self.sort_key, self.ingested_at,
                                                             self.prefix))
        )


def article_folder(article: dict) -> str:
    return f"date={partition_of(article)}"


def article_sort_key(article: dict):
    return article["id"]


def failure_sort_key(failure: dict):
    return (failure["source"], failure["stage"], failure["reason"], failure.get("detail") or "")
