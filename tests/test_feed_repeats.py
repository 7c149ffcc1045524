"""Feed items that share a key (guid, else link) within a feed, across feeds and across hosts end as
one row and counted skips, never two rows with one id; robots.txt is read once a site a run; feed
text has its HTML references resolved; a summary the boilerplate filter would empty keeps its text.
Against a real feed server on 127.0.0.1 (also named `localhost`, a second host) through `wirebeam run`."""
import http.server
import json

import pytest

from conftest import LoopbackHandler, check_output, process_outputs, read_articles, run_cli, serve
from wirebeam.transforms.feeds.http import FetchPolicy
from wirebeam.transforms.feeds.parse import FeedItem
from wirebeam.transforms.feeds.read import FetchFeed
from wirebeam.transforms.feeds.repeats import first_of_key

PARA = ("Der Gemeinderat von Lindenau hat am Dienstag einen neuen Radweg entlang des Mühlbachs beschlossen, "
        "der im Herbst fertig sein soll und die beiden Ortsteile verbindet. ")


def page(path: str) -> bytes:
    body = "".join(f"<p>{PARA}Absatz {i} der Meldung {path}.</p>" for i in range(4))
    return (f"<html><head><title>Meldung {path}</title></head><body><article><h1>Meldung {path}</h1>{body}"
            f"</article></body></html>").encode("utf-8")


def rss(items) -> bytes:
    """items: (guid or None, link, title, description, content or None)."""
    out = []
    for guid, link, title, description, content in items:
        out.append("<item>" + (f"<guid isPermaLink=\"false\">{guid}</guid>" if guid else "")
                   + f"<title>{title}</title><link>{link}</link><pubDate>Tue, 03 Jun 2025 08:00:00 GMT</pubDate>"
                   + f"<description>{description}</description>"
                   + (f"<content:encoded><![CDATA[{content}]]></content:encoded>" if content else "") + "</item>")
    return ("<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
            "<channel><title>Lindenau</title><link>/</link><description>x</description>"
            + "".join(out) + "</channel></rss>").encode("utf-8")


SHARED_SUMMARY = "&lt;p&gt;Lokales&amp;nbsp;aus Lindenau&lt;/p&gt;"   # the same one-line summary on three items


def feed_a(base):
    return rss([("wire-1", f"{base}/news/w1", "Wire story", "Kurz.", None),
                ("same", f"{base}/news/s1", "Erste", "Kurz.", None),
                ("same", f"{base}/news/s2", "Zweite", "Kurz.", None),           # same guid, same feed
                ("same", f"{base}/news/s3", "Dritte", "Kurz.", None),
                (None, f"{base}/news/l1", "Nur ein Link", "Kurz.", None),
                (None, f"{base}/news/l1", "Derselbe Link", "Kurz.", None),       # same link, no guid
                ("sum-1", f"{base}/gone-1", "Stadt &amp;amp; Land 1", SHARED_SUMMARY, None),
                ("sum-2", f"{base}/gone-2", "Stadt &amp;amp; Land 2", SHARED_SUMMARY, None),
                ("sum-3", f"{base}/gone-3", "Stadt &amp;amp; Land 3", SHARED_SUMMARY, None),
                ("ent-1", f"{base}/gone-e", "Markt", "Kurz.",
                 "<p>Der Wochenmarkt&nbsp;öffnet am Samstag um&nbsp;acht Uhr wieder, wie die Stadt mitteilte.</p>"
                 "<p>Die Händler&#160;freuen sich &amp; planen ein Fest.</p>")])


def feed_b(base):
    return rss([("wire-1", f"{base}/news/w1b", "Wire story elsewhere", "Kurz.", None),  # same guid, other host
                ("b-own", f"{base}/news/b1", "Eigene Meldung", "Kurz.", None)])


class Handler(LoopbackHandler, http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = self.headers.get("Host")
        self.server.hits.append((host, self.path))
        base = f"http://{host}"
        if self.path == "/robots.txt":
            self.reply(200, b"User-agent: *\nAllow: /\n")
        elif self.path in ("/a.xml", "/b.xml"):
            self.reply(200, (feed_a if self.path == "/a.xml" else feed_b)(base),
                       [("Content-Type", "application/rss+xml")])
        elif self.path.startswith("/news/"):
            self.reply(200, page(self.path), [("Content-Type", "text/html; charset=utf-8")])
        else:
            self.reply(404, b"nope")


@pytest.fixture
def server():
    srv = serve(Handler)
    yield srv
    srv.shutdown()
    srv.server_close()


def test_repeated_keys_robots_once_entities_and_no_emptied_text(server, tmp_path):
    port = server.server_address[1]
    a, b = f"http://127.0.0.1:{port}/a.xml", f"http://localhost:{port}/b.xml"
    out = tmp_path / "out"
    result = run_cli("run", "--feed", a, "--feed", b, "--output", out, "--allow-host", "127.0.0.1",
                     "--allow-host", "localhost", "--host-delay", "0", "--fetch-timeout", "2",
                     "--extract-timeout", "0", "--ner", "none", timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    articles, failures = check_output(out, feeds_items=12)
    metrics = json.loads((out / "run.json").read_text())["metrics"]
    # every item: 8 rows, 4 counted skips with their keys, no failure
    assert metrics["feeds.repeated_item"] == 4 and failures == []
    assert {k: v for k, v in metrics.items() if k.startswith("feeds.repeated_key.")} == {
        "feeds.repeated_key.same": 2, "feeds.repeated_key.wire-1": 1,
        f"feeds.repeated_key.http://127.0.0.1:{port}/news/l1": 1}
    rows = {r["source"]: r for r in read_articles(out).to_pylist()}
    assert sorted(rows) == sorted(f"feed:{k}" for k in ("wire-1", "same", f"http://127.0.0.1:{port}/news/l1",
                                                        "sum-1", "sum-2", "sum-3", "ent-1", "b-own"))
    # the first item of a key is kept: in feed order, and of the first feed across feeds
    assert rows["feed:same"]["item_title"] == "Erste"
    assert rows["feed:wire-1"]["feed_url"] == a and rows["feed:wire-1"]["url"] == f"http://127.0.0.1:{port}/news/w1"
    assert (("localhost:%d" % port, "/news/w1b") not in server.hits) and server.hits.count((f"127.0.0.1:{port}", "/news/s2")) == 0
    # robots.txt once a site, although the feed and the page stages both ask
    assert server.hits.count((f"127.0.0.1:{port}", "/robots.txt")) == 1
    assert server.hits.count((f"localhost:{port}", "/robots.txt")) == 1
    assert metrics["feeds.robots_fetched"] == 2
    # the feed's own text: references resolved, paragraphs kept; titles too
    assert rows["feed:ent-1"]["text"] == ("Der Wochenmarkt öffnet am Samstag um acht Uhr wieder, wie die Stadt "
                                          "mitteilte.\n\nDie Händler freuen sich & planen ein Fest.")
    assert rows["feed:sum-1"]["item_title"] == "Stadt & Land 1"
    assert not any("&nbsp;" in r["text"] or "&amp;" in r["text"] for r in rows.values())
    # the summary repeated on three items of one site is all their text: it stays
    for key in ("sum-1", "sum-2", "sum-3"):
        assert rows[f"feed:{key}"]["text"] == "Lokales aus Lindenau" and rows[f"feed:{key}"]["word_count"] == 3
    assert "4 repeated an earlier item's guid or link" in result.stdout, result.stdout


def _item(guid, link, feed="https://a.example/feed", title="t"):
    return FeedItem(feed_url=feed, guid=guid, link=link, title=title, published=None, content=None, summary=None)


def test_a_feed_repeating_a_key_yields_its_first_item_once(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_bytes(feed_a("https://lindenau.example"))
    fn = FetchFeed(FetchPolicy(), {}, set(), max_items=5)
    fn.setup()
    out = process_outputs(fn, path)
    assert out["failures"] == []
    # the cap counts distinct items: the repeats take no place of a new one
    assert [(i.key, i.title) for i in out["main"]] == [
        ("wire-1", "Wire story"), ("same", "Erste"), ("https://lindenau.example/news/l1", "Nur ein Link"),
        ("sum-1", "Stadt & Land 1"), ("sum-2", "Stadt & Land 2")]


def test_the_item_kept_of_a_key_does_not_depend_on_arrival_order():
    items = [_item("k", "https://b.example/1", feed="https://z.example/feed"),
             _item("k", "https://a.example/1", feed="https://a.example/feed"),
             _item("k", "https://c.example/1", feed="https://a.example/feed", title="s")]
    kept = {first_of_key(order)[0] for order in (items, items[::-1], items[1:] + items[:1])}
    assert kept == {items[1]} and len(first_of_key(items)[1]) == 2
