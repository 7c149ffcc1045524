"""The end of a run: run.json and the commit of the staged output (`commit_run`).

Two places can do it. By default the driver (`wirebeam run`) waits for the job and then commits
(pipeline.run). With --commit-in-job the job commits its own output in a last step, `CommitRun`,
which runs on one worker once every Parquet file is written: a launcher that does not wait for the
job (a Dataflow Flex Template, or `wirebeam run --commit-in-job --runner DataflowRunner`, which
returns once the job is submitted) still gets its output published, and no machine has to stay up.
"""
import datetime as dt
import json
import logging
import platform
from importlib import metadata
from typing import Dict, List, Optional

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from wirebeam import __version__
from wirebeam.pipeline import output
from wirebeam.transforms.entities.tag import bundled_model_path, describe_models
from wirebeam.transforms.write import join

log = logging.getLogger(__name__)

IN_JOB_METRICS = "not collected: the job committed its own output (--commit-in-job); see the runner's job page"


def versions() -> dict:
    out = {"wirebeam": __version__, "python": platform.python_version()}
    for dist in ("apache-beam", "pyarrow", "trafilatura", "langdetect", "spacy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def entities_report(ner: str, models: dict, metrics: Optional[dict]) -> dict:
    """run.json "entities": which pipelines tag which language and, once the run's metrics are known
    (None before the run, and in a --commit-in-job run), how many articles each tagged and how many had none."""
    report = {
        "status": "off (--ner none)" if ner == "none" else describe_models(models),
        "models": {lang: ("bundled" if name == bundled_model_path(lang) else name) for lang, name in sorted(models.items())},
    }
    if metrics is not None:
        report.update({
            "tagged_articles": {lang: metrics.get(f"entities.tagged_articles_{lang}", 0) for lang in sorted(models)},
            "no_model_for_language": metrics.get("entities.no_model_for_language", 0),
            "entities": metrics.get("entities.entities", 0),
        })
    return report


def base_report(run_id: str, started: dt.datetime, out_dir: str, opts, paths: List[str], feeds: List[str],
                ner_models: Dict[str, str], runner) -> Dict:
    """What the driver knows of a run before it runs: the start of its run.json."""
    return {
        "run_id": run_id,
        "started_at": started.isoformat(),
        "output": out_dir,
        "inputs": {"patterns": opts.input, "files": len(paths), "feeds": len(feeds)},
        "entities": entities_report(opts.ner, ner_models, None),
        "runner": str(runner),
        "ner": opts.ner, "ner_models": dict(ner_models),   # for the entities report after the run; not in run.json
    }


def counters(result) -> dict:
    """The job's Beam counters, "namespace.name" -> total (empty where the runner reports none)."""
    try:
        found = result.metrics().query()["counters"]
    except Exception:  # not every runner reports metrics
        return {}
    totals = {}
    for counter in found:
        key = f"{counter.key.metric.namespace}.{counter.key.metric.name}"
        value = counter.committed if counter.committed is not None else counter.attempted
        totals[key] = totals.get(key, 0) + (value or 0)
    return dict(sorted(totals.items()))


def make_report(base: Dict, elapsed_seconds: float, summary: Dict, metrics: Dict, committed_by: str) -> Dict:
    """run.json: `base` holds what the driver knows before the run (run_id, started_at, output, inputs,
    entities, runner); the summary is read back from the staged files."""
    head = {k: base[k] for k in ("run_id", "started_at")}
    tail = {"entities": base["entities"], "runner": base["runner"]}
    return {**head, "elapsed_seconds": round(elapsed_seconds, 3), "output": base["output"], "inputs": base["inputs"],
            **summary, **tail, "committed_by": committed_by, "metrics": metrics, "versions": versions()}


def commit_run(staging: str, out_dir: str, base: Dict, elapsed_seconds: float, metrics: Dict,
               committed_by: str) -> Dict:
    """The end of every run, by the driver or in the job: empty tables where a run wrote none,
    run.json into the staging folder, then the commit into `out_dir`. Returns the report."""
    output.ensure_tables(staging)
    if "note" not in metrics:  # the driver knows the job's counters: entity counts go into run.json
        base = {**base, "entities": entities_report(base["ner"], base["ner_models"], metrics)}
    report = make_report(base, elapsed_seconds, output.summarise(staging), metrics, committed_by)
    output.write_run_json(staging, report)
    output.commit(staging, out_dir)
    return report


def read_run_json(out_dir: str) -> Optional[Dict]:
    path = join(out_dir, output.RUN_JSON)
    try:
        if not FileSystems.exists(path):
            return None
        with FileSystems.open(path) as handle:
            return json.loads(handle.read().decode("utf-8"))
    except Exception:  # unreadable or half-written: treat as absent
        return None


class _Commit(beam.DoFn):
    """One element in, after every written file (side inputs): run.json into staging, then the commit."""

    def __init__(self, staging: str, out_dir: str, base_report: Dict):
        self.staging, self.out_dir, self.base = staging, out_dir, base_report

    def process(self, _, article_files, failure_files):
        previous = read_run_json(self.out_dir)
        if (previous or {}).get("run_id") == self.base["run_id"] and \
                not FileSystems.exists(join(self.staging, output.RUN_JSON)):
            log.info("run %s is committed already (a retried step); nothing to do", self.base["run_id"])
            return
        staged_report = read_run_json(self.staging)
        if staged_report is not None and not output.is_local(self.out_dir):
            # a retried step whose first attempt wrote run.json and began moving files: finish the move
            log.info("run %s: resuming an interrupted commit", self.base["run_id"])
            output.commit(self.staging, self.out_dir, resume=True)
            yield staged_report
            return
        started = dt.datetime.fromisoformat(self.base["started_at"])
        elapsed = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
        report = commit_run(self.staging, self.out_dir, self.base, elapsed, {"note": IN_JOB_METRICS}, committed_by="job")
        log.info("run %s committed to %s: %d articles, %d failures (%d Parquet files written)", report["run_id"],
                 self.out_dir, report["articles"], report["failures"]["total"],
                 len(article_files) + len(failure_files))
        yield report


class CommitRun(beam.PTransform):
    """The last step of a --commit-in-job run. `written` are the PCollections of the written file paths
    (build_pipeline's result); as side inputs they make the step wait until all of them are complete."""

    def __init__(self, written: Dict, staging: str, out_dir: str, base_report: Dict):
        super().__init__()
        self.written, self.staging, self.out_dir, self.base = written, staging, out_dir, base_report

    def expand(self, pbegin):
        return (pbegin
                | "Once" >> beam.Create([None])
                | "Commit" >> beam.ParDo(_Commit(self.staging, self.out_dir, self.base),
                                         beam.pvalue.AsList(self.written["articles"]),
                                         beam.pvalue.AsList(self.written["failures"])))
