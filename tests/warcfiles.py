"""WARC files for the tests, written by hand (a record is text headers, a blank line, a body and
two CRLFs), and the HTML pages they hold (written for these tests)."""
import gzip
import hashlib

GERMAN_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>Neue Fähre verbindet Inseln im Wattenmeer</title>
<meta property="article:published_time" content="2025-03-14T08:15:00+01:00">
<link rel="canonical" href="https://nachrichten.example.de/kueste/neue-faehre">
</head><body>
<nav><a href="/">Startseite</a> <a href="/kueste">Küste</a></nav>
<article>
<h1>Neue Fähre verbindet Inseln im Wattenmeer</h1>
<p>Eine neue Fähre soll von diesem Sommer an drei Inseln im Wattenmeer miteinander verbinden. Das Schiff
fährt mit Strom aus Batterien, die im Hafen über Nacht geladen werden, teilte die Reederei am Freitag mit.</p>
<p>Bislang mussten Fahrgäste zwischen den Inseln den Umweg über das Festland nehmen. Die Fahrt dauerte
dadurch oft mehr als drei Stunden, mit der neuen Verbindung soll sie in weniger als einer Stunde möglich sein.</p>
<p>Die Gemeinden der Inseln hatten die Verbindung seit Jahren gefordert. Im ersten Jahr sollen täglich vier
Fahrten angeboten werden, im Winter zwei, wenn das Wetter es zulässt.</p>
</article>
<footer>Impressum · Datenschutz</footer>
</body></html>
"""

ENGLISH_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Town library opens its doors on Sundays</title>
</head><body>
<header><a href="/">Home</a> <a href="/local">Local</a></header>
<article>
<h1>Town library opens its doors on Sundays</h1>
<p>The town library will open on Sundays from next month, the council said on Tuesday. Volunteers from the
reading club offered to staff the front desk so that the library can stay open from ten until four.</p>
<p>Families had asked for weekend hours for a long time, the head librarian said. Many parents work during
the week and cannot bring their children to the story hour that takes place on Wednesday afternoons.</p>
<p>The council will review the new hours after six months and decide whether to keep them for the winter.</p>
</article>
<footer>Contact us · Privacy</footer>
</body></html>
"""

WEATHER_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Storm closes coastal road overnight</title></head><body>
<article><h1>Storm closes coastal road overnight</h1>
<p>Strong winds closed the coastal road between the harbour and the lighthouse overnight, the police said on
Saturday morning. Fallen branches blocked both lanes near the old mill, and crews worked until dawn to clear them.</p>
<p>The road reopened at seven, but drivers were asked to expect delays while the repairs to the sea wall go on.</p>
</article></body></html>
"""


def http_response(body: bytes, status: str = "200 OK", content_type="text/html; charset=utf-8",
                  extra=()) -> bytes:
    lines = [f"HTTP/1.1 {status}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines += [f"{k}: {v}" for k, v in extra]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def record(kind: str, block: bytes, uri=None, date="2025-03-15T06:00:00Z", content_type=None,
           length=None, extra=()) -> bytes:
    """One WARC/1.1 record; `length` overrides Content-Length (to write a broken one)."""
    rid = hashlib.sha1(kind.encode() + (uri or "").encode() + block[:200]).hexdigest()
    headers = [("WARC-Type", kind), ("WARC-Record-ID", f"<urn:uuid:{rid[:8]}-{rid[8:12]}-{rid[12:16]}-{rid[16:20]}-{rid[20:32]}>"),
               ("WARC-Date", date)]
    if uri:
        headers.append(("WARC-Target-URI", uri))
    if content_type is None:
        content_type = {"response": "application/http; msgtype=response", "request": "application/http; msgtype=request",
                        "revisit": "application/http; msgtype=response",
                        "warcinfo": "application/warc-fields"}.get(kind, "application/octet-stream")
    headers += list(extra)
    headers += [("Content-Type", content_type), ("Content-Length", str(len(block) if length is None else length))]
    head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode("utf-8") + block + b"\r\n\r\n"


def response(uri: str, body: bytes, date="2025-03-15T06:00:00Z", **http) -> bytes:
    return record("response", http_response(body, **http), uri=uri, date=date)


def request(uri: str, date="2025-03-15T06:00:00Z") -> bytes:
    host = uri.split("/")[2]
    block = f"GET /{uri.split('/', 3)[-1]} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: test\r\n\r\n".encode()
    return record("request", block, uri=uri, date=date)


def warcinfo() -> bytes:
    return record("warcinfo", b"software: wirebeam tests\r\nformat: WARC File Format 1.1\r\n")


def write_warc(path, records, gzip_per_record: bool = False):
    """Write the records; returns each record's byte offset in the file."""
    offsets, data = [], bytearray()
    for rec in records:
        offsets.append(len(data))
        data += gzip.compress(rec, mtime=0) if gzip_per_record else rec
    path.write_bytes(bytes(data))
    return offsets
