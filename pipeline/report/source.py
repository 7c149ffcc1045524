"""Where a report's data lives: an output folder of one run or an appended dataset of many.

One run:  PATH/run.json, PATH/articles/date=*/part-*.parquet, PATH/failures/part-*.parquet
Dataset:  PATH/runs/RUNID.json, PATH/articles/date=*/part-RUNID-*.parquet, PATH/failures/part-RUNID-*.parquet
          (PATH/_index/ and PATH/.staging-*/ are never read), optionally PATH/stories/*.parquet.

DuckDB reads local Parquet directly. It cannot read gs:// (or s3://, ...) without credentials of its
own, so a remote PATH is first copied file by file through Beam's FileSystems, which uses the same
credentials as `wirebeam run`, into a temporary folder.
"""
import dataclasses
import json
import os
import re
import shutil
import tempfile
from typing import Dict, List, Optional

import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from wirebeam.pipeline.output import RUN_JSON, list_files
from wirebeam.transforms.files import is_local
from wirebeam.transforms.write import join

# part-RUNID-00003.parquet in a dataset; part-00003.parquet (no run id) in a single run's folder
RUN_FILE = re.compile(r"^part-(?P<run>.+)-\d+\.parquet$")


@dataclasses.dataclass
class Source:
    path: str                   # as the user gave it
    root: str                   # a local folder holding the files
    layout: str                 # "run" | "dataset"
    articles: List[str]
    failures: List[str]
    stories: List[str]
    runs: List[Dict]            # the run.json of each run, oldest first by start time
    unreadable: List[Dict] = dataclasses.field(default_factory=list)   # Parquet files left out: path, error
    temp: Optional[str] = None  # the temporary copy of a remote PATH, removed by close()

    def close(self) -> None:
        if self.temp:
            shutil.rmtree(self.temp, ignore_errors=True)


def run_of_file(path: str, default: str) -> str:
    """The run that wrote a Parquet file: RUNID of part-RUNID-N.parquet, else `default`."""
    match = RUN_FILE.match(os.path.basename(path))
    return match.group("run") if match else default


def _copy_remote(path: str) -> str:
    """Copy the report's inputs below a remote PATH into a new temporary folder; returns the folder."""
    temp = tempfile.mkdtemp(prefix="wirebeam-report-")
    wanted = [join(path, "articles", "**.parquet"), join(path, "failures", "**.parquet"),
              join(path, "stories", "**.parquet"), join(path, "runs", "*.json"), join(path, RUN_JSON)]
    prefix = path.rstrip("/") + "/"
    for result in FileSystems.match(wanted):
        for meta in result.metadata_list:
            relative = meta.path[len(prefix):] if meta.path.startswith(prefix) else os.path.basename(meta.path)
            target = os.path.join(temp, *relative.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with FileSystems.open(meta.path, compression_type="uncompressed") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return temp


def _readable(files: List[str], root: str, unreadable: List[Dict]) -> List[str]:
    """The files whose Parquet footer reads; the others (truncated, not Parquet) go to `unreadable`,
    so one broken file is reported instead of failing the whole report."""
    good = []
    for path in files:
        try:
            pq.read_metadata(path)
            good.append(path)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for a broken file
            unreadable.append({"path": os.path.relpath(path, root), "error": str(exc).splitlines()[0][:200]})
    return good


def _read_json(path: str) -> Optional[Dict]:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def open_source(path: str) -> Source:
    """Find the tables and run reports below PATH (a local folder or a gs:// ... URL)."""
    temp = None if is_local(path) else _copy_remote(path)
    root = temp or path
    if not os.path.isdir(root):
        raise FileNotFoundError(f"{path}: no such folder")
    runs_dir = os.path.join(root, "runs")
    if os.path.isdir(runs_dir):
        layout = "dataset"
        runs = [r for r in (_read_json(os.path.join(runs_dir, name)) for name in sorted(os.listdir(runs_dir))
                            if name.endswith(".json")) if r]
    else:
        layout = "run"
        single = _read_json(os.path.join(root, RUN_JSON))
        runs = [single] if single else []
    runs.sort(key=lambda r: (r.get("started_at") or "", r.get("run_id") or ""))
    unreadable: List[Dict] = []
    articles = _readable(list_files(os.path.join(root, "articles")), root, unreadable)
    if not articles and not runs:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
        raise FileNotFoundError(f"{path}: no articles/ Parquet files and no run.json or runs/*.json: "
                                "not a wirebeam output folder or dataset")
    return Source(path=path, root=root, layout=layout, articles=articles,
                  failures=_readable(list_files(os.path.join(root, "failures")), root, unreadable),
                  stories=_readable(list_files(os.path.join(root, "stories")), root, unreadable), runs=runs,
                  unreadable=unreadable, temp=temp)
