"""Feed items -> articles against a real HTTP server on 127.0.0.1: page extraction, fallbacks to
the feed's content and summary, robots Disallow, 404 and a refused address as fallbacks, and the
Beam step keyed by host."""
import http.server

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from conftest import LoopbackHandler, serve

from wirebeam.transforms.feeds.pages import FetchItemPages, item_article, item_source
from wirebeam.transforms.feeds.parse import FeedItem
from wirebeam.transforms.feeds.http import FetchError, FetchPolicy, fetch

PARAS = ("Der Stadtrat hat am Dienstagabend beschlossen, die alte Markthalle am Flussufer zu sanieren "
         "und ab dem kommenden Frühjahr wieder für Wochenmärkte zu öffnen.",
         "Die Kosten von rund vier Millionen Euro trägt zur Hälfte das Land; den Rest finanziert die Stadt "
         "aus Rücklagen, die für Sanierungen im Stadtkern vorgesehen waren.",
         "Händlerinnen und Händler hatten seit Jahren auf eine Entscheidung gewartet und begrüßten den "
         "Beschluss in einer ersten Stellungnahme ausdrücklich.")
PAGE = ("<html><head><title>Markthalle wird saniert</title>"
        "<meta property=\"article:published_time\" content=\"2025-05-06T18:00:00+02:00\"></head>"
        "<body><article><h1>Markthalle wird saniert</h1>"
        + "".join(f"<p>{p}</p>" for p in PARAS) + "</article></body></html>").encode("utf-8")


class Handler(LoopbackHandler, http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.hits.append(self.path)
        if self.path == "/robots.txt":
            body, status = b"User-agent: *\nDisallow: /private/\n", 200
        elif self.path.startswith("/news/"):
            body, status = PAGE, 200
        else:
            body, status = b"not here", 404
        self.reply(status, body, [("Content-Type", "text/html; charset=utf-8")])


@pytest.fixture(scope="module")
def server():
    srv = serve(Handler)
    yield f"http://127.0.0.1:{srv.server_address[1]}", srv
    srv.shutdown()
    srv.server_close()


POLICY = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), connect_timeout=1.0, read_timeout=1.0, deadline=5.0)


def _item(link, guid=None, content=None, summary=None):
    return FeedItem(feed_url="http://127.0.0.1/feed.xml", guid=guid, link=link, title="Markthalle (Feed)",
                    published="2025-05-01T08:00:00+00:00", content=content, summary=summary)


def _get(url):
    return fetch(url, POLICY).body


def test_page_is_extracted_like_an_html_file(server):
    base, _ = server
    article, problem = item_article(_item(f"{base}/news/markthalle", guid="g-1"), _get)
    assert problem is None and article["text_source"] == "page"
    assert "Markthalle am Flussufer" in article["text"]
    assert article["published"] == "2025-05-06T18:00:00+02:00"  # the page's time wins over the feed's
    assert article["guid"] == "g-1" and article["item_title"] == "Markthalle (Feed)"
    assert article["source"] == "feed:g-1"  # stable id from the guid, not from run order


def test_missing_page_falls_back_to_content_then_summary(server):
    base, _ = server
    article, problem = item_article(_item(f"{base}/gone", content="<p>Volltext aus dem Feed.</p>",
                                          summary="Kurz."), _get)
    assert problem[0] == "http_404" and article["text_source"] == "feed_content"
    assert article["text"] == "Volltext aus dem Feed." and article["published"] == "2025-05-01T08:00:00+00:00"
    article, _ = item_article(_item(f"{base}/gone", summary="<p>Nur die Zusammenfassung.</p>"), _get)
    assert article["text_source"] == "feed_summary" and article["text"] == "Nur die Zusammenfassung."
    article, problem = item_article(_item(f"{base}/gone"), _get)
    assert article is None and problem[0] == "http_404"


def test_refused_address_is_a_fallback_not_a_crash(server):
    base, srv = server
    port = base.rsplit(":", 1)[1]

    def strict(url):
        return fetch(url, FetchPolicy(connect_timeout=1.0, read_timeout=1.0))  # nothing allowed

    hits = len(srv.hits)
    article, problem = item_article(_item(f"http://127.0.0.2:{port}/news/x", summary="Kurz."), strict)
    assert problem[0] == "refused_address" and article["text_source"] == "feed_summary"
    assert len(srv.hits) == hits


def test_beam_step_by_host_with_robots_and_failures(server):
    base, _ = server
    items = [_item(f"{base}/news/a", guid="a"), _item(f"{base}/private/b", guid="b", summary="Privat."),
             _item(f"{base}/private/c", guid="c")]
    with beam.Pipeline() as p:
        out = p | beam.Create(items) | FetchItemPages(POLICY, delay=0.05)
        assert_that(out.articles | "Src" >> beam.Map(lambda a: (a["source"], a["text_source"])),
                    equal_to([("feed:a", "page"), ("feed:b", "feed_summary")]), label="articles")
        assert_that(out.failures | "Why" >> beam.Map(lambda f: (f["source"], f["stage"], f["reason"])),
                    equal_to([("feed:c", "fetch", "robots_disallowed")]), label="failures")
