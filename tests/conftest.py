import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
EVAL = SHARED / "eval" / "extraction"
SAMPLES = ROOT / "samples"
BAD = ROOT / "tests" / "data" / "bad"


def needs(path: pathlib.Path):
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is not here (shared data beside the project)")


def run_cli(*args, cwd=None, timeout=600):
    """Run the installed `wirebeam` command for real, in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "wirebeam", *map(str, args)], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONHASHSEED": "random"})


def read_articles(out):
    import pyarrow.dataset as ds
    return ds.dataset(str(pathlib.Path(out) / "articles"), format="parquet", partitioning="hive").to_table()


def read_failures(out):
    import pyarrow.parquet as pq
    return pq.read_table(str(pathlib.Path(out) / "failures"))
