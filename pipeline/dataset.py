"""One growing dataset (`--append`): each run adds its own files and never rewrites another run's.

    DATASET/articles/date=…/part-RUNID-NNNNN.parquet
    DATASET/failures/part-RUNID-NNNNN.parquet
    DATASET/stories/part-RUNID-NNNNN.parquet   (one row per story the run touched; later rows supersede)
    DATASET/runs/RUNID.json                 the run's report; its presence says the run is committed
    DATASET/_index/…                        the copy index (transforms.index), unless --index points elsewhere

A run stages everything in OUTPUT.staging-RUNID (beside the dataset). The commit first writes a
manifest (what moves where) into the staging folder, then deletes the files an earlier run with the
same id left (a rerun replaces exactly its run), then moves each file, the run report last. A run
that dies during the commit leaves its manifest, and the next run (holding the lock) finishes the
move before it starts; one that dies before leaves no manifest, and its staging folder is deleted.
"""
import json
import logging
import os
import re
from typing import Dict, List, Optional, Tuple

from apache_beam.io.filesystems import FileSystems

from wirebeam.transforms.files import is_local
from wirebeam.transforms.write import join

log = logging.getLogger(__name__)

RUNS = "runs"
INDEX = "_index"
MANIFEST = "_manifest.json"
SAFE_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def file_prefix(run_id: str) -> str:
    """The start of every file name of a run: part-RUNID (then -NNNNN.parquet)."""
    return f"part-{run_id}"


def report_path(dataset: str, run_id: str) -> str:
    return join(dataset, RUNS, f"{run_id}.json")


def _walk(root: str) -> List[str]:
    """Every file below `root` (relative paths with /), sorted; none when it does not exist."""
    if is_local(root):
        found = []
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            found += [os.path.relpath(os.path.join(folder, f), root).replace(os.sep, "/") for f in sorted(files)]
        return found
    try:
        matched = [m.path for r in FileSystems.match([join(root, "**")]) for m in r.metadata_list]
    except Exception:
        return []
    return sorted(p[len(root.rstrip("/")):].lstrip("/") for p in matched)


def staged_files(staging: str) -> List[str]:
    return _walk(staging)


def _is_run_file(rel: str, run_id: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    prefix = file_prefix(run_id)
    return name.startswith(prefix + "-") or name == prefix + ".parquet" or rel in (
        f"{RUNS}/{run_id}.json", f"{INDEX}/{RUNS}/{run_id}.json", f"{RUNS}/{run_id}.json")


def has_table(dataset: str, table: str) -> bool:
    """Whether the dataset has any Parquet file of `table` yet."""
    folder = join(dataset, table)
    if is_local(folder):
        return os.path.isdir(folder) and any(f.endswith(".parquet") for f in _walk(folder))
    return any(f.endswith(".parquet") for f in _walk(folder))


def is_appended(output: str) -> bool:
    """An output written with --append (it has runs/)."""
    return FileSystems.exists(join(output, RUNS))


def plan(staging: str, dataset: Optional[str], index_root: Optional[str]) -> List[Tuple[str, str]]:
    """(relative path in staging, destination) for every file the run commits; the index's run
    marker and then the run report last, so each appears only once the files it vouches for are in."""
    moves = []
    for rel in _walk(staging):
        name = rel.rsplit("/", 1)[-1]
        if "/" not in rel or name.startswith(".tmp-"):   # the manifest, a feed-state update: not moved
            continue
        if rel.startswith(INDEX + "/"):
            if index_root is None:
                continue
            moves.append((rel, join(index_root, rel[len(INDEX) + 1:])))
        elif dataset is not None and rel.split("/", 1)[0] in ("articles", "failures", "stories", RUNS):
            moves.append((rel, join(dataset, rel)))
    order = {f"{INDEX}/{RUNS}": 1, RUNS: 2}
    moves.sort(key=lambda m: (order.get(m[0].rsplit("/", 1)[0], 0), m[0]))
    return moves


def _replace(src: str, dest: str) -> None:
    if is_local(dest):
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        os.replace(src, dest)
        return
    if FileSystems.exists(dest):
        FileSystems.delete([dest])
    FileSystems.rename([src], [dest])


def _delete(paths: List[str]) -> None:
    for path in paths:
        try:
            if is_local(path):
                os.unlink(path)
            else:
                FileSystems.delete([path])
        except FileNotFoundError:
            pass


def _remove_tree(folder: str) -> None:
    if is_local(folder):
        import shutil
        shutil.rmtree(folder, ignore_errors=True)
    else:
        try:
            FileSystems.delete([folder.rstrip("/") + "/"])
        except Exception:
            pass


def commit(staging: str, run_id: str, dataset: Optional[str], index_root: Optional[str], remove: bool = True) -> Dict:
    """Move the run's staged files into `dataset` (None: the tables are committed elsewhere) and its
    index files into `index_root` (None: no index); see the module docstring. Returns the manifest."""
    manifest_path = join(staging, MANIFEST)
    manifest = {"run_id": run_id, "dataset": dataset, "index_root": index_root,
                "moves": plan(staging, dataset, index_root)}
    with FileSystems.create(manifest_path) as handle:
        handle.write(json.dumps(manifest).encode("utf-8"))
    return finish(staging, manifest, remove)


def finish(staging: str, manifest: Dict, remove: bool = True) -> Dict:
    """The commit proper, safe to repeat: what an earlier run with the same id left goes, each staged
    file moves (a file moved already is skipped), and the staging folder is removed."""
    run_id = manifest["run_id"]
    destinations = {dest for _, dest in manifest["moves"]}
    for root, marker in ((manifest["dataset"], f"{RUNS}/{run_id}.json"), (manifest["index_root"], f"{RUNS}/{run_id}.json")):
        if root and FileSystems.exists(join(root, marker)):   # a rerun of a committed run id: drop its old files
            old = [join(root, rel) for rel in _walk(root) if _is_run_file(rel, run_id)]
            _delete([p for p in old if p not in destinations])
    for rel, dest in manifest["moves"]:
        src = join(staging, rel)
        if FileSystems.exists(src):
            _replace(src, dest)
    if remove:
        _remove_tree(staging)
    else:
        _delete([join(staging, MANIFEST)])
    return manifest


def finish_leftover(folder: str) -> bool:
    """A leftover staging folder whose commit had begun (it has a manifest): finish that commit.
    Returns False for one without a manifest (the run died before its commit; nothing to keep)."""
    path = join(folder, MANIFEST)
    if not FileSystems.exists(path):
        return False
    try:
        with FileSystems.open(path) as handle:
            manifest = json.loads(handle.read().decode("utf-8"))
    except Exception:   # the manifest itself is half-written: the commit had not begun moving
        return False
    log.warning("finishing the commit of run %s, which stopped halfway", manifest.get("run_id"))
    finish(folder, manifest)
    return True
