"""Ctrl-C (SIGINT to the whole foreground process group, as a terminal sends it) or SIGTERM to the driver
of a real 2-worker multi-processing run: one clear line on stderr, exit status 130, no worker left behind,
the previous output untouched."""
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from wirebeam.pipeline.local import child_processes

TEXT = ("Hamburg - The harbour authority opened a new container terminal on Monday. Officials said the terminal "
        "would handle two million containers a year once it is fully running, and that {n} new jobs were created.\n")


MULTI = ("--direct_running_mode", "multi_processing", "--direct_num_workers", "2")


def _start(inputs, out, *mode):
    return subprocess.Popen([sys.executable, "-m", "wirebeam", "run", "--input", str(inputs), "--output", str(out),
                             *mode],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)   # its own process group, like a shell job


def _wait_for_workers(process, count=2, timeout=120):
    """The worker processes, once `count` of them run (the run has started)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = child_processes(process.pid)
        if len(workers) >= count:
            return workers
        assert process.poll() is None, process.communicate()[1][-3000:]
        time.sleep(0.2)
    pytest.fail("the workers did not start")


def _gone(pids, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(os.path.exists(f"/proc/{pid}") and "zombie" not in open(f"/proc/{pid}/status").read()
                   for pid in pids):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(120):
        (folder / f"story_{n:03d}.txt").write_text(TEXT.format(n=n) * 3, encoding="utf-8")
    return folder


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_an_interrupted_two_worker_run_says_one_clear_line(inputs, tmp_path, how):
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_text('{"run_id": "before"}', encoding="utf-8")   # a previous run's output
    process = _start(inputs, out, *MULTI)
    workers = _wait_for_workers(process)
    time.sleep(2)   # the workers are running the pipeline now
    if how == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGTERM)
    try:
        _stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert process.returncode == 130, stderr[-3000:]
    assert len(lines) <= 3, stderr[-5000:]
    said = [line for line in lines if line.startswith("wirebeam: interrupted")]
    assert len(said) == 1 and "previous output is untouched" in said[0], lines
    assert ("(SIGTERM)" in said[0]) == (how == "sigterm")
    assert "Traceback" not in stderr and "Stream removed" not in stderr and "harness" not in stderr
    assert _gone(workers), f"workers {workers} still run"
    assert (out / "run.json").read_text(encoding="utf-8") == '{"run_id": "before"}'


def test_an_interrupted_single_process_run_says_one_clear_line(inputs, tmp_path):
    """In one process Beam re-raises the KeyboardInterrupt that hits a DoFn as a RuntimeError: still one line."""
    out = tmp_path / "out"
    process = _start(inputs, out)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob("out.staging-*")) and time.monotonic() < deadline:   # the run has begun (it stages beside its output)
        assert process.poll() is None, process.communicate()[1][-3000:]
        time.sleep(0.2)
    time.sleep(8)   # Beam is running the pipeline (it needs about 6 s here before the first document)
    os.killpg(process.pid, signal.SIGINT)
    try:
        _stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert process.returncode == 130 and len(lines) <= 3, stderr[-5000:]
    assert sum(line.startswith("wirebeam: interrupted;") for line in lines) == 1, lines
    assert not (out / "run.json").exists()
