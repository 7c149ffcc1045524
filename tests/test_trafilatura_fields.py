"""The fields wirebeam keeps from trafilatura's metadata come out as trafilatura's own metadata pass
gives them, without that pass (issue 19: it was a fifth of the extraction time)."""
import gzip
import json

import pytest
import trafilatura.core
from lxml import etree
from trafilatura.metadata import extract_metadata
from trafilatura.settings import set_date_params
from trafilatura.utils import load_html

from conftest import EVAL, SAMPLES, needs
from wirebeam.transforms.extract import html as html_module
from wirebeam.transforms.extract import metadata, trafilatura_fields as fields_module
from wirebeam.transforms.extract.decode import decode_bytes
from wirebeam.transforms.extract.html import extract_html
from wirebeam.transforms.extract.trafilatura_fields import author_guess, htmldate_day, trafilatura_fields

PARAMS = set_date_params(extensive=False)
_ARTICLE = "<p>" + "Der Stadtrat hat am Dienstag lange über den neuen Radweg an der Hauptstraße beraten. " * 4 + "</p>"


def _tree(raw: bytes):
    return load_html(decode_bytes(raw, html=True)[0])


# Markup the walks must read as the queries did: tags in the body, name and property on one tag,
# tags without content, a canonical link after og:url, datePublished with content and datetime.
_TRICKY = (b'<html><head><meta property="og:url" content="https://www.example.org/a/1">'
           b'<meta name="author" property="article:author" content="Anna Beispiel"><meta name="author">'
           b'<meta name="description" content="Der Stadtrat hat lange beraten."><title>Radweg | Example</title>'
           b'<link rel="canonical" href="https://m.example.org/a/1"><meta name="publisher" content="Example Verlag">'
           b'</head><body><meta name="og:site_name" content="Example"><meta name="description" content="body">'
           b'<span itemprop="datePublished" datetime="2024-03-12T08:15" content="2024-03-12T08:15:00+01:00"></span>'
           b'<time pubdate datetime="2024-03-12">12. M\xc3\xa4rz</time><meta property="og:url" content="">'
           + _ARTICLE.encode() + b'</body></html>')


def _pages():
    pages = [("tricky", _TRICKY, None)] + [(p.name, p.read_bytes(), None) for p in sorted(SAMPLES.glob("*.html"))]
    if (EVAL / "gold.jsonl").exists():
        gold = [json.loads(line) for line in (EVAL / "gold.jsonl").open(encoding="utf-8")]
        for record in [r for r in gold if r["kind"] == "body"][::6]:
            raw = gzip.decompress((EVAL / "pages" / record["set"] / f"{record['id']}.html.gz").read_bytes())
            pages.append((record["id"][:12], raw, record.get("url")))
    return pages


@pytest.mark.parametrize("name,raw,url", _pages(), ids=lambda v: v if isinstance(v, str) else "")
def test_fields_are_those_of_trafilaturas_metadata_pass(name, raw, url):
    expected = extract_metadata(_tree(raw), url, dict(PARAMS))
    tree = _tree(raw)
    got = trafilatura_fields(tree, url)
    assert (got["title"], got["url"], got["sitename"]) == (expected.title, expected.url, expected.sitename)
    assert htmldate_day(tree, got["url"], PARAMS) == expected.date
    assert (got["author"] or author_guess(tree)) == expected.author


def test_extraction_runs_without_trafilaturas_metadata_pass(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("trafilatura's metadata pass ran")
    monkeypatch.setattr(trafilatura.core, "extract_metadata", refuse)
    page = extract_html((SAMPLES / "de_hansekurier_sturm_bahn.html").read_bytes())
    assert page["title"] and page["published"] and len(page["text"].split()) > 50


def _page(head: str, body: str) -> bytes:
    return f"<html><head>{head}</head><body>{body}{_ARTICLE}</body></html>".encode()


def test_trafilaturas_author_search_names_the_author_only_the_page_markup_hides():
    # id="author" is no byline to wirebeam's own sources; trafilatura's search reads it
    page = extract_html(_page("<title>Radweg</title>", '<div id="author">Dieter Kuckelkorn</div>'))
    assert page["authors"] == ["Dieter Kuckelkorn"]


def test_trafilaturas_author_search_is_skipped_when_the_page_names_its_author(monkeypatch):
    def refuse(tree):
        raise AssertionError("author search ran")
    monkeypatch.setattr(html_module, "author_guess", refuse)
    page = extract_html(_page('<meta name="author" content="Anna Beispiel">', '<div id="author">Someone Else</div>'))
    assert page["authors"] == ["Anna Beispiel"]


def test_htmldate_runs_only_when_no_time_with_offset_is_stated(monkeypatch):
    stated = '<meta property="article:published_time" content="2024-03-12T08:15:00+01:00">'
    assert extract_html(_page(stated, ""))["published"] == "2024-03-12T08:15:00+01:00"
    calls = []
    monkeypatch.setattr(html_module, "htmldate_day", lambda *args: calls.append(args) or "2024-03-11")
    assert extract_html(_page(stated, ""))["published"] == "2024-03-12T08:15:00+01:00"
    assert not calls
    assert extract_html(_page('<meta name="date" content="2024-03-11">', ""))["published"] == "2024-03-11"
    assert len(calls) == 1


def _queried(tree, query):
    return [str(v) for v in tree.xpath(query)]


@pytest.mark.parametrize("name,raw,url", _pages(), ids=lambda v: v if isinstance(v, str) else "")
def test_meta_tag_walks_find_what_the_queries_they_replace_found(name, raw, url):
    tree = _tree(raw)
    assert metadata.meta_contents(tree, metadata._META_AUTHORS) == _queried(
        tree, '//meta[@name="author" or @property="author" or @name="article:author" or @property="article:author" '
              'or @name="dc.creator" or @name="DC.creator" or @name="sailthru.author" or @name="parsely-author"]/@content')
    assert metadata.meta_contents(tree, metadata._SITE_META) == _queried(
        tree, '//meta[@property="og:site_name" or @name="og:site_name" or @name="application-name" '
              'or @name="apple-mobile-web-app-title" or @name="twitter:site" or @name="publisher" '
              'or @property="article:publisher"]/@content')
    assert html_module._descriptions(tree) == _queried(
        tree, '//head/meta[@name="description" or @property="og:description" or @name="og:description" '
              'or @name="twitter:description"]/@content')
    canonical = _queried(tree, '//link[@rel="canonical"]/@href | //meta[@property="og:url" or @name="og:url"]/@content')
    from urllib.parse import urlparse
    expected = next((h for h in (urlparse(c.strip()).hostname for c in canonical) if h), None)
    assert metadata.page_host(tree, None) == expected
    published = etree.XPath('//*[@itemprop="datePublished"]/@content | //*[@itemprop="datePublished"]/@datetime')
    assert metadata._PUBLISHED_MARKUP(tree) == published(tree)
