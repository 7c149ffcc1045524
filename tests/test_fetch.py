"""The safe HTTP client against real HTTP servers on loopback addresses (no mocked HTTP)."""
import gzip
import http.server
import socket
import time

import pytest

from conftest import LoopbackHandler, serve
from wirebeam.transforms.feeds.http import (FetchError, FetchPolicy, fetch, fetch_with_retries, refused_reason,
                                       retry_after)

PAGE = "<html><body><p>Die Fähre fährt wieder nach Fahrplan.</p></body></html>".encode("utf-8")

BOMB = gzip.compress(b"\0" * (64 << 20), 9)   # made once: compressing it per request took seconds on a busy machine


class Handler(LoopbackHandler, http.server.BaseHTTPRequestHandler):
    """Routes of a small test site; each server counts the requests it answered."""

    def do_GET(self):
        self.server.hits.append(self.path)
        self.server.user_agents.append(self.headers.get("User-Agent"))
        path = self.path
        if path == "/page":
            self.reply(200, PAGE, [("Content-Type", "text/html; charset=utf-8")])
        elif path == "/gzip":
            self.reply(200, gzip.compress(PAGE), [("Content-Encoding", "gzip")])
        elif path == "/bomb":  # 64 MiB of zeros, about 64 KiB on the wire
            self.reply(200, BOMB, [("Content-Encoding", "gzip")])
        elif path == "/endless":  # 200 MB streamed without a length
            self.send_response(200)
            self.end_headers()
            block = b"x" * 65536
            try:
                for _ in range(200 * 16):
                    self.wfile.write(block)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/silent":
            time.sleep(5)
        elif path.startswith("/loop"):
            self.reply(302, headers=[("Location", "/loop-b" if path == "/loop-a" else "/loop-a")])
        elif path.startswith("/hop"):
            n = int(path[4:])
            self.reply(302, headers=[("Location", f"/hop{n + 1}")])
        elif path == "/to-other":
            self.reply(302, headers=[("Location", f"http://127.0.0.2:{self.server.other_port}/page")])
        elif path == "/busy":
            self.reply(503 if len(self.server.hits) < 3 else 200, PAGE, [("Retry-After", "0")])
        else:
            self.reply(404, b"not here")


def _serve(address):
    server = serve(Handler, address)
    server.user_agents, server.other_port = [], None
    return server


@pytest.fixture(scope="module")
def servers():
    main, other = _serve("127.0.0.1"), _serve("127.0.0.2")
    main.other_port = other.server_address[1]
    yield main, other
    for server in (main, other):
        server.shutdown()
        server.server_close()


@pytest.fixture
def site(servers):
    for server in servers:
        server.hits.clear()
        server.user_agents.clear()
    return servers


def _url(server, path):
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


ALLOW = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), read_timeout=1.0, connect_timeout=1.0, deadline=10.0,
                    max_bytes=4 << 20, max_decoded_bytes=8 << 20)


def _failure(url, policy=ALLOW):
    """(reason, message, seconds) of a fetch that must fail."""
    started = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch(url, policy)
    return err.value.reason, str(err.value), time.monotonic() - started


def test_loopback_is_refused_by_default_before_any_connection(site):
    main, _ = site
    reason, message, _ = _failure(_url(main, "/page"), FetchPolicy())
    assert reason == "refused_address" and "--allow-host" in message
    assert main.hits == []


@pytest.mark.parametrize("address, why", [("10.1.2.3", "private"), ("192.168.0.1", "private"),
                                          ("169.254.169.254", "link-local"), ("::1", "loopback"),
                                          ("fe80::1", "link-local"), ("224.0.0.1", "multicast"),
                                          ("0.0.0.0", "unspecified"), ("::ffff:127.0.0.1", "loopback")])
def test_addresses_that_are_refused(address, why):
    assert refused_reason(address) == why
    assert refused_reason("93.184.215.14") is None


def test_allowed_host_is_fetched_with_an_honest_user_agent_and_gzip_decoded(site):
    main, _ = site
    response = fetch(_url(main, "/page"), ALLOW)
    assert (response.status, response.body) == (200, PAGE)
    assert fetch(_url(main, "/gzip"), ALLOW).body == PAGE
    assert main.user_agents[0].startswith("wirebeam/")


def test_404_is_a_failure_with_its_reason(site):
    main, _ = site
    assert _failure(_url(main, "/missing"))[0] == "http_404"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"])
def test_bad_schemes_are_failures_with_their_reason(url):
    assert _failure(url)[0] == "bad_scheme"


def test_a_200_mb_stream_stops_at_the_cap_quickly(site):
    main, _ = site
    reason, _, seconds = _failure(_url(main, "/endless"))
    assert reason == "too_large" and seconds < 5


def test_a_compression_bomb_stops_at_the_decoded_cap(site):
    main, _ = site
    assert _failure(_url(main, "/bomb"))[0] == "decompression_cap"


def test_a_server_that_never_answers_is_bounded_by_the_timeout(site):
    main, _ = site
    reason, _, seconds = _failure(_url(main, "/silent"))
    assert reason == "timeout" and seconds < 3


def test_redirect_loops_and_long_chains_end(site):
    main, _ = site
    assert _failure(_url(main, "/loop-a"))[0] == "redirect_loop"
    assert _failure(_url(main, "/hop0"))[0] == "too_many_redirects"
    assert len(main.hits) == 2 + ALLOW.max_redirects + 1


def test_a_redirect_to_a_loopback_address_not_allowed_is_refused_before_connecting(site):
    main, other = site
    reason, message, _ = _failure(_url(main, "/to-other"))
    assert reason == "refused_address" and "127.0.0.2" in message
    assert other.hits == []
    # allowed explicitly, the same redirect is followed
    both = FetchPolicy(allow_hosts=frozenset({"127.0.0.1", "127.0.0.2"}), read_timeout=1.0)
    assert fetch(_url(main, "/to-other"), both).body == PAGE and other.hits == ["/page"]


def test_503_is_retried_after_retry_after_and_the_wait_is_capped(site):
    main, _ = site
    waits = []
    response = fetch_with_retries(_url(main, "/busy"), ALLOW, retries=3, sleep=waits.append)
    assert response.status == 200 and waits == [0.0, 0.0]
    assert retry_after("120", 1.0, 30.0) == 30.0
    assert retry_after(None, 2.0, 30.0) == 2.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1.0, 30.0) == 0.0
    assert retry_after("soon", 1.5, 30.0) == 1.5


def test_a_name_that_does_not_resolve_is_a_dns_error():
    assert _failure("http://no-such-host.invalid/feed.xml")[0] == "dns_error"


def test_unused_port_is_a_connection_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert _failure(f"http://127.0.0.1:{port}/")[0] == "connection_error"
