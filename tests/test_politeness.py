"""robots.txt per site and the per-host delay, against real servers on 127.0.0.1."""
import http.server

import pytest

from conftest import LoopbackHandler, serve
from wirebeam.transforms.feeds.http import FetchPolicy
from wirebeam.transforms.feeds.politeness import HostThrottle, Robots, robots_rules

ROBOTS = b"User-agent: *\nDisallow: /private\nCrawl-delay: 3\n"


def _server(robots_status):
    class Handler(LoopbackHandler, http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.server.hits.append(self.path)
            self.reply(robots_status if self.path == "/robots.txt" else 200,
                       ROBOTS if robots_status == 200 else b"no")
    return serve(Handler)


@pytest.fixture(scope="module")
def sites():
    servers = {status: _server(status) for status in (200, 404, 503)}
    yield {status: f"http://127.0.0.1:{s.server_address[1]}" for status, s in servers.items()}, servers
    for s in servers.values():
        s.shutdown()
        s.server_close()


POLICY = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), read_timeout=2.0)


def test_robots_disallow_is_honoured_and_read_once_per_site(sites):
    urls, servers = sites
    robots = Robots(POLICY)
    assert robots.allowed(urls[200] + "/news/1.html")
    assert not robots.allowed(urls[200] + "/private/memo.html")
    assert robots.allowed(urls[200] + "/news/2.html")
    assert servers[200].hits.count("/robots.txt") == 1
    assert robots.crawl_delay(urls[200] + "/news/1.html") == 3


def test_missing_robots_allows_all_and_a_failing_server_disallows_all(sites):
    urls, _ = sites
    robots = Robots(POLICY)
    assert robots.allowed(urls[404] + "/private/anything")
    assert not robots.allowed(urls[503] + "/news/1.html")
    assert robots_rules(403, b"").can_fetch("wirebeam", "https://x.example/a")


def test_throttle_spaces_requests_to_one_host_only():
    now = [100.0]
    waits = []

    def sleep(seconds):
        waits.append(round(seconds, 3))
        now[0] += seconds
    throttle = HostThrottle(1.0, clock=lambda: now[0], sleep=sleep)
    throttle.wait("https://a.example/1")
    throttle.wait("https://b.example/1")       # another host: no wait
    now[0] += 0.25
    throttle.wait("https://a.example/2")       # 0.75 s left of a's delay
    throttle.wait("https://a.example/3", 3.0)  # robots' Crawl-delay is longer: it wins
    assert waits == [0.75, 3.0]


def test_an_answer_read_once_serves_every_later_instance(sites):
    """What the run does: RobotsOfSites reads a site's robots.txt once; the feed and page stages'
    own Robots get that answer and never ask the site again."""
    from wirebeam.transforms.feeds.politeness import http_sites, robots_answer
    urls, servers = sites
    before = servers[200].hits.count("/robots.txt")
    assert http_sites([urls[200] + "/feed.xml", urls[200].upper() + "/b", "/local/feed.xml"]) == [urls[200]]
    answer = robots_answer(urls[200], POLICY)
    for _ in range(3):   # feed stage, page stage, another worker
        robots = Robots(POLICY, known={urls[200]: answer})
        assert robots.allowed(urls[200] + "/news/1.html") and not robots.allowed(urls[200] + "/private/x")
        assert robots.crawl_delay(urls[200] + "/news/1.html") == 3
    assert servers[200].hits.count("/robots.txt") == before + 1
