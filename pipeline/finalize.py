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
from wirebeam.pipeline import dataset, output
from wirebeam.transforms import index
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
                ner_models: Dict[str, str], runner, ingested: dt.datetime) -> Dict:
    """What the driver knows of a run before it runs: the start of its run.json."""
    return {
        "run_id": run_id,
        "started_at": started.isoformat(),
        "output": out_dir,
        "inputs": {"patterns": opts.input, "files": len(paths), "feeds": len(feeds)},
        "entities": entities_report(opts.ner, ner_models, None),
        "runner": str(runner),
        "ner": opts.ner, "ner_models": dict(ner_models),   # for the entities report after the run; not in run.json
        "ingested_at": ingested.isoformat(),
        "append": bool(opts.append), "index_root": index_root(opts, out_dir), "index_days": opts.index_days,
    }


def index_root(opts, out_dir: str) -> Optional[str]:
    """Where the copy index lives: --index, else DATASET/_index with --append, else nowhere."""
    if opts.index:
        return output_path(opts.index)
    return join(out_dir, dataset.INDEX) if opts.append else None


def output_path(path: str) -> str:
    import os
    return os.path.abspath(path) if output.is_local(path) else path


def append_report(metrics: Dict) -> Dict:
    """run.json "append" and "index": what the dataset and the copy index did for this run."""
    def n(name):
        return metrics.get(name, 0)
    return {"already_in_dataset": n("append.already_in_dataset"), "new_versions": n("append.new_versions"),
            "copies_of_earlier_runs": n("index.copies_of_earlier_runs"),
            "index_candidates": n("index.candidate_pairs"), "index_entries_written": n("index.entries_written")}


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
    if base.get("append") or base.get("index_root"):
        tail["dataset"] = {"append": base.get("append", False), "index": base.get("index_root"),
                           "index_days": base.get("index_days"),
                           **(append_report(metrics) if "note" not in metrics else {})}
    return {**head, "elapsed_seconds": round(elapsed_seconds, 3), "output": base["output"], "inputs": base["inputs"],
            **summary, **tail, "committed_by": committed_by, "metrics": metrics, "versions": versions()}


def commit_run(staging: str, out_dir: str, base: Dict, elapsed_seconds: float, metrics: Dict,
               committed_by: str) -> Dict:
    """The end of every run, by the driver or in the job: empty tables where a run wrote none,
    run.json into the staging folder, then the commit into `out_dir` (with --append: the run's files
    added to the dataset, its report as runs/RUN_ID.json). Returns the report."""
    run_id, append, index_at = base["run_id"], base.get("append", False), base.get("index_root")
    if append:
        present = {t for t in output.TABLES if dataset.has_table(out_dir, t)}
        if not dataset.has_table(join(out_dir, "articles"), f"date={output.UNKNOWN_DATE}"):
            present.discard("articles")   # keep date=unknown in every dataset: the hive `date` column stays a string
        output.ensure_tables(staging, dataset.file_prefix(run_id), present, always_unknown=True)
    else:
        output.ensure_tables(staging)
    if "note" not in metrics:  # the driver knows the job's counters: entity counts go into run.json
        base = {**base, "entities": entities_report(base["ner"], base["ner_models"], metrics)}
    report = make_report(base, elapsed_seconds, output.summarise(staging), metrics, committed_by)
    if index_at:   # the index's own marker of this run, moved in with the run's files
        stamp = dt.datetime.fromisoformat(base["ingested_at"])
        report["dataset"]["index_entries"] = index.write_marker(join(staging, dataset.INDEX), run_id, stamp)["entries"]
    if append:
        output.write_run_json(staging, report, f"{dataset.RUNS}/{run_id}.json")
        dataset.commit(staging, run_id, out_dir, index_at)
        _prune(index_at, base)
        return report
    output.write_run_json(staging, report)
    if index_at:   # the index entries first: a crash between leaves them in the index, never the reverse
        dataset.commit(staging, run_id, None, index_at, remove=False)
    output.commit(staging, out_dir)
    _prune(index_at, base)
    return report


def _prune(index_at: Optional[str], base: Dict) -> None:
    """After the commit: index runs older than --index-days go."""
    if index_at:
        pruned = index.prune(index_at, dt.datetime.fromisoformat(base["ingested_at"]), base["index_days"])
        if pruned:
            log.info("index: pruned %d runs older than %d days", len(pruned), base["index_days"])


def read_run_json(out_dir: str, run_id: Optional[str] = None) -> Optional[Dict]:
    """OUTPUT/run.json, or with `run_id` of an appended dataset its runs/RUN_ID.json."""
    path = dataset.report_path(out_dir, run_id) if run_id else join(out_dir, output.RUN_JSON)
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

    def process(self, _, article_files, failure_files, *index_files):
        append = self.base.get("append", False)
        previous = read_run_json(self.out_dir, self.base["run_id"] if append else None)
        if append and not dataset.staged_files(self.staging):
            log.info("run %s is committed already (a retried step); nothing to do", self.base["run_id"])
            return
        if not append and (previous or {}).get("run_id") == self.base["run_id"] and \
                not FileSystems.exists(join(self.staging, output.RUN_JSON)):
            log.info("run %s is committed already (a retried step); nothing to do", self.base["run_id"])
            return
        staged_report = read_run_json(self.staging, self.base["run_id"] if append else None)
        if append and dataset.finish_leftover(self.staging):   # a retried step: finish the commit it began
            yield staged_report
            return
        if staged_report is not None and not output.is_local(self.out_dir) and not append:
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
                                         beam.pvalue.AsList(self.written["failures"]),
                                         *[beam.pvalue.AsList(self.written[k]) for k in ("index",) if k in self.written]))
