"""Is a line article prose? Stopword density (justext stoplists) by language, sentence splitting and
the shape of a headline; shared by the scrape parser, the furniture rules and the HTML cleanup."""
import functools
import re
from collections import Counter
from typing import Iterable, List, Optional


# ---------------------------------------------------------------------------------------------
# Language: justext stoplists
# ---------------------------------------------------------------------------------------------

_JUSTEXT_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bs": "Bosnian", "ca": "Catalan",
    "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish",
    "fr": "French", "ga": "Irish", "gl": "Galician", "he": "Hebrew", "hi": "Hindi",
    "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian", "is": "Icelandic", "it": "Italian",
    "ko": "Korean", "lb": "Luxembourgish", "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian",
    "ms": "Malay", "mt": "Maltese", "nb": "Norwegian_Bokmal", "nl": "Dutch",
    "nn": "Norwegian_Nynorsk", "no": "Norwegian_Bokmal", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian",
    "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "tl": "Tagalog", "tr": "Turkish",
    "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
}
# Languages a text is guessed among when no hint is given (the common news languages).
_GUESS = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "no", "fi", "cs", "sk", "hu",
          "ro", "hr", "sl", "tr", "ru", "uk", "bg", "el", "id")

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)


@functools.lru_cache(maxsize=None)
def _stoplist(code: str) -> Optional[frozenset]:
    name = _JUSTEXT_NAMES.get(code)
    if name is None:
        return None
    try:
        import justext
        return frozenset(w.casefold() for w in justext.get_stoplist(name))
    except Exception:  # justext missing or without that list: shape rules only
        return None


def stoplist_code(lang: Optional[str]) -> Optional[str]:
    """"de", "de-AT", "German" -> "de"; unknown / "und" / None -> None."""
    return _code_of(str(lang).strip()) if lang else None


@functools.lru_cache(maxsize=1024)
def _code_of(value: str) -> Optional[str]:
    """Cached: the cleanup asks once a line, and the loop over the names was 1.5 ms of a page's 5 ms
    of cleanup (cProfile over the shared extraction benchmark, 2026-12-05)."""
    folded = value.casefold()
    for code, name in _JUSTEXT_NAMES.items():
        if folded == name.casefold():
            return code
    value = value.lower().replace("_", "-").split("-")[0]
    return value if value in _JUSTEXT_NAMES else None


def words_of(line: str) -> List[str]:
    return [w.casefold() for w in _WORD.findall(line)]


def count_words(line: str) -> int:
    """len(words_of(line)), without casefolding the words."""
    return len(_WORD.findall(line))


_GUESS_CHARS = 20000       # the start of a text is enough to guess its language
_GUESS_MIN_HITS = 3        # stopwords a language needs among the words to be guessed at all
# What prose is (is_prose_coded): a punctuated sentence of at least _PROSE_MIN_WORDS words with a
# stopword density of _PROSE_DENSITY, or an unpunctuated run (a lead that lost its full stop) that is
# longer and denser; for a language without a stoplist, length and punctuation alone.
_PROSE_MIN_WORDS = 4
_PROSE_DENSITY = 0.1
_PROSE_UNPUNCTUATED_WORDS = 12
_PROSE_UNPUNCTUATED_DENSITY = 0.2
_PROSE_SENTENCE_WORDS = 6
_PROSE_RUN_ON_WORDS = 15
HEADLINE_MAX_WORDS = 20    # a headline is one sentence of at most 20 words ...
HEADLINE_MAX_CHARS = 160   # ... and 160 characters, without a closing full stop


def _hits(words: Iterable[str], stop: frozenset) -> int:
    return sum(1 for w in words if w in stop)


@functools.lru_cache(maxsize=None)
def _stop_index() -> dict:
    """word -> the codes of _GUESS whose stoplist has it: one look-up a word instead of one a
    language (guess_language and _density were ~5% of extraction time, py-spy, 2026-12-05)."""
    index = {}
    for code in _GUESS:
        for word in _stoplist(code) or ():
            index.setdefault(word, []).append(code)
    return index   # lists as built: turning 44,000 of them into tuples doubled this start-up cost (0.2 s)


def _guess_hits(words: Iterable[str]) -> dict:
    """code -> stopword hits among `words` (casefolded), for the languages of _GUESS."""
    return _code_hits(Counter(words))


def _code_hits(counts: Counter) -> dict:
    """code -> stopword hits of casefolded word counts. Each distinct word is looked up once (a text
    repeats its stopwords: a third of the look-ups of going word by word)."""
    index, hits = _stop_index(), {}
    for word, count in counts.items():
        for code in index.get(word, ()):
            hits[code] = hits.get(code, 0) + count
    return hits


def guess_language(text: str) -> Optional[str]:
    """The ISO code whose stoplist covers most words of `text` (at least 3 hits), else None; on a tie
    the one first in _GUESS."""
    folded = Counter()
    for word, count in Counter(_WORD.findall(text[:_GUESS_CHARS])).items():
        folded[word.casefold()] += count   # each distinct spelling casefolded once
    hits = _code_hits(folded)
    best, best_hits = None, _GUESS_MIN_HITS - 1
    for code in _GUESS:
        if hits.get(code, 0) > best_hits:
            best, best_hits = code, hits[code]
    return best


def _density(words: List[str], code: Optional[str]) -> Optional[float]:
    """Share of stopwords among `words`: the best share over the stoplist of `code` and those of
    the common news languages (a quote or a line in another language is prose too); None when no
    stoplist is at hand."""
    if not words:
        return 0.0
    hits = _guess_hits(words)
    best = max(hits.values(), default=0)
    own = _stoplist(code) if code and code not in _GUESS else None
    if own is not None:
        best = max(best, _hits(words, own))
    elif not any(_stoplist(c) is not None for c in _GUESS):
        return None
    return best / len(words)


# ---------------------------------------------------------------------------------------------
# Line shape
# ---------------------------------------------------------------------------------------------

TERMINAL = re.compile(r"[.!?…:][\"'“”„«»‘’)\]]*$")
_FULL_STOP = re.compile(r"\.[\"'“”„«»‘’)\]]*$")
_ABBREV = {  # words after which a full stop does not end a sentence
    "dr", "prof", "nr", "st", "mr", "mrs", "ms", "jr", "sr", "bzw", "ca", "vgl", "etc", "evtl",
    "ggf", "inkl", "jan", "feb", "aug", "sept", "okt", "nov", "dez", "dec", "gen", "sen", "rep",
    "gov", "lt", "col", "sgt", "capt", "no", "vs", "abs", "bspw", "hl", "sog", "u", "z", "d", "v",
    "usw", "max", "min", "mio", "mrd", "bd", "tel",
}
_SENT_END = re.compile(r"[.!?…]+[\"'“”„«»‘’)\]]*\s+(?=[\"'“”„«»‘’(\[]?[^\W\d_]|\d)", re.UNICODE)


def split_sentences(text: str) -> List[str]:
    """A plain sentence split that keeps German ordinals ("18. Juni"), initials and common
    abbreviations ("Dr.", "z.B.") inside their sentence."""
    out, start = [], 0
    for m in _SENT_END.finditer(text):
        before = text[start:m.start()]
        last = before.rsplit(None, 1)[-1] if before.split() else ""
        token = last.strip("\"'“”„«»‘’([").rstrip(".")
        if text[m.start()] == "." and (re.fullmatch(r"\d{1,3}", token) or len(token) == 1
                                       or token.casefold().split(".")[-1] in _ABBREV):
            continue
        out.append(text[start:m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def is_prose_coded(line: str, code: Optional[str]) -> bool:
    """A sentence (or paragraph) of article prose: punctuated and dense in stopwords, or long and
    dense even without a closing stop (a lead that lost its full stop)."""
    words = words_of(line)
    n = len(words)
    density = _density(words, code)
    terminal = bool(TERMINAL.search(line))
    if density is None:  # no stoplist for this language: shape alone
        return (terminal and n >= _PROSE_SENTENCE_WORDS) or n >= _PROSE_RUN_ON_WORDS
    if terminal and n >= _PROSE_MIN_WORDS and density >= _PROSE_DENSITY:
        return True
    return n >= _PROSE_UNPUNCTUATED_WORDS and density >= _PROSE_UNPUNCTUATED_DENSITY


def headline_shaped(line: str) -> bool:
    """One sentence, at most 20 words / 160 characters, no closing full stop."""
    return (len(words_of(line)) <= HEADLINE_MAX_WORDS and len(line) <= HEADLINE_MAX_CHARS and not _FULL_STOP.search(line)
            and len(split_sentences(line)) == 1)



def is_prose(line: str, lang: Optional[str]) -> bool:
    """True for a sentence or paragraph of article prose (punctuated and dense in stopwords)."""
    s = " ".join(line.split())
    return bool(s) and is_prose_coded(s, stoplist_code(lang))
