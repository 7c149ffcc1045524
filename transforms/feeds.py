"""Feed bytes -> feed items (RSS and Atom through feedparser), refusing unsafe XML first.

feedparser is handed bytes that `transforms.fetch` brought in under its caps; it never fetches
anything itself. Before it sees them, a feed whose document type declares entities is refused:
that is how "billion laughs" (entities that expand to gigabytes) and XXE (entities that pull in
local files or URLs) attacks are built, and no real news feed needs an internal DTD subset.
"""
import dataclasses
import re
from typing import List, Optional

import feedparser

from wirebeam.transforms.dates import parse_published

_ENTITY_DECL = re.compile(r"<!ENTITY", re.I)
_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)
_PROLOG_CHARS = 64 * 1024   # a DOCTYPE stands before the root element


class FeedError(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclasses.dataclass(frozen=True)
class FeedItem:
    feed_url: str
    guid: Optional[str]
    link: Optional[str]
    title: Optional[str]
    published: Optional[str]      # validated ISO date or datetime, else None
    content: Optional[str]        # the item's full content (content:encoded, atom:content), HTML
    summary: Optional[str]        # its description / summary, HTML

    @property
    def key(self) -> Optional[str]:
        """What identifies the item across runs: its guid, else its link."""
        return self.guid or self.link


def _prolog(data: bytes) -> str:
    head = data[:_PROLOG_CHARS * 2]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "replace")
    return head.decode("utf-8", "replace")


def check_safe_xml(data: bytes) -> None:
    """Refuse a feed that declares entities in its DOCTYPE (billion laughs, XXE)."""
    prolog = _prolog(data)
    doctype = _DOCTYPE.search(prolog)
    if doctype and _ENTITY_DECL.search(prolog, doctype.start()):
        raise FeedError("unsafe_xml", "the feed declares XML entities in its DOCTYPE (entity expansion or "
                                      "external entities); such feeds are refused")


def _text(value) -> Optional[str]:
    text = " ".join(str(value).split()) if value else ""
    return text or None


def _date(entry) -> Optional[str]:
    for field in ("published", "updated", "created"):
        parsed = entry.get(f"{field}_parsed")
        if parsed:
            iso = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}+00:00".format(*parsed[:6])
            if parse_published(iso):
                return iso
    return None


def parse_feed(data: bytes, feed_url: str) -> List[FeedItem]:
    """RSS/Atom bytes -> items in feed order. Raises FeedError for unsafe or unreadable feeds."""
    check_safe_xml(data)
    parsed = feedparser.parse(data, resolve_relative_uris=True, sanitize_html=True,
                              response_headers={"content-location": feed_url})
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        raise FeedError("not_a_feed", f"{type(problem).__name__}: {problem}" if problem else "no RSS or Atom entries")
    items = []
    for entry in parsed.entries:
        contents = [c.get("value") for c in entry.get("content", []) if c.get("value")]
        items.append(FeedItem(
            feed_url=feed_url,
            guid=_text(entry.get("id")),
            link=_text(entry.get("link")),
            title=_text(entry.get("title")),
            published=_date(entry),
            content=max(contents, key=len) if contents else None,
            summary=entry.get("summary") or None,
        ))
    return items
