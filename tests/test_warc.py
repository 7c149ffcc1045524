"""WARC input: archives written here by hand (plain and gzip-per-record), read by the pure
functions of `transforms.warc`, by `ReadDocuments`, and end to end through `wirebeam run`."""
import dataclasses
import datetime as dt
import gzip
import io
import json
import random
import tracemalloc

import duckdb
import pytest

from conftest import process_outputs, read_articles, read_failures, run_cli
from warcfiles import ENGLISH_PAGE, GERMAN_PAGE, WEATHER_PAGE, record, request, response, warcinfo, write_warc
from wirebeam.schemas import Document
from wirebeam.transforms.extract.dispatch import extract_document
from wirebeam.transforms.read import ReadDocuments, input_format
from wirebeam.transforms.warc import (parse_content_type, parse_warc_date, read_warc, record_source, skip_reason,
                                      with_record_fields)

DE_URL = "https://nachrichten.example.de/kueste/neue-faehre?ref=rss"
EN_URL = "https://news.example.com/local/library"
UTC = dt.timezone.utc


def crawl_records():
    return [
        warcinfo(),
        request(DE_URL, date="2025-03-15T06:00:00Z"),
        response(DE_URL, GERMAN_PAGE.encode(), date="2025-03-15T06:00:01Z"),
        request(EN_URL, date="2025-03-16T07:30:00Z"),
        # no Content-Type: the body sniffs as HTML; the page has no date of its own
        response(EN_URL, ENGLISH_PAGE.encode(), date="2025-03-16T07:30:02.250Z", content_type=None),
        response("https://news.example.com/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(300), content_type="image/png"),
        response("https://news.example.com/old-page", b"<html><body>Not found</body></html>", status="404 Not Found"),
        response("https://news.example.com/moved", b"", status="301 Moved Permanently",
                 extra=[("Location", "https://news.example.com/new")]),
        record("metadata", b"via: https://news.example.com/\r\n", uri=EN_URL, content_type="application/warc-fields"),
    ]


def events(path, limit=1 << 20):
    with open(path, "rb") as stream:
        return list(read_warc(stream, limit))


def test_help_names_warc_input():
    result = run_cli("run", "--help")
    assert result.returncode == 0 and ".warc.gz" in result.stdout and "WARC" in result.stdout


def test_input_format_warc():
    assert input_format("/crawl/CC-NEWS-20250315.warc.gz") == "warc"
    assert input_format("/crawl/a.WARC") == "warc"


def test_parse_content_type_date_and_skip_reasons():
    assert parse_content_type('text/html; charset="ISO-8859-1"') == ("text/html", "iso-8859-1")
    assert parse_content_type("application/xhtml+xml") == ("application/xhtml+xml", None)
    assert parse_content_type("  ") == (None, None)
    assert parse_warc_date("2025-03-16T07:30:02.250Z") == dt.datetime(2025, 3, 16, 7, 30, 2, 250000, tzinfo=UTC)
    assert parse_warc_date("2025-03-16T08:30:00+01:00") == dt.datetime(2025, 3, 16, 7, 30, tzinfo=UTC)
    assert parse_warc_date("yesterday") is None and parse_warc_date(None) is None
    assert skip_reason(200, "text/html") is None
    assert skip_reason(203, "application/xhtml+xml") is None
    assert skip_reason(200, None) is None  # sniffed on the body
    assert skip_reason(200, "image/png") == "not_html"
    assert skip_reason(404, "text/html") == "http_404"
    assert skip_reason(301, None) == "http_301"
    assert record_source("/crawl/a.warc.gz", 1234) == "/crawl/a.warc.gz#1234"


@pytest.mark.parametrize("gzip_per_record", [False, True])
def test_read_warc_pages_offsets_and_what_is_counted(tmp_path, gzip_per_record):
    path = tmp_path / ("crawl.warc.gz" if gzip_per_record else "crawl.warc")
    offsets = write_warc(path, crawl_records(), gzip_per_record=gzip_per_record)
    got = events(path)
    assert [(e.kind, e.reason) for e in got] == [
        ("record", "warcinfo"), ("record", "request"), ("document", ""), ("record", "request"), ("document", ""),
        ("skipped", "not_html"), ("skipped", "http_404"), ("skipped", "http_301"), ("record", "metadata")]
    assert [e.offset for e in got] == offsets  # each event names its record's place in the file
    de, en = got[2], got[4]
    assert de.raw == GERMAN_PAGE.encode() and en.raw == ENGLISH_PAGE.encode()
    assert (de.url, de.charset, de.fetched_at) == (DE_URL, "utf-8", dt.datetime(2025, 3, 15, 6, 0, 1, tzinfo=UTC))
    assert (en.url, en.charset) == (EN_URL, None)
    assert got[5].detail == "Content-Type image/png" and got[6].detail == "HTTP status 404"
    # the offset seeks to the record: a reader started there gets that record first
    data = path.read_bytes()
    assert next(iter(read_warc(io.BytesIO(data[offsets[4]:]), 1 << 20))).raw == ENGLISH_PAGE.encode()


@pytest.mark.parametrize("name, gzip_per_record", [("a.warc", True), ("b.warc.gz", False)])
def test_gzip_is_told_by_content_not_by_name(tmp_path, name, gzip_per_record):
    path = tmp_path / name   # gzip under a plain name, plain under a .gz name
    write_warc(path, crawl_records(), gzip_per_record=gzip_per_record)
    assert [e.raw for e in events(path) if e.kind == "document"] == [GERMAN_PAGE.encode(), ENGLISH_PAGE.encode()]


def test_read_warc_undoes_http_chunking_and_gzip_and_notes_crawler_cuts(tmp_path):
    packed = gzip.compress(GERMAN_PAGE.encode("utf-8"))
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(packed[i:i + 500]), packed[i:i + 500])
                       for i in range(0, len(packed), 500)) + b"0\r\n\r\n"
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    cut = ENGLISH_PAGE.encode()[:600]  # what a crawler with a size limit keeps of a page
    path = tmp_path / "wire.warc"
    write_warc(path, [record("response", head + chunked, uri=DE_URL, content_type="application/http; msgtype=response"),
                      record("response", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + cut, uri=EN_URL,
                             content_type="application/http; msgtype=response", extra=[("WARC-Truncated", "length")])])
    got = events(path)
    assert [e.kind for e in got] == ["document", "document"]
    assert got[0].raw == GERMAN_PAGE.encode("utf-8") and got[0].cut_by_crawler is None
    assert got[1].raw == cut and got[1].cut_by_crawler == "length"


@pytest.mark.parametrize("gzip_per_record", [False, True])
def test_read_warc_truncated_keeps_what_came_before(tmp_path, gzip_per_record):
    records = crawl_records()
    path = tmp_path / f"cut-{gzip_per_record}.warc"
    offsets = write_warc(path, records, gzip_per_record=gzip_per_record)
    whole = path.read_bytes()
    cuts = [offsets[4] + 40, offsets[4] + 420]  # in the WARC headers, in the body
    if gzip_per_record:
        cuts.append(offsets[5] - 5)  # in the gzip trailer, after the whole record
    for cut in cuts:
        path.write_bytes(whole[:cut])
        got = events(path)
        assert [e.kind for e in got if e.kind != "record"] == ["document", "corrupt"], (gzip_per_record, cut)
        assert got[-1].offset == offsets[4] and got[-1].reason == "unreadable"
        assert "truncated" in got[-1].detail


def test_read_warc_stops_where_a_record_is_damaged(tmp_path):
    records = crawl_records()
    # lines inserted into a body: what runs past its Content-Length is not the next record
    path = tmp_path / "junk.warc"
    offsets = write_warc(path, records)
    whole = path.read_bytes()
    path.write_bytes(whole[:offsets[2] + 700] + b"INSERTED\r\n" * 40 + whole[offsets[2] + 700:])
    got = events(path)
    assert [e.kind for e in got] == ["record", "record", "corrupt"] and got[-1].offset == offsets[2]
    # gzip members broken in the middle
    path = tmp_path / "junk.warc.gz"
    offsets = write_warc(path, records, gzip_per_record=True)
    whole = path.read_bytes()
    path.write_bytes(whole[:offsets[4] + 30] + bytes(40) + whole[offsets[4] + 70:])
    got = events(path)
    assert [e.kind for e in got if e.kind != "record"] == ["document", "corrupt"] and got[-1].offset == offsets[4]


def test_read_warc_not_a_warc_and_one_gzip_stream(tmp_path):
    path = tmp_path / "notes.warc"
    path.write_bytes(b"these are my notes, not an archive\n")
    got = events(path)
    assert [(e.kind, e.offset) for e in got] == [("corrupt", 0)] and "Invalid WARC record" in got[0].detail
    path = tmp_path / "onestream.warc.gz"
    path.write_bytes(gzip.compress(b"".join(crawl_records())))
    assert "warcio recompress" in events(path)[-1].detail
    (tmp_path / "empty.warc").write_bytes(b"")
    assert events(tmp_path / "empty.warc") == []


@pytest.mark.parametrize("gzip_per_record", [False, True])
def test_oversized_record_is_too_large_without_being_held(tmp_path, gzip_per_record):
    rnd = random.Random(7)
    words = ["".join(rnd.choices("abcdefghijklmnopqrstuvwxyzäöü", k=rnd.randint(2, 10))) for _ in range(3000)]
    big = ("<html><body><p>" + " ".join(rnd.choices(words, k=3_000_000)) + "</p></body></html>").encode()
    assert len(big) > 20 << 20
    path = tmp_path / ("big.warc.gz" if gzip_per_record else "big.warc")
    offsets = write_warc(path, [response("https://e.example/big", big), response(EN_URL, ENGLISH_PAGE.encode())],
                         gzip_per_record=gzip_per_record)
    tracemalloc.start()
    got = events(path, limit=1 << 20)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [(e.kind, e.offset) for e in got] == [("too_large", offsets[0]), ("document", offsets[1])]
    assert "larger than --max-input-bytes=1048576" in got[0].detail
    assert peak < 6 << 20, peak  # the 1 MiB cap and read buffers, not the 20 MiB record


def test_read_documents_dispatches_warc_and_accounts_for_every_file(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    offsets = write_warc(path, crawl_records(), gzip_per_record=True)
    out = process_outputs(ReadDocuments(1 << 20, 1 << 20), path)
    assert [d.source for d in out["main"]] == [f"{path}#{offsets[2]}", f"{path}#{offsets[4]}"]
    assert {d.format for d in out["main"]} == {"warc"} and out["failures"] == []
    # nothing but requests and an image: the file is still accounted for
    only = tmp_path / "images.warc"
    write_warc(only, [request(EN_URL), response("https://e.example/a.png", b"\x89PNG", content_type="image/png")])
    failures = process_outputs(ReadDocuments(1 << 20, 1 << 20), only)["failures"]
    assert [(f["source"], f["reason"]) for f in failures] == [(str(only), "empty")]
    assert failures[0]["detail"] == "no HTML page in the archive (records.request 1, skipped.not_html 1)"
    (tmp_path / "none.warc").write_bytes(b"")
    assert process_outputs(ReadDocuments(1 << 20, 1 << 20), tmp_path / "none.warc")["failures"][0]["reason"] == "empty"
    # an empty 200 page is a failure of its own record
    blank = tmp_path / "blank.warc"
    offsets = write_warc(blank, [response(EN_URL, b"  \n")])
    failures = process_outputs(ReadDocuments(1 << 20, 1 << 20), blank)["failures"]
    assert [(f["source"], f["reason"]) for f in failures] == [(f"{blank}#0", "empty")]


def test_record_fields_url_dates_and_extraction():
    fetched = dt.datetime(2025, 3, 16, 7, 30, 2, tzinfo=UTC)
    doc = Document("/c/a.warc#10", "warc", raw=ENGLISH_PAGE.encode("cp1252"), url=EN_URL, fetched_at=fetched,
                   charset="windows-1252")
    kind, article = extract_document(doc)
    assert kind == "article" and article["input_format"] == "warc"
    assert article["url"] == EN_URL and article["site"] == "news.example.com"
    assert (article["published"], article["date_precision"]) == ("2025-03-16T07:30:02+00:00", "time")
    assert article["fetched_at"] == fetched and "reading club" in article["text"]
    # the page's own date wins over the fetch time; the target URI over the canonical link
    kind, article = extract_document(dataclasses.replace(doc, raw=GERMAN_PAGE.encode(), url=DE_URL, charset="utf-8"))
    assert (article["published"], article["date_precision"], article["url"]) == ("2025-03-14T08:15:00+01:00", "time", DE_URL)
    # without a target URI the page's canonical url is kept
    plain = with_record_fields({"url": "https://canonical.example/x", "published": None}, None, None)
    assert plain == {"url": "https://canonical.example/x", "published": None}


def test_warc_end_to_end_through_the_cli(tmp_path):
    src = tmp_path / "in"
    (src / "crawl").mkdir(parents=True)
    records = crawl_records()
    records.insert(5, response("https://e.example/huge", b"<html><body><p>" + b"a" * 300_000 + b"</p></body></html>"))
    offsets = write_warc(src / "crawl" / "CC-NEWS-1.warc.gz", records, gzip_per_record=True)
    cut_offsets = write_warc(src / "crawl" / "CC-NEWS-2.warc", [warcinfo(), response(
        "https://news.example.com/weather", WEATHER_PAGE.encode()),
        response("https://news.example.com/sport", GERMAN_PAGE.encode())])
    whole = (src / "crawl" / "CC-NEWS-2.warc").read_bytes()
    (src / "crawl" / "CC-NEWS-2.warc").write_bytes(whole[:cut_offsets[2] + 500])  # truncated in the third record
    write_warc(src / "crawl" / "robots.warc", [request(EN_URL)])
    (src / "library.html").write_text(ENGLISH_PAGE, encoding="utf-8")  # the same page as an .html file
    out = tmp_path / "out"
    result = run_cli("run", "--input", f"{src}/crawl/*.warc*", "--input", src / "library.html", "--output", out,
                     "--max-input-bytes", 200_000)
    assert result.returncode == 0, result.stderr

    crawl = str(src / "crawl" / "CC-NEWS-1.warc.gz")
    rows = {row["source"]: row for row in read_articles(out).to_pylist()}
    de, en = rows[f"{crawl}#{offsets[2]}"], rows[f"{crawl}#{offsets[4]}"]
    assert (de["input_format"], de["url"], de["language"]) == ("warc", DE_URL, "de")
    assert (de["published"], de["date"]) == ("2025-03-14T08:15:00+01:00", "2025-03-14")
    assert de["fetched_at"] == dt.datetime(2025, 3, 15, 6, 0, 1, tzinfo=UTC)
    assert de["text"].startswith("Eine neue Fähre soll") and "Impressum" not in de["text"]
    assert (en["url"], en["language"], en["date_precision"]) == (EN_URL, "en", "time")
    assert en["published"] == "2025-03-16T07:30:02+00:00" and en["date"] == "2025-03-16"
    assert en["fetched_at"] == dt.datetime(2025, 3, 16, 7, 30, 2, 250000, tzinfo=UTC)
    weather = rows[f"{src / 'crawl' / 'CC-NEWS-2.warc'}#{cut_offsets[1]}"]
    assert "coastal road" in weather["text"]
    html = rows[str(src / "library.html")]
    assert html["input_format"] == "html" and html["fetched_at"] is None
    # the page as a record and as a file are one copy group (dedup does not care about the format)
    assert html["dup_group"] == en["dup_group"] and [html["is_duplicate"], en["is_duplicate"]].count(False) == 1
    assert len(rows) == 4

    failures = sorted((f["source"], f["reason"]) for f in read_failures(out).to_pylist())
    assert failures == [(f"{crawl}#{offsets[5]}", "too_large"),
                        (f"{src / 'crawl' / 'CC-NEWS-2.warc'}#{cut_offsets[2]}", "unreadable"),
                        (str(src / "crawl" / "robots.warc"), "empty")]
    assert {f["stage"] for f in read_failures(out).to_pylist()} == {"read"}

    report = json.loads((out / "run.json").read_text())
    metrics = report["metrics"]
    assert metrics["warc.pages"] == 3
    assert (metrics["warc.skipped.not_html"], metrics["warc.skipped.http_404"], metrics["warc.skipped.http_301"]) == \
        (1, 1, 1)
    assert metrics["warc.records.request"] == 3 and metrics["warc.records.warcinfo"] == 2
    assert metrics["warc.records.metadata"] == 1

    con = duckdb.connect()
    got = con.sql(f"SELECT url, fetched_at, input_format FROM read_parquet('{out}/articles/**/*.parquet', "
                  f"hive_partitioning=true) WHERE input_format = 'warc' ORDER BY fetched_at").fetchall()
    assert [(u, f.astimezone(UTC).isoformat(), i) for u, f, i in got] == [
        ("https://news.example.com/weather", "2025-03-15T06:00:00+00:00", "warc"),
        (DE_URL, "2025-03-15T06:00:01+00:00", "warc"),
        (EN_URL, "2025-03-16T07:30:02.250000+00:00", "warc")]


def test_a_body_a_line_longer_than_its_content_length_is_read(tmp_path):
    """warcio reads such a record with a warning and finds the next one after the extra line: the
    page is read up to its Content-Length (here all but its closing tag) and reading goes on."""
    records = crawl_records()
    path = tmp_path / "long.warc"
    offsets = write_warc(path, records)
    whole = path.read_bytes()
    path.write_bytes(whole[:offsets[2] + 700] + b"EXTRA" + whole[offsets[2] + 700:])
    got = events(path)
    assert [(e.kind, e.reason) for e in got] == [
        ("record", "warcinfo"), ("record", "request"), ("document", ""), ("record", "request"), ("document", ""),
        ("skipped", "not_html"), ("skipped", "http_404"), ("skipped", "http_301"), ("record", "metadata")]
    assert [e.offset for e in got][:3] == offsets[:3] and got[2].detail == "longer_than_content_length"
    assert got[4].detail == "" and got[4].raw == ENGLISH_PAGE.encode()
    assert got[2].raw.endswith(b"</body></h") and b"EXTRA" in got[2].raw   # short of the 5 bytes that ran over
    kind, article = extract_document(Document(record_source(str(path), got[2].offset), "warc", raw=got[2].raw,
                                              url=got[2].url))
    assert kind == "article" and "Wattenmeer" in article["text"]


def test_an_html_resource_record_is_a_page(tmp_path):
    """wget --warc-file and browser crawlers store pages as `resource` records: no HTTP head, the
    WARC Content-Type says what the body is."""
    records = [warcinfo(),
               record("resource", GERMAN_PAGE.encode(), uri=DE_URL, content_type="text/html; charset=utf-8"),
               record("resource", ENGLISH_PAGE.encode(), uri=EN_URL, content_type=""),   # no type: sniffed
               record("resource", b"\x89PNG\r\n\x1a\n" + bytes(100), uri="https://x.example/a.png",
                      content_type="image/png"),
               record("resource", b"just some words", uri="https://x.example/a.txt")]
    for gzip_per_record in (False, True):
        path = tmp_path / f"res-{gzip_per_record}.warc"
        offsets = write_warc(path, records, gzip_per_record=gzip_per_record)
        got = events(path)
        assert [(e.kind, e.reason) for e in got] == [("record", "warcinfo"), ("document", ""), ("document", ""),
                                                     ("record", "resource"), ("record", "resource")]
        assert [e.offset for e in got] == offsets
        assert (got[1].raw, got[1].url, got[1].charset) == (GERMAN_PAGE.encode(), DE_URL, "utf-8")
        assert got[1].fetched_at == dt.datetime(2025, 3, 15, 6, 0, tzinfo=UTC) and got[2].raw == ENGLISH_PAGE.encode()
    out = process_outputs(ReadDocuments(1 << 20, 1 << 20), path)
    assert [d.url for d in out["main"]] == [DE_URL, EN_URL] and out["failures"] == []
