"""WARC input: crawl archives (.warc, .warc.gz with one gzip member a record) -> HTML documents.

`read_warc` is a plain generator over an open binary stream (no Beam in it, so it is tested on
files directly); `ReadDocuments` in `transforms.read` opens the file through Beam's FileSystems
and turns its events into documents, failure records and metrics counters.

warcio (not FastWARC): a pure-Python wheel that reads any object with `read()`, as Beam's file
objects are (FastWARC 2.0.1 panicked on a stream without `tell()`); parsing costs well under 1 ms a
record, next to about 30 ms of extraction a page.

The archive is streamed with warcio, record by record: a record's body is read only when the
record is an HTML page, and then at most `limit` bytes of it (`files.bounded_read`, the same cap
as for files); whatever is left of a record is skipped in 16 KiB reads. Memory per file is one
capped page, whatever the size of the archive.

What becomes a document: a ``response`` record whose HTTP status is 2xx and whose Content-Type is
text/html or application/xhtml+xml (without a Content-Type: whose body sniffs as HTML), and a
``resource`` record (a body stored without an HTTP head, as wget and browser-based crawlers write
pages) whose WARC Content-Type is one of those (or missing, and the body sniffs as HTML). The
document's ``source`` is ``PATH#OFFSET``, the byte offset of the record in the file as stored
(for .warc.gz the offset of its gzip member), as in Common Crawl's indexes: it is the same in
every run and on every runner, and ``dd``/``warcio`` can seek to it.

Everything else is accounted for: other record types (warcinfo, request, metadata, revisit,
resources that are no page, ...)
and responses that are not 2xx or not HTML are counted (`WarcEvent.kind` "record" and "skipped",
turned into metrics counters by the DoFn); a page over the cap, an empty page and a truncated or
corrupt archive are failures. Reading stops at the first sign of damage (a record shorter than
its Content-Length, bytes after a record that do not lead to the next one, bytes after the last
record that do not parse, a library error); the records before it have been emitted already.
A record whose body runs a line past its Content-Length (warcio reads it with a warning and finds
the next record after that line) is not damage that loses anything: its page is read up to its
Content-Length and counted (`warc.pages_longer_than_content_length`).
"""
import datetime as dt
from typing import Iterator, NamedTuple, Optional, Tuple

from warcio.archiveiterator import WARCIterator

from wirebeam.transforms.dates import parse_published, publication_columns
from wirebeam.transforms.files import SNIFF_BYTES, TooLarge, bounded_read, sniff_format

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
LONGER_THAN_DECLARED = "longer_than_content_length"   # a document event's detail: see read_warc


class WarcEvent(NamedTuple):
    """One outcome of reading an archive.

    kind: "document" (an HTML page: `raw`, `url`, `fetched_at`, `charset`; `cut_by_crawler` is the
    WARC-Truncated reason when the crawler stored only the start of the page, e.g. "length"), "record" (a record that
    is no response: `reason` is its WARC-Type), "skipped" (a response that is not a page: `reason`
    http_NNN or not_html), "too_large" / "empty" (a page over the cap / without content), "corrupt"
    (reading ended at `offset`: the archive is truncated or damaged there; always the last event).
    """
    kind: str
    offset: int
    reason: str = ""
    detail: str = ""
    raw: bytes = b""
    url: Optional[str] = None
    fetched_at: Optional[dt.datetime] = None
    charset: Optional[str] = None
    cut_by_crawler: Optional[str] = None


def record_source(path: str, offset: int) -> str:
    """The `source` of a record (and so, hashed, its article id): PATH#OFFSET."""
    return f"{path}#{offset}"


def with_record_fields(article: dict, target_uri: Optional[str], fetched_at: Optional[dt.datetime]) -> dict:
    """An article extracted from a record's page (its fetched_at set by make_article), with what the
    record knows: url, the WARC-Target-URI (what was fetched), else what the page says (canonical
    link); published, the page's own date, else the fetch time (WARC-Date, precision time, UTC)."""
    article = dict(article)
    if target_uri:
        article["url"] = target_uri
    if not article.get("published") and parse_published(fetched_at):
        article.update(publication_columns(fetched_at))
    return article


def parse_content_type(value: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """'text/html; charset="ISO-8859-1"' -> ('text/html', 'iso-8859-1'); (None, None) when missing."""
    if not value or not value.strip():
        return None, None
    parts = value.split(";")
    media = parts[0].strip().lower() or None
    charset = None
    for param in parts[1:]:
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("'\"").strip().lower() or None
    return media, charset


def parse_warc_date(value: Optional[str]) -> Optional[dt.datetime]:
    """WARC-Date (ISO 8601 in UTC, seconds or fractions: 2024-06-18T09:30:00Z) -> aware datetime in UTC."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def skip_reason(status: Optional[int], media_type: Optional[str]) -> Optional[str]:
    """Why a response is not a page to extract (None: it is one, or its body must be sniffed).

    Not 2xx -> http_NNN (http_unknown without a status line); a media type other than HTML ->
    not_html. A response without Content-Type passes here and is sniffed on its body."""
    if status is None:
        return "http_unknown"
    if not 200 <= status <= 299:
        return f"http_{status}"
    if media_type is not None and media_type not in HTML_TYPES:
        return "not_html"
    return None


def _status(record) -> Optional[int]:
    try:
        return int(record.http_headers.get_statuscode())
    except (TypeError, ValueError, AttributeError):
        return None


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:limit]}"


class _Counting:
    """The file stream, counting what was read: warcio's offsets come from its `tell`."""

    def __init__(self, stream):
        self.stream, self.count = stream, 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.count += len(data)
        return data

    def tell(self):
        return self.count


def _page(record, limit: int, media: Optional[str], charset: Optional[str]) -> WarcEvent:
    """The page a record holds (its body read, capped), or why it is none."""
    uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip() or None
    try:
        raw = bounded_read(record.content_stream(), limit)  # HTTP chunking and gzip/deflate undone
    except TooLarge:
        return WarcEvent("too_large", 0, "too_large",
                         f"the page of {uri or 'a response'} is larger than --max-input-bytes={limit}")
    if media is None and sniff_format(raw[:SNIFF_BYTES]) != "html":
        return WarcEvent("skipped", 0, "not_html", "no Content-Type and the body is not HTML")
    if not raw.strip():
        return WarcEvent("empty", 0, "empty", f"the response for {uri or '?'} has no content")
    return WarcEvent("document", 0, raw=raw, url=uri, charset=charset,
                     fetched_at=parse_warc_date(record.rec_headers.get_header("WARC-Date")),
                     cut_by_crawler=record.rec_headers.get_header("WARC-Truncated"))


def _resource(record, limit: int) -> WarcEvent:
    """A `resource` record: the body itself as fetched, no HTTP head; its WARC Content-Type says
    what it is. An HTML one is a page like a response; any other stays a counted record."""
    media, charset = parse_content_type(record.rec_headers.get_header("Content-Type"))
    if media is not None and media not in HTML_TYPES:
        return WarcEvent("record", 0, "resource")
    event = _page(record, limit, media, charset)
    return WarcEvent("record", 0, "resource") if event.kind == "skipped" else event


def _event(record, limit: int) -> WarcEvent:
    """What one record is (offset still 0); the body is read, capped, only for an HTML 2xx response
    or an HTML resource."""
    if record.rec_type == "resource":
        return _resource(record, limit)
    if record.rec_type != "response":
        return WarcEvent("record", 0, record.rec_type or "unknown")
    http = record.http_headers
    if not http:  # a response that is no HTTP exchange (dns:, whois:)
        return WarcEvent("skipped", 0, "not_html", f"Content-Type {record.content_type or 'missing'}")
    media, charset = parse_content_type(http.get_header("Content-Type"))
    reason = skip_reason(_status(record), media)
    if reason:
        detail = f"HTTP status {_status(record)}" if reason.startswith("http_") else f"Content-Type {media}"
        return WarcEvent("skipped", 0, reason, detail)
    return _page(record, limit, media, charset)


def _damage(record, records, offset: int) -> Optional[str]:
    """Why the record just read to its end is not whole (None: it is), from what warcio saw."""
    if not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit():
        return f"truncated or corrupt: the record at byte {offset} has no Content-Length"
    short = getattr(record.raw_stream, "limit", 0)  # what its Content-Length promised and the file lacked
    if short > 0:
        return f"truncated: the record at byte {offset} ends {short} bytes before its Content-Length"
    decompressor = getattr(records.reader, "decompressor", None)
    if decompressor is not None and not getattr(decompressor, "eof", True):
        return f"truncated: the gzip member of the record at byte {offset} is cut short"
    return None


def read_warc(stream, limit: int) -> Iterator[WarcEvent]:
    """Events of one archive, in file order; `stream` is a binary file object positioned at 0.

    Pages of at most `limit` bytes (after HTTP transfer and content decoding) are read; a larger
    one is a "too_large" event and only `limit` + 1 bytes of it were ever held. A "corrupt" event
    ends the stream."""
    counting = _Counting(stream)
    records = WARCIterator(counting)  # WARC only: any other text is an error, not an ARC file
    try:
        for record in records:
            event = _event(record, limit)
            warnings = records.err_count
            offset = records.get_record_offset()  # reads what is left of the record, in 16 KiB pieces
            problem = _damage(record, records, offset)
            if problem:
                yield WarcEvent("corrupt", offset, "unreadable", problem)
                return
            if records.err_count > warnings:
                # a line of bytes between the body and the blank lines: the body ran past its
                # Content-Length. warcio skips that line; when the next record (or the end) follows,
                # the page is read up to its Content-Length; anything longer is damage.
                following = records.next_line
                if following and not following.startswith(b"WARC/"):
                    yield WarcEvent("corrupt", offset, "unreadable",
                                    f"corrupt: the record at byte {offset} is not followed by a record boundary "
                                    f"(wrong Content-Length?)")
                    return
                if event.kind == "document":
                    event = event._replace(detail=LONGER_THAN_DECLARED)
            yield event._replace(offset=offset)
    except Exception as exc:  # warcio raises its own, zlib, EOF and parser errors on damaged archives
        offset = max(0, records.offset)  # the end of the last record read whole
        if "non-chunked gzip" in str(exc):
            detail = ("the file is one gzip stream, not one gzip member per record; `warcio recompress IN OUT` "
                      "rewrites it")
        else:
            detail = f"truncated or corrupt after byte {offset}: {_short(exc)}"
        yield WarcEvent("corrupt", offset, "unreadable", detail)
        return
    end = records.offset  # warcio's position after the last record and its blank lines
    if counting.count > end or stream.read(1):
        yield WarcEvent("corrupt", end, "unreadable",
                        f"truncated or corrupt: bytes after offset {end} do not form a WARC record")
