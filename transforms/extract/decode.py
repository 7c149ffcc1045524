"""Bytes -> text: BOM, then strict UTF-8, then mostly-valid UTF-8 (a few damaged bytes become U+FFFD),
then a declared charset (the HTTP Content-Type's, when the
bytes came with one, then the HTML meta charset), then detection, then cp1252.

Strict UTF-8 goes before the declared charset: pages that are UTF-8 but declare iso-8859-1 are
common (a template's old meta tag), while text in a single-byte encoding almost never happens
to form valid UTF-8 sequences, so a successful strict decode is the stronger evidence.
"""
import codecs
import re
from typing import Optional, Tuple

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Mostly-valid UTF-8 (`mostly_utf8`). A German or Polish UTF-8 page has 1-3 % non-ASCII letters,
# each a valid sequence; the same text in cp1252/iso-8859-2 has each of them as an invalid byte and
# forms a valid sequence only by chance (a byte 0xC2-0xF4 right before one of 0x80-0xBF).
VALID_PER_INVALID = 10
BYTES_PER_INVALID = 1000   # a page declared UTF-8: the pages had 1-4 bad bytes in 100 KB
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)


def _utf16_without_bom(raw: bytes):
    """UTF-16 text without a BOM has NULs in every other byte (for Latin scripts)."""
    sample = raw[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def looks_binary(raw: bytes) -> bool:
    """True for bytes that are no text in any encoding we read (images, archives, random junk)."""
    if not raw:
        return False
    if any(raw.startswith(b) for b, _ in _BOMS) or _utf16_without_bom(raw):
        return False
    sample = raw[:8192]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > 0.02 * len(sample)


def _decode_declared(raw: bytes, declared: Optional[str]):
    """(text, encoding) in a declared charset, or None when it is unknown or does not fit the bytes."""
    if not declared:
        return None
    try:
        return raw.decode(declared).replace("\x00", ""), declared
    except (LookupError, UnicodeDecodeError):
        return None


def _meta_charset(raw: bytes) -> Optional[str]:
    m = _META.search(raw[:16384])
    return m.group(1).decode("ascii", "ignore").lower() if m else None


def _is_utf8_name(name: Optional[str]) -> bool:
    return (name or "").replace("_", "-") in ("utf-8", "utf8")


def mostly_utf8(raw: bytes, declared_utf8: bool = False) -> Optional[str]:
    """`raw` decoded as UTF-8 with U+FFFD for its invalid bytes when it is UTF-8 with a few stray
    bytes, else None. A page in a single-byte codec has an invalid byte for nearly every non-ASCII
    letter and almost no valid multi-byte sequences; a UTF-8 page with a few damaged bytes (a
    truncated snippet, a pasted cp1252 quote) has many valid sequences and few invalid ones.
    Decoding such a page whole with a guessed legacy codec garbles every letter ("fĂĽr"); decoding
    it as UTF-8 costs only the damaged bytes. Mostly valid: valid multi-byte characters outnumber
    invalid sequences VALID_PER_INVALID to one, or the page declares UTF-8 and has at most one
    invalid sequence in BYTES_PER_INVALID bytes."""
    text = raw.decode("utf-8", "replace")
    invalid = text.count("\ufffd") - raw.count(b"\xef\xbf\xbd")   # U+FFFD the bytes held themselves
    if invalid <= 0:
        return text
    valid = sum(1 for ch in text if ord(ch) > 0x7F) - invalid - raw.count(b"\xef\xbf\xbd")
    if valid >= VALID_PER_INVALID * invalid:
        return text
    if declared_utf8 and invalid * BYTES_PER_INVALID <= len(raw):
        return text
    return None


def decode_bytes(raw: bytes, *, html: bool = False, charset: Optional[str] = None) -> Tuple[str, str]:
    """-> (text, encoding). Never raises. `charset`: what the transport declared (HTTP Content-Type);
    like the meta charset it is taken only when the bytes are not valid UTF-8, and before it."""
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(enc, "replace").replace("\x00", ""), enc
    utf16 = _utf16_without_bom(raw)
    if utf16:
        return raw.decode(utf16, "replace").replace("\x00", ""), utf16
    try:
        return raw.decode("utf-8").replace("\x00", ""), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = (charset or "").strip().lower()
    meta = _meta_charset(raw) if html else None
    text = mostly_utf8(raw, declared_utf8=any(_is_utf8_name(name) for name in (declared, meta)))
    if text is not None:
        return text.replace("\x00", ""), "utf-8"
    decoded = _decode_declared(raw, declared)
    if decoded:
        return decoded
    if meta:
        decoded = _decode_declared(raw, meta)
        if decoded:
            return decoded
    try:
        from charset_normalizer import from_bytes
        best = from_bytes(raw[:65536]).best()
        if best is not None and best.encoding not in ("utf_8",):
            enc = best.encoding
            # latin-1 and cp1252 agree on letters; cp1252 also has „ “ – € where latin-1 has C1 controls
            if enc in ("latin_1", "iso8859_1", "iso8859_15"):
                enc = "cp1252"
            return raw.decode(enc, "replace").replace("\x00", ""), enc
    except Exception:
        pass
    return raw.decode("cp1252", "replace").replace("\x00", ""), "cp1252"
