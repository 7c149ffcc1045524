"""Console logging of `wirebeam`: its own lines, the lines of multi-processing workers, quiet Beam.

With `--direct_running_mode multi_processing` each worker sends its log records to the launching
process, where Beam logs every one as ``Worker: <LogEntry in protobuf text>`` on the logger
`RELAY_LOGGER`, at the record's level. `WorkerLines` turns such a record back into the worker's own
line, so a user sees "INFO wirebeam.transforms.extract.dispatch (worker): ... extracted" and readable
warnings instead of protobuf dumps, and lets wirebeam's INFO lines (progress) through.

Nothing here imports apache_beam at module level: `setup_logging()` runs before Beam is imported, so
that the warning Beam logs on import is filtered too.
"""
import logging
import pathlib
import sys
from typing import Optional

RELAY_LOGGER = "apache_beam.runners.portability.local_job_service"
_PACKAGE_ROOT = pathlib.Path(__file__).resolve().parent.parent   # the wirebeam package (the repository root when editable)
_SUBPACKAGES = ("pipeline", "transforms", "schemas")


class HarmlessBeamWarnings(logging.Filter):
    """Warnings apache_beam logs on every local run that a user cannot act on: optional GCP clients
    missing at import, and each multi-processing worker starting without a semi-persistent folder."""
    HARMLESS = ("apitools not found", "No semi_persistent_directory found")

    def filter(self, record):
        message = record.getMessage()
        return not any(text in message for text in self.HARMLESS)


def wirebeam_module(log_location: str) -> Optional[str]:
    """"/src/transforms/extract/dispatch.py:211" -> "wirebeam.transforms.extract.dispatch"; None for other code."""
    path = pathlib.Path(log_location.rpartition(":")[0] or log_location)
    try:
        parts = path.with_suffix("").relative_to(_PACKAGE_ROOT).parts
    except ValueError:
        return None
    if len(parts) < 2 or parts[0] not in _SUBPACKAGES or path.suffix != ".py":
        return None
    return ".".join(("wirebeam",) + parts)


class WorkerLines(logging.Filter):
    """On `RELAY_LOGGER`: a relayed worker record becomes the worker's line (its message, level, time
    and module); wirebeam's lines pass from INFO up, everybody else's from WARNING up."""

    def filter(self, record):
        if record.msg != "Worker: %s" or not record.args:
            return record.levelno >= logging.WARNING
        from google.protobuf import text_format
        from apache_beam.portability.api import beam_fn_api_pb2
        from apache_beam.runners.worker.log_handler import LOGENTRY_TO_LOG_LEVEL_MAP
        entry = beam_fn_api_pb2.LogEntry()
        try:
            text_format.Parse(record.args[0], entry)
        except Exception:  # not the format we know: pass it on as Beam wrote it, if it matters
            return record.levelno >= logging.WARNING
        module = wirebeam_module(entry.log_location)
        if module is None and record.levelno < logging.WARNING:
            return False
        record.levelno = LOGENTRY_TO_LOG_LEVEL_MAP.get(entry.severity, record.levelno)
        record.levelname = logging.getLevelName(record.levelno)
        record.name = f"{module or entry.log_location} (worker)"
        record.msg, record.args = entry.message + (f"\n{entry.trace}" if entry.trace else ""), ()
        if entry.timestamp.seconds:
            record.created = entry.timestamp.seconds + entry.timestamp.nanos / 1e9
        return True


def setup_logging(verbose: bool = False) -> None:
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        handler.addFilter(HarmlessBeamWarnings())
        root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("wirebeam").setLevel(logging.DEBUG if verbose else logging.INFO)
    relay = logging.getLogger(RELAY_LOGGER)
    relay.setLevel(logging.INFO)   # WorkerLines decides what of it is shown
    if not any(isinstance(f, WorkerLines) for f in relay.filters):
        relay.addFilter(WorkerLines())
    # trafilatura and htmldate log every odd page at WARNING/ERROR; the failure records carry what matters.
    for noisy in ("trafilatura", "htmldate", "readability", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
