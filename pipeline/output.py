"""The output folder: a run writes into a staging folder inside it, and only a finished run
replaces what was there (articles/, failures/, run.json). A crashed run leaves the previous
output untouched; its staging folder is removed by the next run.
"""
import collections
import json
import logging
import os
import shutil
from typing import Dict, List

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from wirebeam.schemas import ARTICLE, FAILURE
from wirebeam.transforms.files import is_local
from wirebeam.transforms.write import UNKNOWN_DATE, join

log = logging.getLogger(__name__)

STAGING_PREFIX = ".staging-"
TABLES = ("articles", "failures", "stories")   # stories/ is absent with --stories off
RUN_JSON = "run.json"


def staging_path(output: str, run_id: str) -> str:
    return join(output, STAGING_PREFIX + run_id)


def prepare_staging(output: str, run_id: str) -> str:
    """Create OUTPUT/.staging-RUN_ID, after removing staging folders that crashed runs left."""
    if is_local(output):
        os.makedirs(output, exist_ok=True)
        for name in os.listdir(output):
            if name.startswith(STAGING_PREFIX):
                shutil.rmtree(os.path.join(output, name), ignore_errors=True)
    staging = staging_path(output, run_id)
    if is_local(staging):
        os.makedirs(staging)
    return staging


def list_files(folder: str) -> List[str]:
    """Parquet files below `folder`, sorted."""
    if is_local(folder):
        found = []
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            found += [os.path.join(root, f) for f in sorted(files) if f.endswith(".parquet") and not f.startswith(".")]
        return found
    try:
        return sorted(m.path for r in FileSystems.match([join(folder, "**.parquet")]) for m in r.metadata_list)
    except Exception:
        return []


def ensure_tables(staging: str) -> None:
    """A run without failures still gets failures/part-00000.parquet, and a run without articles
    articles/date=unknown/part-00000.parquet, with no rows: readers (DuckDB's read_parquet with a
    glob, pyarrow datasets, Spark) find both tables, with their schemas, after every run."""
    for table, schema, empty_file in (("failures", FAILURE, "part-00000.parquet"),
                                      ("articles", ARTICLE, f"date={UNKNOWN_DATE}/part-00000.parquet")):
        if list_files(join(staging, table)):
            continue
        with FileSystems.create(join(staging, table, empty_file)) as handle:
            pq.write_table(schema.empty_table(), handle, compression="zstd")


def _read(path: str, columns: List[str]) -> pa.Table:
    with FileSystems.open(path) as handle:
        return pq.read_table(handle, columns=columns)


def summarise(staging: str) -> Dict:
    """Counts for run.json and the closing summary, read back from the files just written."""
    articles = duplicates = 0
    languages, dates, groups = collections.Counter(), collections.Counter(), collections.Counter()
    for path in list_files(join(staging, "articles")):
        table = _read(path, ["language", "is_duplicate", "dup_group"])
        if not table.num_rows:   # the empty file of a run without articles
            continue
        folder = path.replace("\\", "/").rsplit("/", 2)[-2]
        dates[folder.split("=", 1)[-1]] += table.num_rows
        articles += table.num_rows
        cols = table.to_pydict()
        languages.update(cols["language"])
        duplicates += sum(1 for d in cols["is_duplicate"] if d)
        groups.update(cols["dup_group"])
    failures = collections.defaultdict(collections.Counter)
    failure_count = 0
    for path in list_files(join(staging, "failures")):
        cols = _read(path, ["stage", "reason"]).to_pydict()
        for stage, reason in zip(cols["stage"], cols["reason"]):
            failures[stage][reason] += 1
            failure_count += 1
    return {
        "articles": articles,
        "duplicates": duplicates,
        "duplicate_groups": sum(1 for n in groups.values() if n > 1),
        "languages": dict(languages.most_common()),
        "dates": dict(sorted(dates.items())),
        "failures": {"total": failure_count,
                     "by_stage": {stage: dict(sorted(r.items())) for stage, r in sorted(failures.items())}},
    }


def write_run_json(staging: str, report: Dict) -> None:
    with FileSystems.create(join(staging, RUN_JSON)) as handle:
        handle.write((json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8"))


def commit(staging: str, output: str, resume: bool = False) -> None:
    """Replace OUTPUT's articles/, failures/ and run.json by the staged ones. `resume` (object stores
    only): an earlier attempt of this commit stopped halfway; move what is still staged, delete nothing."""
    if is_local(output):
        trash = staging + ".old"
        os.makedirs(trash)
        for name in TABLES + (RUN_JSON,):
            if os.path.exists(os.path.join(output, name)):
                os.rename(os.path.join(output, name), os.path.join(trash, name))
        for name in TABLES + (RUN_JSON,):
            if os.path.exists(os.path.join(staging, name)):
                os.rename(os.path.join(staging, name), os.path.join(output, name))
        shutil.rmtree(trash, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
        return
    # Object stores have no folders to rename: delete the old objects, then move the new ones file by file.
    # A path ending in "/" is deleted recursively (gs://, s3://); without it only an object of that exact name.
    old = [] if resume else [join(output, name) + "/" for name in TABLES] + [join(output, RUN_JSON)]
    for path in old:
        try:
            FileSystems.delete([path])
        except Exception:
            pass
    # Not atomic: a reader listing OUTPUT meanwhile can see part of the tables. Only the tables and
    # run.json move (not, e.g., a feed-state update file the job left in the staging folder).
    staged = [m.path for r in FileSystems.match([join(staging, "**")]) for m in r.metadata_list]
    relative = [path[len(staging):].lstrip("/") for path in staged]
    keep = [(path, rel) for path, rel in zip(staged, relative)
            if rel == RUN_JSON or rel.split("/", 1)[0] in TABLES]
    # run.json last: its presence in OUTPUT says the move is complete
    keep.sort(key=lambda item: item[1] == RUN_JSON)
    for path, rel in keep:
        FileSystems.rename([path], [join(output, rel)])
    rest = [path for path, rel in zip(staged, relative) if (path, rel) not in keep]
    if rest:
        try:
            FileSystems.delete(rest)
        except Exception:
            pass
