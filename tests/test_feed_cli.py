"""End to end through `wirebeam run` against a real feed server on 127.0.0.1: full pages,
a summary-only item, 304 on the rerun, one new item on the third run, a mixed file input,
Parquet read back with pyarrow and DuckDB, the state file written after commit; a local feed named by
its absolute path, and a bare guid the same from a file as over HTTP."""
import http.server
import json
import re

import pytest

from conftest import ROOT, LoopbackHandler, check_output, read_articles, read_failures, run_cli, serve, serve_feed

PARA = ("Die Stadtbibliothek verlängert ab Juni ihre Öffnungszeiten an den Wochenenden und öffnet "
        "sonntags von zehn bis sechzehn Uhr, wie die Leitung am Montag mitteilte. ")


def page(title, n):
    body = "".join(f"<p>{PARA}Absatz {i} zu {title}.</p>" for i in range(4))
    return (f"<html><head><title>{title}</title><meta property=\"article:published_time\" "
            f"content=\"2025-06-0{n}T10:00:00+00:00\"></head><body><article><h1>{title}</h1>{body}"
            f"</article></body></html>").encode("utf-8")


def rss(base, items):
    entries = "".join(
        f"<item><title>{t}</title><link>{base}/{path}</link><guid isPermaLink=\"false\">{guid}</guid>"
        f"<pubDate>Mon, 02 Jun 2025 08:00:00 GMT</pubDate><description>Kurzfassung: {t}.</description></item>"
        for guid, t, path in items)
    return (f"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Stadtnachrichten</title>"
            f"<link>{base}/</link><description>x</description>{entries}</channel></rss>").encode("utf-8")


class Handler(LoopbackHandler, http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        srv = self.server
        srv.hits.append(self.path)
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        headers = [("Content-Type", "text/html; charset=utf-8")]
        if self.path == "/feed.xml":
            etag = f'"v{len(srv.items)}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            status, body, headers = 200, rss(base, srv.items), [("ETag", etag), ("Content-Type", "application/rss+xml")]
        elif self.path.startswith("/news/"):
            n = int(self.path.rsplit("-", 1)[1])
            status, body = 200, page(f"Bibliothek Meldung {n}", n)
        elif self.path == "/robots.txt":
            status, body = 200, b"User-agent: *\nAllow: /\n"
        else:
            status, body = 404, b"nope"
        self.reply(status, body, headers)


@pytest.fixture
def server():
    srv = serve(Handler)
    srv.items = [("bib-1", "Bibliothek Meldung 1", "news/m-1"), ("bib-2", "Nicht mehr da", "gone-2")]
    yield srv
    srv.shutdown()
    srv.server_close()


def _run(feed, out, state, *extra):
    result = run_cli("run", "--feed", feed, "--output", out, "--state", state, "--allow-host", "127.0.0.1",
                     "--host-delay", "0.05", "--fetch-timeout", "2", "--extract-timeout", "0",
                     "--contact", "ops@example.org", *extra, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_three_runs_new_items_only_with_state(server, tmp_path):
    import duckdb
    feed = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    state = tmp_path / "state"
    _run(feed, tmp_path / "out1", state, "--input", str(ROOT / "samples"))
    table = read_articles(tmp_path / "out1").to_pylist()
    fed = sorted((r for r in table if r["feed_url"]), key=lambda r: r["guid"])
    assert [(r["guid"], r["text_source"]) for r in fed] == [("bib-1", "page"), ("bib-2", "feed_summary")]
    assert fed[0]["title"] == "Bibliothek Meldung 1" and "Stadtbibliothek" in fed[0]["text"]
    assert fed[1]["item_title"] == "Nicht mehr da" and fed[1]["published"].startswith("2025-06-02")
    assert any(r["feed_url"] is None and r["text_source"] is None for r in table)  # files mixed in
    saved = json.loads((state / "state.json").read_text())
    assert saved["seen"] == ["bib-1", "bib-2"] and saved["validators"][feed]["etag"] == '"v2"'

    server.hits.clear()
    _run(feed, tmp_path / "out2", state)  # unchanged feed: 304, no page fetched
    assert server.hits == ["/robots.txt", "/feed.xml"]
    report = json.loads((tmp_path / "out2" / "run.json").read_text())
    assert report["articles"] == 0 and report["failures"]["total"] == 0
    assert report["metrics"]["feeds.not_modified"] == 1
    check_output(tmp_path / "out2", feeds_items=0)

    server.items.append(("bib-3", "Bibliothek Meldung 3", "news/m-3"))
    server.hits.clear()
    _run(feed, tmp_path / "out3", state)
    assert server.hits.count("/news/m-1") == 0 and server.hits.count("/news/m-3") == 1
    check_output(tmp_path / "out3", feeds_items=1)
    rows = duckdb.sql(f"SELECT guid, text_source, title FROM read_parquet('{tmp_path}/out3/articles/**/*.parquet', "
                      f"hive_partitioning=true)").fetchall()
    assert rows == [("bib-3", "page", "Bibliothek Meldung 3")]
    assert json.loads((state / "state.json").read_text())["seen"] == ["bib-1", "bib-2", "bib-3"]


def test_bad_feeds_are_failure_records_not_crashes(server, tmp_path):
    import pyarrow.parquet as pq
    port = server.server_address[1]
    feeds_file = tmp_path / "feeds.txt"
    feeds_file.write_text(f"# hostile and broken feeds\nhttp://127.0.0.1:{port}/missing.xml\n"
                          f"http://127.0.0.2:{port}/feed.xml\nftp://127.0.0.1/feed.xml\n")
    data = ROOT / "tests" / "data" / "feeds"
    result = run_cli("run", "--feed", data / "billion_laughs.xml", "--feed", data / "xxe.xml",
                     "--feed", data / "atom.xml", "--feeds-file", feeds_file, "--output", tmp_path / "out",
                     "--allow-host", "127.0.0.1", "--fetch-timeout", "2", "--extract-timeout", "0", timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    failures = pq.read_table(tmp_path / "out" / "failures").to_pylist()
    got = sorted((f["stage"], f["reason"]) for f in failures if f["stage"] == "feed")
    assert got == [("feed", "bad_scheme"), ("feed", "http_404"), ("feed", "refused_address"),
                   ("feed", "unsafe_xml"), ("feed", "unsafe_xml")]
    # the Atom file's item links to a host that does not resolve here: the feed's own text is used
    rows = read_articles(tmp_path / "out").to_pylist()
    assert [r["text_source"] for r in rows] in (["feed_content"], ["feed_summary"])
    assert not (tmp_path / "state").exists()  # no --state: nothing kept
    assert "1 article from 0 input files and 6 feeds" in result.stdout
    assert re.search(r"feeds +6 feeds \(0 not modified since the last run, 5 failed\), 1 new item, 0 pages fetched, "
                     r"1 from the feed's own text \(page \w+ 1\)", result.stdout), result.stdout
    assert "allow a host with --allow-host" in result.stdout   # 127.0.0.2 was refused


BARE_FEED = ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Review</title><link>/</link>"
             "<description>x</description>"
             "<item><title>Bare guid</title><guid>item-1</guid><pubDate>Mon, 02 Jun 2025 08:00:00 GMT</pubDate>"
             "<description>Die Fähre fährt wieder nach Fahrplan.</description></item>"
             "</channel></rss>").encode("utf-8")


def test_local_feed_path_is_absolute_and_a_bare_guid_is_the_same_as_over_http(tmp_path):
    import shutil
    work = tmp_path / "review"
    work.mkdir()
    (work / "feed.xml").write_bytes(BARE_FEED)
    shutil.copy(ROOT / "tests" / "data" / "feeds" / "xxe.xml", work / "xxe.xml")
    state = tmp_path / "state"
    result = run_cli("run", "--feed", "xxe.xml", "--feed", "feed.xml", "--output", tmp_path / "out1",
                     "--state", state, "--extract-timeout", "0", cwd=work, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    failures = read_failures(tmp_path / "out1").to_pylist()
    assert [(f["source"], f["reason"]) for f in failures] == [(str(work / "xxe.xml"), "unsafe_xml")]
    [row] = read_articles(tmp_path / "out1").to_pylist()
    assert (row["guid"], row["source"], row["feed_url"], row["url"]) == (
        "item-1", "feed:item-1", "file://" + str(work / "feed.xml"), None)
    assert json.loads((state / "state.json").read_text())["seen"] == ["item-1"]

    srv = serve_feed("/feed.xml", BARE_FEED)
    try:
        feed = f"http://127.0.0.1:{srv.server_address[1]}/feed.xml"
        _run(feed, tmp_path / "out2", tmp_path / "fresh_state")
        [served] = read_articles(tmp_path / "out2").to_pylist()
        assert (served["guid"], served["source"], served["id"]) == (row["guid"], row["source"], row["id"])
        _run(feed, tmp_path / "out3", state)  # the state of the file run: the item is not new
        assert json.loads((tmp_path / "out3" / "run.json").read_text())["articles"] == 0
    finally:
        srv.shutdown()
        srv.server_close()
