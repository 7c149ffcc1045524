"""The package as a user installs it: a wheel built from the repository, not the editable install.

Beam's worker processes put the current folder first on sys.path, so a partial `wirebeam` package
at the repository root used to shadow the installed one in a 2-worker run started from there
(every worker died with ModuleNotFoundError: wirebeam.transforms). Editable installs hide that."""
import os
import pathlib
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, SAMPLES, read_articles, read_failures


@pytest.fixture(scope="module")
def wheel_install(tmp_path_factory):
    """The wheel `pip wheel .` builds, installed (without its dependencies, which this venv has) into a
    folder that PYTHONPATH puts before the editable install."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp / "dist"), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    wheel = next((tmp / "dist").glob("wirebeam-*.whl"))
    target = tmp / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=600)
    return wheel, target


def test_the_wheel_holds_the_package_and_its_models_and_nothing_else(wheel_install):
    wheel, _target = wheel_install
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert top == {"wirebeam", next(n for n in top if n.endswith(".dist-info"))}
    assert "wirebeam/__init__.py" in names and "wirebeam/pipeline/cli.py" in names
    assert "wirebeam/transforms/extract/html.py" in names and "wirebeam/transforms/feeds/pages.py" in names
    assert "wirebeam/transforms/entities/models/ner_de/config.cfg" in names
    assert "wirebeam/transforms/entities/models/LICENSES.md" in names
    assert not [n for n in names if n.startswith(("wirebeam/tests/", "wirebeam/benchmarks/", "wirebeam/samples/",
                                                    "wirebeam/training/", "wirebeam/docs/", "wirebeam/deploy/"))]


def test_the_repository_root_has_no_importable_partial_package():
    assert not (ROOT / "wirebeam").exists()
    found = subprocess.run([sys.executable, "-c", "import importlib.util as u; print(u.find_spec('wirebeam').origin)"],
                           cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    assert found.returncode == 0 and pathlib.Path(found.stdout.strip()).name == "__init__.py"


def test_two_worker_run_from_the_repository_root_with_the_installed_wheel(wheel_install, tmp_path):
    _wheel, target = wheel_install
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import wirebeam; print(wirebeam.__file__)"], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(target)), where.stdout   # the wheel, not the checkout
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "wirebeam", "run", "--input", "samples/*", "--output", str(out),
                           "--direct_running_mode", "multi_processing", "--direct_num_workers", "2"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ModuleNotFoundError" not in done.stderr
    articles = read_articles(out)
    one_each = [p for p in SAMPLES.iterdir() if p.suffix != ".jsonl"]
    lines = [line for p in SAMPLES.glob("*.jsonl") for line in p.read_text().splitlines() if line.strip()]
    assert articles.num_rows == len(one_each) + len(lines) == 14
    assert read_failures(out).num_rows == 0
    assert sum(1 for e in articles.column("entities").to_pylist() if e) > 0   # the models came with the wheel
