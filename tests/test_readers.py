"""The output read back by the readers users reach for (DuckDB, pandas, Polars, pyarrow datasets): one
real run on input written here, and every reader must see the same rows, with the same types."""
import json

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from conftest import run_cli
from wirebeam.schemas import ARTICLE, FAILURE

STRIKE = ("Rotterdam (Reuters) - Dock workers at the Port of Rotterdam walked off the job on Friday, halting "
          "container traffic at Europe's largest port. The union FNV said the strike would last 48 hours. "
          "Shipping companies including Maersk diverted vessels to Antwerp.")
RECORDS = [  # a story and its wire copy, a month-only date, no date, and a line that is not JSON
    {"url": "https://harbour.example/a1", "title": "Port workers strike", "authors": ["Ann Lee", "Bo Chen"],
     "published": "2025-03-14T06:00:00Z", "text": STRIKE},
    {"url": "https://copy.example/a1", "title": "Port workers strike in Rotterdam", "published": "2025-03-14",
     "text": STRIKE},
    {"url": "https://stadt.example/b", "title": "Neue Bibliothek in Leipzig", "author": "Jana Krüger",
     "published": "2025-02", "text": "Leipzig - Die Stadtbibliothek Leipzig hat am Montag ihr neues Gebäude am "
     "Wilhelm-Leuschner-Platz eröffnet. Oberbürgermeister Burkhard Jung sprach von einem Meilenstein für die "
     "Stadt. Die Bibliothek bietet Platz für 300.000 Bücher."},
    {"url": "https://undated.example/c", "title": "Seaweed packaging",
     "text": "A small company in Cornwall is making packaging from seaweed. Its founder, Maria Santos, says the "
             "material breaks down in six weeks. Supermarkets in Bristol have begun trials this spring."},
]


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("readers")
    (folder / "in").mkdir()
    lines = [json.dumps(r, ensure_ascii=False) for r in RECORDS] + ["{not json"]
    (folder / "in" / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("run", "--input", folder / "in", "--output", folder / "out")
    assert result.returncode == 0, result.stderr[-3000:]
    return folder / "out"


def shape(t: pa.DataType):
    """A type with what readers may rename taken out: list item names, the spelling of UTC."""
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return ("list", shape(t.value_type))
    if pa.types.is_struct(t):
        return ("struct",) + tuple((f.name, shape(f.type)) for f in t)
    if pa.types.is_timestamp(t):
        return ("timestamp", t.unit, "UTC" if t.tz in ("UTC", "Etc/UTC", "+00:00") else t.tz)
    if pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_dictionary(t):
        return "string" if not pa.types.is_dictionary(t) else ("dictionary", shape(t.value_type))
    return str(t)


def rows(table: pa.Table):
    return sorted(table.to_pylist(), key=lambda r: (r.get("id") or r["source"], r.get("reason")))


def as_arrow(frame) -> pa.Table:
    if isinstance(frame, pa.RecordBatchReader):
        return frame.read_all()
    return frame


def readers(folder, partitioned: bool):
    """Each reader's table, as Arrow, plus pandas as it is (its own dtypes)."""
    glob = f"{folder}/**/*.parquet"
    hive = {"hive_partitioning": partitioned}
    return {
        "pyarrow": ds.dataset(str(folder), format="parquet", partitioning="hive" if partitioned else None).to_table(),
        "duckdb": as_arrow(duckdb.sql(f"SELECT * FROM read_parquet('{glob}', hive_partitioning={str(partitioned).lower()}"
                                      f"{', hive_types_autocast=false' if partitioned else ''})").arrow()),
        "polars": pl.read_parquet(glob, **hive, **({"try_parse_hive_dates": False} if partitioned else {})).to_arrow(),
        "pandas": pa.Table.from_pandas(pd.read_parquet(str(folder), dtype_backend="pyarrow"), preserve_index=False),
    }


def test_every_reader_gets_the_same_article_rows_and_types(out):
    tables = readers(out / "articles", partitioned=True)
    expected_types = {f.name: shape(f.type) for f in ARTICLE}
    reference = rows(tables["pyarrow"])
    assert len(reference) == 4 and {r["date"] for r in reference} == {"2025-03-14", "2025-02", "unknown"}
    assert sum(r["is_duplicate"] for r in reference) == 1 and any(r["entities"] for r in reference)
    assert next(r for r in reference if r["url"] == "https://harbour.example/a1")["authors"] == ["Ann Lee", "Bo Chen"]
    for name, table in tables.items():
        types = {f.name: shape(f.type) for f in table.schema}
        assert {k: types[k] for k in expected_types} == expected_types, name
        date_type = types["date"]   # the partition column: text, for "2025-03-14", "2025-02" and "unknown" alike
        assert date_type in ("string", ("dictionary", "string")), (name, date_type)
        got = rows(table.cast(pa.schema([f.with_type(pa.string()) if f.name == "date" else f for f in table.schema])))
        assert got == reference, name


def test_pandas_and_polars_native_types(out):
    frame = pd.read_parquet(str(out / "articles"))
    assert str(frame["word_count"].dtype) == "int32" and str(frame["language_confidence"].dtype) == "float32"
    assert str(frame["is_duplicate"].dtype) == "bool" and str(frame["ingested_at"].dtype) == "datetime64[us, UTC]"
    assert sorted(frame["authors"].map(len)) == [0, 0, 1, 2]   # lists arrive as arrays, not strings
    polars = pl.read_parquet(f"{out}/articles/**/*.parquet", hive_partitioning=True, try_parse_hive_dates=False)
    assert polars.schema["authors"] == pl.List(pl.String) and polars.schema["published_date"] == pl.Date
    assert polars.schema["entities"] == pl.List(pl.Struct({"text": pl.String, "label": pl.String, "start": pl.Int32,
                                                           "end": pl.Int32, "norm": pl.String}))
    assert polars.schema["fetched_at"] == pl.Datetime("us", "UTC")


def test_every_reader_gets_the_same_failure_rows_and_types(out):
    tables = readers(out / "failures", partitioned=False)
    expected_types = {f.name: shape(f.type) for f in FAILURE}
    reference = rows(tables["pyarrow"])
    assert [(r["stage"], r["reason"]) for r in reference] == [("read", "bad_json")]
    for name, table in tables.items():
        assert {f.name: shape(f.type) for f in table.schema} == expected_types, name
        assert rows(table) == reference, name
