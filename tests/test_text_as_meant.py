"""Text as the page meant it (issue 15): mostly-valid UTF-8 decodes as UTF-8, not by a guessed legacy
codec; text, titles and authors come out NFC; a feed's own HTML has its tags and references
resolved; an article the repeated-line filter would empty keeps its text. Inputs written here."""
import unicodedata

import pytest

from wirebeam.transforms.boilerplate import strip_lines
from wirebeam.transforms.extract.decode import decode_bytes, mostly_utf8
from wirebeam.transforms.extract.dispatch import from_html, from_record, make_article
from wirebeam.transforms.feeds.pages import item_article
from wirebeam.transforms.feeds.parse import FeedItem, parse_feed
from wirebeam.transforms.feeds.text import feed_text

GERMAN = ("Im Frühjahr zählen Freiwillige im Naturschutzgebiet am Schöntaler Weiher wieder die Brutpaare. "
          "Für die Vögel ist der Uferstreifen wichtig, sagt die Leiterin der Zählung; größere Störungen gab es "
          "in diesem Jahr nicht. ")
POLISH = "Seria ataków na infrastrukturę energetyczną zaniepokoiła władze, które zapowiedziały śledztwo. "


def page(body: str, title: str, charset: str = "utf-8") -> str:
    meta = f"<meta charset=\"{charset}\">" if charset else ""
    return (f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body><article><h1>{title}</h1>"
            + "".join(f"<p>{body} Absatz {i}.</p>" for i in range(400)) + "</article></body></html>")


def damaged(text: str, bad=(b"\xfc", b"\x96", b"\xe4", b"\xc3")) -> bytes:
    """UTF-8 bytes of `text` (about 100 KB) with a few stray bytes put in, as pasted cp1252 or a cut sequence."""
    raw = text.encode("utf-8")
    step = len(raw) // (len(bad) + 1)
    out, at = [], 0
    for n, b in enumerate(bad, 1):
        cut = raw.rfind(b" ", 0, n * step)   # between words, so no real sequence is split
        out += [raw[at:cut], b" ", b]
        at = cut
    return b"".join(out + [raw[at:]])


@pytest.mark.parametrize("charset", ["utf-8", None])
def test_a_utf8_page_with_four_stray_bytes_decodes_as_utf8(charset):
    raw = damaged(page(GERMAN, "Zählung am Weiher", charset or ""))
    assert 90_000 < len(raw) < 150_000
    text, encoding = decode_bytes(raw, html=True)
    assert encoding == "utf-8" and text.count("\ufffd") == 4
    assert "Für die Vögel" in text and "fĂĽr" not in text and "FÃ¼r" not in text
    article = from_html("p.html", raw)
    assert "Für die Vögel ist der Uferstreifen wichtig" in article["text"] and article["title"] == "Zählung am Weiher"


def test_declared_utf8_with_few_stray_bytes_keeps_titles_whole():
    raw = damaged(page(POLISH, "Seria ataków na sieć"), bad=(b"\xb3",))
    assert from_html("p.html", raw)["title"] == "Seria ataków na sieć"
    # the HTTP Content-Type alone declares it too (no meta charset)
    raw = damaged(page(POLISH, "Seria ataków na sieć", charset=""), bad=(b"\xb3",))
    assert decode_bytes(raw, html=True, charset="UTF-8")[0].count("ataków") > 100


def test_legacy_pages_still_decode_by_their_charset():
    cp1252 = page(GERMAN + "Kosten: 30 € – „viel“. ", "Zählung am Weiher", "windows-1252").encode("cp1252")
    text, encoding = decode_bytes(cp1252, html=True)
    assert encoding == "windows-1252" and "Für die Vögel" in text and "„viel“" in text
    # a legacy page that wrongly declares UTF-8: nearly every letter invalid, no valid sequence
    wrong = page(GERMAN, "Zählung am Weiher", "utf-8").encode("cp1252")
    assert mostly_utf8(wrong, declared_utf8=True) is None
    assert "Für die Vögel" in decode_bytes(wrong, html=True)[0]


def test_text_title_authors_and_site_are_nfc():
    decomposed = unicodedata.normalize("NFD", "geprüft Schöntaler Weiher Łódź")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    article = make_article("x", "text", text=f"Alles {decomposed}.", title=decomposed, authors=[f"Jürgen {decomposed}"],
                           site=decomposed, origin={"item_title": decomposed})
    for value in (article["text"], article["title"], article["authors"][0], article["site"], article["item_title"]):
        assert unicodedata.is_normalized("NFC", value), value
    assert "gepru\u0308ft" not in article["text"] and "geprüft" in article["text"]
    html = page(unicodedata.normalize("NFD", GERMAN), unicodedata.normalize("NFD", "Zählung geprüft"))
    from_page = from_html("p.html", html.encode("utf-8"))
    assert unicodedata.is_normalized("NFC", from_page["text"]) and from_page["title"] == "Zählung geprüft"
    record = from_record("f.jsonl:1", {"title": decomposed, "author": decomposed, "site": decomposed,
                                       "html": html})
    assert all(unicodedata.is_normalized("NFC", v) for v in (record["title"], record["site"], *record["authors"]))


@pytest.mark.parametrize("markup, text", [
    ("<p>Der Markt&nbsp;öffnet um&#160;acht&#x20;Uhr.</p><p>Händler &amp; Gäste</p>",
     "Der Markt öffnet um acht Uhr.\n\nHändler & Gäste"),
    ("Zeile eins<br/>Zeile&nbsp;zwei &lt;3", "Zeile eins\n\nZeile zwei <3"),
    ("<p>Zweimal&amp;nbsp;kodiert &amp;amp; gelesen</p>", "Zweimal kodiert & gelesen"),   # escaped twice
    ("<script>var a = 1;</script><p>Nur das.</p>", "Nur das."),
    ("", ""),
])
def test_feed_text_resolves_tags_and_references(markup, text):
    assert feed_text(markup) == text


def test_feed_item_text_and_title_from_a_real_feed():
    feed = (b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><link>/</link><description>d"
            b"</description><item><guid>g-1</guid><title>Stadt &amp;amp; Land</title>"
            b"<description>&lt;p&gt;Ein Satz&amp;nbsp;aus dem Feed.&lt;/p&gt;&lt;p&gt;Und&amp;nbsp;noch einer."
            b"&lt;/p&gt;</description></item></channel></rss>")
    [item] = parse_feed(feed, "https://feeds.example/rss")
    assert item.title == "Stadt & Land"
    article, problem = item_article(item, get_page=None)
    assert problem == ("no_link", "") and article["text"] == "Ein Satz aus dem Feed.\n\nUnd noch einer."
    assert article["title"] == "Stadt & Land" and article["word_count"] == 8


def _feed_article(source, text):
    return make_article(source, "feed", text=text, origin={"text_source": "feed_summary"})


def test_the_repeated_line_filter_never_empties_an_article():
    repeated = {("dir:", "lokales aus lindenau"): 3, ("dir:", "mehr dazu morgen"): 3}
    only = strip_lines(_feed_article("feed:a", "Lokales aus Lindenau"), repeated)
    assert only["text"] == "Lokales aus Lindenau" and only["word_count"] == 3
    two = strip_lines(_feed_article("feed:b", "Lokales aus Lindenau\nMehr dazu morgen"), repeated)
    assert two["text"] == "Lokales aus Lindenau\nMehr dazu morgen"
    mixed = strip_lines(_feed_article("feed:c", "Lokales aus Lindenau\n\nDer Rat hat am Dienstag den Radweg "
                                                "beschlossen, der im Herbst fertig sein soll."), repeated)
    assert mixed["text"] == "Der Rat hat am Dienstag den Radweg beschlossen, der im Herbst fertig sein soll."


def test_a_feed_page_declared_utf8_by_http_alone_decodes_as_utf8():
    """The item's page says UTF-8 only in its HTTP Content-Type; few letters are non-ASCII and three
    bytes are stray, so only the declaration tells: it is taken, as for WARC pages."""
    import http.server

    from conftest import LoopbackHandler, serve
    from wirebeam.transforms.feeds.http import FetchPolicy, fetch

    english = ("The café by the harbour reopened on Monday after a winter of repairs to its roof and kitchen, "
               "the owners said, and the Sunday market will move back next to it in May. ")
    body = damaged(page(english, "Harbour café reopens", charset=""), bad=(b"\x92", b"\x93", b"\x94"))

    class Page(LoopbackHandler, http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.reply(200, body, [("Content-Type", "text/html; charset=UTF-8")])
    srv = serve(Page)
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/news/cafe"
        item = FeedItem(feed_url="https://feeds.example/rss", guid="c-1", link=url, title="Café",
                        published=None, content=None, summary=None)
        policy = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), read_timeout=2.0)
        article, problem = item_article(item, lambda u: fetch(u, policy))
    finally:
        srv.shutdown()
        srv.server_close()
    assert problem is None and article["text_source"] == "page"
    assert article["title"] == "Harbour café reopens" and "The café by the harbour" in article["text"]
