"""The record a document travels as between reading and extraction.

`transforms.read` (and `transforms.warc` for crawl archives) make one `Document` per input
document; `transforms.extract` turns it into an article row or a failure. It is a frozen
dataclass, picklable, so Beam moves it between workers and the extraction child process as it is.
"""
import dataclasses
import datetime as dt
from typing import Optional


@dataclasses.dataclass(frozen=True)
class Document:
    source: str                             # path, path:LINE (a JSON line) or path#OFFSET (a WARC record)
    format: str                             # text | html | jsonl | warc
    raw: Optional[bytes] = None             # the bytes of a text or HTML file or WARC page; None for jsonl
    record: Optional[dict] = None           # the parsed object of a JSON line; None otherwise
    url: Optional[str] = None               # WARC-Target-URI of a WARC page
    fetched_at: Optional[dt.datetime] = None  # WARC-Date of a WARC page
    charset: Optional[str] = None           # the charset its HTTP Content-Type declared (WARC)
