"""Feed parsing: RSS and Atom items with their metadata; hostile XML refused before parsing; an
item's guid (and so its id and --state key) the same whether the feed is a file or served over HTTP."""
import resource
import time

import pytest

from conftest import ROOT, process_outputs, serve_feed
from wirebeam.transforms.feeds.read import FetchFeed
from wirebeam.transforms.feeds.pages import item_source
from wirebeam.transforms.feeds.parse import FeedError, check_safe_xml, parse_feed
from wirebeam.transforms.feeds.http import FetchPolicy

FEEDS = ROOT / "tests" / "data" / "feeds"


def test_rss_items_carry_guid_link_title_date_content_and_summary():
    items = parse_feed((FEEDS / "rss_full.xml").read_bytes(), "https://hafenkurier.example/feed.xml")
    assert [i.title for i in items] == ["Hafenfähre fährt wieder nach Fahrplan", "Neue Ladestationen am Kai"]
    first, second = items
    assert first.guid == "hafenkurier-2025-0314-faehre" and first.key == first.guid
    assert first.published == "2025-03-14T06:30:00+00:00"  # 07:30 +0100 in UTC
    assert "Werft hat den Antrieb" in first.content and "Ausfällen" in first.summary
    # no guid: the link identifies the item, made absolute against the feed's address
    assert second.guid is None and second.key == second.link == "https://hafenkurier.example/2025/03/ladestationen"
    assert second.content is None and "zwölf neue Ladestationen" in second.summary
    assert {i.feed_url for i in items} == {"https://hafenkurier.example/feed.xml"}


def test_atom_entries():
    [item] = parse_feed((FEEDS / "atom.xml").read_bytes(), "https://harbourline.example/atom")
    assert item.guid == "tag:harbourline.example,2025:rotterdam-strike-ends"
    assert item.link == "https://harbourline.example/rotterdam-strike-ends"
    assert item.published == "2025-04-02T06:15:00+00:00"  # published wins over updated
    assert "nine days" in item.summary


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_entity_declarations_are_refused_quickly_and_with_little_memory(name):
    data = (FEEDS / name).read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(FeedError) as err:
        parse_feed(data, "https://example.invalid/feed")
    assert err.value.reason == "unsafe_xml"
    assert time.monotonic() - started < 0.5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 10 * 1024  # KiB
    # the same in UTF-16, where a byte search for "<!ENTITY" would miss it
    with pytest.raises(FeedError):
        check_safe_xml(b"\xff\xfe" + data.decode("utf-8").replace('<?xml version="1.0"?>', "").encode("utf-16-le"))


def test_a_page_that_is_no_feed_is_a_failure():
    with pytest.raises(FeedError) as err:
        parse_feed(b"<html><body><p>Moved to our new site.</p></body></html>", "https://example.invalid/feed")
    assert err.value.reason == "not_a_feed"
    with pytest.raises(FeedError):
        parse_feed(b"", "https://example.invalid/feed")


# --- item identity: the guid as the feed wrote it, wherever the feed was read from ---------------

BARE = ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Review</title><link>/</link>"
        "<description>x</description>"
        "<item><title>Bare</title><guid>item-1</guid><description>Nur ein Kennzeichen.</description></item>"
        "<item><title>Bare with link</title><guid> item-2 </guid><link>/news/2</link>"
        "<description>Mit Link.</description></item>"
        "<item><title>Permalink</title><guid>https://news.example/2025/06/permalink?id=3</guid>"
        "<description>Ein Permalink.</description></item>"
        "<item><title>Not a permalink</title><guid isPermaLink=\"false\">item-4</guid>"
        "<description>Ausdrücklich kein Link.</description></item>"
        "</channel></rss>").encode("utf-8")


@pytest.fixture
def feed_server():
    srv = serve_feed("/review/feed.xml", BARE)
    yield f"http://127.0.0.1:{srv.server_address[1]}/review/feed.xml"
    srv.shutdown()
    srv.server_close()


def _fetch_feed(feed, seen=()):
    fn = FetchFeed(FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), connect_timeout=1.0, read_timeout=1.0,
                               deadline=5.0), {}, set(seen), max_items=10)
    fn.setup()
    return process_outputs(fn, feed)


def test_bare_guid_is_the_same_from_a_file_and_over_http(tmp_path, feed_server):
    path = tmp_path / "review" / "feed.xml"
    path.parent.mkdir()
    path.write_bytes(BARE)
    from_file, over_http = _fetch_feed(str(path)), _fetch_feed(feed_server)
    assert from_file["failures"] == over_http["failures"] == []
    identity = [[(i.guid, i.key, item_source(i)) for i in out["main"]] for out in (from_file, over_http)]
    assert identity[0] == identity[1] == [
        ("item-1", "item-1", "feed:item-1"), ("item-2", "item-2", "feed:item-2"),
        ("https://news.example/2025/06/permalink?id=3",) * 2 + ("feed:https://news.example/2025/06/permalink?id=3",),
        ("item-4", "item-4", "feed:item-4")]
    file_items, http_items = from_file["main"], over_http["main"]
    # a bare guid is no permalink: no link is made up from it; a real link is made absolute
    assert [i.link for i in http_items] == [None, feed_server.replace("review/feed.xml", "news/2"),
                                            "https://news.example/2025/06/permalink?id=3", None]
    assert [i.link for i in file_items] == [None, "file:///news/2", "https://news.example/2025/06/permalink?id=3", None]
    assert file_items[0].feed_url == "file://" + str(path)


def test_atom_ids_are_kept_as_written_too():
    atom = (b"<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><id>urn:x</id>"
            b"<updated>2025-04-02T06:15:00Z</updated><entry><id>entry-1</id><title>a</title>"
            b"<link href=\"/a\"/><updated>2025-04-02T06:15:00Z</updated></entry></feed>")
    [over_http] = parse_feed(atom, "https://harbourline.example/atom")
    [from_file] = parse_feed(atom, "file:///srv/feeds/atom.xml")
    assert over_http.guid == from_file.guid == "entry-1"
    assert over_http.link == "https://harbourline.example/a"


def test_state_keys_from_before_still_count_as_seen(tmp_path, feed_server):
    """Earlier versions kept a bare guid resolved against the feed's address in --state; such an
    item is not ingested a second time."""
    old_http = feed_server.replace("feed.xml", "item-1")
    out = _fetch_feed(feed_server, seen={old_http, "https://news.example/2025/06/permalink?id=3"})
    assert [i.guid for i in out["main"]] == ["item-2", "item-4"]
    path = tmp_path / "feed.xml"
    path.write_bytes(BARE)
    old_file = "file:/" + str(tmp_path / "item-2")  # feedparser read file:///a/b as file://a/b
    out = _fetch_feed(str(path), seen={old_file})
    assert [i.guid for i in out["main"]] == ["item-1", "https://news.example/2025/06/permalink?id=3", "item-4"]
