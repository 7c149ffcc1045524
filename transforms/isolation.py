"""Run a pure function in a child process with a time and a memory limit.

Extraction of a hostile or absurd page (megabytes of markup, pathological nesting) can take
minutes or gigabytes inside lxml and trafilatura, where no Python-level timeout reaches. A
DoFn that hands each document to an `IsolatedFunction` turns that into a failure record for the
one document: the child is killed when a call exceeds its deadline, its address space is capped
so a runaway allocation fails inside the child, and a child that dies is replaced before the
next call. The child is started with "spawn" (never forked from a process that runs gRPC
threads) and lives as long as the DoFn instance, so the cost per document is one round trip
through a pipe.

Beam's own `with_exception_handling(use_subprocess=True, timeout=...)` does the killing too, but
its metrics counters would be counted in the child and lost; here the DoFn stays in the worker
and only the pure function crosses over.
"""
import importlib
import multiprocessing
import resource
from typing import Any, Callable, Dict, Optional, Tuple, Union

_CONTEXT = multiprocessing.get_context("spawn")
_STARTUP_TIMEOUT = 120.0  # seconds for a new child to import its function and report ready
# Children started ahead of need (`start_ahead`), by (function's "module:name", memory limit): the
# first IsolatedFunction of the same function and limit in this process adopts its child.
_AHEAD: Dict[Tuple[str, Optional[int]], tuple] = {}
Function = Union[Callable, str]   # a module-level function, or its "module:name"


def memory_limit(mib: int) -> Optional[int]:
    """The address-space limit in bytes for a limit in MiB (0: none)."""
    return mib * 1024 * 1024 if mib else None


def _name(fn: Function) -> str:
    return fn if isinstance(fn, str) else f"{fn.__module__}:{fn.__qualname__}"


def _resolved(fn: Function) -> Callable:
    if not isinstance(fn, str):
        return fn
    module, name = fn.split(":")
    return getattr(importlib.import_module(module), name)


class CallTimeout(Exception):
    """The call did not return within the time limit; the child was killed."""


class ChildDied(Exception):
    """The child process ended during the call (killed by the OS, or crashed in native code)."""


def _serve(conn, fn: Function, memory_bytes: Optional[int]) -> None:
    """The child's loop: call `fn` on each argument tuple received, send back the outcome."""
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    fn = _resolved(fn)   # imports its module here, in the child
    try:
        conn.send(("ready", None))  # start-up (imports) done: the parent's deadlines start from here
        while True:
            try:
                args = conn.recv()
            except EOFError:
                return
            try:
                outcome = ("ok", fn(*args))
            except MemoryError:
                outcome = ("memory", "the call needed more memory than the limit allows")
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # reported to the parent, which decides
                outcome = ("error", f"{type(exc).__name__}: {exc}")
            conn.send(outcome)
    except (BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        return  # the parent is gone or the run was interrupted: end quietly, the parent reports the run


def _spawn(fn: Function, memory_bytes: Optional[int]):
    """A new child serving `fn`, not yet known to be ready: (process, the parent's end of its pipe)."""
    parent, child = _CONTEXT.Pipe()
    process = _CONTEXT.Process(target=_serve, args=(child, fn, memory_bytes), daemon=True, name="wirebeam-isolated")
    process.start()
    child.close()
    return process, parent


def start_ahead(fn: Function, memory_bytes: Optional[int] = None) -> None:
    """Start a child for `fn` (a function, or its "module:name", so that the caller need not import
    it) now and return at once. A run on the in-process local runner calls this before it builds
    its flow, and a local worker process first thing, so the child's imports (trafilatura, lxml: 2
    to 4 s, the largest part of a one-page run's start-up) happen beside the flow's construction or
    the worker's own start. A child nobody adopts ends with the process (its pipe closes)."""
    key = (_name(fn), memory_bytes)
    if key not in _AHEAD:
        _AHEAD[key] = _spawn(fn, memory_bytes)


class IsolatedFunction:
    """`call(*args)` runs `fn(*args)` in a long-lived child process.

    Raises CallTimeout after `timeout` seconds, MemoryError when the child ran out of its
    `memory_bytes` address space, ChildDied when it crashed, RuntimeError with the child's
    exception text for any other exception. `fn` must be a module-level function and its
    arguments and result picklable.
    """

    def __init__(self, fn: Callable, timeout: float, memory_bytes: Optional[int] = None):
        self._fn, self._timeout, self._memory = fn, timeout, memory_bytes
        self._process = None
        self._conn = None

    def _start(self) -> None:
        ahead = _AHEAD.pop((_name(self._fn), self._memory), None)
        if ahead is not None and not ahead[0].is_alive():
            ahead[1].close()
            ahead = None
        self._process, parent = ahead or _spawn(self._fn, self._memory)
        self._conn = parent
        # the child imports `fn`'s module first (seconds on a loaded machine); that is not part
        # of any document's time limit
        try:
            ready = parent.poll(_STARTUP_TIMEOUT) and parent.recv() == ("ready", None)
        except (EOFError, ConnectionResetError):
            ready = False
        if not ready:
            code = self._process.exitcode
            self.close()
            raise ChildDied(f"the extraction process did not start (exit code {code})")

    def call(self, *args) -> Any:
        if self._process is None or not self._process.is_alive():
            self.close()
            self._start()
        try:
            self._conn.send(args)
            if not self._conn.poll(self._timeout):
                self.close()
                raise CallTimeout(f"no result after {self._timeout:g} s")
            kind, value = self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError) as exc:
            code = None
            if self._process is not None:
                self._process.join(timeout=5)  # the pipe closes before the child is reaped
                code = self._process.exitcode
            self.close()
            raise ChildDied(f"the extraction process ended (exit code {code})") from exc
        if kind == "ok":
            return value
        if kind == "memory":
            raise MemoryError(value)
        raise RuntimeError(value)

    def close(self) -> None:
        """Stop the child (killed if busy); the next call starts a new one."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(timeout=5)
