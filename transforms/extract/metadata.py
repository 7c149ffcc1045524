"""Article metadata users can trust: the headline, the people who wrote it, when it was published.

Pure functions over the parsed page (an lxml tree, read before trafilatura prunes it):

* `choose_headline`: the JSON-LD `headline` of the article, else og:title, the first h1,
  twitter:title, `<title>`; og:title when it and the JSON-LD headline contain one another (a
  kicker added, or a shortened headline). Each loses the site's name where it is added as a
  prefix or suffix (" | DW | 28.04.2023", " - WELT"): a segment that matches og:site_name, the
  JSON-LD publisher, the application name or the domain, a date, or (in `<title>`, or behind a
  pipe) a segment the page's other headlines leave out. Cuts happen only at a separator with
  spaces around it, never below `MIN_HEADLINE_WORDS` words.
* `page_authors`: people named as the article's authors in JSON-LD (`author` of the article,
  `@id` references resolved, Person vs Organization by type), else in meta author /
  article:author, else in byline elements (itemprop/rel "author" as written; class "author" or
  "byline" and author-page links where name-shaped), else in an element worded as a byline
  ("By Jane Doe"), else trafilatura's name-shaped guesses. Organisations (by type, media words
  such as Verlag or Zeitung, a domain, the site's name or a desk of it) stay only when no person
  is named (a desk byline such as "Redaktion hessenschau.de" is the page's own credit); names
  with a legal form (GmbH, AG, Ltd...), places (a short list of countries and large cities),
  e-mail addresses, URLs and bare role words ("Redaktion", "Autor") go; role prefixes ("Von",
  "Autor") and trailing initials "(obe)" are cut; news agencies go to `agencies`.
* `stated_published`: the publication time the page states, JSON-LD first (what the publisher's
  CMS wrote), then meta tags, microdata and `<time pubdate>`; a value with an offset beats one
  without. Modification dates are never read.
"""
import html
import json
import re
import unicodedata
from typing import Iterable, List, Optional, Tuple
from urllib.parse import urlparse

from lxml import etree

from wirebeam.transforms.dates import parse_published
from wirebeam.transforms.extract.agencies import agency_name

MIN_HEADLINE_WORDS = 2     # a title never shrinks below this many words
MAX_AFFIX_WORDS = 6        # a site name, section or date affix is short
_MAX_AUTHOR_WORDS = 6       # a longer "author" is a sentence or a credit line, not a name
# " | ", " - ", " – ", " — ", " · ", " :: ", " // ", " » ": separators of title affixes (spaces around them,
# so "Corona-Zeit" or "20:30" are never cut)
_SEPARATOR = re.compile(r"\s+(?:\||-|\u2013|\u2014|\u00b7|::|//|\u00bb|\u2022)\s+")
_DATE_SEGMENT = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$|^\d{1,2}\.?\s+\w+\.?\s+\d{4}$")
_WORD = re.compile(r"\w+", re.UNICODE)
_QUOTES = re.compile("[\"'\u00ab\u00bb\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2039\u203a]")
_HOST_NOISE = frozenset({"www", "m", "amp", "mobile", "news", "com", "de", "org", "net", "at", "ch", "uk", "co",
                         "li", "lu", "fr", "it", "es", "eu", "info", "online", "html"})
ARTICLE_TYPES = frozenset({"Article", "NewsArticle", "BlogPosting", "LiveBlogPosting", "AnalysisNewsArticle",
                           "BackgroundNewsArticle", "OpinionNewsArticle", "ReportageNewsArticle",
                           "ReviewNewsArticle", "ScholarlyArticle", "TechArticle", "Report", "SatiricalArticle"})
_ORG_TYPES = frozenset({"Organization", "NewsMediaOrganization", "Corporation", "EducationalOrganization",
                        "GovernmentOrganization", "LocalBusiness", "OnlineBusiness", "WebSite", "Brand"})
# Words that make a name an organisation: legal forms and media words (German and English).
_ORG_WORDS = re.compile(
    r"\b(?:gmbh|ag|kg|kgaa|ohg|e\.?\s?v|se|ltd|llc|inc|plc|corp|corporation|company|co|verlag\w*|"
    r"media|medien|mediengruppe|online|zeitung|zeitschrift|nachrichten|news|newsroom|press|presse|"
    r"publishing|publishers?|rundfunk|fernsehen|radio|tv|television|broadcasting|network|magazin|magazine|"
    r"group|gruppe|holding)\b", re.I)
# Words that are a role or a desk on their own, never a name.
_ROLE_ONLY = re.compile(
    r"^(?:red|redaktion|die redaktion|editorial|editors?|staff|staff writers?|newsdesk|autor(?:in|en)?|authors?|"
    r"reporter(?:in)?|korrespondent(?:in)?|agenturen|agencies|agency|admin|administrator|gast(?:autor)?|"
    r"guest|team|online|web|desk|unknown|anonym|anonymous|none|null)\.?$", re.I)
_ROLE_PREFIX = re.compile(
    r"^(?:von|by|autor(?:in)?|author|text|texte|reporter(?:in)?|written by|geschrieben von|ein (?:bericht|kommentar) von)"
    r"\s*:?\s+", re.I)
# Places credited beside a desk ("hessenschau.de, Frankfurt, Germany"): countries and the credit
# words that stand for them; a place is never a byline.
_PLACE = re.compile(
    r"^(?:germany|deutschland|austria|\u00f6sterreich|switzerland|schweiz|suisse|luxemburg|luxembourg|"
    r"liechtenstein|usa|united states|uk|united kingdom|england|france|frankreich|europe|europa|"
    r"berlin|hamburg|m\u00fcnchen|munich|k\u00f6ln|cologne|frankfurt(?: am main)?|wien|vienna|z\u00fcrich|zurich|"
    r"london|new york|paris|washington|br\u00fcssel|brussels)$", re.I)
# A role standing after a name or alone in a credit ("AP Auto Writer", "Staff Correspondent").
_ROLE_SUFFIX = re.compile(r"\b(?:writer|correspondent|editor|reporter|contributor|columnist|redakteur(?:in)?|"
                          r"korrespondent(?:in)?|volont\u00e4r(?:in)?)$", re.I)
# A byline run into its dateline: "Malcolm Owen Monday", "Anna Beispiel Published 12.03.2024".
_DATE_WORDS = re.compile(
    r"(?:\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|"
    r"freitag|samstag|sonntag|published|updated|ver\u00f6ffentlicht|aktualisiert)\b.*)$", re.I)
_ARTICLE_WORD = re.compile(r"^the\s", re.I)   # "The Russian ...": a phrase, not a name
_LEGAL_FORM = re.compile(r"\b(?:gmbh|ag|kg|ltd|llc|inc|plc|co\.? kg|e\.\s?v)\b", re.I)
_INITIALS_SUFFIX = re.compile(r"\s*\((?:[a-z\u00e0-\u00ff]{2,5})\.?\)$")  # "Elena Oberholzer (obe)"
_PAREN_DOMAIN = re.compile(r"\s*\((?:https?://)?(?:www\.)?[\w-]+\.[\w.-]+/?\)")  # "Deutsche Welle (www.dw.com)"
_DOMAIN = re.compile(r"\w\.(?:[a-z]{2,3}|online|info|news)\b", re.I)   # "ndr.de", "ORF.at"
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\bund\b|\band\b|&|\||\bsowie\b)\s*", re.I)
_AUTHOR_SPLIT_SLASH = re.compile(r"\s*(?:;|,|\bund\b|\band\b|&|\||\bsowie\b|\s/\s)\s*", re.I)
# <meta> tags (name, property) that name the article's authors
_META_AUTHORS = (frozenset({"author", "article:author", "dc.creator", "DC.creator", "sailthru.author", "parsely-author"}),
                 frozenset({"author", "article:author"}))
# Class names of picture and video credits, quotes, comments and teasers ("mediaBox__byline",
# "quoteAuthor", "figcaption__copyright"): a name there is not the article's author.
_MEDIA_WORDS = r"(?:media|caption|copyright|credit|photo|image|img|bild|video|teaser|gallery|quote|zitat|cite|comment|fig)"
_MEDIA_CLASS = re.compile(rf"(?:^|\s|[_-]){_MEDIA_WORDS}", re.I)
_BYLINE_LABEL = re.compile(r"^(?:by|von|autor(?:in)?(?:\s*/\s*autor(?:in)?)?\s*:?|author\s*:|written by)\s+", re.I)
_LABELLED_MAX_CHARS = 80    # "By Jane Doe and John Roe": a byline by wording alone is short
_BYLINE_MAX_CHARS = 120     # a longer element is an author box or a teaser list, not a byline
# A person's name as bylines write it: two to five words, each capitalised, name particles and
# titles allowed ("Dr. Max Kolter", "Anna Giulia Fink", "Michelle de Oliveira", "JÖRG ZSCHOCHE").
_NAME_SHAPE = re.compile(
    r"^(?:(?:Dr|Prof|Mag)\.\s+)*(?:[A-Z\u00c0-\u00de][\w'\u2019.-]*|von|van|de|der|den|da|di|du|del|la|le|zu|al|bin|ibn)"
    r"(?:\s+(?:[A-Z\u00c0-\u00de][\w'\u2019.-]*|von|van|de|der|den|da|di|du|del|la|le|zu|al|bin|ibn)){1,4}$")
# <meta> tags (name, property) that name the site
_SITE_META = (frozenset({"og:site_name", "application-name", "apple-mobile-web-app-title", "twitter:site", "publisher"}),
              frozenset({"og:site_name", "article:publisher"}))
_URL_META = (frozenset({"og:url"}), frozenset({"og:url"}))   # and <link rel="canonical">
_OG_TITLE = (frozenset({"og:title"}), frozenset({"og:title"}))
_TWITTER_TITLE = (frozenset({"twitter:title"}), frozenset({"twitter:title"}))
# Stated publication times, by source, most trusted first (never modification dates).
_PUBLISHED_NAMES = ("article:published_time", "article:published:time", "og:article:published_time",
                    "og:published_time", "published_time", "dc.date.issued", "dcterms.issued", "dc.date",
                    "parsely-pub-date", "sailthru.date", "pubdate", "publishdate", "publish-date",
                    "date", "datepublished")
# Microdata datePublished (its content or datetime, in document order), then `<time pubdate>`: one
# compiled query walks the page once where two joined with "|" walked it twice (0.9 -> 0.45 ms a page)
_PUBLISHED_MARKUP = etree.XPath('//*[@itemprop="datePublished"]/@*[name()="content" or name()="datetime"]')
_TZ_NAMES = {"UTC": "+00:00", "GMT": "+00:00", "CET": "+01:00", "CEST": "+02:00", "MEZ": "+01:00",
             "MESZ": "+02:00", "BST": "+01:00", "EST": "-05:00", "EDT": "-04:00", "CST": "-06:00",
             "CDT": "-05:00", "MST": "-07:00", "MDT": "-06:00", "PST": "-08:00", "PDT": "-07:00"}
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"), 1)}
_JAVA_DATE = re.compile(r"^\w{3} (\w{3}) (\d{1,2}) (\d{2}:\d{2}:\d{2}) ([A-Z]{3,4}) (\d{4})$")  # Fri Apr 28 19:20:36 CEST 2023


# ------------------------------------------------------------------------------------------------
# Meta tags
# ------------------------------------------------------------------------------------------------

def page_metas(tree) -> list:
    """The page's <meta> elements in page order (one walk over the page, shared by the readers below)."""
    return list(tree.getroottree().iter("meta"))


def meta_contents(tree, keys: Tuple[frozenset, frozenset], metas: Optional[list] = None) -> List[str]:
    """The content of every <meta> of the page whose name is in keys[0] or property in keys[1], in
    page order: what "//meta[@name=... or @property=...]/@content" finds, in a third of the time
    (the query language walks the page slower than a walk over its meta elements). `metas`: the
    page's `page_metas`, when already at hand."""
    names, properties = keys
    return [m.get("content") for m in (page_metas(tree) if metas is None else metas)
            if (m.get("name") in names or m.get("property") in properties) and m.get("content") is not None]


# ------------------------------------------------------------------------------------------------
# JSON-LD
# ------------------------------------------------------------------------------------------------

def _types(obj: dict) -> set:
    types = obj.get("@type")
    types = types if isinstance(types, list) else [types]
    # "NewsArticle", "schema:NewsArticle" or "https://schema.org/NewsArticle"
    return {re.split(r"[/:#]", t)[-1] for t in types if isinstance(t, str)}


def ld_objects(tree) -> List[dict]:
    """Every JSON-LD object of the page: top-level objects, list items and `@graph` members.
    Broken JSON is skipped."""
    out: List[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]/text()') if tree is not None else ():
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                out.append(item)
                if isinstance(item.get("@graph"), list):
                    stack[:0] = item["@graph"]
    return out


def ld_articles(objects: List[dict]) -> List[dict]:
    """The article objects among the JSON-LD objects (by @type)."""
    return [o for o in objects if _types(o) & ARTICLE_TYPES]


def _text(value) -> Optional[str]:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str):
        return None
    text = " ".join(html.unescape(value).split())
    return text or None


# ------------------------------------------------------------------------------------------------
# Site names and headline
# ------------------------------------------------------------------------------------------------

def _compact(text: str) -> str:
    return "".join(_WORD.findall(unicodedata.normalize("NFKC", text or "").casefold()))


def page_host(tree, url: Optional[str]) -> Optional[str]:
    """The page's host: from `url`, else from its canonical link or og:url."""
    host = urlparse(str(url or "").strip()).hostname
    if host or tree is None:
        return host or None
    for element in tree.getroottree().iter("link", "meta"):  # canonical link or og:url, in page order
        if element.tag == "link":
            candidate = element.get("href") if element.get("rel") == "canonical" else None
        else:
            candidate = element.get("content") if (element.get("property") in _URL_META[1]
                                                   or element.get("name") in _URL_META[0]) else None
        host = urlparse(str(candidate or "").strip()).hostname if candidate is not None else None
        if host:
            return host
    return None


def site_names(tree, url: Optional[str] = None, objects: Iterable[dict] = (), metas: Optional[list] = None) -> List[str]:
    """What the page calls its site: og:site_name, application names, the JSON-LD publisher and
    the host ("www.mdr.de" -> "mdr.de", "mdr")."""
    names = [str(v) for v in (meta_contents(tree, _SITE_META, metas) if tree is not None else []) if not str(v).startswith("http")]
    for obj in objects:
        publisher = obj.get("publisher") if isinstance(obj, dict) else None
        for p in publisher if isinstance(publisher, list) else [publisher]:
            if isinstance(p, dict) and _text(p.get("name")):
                names.append(_text(p.get("name")))
        if _types(obj) & {"WebSite", "NewsMediaOrganization"} and _text(obj.get("name")):
            names.append(_text(obj.get("name")))
    host = page_host(tree, url)
    if host:
        labels = host.lower().split(".")
        names.append(".".join(labels[-2:]) if labels[0] in _HOST_NOISE and len(labels) > 2 else host)
        names.extend(label for label in labels if label not in _HOST_NOISE and len(label) > 1)
    return [n.strip(" @") for n in dict.fromkeys(names) if n and n.strip(" @")]


def _is_site_segment(segment: str, names: List[str]) -> bool:
    """The segment is the site's name (or a part of it, or it with the domain), or a date."""
    words = _WORD.findall(segment.casefold())
    if not words or len(words) > MAX_AFFIX_WORDS:
        return False
    if _DATE_SEGMENT.match(segment.strip()):
        return True
    seg = _compact(segment)
    for name in names:
        comp = _compact(name)
        if not comp:
            continue
        if seg == comp or (min(len(seg), len(comp)) >= 3 and (comp.startswith(seg) or seg.startswith(comp)) and
                          min(len(seg), len(comp)) / max(len(seg), len(comp)) >= 0.5):
            return True
        name_words = set(_WORD.findall(name.casefold()))
        if name_words and set(words) <= name_words and len(seg) >= 2:
            return True
    return False


def words(text: str) -> List[str]:
    return _WORD.findall(text or "")


def split_segments(title: str) -> Tuple[List[str], List[str]]:
    """A title's segments and the separators between them."""
    parts = _SEPARATOR.split(title)
    seps = _SEPARATOR.findall(title)
    return parts, seps


def _join(parts: List[str], seps: List[str]) -> str:
    out = parts[0]
    for sep, part in zip(seps, parts[1:]):
        out += sep + part
    return out


def _words_of(text: str) -> str:
    return " " + " ".join(_WORD.findall(_norm(text))) + " "


def strip_site_affixes(title: Optional[str], names: List[str], others: Iterable[str] = (),
                       pipes_only: bool = False) -> Optional[str]:
    """`title` without the site's name (or a date, or a segment that `others`, the page's other
    headlines, leave out; with `pipes_only` only behind " | ", a separator headlines do not use)
    where it stands as a prefix or suffix at a separator. At least MIN_HEADLINE_WORDS words stay."""
    if not title:
        return title
    parts, seps = split_segments(title)
    others = {_norm(o) for o in others if o}
    changed = True
    while changed and len(parts) > 1:
        changed = False
        for end in (-1, 0):
            rest_parts = parts[:-1] if end == -1 else parts[1:]
            rest_seps = seps[:-1] if end == -1 else seps[1:]
            rest = _join(rest_parts, rest_seps)
            if len(_WORD.findall(rest)) < MIN_HEADLINE_WORDS:
                continue
            sep = seps[end]
            if _is_site_segment(parts[end], names) or (
                    _norm(rest) in others and len(_WORD.findall(parts[end])) <= MAX_AFFIX_WORDS
                    and (not pipes_only or sep.strip() == "|")):
                parts, seps, changed = rest_parts, rest_seps, True
                break
    return _join(parts, seps)


def _norm(text: Optional[str]) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_QUOTES.sub("", text).split())


def headline_candidates(tree, objects: List[dict], metas: Optional[list] = None) -> List[Tuple[str, str]]:
    """(source, text) of every place the page states its headline, most trusted first."""
    found = []
    for article in ld_articles(objects):
        text = _text(article.get("headline")) or _text(article.get("name"))
        if text:
            found.append(("ld", text))
            break
    if tree is not None:
        for source, keys in (("og", _OG_TITLE), ("twitter", _TWITTER_TITLE)):
            value = next((_text(str(v)) for v in meta_contents(tree, keys, metas) if _text(str(v))), None)
            if value:
                found.append((source, value))
        h1 = tree.find(".//body//h1")
        if h1 is not None and _text(h1.text_content()):
            found.append(("h1", _text(h1.text_content())))
        title = tree.findtext(".//head/title") or tree.findtext(".//title")
        if _text(title):
            found.append(("title", _text(title)))
    return found


def choose_headline(candidates: List[Tuple[str, str]], names: List[str]) -> Optional[str]:
    """The article's headline from (source, text) candidates (`headline_candidates`), each with
    the site's affixes removed: the JSON-LD `headline` (schema.org's field for exactly this), else
    og:title, the h1, twitter:title, `<title>`. When one of JSON-LD headline and og:title contains
    the other, og:title: either JSON-LD adds a kicker ("Neue Leipziger Schule: ...") or it was
    shortened (search engines ask for JSON-LD headlines of at most 110 characters)."""
    headlines = [text for _, text in candidates]
    stripped = {}
    for source, text in candidates:
        # a segment other sources leave out: any in <title> ("- Politik"), behind a pipe elsewhere
        stripped.setdefault(source, strip_site_affixes(text, names, [o for o in headlines if o is not text],
                                                       pipes_only=source != "title"))
    ld, og = stripped.get("ld"), stripped.get("og")
    if ld and og and (_words_of(og) in _words_of(ld) or _words_of(ld) in _words_of(og)):
        return og
    return next((stripped[s] for s in ("ld", "og", "h1", "twitter", "title") if stripped.get(s)), None)


# ------------------------------------------------------------------------------------------------
# Authors
# ------------------------------------------------------------------------------------------------

def _person_name(obj: dict) -> Optional[str]:
    name = _text(obj.get("name"))
    if not name and (_text(obj.get("givenName")) or _text(obj.get("familyName"))):
        name = " ".join(filter(None, (_text(obj.get("givenName")), _text(obj.get("familyName")))))
    return name


def ld_authors(objects: List[dict]) -> List[Tuple[str, str]]:
    """(name, "person" | "org" | "unknown") of the authors of the page's JSON-LD articles, with
    `@id` references resolved against the page's other objects."""
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str) and len(o) > 1}
    out = []
    for article in ld_articles(objects):
        stack = [article.get("author") or article.get("creator")]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, str):
                out.append((item, "unknown"))
            elif isinstance(item, dict):
                if set(item) <= {"@id", "@type"} and item.get("@id") in by_id:
                    item = by_id[item["@id"]]
                name = _person_name(item)
                if name:
                    types = _types(item)
                    kind = "org" if types & _ORG_TYPES else "person" if "Person" in types else "unknown"
                    out.append((name, kind))
        if out:
            break
    return out


def meta_authors(tree, metas: Optional[list] = None) -> List[str]:
    return [str(v) for v in meta_contents(tree, _META_AUTHORS, metas)] if tree is not None else []


def _is_byline_element(element) -> bool:
    """rel/itemprop "author", a class naming the author or byline ("author", "article__author",
    "authors__list-item", "byline"), or a link to an author page ("/autoren/max-kolter")."""
    if element.get("rel") == "author" or element.get("itemprop") == "author":
        return True
    cls = (element.get("class") or "").lower()
    if "author" in cls or "byline" in cls:
        return True
    href = element.get("href") if element.tag == "a" else None
    return bool(href) and ("/autor" in href or "/author" in href)


def byline_authors(tree) -> List[str]:
    """Names of people in the page's first byline (`_is_byline_element`) that names any, and in the
    elements of the same kind beside it (one author per list item); role prefixes ("Von") cut."""
    if tree is None:
        return []
    body = tree.find(".//body")
    for element in body.iter() if body is not None else ():
        if not isinstance(element.tag, str) or not _is_byline_element(element) or _in_media(element):
            continue
        names = _byline_names(element)
        if not names:
            continue
        parent = element.getparent()
        for sibling in parent.iterchildren(element.tag) if parent is not None else ():
            if sibling is not element and sibling.get("class") == element.get("class"):
                names += [n for n in _byline_names(sibling) if n not in names]
        if parent is not None and parent.getparent() is not None:
            for cousin in parent.getparent().iterchildren(parent.tag):
                if cousin is not parent and cousin.get("class") == parent.get("class"):
                    for child in cousin.iterchildren(element.tag):
                        if child.get("class") == element.get("class"):
                            names += [n for n in _byline_names(child) if n not in names]
        return names
    return []


def _in_media(element) -> bool:
    """The element credits a picture, a video or a teaser, not the article."""
    for node in [element, *element.iterancestors()][:4]:
        if node.tag in ("figure", "figcaption", "blockquote", "cite") or _MEDIA_CLASS.search(node.get("class") or ""):
            return True
    return False


def _byline_names(element) -> List[str]:
    """Names in one byline element: as written where the markup says it holds the author
    (itemprop or rel "author"), else only what is shaped like a person's name."""
    named = element.xpath('.//*[@itemprop="name"]')
    text = _text(" ".join((named[0] if named else element).itertext()))
    if not text or len(text) > _BYLINE_MAX_CHARS:
        return []
    explicit = element.get("itemprop") == "author" or element.get("rel") == "author"
    return [part for part in split_author(text, keep_slash=explicit) if explicit or _NAME_SHAPE.match(part)]


def _site_tokens(names: List[str]) -> set:
    return {_compact(w) for n in names for w in re.split(r"[\s.]+", n) if len(_compact(w)) >= 3}


def _is_org(name: str, names: List[str]) -> bool:
    """A publisher, a site or a desk of it ("MDR THÜRINGEN" on mdr.de), not a person."""
    first = _compact(re.split(r"[\s-]+", name.strip())[0])
    return (bool(_ORG_WORDS.search(name) or _DOMAIN.search(name)) or _is_site_segment(name, names)
            or first in _site_tokens(names))


def split_author(raw: str, keep_slash: bool = False) -> List[str]:
    """One author field -> the names in it, role prefixes, e-mail addresses and "(abc)" initials
    cut. `keep_slash`: "srf/hosb" (desk/initials) stays one credit, as the page writes it."""
    if not raw or _EMAIL.fullmatch(raw.strip()) or raw.strip().lower().startswith(("http://", "https://")):
        return []
    text = _PAREN_DOMAIN.sub("", _EMAIL.sub("", " ".join(raw.split())))
    out = []
    for part in (_AUTHOR_SPLIT if keep_slash else _AUTHOR_SPLIT_SLASH).split(text):
        part = _ROLE_PREFIX.sub("", part.strip(" .:-\u2013\u2014()[]")).strip()
        part = _DATE_WORDS.sub("", _INITIALS_SUFFIX.sub("", _PAREN_DOMAIN.sub("", part))).strip()
        if part:
            out.append(part)
    return out


def clean_authors(candidates: List[Tuple[str, str]], names: List[str]) -> Tuple[List[str], List[str]]:
    """(name, kind) candidates -> (authors, agencies). People first; organisations only when no
    person is named; agencies apart; places, roles and legal-form names out."""
    people, orgs, agencies = classify_authors(candidates, names)
    return people or orgs[:1], agencies


def classify_authors(candidates: List[Tuple[str, str]], names: List[str]) -> Tuple[List[str], List[str], List[str]]:
    """(name, kind) candidates -> (people, organisations, agencies), cleaned (see clean_authors)."""
    people, orgs, agencies = [], [], []
    for raw, kind in candidates:
        parts = ([_INITIALS_SUFFIX.sub("", " ".join(raw.split()))] if kind == "person" and not _AUTHOR_SPLIT.search(raw)
                 else split_author(raw))
        for part in parts:
            words = part.split()
            if not words or len(words) > _MAX_AUTHOR_WORDS or _ROLE_ONLY.match(part) or _PLACE.match(part):
                continue
            if not any(ch.isalpha() for ch in part):
                continue
            agency = agency_name(part)
            if agency:
                agencies.append(agency)
            elif _ROLE_SUFFIX.search(part):
                continue  # "AP Auto Writer"
            elif kind == "org" or (kind != "person" and _is_org(part, names)):
                if not _LEGAL_FORM.search(part):
                    orgs.append(part)
            elif kind != "person" and _ARTICLE_WORD.match(part):
                continue  # "The Russian (and Syrian defense ministries)": a phrase, not a name
            elif kind == "person" and (_DOMAIN.search(part) or _is_site_segment(part, names)):
                orgs.append(part)   # a site typed as a Person ("cleveland.com"): kept only if no one else is named
            else:
                people.append(part)
    return list(dict.fromkeys(people)), list(dict.fromkeys(orgs)), list(dict.fromkeys(agencies))


def author_candidates(tree, objects: List[dict], names: List[str],
                      metas: Optional[list] = None) -> List[List[Tuple[str, str]]]:
    """(name, kind) lists from each source, most specific first: JSON-LD, meta tags, bylines.
    The page's elements are searched for bylines only when the first two name no person."""
    sources = [ld_authors(objects), [(a, "unknown") for a in meta_authors(tree, metas)]]
    if not any(classify_authors(candidates, names)[0] for candidates in sources):
        sources.append([(a, "unknown") for a in byline_authors(tree)])
        if not any(sources):  # nobody named anywhere, not even an organisation
            sources.append([(a, "unknown") for a in labelled_bylines(tree)])
    return sources


def labelled_bylines(tree) -> List[str]:
    """Names from the first short element of the body that is a byline by its wording alone:
    "By Jane Doe", "Von Anna Beispiel und Bernd Muster", "Autorin/Autor Roman Beispiel"; every
    name must be shaped like one (markup without author classes, common on older sites)."""
    body = tree.find(".//body") if tree is not None else None
    for element in body.iter() if body is not None else ():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "title", "a", "option"):
            continue
        own = (element.text or "").strip()
        if own and not _BYLINE_LABEL.match(own + " ") or (not own and not len(element)):
            continue  # cheap test first: the element's own text starts with the label, or it has children only
        if not own and not any(_BYLINE_LABEL.match((c.text or "").strip() + " ") for c in element[:1]):
            continue
        text = _text(" ".join(element.itertext()))
        if not text or len(text) > _LABELLED_MAX_CHARS or not _BYLINE_LABEL.match(text) or _in_media(element):
            continue
        names = [p for p in _AUTHOR_SPLIT.split(_BYLINE_LABEL.sub("", text)) if p]
        if names and all(_NAME_SHAPE.match(n) for n in names):
            return names
    return []


def page_authors(sources: List[List[Tuple[str, str]]], names: List[str],
                 fallback: Iterable[str] = ()) -> Tuple[List[str], List[str]]:
    """The article's authors and credited agencies (see the module docstring), from the first
    source (`author_candidates`, then `fallback`: trafilatura's authors) that names a person; the
    JSON-LD author wins whatever it names; else the first source that names anyone."""
    # trafilatura's guesses count only where shaped like a person's name ("Syrian defense ministries" is not)
    sources = [*sources, [(p, "unknown") for a in fallback for p in split_author(a) if _NAME_SHAPE.match(p)]]
    best: Tuple[List[str], List[str]] = ([], [])
    for i, candidates in enumerate(sources):
        if i == len(sources) - 1 and (best[0] or best[1]):
            break  # JSON-LD or meta named an organisation: trafilatura's guess does not replace it
        people, orgs, agencies = classify_authors(candidates, names)
        if people or (i == 0 and agencies):
            return people, agencies
        if (orgs or agencies) and not (best[0] or best[1]):
            best = (orgs[:1], agencies)
    return best


# ------------------------------------------------------------------------------------------------
# Publication time
# ------------------------------------------------------------------------------------------------

def _from_java_date(value: str) -> Optional[str]:
    """"Fri Apr 28 19:20:36 CEST 2023" (Java's Date.toString) -> ISO 8601, when the zone is known."""
    m = _JAVA_DATE.match(value.strip())
    if not m or m.group(1).lower()[:3] not in _MONTHS or m.group(4) not in _TZ_NAMES:
        return None
    month = _MONTHS[m.group(1).lower()[:3]]
    return f"{m.group(5)}-{month:02d}-{int(m.group(2)):02d}T{m.group(3)}{_TZ_NAMES[m.group(4)]}"


def normalise_stated(value) -> Optional[str]:
    """A stated date as ISO 8601 parse_published accepts: "+0200" offsets, a space for "T" and
    Java-style dates are common in page markup."""
    text = " ".join(str(value or "").split())
    if not text:
        return None
    java = _from_java_date(text)
    if java:
        return java
    text = re.sub(r"(\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?)\s*([+-]\d{2})(\d{2})$", r"\1\2:\3", text)
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    return text if parse_published(text) else None


def stated_published(tree, objects: Optional[List[dict]] = None, metas: Optional[list] = None) -> List[Tuple[str, str]]:
    """(source, ISO value) of every publication date the page states, most trusted source first:
    JSON-LD datePublished of the article, meta tags, microdata, `<time pubdate>`."""
    objects = ld_objects(tree) if objects is None else objects
    found = []
    for article in ld_articles(objects):
        value = normalise_stated(article.get("datePublished")) if isinstance(article.get("datePublished"), str) else None
        if value:
            found.append(("ld", value))
    if tree is not None:
        by_name = {}  # one pass over the meta tags; names compared case-insensitively
        for meta in tree.iter("meta") if metas is None else metas:
            key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
            if key in _PUBLISHED_NAMES and meta.get("content"):
                by_name.setdefault(key, []).append(meta.get("content"))
        for name in _PUBLISHED_NAMES:
            found += [("meta", v) for v in map(normalise_stated, by_name.get(name, ())) if v]
        pubdates = [t.get("datetime") for t in tree.getroottree().iter("time")
                    if t.get("pubdate") is not None and t.get("datetime") is not None]
        for values in (_PUBLISHED_MARKUP(tree), pubdates):
            found += [("markup", v) for v in map(normalise_stated, values) if v]
    return list(dict.fromkeys(found))


def offset_time(stated: List[Tuple[str, str]]) -> Optional[str]:
    """The first stated value with a time and an offset: the publication time whatever else the
    page says (`publication_time` needs htmldate's day only when there is none)."""
    for _, value in stated:
        p = parse_published(value)
        if p is not None and p.precision == "time" and p.iso[-6] in "+-" and p.iso[-3] == ":":
            return p.iso
    return None


def publication_time(stated: List[Tuple[str, str]], day: Optional[str]) -> Optional[str]:
    """The page's publication time: the first stated value with a time and an offset, else the
    first with a time on htmldate's `day`, else `day`. A value with an offset outranks `day`
    (htmldate's day can be a dateline's or the modification's)."""
    found = offset_time(stated)
    if found:
        return found
    parsed = [(source, parse_published(value)) for source, value in stated]
    timed = [p for _, p in parsed if p is not None and p.precision == "time"]
    reference = parse_published(day)
    for p in timed:
        if reference is None or reference.day == p.day:
            return p.iso
    if reference is not None:
        return reference.iso
    return next((p.iso for _, p in parsed if p is not None), None)


def page_metadata(tree, url: Optional[str] = None) -> dict:
    """Everything this module reads from one page, before trafilatura prunes the tree:
    JSON-LD objects, site names, headline candidates, stated publication times."""
    objects = ld_objects(tree)
    metas = page_metas(tree)
    names = site_names(tree, url, objects, metas)
    return {"objects": objects, "names": names,
            "headlines": headline_candidates(tree, objects, metas), "stated": stated_published(tree, objects, metas),
            "authors": author_candidates(tree, objects, names, metas)}
