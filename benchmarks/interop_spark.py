"""Read a wirebeam output folder with Spark (pyspark, local mode): its schema and row counts.

    python -m venv /tmp/spark && /tmp/spark/bin/pip install 'pyspark>=3.5,<5'   # needs Java 17+
    /tmp/spark/bin/python benchmarks/interop_spark.py OUTPUT_FOLDER

pyspark is not a wirebeam dependency: run this with any Python that has it. The script checks what a
Spark user relies on: the date=... folders become a string `date` column (partition type inference off,
so "2025-03-14", "2025-03" and "unknown" share one type), the list columns are arrays (entities an array
of structs), timestamps are timestamps, and the row counts match run.json. Exit status 1 when not.
"""
import json
import pathlib
import sys


def main(argv) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[0] + "\nusage: interop_spark.py OUTPUT_FOLDER", file=sys.stderr)
        return 2
    out = pathlib.Path(argv[0]).resolve()
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[1]").appName("wirebeam-interop")
             .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
             .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        articles = spark.read.parquet(str(out / "articles"))
        failures = spark.read.parquet(str(out / "failures"))
        articles.printSchema()
        types = dict(articles.dtypes)
        counts = {"articles": articles.count(), "failures": failures.count()}
        dates = {r["date"]: r["count"] for r in articles.groupBy("date").count().collect()}
    finally:
        spark.stop()
    report = json.loads((out / "run.json").read_text(encoding="utf-8"))
    print(f"spark {counts['articles']} articles, {counts['failures']} failures; dates {dict(sorted(dates.items()))}")
    problems = []
    if counts["articles"] != report["articles"] or counts["failures"] != report["failures"]["total"]:
        problems.append(f"row counts {counts} differ from run.json ({report['articles']} articles, "
                        f"{report['failures']['total']} failures)")
    if dates != report["dates"]:
        problems.append(f"dates {dates} differ from run.json {report['dates']}")
    expected = {"date": "string", "authors": "array<string>", "published_date": "date", "word_count": "int",
                "language_confidence": "float", "is_duplicate": "boolean", "ingested_at": "timestamp",
                "entities": "array<struct<text:string,label:string,start:int,end:int,norm:string>>",
                "entity_counts": "array<struct<norm:string,label:string,count:int>>"}
    problems += [f"{name} is {types.get(name)}, expected {want}" for name, want in expected.items()
                 if types.get(name) != want]
    for problem in problems:
        print("MISMATCH", problem, file=sys.stderr)
    print("ok: Spark reads the same rows and types" if not problems else f"{len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
