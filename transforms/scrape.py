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
    Credit lines such as ``(dr / afp)``, ``Quelle: ntv.de, chr/rts``, ``Mit Material von dpa``,
    ``(Reporting by ...; Editing by ...)`` (Reuters house style), ``— The Associated Press`` or
    ``Associated Press writer ... contributed to this report.`` leave the body and name agencies.
    Datelines (``SEOUL (Reuters) -``) name an agency and stay. An *interview attribution* in the
    prose -- a statement made to an agency: "sagte der Nachrichtenagentur Associated Press",
    "told The Associated Press", "in an interview with Reuters" -- also names that agency: the
    agency's reporter obtained the statement, so the text is built on that agency's material
    (this is how AP translations such as seed 003 credit AP). Mere citations ("laut Reuters",
    "berichtete die Nachrichtenagentur KCNA", "according to AFP") do not count. Photo credits
    ("(Foto: via REUTERS)", "© APA/AFP/...", a bare "AFP" between paragraphs) never count.
"""
import functools
import re
import unicodedata
from typing import Iterable, List, NamedTuple, Optional, Tuple


class ScrapedArticle(NamedTuple):
    title: Optional[str]
    published: Optional[str]        # raw marker value, e.g. "2024-05"; validate with dates.parse_published
    text: str                       # clean body, paragraphs separated by "\n\n"
    agencies: List[str]             # canonical, sorted, unique
    removed: List[Tuple[str, str]]  # (line, rule name) of what was removed


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


def _code(lang: Optional[str]) -> Optional[str]:
    """"de", "de-AT", "German" -> "de"; unknown / "und" / None -> None."""
    if not lang:
        return None
    value = str(lang).strip()
    for code, name in _JUSTEXT_NAMES.items():
        if value.casefold() == name.casefold():
            return code
    value = value.lower().replace("_", "-").split("-")[0]
    return value if value in _JUSTEXT_NAMES else None


def _words(line: str) -> List[str]:
    return [w.casefold() for w in _WORD.findall(line)]


def _hits(words: Iterable[str], stop: frozenset) -> int:
    return sum(1 for w in words if w in stop)


def guess_language(text: str) -> Optional[str]:
    """The ISO code whose stoplist covers most words of `text` (at least 3 hits), else None."""
    words = _words(text[:20000])
    best, best_hits = None, 2
    for code in _GUESS:
        stop = _stoplist(code)
        if stop is None:
            continue
        hits = _hits(words, stop)
        if hits > best_hits:
            best, best_hits = code, hits
    return best


def _density(words: List[str], code: Optional[str]) -> Optional[float]:
    """Share of stopwords among `words`: the best share over the stoplist of `code` and those of
    the common news languages (a quote or a line in another language is prose too); None when no
    stoplist is at hand."""
    if not words:
        return 0.0
    stops = [_stoplist(c) for c in ((code,) if code else ()) + _GUESS]
    stops = [s for s in stops if s is not None]
    if not stops:
        return None
    return max(_hits(words, s) for s in stops) / len(words)


# ---------------------------------------------------------------------------------------------
# Line shape
# ---------------------------------------------------------------------------------------------

_TERMINAL = re.compile(r"[.!?…:][\"'“”„«»‘’)\]]*$")
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


def _is_prose(line: str, code: Optional[str]) -> bool:
    """A sentence (or paragraph) of article prose: punctuated and dense in stopwords, or long and
    dense even without a closing stop (a lead that lost its full stop)."""
    words = _words(line)
    n = len(words)
    density = _density(words, code)
    terminal = bool(_TERMINAL.search(line))
    if density is None:  # no stoplist for this language: shape alone
        return (terminal and n >= 6) or n >= 15
    if terminal and n >= 4 and density >= 0.1:
        return True
    return n >= 12 and density >= 0.2


def _headline_shaped(line: str) -> bool:
    """One sentence, at most 20 words / 160 characters, no closing full stop."""
    return (len(_words(line)) <= 20 and len(line) <= 160 and not _FULL_STOP.search(line)
            and len(split_sentences(line)) == 1)


# ---------------------------------------------------------------------------------------------
# Agencies
# ---------------------------------------------------------------------------------------------

_AGENCY = {  # casefolded code or name -> canonical name
    "afp": "AFP", "agence france-presse": "AFP", "agence france presse": "AFP",
    "ap": "AP", "associated press": "AP", "the associated press": "AP",
    "dpa": "dpa", "deutsche presse-agentur": "dpa", "deutschen presse-agentur": "dpa",
    "dpa-infocom": "dpa", "dpa-afx": "dpa-AFX",
    "reuters": "Reuters", "rtr": "Reuters", "rts": "Reuters", "reu": "Reuters",
    "thomson reuters": "Reuters",
    "apa": "APA", "austria presse agentur": "APA", "kna": "KNA", "epd": "epd", "kap": "Kathpress",
    "kathpress": "Kathpress", "sda": "SDA", "ats": "SDA", "keystone-sda": "SDA", "anp": "ANP",
    "belga": "Belga", "ansa": "ANSA", "efe": "EFE", "kyodo": "Kyodo", "xinhua": "Xinhua",
    "tass": "TASS", "itar-tass": "TASS", "ddp": "ddp", "dapd": "dapd", "sid": "SID", "dts": "dts",
    "upi": "UPI", "yonhap": "Yonhap", "anadolu": "Anadolu", "interfax": "Interfax",
    "ria novosti": "RIA Novosti", "ria nowosti": "RIA Novosti", "bloomberg": "Bloomberg",
    "pap": "PAP", "ctk": "ČTK", "čtk": "ČTK", "mti": "MTI", "ntb": "NTB", "ritzau": "Ritzau",
    "stt": "STT", "lusa": "Lusa", "europa press": "Europa Press",
}
_AGENCY_NAMES = sorted(_AGENCY, key=len, reverse=True)
_AGENCY_ALT = "|".join(re.escape(a) for a in _AGENCY_NAMES)

_CREDIT_PREFIX = re.compile(  # one-word labels need their colon, phrases stand on their own
    r"^(?:(?:quelle|quellen|source|sources|fuente|fuentes|bron|text|texte|agenturen|agencies|material)\s*:|"
    r"(?:mit material (?:von|der|aus)|mit agenturmaterial(?: von)?|with material from|with agencies|"
    r"with (?:additional )?reporting (?:from|by)|mit informationen (?:von|der))\b\s*:?)\s*", re.I)
_CREDIT_SPLIT = re.compile(r"\s*(?:[,/;&+|]|\bund\b|\band\b|\bmit\b|\bwith\b)\s*", re.I)
_INITIALS = re.compile(r"[a-zäöüß]{1,4}\.?$")
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+$", re.UNICODE)
_REUTERS_STYLE = re.compile(r"^\(?\s*(?:additional\s+)?(?:reporting|writing)\s+by\b.*\b(?:editing|writing|reporting)\s+by\b",
                            re.I)
_CONTRIBUTED = re.compile(rf"^(?:the\s+)?({_AGENCY_ALT})\s+(?:staff\s+)?(?:writers?|reporters?|correspondents?|"
                          rf"journalists?|photographers?)\b.{{0,200}}\bcontributed\b", re.I)
_BYLINE = re.compile(rf"^(?:by|von)\s+[^,|()]{{2,60}}?\s*(?:[,|/]|[-–—]|\()\s*(?:the\s+)?({_AGENCY_ALT})\s*\)?$", re.I)
_DATELINE = re.compile(rf"^(?:[A-ZÄÖÜ][\w.'’/ -]{{1,40}}?\s*)?\(((?:{_AGENCY_ALT})(?:\s*/\s*(?:{_AGENCY_ALT}))*)\)\s*[-–—:]",
                       re.I)
_SPEECH_DE = r"(?:sagte|sagten|sagt|erklärte|erklärten|betonte|bestätigte|äußerte|versicherte|teilte|kündigte|warnte|meinte)"
_ATTRIB_DE = re.compile(
    rf"(?:\b{_SPEECH_DE}\b[^.!?]{{0,120}}?|\bgegenüber\s+|\b(?:im|in einem)\s+(?:gespräch|interview)\s+mit\s+)"
    rf"(?<!laut )(?:der|dem)\s+(?:[\w-]+\s+)?(?:nachrichtenagentur|presseagentur|agentur)\s+({_AGENCY_ALT})\b(?!\s+zufolge)"
    rf"|\b{_SPEECH_DE}\b[^.!?]{{0,120}}?\bder\s+(deutschen presse-agentur)\b", re.I)
_ATTRIB_EN = re.compile(
    rf"\b(?:told|telling|said\s+to|speaking\s+to|spoke\s+to|in\s+an\s+interview\s+with|interviewed\s+by)\s+"
    rf"(?:the\s+)?(?:news\s+agency\s+)?({_AGENCY_ALT})\b", re.I)


def _canonical(name: str) -> Optional[str]:
    return _AGENCY.get(" ".join(name.casefold().split()))


def agency_name(name: str) -> Optional[str]:
    """The canonical spelling of a news agency's name ("Dpa", "REUTERS" -> "dpa", "Reuters"), else None."""
    return _canonical(name)


def _credit_line(line: str) -> Optional[Tuple[List[str], bool]]:
    """A line that is only an agency credit -> (agencies, bare); else None.

    `bare` is true for a plain list of agency names ("AFP", "dpa/Reuters") with no brackets,
    prefix or author initials: between paragraphs that is a photo credit, at the end a credit.
    A credit without any known agency ("Quelle: ntv.de, chr") is returned with an empty list.
    """
    s = " ".join(line.split())
    if not s or len(s) > 300:
        return None
    m = _REUTERS_STYLE.match(s)
    if m and len(s.split()) <= 60:
        return ["Reuters"], False
    m = _CONTRIBUTED.match(s.lstrip("_-–— "))
    if m and len(s.split()) <= 40:
        return [_canonical(m.group(1))], False
    m = _BYLINE.match(s)
    if m:
        return [_canonical(m.group(1))], False
    if len(s) > 80:
        return None
    dashed = bool(re.match(r"^[-–—_]+\s*", s))
    s = re.sub(r"^[-–—_]+\s*", "", s)
    bracketed = bool(re.fullmatch(r"[(\[].*[)\]]", s))
    if bracketed:
        s = s[1:-1].strip()
    prefixed = bool(_CREDIT_PREFIX.match(s))
    s = _CREDIT_PREFIX.sub("", s, count=1).strip().rstrip(".")
    if not s:
        return None
    agencies, initials = [], False
    for token in _CREDIT_SPLIT.split(s):
        token = token.strip(" .()[]")
        if not token:
            continue
        name = _canonical(token)
        if name is None and token.casefold().startswith("the "):
            name = _canonical(token[4:])
        if name:
            agencies.append(name)
        elif _DOMAIN.match(token) or (_INITIALS.match(token) and (bracketed or prefixed or dashed or "/" in s)):
            initials = True
        else:
            return None
    if not agencies and not prefixed:
        return None
    bare = not (bracketed or prefixed or dashed or initials)
    return sorted(set(agencies)), bare


def _mentioned_agencies(line: str) -> List[str]:
    """Agencies named anywhere in a short credit-like line (e.g. a closing © line)."""
    found = set()
    for token in re.split(r"[\s/,;()|©]+", line):
        token = token.strip(".:-–—×")
        name = _canonical(token)
        if name and (len(token) > 2 or token.isupper()):
            found.add(name)
    for name in ("associated press", "agence france-presse", "deutsche presse-agentur"):
        if name in line.casefold():
            found.add(_AGENCY[name])
    return sorted(found)


def _attributed_agencies(text: str) -> List[str]:
    """Agencies named by datelines or by interview attributions in prose (see module doc)."""
    found = set()
    for line in text.split("\n"):
        m = _DATELINE.match(line.strip())
        if m:
            found.update(filter(None, (_canonical(a) for a in re.split(r"\s*/\s*", m.group(1)))))
    for pattern in (_ATTRIB_DE, _ATTRIB_EN):
        for m in pattern.finditer(text):
            name = _canonical(next(g for g in m.groups() if g))
            if name:
                found.add(name)
    return sorted(found)


# ---------------------------------------------------------------------------------------------
# Furniture rules on one line
# ---------------------------------------------------------------------------------------------

_MONTHS = (r"(?:jan(?:uar|uary)?|feb(?:ruar|ruary)?|märz|mär|march|mar|apr(?:il)?|mai|may|jun[ei]?|jul[iy]?|"
           r"aug(?:ust)?|sep(?:t(?:ember)?)?|okt(?:ober)?|oct(?:ober)?|nov(?:ember)?|dez(?:ember)?|dec(?:ember)?)")
_DATETIME = re.compile(
    rf"\b\d{{1,2}}:\d{{2}}\b|\b\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|"
    rf"\b\d{{1,2}}\.?\s+{_MONTHS}\.?\s+\d{{4}}\b|\b{_MONTHS}\.?\s+\d{{1,2}},?\s+\d{{4}}\b", re.I)
# Words that accompany a date or time stamp ("Stand: 18.06.2024, 10:32 Uhr", "Updated June 18, 2024 10:32 AM EDT").
_STAMP_WORDS = frozenset(
    "stand aktualisiert veröffentlicht erschienen zuletzt letzte aktualisierung am um uhr von vom "
    "updated published posted last modified on at am pm by gmt utc edt est bst cet cest mez mesz date datum "
    "montag dienstag mittwoch donnerstag freitag samstag sonntag monday tuesday wednesday thursday friday "
    "saturday sunday mo di mi do fr sa so mon tue wed thu fri sat sun".split())
_READING_TIME = re.compile(r"^(?:lesezeit|lesedauer|reading time|read time)\b|^\d+\s*(?:min|mins|minuten|minutes)\.?"
                           r"(?:\s+(?:lesezeit|read|lesen|zum lesen))?$", re.I)
_STRAY_ID = re.compile(r"^(?=.*\d)(?:[a-z][a-z0-9]*(?:[-_:.#][a-z0-9]+)+|#?\d+|[0-9a-f]{8,}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})$")
_BREADCRUMB = re.compile(r"\s[>›»|]\s.*\s[>›»|]\s")
_PHOTO_PREFIX = re.compile(
    r"^[(\[]?\s*(?:fotos?|bild(?:er)?|photos?|images?|pictures?|grafik|illustration|bildquelle|fotoquelle|"
    r"fotograf(?:in)?|photographer|photo credit|credits?|bildrechte|video)\s*[:©]", re.I)
_PHOTO_TAIL = re.compile(r"[(\[]?\b(?:fotos?|bild(?:er)?|photos?|images?|pictures?|credit)\s*:\s*[^():]{1,80}[)\]]?$",
                         re.I)
_PHOTO_AGENCY = re.compile(r"\b(?:ap|afp|reuters|epa|dpa|getty)\s+(?:photo|images?)\b|getty images|picture[- ]alliance|"
                           r"\bimago\b|shutterstock|istock|photothek|dpa-zentralbild", re.I)
_COPYRIGHT = re.compile(r"^(?:©|\(c\)\s|copyright\b)", re.I)
_SOCIAL = {"facebook", "twitter", "x", "whatsapp", "telegram", "linkedin", "pinterest", "reddit", "e-mail",
           "email", "mail", "flipboard", "xing", "pocket", "print", "drucken", "messenger", "threads",
           "bluesky", "mastodon", "teilen", "share", "tweet", "kopieren", "copy", "link"}
# Web furniture that is a whole line by itself ("Newsletter", "Anzeige", "Kommentare (3)").
_UI_SOLO = re.compile(
    r"^(?:advertisement|anzeige|werbung|sponsored|comments?|kommentare?|newsletters?|share|teilen|reply|"
    r"antworten|print|drucken|weiterlesen|subscribe|abonnieren|anmelden|registrieren|log ?in|login|cookies?|"
    r"vorlesen|mehr|more|menu|menü|suche|search|video|audio|galerie|gallery)\b[\s\d():.,|/-]*$", re.I)
# Widget phrases that do not occur in headlines (matched in short lines only).
_UI_CUES = re.compile(
    r"\b(?:share (?:this|on|article|story)|leave a (?:reply|comment)|cancel reply|post a comment|"
    r"read (?:more|next|also)|related (?:articles?|stories|content|topics)|more on this (?:topic|story)|"
    r"sign up (?:for (?:our|the|my|a free|free)|now|here)|subscribe (?:to (?:our|the|my)|now|here)|follow us|click here|listen to this (?:article|story)|"
    r"skip to (?:content|main)|back to top|show more|load more|all rights reserved|don'?t show (?:this )?again|"
    r"cookie (?:settings|policy)|artikel teilen|mehr zum thema|lesen sie (?:auch|mehr)|auch interessant|"
    r"folgen sie uns|hier klicken|mehr infos?$|mehr informationen$|(?:nicht )?mehr anzeigen|alle anzeigen|"
    r"artikel (?:anhören|vorlesen)|zum artikel|alle rechte vorbehalten|zur startseite|nach oben|"
    r"jetzt (?:abonnieren|anmelden|registrieren)|kommentar schreiben|kommentare lesen)\b", re.I)
# Prompts addressed to the reader: newsletter sign-ups, e-mail consent, comment forms.
_PROMPT_TOPIC = re.compile(
    r"\b(?:newsletters?|inbox|posteingang|subscribe|subscription|abonnier\w*|sign up|required fields|"
    r"pflichtfelder)\b|\be-?mails?(?:-adresse| address)?\b.*\b(?:erhalten|receive|get|delivered|zugeschickt|"
    r"zusenden|published|veröffentlicht|bestätigen|confirm)\b", re.I)
_PROMPT_ADDRESS = re.compile(r"\b(?:ich|mich|mir|mein\w*|you|your|i|me|my)\b|"
                             r"^(?:get|enter|sign|subscribe|melden|geben|tragen|bestellen|erhalten|hol|jetzt|now)\b",
                             re.I)


def _furniture_rule(line: str, code: Optional[str]) -> Optional[str]:
    """The furniture rule a single line matches, or None. Position rules are applied elsewhere."""
    s = " ".join(line.split())
    words = _words(s)
    n = len(words)
    if _STRAY_ID.match(s):
        return "stray_id"
    if _READING_TIME.match(s) and n <= 5:
        return "reading_time"
    terminal = bool(_TERMINAL.search(s))
    if n <= 12 and _DATETIME.search(s):
        rest = [w for w in _words(_DATETIME.sub(" ", s)) if w not in _STAMP_WORDS]
        if not rest:
            return "timestamp"
    if _COPYRIGHT.match(s) and n <= 15:
        return "photo_credit"
    if _PHOTO_PREFIX.match(s) and n <= 20:
        return "photo_credit"
    if n <= 12 and _PHOTO_AGENCY.search(s) and not _is_prose(s, code):
        return "photo_credit"
    if n <= 40 and _PHOTO_TAIL.search(s) and not _PHOTO_TAIL.match(s) and s[0].isalnum():
        return "photo_caption"
    if _BREADCRUMB.search(s) and n <= 12 and not terminal:
        return "breadcrumb"
    if words and n <= 8 and all(w in _SOCIAL for w in words) and not terminal:
        return "social"
    if _UI_SOLO.match(s) or (n <= 8 and _UI_CUES.search(s) and (not terminal or not _is_prose(s, code))):
        return "widget"
    if n <= 30 and _PROMPT_TOPIC.search(s) and _PROMPT_ADDRESS.search(s) and not re.search(r"[\"“”„«»]", s):
        return "prompt"
    return None


# ---------------------------------------------------------------------------------------------
# Public helpers
# ---------------------------------------------------------------------------------------------

def line_key(line: str) -> str:
    """Normalised key of a line for counting repeats: NFKC, casefolded, whitespace folded, digits kept."""
    return " ".join(unicodedata.normalize("NFKC", line).casefold().split())


def furniture_rule(line: str, lang: Optional[str]) -> Optional[str]:
    """The name of the page-furniture rule a single line matches ("timestamp", "widget",
    "prompt", "photo_credit", ...), or None; `lang` is an ISO hint or None."""
    s = " ".join(line.split())
    return _furniture_rule(s, _code(lang)) if s else None


def is_prose(line: str, lang: Optional[str]) -> bool:
    """True for a sentence or paragraph of article prose (punctuated and dense in stopwords)."""
    s = " ".join(line.split())
    return bool(s) and _is_prose(s, _code(lang))


def is_credit_line(line: str) -> bool:
    """True for a line that is nothing but an agency credit ("(dpa)", "Quelle: AFP", ...)."""
    s = " ".join(line.split())
    return bool(s) and _credit_line(s) is not None


def may_be_boilerplate(line: str, lang: Optional[str]) -> bool:
    """True for a line that is not clearly article prose (short, unpunctuated, few stopwords, or
    matching a furniture rule); False for an empty line and for a full prose sentence, so lines
    shared by wire copies of one story are never candidates for cross-document removal."""
    s = " ".join(line.split())
    if not s:
        return False
    code = _code(lang)
    if _furniture_rule(s, code) or _credit_line(s):
        return True
    return not _is_prose(s, code)


def credited_agencies(text: str) -> Tuple[str, List[str]]:
    """-> (text without its agency credit lines, canonical agencies sorted).

    Only lines that are nothing but a credit are removed (see `_credit_line`); all other lines
    are left byte for byte. A bare agency line ("AFP") followed by more text is a photo credit:
    it is removed but does not count. Datelines and interview attributions add agencies and stay.
    """
    lines = (text or "").split("\n")
    credits = [(i, _credit_line(line)) for i, line in enumerate(lines)]
    credits = [(i, c) for i, c in credits if c is not None and (c[0] or not c[1])]
    if not credits:
        return text, _attributed_agencies(text or "")
    drop = {i for i, _ in credits}
    kept_after = [i for i, line in enumerate(lines) if line.strip() and i not in drop]
    last_text = max(kept_after) if kept_after else -1
    agencies = set()
    for i, (names, bare) in credits:
        if bare and i < last_text:
            continue  # a photo credit between paragraphs
        agencies.update(names)
    kept = [line for i, line in enumerate(lines) if i not in drop]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")
    agencies.update(_attributed_agencies(out))
    return out, sorted(agencies)


# ---------------------------------------------------------------------------------------------
# parse_scrape
# ---------------------------------------------------------------------------------------------

_DATE_MARKER = re.compile(r"^\s*date:?\s+(\d{4}-\d{2}(?:-\d{2})?)(?![\d-])\s*", re.I)
_TITLE_MAX = 200


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
        joinable = not _TERMINAL.search(out[-1])
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
    code = _code(lang) or guess_language("\n".join(units))
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
        name = _furniture_rule(units[i], code)
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
        kicker = (nxt is not None and len(units[i]) <= 30 and len(_words(units[i])) <= 3
                  and not re.search(r"\d", units[i]) and not _TERMINAL.search(units[i])
                  and _headline_shaped(units[nxt]) and len(first) > 2)
        if kicker:
            mark(i, "kicker")
            i = nxt
        if _headline_shaped(units[i]) and len(live()) > 1:
            title = units[i].strip()
            mark(i, "title")
            title_line = True
        else:
            title = _title_from_lead(units[i])

    # 4. line rules; the short note right under an audio player's timestamp goes with it
    previous = None
    for i in live():
        name = _furniture_rule(units[i], code)
        if name is None and previous == "timestamp" and i - 1 >= 0 and rule[i - 1] == "timestamp" \
                and len(_words(units[i])) <= 12:
            name = "player"
        if name is None:
            credit = _credit_line(units[i])
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
            short = len(_words(units[idx[0]])) <= 40
            for i in (idx if short else idx[1:]):
                mark(i, "repeated" if short else "duplicate")
    # 6. the tail after the last credit line (newsletter boxes, buttons) when it is small
    # (a bare agency name is not a trigger: between paragraphs it is a photo credit)
    credits = [i for i, r in enumerate(rule) if r == "credit" and not _credit_line(units[i])[1]]
    if credits:
        after = live(credits[-1] + 1)
        if len(after) <= 6 and sum(len(_words(units[i])) for i in after) <= 80:
            for i in after:
                mark(i, "tail")
    # 7. short non-prose lines at the very end, and between a title line and the first paragraph
    for i in reversed(live()):
        if len(_words(units[i])) <= 8 and not _is_prose(units[i], code):
            mark(i, "tail")
        else:
            break
    if title_line:
        for i in live():
            if len(_words(units[i])) <= 8 and not _is_prose(units[i], code):
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
            names, bare = _credit_line(units[i])
            if bare and i < last_kept:
                rule[i] = "photo_credit"
                continue
            agencies.update(names)
        elif r == "photo_credit" and _COPYRIGHT.match(units[i]) and i > last_kept:
            rule[i] = "copyright"
            agencies.update(_mentioned_agencies(units[i]))
    body = "\n\n".join(units[i] for i in kept)
    agencies.update(_attributed_agencies(body))

    for i, r in enumerate(rule):
        if r is not None and units[i] and r != "date":
            removed.append((units[i], r))
    return ScrapedArticle(title, published, body, sorted(agencies), removed)
