"""The scale-out paths as far as they go without Google Cloud, Docker or Maven: a Dataflow job graph
built offline (--dry_run), the job committing its own output (--commit-in-job, what the Flex Template
uses), the template's parameters against wirebeam's options, and the versions in deploy/ against
pyproject.toml."""
import argparse
import importlib.util
import json
import re
import time
import tomllib

import apache_beam
import pytest
import yaml
from apache_beam.options.pipeline_options import FlinkRunnerOptions, PipelineOptions
from packaging.specifiers import SpecifierSet

from conftest import ROOT, SAMPLES, read_articles, read_failures, run_cli
from wirebeam.pipeline import cli
from wirebeam.pipeline.options import WirebeamOptions

DEPLOY = ROOT / "deploy"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
METADATA = json.loads((DEPLOY / "dataflow" / "metadata.json").read_text())
DOCKERFILE = (DEPLOY / "dataflow" / "Dockerfile").read_text()
COMPOSE = yaml.safe_load((DEPLOY / "flink" / "docker-compose.yml").read_text())
# the flow of pipeline.assembly, top to bottom (a run without feeds)
STAGES = ["ReadArticles", "ExtractText", "AllArticles", "RemoveRepeatedLines", "RemoveRepeatedTitleAffixes",
          "DetectLanguage", "MarkDuplicates",
          "TagNamedEntities", "GroupStories", "AllFailures", "WriteArticles", "WriteFailures", "WriteStories"]
# wirebeam options the template does not offer, and why
NOT_IN_TEMPLATE = {
    "commit_in_job": "always on: main.py adds it",
    "feed": "feeds are a file-free, scheduled use; the template is for files in Cloud Storage",
    "feeds_file": "as feed", "state": "refused with --commit-in-job", "allow_host": "as feed",
    "contact": "as feed", "host_delay": "as feed", "max_items_per_feed": "as feed", "fetch_timeout": "as feed",
    "max_fetch_bytes": "as feed",
    "report": "refused with --commit-in-job on Dataflow: run `wirebeam report gs://...` after the job",
    "append": "refused with --commit-in-job on Dataflow: the driver returns at submission and cannot hold the lock",
    "index": "as append", "index_days": "as append",
}


def _options():
    parser = argparse.ArgumentParser()
    WirebeamOptions._add_argparse_args(parser)
    return {a.dest: a for a in parser._actions if a.option_strings and a.dest != "help"}


def _dry_run_lines(stdout):
    return {line.split(None, 1)[0]: line.split(None, 1)[1] for line in stdout.splitlines()
            if line.startswith("  ") and len(line.split(None, 1)) == 2}


# --- Dataflow, offline ------------------------------------------------------------------------------

def test_dataflow_dry_run_builds_the_whole_job_graph_offline():
    clock = time.monotonic()
    result = run_cli("run", "--runner", "DataflowRunner", "--dry_run=True", "--no_auth", "--project", "demo",
                     "--region", "europe-west1", "--temp_location", "gs://bucket/tmp",
                     "--input", "samples/*", "--output", "gs://bucket/out", timeout=120)
    elapsed = time.monotonic() - clock
    assert result.returncode == 0, result.stderr[-3000:]
    assert elapsed < 60, elapsed  # offline: about 4 s here; a network wait would take minutes
    assert "dry run on DataflowRunner" in result.stdout and "not submitted" in result.stdout
    assert "nothing was read, run or written; gs://bucket/out is untouched and no run.json was made" in result.stdout
    lines = _dry_run_lines(result.stdout)
    stages = [re.match(r"(\S+) \((\d+)\)", s.strip()).groups() for s in lines["stages"].split(", ")]
    assert [name for name, _ in stages] == STAGES
    counts = {name: int(n) for name, n in stages}
    assert counts["MarkDuplicates"] > 50 and counts["ReadArticles"] > 5 and min(counts.values()) >= 1
    total = int(re.search(rf"\((\d+) transforms in {len(STAGES)} stages\)", result.stdout).group(1))
    assert total >= sum(counts.values())
    # the workers would run Beam's Python SDK of the pinned version and of this Python
    assert f"beam_python{PYPROJECT['tool']['wirebeam']['deploy']['python']}_sdk:{apache_beam.__version__}" \
        in lines["workers"]
    assert lines["inputs"].startswith(f"{len(list(SAMPLES.iterdir()))} files")
    # samples/ are local files: fine for a dry run, but it says a real run would stop
    assert "a real run would stop here" in result.stderr and "Dataflow workers cannot read them" in result.stderr


def test_a_dry_run_on_the_local_runner_touches_nothing(tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", "--dry_run=True", "--input", f"{SAMPLES}/*", "--output", out, "--commit-in-job")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "dry run on FnApiRunner" in result.stdout
    assert _dry_run_lines(result.stdout)["stages"].split(" (")[0] == "ReadArticles"
    assert "CommitRun" in result.stdout  # the in-job commit step is part of the graph
    assert not out.exists()  # not even the output folder or a staging folder


def test_a_real_dataflow_run_refuses_local_files_before_contacting_google(tmp_path, capsys):
    code = cli.main(["run", "--runner", "DataflowRunner", "--project", "demo", "--region", "europe-west1",
                     "--temp_location", "gs://bucket/tmp", "--input", f"{SAMPLES}/*", "--output", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Dataflow workers cannot read them" in err and "--output" in err and "gs://BUCKET" in err
    assert not (tmp_path / "o").exists()


def test_a_template_build_without_the_in_job_commit_is_refused(capsys):
    # --template_location only writes the job's description: no driver would be left to commit
    code = cli.main(["run", "--runner", "DataflowRunner", "--project", "demo", "--region", "europe-west1",
                     "--template_location", "gs://bucket/templates/job", "--input", "gs://bucket/in/*",
                     "--output", "gs://bucket/out"])
    assert code == 2 and "add --commit-in-job" in capsys.readouterr().err


def test_commit_in_job_refuses_feed_state(tmp_path, capsys):
    code = cli.main(["run", "--input", f"{SAMPLES}/*", "--output", str(tmp_path / "o"), "--commit-in-job",
                     "--state", str(tmp_path / "state")])
    assert code == 2 and "--commit-in-job cannot save --state" in capsys.readouterr().err


def test_commit_in_job_publishes_the_output_from_inside_the_job(tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["run", "--input", f"{SAMPLES}/*", "--output", str(out), "--commit-in-job", "--run-id", "in-job-1",
            "--ingested-at", "2026-01-01T00:00:00+00:00"]
    assert cli.main(argv) == 0
    assert "14 articles from" in capsys.readouterr().out  # the driver prints what the job committed
    assert sorted(p.name for p in out.iterdir()) == ["articles", "failures", "run.json", "stories"]  # no staging left
    report = json.loads((out / "run.json").read_text())
    assert report["run_id"] == "in-job-1" and report["committed_by"] == "job"
    articles = read_articles(out)
    assert report["articles"] == articles.num_rows == 14
    assert report["duplicates"] == sum(articles.column("is_duplicate").to_pylist()) == 3
    assert report["failures"]["total"] == read_failures(out).num_rows == 0
    assert "note" in report["metrics"] and report["versions"]["apache-beam"] == apache_beam.__version__


# --- the Flex Template ------------------------------------------------------------------------------

def test_template_parameters_are_wirebeam_options_with_help_and_working_regexes():
    options = _options()
    params = METADATA["parameters"]
    names = [p["name"] for p in params]
    assert len(names) == len(set(names))
    assert set(names) <= set(options), set(names) - set(options)
    # every option is offered by the template or deliberately left out
    assert set(options) - set(names) == set(NOT_IN_TEMPLATE), set(options) - set(names) ^ set(NOT_IN_TEMPLATE)
    assert {p["name"] for p in params if not p["isOptional"]} == {"input", "output"}
    for p in params:
        assert p["label"] and isinstance(p["isOptional"], bool) and p["regexes"], p["name"]
        regexes = [re.compile(r) for r in p["regexes"]]
        example = re.search(r"Example: (\S+)$", p["helpText"]).group(1)
        assert all(r.fullmatch(example) for r in regexes), (p["name"], example)
        # the example is a valid value of the option, as the launcher passes it (--name=value)
        value = getattr(PipelineOptions([f"--{p['name']}={example}"]).view_as(WirebeamOptions), p["name"])
        assert value not in (None, options[p["name"]].default), p["name"]
        default = options[p["name"]].default
        stated = re.search(r"Default:? ([0-9]+(?:\.[0-9]+)?|\S+?)[.( ]", p["helpText"])
        if default is not None:  # the help text states the option's real default, which the regexes accept
            assert stated, p["name"]
            text = stated.group(1)
            assert (float(text) if isinstance(default, (int, float)) else text) == default, (p["name"], text, default)
            assert all(r.fullmatch(text) for r in regexes), p["name"]
    by_name = {p["name"]: [re.compile(r) for r in p["regexes"]] for p in params}
    for name, bad in [("input", "samples/*"), ("output", "/tmp/out"), ("ner", "maybe"), ("shards_per_date", "0"),
                      ("dedup_threshold", "1.5"), ("run_id", "../x"), ("ner_model", "de_core_news_md")]:
        assert not all(r.fullmatch(bad) for r in by_name[name]), (name, bad)


def test_every_template_parameter_is_in_wirebeam_run_help():
    result = run_cli("run", "--help")
    assert result.returncode == 0
    for p in METADATA["parameters"]:
        assert re.search(rf"--{p['name']}\b", result.stdout), p["name"]


def test_the_launcher_entry_adds_dataflow_the_in_job_commit_and_the_worker_image():
    spec = importlib.util.spec_from_file_location("flex_main", DEPLOY / "dataflow" / "main.py")
    main = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(main)
    args = main.launch_args(["--input=gs://b/in/*", "--output=gs://b/out"], image="europe-docker.pkg.dev/p/r/w:1")
    assert args == ["run", "--input=gs://b/in/*", "--output=gs://b/out", "--runner=DataflowRunner",
                    "--commit_in_job", "--sdk_container_image=europe-docker.pkg.dev/p/r/w:1"]
    given = ["--runner=DataflowRunner", "--commit-in-job", "--sdk_container_image=other"]
    assert main.launch_args(given, image="x") == ["run", *given]
    assert PipelineOptions(args[1:]).view_as(WirebeamOptions).commit_in_job is True


# --- versions and files in deploy/ -----------------------------------------------------------------

def _pins():
    python = PYPROJECT["tool"]["wirebeam"]["deploy"]["python"]
    beam_pin = next(d for d in PYPROJECT["project"]["dependencies"] if d.startswith("apache-beam"))
    return python, SpecifierSet(beam_pin[len("apache-beam"):])


def test_deploy_images_match_the_pinned_python_and_beam():
    python, beam_pin = _pins()
    assert python in SpecifierSet(PYPROJECT["project"]["requires-python"])
    sdk = re.findall(r"^FROM apache/beam_python(\d+\.\d+)_sdk:(\S+)$", DOCKERFILE, re.M)
    assert sdk == [(python, apache_beam.__version__)], sdk  # the installed Beam, which the pin allows
    assert apache_beam.__version__ in beam_pin
    launcher = re.search(r"dataflow-templates-base/python(\d)(\d+)-template-launcher-base", DOCKERFILE)
    assert f"{launcher.group(1)}.{launcher.group(2)}" == python
    extras = PYPROJECT["project"]["optional-dependencies"]
    gcp = [d for d in extras["dataflow"] + extras["test"] if d.startswith("apache-beam[gcp]")]
    assert len(gcp) == 2 and all(SpecifierSet(d.split("]", 1)[1]) == beam_pin for d in gcp), gcp
    services = COMPOSE["services"]
    flink = {services[s]["image"] for s in ("jobmanager", "taskmanager")}
    assert len(flink) == 1
    flink_version = re.fullmatch(r"flink:(\d+\.\d+)(\S*)", flink.pop()).group(1)
    assert flink_version in FlinkRunnerOptions.PUBLISHED_FLINK_VERSIONS
    assert services["jobserver"]["image"] == f"apache/beam_flink{flink_version}_job_server:{apache_beam.__version__}"
    pool = services["sdk-worker-pool"]
    assert (ROOT / "deploy" / "flink" / pool["build"]["context"] / pool["build"]["dockerfile"]).resolve() == \
        (DEPLOY / "dataflow" / "Dockerfile").resolve()
    assert pool["command"] == ["--worker_pool"] and pool["network_mode"] == "service:taskmanager"
    # the documented commands use the same versions, and the jar name Beam itself looks for
    from apache_beam.utils.subprocess_server import JavaJarServer
    jar = JavaJarServer.path_to_beam_jar(f":runners:flink:{flink_version}:job-server:shadowJar")
    readme = (DEPLOY / "flink" / "README.md").read_text()
    assert f"--flink_version {flink_version}" in readme and jar in readme and jar.rsplit("/", 1)[1] in readme
    assert f"apache/beam_python{python}_sdk:{apache_beam.__version__}" in (DEPLOY / "dataflow" / "README.md").read_text()


def test_the_dockerfile_copies_everything_the_package_build_needs():
    copied = {src.rstrip("/") for src in re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, re.M)
              for src in src.split()}
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"wirebeam": "."}  # the repository root is the package
    folders = {name.split(".")[1] for name in setuptools["packages"] if name.count(".") >= 1}
    needed = {"pyproject.toml", PYPROJECT["project"]["readme"], "__init__.py", "__main__.py", *folders}
    assert needed <= copied, needed - copied
    for path in copied:
        assert (ROOT / path).exists(), path
    allowed = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")}
    assert copied <= allowed, copied - allowed  # else docker build would not find them in the context
    assert re.search(r"^RUN pip install --no-cache-dir '\.\[dataflow\]' && pip check$", DOCKERFILE, re.M)
    assert "ENV FLEX_TEMPLATE_PYTHON_PY_FILE=/opt/wirebeam/deploy/dataflow/main.py" in DOCKERFILE
    assert 'ENTRYPOINT ["/opt/apache/beam/boot"]' in DOCKERFILE
