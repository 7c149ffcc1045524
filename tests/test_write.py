import datetime as dt
import subprocess
import sys

import apache_beam as beam
import duckdb
import pyarrow.parquet as pq

from wirebeam.schemas import ARTICLE
from wirebeam.transforms.write import (WritePartitionedParquet, article_folder, article_sort_key, partition_of,
                                       shard_of)

STAMP = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def row(i, published):
    return {"id": f"id{i:03d}", "source": f"/in/{i}.txt", "input_format": "text", "url": None, "title": f"T{i}",
            "authors": [], "site": None, "published": published, "date_precision": None, "published_date": None,
            "language": "de", "language_confidence": 1.0, "text": f"Text {i}", "word_count": 2, "agencies": [],
            "dup_group": f"id{i:03d}", "is_duplicate": False, "entities": []}


def test_partition_comes_only_from_validated_dates():
    assert partition_of({"published": "2024-06-18T10:00:00+02:00"}) == "2024-06-18"
    assert partition_of({"published": "2024-05"}) == "2024-05"
    assert partition_of({"published": None}) == "unknown"
    assert partition_of({"published": "../../x"}) == "unknown"
    assert partition_of({"published": "2024-06-18/../../../etc"}) == "unknown"


def test_shard_is_stable_across_processes():
    code = "from wirebeam.transforms.write import shard_of; print([shard_of(f'k{i}', 7) for i in range(20)])"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": str(s), "PATH": ""}).stdout for s in (1, 2)}
    assert outs == {str([shard_of(f"k{i}", 7) for i in range(20)]) + "\n"}


def test_writes_hive_partitions_readable_by_pyarrow_and_duckdb(tmp_path):
    rows = [row(i, p) for i, p in enumerate(["2024-06-18", "2024-06-18T23:00:00+00:00", "2024-05", None, "../../x"] * 3)]
    root = tmp_path / "articles"
    with beam.Pipeline(runner="FnApiRunner") as p:
        _ = (p | beam.Create(rows) | WritePartitionedParquet(
            str(root), ARTICLE, folder_of=article_folder, shard_key=lambda a: a["id"], sort_key=article_sort_key,
            shards=2, ingested_at=STAMP))
    folders = sorted(d.name for d in root.iterdir())
    assert folders == ["date=2024-05", "date=2024-06-18", "date=unknown"]
    files = sorted(str(f.relative_to(root)) for f in root.rglob("*") if f.is_file())
    assert all(f.split("/")[1] in ("part-00000.parquet", "part-00001.parquet") for f in files), files
    assert not any("tmp" in f for f in files)
    assert not list(tmp_path.glob("**/x")) and not (tmp_path.parent / "x").exists()
    table = pq.read_table(str(root))
    assert table.num_rows == 15 and sorted(table.column("id").to_pylist()) == sorted(r["id"] for r in rows)
    meta = pq.ParquetFile(next(root.rglob("*.parquet"))).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    con = duckdb.connect()
    got = con.sql(f"SELECT date, count(*) n, min(ingested_at) t FROM read_parquet('{root}/**/*.parquet', "
                  f"hive_partitioning=true) GROUP BY date ORDER BY date").fetchall()
    assert [(d, n) for d, n, _ in got] == [("2024-05", 3), ("2024-06-18", 6), ("unknown", 6)]
    assert got[0][2] == STAMP


def test_rewriting_the_same_group_replaces_its_file(tmp_path):
    rows = [row(i, "2024-06-18") for i in range(4)]
    for _ in range(2):
        with beam.Pipeline(runner="FnApiRunner") as p:
            _ = (p | beam.Create(rows) | WritePartitionedParquet(
                str(tmp_path), ARTICLE, folder_of=article_folder, shard_key=lambda a: a["id"],
                sort_key=article_sort_key, shards=1, ingested_at=STAMP))
    assert pq.read_table(str(tmp_path / "date=2024-06-18")).num_rows == 4
