"""Feed bytes -> feed items (RSS and Atom through feedparser), refusing unsafe XML first.

feedparser is handed bytes that `transforms.fetch` brought in under its caps; it never fetches
anything itself. Before it sees them, a feed whose document type declares entities is refused:
that is how "billion laughs" (entities that expand to gigabytes) and XXE (entities that pull in
local files or URLs) attacks are built, and no real news feed needs an internal DTD subset.

Item identity: feedparser resolves every guid and Atom id it takes for a link (an RSS guid without
isPermaLink="false", every Atom id) against the document's address, so a bare `<guid>item-1</guid>`
would read as `http://host/item-1` over HTTP and `file://...` from a local file: the item's id and
its --state key would depend on where the feed was read. feedparser has no option for this
(`resolve_relative_uris` covers only embedded HTML), so it is given no address at all: ids come out
as the feed wrote them, and `parse_feed` resolves the item links against the feed's address itself.
An id stays relative only to an xml:base the feed declares itself, which does not move with the feed.
"""
import dataclasses
import re
from typing import List, Optional
from urllib.parse import urljoin, urlsplit

import feedparser

from wirebeam.transforms.dates import parse_published
from wirebeam.transforms.feeds.text import feed_line

_ENTITY_DECL = re.compile(r"<!ENTITY", re.I)
_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)
_PROLOG_CHARS = 64 * 1024   # a DOCTYPE stands before the root element
_EXTRA_SLASHES = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)/*")  # how feedparser reworked a base address


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
    # the key versions before ids were kept as written had in --state for a relative guid (resolved
    # against the feed's address); an item seen under it is not new. Also set for an
    # isPermaLink="false" guid, which was never resolved: a key no item had, so it matches nothing.
    legacy_key: Optional[str] = None

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


def _is_absolute_url(value: Optional[str]) -> bool:
    parts = urlsplit(value or "")
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _link(entry, guid: Optional[str], feed_url: str) -> Optional[str]:
    """The entry's link made absolute against the feed's address. feedparser copies a guid it takes
    for a permalink into `link` when the item has none; only an absolute http(s) URL can be one."""
    link = _text(entry.get("link"))
    if not link:
        return None
    from_guid = link == guid and not any(_text(l.get("href")) == link for l in entry.get("links", []))
    if from_guid:
        return link if _is_absolute_url(link) else None
    return urljoin(feed_url, link)


def _legacy_key(guid: Optional[str], feed_url: str) -> Optional[str]:
    """The key a relative guid had in --state before ids were kept as written: the guid resolved
    against the feed's address the way feedparser did it (file:///a/b read as file://a/b)."""
    if not guid or _is_absolute_url(guid):
        return None
    old = urljoin(_EXTRA_SLASHES.sub(r"\1", feed_url), guid)
    return old if old != guid else None


def parse_feed(data: bytes, feed_url: str) -> List[FeedItem]:
    """RSS/Atom bytes -> items in feed order. Raises FeedError for unsafe or unreadable feeds.

    `guid` is the item's guid or Atom id as written (whitespace folded), wherever the feed was read
    from; `link` is absolute against `feed_url`."""
    check_safe_xml(data)
    # no content-location: feedparser would resolve guids against it (see the module's docstring);
    # links inside the content's HTML stay as written, only its text is used
    parsed = feedparser.parse(data, resolve_relative_uris=True, sanitize_html=True)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        raise FeedError("not_a_feed", f"{type(problem).__name__}: {problem}" if problem else "no RSS or Atom entries")
    items = []
    for entry in parsed.entries:
        contents = [c.get("value") for c in entry.get("content", []) if c.get("value")]
        guid = _text(entry.get("id"))
        items.append(FeedItem(
            feed_url=feed_url,
            guid=guid,
            link=_link(entry, guid, feed_url),
            title=feed_line(entry.get("title")),   # tags and character references resolved
            published=_date(entry),
            content=max(contents, key=len) if contents else None,
            summary=entry.get("summary") or None,
            legacy_key=_legacy_key(guid, feed_url),
        ))
    return items
