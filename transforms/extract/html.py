"""HTML -> main text and metadata: trafilatura, then a metadata-aware cleanup of what it leaves.

trafilatura runs in its `fast` mode (no fallback extractors, no comments) and without its metadata
pass (the few fields kept from it: `trafilatura_fields`): on the shared
extraction benchmark it is both the cheapest setting and, after the cleanup below, the most
accurate one we measured (`benchmarks/extraction_quality.py` prints the comparison).

The cleanup works on the lines trafilatura returns, using what the page's metadata tells:
* the headline repeated at the top of the text (often with " | Site" or a kicker) goes, whether it
  is worded as the metadata title or as the page's h1;
* the page-furniture rules of the plain-text scrapes (`scrape.furniture_rule`: newsletter and
  share prompts, widgets, photo credits and captions, stray ids) apply to every line, and
  timestamps only in the head, where datelines and "Stand: ..." lines stand; table rows and
  breadcrumb-shaped lines are left alone, as code and tables look like them;
* a tail of list items that are not prose or are shaped "Kicker: headline" (teasers of related
  articles) goes, so does everything after a "related content" heading ("You Might Also Like",
  "Mehr zum Thema") in the second half of the text, and so do the numbered captions of a
  picture gallery ("3/50 ...");
* short paragraphs that are consent banners (cookie or consent words *and* a request to click,
  accept or change settings) go; an article that discusses privacy keeps its paragraphs.
When trafilatura's text is short (under 120 words) and trafilatura's own `baseline()` finds ten
times as much text on the page, the baseline's text is taken instead: trafilatura has then kept one
block of a page whose content is many similar blocks (a front page of teasers, where it takes the
first `<article>`), or a few paragraphs of a long article. The baseline runs on those short pages
only (105 of the 1368 pages of the shared benchmark), 0.5 ms a page on average.
Before trafilatura runs, the lead paragraph is looked up: news pages repeat their teaser
(German "Vorspann") in the meta description, and trafilatura often skips the element that
shows it. When the visible element whose text matches the description is prose of two or more
sentences and the main text lacks it, it becomes the first paragraph. One-sentence deks are left
out like the headline they stand under.
Subheadings (h2-h6) are looked up too: a page without a recognisable main container makes
trafilatura collect its paragraphs one by one and leave the headings between them out; a
subheading directly above a paragraph the text has is put back before it, and so is a list of
sentences after the paragraph ending in a colon that introduces it. Then layout tables
(one or two rows whose cells hold paragraphs, lists or tables: columns of a page, not data)
become divs, so that trafilatura reads their blocks one by one.
Title, authors and the publication time come from `metadata` (read from the page before
trafilatura prunes it): the headline with the site's name taken off, people as authors and
agencies apart, the stated publication time with its offset. htmldate (without its extensive
search) gives the day when the page states no time: a page without a dated meta tag or time
element lands in `date=unknown` instead of under a date guessed from a copyright line.
Agency credit lines are handled afterwards for every input format (`scrape.credited_agencies`).
"""
import re
from typing import List, Optional
from urllib.parse import urlparse

import trafilatura
from lxml import etree
from trafilatura import baseline
from trafilatura.settings import set_date_params
from trafilatura.utils import load_html

from wirebeam.transforms.dates import parse_published
from wirebeam.transforms.extract.decode import decode_bytes
from wirebeam.transforms.extract.agencies import is_credit_line
from wirebeam.transforms.extract.furniture import furniture_rule
from wirebeam.transforms.extract import metadata
from wirebeam.transforms.extract.prose import guess_language, is_prose, split_sentences
from wirebeam.transforms.extract.trafilatura_fields import author_guess, htmldate_day, trafilatura_fields

MIN_WORDS = 20
MIN_CJK_CHARS = 60        # Chinese or Japanese text of ~20 words has no spaces to count them by
TITLE_SIMILARITY = 0.6    # share of the longer of (line, title) that the shorter one covers
_HEAD_LINES = 4           # where a repeated headline or a dateline may stand
# Rules of the scrape cleanup that also hold for trafilatura's output. "breadcrumb" and
# "timestamp" are left out on purpose: table rows ("| a | b |") and log or code lines match them.
_LINE_RULES = frozenset({"prompt", "widget", "photo_credit", "photo_caption", "stray_id", "social",
                         "reading_time"})
# A consent banner names cookies or consent and asks the reader to act on it.
_CONSENT_TOPIC = re.compile(r"\b(?:cookies?|consent|einwilligung\w*|tracking)\b", re.I)
_CONSENT_WORDS = re.compile(
    r"\b(?:cookies?|consent|einwilligung\w*|tracking|datenschutz\w*|privacy|personalisier\w*|datennutzung\w*|"
    r"buttons?|schaltfl\u00e4che\w*|klick\w*|click\w*|accept\w*|akzeptier\w*|zulassen|allow|agree|"
    r"einverstanden|zustimm\w*|stimmst|settings|einstellungen|manage|verwalten|opt[- ]?out|widerruf\w*|"
    r"continu\w* (?:to )?(?:use|usage|brows\w*)|by using|weitere\w* nutzung)\b", re.I)
_CONSENT_MAX_WORDS = 80
_CONSENT_MIN_CUES = 3      # banner words a consent paragraph needs at least ...
_CONSENT_CUE_SHARE = 15    # ... and one for every 15 of its words
_CONSENT_REACH = 2         # lines on either side of a banner that may be its buttons
_BUTTON_WORDS = 6          # words; a banner's button or heading ("Alle zulassen") is no longer
_SHORT_TEXT = 120          # words; a main text this short may be one block of a longer page
_FALLBACK_RATIO = 10       # ... and is replaced by the baseline's text when that is 10x as long
_SHORT_LINE = 12         # words; a line this short is a heading or a button, not a paragraph
_LEAD_MAX_WORDS = 70      # a longer "description" is a site blurb, not the article's lead
_LEAD_MIN_SENTENCES = 2   # a one-sentence dek is a subheadline, left out like the headline
# <meta> tags (name, property) in the <head> that hold the page's description
_DESCRIPTION = (frozenset({"description", "og:description", "twitter:description"}), frozenset({"og:description"}))
_BLOCKS = frozenset({"p", "div", "h2", "h3", "h4", "h5", "h6", "li", "header", "section", "blockquote",
                     "td", "summary", "article"})
_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title", "meta"})
_SUBHEADINGS = ("h2", "h3", "h4", "h5", "h6")
_LAYOUT_ROWS = 2          # a table this short whose cells hold blocks lays out the page, it holds no data
_LAYOUT_BLOCKS = frozenset({"p", "div", "table", "ul", "ol", "dl", "blockquote", "pre", "h1", *_SUBHEADINGS})
_TABLE_PARTS = ("tbody", "thead", "tfoot", "tr", "td", "th")
_OPENING = 60             # characters of a paragraph that identify it in the main text
_OPENING_MIN_WORDS = 8     # a paragraph shorter than this is no anchor for a dropped block
_NGRAM = 3                 # word n-grams that compare a lead or description with the text
_LEAD_MIN_WORDS = 8        # a shorter description is a tagline, not the lead
_LEAD_MATCH_WORDS = 5      # words of a description that find where it stands in the page
_LEAD_COVERED = 0.8        # share of the description's n-grams the found block must hold
_LEAD_SLACK_WORDS = 10     # ... and the block is at most twice the description and this many words more
_LEAD_KNOWN = 0.5          # a lead whose n-grams the text holds this much is in it already
_HEADLINE_MAX_WORDS = 30   # a repeated headline at the top is no longer than this
_RELATED_HEADING_WORDS = 8  # words of a "related content" heading
_GALLERY_MIN = 3           # numbered captions "k/N ..." that make a picture gallery
_GALLERY = re.compile(r"^(?:- )?(\d{1,3})\s*/\s*(\d{1,3})\s+\S")  # "- 3/50 Caption of picture three"
# Headings of a "related content" box: where they stand in the second half of the text, the
# article has ended and what follows are teasers of other pages. Headings that also stand inside
# articles as link boxes ("Mehr zum Thema", "Lesen Sie auch") are widget lines of their own
# (`scrape.furniture_rule`) and are removed alone before this cut looks, so they never end a text.
_RELATED = re.compile(
    r"^(?:[-\u2022*]\s*)?(?:you (?:might|may) also like|related(?: (?:articles?|stories|videos?|posts?|content|"
    r"coverage|reading|links))?|recommended(?: (?:for you|stories|articles|reading))?|"
    r"more (?:from|stories|news|articles|videos)\b.*|other .{0,30}columns|"
    r"featured (?:slide ?shows|videos|stories|articles)|most (?:read|popular|viewed|shared)|"
    r"trending(?: now| stories)?|latest (?:news|stories|articles)|what to read next|read next|"
    r"das k\u00f6nnte sie auch interessieren|weitere (?:artikel|nachrichten|meldungen|beitr\u00e4ge|themen)|"
    r"\u00e4hnliche (?:artikel|beitr\u00e4ge|themen)|empfohlene artikel|beitr\u00e4ge aus dem forum|weiterf\u00fchrende links|"
    r"meistgelesene?(?: artikel)?|am meisten gelesen|top-?themen|neueste artikel|dazu passend|mehr aus .{2,40})\s*:?$", re.I)
_TOKENS = re.compile(r"\w+", re.UNICODE)
_TEASER = re.compile(r"^[^:!?]{2,60}:\s*\S.{0,200}$")  # "Kicker: headline of another article"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class ExtractionError(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _consent_banners(lines: List[str]) -> set:
    """Indexes of consent banners: short paragraphs about cookies or consent, dense in banner
    words ("accept", "settings", "Button"), that stand apart (a paragraph of an article about
    privacy is longer, or has a neighbouring paragraph on the same topic), with the short lines
    of the banner around them ("Verwendung von Cookies", "Alle zulassen")."""
    sizes = [len(line.split()) for line in lines]
    topical = [bool(_CONSENT_TOPIC.search(line)) for line in lines]
    on_topic = [t and n > _SHORT_LINE for t, n in zip(topical, sizes)]
    cores = [i for i, line in enumerate(lines)
             if topical[i] and sizes[i] <= _CONSENT_MAX_WORDS
             and len(_CONSENT_WORDS.findall(line)) >= max(_CONSENT_MIN_CUES, sizes[i] / _CONSENT_CUE_SHARE)
             and not (i > 0 and on_topic[i - 1]) and not (i + 1 < len(lines) and on_topic[i + 1])]
    banners = set(cores)
    for i in cores:
        for j in range(max(0, i - _CONSENT_REACH), min(len(lines), i + _CONSENT_REACH + 1)):
            if sizes[j] <= _BUTTON_WORDS and _CONSENT_WORDS.search(lines[j]):
                banners.add(j)
    return banners


def _tokens(text: str) -> List[str]:
    return _TOKENS.findall((text or "").casefold())


def _covered(part: str, text_tokens: List[str], n: int = _NGRAM) -> float:
    """Share of `part`'s word n-grams that occur in the text (1.0 for a part too short to tell)."""
    tokens = _tokens(part)
    grams = {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}
    if not grams:
        return 1.0
    have = {tuple(text_tokens[i:i + n]) for i in range(len(text_tokens) - n + 1)}
    return len(grams & have) / len(grams)


def _body(tree):
    """The page's <body> element, or None."""
    return tree.find(".//body") if tree is not None else None


def _element_text(element) -> str:
    """An element's visible text with its whitespace runs folded to single spaces."""
    return " ".join(element.text_content().split())


def _descriptions(tree) -> List[str]:
    """The content of the page's description tags in its <head>, in page order (as the query
    "//head/meta[@name="description" or ...]/@content" finds them, in a third of the time)."""
    names, properties = _DESCRIPTION
    return [m.get("content") for m in tree.getroottree().iter("meta")
            if (m.get("name") in names or m.get("property") in properties) and m.get("content") is not None
            and (parent := m.getparent()) is not None and parent.tag == "head"]


def find_lead(tree) -> Optional[str]:
    """The visible text of the page element that shows the meta description: the article's lead.

    Looks for the description's first five words in the body's text nodes and climbs to the
    enclosing block element; that block must cover the description and not be much longer.
    """
    descriptions = [d for d in dict.fromkeys(" ".join(d.split()) for d in _descriptions(tree))
                    if len(_tokens(d)) >= _LEAD_MIN_WORDS]
    body = _body(tree) if descriptions else None
    if body is None:
        return None
    for description in descriptions:
        words = _tokens(description)
        key, first = " ".join(words[:_LEAD_MATCH_WORDS]), words[0]
        for element in body.iter(etree.Element):  # elements only: no comments or processing instructions
            if element.tag in _SKIP:
                continue
            for text, is_tail in ((element.text, False), (element.tail, True)):
                if not text or first not in text.casefold() or key not in " ".join(_tokens(text)):
                    continue
                owner = element.getparent() if is_tail else element  # the parent only when needed: a
                # look-up for every element of the page was a third of this search (cProfile)
                while owner is not None and owner.tag not in _BLOCKS:
                    owner = owner.getparent()
                if owner is None:
                    return None
                lead = _element_text(owner)
                if len(_tokens(lead)) > 2 * len(words) + _LEAD_SLACK_WORDS or _covered(description, _tokens(lead)) < _LEAD_COVERED:
                    return None
                return lead
    return None


def with_lead(paragraphs: List[str], lead: Optional[str], lang: Optional[str]) -> List[str]:
    """Put the lead first when it is prose of two or more sentences the text does not have yet."""
    if (not lead or len(lead.split()) > _LEAD_MAX_WORDS or len(split_sentences(lead)) < _LEAD_MIN_SENTENCES
            or not is_prose(lead, lang)):
        return paragraphs
    if _covered(lead, _tokens(" ".join(paragraphs))) >= _LEAD_KNOWN:
        return paragraphs
    return [lead, *paragraphs]


def find_headline(tree) -> Optional[str]:
    """The text of the page's first h1: the headline as shown, which the metadata title that
    trafilatura reports often words otherwise (og:title is written for sharing)."""
    h1 = tree.find(".//body//h1") if tree is not None else None
    return (_element_text(h1) or None) if h1 is not None else None


def _paragraph_opening(element) -> Optional[str]:
    """The opening of a <p> element of eight or more words, as it starts a line of the text."""
    if element is None or element.tag != "p":
        return None
    text = _element_text(element)
    return text[:_OPENING] if len(text.split()) >= _OPENING_MIN_WORDS else None


def find_subheadings(tree) -> List[tuple]:
    """(opening of a paragraph, [its subheading], "before") for every h2-h6 directly followed by a
    paragraph. trafilatura leaves headings out when it finds no main container and collects the
    page's paragraphs one by one."""
    body = _body(tree)
    blocks = []
    for heading in body.iter(*_SUBHEADINGS) if body is not None else ():
        title = _element_text(heading)
        opening = _paragraph_opening(heading.getnext())
        if title and len(title.split()) <= _SHORT_LINE and opening:
            blocks.append((opening, [title], "before"))
    return blocks


def find_introduced_lists(tree) -> List[tuple]:
    """(opening of a paragraph, ["- item", ...], "after") for every list of sentences that a
    paragraph ending in a colon introduces ("The replies fell into three groups:"): trafilatura
    drops such lists where it drops subheadings."""
    body = _body(tree)
    blocks = []
    for block in body.iter("ul", "ol") if body is not None else ():
        before = block.getprevious()
        while before is not None and not (isinstance(before.tag, str) and before.text_content().strip()):
            before = before.getprevious()
        opening = _paragraph_opening(before)
        if not opening or not _element_text(before).endswith(":"):
            continue  # before the items' text: most lists of a page are menus after no paragraph
        items = [_element_text(li) for li in block if li.tag == "li"]
        items = [item for item in items if item]
        if items and 2 * sum(is_prose(item, None) for item in items) >= len(items):
            blocks.append((opening, [f"- {item}" for item in items], "after"))
    return blocks


def with_dropped_blocks(paragraphs: List[str], blocks: List[tuple]) -> List[str]:
    """Put each (opening, lines, "before" | "after") block back next to the paragraph that starts
    with `opening`, when the text has that paragraph and none of the block's lines."""
    text = " ".join(paragraphs)
    missing = {}
    for opening, lines, where in blocks:
        if not any(line.removeprefix("- ")[:_OPENING] in text for line in lines):
            missing.setdefault((opening, where), lines)
    if not missing:
        return paragraphs
    out: List[str] = []
    for paragraph in paragraphs:
        opening = paragraph[:_OPENING] if len(paragraph) >= _OPENING else None
        out.extend(missing.pop((opening, "before"), ()))
        out.append(paragraph)
        out.extend(missing.pop((opening, "after"), ()))
    return out


def _own(table, tags) -> list:
    """The elements of `table` with these tags that do not belong to a table nested in it."""
    return [el for el in table.iter(*tags) if next(el.iterancestors("table"), None) is table]


def unwrap_layout_tables(tree) -> None:
    """Turn layout tables into divs: a table of one or two rows whose cells hold blocks (paragraphs,
    lists, headings, nested tables) sets the page out in columns. trafilatura reads such a row as
    one line of cells, running the columns into each other, and drops the lists and nested tables
    in the cells; as divs, the blocks are read one by one, as on any other page."""
    for table in list(tree.iter("table")):
        cells = _own(table, ("td", "th"))
        if (cells and len(_own(table, ("tr",))) <= _LAYOUT_ROWS
                and any(child.tag in _LAYOUT_BLOCKS for cell in cells for child in cell)):
            for element in [table, *_own(table, _TABLE_PARTS)]:
                element.tag = "div"


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


def clean_main_text(text: str, title: Optional[str] = None, headline: Optional[str] = None) -> List[str]:
    """trafilatura's text -> the article's paragraphs (see the module docstring). `headline`: the
    page's h1, when it is worded otherwise than `title`."""
    lines = [" ".join(line.split()) for line in (text or "").split("\n")]
    lines = [line for line in lines if line]
    lang = guess_language(" ".join(lines[:20]))
    kept: List[str] = []
    banners = _consent_banners(lines)
    for i, line in enumerate(lines):
        if i in banners:
            continue
        if i < _HEAD_LINES and len(line.split()) <= _HEADLINE_MAX_WORDS and (_similar(line, title) or _similar(line, headline)):
            continue
        if not line.startswith("|"):
            rule = furniture_rule(line, lang)
            if rule in _LINE_RULES or (rule == "timestamp" and len(kept) < _HEAD_LINES - 1):
                continue
        kept.append(line)
    while kept and furniture_rule(kept[-1], lang) == "related_link":
        kept.pop()   # "Related: <headline>" after the article; inside it such links are often kept text
    return _without_teaser_tail(_without_related_tail(_without_gallery(kept)), lang)


def _without_related_tail(lines: List[str]) -> List[str]:
    """Cut at a "related content" heading ("You Might Also Like", "Mehr zum Thema") that stands in
    the second half of the text, with something after it."""
    total, seen = sum(len(line.split()) for line in lines), 0
    for i, line in enumerate(lines[:-1]):
        if seen >= total / 2 and len(line.split()) <= _RELATED_HEADING_WORDS and _RELATED.match(line):
            return lines[:i]
        seen += len(line.split())
    return lines


def _without_gallery(lines: List[str]) -> List[str]:
    """Drop the numbered captions of a picture gallery: three or more lines "k/N ..." with one N."""
    totals = [m.group(2) if (m := _GALLERY.match(line)) else None for line in lines]
    counts = {t: totals.count(t) for t in set(totals) if t}
    galleries = {t for t, c in counts.items() if c >= _GALLERY_MIN}
    return [line for line, t in zip(lines, totals) if t not in galleries] if galleries else lines


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


def with_fallback(tree, text: str) -> str:
    """trafilatura's `text`, or the text of trafilatura's `baseline()` of the page when `text` is
    under _SHORT_TEXT words and the baseline's has _FALLBACK_RATIO times as many (see the module
    docstring). `tree` is the parsed page before extraction; it is not changed."""
    words = len(text.split())
    if words >= _SHORT_TEXT:
        return text
    try:
        alternative = (baseline(tree)[1] or "").strip()
    except Exception:  # the main text stands; the baseline is only a second opinion
        return text
    return alternative if len(alternative.split()) >= _FALLBACK_RATIO * words else text


def extract_html(raw, url: Optional[str] = None, charset: Optional[str] = None) -> dict:
    """`charset`: the encoding the transport declared for `raw` (HTTP Content-Type), if any."""
    html = decode_bytes(raw, html=True, charset=charset)[0] if isinstance(raw, bytes) else raw
    try:
        tree = load_html(html)
        if tree is None:
            raise ExtractionError("no_main_text", "the page could not be parsed as HTML")
        lead = find_lead(tree)  # before trafilatura prunes the tree
        dropped = find_subheadings(tree) + find_introduced_lists(tree)
        headline = find_headline(tree)
        page = metadata.page_metadata(tree, url)  # title, authors and times (`metadata`), before pruning
        unwrap_layout_tables(tree)
        fields = trafilatura_fields(tree, url)
        doc = trafilatura.bare_extraction(tree, url=url or fields["url"], fast=True, include_comments=False,
                                          with_metadata=False)
    except RecursionError as exc:
        raise ExtractionError("too_deep", str(exc)) from exc
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError("parse_error", f"{type(exc).__name__}: {exc}") from exc
    if doc is None:
        raise ExtractionError("no_main_text")
    get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
    text = (get("text") or "").strip()
    if not _enough_text([text]):
        raise ExtractionError("no_main_text", f"{len(text.split())} words of main text")
    text = with_fallback(tree, text)
    title = fields["title"]
    paragraphs = with_dropped_blocks(clean_main_text(text, title, headline), dropped)
    paragraphs = with_lead(paragraphs, lead, guess_language(" ".join(paragraphs[:20])))
    if not _enough_text(paragraphs):
        raise ExtractionError("no_main_text", "only navigation, consent or too little text")
    date = metadata.offset_time(page["stated"]) or metadata.publication_time(
        page["stated"], htmldate_day(tree, fields["url"], set_date_params(extensive=False)))
    authors, agencies = metadata.page_authors(page["authors"], page["names"])
    if not (authors or agencies):  # nobody named in the page's own markup: trafilatura's guess is the last source
        guess = fields["author"] or author_guess(tree)
        authors, agencies = metadata.page_authors(
            page["authors"], page["names"], [a.strip() for a in (guess or "").split(";") if a.strip()])
    page_url = fields["url"] or url
    site = fields["sitename"] or (urlparse(page_url).hostname if page_url else None)
    return {"title": metadata.choose_headline(page["headlines"], page["names"]) or title, "authors": authors,
            "agencies": agencies, "site": site, "url": page_url,
            "published": date if parse_published(date) else None,
            "text": "\n\n".join(paragraphs)}
