"""Worker-count options: a near miss suggests the local option, and Dataflow's worker-pool options on a
local run are a usage error that says what to use (the local runners would ignore them silently)."""
from conftest import run_cli


def test_a_misspelt_workers_option_suggests_the_local_one(tmp_path):
    result = run_cli("run", "--input", "samples/*.txt", "--output", tmp_path / "out", "--workers", "2")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "unknown option --workers (did you mean --direct_num_workers N --direct_running_mode multi_processing " \
           "on this machine, or --num_workers on Dataflow?)" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_dataflow_worker_options_on_a_local_run_are_usage_errors(tmp_path):
    cases = {("--num_workers", "2"): "--num_workers is a Dataflow option that a local run ignores",
             ("--max_num_workers=4", "--worker_machine_type", "n2-standard-4"):
                 "--machine_type, --max_num_workers are Dataflow options that a local run ignores",
             ("--runner", "DirectRunner", "--disk_size_gb", "50"): "--disk_size_gb is a Dataflow option"}
    for args, expected in cases.items():
        result = run_cli("run", "--input", "samples/*.txt", "--output", tmp_path / "out", *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr, (args, result.stderr[-2000:])
        assert expected in result.stderr and "--direct_num_workers N --direct_running_mode multi_processing" \
            in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1, result.stderr   # one line
        assert not (tmp_path / "out").exists()


def test_dataflow_worker_options_pass_on_dataflow(tmp_path):
    # a dry run builds the Dataflow job graph offline: the worker options are accepted there
    result = run_cli("run", "--input", "samples/*.txt", "--output", "gs://bucket/out", "--runner", "DataflowRunner",
                     "--dry_run=True", "--no_auth", "--project", "demo", "--region", "europe-west1",
                     "--temp_location", "gs://bucket/tmp", "--num_workers", "3", "--machine_type", "n2-standard-4",
                     timeout=120)
    assert result.returncode == 0 and "dry run on DataflowRunner" in result.stdout, result.stderr[-2000:]
