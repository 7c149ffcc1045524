"""Extraction: raw documents -> article dicts (title, metadata, clean text).

HTML (files, and pages from WARC archives) goes through trafilatura (`transforms.html`), plain-text scrapes through the furniture
rules of `transforms.scrape`, JSON lines take their fields and extract their `html` or clean
their `text`. Publication dates are validated here (`transforms.dates`); nothing raw is kept.
"""
import hashlib
import logging
import re
import unicodedata
from typing import Optional

import apache_beam as beam
from apache_beam.metrics import Metrics

from wirebeam.schemas import Document
from wirebeam.transforms.dates import parse_published, publication_columns
from wirebeam.transforms.extract.decode import decode_bytes, looks_binary
from wirebeam.transforms.failures import FAILURES, describe, fail, failure_record
from wirebeam.transforms.extract.html import ExtractionError, extract_html
from wirebeam.transforms.isolation import CallTimeout, ChildDied, IsolatedFunction, memory_limit
from wirebeam.transforms.progress import PROGRESS_SECONDS, Progress
from wirebeam.transforms.extract.agencies import agency_name, credited_agencies
from wirebeam.transforms.extract.furniture import without_byline
from wirebeam.transforms.extract.scrape import parse_scrape
from wirebeam.transforms.warc import with_record_fields

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)


def article_id(source: str) -> str:
    """Stable id of an input document: a hash of its source (path, or path:LINE)."""
    return hashlib.blake2b(source.encode("utf-8"), digest_size=8).hexdigest()


def word_count(text: str) -> int:
    return len(_WORD.findall(text or ""))


def _str(value) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value if v)
    text = nfc(" ".join(str(value).split()))
    return text or None


def _authors(value) -> list:
    if not value:
        return []
    if isinstance(value, str):
        parts = re.split(r"\s*(?:;|\||\band\b|\bund\b)\s*", value)
    elif isinstance(value, (list, tuple)):
        parts = [v.get("name") if isinstance(v, dict) else v for v in value]
    elif isinstance(value, dict):
        parts = [value.get("name")]
    else:
        parts = [value]
    out = []
    for part in parts:
        name = _str(part)
        if name and name not in out:
            out.append(name)
    return out


def _people_and_agencies(authors) -> tuple:
    """Author values -> (authors, agencies): a byline "Dpa" or "Deutsche Presse-Agentur" is the
    agency dpa, spelt as in `agencies`, not a person."""
    names = _authors(authors)
    return [n for n in names if not agency_name(n)], [agency_name(n) for n in names if agency_name(n)]


def nfc(value):
    """Strings in Unicode NFC ("gepru\u0308ft" -> "geprüft"): pages and feeds mix composed and
    decomposed letters, and the same word must look, match and deduplicate the same. Other values pass."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


ORIGIN_COLUMNS = ("text_source", "feed_url", "guid", "item_title", "fetched_at")  # feed items and WARC pages


def make_article(source: str, fmt: str, *, text: str, title=None, url=None, authors=None, site=None,
                 published=None, agencies=(), origin: Optional[dict] = None) -> dict:
    """An article row with every column of the output (schemas.ARTICLE, but for ingested_at, which is
    stamped when rows are written). Later stages fill language, copies and entities; `origin` holds
    what a feed item or a WARC record adds (ORIGIN_COLUMNS)."""
    unknown = set(origin or ()) - set(ORIGIN_COLUMNS)
    if unknown:
        raise ValueError(f"not an origin column: {sorted(unknown)}")
    authors, credited = _people_and_agencies(authors)
    text = nfc(text)   # title, url, site and authors are NFC through _str
    return {
        "id": article_id(source),
        "source": source,
        "input_format": fmt,
        "url": _str(url),
        "title": _str(title),
        "authors": authors,
        "site": _str(site),
        **publication_columns(published),
        "language": None,
        "language_confidence": None,
        "text": text,
        "word_count": word_count(text),
        "agencies": sorted(set(agencies) | set(credited)),
        "dup_group": None,
        "is_duplicate": None,
        "version": 1,
        "story_id": None,
        "entities": [],
        "entity_counts": [],
        **{column: nfc((origin or {}).get(column)) for column in ORIGIN_COLUMNS},
    }


def from_html(source: str, raw, url: Optional[str] = None, fmt: str = "html", charset: Optional[str] = None,
              origin: Optional[dict] = None) -> dict:
    page = extract_html(raw, url=url, charset=charset)
    text, agencies = credited_agencies(without_byline(page["text"], page.get("authors")))
    return make_article(source, fmt, text=text, title=page.get("title"), url=page.get("url") or url,
                        authors=page.get("authors"), site=page.get("site"), published=page.get("published"),
                        agencies=[*agencies, *page.get("agencies", ())], origin=origin)


def from_scrape(source: str, text: str, fmt: str = "text") -> dict:
    scraped = parse_scrape(text)
    return make_article(source, fmt, text=scraped.text, title=scraped.title, published=scraped.published,
                        agencies=scraped.agencies)


def from_record(source: str, record: dict) -> dict:
    """A JSON-lines object: its own fields win over what is extracted from its `html`."""
    url = _str(record.get("url") or record.get("link"))
    published = record.get("published") or record.get("date") or record.get("published_at")
    if isinstance(record.get("html"), str) and record["html"].strip():
        article = from_html(source, record["html"], url=url, fmt="jsonl")
        people, credited = _people_and_agencies(record.get("authors") or record.get("author"))
        fields = {"url": _str(url) or article["url"], "title": _str(record.get("title")) or article["title"],
                  "site": _str(record.get("site")) or article["site"],
                  "authors": people if people or credited else article["authors"],
                  "agencies": sorted(set(article["agencies"]) | set(credited))}
        if parse_published(published):
            fields.update(publication_columns(published))
        return {**article, **fields}
    body = record.get("text")
    if not isinstance(body, str) or not body.strip():
        raise ExtractionError("no_text")
    text, agencies = credited_agencies(without_byline(body.strip(), _authors(record.get("authors") or record.get("author"))))
    return make_article(source, "jsonl", text=text, title=record.get("title"), url=url,
                        authors=record.get("authors") or record.get("author"), site=record.get("site"),
                        published=published, agencies=agencies)


def extract_document(doc: Document) -> tuple:
    """One raw document -> ("article", article dict) or ("failure", failure record). Pure: it runs
    in the worker or, under a time and memory limit, in a child process (`transforms.isolation`)."""
    source, fmt = doc.source, doc.format
    try:
        if fmt == "jsonl":
            article = from_record(source, doc.record)
        else:
            raw = doc.raw
            if looks_binary(raw):
                return "failure", failure_record(source, "decode", "binary", "the file is not text (binary content)")
            if fmt == "html":
                article = from_html(source, raw)
            elif fmt == "warc":  # a page from a crawl archive: extracted like a file, then the record's fields
                article = with_record_fields(from_html(source, raw, url=doc.url, fmt="warc", charset=doc.charset,
                                                       origin={"fetched_at": doc.fetched_at}),
                                             doc.url, doc.fetched_at)
            else:
                text, _encoding = decode_bytes(raw)
                article = from_scrape(source, text)
    except ExtractionError as exc:
        return "failure", failure_record(source, "extract", exc.reason or "no_main_text", describe(exc))
    except RecursionError as exc:
        return "failure", failure_record(source, "extract", "too_deep", describe(exc))
    except MemoryError:
        raise  # the DoFn (or the isolated child) reports it as too_much_memory
    except Exception as exc:  # an extractor bug must cost one document, not the run
        log.exception("extraction failed for %s", source)
        return "failure", failure_record(source, "extract", "error", describe(exc))
    if not article["text"].strip():
        return "failure", failure_record(source, "extract", "no_text",
                                         "no article text left after removing page furniture")
    return "article", article


class ExtractArticles(beam.DoFn):
    """Raw documents -> article dicts; undecodable, empty or text-less documents -> failures.

    With a time limit each document is extracted in a child process that is killed when it
    runs over (reason ``timeout``) or runs out of its memory limit (``too_much_memory``).
    """

    def __init__(self, timeout: float = 0, memory_mib: int = 0, progress_seconds: float = PROGRESS_SECONDS):
        self.timeout, self.memory_mib = timeout, memory_mib
        self.articles = Metrics.counter("extract", "articles")
        self.progress = Progress("documents extracted", progress_seconds, key="documents")
        self.extracted = Progress("articles extracted", 0, key="articles")   # the entity stage's total
        self._isolated = None

    def setup(self):
        if self.timeout:
            self._isolated = IsolatedFunction(extract_document, self.timeout, memory_limit(self.memory_mib))

    def teardown(self):
        if self._isolated is not None:
            self._isolated.close()

    def _extract(self, doc: Document):
        source = doc.source
        try:
            return self._isolated.call(doc) if self._isolated is not None else extract_document(doc)
        except CallTimeout:
            return "failure", failure_record(
                source, "extract", "timeout",
                f"extraction took longer than {self.timeout:g} s (raise --extract-timeout to allow more)")
        except MemoryError:
            limit = f"more than {self.memory_mib} MiB" if self._isolated is not None and self.memory_mib else "too much memory"
            return "failure", failure_record(
                source, "extract", "too_much_memory",
                f"extraction needed {limit} (raise --extract-memory-mib to allow more)")
        except ChildDied as exc:
            return "failure", failure_record(source, "extract", "crashed", str(exc))
        except RuntimeError as exc:
            return "failure", failure_record(source, "extract", "error", str(exc))

    def process(self, doc: Document):
        kind, value = self._extract(doc)
        self.progress.add()
        if kind == "failure":
            yield fail(value["source"], value["stage"], value["reason"], value["detail"])
            return
        self.articles.inc()
        self.extracted.add()
        yield value


class ExtractText(beam.PTransform):
    """Raw documents -> articles, with failures on the ``failures`` output."""

    def __init__(self, timeout: float = 0, memory_mib: int = 0, progress_seconds: float = PROGRESS_SECONDS):
        super().__init__()
        self.timeout, self.memory_mib, self.progress_seconds = timeout, memory_mib, progress_seconds

    def expand(self, docs):
        extract = ExtractArticles(self.timeout, self.memory_mib, self.progress_seconds)
        return docs | "Extract" >> beam.ParDo(extract).with_outputs(
            FAILURES, main="articles")
