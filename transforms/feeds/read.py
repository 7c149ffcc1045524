"""Feeds -> new items: fetch each feed (URL or local file) with a conditional GET, parse it, drop
the items already ingested in earlier runs, cap the rest.

Every new item (`feeds.items_new`) goes on as an item or is a counted repeat of an earlier item of
the feed with its key (`transforms.feeds.repeats`). Outputs: `items` (FeedItem), `validators` ((feed url, {etag, last_modified}) for the state saved
after the run is committed) and FAILURES (stage `feed`). A 304 answer means nothing new and is
not a failure. Also `feeds_file_urls` reads `--feeds-file` (OPML or one URL a line).
"""
import os
import xml.etree.ElementTree as ET
from typing import Dict, List, Set

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from wirebeam.transforms.failures import FAILURES, describe, fail
from wirebeam.transforms.files import is_local
from wirebeam.transforms.progress import Progress
from wirebeam.transforms.feeds.parse import FeedError, check_safe_xml, parse_feed
from wirebeam.transforms.feeds.pages import check_scheme
from wirebeam.transforms.feeds.http import FetchError, FetchPolicy, fetch_with_retries
from wirebeam.transforms.feeds.politeness import Robots
from wirebeam.transforms.feeds.repeats import count_repeat

MAX_FEED_FILE = 16 * 1024 * 1024


def is_url(feed: str) -> bool:
    return feed.startswith(("http://", "https://")) or not is_local(feed)


def feed_location(feed: str) -> str:
    """A feed as it is listed, fetched and named in failures and rows: a URL as given, a local path
    made absolute (like file inputs), so nothing depends on the working directory."""
    return feed if is_url(feed) else os.path.abspath(os.path.expanduser(feed))


def feeds_file_urls(path: str) -> List[str]:
    """The feeds listed in an OPML file (xmlUrl of each outline) or a text file (one a line, # comments)."""
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:  # local, gs://, ...
        data = handle.read(MAX_FEED_FILE)
    if path.lower().endswith((".opml", ".xml")) or data.lstrip().startswith(b"<"):
        check_safe_xml(data)
        root = ET.fromstring(data)
        return [o.get("xmlUrl") for o in root.iter("outline") if o.get("xmlUrl")]
    lines = (line.strip() for line in data.decode("utf-8", "replace").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def feed_list(opts, usage_error) -> List[str]:
    """--feed and --feeds-file entries of a run, local paths made absolute (feed_location), sorted and
    unique; `usage_error` is raised for an unreadable feeds file or an option out of range."""
    feeds = list(opts.feed or [])
    for path in opts.feeds_file or []:
        try:
            feeds.extend(feeds_file_urls(path))
        except Exception as exc:
            raise usage_error(f"cannot read --feeds-file {path}: {exc}")
    for name in ("host_delay", "fetch_timeout"):
        if getattr(opts, name) < 0:
            raise usage_error(f"--{name.replace('_', '-')} must be 0 or more")
    if opts.max_items_per_feed <= 0 or opts.max_fetch_bytes <= 0:
        raise usage_error("--max-items-per-feed and --max-fetch-bytes must be positive")
    return sorted({feed_location(feed) for feed in feeds})


class FetchFeed(beam.DoFn):
    """One feed -> its new items (at most `max_items`), its validators, or a failure."""

    def __init__(self, policy: FetchPolicy, conditional: Dict[str, Dict[str, str]], seen: Set[str],
                 max_items: int):
        """`conditional`: feed -> If-None-Match / If-Modified-Since headers from the state."""
        self.policy, self.conditional, self.seen, self.max_items = policy, conditional, seen, max_items
        self.fetched = Metrics.counter("feeds", "feeds_fetched")
        self.not_modified = Metrics.counter("feeds", "not_modified")
        self.new = Metrics.counter("feeds", "items_new")
        self.old = Metrics.counter("feeds", "items_seen")
        self.capped = Metrics.counter("feeds", "items_over_cap")
        self.found = Progress("feed items found", 0, key="items")   # the driver's total of a feed run

    def setup(self):
        self.robots = Robots(self.policy)

    def _bytes(self, feed: str, robots_known=None):
        if not is_url(feed):
            with open(feed, "rb") as handle:
                data = handle.read(self.policy.max_bytes + 1)
            if len(data) > self.policy.max_bytes:
                raise FetchError("too_large", f"{feed} is over {self.policy.max_bytes} bytes")
            return data, None
        check_scheme(feed)
        if robots_known:  # the run's robots.txt answers (RobotsOfSites): none is fetched again here
            self.robots.known.update(robots_known)
        if not self.robots.allowed(feed):
            raise FetchError("robots_disallowed", feed)
        response = fetch_with_retries(feed, self.policy, headers=self.conditional.get(feed, {}))
        if response.status == 304:
            return None, {}
        validators = {k: v for k, v in (("etag", response.headers.get("etag")),
                                        ("last_modified", response.headers.get("last-modified"))) if v}
        return response.body, validators

    def process(self, feed: str, robots_known=None):
        """`robots_known`: site -> RobotsAnswer read once for the run (a side input), if any."""
        try:
            data, validators = self._bytes(feed, robots_known)
        except FetchError as exc:
            yield fail(feed, "feed", exc.reason, exc.detail)
            return
        except OSError as exc:
            yield fail(feed, "feed", "unreadable", describe(exc))
            return
        if data is None:
            self.not_modified.inc()
            return
        self.fetched.inc()
        try:
            items = parse_feed(data, feed if is_url(feed) else "file://" + os.path.abspath(feed))
        except FeedError as exc:
            yield fail(feed, "feed", exc.reason, exc.detail)
            return
        except Exception as exc:  # feedparser on something odd: a failure, never a crash
            yield fail(feed, "feed", "parse_error", describe(exc))
            return
        kept = set()
        for item in items:
            if not item.key:
                yield fail(feed, "feed", "no_guid_or_link", item.title or "")
            elif item.key in self.seen or (item.legacy_key and item.legacy_key in self.seen):
                self.old.inc()
            elif item.key in kept:  # an earlier item of this feed had the key: a counted skip
                self.new.inc()
                count_repeat(item.key)
            elif len(kept) >= self.max_items:
                self.capped.inc()  # left for the next run: it is not marked seen
            else:
                kept.add(item.key)
                self.new.inc()
                self.found.add()
                yield item
        if validators:
            yield beam.pvalue.TaggedOutput("validators", (feed, validators))


class ReadFeeds(beam.PTransform):
    """Feeds -> new items, validators and failures. `robots`: a PCollection of (site, RobotsAnswer)
    (politeness.RobotsOfSites over the feeds) so that no feed's robots.txt is read twice in a run."""

    def __init__(self, feeds: List[str], policy: FetchPolicy, conditional: Dict[str, Dict[str, str]],
                 seen: Set[str], max_items: int, robots=None):
        super().__init__()
        self.feeds, self.policy, self.conditional, self.seen, self.max_items = (
            sorted(set(feeds)), policy, conditional, seen, max_items)
        self.robots = robots

    def expand(self, p):
        side = [beam.pvalue.AsDict(self.robots)] if self.robots is not None else []
        return (p
                | "Feeds" >> beam.Create(self.feeds)
                | "Reshuffle" >> beam.Reshuffle()
                | "FetchFeed" >> beam.ParDo(FetchFeed(self.policy, self.conditional, self.seen, self.max_items),
                                            *side)
                .with_outputs("validators", FAILURES, main="items"))
