"""Feed parsing: RSS and Atom items with their metadata; hostile XML refused before parsing."""
import resource
import time

import pytest

from conftest import ROOT
from wirebeam.transforms.feeds import FeedError, check_safe_xml, parse_feed

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
