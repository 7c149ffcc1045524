"""Failure records: how a DoFn reports an input it could not turn into an article.

Every stage emits failures on the tagged output ``FAILURES`` instead of raising, so bad input
never stops a run and never vanishes: each input ends as an article row or as one of these.
"""
import apache_beam as beam
from apache_beam.metrics import Metrics

FAILURES = "failures"
_DETAIL_MAX = 2000


def failure_record(source: str, stage: str, reason: str, detail: str = "") -> dict:
    detail = str(detail or "")
    if len(detail) > _DETAIL_MAX:
        detail = detail[:_DETAIL_MAX] + "…"
    return {"source": str(source), "stage": stage, "reason": reason, "detail": detail}


def fail(source: str, stage: str, reason: str, detail: str = "") -> beam.pvalue.TaggedOutput:
    """The tagged output of one failure, counted under the metrics namespace ``failures``."""
    Metrics.counter("failures", f"{stage}.{reason}").inc()
    return beam.pvalue.TaggedOutput(FAILURES, failure_record(source, stage, reason, detail))


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
