"""HTML -> main text and metadata: trafilatura, then a metadata-aware cleanup of what it leaves.

trafilatura runs in its `fast` mode (no fallback extractors, no comments): on the shared
extraction benchmark it is both the cheapest setting and, after the cleanup below, the most
accurate one we measured (`benchmarks/extraction_quality.py` prints the comparison).

The cleanup works on the lines trafilatura returns, using what the page's metadata tells:
* the headline repeated at the top of the text (often with " | Site" or a kicker) goes;
* the page-furniture rules of the plain-text scrapes (`scrape.furniture_rule`: newsletter and
  share prompts, widgets, photo credits and captions, stray ids) apply to every line, and
  timestamps only in the head, where datelines and "Stand: ..." lines stand; table rows and
  breadcrumb-shaped lines are left alone, as code and tables look like them;
* a tail of list items that are not prose or are shaped "Kicker: headline" (teasers of related
  articles) goes;
* paragraphs that are consent banners go.
The published date comes from the page's markup only (htmldate without its extensive search):
a page without a dated meta tag or time element lands in `date=unknown` instead of under a
date guessed from a copyright line, and the search costs 5 ms less per page.
Agency credit lines are handled afterwards for every input format (`scrape.credited_agencies`).
"""
import re
from typing import List, Optional
from urllib.parse import urlparse

import trafilatura
from trafilatura.settings import set_date_params

from wirebeam.transforms.dates import parse_published
from wirebeam.transforms.decode import decode_bytes
from wirebeam.transforms.scrape import furniture_rule, guess_language, is_credit_line, is_prose

MIN_WORDS = 20
MIN_CJK_CHARS = 60        # Chinese or Japanese text of ~20 words has no spaces to count them by
TITLE_SIMILARITY = 0.6    # share of the longer of (line, title) that the shorter one covers
_HEAD_LINES = 4           # where a repeated headline or a dateline may stand
# Rules of the scrape cleanup that also hold for trafilatura's output. "breadcrumb" and
# "timestamp" are left out on purpose: table rows ("| a | b |") and log or code lines match them.
_LINE_RULES = frozenset({"prompt", "widget", "photo_credit", "photo_caption", "stray_id", "social",
                         "reading_time"})
# A paragraph about cookies and consent is a banner, not an article, in any of these languages.
_CONSENT = re.compile(r"\b(cookies?|consent|einwilligung|datenschutz\w*|privacy|privatsph\u00e4re|"
                      r"tracking|zustimm\w*|personalisier\w*)\b", re.I)
_TOKENS = re.compile(r"\w+", re.UNICODE)
_TEASER = re.compile(r"^[^:!?]{2,60}:\s*\S.{0,200}$")  # "Kicker: headline of another article"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class ExtractionError(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _is_consent(paragraph: str) -> bool:
    """A short paragraph dense in consent words (a long text that mentions privacy twice is not)."""
    words = len(paragraph.split())
    return words <= 150 and len(_CONSENT.findall(paragraph)) >= max(2, words / 40)


def _enough_text(paragraphs: List[str]) -> bool:
    """At least MIN_WORDS words, or as many word characters for scripts written without spaces."""
    text = " ".join(paragraphs)
    return len(text.split()) >= MIN_WORDS or len(_CJK.findall(text)) >= MIN_CJK_CHARS


def _similar(line: str, title: Optional[str]) -> bool:
    """The line is the headline, or contains it, or is contained in it, nearly whole."""
    a = " ".join(_TOKENS.findall(line.casefold()))
    b = " ".join(_TOKENS.findall((title or "").casefold()))
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return shorter in longer and len(shorter) / len(longer) >= TITLE_SIMILARITY


def clean_main_text(text: str, title: Optional[str] = None) -> List[str]:
    """trafilatura's text -> the article's paragraphs (see the module docstring)."""
    lines = [" ".join(line.split()) for line in (text or "").split("\n")]
    lines = [line for line in lines if line]
    lang = guess_language(" ".join(lines[:20]))
    kept: List[str] = []
    for i, line in enumerate(lines):
        if _is_consent(line):
            continue
        if i < _HEAD_LINES and len(line.split()) <= 30 and _similar(line, title):
            continue
        if not line.startswith("|"):
            rule = furniture_rule(line, lang)
            if rule in _LINE_RULES or (rule == "timestamp" and len(kept) < _HEAD_LINES - 1):
                continue
        kept.append(line)
    return _without_teaser_tail(kept, lang)


def _without_teaser_tail(lines: List[str], lang: Optional[str]) -> List[str]:
    """Drop the list items at the end that are teasers of other articles: not prose, or shaped
    "- Kicker: headline". Credit lines among them stay, for `credited_agencies` to read."""
    drop = set()
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if is_credit_line(line):
            continue
        item = line[2:] if line.startswith("- ") else None
        if item is None or (is_prose(item, lang) and not _TEASER.match(item)):
            break
        drop.add(i)
    return [line for i, line in enumerate(lines) if i not in drop]


def extract_html(raw, url: Optional[str] = None) -> dict:
    html = decode_bytes(raw, html=True)[0] if isinstance(raw, bytes) else raw
    try:
        doc = trafilatura.bare_extraction(html, url=url, fast=True, include_comments=False, with_metadata=True,
                                          date_extraction_params=set_date_params(extensive=False))
    except RecursionError as exc:
        raise ExtractionError("too_deep", str(exc)) from exc
    except Exception as exc:
        raise ExtractionError("parse_error", f"{type(exc).__name__}: {exc}") from exc
    if doc is None:
        raise ExtractionError("no_main_text")
    get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
    text = (get("text") or "").strip()
    if not _enough_text([text]):
        raise ExtractionError("no_main_text", f"{len(text.split())} words of main text")
    title = get("title")
    paragraphs = clean_main_text(text, title)
    if not _enough_text(paragraphs):
        raise ExtractionError("no_main_text", "only navigation, consent or too little text")
    date = get("date")
    authors = [a.strip() for a in (get("author") or "").split(";") if a.strip()]
    page_url = get("url") or url
    site = get("sitename") or (urlparse(page_url).hostname if page_url else None)
    return {"title": title, "authors": authors, "site": site, "url": page_url,
            "published": date if parse_published(date) else None,
            "text": "\n\n".join(paragraphs), "language_hint": get("language")}
