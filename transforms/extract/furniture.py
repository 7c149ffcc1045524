"""Page furniture in one line of text: timestamps, photo credits, breadcrumbs, share and subscribe
widgets, prompts to the reader, stray ids. Rules look at the *shape* of a line (length, terminal
punctuation, digits, stopword density) and a small lexicon of web-furniture cues in English and
German, never at the strings of particular pages."""
import re
import unicodedata
from typing import Optional

from wirebeam.transforms.extract.agencies import credit_line
from wirebeam.transforms.extract.prose import TERMINAL, count_words, is_prose_coded, stoplist_code, words_of


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
COPYRIGHT = re.compile(r"^(?:©|\(c\)\s|copyright\b)", re.I)
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


# The longest line, in words, each rule takes for furniture: past it a line is article text that
# happens to contain the cue (a caption credit inside a paragraph, a timestamp in a sentence).
_MAX_WORDS = {"reading_time": 5, "timestamp": 12, "copyright": 15, "photo_prefix": 20, "photo_agency": 12,
              "photo_caption": 40, "breadcrumb": 12, "social": 8, "widget": 8, "prompt": 30,
              "call_to_action": 40, "login_prompt": 25, "related_link": 20}
_QUOTED = re.compile(r"[\"“”„«»]")    # reported speech: a prompt's words inside a quote are no prompt
_LONGEST_RULE = max(_MAX_WORDS.values())   # past it only "stray_id" and the solo widget words can match
# A sentence that is only a call to act, standing last in a line: the box that sells a newsletter
# or a subscription in one paragraph ("Jeden Morgen um sechs: ... Jetzt kostenlos anmelden.").
# It must begin the sentence, so reported speech ("..., will sich jetzt anmelden.") never matches.
_CALL_TO_ACTION = re.compile(
    r"(?:^|[.!?:]\s+)(?:(?:jetzt|hier|gleich|einfach|direkt)\s+)*(?:(?:kostenlos|gratis|unverbindlich|"
    r"kostenfrei)\s+)?(?:anmelden|abonnieren|registrieren|bestellen|eintragen|testen)\s*[.!]?$|"
    r"(?:^|[.!?:]\s+)(?:sign up|subscribe|register)(?:\s+(?:now|today|here|for free|free))*\s*[.!]?$", re.I)
# Comment forms and paywalls that ask the reader to log in: "Um Kommentare zu schreiben, melden Sie
# sich bitte an.", "You must be logged in to post a comment."
_LOGIN_PROMPT = re.compile(
    r"\b(?:melden sie sich|loggen sie sich|registrieren sie sich|(?:log|sign)(?:ged)? in|register)\b", re.I)
_LOGIN_TOPIC = re.compile(r"\b(?:kommentar\w*|comment\w*|diskussion|discussion|mit(?:zu)?diskutieren|weiterlesen|"
                          r"continue reading|read (?:on|the full))\b", re.I)
_READER = re.compile(r"\b(?:sie sich|bitte|please|you|your)\b", re.I)
# A link to another article on a line of its own: "Related: Beach clean volunteers log record haul".
_RELATED_LINK = re.compile(r"^(?:related|see also|read (?:more|also|next)|more|also read|siehe auch|"
                           r"lesen sie (?:auch|mehr|weiter)|auch interessant|mehr zum thema|zum thema|weiterlesen)"
                           r"\s*:\s*\S", re.I)


def furniture_rule_coded(line: str, code: Optional[str]) -> Optional[str]:
    """The furniture rule a single line matches, or None. Position rules are applied elsewhere."""
    s = " ".join(line.split())
    n = count_words(s)
    if _STRAY_ID.match(s):
        return "stray_id"
    if n > _LONGEST_RULE:  # a paragraph: only a line-shaped widget rule can still match
        return "widget" if _UI_SOLO.match(s) else None
    if n <= _MAX_WORDS['reading_time'] and _READING_TIME.match(s):
        return "reading_time"
    terminal = bool(TERMINAL.search(s))
    if n <= _MAX_WORDS['timestamp'] and _DATETIME.search(s):
        rest = [w for w in words_of(_DATETIME.sub(" ", s)) if w not in _STAMP_WORDS]
        if not rest:
            return "timestamp"
    if n <= _MAX_WORDS['copyright'] and COPYRIGHT.match(s):
        return "photo_credit"
    if n <= _MAX_WORDS['photo_prefix'] and _PHOTO_PREFIX.match(s):
        return "photo_credit"
    if n <= _MAX_WORDS['photo_agency'] and _PHOTO_AGENCY.search(s) and not is_prose_coded(s, code):
        return "photo_credit"
    if n <= _MAX_WORDS['photo_caption'] and _PHOTO_TAIL.search(s) and not _PHOTO_TAIL.match(s) and s[0].isalnum():
        return "photo_caption"
    if n <= _MAX_WORDS['breadcrumb'] and not terminal and _BREADCRUMB.search(s):
        return "breadcrumb"
    if 0 < n <= _MAX_WORDS['social'] and all(w in _SOCIAL for w in words_of(s)) and not terminal:
        return "social"
    if _UI_SOLO.match(s) or (n <= _MAX_WORDS['widget'] and _UI_CUES.search(s) and (not terminal or not is_prose_coded(s, code))):
        return "widget"
    if n <= _MAX_WORDS['prompt'] and _PROMPT_TOPIC.search(s) and _PROMPT_ADDRESS.search(s) and not _QUOTED.search(s):
        return "prompt"
    if n <= _MAX_WORDS['call_to_action'] and _CALL_TO_ACTION.search(s) and not _QUOTED.search(s):
        return "prompt"
    if n <= _MAX_WORDS['login_prompt'] and _LOGIN_PROMPT.search(s) and _LOGIN_TOPIC.search(s) and _READER.search(s) and not _QUOTED.search(s):
        return "prompt"
    if n <= _MAX_WORDS['related_link'] and _RELATED_LINK.match(s) and not s.endswith("."):
        return "related_link"   # scrapes drop it anywhere; HTML text only at its end (html.clean_main_text)
    return None



def line_key(line: str) -> str:
    """Normalised key of a line for counting repeats: NFKC, casefolded, whitespace folded, digits kept."""
    return " ".join(unicodedata.normalize("NFKC", line).casefold().split())



def furniture_rule(line: str, lang: Optional[str]) -> Optional[str]:
    """The name of the page-furniture rule a single line matches ("timestamp", "widget",
    "prompt", "photo_credit", ...), or None; `lang` is an ISO hint or None."""
    s = " ".join(line.split())
    return furniture_rule_coded(s, stoplist_code(lang)) if s else None



def may_be_boilerplate(line: str, lang: Optional[str] = None) -> bool:
    """True for a line that is not clearly article prose (short, unpunctuated, few stopwords, or
    matching a furniture rule); False for an empty line and for a full prose sentence, so lines
    shared by wire copies of one story are never candidates for cross-document removal."""
    s = " ".join(line.split())
    if not s:
        return False
    code = stoplist_code(lang)
    if furniture_rule_coded(s, code) or credit_line(s):
        return True
    return not is_prose_coded(s, code)


# ---------------------------------------------------------------------------------------------
# Bylines at the top of a text whose authors are known
# ---------------------------------------------------------------------------------------------

# What a byline says besides its names and its date: "Von Lukas Schäfer · 15.04.2025, 17:45 Uhr",
# "By Jane Doe and John Roe, Updated June 18, 2024".
_BYLINE_WORDS = _STAMP_WORDS | frozenset(
    "von by und and mit with text texte foto fotos photo photos reporting report bericht aus from in "
    "autor autorin author authors redaktion staff writer correspondent korrespondent korrespondentin".split())
_BYLINE_PARAGRAPHS = 3   # paragraphs at the top that may be a byline (kicker, byline, teaser)
_BYLINE_WORDS_MAX = 25


def is_byline(line: str, authors) -> bool:
    """True for a short line made of the article's author names (at least one of them) and byline
    words or a date or time (at least one): it repeats what `authors` and `published` hold."""
    s = " ".join(line.split())
    if not s or len(words_of(s)) > _BYLINE_WORDS_MAX:
        return False
    rest, named = s, False
    for name in sorted({a for a in authors or () if isinstance(a, str) and a.strip()}, key=len, reverse=True):
        folded = re.sub(re.escape(" ".join(name.split())), " ", rest, flags=re.I)
        named, rest = named or folded != rest, folded
    if not named:
        return False
    words = words_of(_DATETIME.sub(" ", rest))
    # a name alone may be a signature the text keeps; a byline says "by" or gives a date
    return all(w in _BYLINE_WORDS for w in words) and (bool(words) or bool(_DATETIME.search(rest)))


def without_byline(text: str, authors) -> str:
    """`text` (paragraphs split by blank lines) without byline paragraphs at its top (`is_byline`)."""
    if not text or not authors:
        return text
    paragraphs = text.split("\n\n")
    drop = 0
    while drop < min(_BYLINE_PARAGRAPHS, len(paragraphs) - 1) and is_byline(paragraphs[drop], authors):
        drop += 1
    return "\n\n".join(paragraphs[drop:]) if drop else text
