"""What a run costs beyond its documents: the command leaves without the interpreter's teardown."""
import os
import subprocess
import sys

from conftest import ROOT, SAMPLES, read_articles

# atexit runs during the interpreter's teardown: a run that leaves at once never prints this
PROBE = ("import atexit, sys; atexit.register(lambda: print('TEARDOWN', flush=True)); "
         "from wirebeam.pipeline.cli import main; sys.argv = ['wirebeam', *sys.argv[1:]]; main()")


def _command(*args):
    return subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONHASHSEED": "random"})


def test_a_finished_run_leaves_without_teardown_and_with_all_its_output(tmp_path):
    out = tmp_path / "out"
    result = _command("run", "--input", SAMPLES / "en_coastwatch_seaweed_packaging.txt", "--output", out,
                      "--ner", "none", "--stories", "off", "--progress-seconds", "0")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "TEARDOWN" not in result.stdout
    # the summary reached the pipe in full before the process ended, and the output is committed
    assert result.stdout.rstrip().splitlines()[-1].startswith("Report: wirebeam report")
    assert "1 article from 1 input file" in result.stdout
    assert len(read_articles(out)) == 1
    assert not (out / "_wirebeam.lock").exists() and not list(tmp_path.glob("out.staging*"))


def test_a_failed_run_keeps_its_exit_status(tmp_path):
    result = _command("run", "--input", tmp_path / "nothing-*.txt", "--output", tmp_path / "out")
    assert result.returncode == 2 and "no input file matched" in result.stderr
    assert "TEARDOWN" not in result.stdout


def test_other_commands_and_calls_with_arguments_return_as_before():
    result = _command("--version")
    assert result.returncode == 0 and result.stdout.startswith("wirebeam ") and "TEARDOWN" in result.stdout


def test_the_driver_and_the_local_workers_collect_garbage_less_often(tmp_path):
    """A real 2-worker FnApiRunner run: every element sees the relaxed thresholds in its worker."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from wirebeam.pipeline.collector import MIDDLE, OLD, YOUNG
    from wirebeam.pipeline.local import local_runner

    options = PipelineOptions(["--direct_running_mode", "multi_processing", "--direct_num_workers", "2"])
    seen = tmp_path / "seen"
    with beam.Pipeline(runner=local_runner(options), options=options) as p:
        _ = (p | beam.Create(range(8)) | beam.Reshuffle()
             | beam.Map(lambda _: "%d %d %d %d" % (__import__("os").getpid(), *__import__("gc").get_threshold()))
             | beam.io.WriteToText(str(seen)))
    lines = [line for path in tmp_path.glob("seen*") for line in path.read_text().split("\n") if line]
    assert len(lines) == 8
    assert {tuple(map(int, line.split()[1:])) for line in lines} == {(YOUNG, MIDDLE, OLD)}
    assert os.getpid() not in {int(line.split()[0]) for line in lines}   # it ran in the workers
    # the driver: `wirebeam run` relaxes them before anything else (here it stops at once: no input)
    driver = ("import gc, sys\nfrom wirebeam.pipeline import cli\n"
              "try:\n    cli.run(['--input', sys.argv[1], '--output', sys.argv[2]])\nexcept Exception:\n    pass\n"
              "print(*gc.get_threshold())")
    probe = subprocess.run([sys.executable, "-c", driver, str(tmp_path / "none-*.txt"), str(tmp_path / "o")],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert probe.stdout.split() == [str(YOUNG), str(MIDDLE), str(OLD)], probe.stderr[-2000:]
