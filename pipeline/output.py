"""The output folder: a run writes into a staging folder beside it (OUTPUT.staging-RUN_ID, outside
the output, so no reader that globs OUTPUT/** ever sees half a run), and only a finished run
replaces what was there (articles/, failures/, run.json) or, with --append, adds its own files
(pipeline.dataset). A crashed run leaves the previous output untouched; its staging folder is
removed (or, when its commit had begun, finished) by the next run.
"""
import collections
import json
import logging
import os
import shutil
from typing import Dict, List, Optional

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from wirebeam.schemas import ARTICLE, FAILURE
from wirebeam.transforms.files import is_local
from wirebeam.transforms.write import UNKNOWN_DATE, join

log = logging.getLogger(__name__)

STAGING_PREFIX = ".staging-"   # inside OUTPUT: where runs before the sibling folder staged (still cleaned)
STAGING_SUFFIX = ".staging-"   # OUTPUT.staging-RUN_ID, beside OUTPUT
TABLES = ("articles", "failures", "stories")   # stories/ is absent with --stories off
RUN_JSON = "run.json"
# In an object-store staging folder: the old output is deleted and the move has begun (see commit)
MOVING = ".moving"


def staging_path(output: str, run_id: str) -> str:
    """OUTPUT.staging-RUN_ID, beside the output folder. DuckDB's `**` glob descends into dot-folders,
    so a staging folder inside OUTPUT (even .staging-*) would double rows for such readers."""
    return output.rstrip("/") + STAGING_SUFFIX + run_id


def leftover_staging(output: str) -> List[str]:
    """Staging folders that earlier runs into `output` left (local disk), oldest name first."""
    if not is_local(output):
        return []
    output = output.rstrip("/")
    parent, base = os.path.split(output)
    found = []
    if os.path.isdir(parent):
        found += [os.path.join(parent, n) for n in sorted(os.listdir(parent)) if n.startswith(base + STAGING_SUFFIX)]
    if os.path.isdir(output):
        found += [os.path.join(output, n) for n in sorted(os.listdir(output)) if n.startswith(STAGING_PREFIX)]
    return found


def prepare_staging(output: str, run_id: str, finish=None) -> str:
    """Create OUTPUT.staging-RUN_ID, after removing the staging folders that crashed runs left.
    `finish(folder)` (append mode) may first complete a leftover whose commit had begun; it
    returns True when it did. Call it holding the output's lock: every leftover is then dead."""
    if is_local(output):
        os.makedirs(output, exist_ok=True)
        for folder in leftover_staging(output):
            if finish is None or not finish(folder):
                log.info("removing %s, left by a run that did not finish", folder)
            shutil.rmtree(folder, ignore_errors=True)
    elif finish is None:   # an appended dataset on an object store: leftovers stay (docs/datasets.md)
        repair(output)
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


def ensure_tables(staging: str, prefix: str = "part", present=(), always_unknown: bool = False) -> None:
    """A run without failures still gets failures/part-00000.parquet, and a run without articles
    articles/date=unknown/part-00000.parquet, with no rows: readers (DuckDB's read_parquet with a
    glob, pyarrow datasets, Spark) find both tables, with their schemas, after every run.
    `present` (append mode): the tables the dataset has already, which need no empty file;
    `always_unknown`: articles counts as written only with a date=unknown file."""
    for table, schema, empty_file in (("failures", FAILURE, f"{prefix}-00000.parquet"),
                                      ("articles", ARTICLE, f"date={UNKNOWN_DATE}/{prefix}-00000.parquet")):
        written = join(staging, table, f"date={UNKNOWN_DATE}") if always_unknown and table == "articles" \
            else join(staging, table)
        if table in present or list_files(written):
            continue
        with FileSystems.create(join(staging, table, empty_file)) as handle:
            pq.write_table(schema.empty_table(), handle, compression="zstd")


def _read(path: str, columns: List[str]) -> pa.Table:
    with FileSystems.open(path) as handle:
        return pq.read_table(handle, columns=columns)


def summarise(staging: str) -> Dict:
    """Counts for run.json and the closing summary, read back from the files just written."""
    articles = duplicates = 0
    languages, dates, groups = collections.Counter(), collections.Counter(), set()
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
        # the copy groups this run's copies belong to: a group of an earlier run counts once its
        # copy arrives; two versions of one article (both not copies) make no group
        groups.update(g for g, d in zip(cols["dup_group"], cols["is_duplicate"]) if d)
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
        "duplicate_groups": len(groups),
        "languages": dict(languages.most_common()),
        "dates": dict(sorted(dates.items())),
        "failures": {"total": failure_count,
                     "by_stage": {stage: dict(sorted(r.items())) for stage, r in sorted(failures.items())}},
    }


def write_run_json(staging: str, report: Dict, name: str = RUN_JSON) -> None:
    with FileSystems.create(join(staging, name)) as handle:
        handle.write((json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8"))


def object_store_staging(output: str) -> List[str]:
    """Object stores: the staging folders of runs into `output`, beside it (OUTPUT.staging-RUN_ID) and,
    from versions that staged inside it, OUTPUT/.staging-RUN_ID."""
    found = set()
    for prefix in (output.rstrip("/") + STAGING_SUFFIX, join(output, STAGING_PREFIX)):
        try:
            paths = [m.path for r in FileSystems.match([prefix + "*/**"]) for m in r.metadata_list]
        except Exception:   # nothing there yet (a new bucket path), or nothing to list
            continue
        found.update(path[:path.index("/", len(prefix))] for path in paths if "/" in path[len(prefix):])
    return sorted(found)


def repair(output: str) -> None:
    """Object stores: the staging folders that runs which stopped left. One with run.json had finished
    its run and begun its commit: the commit is done now (resumed where it stopped when its move had
    begun, MOVING), so OUTPUT holds that run's whole output again. The others are deleted."""
    folders = object_store_staging(output)
    finished = [folder for folder in folders if FileSystems.exists(join(folder, RUN_JSON))]
    # the latest: run ids start with the run's start time
    for staging in sorted(finished, key=lambda folder: folder.rsplit(STAGING_SUFFIX, 1)[-1])[-1:]:
        resume = FileSystems.exists(join(staging, MOVING))
        log.warning("%s: the commit of an earlier run stopped %s; finishing it now", output,
                    "half-way" if resume else "before it began")
        commit(staging, output, resume=resume)
        folders.remove(staging)
    for folder in folders:
        try:
            FileSystems.delete([folder + "/"])
        except Exception:
            pass


def commit(staging: str, output: str, resume: bool = False, stop_after: Optional[int] = None) -> None:
    """Replace OUTPUT's articles/, failures/ and run.json by the staged ones. `resume` (object stores
    only): an earlier attempt of this commit stopped halfway; move what is still staged, delete nothing.
    `stop_after` (object stores; tests): stop after moving that many files, as a commit that dies does."""
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
    if not resume:   # from here a stopped commit is resumed, not begun again (that would delete moved files)
        with FileSystems.create(join(staging, MOVING)) as handle:
            handle.write(b"moving\n")   # not empty: Beam's S3 writer cannot finish an object of 0 bytes
    # Not atomic: a reader listing OUTPUT meanwhile can see part of the tables. Only the tables and
    # run.json move (not, e.g., a feed-state update file the job left in the staging folder).
    staged = [m.path for r in FileSystems.match([join(staging, "**")]) for m in r.metadata_list]
    relative = [path[len(staging):].lstrip("/") for path in staged]
    keep = [(path, rel) for path, rel in zip(staged, relative)
            if rel == RUN_JSON or rel.split("/", 1)[0] in TABLES]
    # run.json last: its presence in OUTPUT says the move is complete
    keep.sort(key=lambda item: item[1] == RUN_JSON)
    for moved, (path, rel) in enumerate(keep):
        if stop_after is not None and moved >= stop_after:
            return
        FileSystems.rename([path], [join(output, rel)])
    rest = [path for path, rel in zip(staged, relative) if (path, rel) not in keep]
    if rest:
        try:
            FileSystems.delete(rest)
        except Exception:
            pass
