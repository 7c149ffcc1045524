"""File helpers shared by the readers of plain files (`transforms.read`) and of crawl archives
(`transforms.warc`): opening through Beam's FileSystems, reading under a size cap, and telling a
document's format from its first bytes."""
import io

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1024 * 1024
SNIFF_BYTES = 4096   # how much of a file's start sniff_format looks at


def is_local(path: str) -> bool:
    """A path on this machine's disk, not a URL of another file system (gs://, s3://, hdfs://)."""
    return "://" not in path


class TooLarge(Exception):
    """A document is larger than the cap it is read under."""


def open_raw(path: str):
    """A binary stream of the file as stored (no decompression by file name: gzip is told by content)."""
    return FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)


def bounded_read(stream, limit: int) -> bytes:
    """At most `limit` bytes; TooLarge past that, without reading further."""
    buf = io.BytesIO()
    while True:
        chunk = stream.read(min(CHUNK, limit + 1 - buf.tell()))
        if not chunk:
            return buf.getvalue()
        buf.write(chunk)
        if buf.tell() > limit:
            raise TooLarge(f"more than {limit} bytes")


def sniff_format(head: bytes) -> str:
    """jsonl | html | text, from the first bytes of a document whose name says nothing."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if start.startswith(b"{"):
        return "jsonl"
    if start.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<meta", b"<article", b"<div")):
        return "html"
    return "text"
