"""wirebeam against its nearest peer, HuggingFace datatrove, doing the same work on the same pages.

datatrove's side: its JSONL reader over the raw pages, its Trafilatura extractor, a langdetect step
(seeded like wirebeam's; datatrove's own language filter downloads a fastText model at run time,
which this machine cannot), then its four-stage MinHash deduplication (signatures, buckets,
clusters, filter) and its Parquet writer. wirebeam's side: `wirebeam run --ner none` on the same
pages as HTML files (extraction with metadata and cleanup, language, copy marking, Parquet).

Where the work differs: datatrove removes the copies it finds, wirebeam keeps every article and
marks copies (dup_group, is_duplicate); wirebeam also extracts metadata (title, authors, date,
agencies) and cleans the text further; datatrove's extractor is trafilatura with its defaults.

datatrove lives in its own virtual environment, made by this script under benchmarks/results/
(never a dependency of wirebeam). Both sides run once with one task and once with two, in one
invocation, and the ratios are what counts (this machine is shared and noisy).

    python benchmarks/datatrove_compare.py [--pages 1000]
"""
import argparse
import gzip
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = ROOT.parent / "shared" / "eval" / "extraction" / "pages"
RESULTS = ROOT / "benchmarks" / "results"
VENV = RESULTS / "datatrove-venv"
DATATROVE = ["datatrove>=0.10,<0.11", "trafilatura>=2.3,<2.4", "langdetect>=1.0.9,<1.1", "pyarrow>=25,<26",
             "xxhash>=3,<4", "tokenizers", "orjson",   # what its dedup and JSONL steps import
             "lxml_html_clean>=0.4,<0.5",              # what trafilatura needs since lxml 5.2
             "spacy>=3.8,<3.9"]                        # its MinHash word tokenizer (a blank pipeline, no model)

DATATROVE_JOB = r'''
import sys, time
from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup import MinhashDedupSignature
from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                              MinhashDedupFilter)
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter, ParquetWriter


class LangDetect(PipelineStep):
    """langdetect on the first 2,000 characters, seeded, as wirebeam's language stage."""
    name = "langdetect"

    def run(self, data, rank=0, world_size=1):
        from langdetect import DetectorFactory, detect_langs
        DetectorFactory.seed = 0
        for doc in data:
            try:
                best = detect_langs(doc.text[:2000])[0]
                doc.metadata["language"], doc.metadata["language_score"] = best.lang, best.prob
            except Exception:
                doc.metadata["language"], doc.metadata["language_score"] = "und", 0.0
            yield doc


pages, work, tasks = sys.argv[1], sys.argv[2], int(sys.argv[3])
config = MinhashConfig(n_grams=5)
common = dict(tasks=tasks, workers=tasks, skip_completed=False)
start = time.monotonic()
LocalPipelineExecutor(pipeline=[JsonlReader(pages), Trafilatura(timeout=120.0), LangDetect(),
                                JsonlWriter(f"{work}/extracted")], logging_dir=f"{work}/logs/0", **common).run()
LocalPipelineExecutor(pipeline=[JsonlReader(f"{work}/extracted"),
                                MinhashDedupSignature(f"{work}/signatures", config=config)],
                      logging_dir=f"{work}/logs/1", **common).run()
LocalPipelineExecutor(pipeline=[MinhashDedupBuckets(f"{work}/signatures", f"{work}/buckets", config=config)],
                      logging_dir=f"{work}/logs/2", tasks=config.num_buckets, workers=tasks,
                      skip_completed=False).run()
LocalPipelineExecutor(pipeline=[MinhashDedupCluster(f"{work}/buckets", f"{work}/remove_ids", config=config)],
                      logging_dir=f"{work}/logs/3", tasks=1, workers=1, skip_completed=False).run()
LocalPipelineExecutor(pipeline=[JsonlReader(f"{work}/extracted"), MinhashDedupFilter(f"{work}/remove_ids"),
                                ParquetWriter(f"{work}/out")], logging_dir=f"{work}/logs/4", **common).run()
print(time.monotonic() - start)
'''


def make_venv() -> pathlib.Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *DATATROVE], check=True)
    return python


def prepare(n: int, folder: pathlib.Path):
    """The first n eval pages as HTML files (wirebeam) and as one JSONL file of raw pages (datatrove)."""
    paths = sorted(PAGES.glob("*/*.html*"))[:n]
    html, jsonl = folder / "html", folder / "jsonl"
    html.mkdir(parents=True)
    jsonl.mkdir()
    with open(jsonl / "pages.jsonl", "w", encoding="utf-8") as out:
        for i, path in enumerate(paths):
            raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            (html / f"{i:05d}.html").write_bytes(raw)
            out.write(json.dumps({"id": f"{i:05d}", "text": raw.decode("utf-8", "replace")}) + "\n")
    return html, jsonl, len(paths)


def run_wirebeam(html: pathlib.Path, out: pathlib.Path, workers: int) -> float:
    extra = ["--direct_running_mode", "multi_processing", "--direct_num_workers", str(workers)] if workers > 1 else []
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "wirebeam", "run", "--input", str(html), "--output", str(out),
                           "--ner", "none", *extra], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"wirebeam failed:\n{done.stderr[-4000:]}")
    return time.monotonic() - start


def run_datatrove(python: pathlib.Path, jsonl: pathlib.Path, work: pathlib.Path, tasks: int) -> float:
    start = time.monotonic()
    done = subprocess.run([str(python), "-c", DATATROVE_JOB, str(jsonl), str(work), str(tasks)],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"datatrove failed:\n{done.stderr[-4000:]}")
    return time.monotonic() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=1000)
    args = ap.parse_args()
    if not PAGES.is_dir():
        print(f"{PAGES} is not here: the eval pages live in ../shared beside the project", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    python = make_venv()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="wb-datatrove-"))
    try:
        html, jsonl, n = prepare(args.pages, tmp)
        rows = {}
        for tasks in (1, 2):
            rows[tasks] = {"datatrove_s": run_datatrove(python, jsonl, tmp / f"dt{tasks}", tasks),
                           "wirebeam_s": run_wirebeam(html, tmp / f"wb{tasks}", tasks)}
            rows[tasks]["wirebeam_speedup"] = rows[tasks]["datatrove_s"] / rows[tasks]["wirebeam_s"]
        print(f"{n} pages, one run each (ratio > 1: wirebeam faster)")
        print("| tasks | datatrove s | wirebeam --ner none s | datatrove / wirebeam |\n|---|---|---|---|")
        for tasks, row in rows.items():
            print(f"| {tasks} | {row['datatrove_s']:.1f} | {row['wirebeam_s']:.1f} | {row['wirebeam_speedup']:.2f} |")
        (RESULTS / "datatrove_compare.json").write_text(json.dumps({"pages": n, "runs": rows}, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
