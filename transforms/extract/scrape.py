"""Plain-text scrapes -> title, clean body and metadata (pure Python, no Beam).

A scrape is the text of a news page with its page furniture still in it: section kickers, audio
players, photo captions and credits, newsletter and comment prompts, stray ids, agency credit lines
and a tail of widgets after the article. `parse_scrape` takes such a text apart with rules about
the *shape* of a line, never about the strings of particular pages:

* line shape: length in words, terminal punctuation, digits and ids, bracketed credits;
* language-aware stopword density (justext stoplists): article prose is full of function words,
  furniture ("Newsletter", "Mehr Infos", "source-120") has few or none;
* position: what stands before the first prose paragraph (head) and after the agency credit line
  or the last prose paragraph (tail) is furniture when it is short and not prose;
* a small lexicon of web-furniture cues (share / subscribe / comment / read more, in English and
  German) that only ever applies to short lines or to prompts addressed to the reader.

Subheadings in the middle of an article ("Vertiefte Kooperation") are short and unpunctuated like
furniture, but they match no rule and stand between prose paragraphs, so they stay.

Title
    After an optional ``date YYYY-MM[-DD]`` marker and an optional lone section kicker ("Politik")
    the first line is the title when it is headline-shaped: one sentence, at most 20 words, no
    closing full stop. It is then removed from the body. When the first line is instead a lead
    paragraph (it ends with a full stop, has several sentences or is longer than a headline), it
    is article text: it stays in the body and the title is derived from its first sentence
    (without the closing full stop).

Agencies
    Credit lines leave the body and name agencies (`transforms.extract.agencies`).
"""
import re
from typing import List, NamedTuple, Optional, Tuple

from wirebeam.transforms.extract.agencies import attributed_agencies, credit_line, mentioned_agencies
from wirebeam.transforms.extract.furniture import COPYRIGHT, furniture_rule_coded, line_key
from wirebeam.transforms.extract.prose import (TERMINAL, guess_language, headline_shaped, is_prose_coded, split_sentences,
                                              stoplist_code, words_of)




class ScrapedArticle(NamedTuple):
    title: Optional[str]
    published: Optional[str]        # raw marker value, e.g. "2024-05"; validate with dates.parse_published
    text: str                       # clean body, paragraphs separated by "\n\n"
    agencies: List[str]             # canonical, sorted, unique
    removed: List[Tuple[str, str]]  # (line, rule name) of what was removed


# ---------------------------------------------------------------------------------------------
# parse_scrape
# ---------------------------------------------------------------------------------------------

_DATE_MARKER = re.compile(r"^\s*date:?\s+(\d{4}-\d{2}(?:-\d{2})?)(?![\d-])\s*", re.I)
_TITLE_MAX = 200
_KICKER_MAX_CHARS = 30       # a section kicker above the title ("Politik", "Ukraine-Krieg") ...
_KICKER_MAX_WORDS = 3        # ... is this short and has no digits or closing punctuation
_PLAYER_NOTE_WORDS = 12      # the note under an audio player's timestamp
_REPEATED_SHORT_WORDS = 40   # a line repeated in a text: all copies go when short (a caption shown twice)
_TAIL_MAX_LINES = 6          # what follows the last credit line is a widget tail when it is this small
_TAIL_MAX_WORDS = 80
_EDGE_LINE_WORDS = 8         # short non-prose lines at the very end, or between title and text


def _units(text: str) -> List[str]:
    """Non-empty lines, whitespace folded; a line that breaks off mid-sentence (no closing
    punctuation, next line starts in lower case within the same block) is joined to the next."""
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    out: List[str] = []
    joinable = False
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line:
            joinable = False
            continue
        if joinable and out and line[0].islower():
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        joinable = not TERMINAL.search(out[-1])
    return out


def _title_from_lead(lead: str) -> str:
    first = split_sentences(lead)[0]
    first = re.sub(r"\s*\.$", "", first.strip())
    if len(first) > _TITLE_MAX:
        first = first[:_TITLE_MAX].rsplit(" ", 1)[0] + " …"
    return first


def parse_scrape(text: str, lang: Optional[str] = None) -> ScrapedArticle:
    """A plain-text scrape -> ScrapedArticle(title, published, text, agencies, removed).

    Title: after a leading ``date YYYY-MM[-DD]`` marker and a lone section kicker, the first line
    is the title if it is headline-shaped (one sentence, <= 20 words, no closing full stop) and is
    then removed from the body. Otherwise the first line is a lead paragraph: it is kept in the
    body and the title is derived from its first sentence.
    `lang` is an ISO hint ("de", "en", ...); without it the language is guessed from stoplists.
    """
    units = _units(text or "")
    removed: List[Tuple[str, str]] = []
    if not units:
        return ScrapedArticle(None, None, "", [], removed)
    code = stoplist_code(lang) or guess_language("\n".join(units))
    rule: List[Optional[str]] = [None] * len(units)

    def mark(i: int, name: str) -> None:
        rule[i] = name

    # 1. date marker at the very start
    published = None
    m = _DATE_MARKER.match(units[0])
    if m:
        published = m.group(1)
        removed.append((m.group(0).strip(), "date"))
        units[0] = units[0][m.end():].strip()
        if not units[0]:
            rule[0] = "date"

    def live(start: int = 0) -> List[int]:
        return [i for i in range(start, len(units)) if rule[i] is None]

    # 2. furniture before the title (breadcrumbs, timestamps, widgets)
    for i in live():
        name = furniture_rule_coded(units[i], code)
        if not name:
            break
        mark(i, name)

    # 3. kicker and title
    title = None
    first = live()
    title_line = False
    if first:
        i = first[0]
        nxt = first[1] if len(first) > 1 else None
        kicker = (nxt is not None and len(units[i]) <= _KICKER_MAX_CHARS and len(words_of(units[i])) <= _KICKER_MAX_WORDS
                  and not re.search(r"\d", units[i]) and not TERMINAL.search(units[i])
                  and headline_shaped(units[nxt]) and len(first) > 2)
        if kicker:
            mark(i, "kicker")
            i = nxt
        if headline_shaped(units[i]) and len(live()) > 1:
            title = units[i].strip()
            mark(i, "title")
            title_line = True
        else:
            title = _title_from_lead(units[i])

    # 4. line rules; the short note right under an audio player's timestamp goes with it
    previous = None
    for i in live():
        name = furniture_rule_coded(units[i], code)
        if name is None and previous == "timestamp" and i - 1 >= 0 and rule[i - 1] == "timestamp" \
                and len(words_of(units[i])) <= _PLAYER_NOTE_WORDS:
            name = "player"
        if name is None:
            credit = credit_line(units[i])
            if credit is not None:
                name = "credit"
        if name:
            mark(i, name)
        previous = name
    # 5. lines repeated within the document (photo captions shown twice, the title again)
    keys = {}
    for i in live():
        keys.setdefault(line_key(units[i]), []).append(i)
    for key, idx in keys.items():
        if title_line and key == line_key(title):
            for i in idx:
                mark(i, "title_repeat")
        elif len(idx) > 1:
            short = len(words_of(units[idx[0]])) <= _REPEATED_SHORT_WORDS
            for i in (idx if short else idx[1:]):
                mark(i, "repeated" if short else "duplicate")
    # 6. the tail after the last credit line (newsletter boxes, buttons) when it is small
    # (a bare agency name is not a trigger: between paragraphs it is a photo credit)
    credits = [i for i, r in enumerate(rule) if r == "credit" and not credit_line(units[i])[1]]
    if credits:
        after = live(credits[-1] + 1)
        if len(after) <= _TAIL_MAX_LINES and sum(len(words_of(units[i])) for i in after) <= _TAIL_MAX_WORDS:
            for i in after:
                mark(i, "tail")
    # 7. short non-prose lines at the very end, and between a title line and the first paragraph
    for i in reversed(live()):
        if len(words_of(units[i])) <= _EDGE_LINE_WORDS and not is_prose_coded(units[i], code):
            mark(i, "tail")
        else:
            break
    if title_line:
        for i in live():
            if len(words_of(units[i])) <= _EDGE_LINE_WORDS and not is_prose_coded(units[i], code):
                mark(i, "head")
            else:
                break

    # 8. agencies: credit lines (a bare agency line followed by text is a photo credit), closing
    #    copyright lines, datelines and interview attributions
    kept = live()
    last_kept = kept[-1] if kept else -1
    agencies = set()
    for i, r in enumerate(rule):
        if r == "credit":
            names, bare = credit_line(units[i])
            if bare and i < last_kept:
                rule[i] = "photo_credit"
                continue
            agencies.update(names)
        elif r == "photo_credit" and COPYRIGHT.match(units[i]) and i > last_kept:
            rule[i] = "copyright"
            agencies.update(mentioned_agencies(units[i]))
    body = "\n\n".join(units[i] for i in kept)
    agencies.update(attributed_agencies(body))

    for i, r in enumerate(rule):
        if r is not None and units[i] and r != "date":
            removed.append((units[i], r))
    return ScrapedArticle(title, published, body, sorted(agencies), removed)
