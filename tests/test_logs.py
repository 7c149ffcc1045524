"""Console logging: progress lines, and worker records of the multi-processing runner made readable."""
import logging
import re

from wirebeam.pipeline.logs import RELAY_LOGGER, WorkerLines, wirebeam_module
from wirebeam.transforms.extract import dispatch as extract
from wirebeam.transforms.progress import Progress


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_progress_logs_at_most_every_interval_with_count_and_rate(caplog):
    clock = FakeClock()
    progress = Progress("documents extracted", seconds=10, clock=clock)
    with caplog.at_level(logging.INFO, logger="wirebeam.transforms.progress"):
        progress.add()              # the first element starts the clock
        clock.now += 4
        progress.add(3)             # 4 s: not yet
        clock.now += 6
        progress.add()              # 10 s: 5 so far
        clock.now += 1
        progress.add()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and lines[0].endswith(": 5 documents extracted so far (0.5 a second)"), lines


def test_progress_can_be_turned_off(caplog):
    clock = FakeClock()
    progress = Progress("articles", seconds=0, clock=clock)
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            clock.now += 100
            progress.add()
    assert progress.count == 3 and not caplog.records


def _relayed(level, entry_text):
    return logging.LogRecord(RELAY_LOGGER, level, __file__, 1, "Worker: %s", (entry_text,), None)


def test_a_relayed_wirebeam_line_becomes_the_workers_own_line():
    location = f"{extract.__file__}:211"
    entry = (f'severity: INFO timestamp {{   seconds: 1796125455   nanos: 500000000 }} '
             f'message: "worker 42: 1,000 documents extracted so far (35.0 a second)" '
             f'log_location: "{location}" thread: "MainThread"')
    record = _relayed(logging.INFO, entry)
    assert WorkerLines().filter(record)
    assert record.getMessage() == "worker 42: 1,000 documents extracted so far (35.0 a second)"
    assert record.name == "wirebeam.transforms.extract.dispatch (worker)" and record.levelname == "INFO"
    assert record.created == 1796125455.5


def test_relayed_lines_of_other_code_pass_only_from_warning_up():
    other = '/usr/lib/python3/site-packages/apache_beam/runners/worker/sdk_worker_main.py:421'
    info = _relayed(logging.INFO, f'severity: INFO message: "Pipeline_options: {{}}" log_location: "{other}"')
    assert not WorkerLines().filter(info)
    warning = _relayed(logging.WARNING, f'severity: WARN message: "disk \\"full\\"" log_location: "{other}"')
    assert WorkerLines().filter(warning)
    assert warning.getMessage() == 'disk "full"' and warning.levelname == "WARNING"
    assert warning.name == f"{other} (worker)"
    garbled = _relayed(logging.ERROR, "not a log entry {")
    assert WorkerLines().filter(garbled) and garbled.getMessage() == "Worker: not a log entry {"


def test_wirebeam_module_names_only_wirebeam_code():
    assert wirebeam_module(f"{extract.__file__}:12") == "wirebeam.transforms.extract.dispatch"
    assert wirebeam_module("/elsewhere/transforms/extract.py:12") is None


def test_a_two_worker_run_shows_only_wirebeams_own_lines(tmp_path):
    """The workers and their extraction children print nothing of their own: no "INFO:apache_beam..."
    harness lines, no "WARNING:root:apitools" (about 40 lines a run before)."""
    from conftest import SAMPLES, run_cli
    result = run_cli("run", "--input", SAMPLES / "en_coastwatch_seaweed_packaging.txt", "--output", tmp_path / "out",
                     "--ner", "none", "--direct_running_mode", "multi_processing", "--direct_num_workers", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and all(re.match(r"\d\d:\d\d:\d\d (INFO|WARNING|ERROR) wirebeam\b", line) for line in lines), lines
