"""Feed items -> article rows: fetch the linked page through the safe client and extract it with
the same HTML extraction as files; fall back to the item's content, then its summary.

`item_article` is a plain function (testable without Beam). `FetchItemPages` is the Beam step:
items are keyed by host and one DoFn call handles one host's items in order, so the per-host
delay and robots.txt hold within that key. On several workers two keys never share a host, so
the limit of one request at a time per host still holds; the delay clock is per worker.
"""
import re
from typing import Iterable, Optional, Tuple
from urllib.parse import urlsplit

import apache_beam as beam
from apache_beam.metrics import Metrics

from wirebeam.transforms.extract import from_html, make_article
from wirebeam.transforms.failures import FAILURES, describe, fail
from wirebeam.transforms.feeds import FeedItem
from wirebeam.transforms.fetch import FetchError, FetchPolicy, fetch_with_retries
from wirebeam.transforms.politeness import HostThrottle, Robots

_TAG = re.compile(r"<[^>]+>")


def item_source(item: FeedItem) -> str:
    """The stable source of a feed item (and so its article id): guid, else link."""
    return f"feed:{item.key}"


def _plain(html: Optional[str]) -> str:
    if not html:
        return ""
    return " ".join(_TAG.sub(" ", html).split())


def _with_feed_columns(article: dict, item: FeedItem, text_source: str) -> dict:
    article.update(text_source=text_source, feed_url=item.feed_url, guid=item.guid, item_title=item.title)
    if not article.get("published") and item.published:
        dated = make_article(article["source"], "feed", text="", published=item.published)
        for field in ("published", "date_precision", "published_date"):
            article[field] = dated[field]
    if not article.get("title"):
        article["title"] = item.title
    if not article.get("url"):
        article["url"] = item.link
    return article


def item_article(item: FeedItem, get_page) -> Tuple[Optional[dict], Optional[Tuple[str, str]]]:
    """(article, page_problem): the page's article, else one from the feed's own text.

    `get_page(url) -> bytes` raises FetchError. Returns (None, (reason, detail)) when neither the
    page nor the feed has text."""
    source = item_source(item)
    problem = None
    if item.link:
        try:
            raw = get_page(item.link)
            article = from_html(source, raw, url=item.link, fmt="feed")
            if article["text"]:
                return _with_feed_columns(article, item, "page"), None
            problem = ("no_main_text", item.link)
        except FetchError as exc:
            problem = (exc.reason, exc.detail)
        except Exception as exc:  # extraction trouble: fall back like an unreachable page
            problem = ("extract_error", describe(exc))
    else:
        problem = ("no_link", "")
    for field, text_source in (("content", "feed_content"), ("summary", "feed_summary")):
        text = _plain(getattr(item, field))
        if text:
            article = make_article(source, "feed", text=text, title=item.title, url=item.link,
                                   published=item.published)
            return _with_feed_columns(article, item, text_source), problem
    return None, problem


class FetchPagesOfHost(beam.DoFn):
    """(host, [items]) -> article rows; failures on FAILURES. One client, robots cache and throttle a worker."""

    def __init__(self, policy: FetchPolicy, delay: float = 1.0):
        self.policy, self.delay = policy, delay
        self.pages = Metrics.counter("feeds", "pages_fetched")
        self.fallbacks = Metrics.counter("feeds", "fallbacks")

    def setup(self):
        self.robots = Robots(self.policy)
        self.throttle = HostThrottle(self.delay)

    def _get_page(self, url: str) -> bytes:
        if not self.robots.allowed(url):
            raise FetchError("robots_disallowed", url)
        self.throttle.wait(url, self.robots.crawl_delay(url))
        body = fetch_with_retries(url, self.policy).body
        self.pages.inc()
        return body

    def process(self, keyed: Tuple[str, Iterable[FeedItem]]):
        _, items = keyed
        for item in sorted(items, key=item_source):
            article, problem = item_article(item, self._get_page)
            if article is None:
                yield fail(item_source(item), "fetch", problem[0], problem[1])
                continue
            if article["text_source"] != "page":
                self.fallbacks.inc()
            yield article


def host_of(item: FeedItem) -> str:
    return (urlsplit(item.link).hostname or "") if item.link else ""


class FetchItemPages(beam.PTransform):
    """Items -> articles (tagged outputs `articles` and FAILURES), politely per host."""

    def __init__(self, policy: FetchPolicy, delay: float = 1.0):
        super().__init__()
        self.policy, self.delay = policy, delay

    def expand(self, items):
        return (items
                | "ByHost" >> beam.Map(lambda item: (host_of(item), item))
                | "GroupByHost" >> beam.GroupByKey()
                | "FetchAndExtract" >> beam.ParDo(FetchPagesOfHost(self.policy, self.delay))
                .with_outputs(FAILURES, main="articles"))
