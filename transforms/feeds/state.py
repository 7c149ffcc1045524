"""What feed runs keep between runs (`--state DIR`): per feed the validators for a conditional
GET (ETag, Last-Modified), and the keys (guid, else link) of the items already ingested.

The file is read at the start of a run and replaced only after the run's output is committed,
by writing a temporary file next to it and renaming it over the old one: a run that crashes
leaves the previous state, so its items are simply fetched again next time, never lost and never
written twice. A local folder is replaced atomically (os.replace); a folder on an object store
(gs://, s3://, through Beam's FileSystems) gets a temporary object renamed over the old one, which
is as close to atomic as such stores allow.
"""
import dataclasses
import json
import os
import tempfile
import uuid
from typing import Dict, Iterable, Optional, Set

from apache_beam.io.filesystems import FileSystems

from wirebeam.transforms.files import is_local

STATE_FILE = "state.json"
STATE_UPDATE = "feed_state_update.json"   # what a run leaves in its staging folder for the driver
FORMAT = 1


@dataclasses.dataclass
class FeedState:
    validators: Dict[str, Dict[str, str]] = dataclasses.field(default_factory=dict)  # feed url -> etag, last_modified
    seen: Set[str] = dataclasses.field(default_factory=set)                            # item keys ingested

    def conditional_headers(self, feed_url: str) -> Dict[str, str]:
        """If-None-Match / If-Modified-Since for the next GET of a feed."""
        known = self.validators.get(feed_url, {})
        headers = {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        return headers

    def updated(self, validators: Dict[str, Dict[str, str]], ingested: Iterable[str]) -> "FeedState":
        """The state after a committed run: new validators win, ingested keys are added."""
        return FeedState({**self.validators, **validators}, self.seen | set(ingested))


def load_state(folder: Optional[str]) -> FeedState:
    """The state kept in `folder` (an empty one without a folder or before the first run)."""
    if not folder:
        return FeedState()
    path = FileSystems.join(folder, STATE_FILE)
    if not FileSystems.exists(path):
        return FeedState()
    with FileSystems.open(path) as handle:
        data = json.loads(handle.read().decode("utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} was written by another wirebeam version (format {data.get('format')}); "
                         f"move it away to start fresh")
    return FeedState(dict(data.get("validators", {})), set(data.get("seen", [])))


def save_state(folder: str, state: FeedState) -> None:
    """Replace the state file atomically (temporary file, then rename)."""
    payload = {"format": FORMAT, "validators": dict(sorted(state.validators.items())), "seen": sorted(state.seen)}
    if not is_local(folder):
        final = FileSystems.join(folder, STATE_FILE)
        temp = FileSystems.join(folder, f".state-{uuid.uuid4().hex}.json")
        with FileSystems.create(temp) as out:
            out.write(json.dumps(payload, indent=1, ensure_ascii=False).encode("utf-8"))
        if FileSystems.exists(final):
            FileSystems.delete([final])
        FileSystems.rename([temp], [final])
        return
    os.makedirs(folder, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".state-", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=1, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, os.path.join(folder, STATE_FILE))
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def read_update(staging: str) -> Optional[dict]:
    """The state update a run's job left in its staging folder (WriteFeedStateUpdate), or None."""
    path = FileSystems.join(staging, STATE_UPDATE)
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path) as handle:
        return json.loads(handle.read().decode("utf-8"))


def save_update(folder: Optional[str], state: FeedState, update: Optional[dict]) -> None:
    """After the commit: the state with the run's validators and ingested keys, saved to --state."""
    if not folder or update is None:
        return
    save_state(folder, state.updated(update["validators"], update["ingested"]))
