"""A bounded, SSRF-safe HTTP client for feeds, pages and robots.txt (standard library only).

Every limit is enforced here rather than left to a library default:
* only http and https; TLS certificates and host names are verified;
* every address a host name resolves to is checked *before* connecting: private, loopback,
  link-local (169.254/16, fe80::/10), multicast, unspecified and reserved addresses are refused
  unless the host or address is explicitly allowed (`allow_hosts`, e.g. 127.0.0.1 in tests);
  the connection then goes to the checked address itself, so a second DNS answer cannot swap
  in another one (DNS rebinding);
* redirects are followed by hand, each hop checked the same way, at most `max_redirects` of
  them, and a loop is reported as such;
* connect and read timeouts, and one deadline for the whole fetch;
* the body is streamed and reading stops at `max_bytes`; gzip and deflate content encodings
  are decoded here, with a cap on the decoded size (a compression bomb stops early).
Failures raise `FetchError` with a short machine reason (`refused_address`, `timeout`,
`too_large`, ...), which the pipeline turns into a failure record.
"""
import dataclasses
import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple
from urllib.parse import urljoin, urlsplit

from wirebeam import __version__

MiB = 1024 * 1024
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class FetchError(Exception):
    def __init__(self, reason: str, detail: str = "", headers: Optional[Dict[str, str]] = None):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.headers = headers or {}


@dataclasses.dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0                 # seconds for the whole fetch, redirects included
    max_bytes: int = 8 * MiB               # body as sent on the wire
    max_decoded_bytes: int = 32 * MiB      # body after gzip/deflate decoding
    max_redirects: int = 5
    allow_hosts: FrozenSet[str] = frozenset()  # host names or addresses exempt from the address check
    user_agent: str = f"wirebeam/{__version__} (news ingestion; +https://example.invalid/wirebeam)"

    @classmethod
    def from_options(cls, opts) -> "FetchPolicy":
        """The policy of a run's --fetch-timeout, --max-fetch-bytes, --allow-host and --contact."""
        timeout = opts.fetch_timeout
        return cls(connect_timeout=timeout, read_timeout=timeout, deadline=3 * timeout,
                   max_bytes=opts.max_fetch_bytes, max_decoded_bytes=4 * opts.max_fetch_bytes,
                   allow_hosts=frozenset(opts.allow_host or ()), user_agent=user_agent(opts.contact))


@dataclasses.dataclass
class Response:
    url: str                     # the final URL, after redirects
    status: int
    headers: Dict[str, str]      # lower-cased names
    body: bytes                  # decoded (gzip/deflate removed)


def user_agent(contact: Optional[str] = None) -> str:
    """The honest User-Agent: product, version, and how to reach whoever runs it."""
    return f"wirebeam/{__version__} (news ingestion{'; ' + contact if contact else ''})"


def refused_reason(address: str) -> Optional[str]:
    """Why an address must not be contacted (None when it may be)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for name in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    return None


def resolve(host: str, port: int, allow_hosts: Iterable[str] = ()) -> List[str]:
    """All addresses of `host`, each checked; raises FetchError when any of them is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError("dns_error", f"{host}: {exc}") from exc
    addresses = sorted({info[4][0] for info in infos})
    allowed = set(allow_hosts)
    if host in allowed:
        return addresses
    for address in addresses:
        why = refused_reason(address)
        if why and address not in allowed:
            raise FetchError("refused_address",
                             f"{host} resolves to {address}, a {why} address (allow it explicitly with --allow-host)")
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand, whatever the host name resolves to now."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _remaining(started: float, policy: FetchPolicy) -> float:
    left = policy.deadline - (time.monotonic() - started)
    if left <= 0:
        raise FetchError("timeout", f"no complete answer within {policy.deadline:g} s")
    return left


def _decoder(encoding: str):
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    return None


def _read_body(response, policy: FetchPolicy, started: float, sock_timeout) -> bytes:
    """Stream the body with both caps; decode gzip/deflate as it arrives."""
    decoder = _decoder((response.getheader("Content-Encoding") or "").strip().lower())
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise FetchError("too_large", f"Content-Length {declared} is over the cap of {policy.max_bytes} bytes")
    wire, out = 0, []
    size = 0
    while True:
        sock_timeout(min(policy.read_timeout, _remaining(started, policy)))
        try:
            chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
        except (socket.timeout, TimeoutError) as exc:
            raise FetchError("timeout", f"no data for {policy.read_timeout:g} s") from exc
        if not chunk:
            break
        wire += len(chunk)
        if wire > policy.max_bytes:
            raise FetchError("too_large", f"body over the cap of {policy.max_bytes} bytes")
        if decoder is not None:
            try:
                chunk = decoder.decompress(chunk, policy.max_decoded_bytes - size + 1)
            except zlib.error as exc:
                raise FetchError("bad_encoding", str(exc)) from exc
            if decoder.unconsumed_tail:
                raise FetchError("decompression_cap", f"decoded body over {policy.max_decoded_bytes} bytes")
        size += len(chunk)
        if size > policy.max_decoded_bytes:
            raise FetchError("decompression_cap", f"decoded body over {policy.max_decoded_bytes} bytes")
        out.append(chunk)
    return b"".join(out)


def _one_request(url: str, policy: FetchPolicy, headers: Dict[str, str], started: float):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("bad_scheme", f"only http and https are fetched, not {parts.scheme or 'no scheme'}: {url}")
    if not parts.hostname:
        raise FetchError("bad_url", url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve(parts.hostname, port, policy.allow_hosts)[0]
    cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    conn = cls(parts.hostname, port, address, timeout=min(policy.connect_timeout, _remaining(started, policy)))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", target, headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate",
                                             "Connection": "close", **headers})
        sock = conn.sock  # the response takes the socket over; keep it to set each read's timeout
        sock.settimeout(min(policy.read_timeout, _remaining(started, policy)))
        response = conn.getresponse()
        head = {k.lower(): v for k, v in response.getheaders()}
        if response.status in REDIRECTS:
            return response.status, head, b""
        body = _read_body(response, policy, started, sock.settimeout)
        return response.status, head, body
    except (socket.timeout, TimeoutError) as exc:
        raise FetchError("timeout", f"{url}: {exc or 'timed out'}") from exc
    except ssl.SSLError as exc:
        raise FetchError("tls_error", f"{url}: {exc}") from exc
    except (ConnectionError, OSError, http.client.HTTPException) as exc:
        if isinstance(exc, FetchError):
            raise
        raise FetchError("connection_error", f"{url}: {type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()


def fetch(url: str, policy: FetchPolicy = FetchPolicy(), headers: Optional[Dict[str, str]] = None) -> Response:
    """GET `url` within the policy's limits, following redirects by hand. 304 and every 2xx come
    back as a Response; other statuses raise FetchError("http_<status>")."""
    started = time.monotonic()
    seen = [url]
    while True:
        status, head, body = _one_request(url, policy, headers or {}, started)
        if status not in REDIRECTS:
            break
        location = head.get("location")
        if not location:
            raise FetchError("bad_redirect", f"{status} without a Location header at {url}")
        url = urljoin(url, location)
        if url in seen:
            raise FetchError("redirect_loop", " -> ".join(seen + [url]))
        if len(seen) > policy.max_redirects:
            raise FetchError("too_many_redirects", f"more than {policy.max_redirects} redirects from {seen[0]}")
        seen.append(url)
    if status != 304 and not 200 <= status < 300:
        raise FetchError(f"http_{status}", url, head)
    return Response(url=url, status=status, headers=head, body=body)


def fetch_with_retries(url: str, policy: FetchPolicy = FetchPolicy(), headers: Optional[Dict[str, str]] = None,
                       retries: int = 2, backoff: float = 1.0, max_wait: float = 30.0, sleep=time.sleep) -> Response:
    """`fetch`, retried on 429 and 5xx after Retry-After (or exponential backoff), each wait
    capped at `max_wait` seconds; other failures are final at once."""
    for attempt in range(retries + 1):
        try:
            return fetch(url, policy, headers)
        except FetchError as exc:
            status = exc.reason[5:] if exc.reason.startswith("http_") else ""
            if attempt == retries or not (status == "429" or status.startswith("5")):
                raise
            sleep(retry_after(exc.headers.get("retry-after"), backoff * 2 ** attempt, max_wait))
    raise AssertionError("unreachable")


def retry_after(value: Optional[str], default: float, cap: float) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), within [0, cap]."""
    if not value:
        return min(default, cap)
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        from email.utils import parsedate_to_datetime
        moment = parsedate_to_datetime(value)
        return max(0.0, min(moment.timestamp() - time.time(), cap))
    except (TypeError, ValueError):
        return min(default, cap)
