"""Extraction under a time and memory limit: the child process is killed or fails, the run goes on."""
import os
import shutil
import time

import pytest

from conftest import BAD, SAMPLES, read_articles, read_failures, run_cli
from test_bad_inputs import _make_large
from wirebeam.schemas.documents import Document
from wirebeam.transforms import isolation
from wirebeam.transforms.isolation import CallTimeout, ChildDied, IsolatedFunction, start_ahead


def double(x):
    return 2 * x


def sleep_then(x, seconds):
    time.sleep(seconds)
    return x


def allocate(mib):
    return len(bytearray(mib * 1024 * 1024))


def die(code):
    os._exit(code)


def fail(message):
    raise ValueError(message)


def pid_of_child():
    return os.getpid()


@pytest.fixture
def isolated():
    made = []

    def make(fn, timeout=30, memory_mib=None):
        made.append(IsolatedFunction(fn, timeout, memory_mib * 1024 * 1024 if memory_mib else None))
        return made[-1]
    yield make
    for f in made:
        f.close()


def test_results_and_exceptions_come_back(isolated):
    f = isolated(double)
    assert [f.call(i) for i in range(3)] == [0, 2, 4]
    g = isolated(fail)
    with pytest.raises(RuntimeError, match="ValueError: bad page"):
        g.call("bad page")


def test_a_child_started_ahead_is_adopted_once_and_a_dead_one_replaced(isolated):
    start_ahead(pid_of_child)
    ahead = isolation._AHEAD[(isolation._name(pid_of_child), None)][0]
    first, second = isolated(pid_of_child), isolated(pid_of_child)
    assert first.call() == ahead.pid        # the child started ahead serves the first one
    assert second.call() not in (ahead.pid, os.getpid())   # the next one starts its own
    start_ahead(pid_of_child, 64 * 1024 * 1024)
    dead = isolation._AHEAD[(isolation._name(pid_of_child), 64 * 1024 * 1024)][0]
    dead.kill()
    dead.join(5)
    assert isolated(pid_of_child, memory_mib=64).call() not in (dead.pid, os.getpid())
    assert not isolation._AHEAD


def test_a_local_worker_starts_the_extraction_child_the_run_will_use(isolated):
    """What `python -m wirebeam.pipeline.local` does first when the driver passes the run's limits."""
    from wirebeam.pipeline.local import EXTRACT_AHEAD, EXTRACTION, start_extraction_child, worker_command
    from wirebeam.transforms.extract.dispatch import extract_document
    from wirebeam.transforms.isolation import memory_limit
    assert f"{EXTRACT_AHEAD}=30:512 " in worker_command(30, 512) and EXTRACT_AHEAD not in worker_command(0, 512)
    assert isolation._resolved(EXTRACTION) is extract_document
    start_extraction_child(30, 512)
    ahead = isolation._AHEAD[(EXTRACTION, memory_limit(512))][0]
    extractor = isolated(extract_document, timeout=30, memory_mib=512)   # as ExtractArticles.setup makes it
    page = SAMPLES / "en_world_rotterdam_port_strike.txt"
    kind, article = extractor.call(Document(source=str(page), format="text", raw=page.read_bytes()))
    assert kind == "article" and "Rotterdam" in article["text"]
    assert extractor._process.pid == ahead.pid and not isolation._AHEAD
    start_extraction_child(0, 512)   # no time limit: extraction runs in the worker, no child
    assert not isolation._AHEAD


def test_a_call_over_the_deadline_is_killed_and_the_next_call_works(isolated):
    f = isolated(sleep_then, timeout=1)
    assert f.call("warm", 0) == "warm"  # the child's start-up is not part of the deadline test
    started = time.monotonic()
    with pytest.raises(CallTimeout):
        f.call("stuck", 60)
    assert time.monotonic() - started < 10
    assert f.call("next", 0) == "next"


def test_memory_limit_and_a_dying_child_are_reported(isolated):
    f = isolated(allocate, memory_mib=1024)
    assert f.call(10) == 10 * 1024 * 1024
    with pytest.raises(MemoryError):
        f.call(2048)
    assert f.call(10) == 10 * 1024 * 1024
    g = isolated(die)
    with pytest.raises(ChildDied, match="exit code 3"):
        g.call(3)


def test_a_page_over_the_time_limit_ends_as_a_failure_and_the_run_goes_on(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    _make_large().write_large_page(inputs / "slow.html", mb=12)  # under the default size cap
    shutil.copy(SAMPLES / "de_hansekurier_sturm_bahn.html", inputs)
    out = tmp_path / "out"
    result = run_cli("run", "--input", inputs, "--output", out, "--extract-timeout", "1")
    assert result.returncode == 0, result.stderr
    fails = {f["source"].rsplit("/", 1)[-1]: f for f in read_failures(out).to_pylist()}
    assert (fails["slow.html"]["stage"], fails["slow.html"]["reason"]) == ("extract", "timeout")
    assert "--extract-timeout" in fails["slow.html"]["detail"]
    assert [r["source"].rsplit("/", 1)[-1] for r in read_articles(out).to_pylist()] == ["de_hansekurier_sturm_bahn.html"]
    assert "extract/timeout 1" in result.stdout


def test_negative_limits_are_refused_with_a_clear_message(tmp_path):
    result = run_cli("run", "--input", SAMPLES, "--output", tmp_path / "out", "--extract-timeout", "-1")
    assert result.returncode != 0
    assert "--extract-timeout must be 0 (no limit) or a positive number" in result.stderr


def test_the_child_loop_ends_quietly_when_the_parent_is_gone():
    import multiprocessing
    parent, child = multiprocessing.Pipe()
    parent.close()   # what a SIGTERM to the run leaves the child with
    assert isolation._serve(child, len, None) is None   # no BrokenPipeError traceback on the console
