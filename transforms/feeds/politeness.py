"""Being a polite client: robots.txt per site (read once per run) and a delay between requests
to the same host. The delay lives in one fetching DoFn instance, which sees one host's requests in
sequence (the pipeline groups pages by host before fetching), so it holds per host and run.

robots.txt once per run: the feed and page stages run in different DoFn instances (on several
workers, too), so each would read a site's robots.txt for itself. `RobotsOfSites` reads it once for
every site of the feeds, before either stage, and hands both the answers (`RobotsAnswer`) as a side
input; the page stage reads robots.txt itself only for sites no feed is on, and sees each such
site in one call (pages are grouped by host).
"""
import time
import urllib.robotparser
from typing import Callable, Dict, Iterable, Optional, Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from urllib.parse import urlsplit

from wirebeam.transforms.feeds.http import FetchError, FetchPolicy, fetch

ROBOTS_TOKEN = "wirebeam"


def site_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def robots_rules(status: int, body: bytes) -> urllib.robotparser.RobotFileParser:
    """Rules from a robots.txt answer, as RFC 9309 says: a 4xx answer means no rules (all
    allowed); a server error or no answer means everything is disallowed (see `Robots`)."""
    rules = urllib.robotparser.RobotFileParser()
    if 400 <= status < 500:
        rules.allow_all = True
    else:
        rules.parse(body.decode("utf-8", "replace").splitlines())
    return rules


# What a site's robots.txt said, small and picklable (a side input): ("rules", status, body),
# ("disallow_all", why) or ("refused", reason, detail) when the site may not be contacted at all.
RobotsAnswer = Tuple[str, object, object]


def robots_answer(site: str, policy: FetchPolicy, fetcher: Callable = fetch) -> RobotsAnswer:
    """GET `site`/robots.txt once and say what it means (never raises)."""
    Metrics.counter("feeds", "robots_fetched").inc()
    try:
        response = fetcher(site + "/robots.txt", policy)
        return ("rules", response.status, response.body)
    except FetchError as exc:
        if exc.reason in ("refused_address", "bad_scheme", "dns_error"):
            return ("refused", exc.reason, exc.detail)  # the site may not be contacted: not "robots disallow"
        if exc.reason.startswith("http_4"):
            return ("rules", int(exc.reason[5:]), b"")
        return ("disallow_all", exc.reason, "")  # unreachable or a server error: assume the site says no


def rules_of(answer: RobotsAnswer) -> urllib.robotparser.RobotFileParser:
    """The rules an answer stands for; raises FetchError for a site that may not be contacted."""
    kind, first, second = answer
    if kind == "refused":
        raise FetchError(first, second)
    if kind == "rules":
        return robots_rules(first, second)
    rules = urllib.robotparser.RobotFileParser()
    rules.disallow_all = True
    return rules


class Robots:
    """`allowed(url)`: may wirebeam fetch this URL? robots.txt is fetched once per site, and not at
    all for a site in `known` (site -> RobotsAnswer read earlier in the run)."""

    def __init__(self, policy: FetchPolicy, fetcher: Callable = fetch,
                 known: Optional[Dict[str, RobotsAnswer]] = None):
        self.policy, self._fetch, self.known = policy, fetcher, dict(known or {})
        self._rules: Dict[str, urllib.robotparser.RobotFileParser] = {}

    def allowed(self, url: str) -> bool:
        site = site_of(url)
        if site not in self._rules:
            if site not in self.known:
                self.known[site] = robots_answer(site, self.policy, self._fetch)
            self._rules[site] = rules_of(self.known[site])
        return self._rules[site].can_fetch(ROBOTS_TOKEN, url)

    def crawl_delay(self, url: str):
        rules = self._rules.get(site_of(url))
        return rules.crawl_delay(ROBOTS_TOKEN) if rules is not None else None


class HostThrottle:
    """Waits so that two requests to one host are at least `delay` seconds apart."""

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.delay, self._clock, self._sleep = delay, clock, sleep
        self._last: Dict[str, float] = {}

    def wait(self, url: str, delay: float = None) -> None:
        site = site_of(url)
        delay = self.delay if delay is None else max(self.delay, delay)
        last = self._last.get(site)
        if last is not None:
            left = last + delay - self._clock()
            if left > 0:
                self._sleep(left)
        self._last[site] = self._clock()


def http_sites(urls: Iterable[str]):
    """The distinct http(s) sites of `urls`, sorted (other schemes have no robots.txt to read)."""
    return sorted({site_of(u) for u in urls if u.lower().startswith(("http://", "https://"))})


class RobotsOfSites(beam.PTransform):
    """PBegin -> (site, RobotsAnswer) for each distinct http(s) site of `urls`: one GET of its
    robots.txt per run, whatever stage and worker later asks about it (use as AsDict)."""

    def __init__(self, urls: Iterable[str], policy: FetchPolicy):
        super().__init__()
        self.sites, self.policy = http_sites(urls), policy

    def expand(self, p):
        policy = self.policy
        return (p
                | "Sites" >> beam.Create(self.sites)
                | "Reshuffle" >> beam.Reshuffle()
                | "Read" >> beam.Map(lambda site: (site, robots_answer(site, policy))))
