"""Reading inputs: expand patterns to files, read each file within size caps, split JSON lines.

Everything goes through Beam's FileSystems, so local paths, gs://, s3:// and hdfs:// all work.
A document leaves this stage as a `schemas.Document`: the bytes of a text or HTML file, one parsed
JSON object of a JSON-lines file, or a page of a WARC archive (`transforms.warc`) with its record's
URL, fetch time and declared charset.
"""
import gzip
import io
import json
import logging
import os
import zlib
from typing import Iterable, List, Optional, Tuple

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from wirebeam.schemas import Document
from wirebeam.transforms.failures import FAILURES, describe, fail
from wirebeam.transforms.files import (CHUNK, GZIP_MAGIC, SNIFF_BYTES, TooLarge, bounded_read, is_local, open_raw,
                                        sniff_format)
from wirebeam.transforms.warc import LONGER_THAN_DECLARED, read_warc, record_source

log = logging.getLogger(__name__)

FORMATS = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".xhtml": "html",
           ".jsonl": "jsonl", ".ndjson": "jsonl", ".warc": "warc"}


def input_format(path: str) -> Optional[str]:
    """text | html | jsonl | warc from the file name (a trailing .gz is looked through); None for an unknown
    extension; "sniff" when the name has no extension at all."""
    name = path.rsplit("/", 1)[-1]
    if name.lower().endswith(".gz"):
        name = name[:-3]
    stem, ext = os.path.splitext(name)
    if not ext:
        return "sniff"
    return FORMATS.get(ext.lower())


def _is_hidden(path: str) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in path.replace("\\", "/").split("/")[-1:])


def _files_below(folder: str) -> List[str]:
    """Every file below a local folder, skipping hidden files and folders."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(root, f) for f in files if not f.startswith(".")]
    return found


def _is_below(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def expand_inputs(patterns: Iterable[str], exclude: Iterable[str] = ()) -> List[str]:
    """Patterns (globs, files, directories) -> sorted unique file paths. Local paths become absolute,
    so an article's `source` (and so its id) does not depend on the working directory. Files below a
    folder of `exclude` (the run's output folder) are left out: a rerun must not read what the last
    run wrote."""
    found = set()
    for pattern in patterns:
        if is_local(pattern):
            pattern = os.path.abspath(os.path.expanduser(pattern))
            if os.path.isdir(pattern):
                found.update(_files_below(pattern))
                continue
        elif pattern.endswith("/"):
            pattern += "**"
        try:
            results = FileSystems.match([pattern])
        except Exception as exc:  # a pattern matching nothing raises on some file systems
            log.debug("no match for %s: %s", pattern, exc)
            continue
        for result in results:
            for meta in result.metadata_list:
                path = meta.path
                if is_local(path) and os.path.isdir(path):
                    found.update(_files_below(path))
                elif not _is_hidden(path):
                    found.add(path)
    excluded = [os.path.abspath(folder) if is_local(folder) else folder for folder in exclude]
    return sorted(path for path in found if not any(_is_below(path, folder) for folder in excluded))


def read_document(path: str, limit: int) -> bytes:
    """A file's bytes, gunzipped when it is gzip (by magic number, whatever its name); TooLarge past `limit`
    bytes of decompressed content, so a gzip bomb costs no more memory than `limit`."""
    with open_raw(path) as raw:
        head = raw.read(2)
        rest = bounded_read(raw, limit)
    data = head + rest
    if not data.startswith(GZIP_MAGIC):
        return data
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
        return bounded_read(unzipped, limit)


def iter_lines(path: str, line_limit: int) -> Iterable[Tuple[int, bytes]]:
    """(line number from 1, line bytes) of a JSON-lines file, streamed; a line over `line_limit`
    bytes comes as (n, None) and is skipped without holding it in memory."""
    with open_raw(path) as raw:
        head = raw.read(2)
        stream = io.BufferedReader(_Prefixed(head, raw))
        if head == GZIP_MAGIC:
            stream = gzip.GzipFile(fileobj=stream)
        number = 0
        while True:
            line = stream.readline(line_limit + 1)
            if not line:
                return
            number += 1
            if len(line) > line_limit and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # drain the rest of the oversized line
                    line = stream.readline(CHUNK)
                yield number, None
                continue
            yield number, line


class _Prefixed(io.RawIOBase):
    """A raw stream that first returns `head` (bytes already read to sniff) and then the rest."""

    def __init__(self, head: bytes, rest):
        self._head, self._rest = head, rest

    def readable(self):
        return True

    def readinto(self, b):
        if self._head:
            n = min(len(b), len(self._head))
            b[:n], self._head = self._head[:n], self._head[n:]
            return n
        data = self._rest.read(len(b))
        b[:len(data)] = data
        return len(data)


class ReadDocuments(beam.DoFn):
    """path -> Documents (one per text/HTML file, JSON line or WARC page), failures tagged."""

    def __init__(self, max_input_bytes: int, max_line_bytes: int):
        self.max_input_bytes = max_input_bytes
        self.max_line_bytes = max_line_bytes
        self.files = Metrics.counter("read", "files")
        self.documents = Metrics.counter("read", "documents")

    def process(self, path: str):
        self.files.inc()
        fmt = input_format(path)
        if fmt is None:
            yield fail(path, "read", "unsupported_format",
                       "not a .txt, .html/.htm, .jsonl or .warc file (optionally .gz); narrow --input to article files")
            return
        if fmt == "warc":
            yield from self._read_warc(path)
            return
        try:
            if fmt == "jsonl":
                yield from self._read_jsonl(path)
                return
            raw = read_document(path, self.max_input_bytes)
        except TooLarge:
            yield fail(path, "read", "too_large",
                       f"larger than --max-input-bytes={self.max_input_bytes} after decompression")
            return
        except (OSError, EOFError, zlib.error) as exc:
            yield fail(path, "read", "unreadable", describe(exc))
            return
        if not raw.strip():
            yield fail(path, "read", "empty", "the file has no content")
            return
        if fmt == "sniff":
            fmt = sniff_format(raw[:SNIFF_BYTES])
            if fmt == "jsonl":
                yield from self._split_jsonl(path, raw)
                return
        self.documents.inc()
        yield Document(path, fmt, raw=raw)

    def _read_warc(self, path):
        """One archive -> its HTML pages as documents; pages too large or empty and a damaged archive
        as failures; other records and responses that are not pages as counters (namespace warc)."""
        pages, failed, counts = 0, 0, {}
        try:
            with open_raw(path) as stream:
                for event in read_warc(stream, self.max_input_bytes):
                    source = record_source(path, event.offset)
                    if event.kind == "document":
                        pages += 1
                        self.documents.inc()
                        Metrics.counter("warc", "pages").inc()
                        if event.detail == LONGER_THAN_DECLARED:  # read up to its Content-Length
                            Metrics.counter("warc", "pages_longer_than_content_length").inc()
                        if event.cut_by_crawler:  # the crawler kept only the start of the page; extracted as it is
                            Metrics.counter("warc", "pages_cut_by_crawler").inc()
                        yield Document(source, "warc", raw=event.raw, url=event.url, fetched_at=event.fetched_at,
                                       charset=event.charset)
                    elif event.kind in ("record", "skipped"):
                        name = f"records.{event.reason}" if event.kind == "record" else f"skipped.{event.reason}"
                        counts[name] = counts.get(name, 0) + 1
                        Metrics.counter("warc", name).inc()
                    elif event.kind == "too_large":
                        failed += 1
                        yield fail(source, "read", "too_large", event.detail)
                    else:  # empty page, or the archive is damaged here
                        failed += 1
                        yield fail(source, "read", event.reason, event.detail)
        except (OSError, EOFError, zlib.error) as exc:  # the file cannot be opened or read at all
            failed += 1
            yield fail(path, "read", "unreadable", describe(exc))
        if not pages and not failed:
            found = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
            yield fail(path, "read", "empty", f"no HTML page in the archive ({found})" if found else "no WARC records")

    def _read_jsonl(self, path):
        try:
            yield from self._jsonl_records(path, iter_lines(path, self.max_line_bytes))
        except (OSError, EOFError, zlib.error) as exc:
            yield fail(path, "read", "unreadable", describe(exc))

    def _split_jsonl(self, path, raw):
        yield from self._jsonl_records(path, enumerate(raw.splitlines(keepends=True), start=1))

    def _jsonl_records(self, path, lines):
        any_line = False
        for number, line in lines:
            source = f"{path}:{number}"
            if line is None:
                any_line = True
                yield fail(source, "read", "too_large", f"JSON line longer than --max-line-bytes={self.max_line_bytes}")
                continue
            if not line.strip():
                continue
            any_line = True
            try:
                record = json.loads(line)
            except (ValueError, UnicodeDecodeError) as exc:
                yield fail(source, "read", "bad_json", describe(exc))
                continue
            if not isinstance(record, dict):
                yield fail(source, "read", "not_an_object", f"a JSON {type(record).__name__}, expected an object")
                continue
            self.documents.inc()
            yield Document(source, "jsonl", record=record)
        if not any_line:
            yield fail(path, "read", "empty", "the file has no JSON lines")


class ReadArticles(beam.PTransform):
    """File paths -> raw documents; failures on the ``failures`` output."""

    def __init__(self, paths: List[str], max_input_bytes: int, max_line_bytes: int):
        super().__init__()
        self.paths = paths
        self.max_input_bytes = max_input_bytes
        self.max_line_bytes = max_line_bytes

    def expand(self, pbegin):
        docs = (
            pbegin
            | "Paths" >> beam.Create(self.paths)
            | "SpreadFiles" >> beam.Reshuffle()
            | "Read" >> beam.ParDo(ReadDocuments(self.max_input_bytes, self.max_line_bytes)).with_outputs(
                FAILURES, main="documents")
        )
        return docs
