"""Feed items -> article rows: fetch the linked page through the safe client and extract it with
the same HTML extraction as files; fall back to the item's content, then its summary.

`item_article` is a plain function (testable without Beam). `FetchItemPages` is the Beam step:
items are keyed by host and one DoFn call handles one host's items in order, so the per-host
delay and robots.txt hold within that key. On several workers two keys never share a host, so
the limit of one request at a time per host still holds; the delay clock is per worker.
"""
from typing import Iterable, Optional, Tuple
from urllib.parse import urlsplit

import apache_beam as beam
from apache_beam.metrics import Metrics

from wirebeam.transforms.dates import parse_published, publication_columns
from wirebeam.transforms.extract.dispatch import from_html, make_article
from wirebeam.transforms.failures import FAILURES, describe, fail
from wirebeam.transforms.feeds.parse import FeedItem
from wirebeam.transforms.feeds.http import FetchError, FetchPolicy, Response, fetch_with_retries
from wirebeam.transforms.feeds.politeness import HostThrottle, Robots
from wirebeam.transforms.feeds.repeats import OneItemPerKey
from wirebeam.transforms.feeds.state import STATE_UPDATE
from wirebeam.transforms.progress import Progress
from wirebeam.transforms.feeds.text import feed_text
from wirebeam.transforms.warc import parse_content_type

def check_scheme(url: str) -> None:
    """bad_scheme before robots.txt is asked (robots of an ftp: site would read as a disallow)."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise FetchError("bad_scheme", f"only http and https are fetched: {url}")


def item_source(item: FeedItem) -> str:
    """The stable source of a feed item (and so its article id): guid, else link."""
    return f"feed:{item.key}"


def _origin(item: FeedItem, text_source: str) -> dict:
    """The feed columns of an item's article (make_article's origin)."""
    return {"text_source": text_source, "feed_url": item.feed_url, "guid": item.guid, "item_title": item.title}


def _with_feed_fallbacks(article: dict, item: FeedItem) -> dict:
    """What the page lacks and the feed says: date, title, link."""
    if not article.get("published") and parse_published(item.published):
        article.update(publication_columns(item.published))
    if not article.get("title"):
        article["title"] = item.title
    if not article.get("url"):
        article["url"] = item.link
    return article


def item_article(item: FeedItem, get_page) -> Tuple[Optional[dict], Optional[Tuple[str, str]]]:
    """(article, page_problem): the page's article, else one from the feed's own text.

    `get_page(url)` -> the page's bytes, or an http.Response (its Content-Type charset then declares
    the encoding, as for WARC pages); raises FetchError. Returns (None, (reason, detail)) when
    neither the page nor the feed has text."""
    source = item_source(item)
    problem = None
    if item.link:
        try:
            raw, charset = get_page(item.link), None
            if isinstance(raw, Response):
                raw, charset = raw.body, parse_content_type(raw.headers.get("content-type"))[1]
            article = from_html(source, raw, url=item.link, fmt="feed", charset=charset,
                                origin=_origin(item, "page"))
            if article["text"]:
                return _with_feed_fallbacks(article, item), None
            problem = ("no_main_text", item.link)
        except FetchError as exc:
            problem = (exc.reason, exc.detail)
        except Exception as exc:  # extraction trouble: fall back like an unreachable page
            problem = ("extract_error", describe(exc))
    else:
        problem = ("no_link", "")
    for field, text_source in (("content", "feed_content"), ("summary", "feed_summary")):
        text = feed_text(getattr(item, field))
        if text:
            article = make_article(source, "feed", text=text, title=item.title, url=item.link,
                                   published=item.published, origin=_origin(item, text_source))
            return _with_feed_fallbacks(article, item), problem
    return None, problem


class FetchPagesOfHost(beam.DoFn):
    """(host, [items]) -> article rows; failures on FAILURES. One client, robots cache and throttle a worker."""

    def __init__(self, policy: FetchPolicy, delay: float = 1.0):
        self.policy, self.delay = policy, delay
        self.pages = Metrics.counter("feeds", "pages_fetched")
        self.fallbacks = Metrics.counter("feeds", "fallbacks")
        self.done = Progress("feed items fetched", 0, key="pages")   # the driver's "items done"

    def setup(self):
        self.robots = Robots(self.policy)
        self.throttle = HostThrottle(self.delay)

    def _get_page(self, url: str) -> Response:
        check_scheme(url)
        if not self.robots.allowed(url):
            raise FetchError("robots_disallowed", url)
        self.throttle.wait(url, self.robots.crawl_delay(url))
        response = fetch_with_retries(url, self.policy)
        self.pages.inc()
        return response

    def process(self, keyed: Tuple[str, Iterable[FeedItem]], robots_known=None):
        """`robots_known`: site -> RobotsAnswer the run has read already (a side input), if any."""
        _, items = keyed
        if robots_known:
            self.robots.known.update(robots_known)
        for item in sorted(items, key=item_source):  # one item a key (OneItemPerKey)
            article, problem = item_article(item, self._get_page)
            self.done.add()
            if article is None:
                yield fail(item_source(item), "fetch", problem[0], problem[1])
                continue
            if article["text_source"] != "page":   # the page could not be had: say why in the metrics
                self.fallbacks.inc()
                Metrics.counter("feeds", f"fallback_because.{problem[0]}").inc()
            yield article


def host_of(item: FeedItem) -> str:
    return (urlsplit(item.link).hostname or "") if item.link else ""


class FetchItemPages(beam.PTransform):
    """Items -> articles (tagged outputs `articles` and FAILURES), politely per host. `robots`: a
    PCollection of (site, RobotsAnswer) already read in this run (those sites are not asked again)."""

    def __init__(self, policy: FetchPolicy, delay: float = 1.0, robots=None):
        super().__init__()
        self.policy, self.delay, self.robots = policy, delay, robots

    def expand(self, items):
        return (items
                | "OneItemPerKey" >> OneItemPerKey()   # never two rows with one id, never a silent drop
                | "ByHost" >> beam.Map(lambda item: (host_of(item), item))
                | "GroupByHost" >> beam.GroupByKey()
                | "FetchAndExtract" >> beam.ParDo(FetchPagesOfHost(self.policy, self.delay),
                                                 *([beam.pvalue.AsDict(self.robots)] if self.robots is not None else []))
                .with_outputs(FAILURES, main="articles"))




def _state_json(parts) -> str:
    import json
    validators = dict(sorted(v for kind, v in parts if kind == "v"))
    keys = sorted(v for kind, v in parts if kind == "k")
    return json.dumps({"validators": validators, "ingested": keys}, ensure_ascii=False)


class WriteFeedStateUpdate(beam.PTransform):
    """(validators, final articles) -> STATE_UPDATE in the staging folder: the feeds' new
    validators and the keys of the items that became rows. The driver saves it into --state only
    after the output is committed."""

    def __init__(self, staging: str):
        super().__init__()
        self.staging = staging

    def expand(self, pcolls):
        validators, articles = pcolls
        from apache_beam.io.filesystems import FileSystems
        from wirebeam.transforms.write import join
        path = join(self.staging, STATE_UPDATE)

        def write(parts):
            with FileSystems.create(path) as handle:
                handle.write(_state_json(parts).encode("utf-8"))

        keys = (articles
                | "FeedSources" >> beam.Map(lambda a: a["source"])
                | "OnlyFeedItems" >> beam.Filter(lambda s: s.startswith("feed:"))
                | "Keys" >> beam.Map(lambda s: ("k", s[len("feed:"):])))
        tagged = validators | "Validators" >> beam.Map(lambda v: ("v", tuple(v)))
        return ((tagged, keys) | "Both" >> beam.Flatten()
                | "One" >> beam.combiners.ToList()
                | "Write" >> beam.Map(write))
