"""HTML -> main text and metadata with trafilatura (precision-leaning, no comments)."""
import re
from typing import Optional
from urllib.parse import urlparse

import trafilatura

from wirebeam.transforms.dates import parse_published
from wirebeam.transforms.decode import decode_bytes

MIN_WORDS = 20
# A paragraph about cookies and consent is a banner, not an article, in any of these languages.
_CONSENT = re.compile(r"\b(cookies?|consent|einwilligung|datenschutz\w*|privacy|privatsph\u00e4re|"
                      r"tracking|zustimm\w*|personalisier\w*)\b", re.I)


def _is_consent(paragraph: str) -> bool:
    return len(_CONSENT.findall(paragraph)) >= 2


class ExtractionError(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def extract_html(raw, url: Optional[str] = None) -> dict:
    html = decode_bytes(raw, html=True)[0] if isinstance(raw, bytes) else raw
    try:
        doc = trafilatura.bare_extraction(html, url=url, include_comments=False, favor_precision=True,
                                          with_metadata=True)
    except RecursionError as exc:
        raise ExtractionError("too_deep", str(exc)) from exc
    except Exception as exc:
        raise ExtractionError("parse_error", f"{type(exc).__name__}: {exc}") from exc
    if doc is None:
        raise ExtractionError("no_main_text")
    get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
    text = (get("text") or "").strip()
    if len(text.split()) < MIN_WORDS:
        raise ExtractionError("no_main_text", f"{len(text.split())} words of main text")
    paragraphs = [line.strip() for line in text.split("\n") if line.strip() and not _is_consent(line)]
    if sum(len(p.split()) for p in paragraphs) < MIN_WORDS:
        raise ExtractionError("no_main_text", "only navigation, consent or too little text")
    title = get("title")
    if paragraphs and title and paragraphs[0] == title.strip():
        paragraphs = paragraphs[1:]
    date = get("date")
    authors = [a.strip() for a in (get("author") or "").split(";") if a.strip()]
    page_url = get("url") or url
    site = get("sitename") or (urlparse(page_url).hostname if page_url else None)
    return {"title": title, "authors": authors, "site": site, "url": page_url,
            "published": date if parse_published(date) else None,
            "text": "\n\n".join(paragraphs), "language_hint": get("language")}
