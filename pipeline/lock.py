"""One run at a time per output folder: a lock file `OUTPUT/_wirebeam.lock`.

The file holds the run id, host, pid and a heartbeat time that a thread of the driver renews. It
is created with an atomic create-if-absent (os.open O_EXCL) on local disk. A lock is stale, and
taken over, when its heartbeat is older than STALE_SECONDS, or at once when it names a pid on this
host that no longer runs (a run killed with SIGKILL). Taking over renames the stale file to a name
of our own first, so of two runs that find the same stale lock only one wins.

On object stores (gs://, s3://) Beam's FileSystems offer no create-if-absent: the lock is then
checked and written in two steps, which keeps runs started minutes apart from overlapping but not
two started in the same second.
"""
import datetime as dt
import json
import logging
import os
import socket
import threading
import uuid
from typing import Optional

from apache_beam.io.filesystems import FileSystems

from wirebeam.transforms.files import is_local
from wirebeam.transforms.write import join

log = logging.getLogger(__name__)

LOCK_FILE = "_wirebeam.lock"   # "_" first: pyarrow datasets and Spark skip it; DuckDB's *.parquet globs never match it
HEARTBEAT_SECONDS = 30.0
STALE_SECONDS = 600.0          # a lock without a heartbeat for 10 minutes belongs to a run that died


class Locked(Exception):
    """Another run holds the output folder's lock; the message says which and what to do."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # it runs, as another user
        return True
    return True


def is_stale(holder: dict, now: Optional[dt.datetime] = None, stale_seconds: float = STALE_SECONDS) -> bool:
    """A lock whose run cannot be running any more: no heartbeat for `stale_seconds`, or its pid is
    gone on this very host. An unreadable lock file is stale too (a run died while writing it)."""
    try:
        beat = dt.datetime.fromisoformat(holder["heartbeat"])
    except (KeyError, TypeError, ValueError):
        return True
    if ((now or _now()) - beat).total_seconds() > stale_seconds:
        return True
    if holder.get("host") == socket.gethostname() and isinstance(holder.get("pid"), int):
        return not _pid_alive(holder["pid"])
    return False


def describe(holder: dict) -> str:
    return (f"run {holder.get('run_id', '?')} (host {holder.get('host', '?')}, pid {holder.get('pid', '?')}, "
            f"last heartbeat {holder.get('heartbeat', '?')})")


class OutputLock:
    """`with OutputLock(folder, run_id):` holds the folder's lock for the run, renewing it meanwhile."""

    def __init__(self, folder: str, run_id: str, heartbeat_seconds: float = HEARTBEAT_SECONDS,
                 stale_seconds: float = STALE_SECONDS):
        self.folder, self.run_id = folder, run_id
        self.path = join(folder, LOCK_FILE)
        self.heartbeat_seconds, self.stale_seconds = heartbeat_seconds, stale_seconds
        self.token = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread = None

    def _payload(self) -> bytes:
        return json.dumps({"run_id": self.run_id, "host": socket.gethostname(), "pid": os.getpid(),
                           "heartbeat": _now().isoformat(), "token": self.token}).encode("utf-8")

    def _read(self, path: Optional[str] = None) -> Optional[dict]:
        try:
            with FileSystems.open(path or self.path) as handle:
                return json.loads(handle.read().decode("utf-8"))
        except FileNotFoundError:
            return None
        except Exception:
            return {}   # unreadable: stale

    def _create_local(self) -> bool:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as out:
            out.write(self._payload())
        return True

    def acquire(self) -> None:
        if is_local(self.folder):
            os.makedirs(self.folder, exist_ok=True)
            for _ in range(3):
                if self._create_local():
                    break
                holder = self._read()
                if holder is None:      # released meanwhile
                    continue
                if not is_stale(holder, stale_seconds=self.stale_seconds):
                    raise Locked(self._refusal(holder))
                # take the stale lock over: move it aside under our own name, check it is the one judged stale
                aside = f"{self.path}.stale-{self.token}"
                try:
                    os.rename(self.path, aside)
                except FileNotFoundError:
                    continue
                if self._read(aside) != holder:   # another run took it over in between: give it back
                    try:
                        os.link(aside, self.path)
                    except FileExistsError:
                        pass
                    os.unlink(aside)
                    continue
                os.unlink(aside)
                log.warning("took over the stale lock of %s", describe(holder))
            else:
                raise Locked(f"could not take the lock {self.path}: other runs keep taking it")
        else:
            holder = self._read()
            if holder is not None and not is_stale(holder, stale_seconds=self.stale_seconds):
                raise Locked(self._refusal(holder))
            self._write()
        self._thread = threading.Thread(target=self._beat, name="wirebeam-lock-heartbeat", daemon=True)
        self._thread.start()

    def _refusal(self, holder: dict) -> str:
        return (f"{self.folder} is in use by {describe(holder)}: two runs cannot write into one output at once. "
                f"Wait for that run to end; a lock whose run died is taken over once its pid is gone (same host) "
                f"or {self.stale_seconds / 60:g} minutes after its last heartbeat ({LOCK_FILE})")

    def _write(self) -> None:
        if is_local(self.path):
            temp = f"{self.path}.{self.token}.tmp"
            with open(temp, "wb") as out:
                out.write(self._payload())
            os.replace(temp, self.path)
        else:
            with FileSystems.create(self.path) as out:
                out.write(self._payload())

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_seconds):
            holder = self._read()
            if not holder or holder.get("token") != self.token:
                log.error("the lock %s is no longer ours (%s)", self.path, describe(holder or {}))
                return
            try:
                self._write()
            except Exception as exc:  # a missed beat is not fatal; STALE_SECONDS allows many
                log.warning("could not renew the lock %s: %s", self.path, exc)

    def release(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        holder = self._read()
        if holder and holder.get("token") == self.token:
            try:
                FileSystems.delete([self.path])
            except Exception as exc:
                log.warning("could not remove the lock %s: %s", self.path, exc)

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
        return False
