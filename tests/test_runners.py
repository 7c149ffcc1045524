"""The same input gives the same tables on every runner: the default local runner, two worker
processes, and the portable path that Flink and Dataflow take (PortableRunner against Beam's local
job service, LOOPBACK environment), and twice on one runner."""
import socket
import subprocess
import sys
import time

import pytest

from conftest import SAMPLES, SEEDS, read_articles, read_failures, run_cli

INGESTED_AT = "2026-01-01T00:00:00+00:00"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def job_endpoint():
    port = _free_port()
    service = subprocess.Popen([sys.executable, "-m", "apache_beam.runners.portability.local_job_service_main",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        service.kill()
        pytest.fail("Beam's local job service did not start")
    yield f"localhost:{port}"
    service.kill()
    service.wait()


def _tables(out):
    import pyarrow.parquet as pq
    articles = sorted(read_articles(out).to_pylist(), key=lambda r: r["id"])
    failures = sorted(read_failures(out).to_pylist(), key=lambda r: (r["source"], r["stage"]))
    stories = sorted(pq.read_table(str(out / "stories")).to_pylist(), key=lambda r: r["story_id"])
    return articles, failures, stories


RUNNERS = {
    "default": [],
    "two_processes": ["--direct_running_mode", "multi_processing", "--direct_num_workers", "2"],
    "portable": ["--runner", "PortableRunner", "--environment_type", "LOOPBACK"],
}


def test_every_runner_writes_the_same_tables(tmp_path, job_endpoint):
    inputs = ["--input", f"{SAMPLES}/*"] + (["--input", f"{SEEDS}/*"] if SEEDS.exists() else [])
    tables = {}
    for name, extra in [*RUNNERS.items(), ("default_again", [])]:
        if name == "portable":
            extra = extra + ["--job_endpoint", job_endpoint]
        out = tmp_path / name
        result = run_cli("run", *inputs, "--output", out, "--ingested-at", INGESTED_AT, *extra)
        assert result.returncode == 0, f"{name}: {result.stderr[-3000:]}"
        assert "semi_persistent_directory" not in result.stderr   # Beam's per-worker start-up noise is hidden
        tables[name] = _tables(out)
    articles, failures, stories = tables["default"]
    assert len(articles) == 14 + (5 if SEEDS.exists() else 0)
    assert sum(a["is_duplicate"] for a in articles) == 3
    assert sorted(s["story_id"] for s in stories) == sorted({a["story_id"] for a in articles})
    for name, (other_articles, other_failures, other_stories) in tables.items():
        assert [a["id"] for a in other_articles] == [a["id"] for a in articles], name
        for mine, theirs in zip(articles, other_articles):
            assert mine == theirs, (name, mine["source"], {k for k in mine if mine[k] != theirs[k]})
        assert other_failures == failures, name
        assert other_stories == stories, name


def test_every_runner_marks_the_same_copies_of_indexed_articles(tmp_path, job_endpoint):
    """With a copy index (--index) of an earlier run that holds other outlets' copies of two sample
    stories, every runner links the same rows to the same earlier groups; an empty index changes nothing."""
    import shutil
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    for name in ("de_stadtblatt_sturmnacht_altona.txt", "en_world_rotterdam_port_strike.txt"):
        shutil.copy(SAMPLES / name, earlier / f"other_outlet_{name}")
    seed = tmp_path / "index0"
    common = ["--ner", "none", "--ingested-at", INGESTED_AT]
    assert run_cli("run", "--input", earlier, "--output", tmp_path / "o0", "--index", seed, *common).returncode == 0
    tables = {}
    for name, extra in [*RUNNERS.items(), ("empty_index", []), ("no_index", [])]:
        if name == "portable":
            extra = extra + ["--job_endpoint", job_endpoint]
        index = tmp_path / f"index_{name}"
        if name != "empty_index":
            shutil.copytree(seed, index)
        index_args = [] if name == "no_index" else ["--index", index]
        out = tmp_path / name
        result = run_cli("run", "--input", f"{SAMPLES}/*", "--output", out, *index_args, *common, *extra)
        assert result.returncode == 0, f"{name}: {result.stderr[-3000:]}"
        tables[name] = _tables(out)
    articles = tables["default"][0]
    earlier_ids = {r["id"] for r in read_articles(tmp_path / "o0").to_pylist()}
    linked = [a for a in articles if a["dup_group"] in earlier_ids]
    assert len(linked) == 3 and all(a["is_duplicate"] for a in linked)   # Altona story once, Rotterdam story twice
    earlier_story = {r["id"]: r["story_id"] for r in read_articles(tmp_path / "o0").to_pylist()}
    assert all(a["story_id"] == earlier_story[a["dup_group"]] for a in linked)   # and they keep the earlier story
    for name in RUNNERS:
        assert tables[name] == tables["default"], name
    assert tables["empty_index"] == tables["no_index"]
