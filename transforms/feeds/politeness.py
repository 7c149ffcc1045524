"""Being a polite client: robots.txt per host (read once per run) and a delay between requests
to the same host. Both live in one fetching DoFn instance, which sees one host's requests in
sequence (the pipeline groups pages by host before fetching), so they hold per host and run.
"""
import time
import urllib.robotparser
from typing import Callable, Dict
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


class Robots:
    """`allowed(url)`: may wirebeam fetch this URL? robots.txt is fetched once per site."""

    def __init__(self, policy: FetchPolicy, fetcher: Callable = fetch):
        self.policy, self._fetch = policy, fetcher
        self._rules: Dict[str, urllib.robotparser.RobotFileParser] = {}

    def _load(self, site: str) -> urllib.robotparser.RobotFileParser:
        try:
            response = self._fetch(site + "/robots.txt", self.policy)
            return robots_rules(response.status, response.body)
        except FetchError as exc:
            if exc.reason in ("refused_address", "bad_scheme", "dns_error"):
                raise  # the site itself may not be contacted: say so, not "robots disallow"
            if exc.reason.startswith("http_4"):
                return robots_rules(int(exc.reason[5:]), b"")
            rules = urllib.robotparser.RobotFileParser()
            rules.disallow_all = True  # unreachable or a server error: assume the site says no
            return rules

    def allowed(self, url: str) -> bool:
        site = site_of(url)
        if site not in self._rules:
            self._rules[site] = self._load(site)
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
