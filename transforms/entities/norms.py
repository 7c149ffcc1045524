"""Canonical forms of entity mentions within one article, and per-article counts.

Pure functions, no model: the entity stage calls `harmonise_labels`, `add_missed_mentions`, `add_norms`
and `count_entities` on the mentions a tagger found in one article.

How mentions are merged (only inside one article, never across articles):

1. Spelling variants share a *key*: case-folded words, hyphens and spaces alike, quotes and
   possessive ``'s`` dropped, and German inflection endings (-s, -n, -e, repeated) taken off each
   word longer than two letters. So "Kim Jong-un" / "Kim Jong Un", "Putin" / "Putins",
   "Vereinte Nationen" / "Vereinten Nationen" fall together.
2. A person mention that is the start or the end of exactly one longest person name in the same
   article takes that name ("Kim", "Kim Jong" -> "Kim Jong Un"; "Putin" -> "Wladimir Putin").
3. The group's norm is its shortest surface form (ties: the most frequent, then the first seen),
   so the uninflected form wins when the article has it. A German place seen only in the genitive
   ("Nordkoreas", "Russlands", "Italiens") loses its -s when the bare form is a known place name
   (the German tagger's gazetteer), or else by a suffix rule; "Belarus" and "Texas" keep theirs.
"""
import re
from collections import Counter
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

_QUOTES = "\"'„“”‚‘’«»‹›"
_HYPHENS = re.compile(r"[-‐‑‒–—]+")
_SPACES = re.compile(r"\s+")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s?$")          # Putin's, Paris'
_LEADING_ARTICLE = re.compile(r"^(?:der|die|das|des|dem|den|the)\s+", re.IGNORECASE)
_ENDINGS = "sne"
# a German or English article, determiner or contracted preposition right before a position
_DETERMINER_BEFORE = re.compile(r"(?<![\w-])(?:der|die|das|den|dem|des|ein|eine|einen|einem|einer|eines|im|am|vom|"
                                r"zum|zur|beim|ins|kein|keine|unser|unsere|the|a|an)\s+$", re.IGNORECASE)
# German genitive of a place when neither the article nor a list of place names has the bare form:
# Nordkoreas, Chinas, Amerikas, Russlands, Italiens, Frankreichs, Hamburgs, Usbekistans (not Texas, Belarus)
_DE_PLACE_GENITIVE = re.compile(r"(?:[kr]ea|ina|ika|iya|land|ien|reich|burg|stan|dorf)s$")


def clean_surface(text: str) -> str:
    """The mention as printed, without surrounding quotes, a leading article, a possessive or extra spaces."""
    text = _SPACES.sub(" ", text).strip().strip(_QUOTES + " ")
    text = _LEADING_ARTICLE.sub("", text)
    text = _POSSESSIVE.sub("", text)
    return text.strip(_QUOTES + " ") or text


def _stem(word: str) -> str:
    while len(word) > 2 and word[-1] in _ENDINGS:
        word = word[:-1]
    return word


def mention_key(text: str) -> Tuple[str, ...]:
    """Spelling- and inflection-insensitive key of a mention: ("kim", "jong", "un") for "Kim Jong-un"."""
    words = _HYPHENS.sub(" ", clean_surface(text).casefold()).replace(".", " ").split()
    return tuple(_stem(w.strip(_QUOTES + ",;:()")) for w in words if w.strip(_QUOTES + ",;:()"))


def strip_genitive(surface: str, label: str, lang: Optional[str], places: Optional[Set[str]] = None) -> str:
    """German place names in the genitive lose the -s: "Nordkoreas" -> "Nordkorea" (only de, only LOC).
    A known bare form wins, else a name in `places` (known place names) keeps its -s, else a suffix rule decides."""
    if lang != "de" or label != "LOC" or not surface.endswith("s") or len(surface) < 5 or surface.isupper():
        return surface
    if places and surface[:-1] in places:   # before the next test: the gazetteer lists genitives too
        return surface[:-1]
    if places and surface in places:
        return surface
    return surface[:-1] if " " not in surface and _DE_PLACE_GENITIVE.search(surface) else surface


def _within(short: Tuple[str, ...], long: Tuple[str, ...]) -> bool:
    """`short` is the start or the end of the longer name `long`, word by word."""
    return len(short) < len(long) and (long[:len(short)] == short or long[-len(short):] == short)


def _group_keys(mentions: Sequence[dict]) -> List[Tuple[str, ...]]:
    keys = [mention_key(m["text"]) for m in mentions]
    # a person mention that begins or ends exactly one longer person name of the article -> that name
    # ("Kim" and "Kim Jong" -> "Kim Jong Un"; "Putin" -> "Wladimir Putin")
    people = {k for k, m in zip(keys, mentions) if m["label"] == "PER" and k}
    longest = {k for k in people if not any(_within(k, other) for other in people)}
    resolved = []
    for key, mention in zip(keys, mentions):
        if mention["label"] == "PER" and key not in longest:
            owners = sorted(n for n in longest if _within(key, n))
            if len(owners) == 1:
                key = owners[0]
        resolved.append(key)
    return resolved


def harmonise_labels(entities: Sequence[dict]) -> List[dict]:
    """Article-level label consistency: the mentions of one group (the same key, see `mention_key`, so
    "Putins" goes with "Putin") take the group's majority label ("Nordkorea" ORG once and LOC five
    times -> LOC everywhere). A tie leaves every mention its own label."""
    keys = [mention_key(e["text"]) for e in entities]   # not `_group_keys`: "Putins" LOC must meet "Putin" PER
    votes: Dict[Tuple[str, ...], Counter] = {}
    for key, ent in zip(keys, entities):
        votes.setdefault(key, Counter())[ent["label"]] += 1
    out = []
    for key, ent in zip(keys, entities):
        ranked = votes[key].most_common(2)
        if len(ranked) > 1 and ranked[0][1] > ranked[1][1] and ent["label"] != ranked[0][0]:
            ent = {**ent, "label": ranked[0][0]}
        out.append(ent)
    return out


def _in_word(char: str) -> bool:
    return char.isalnum() or char in "-_"


def _whole_word_spans(text: str, word: str) -> List[Tuple[int, int]]:
    """(start, end) of each occurrence of `word` not inside a longer word or a hyphenated compound
    (str.find: a regular expression per string would be compiled anew for each of an article's names)."""
    out, i = [], text.find(word)
    while i >= 0:
        j = i + len(word)
        if not (i and _in_word(text[i - 1])) and not (j < len(text) and _in_word(text[j])):
            out.append((i, j))
        i = text.find(word, i + 1)
    return out


def add_missed_mentions(text: str, entities: Sequence[dict], skip_labels: Iterable[str] = ("LOC",)) -> List[dict]:
    """Document-level consistency: a string tagged somewhere in the article (one label only, starting
    with a capital, two letters or more) is tagged the same at its other whole-word occurrences that
    overlap no mention and are no part of a hyphenated compound ("Putin" missed in one sentence, found
    in three; not "Putin-Besuch"). A string the article uses after an article or determiner where the
    tagger left it ("die Bauzinsen") is taken for an ordinary noun and not added anywhere. Places
    (`skip_labels`) are not spread: the gazetteer finds the known ones, and the tagger's other LOC
    guesses on news pages ("Festgeld", a shop's name) were wrong more often than right. Mentions need `start`/`end`;
    the result is sorted by position."""
    skip_labels = set(skip_labels)
    labels: Dict[str, Set[str]] = {}
    for ent in entities:
        labels.setdefault(ent["text"], set()).add(ent["label"])
    taken = bytearray(len(text))
    for ent in entities:
        taken[ent["start"]:ent["end"]] = b"\x01" * (ent["end"] - ent["start"])
    added = []
    for surface, found in labels.items():
        if len(found) != 1 or len(surface) < 2 or not surface[:1].isupper() or found & skip_labels:
            continue
        spans = _whole_word_spans(text, surface)
        missed = [(s, e) for s, e in spans if not any(taken[s:e])]
        # a word the article also uses after an article or preposition where the tagger left it alone
        # ("die Bauzinsen", "im Garten") is an ordinary noun the tagger once took for a name
        if any(_DETERMINER_BEFORE.search(text, max(0, s - 16), s) for s, _ in missed):
            continue
        for s, e in missed:
            added.append({"text": surface, "label": next(iter(found)), "start": s, "end": e})
            taken[s:e] = b"\x01" * (e - s)
    return sorted([*entities, *added], key=lambda m: (m["start"], m["end"]))


def add_norms(entities: Sequence[dict], lang: Optional[str] = None, places: Optional[Set[str]] = None) -> List[dict]:
    """The same mentions with a `norm` each: the canonical form of its group within the article.
    `places`: known place names (the tagger's gazetteer), to tell a genitive from a name ending in -s."""
    if not entities:
        return []
    keys = _group_keys(entities)
    forms: Dict[Tuple[str, ...], Counter] = {}
    first: Dict[Tuple[str, ...], Dict[str, int]] = {}
    labels: Dict[Tuple[str, ...], Counter] = {}
    for i, (key, ent) in enumerate(zip(keys, entities)):
        surface = clean_surface(ent["text"])
        forms.setdefault(key, Counter())[surface] += 1
        first.setdefault(key, {}).setdefault(surface, i)
        labels.setdefault(key, Counter())[ent["label"]] += 1
    norms = {}
    for key, counter in forms.items():
        # prefer multi-word names of the group (the full name a bare "Kim" points to), then the shortest form
        best = min(counter, key=lambda s: (-len(mention_key(s)), len(s), -counter[s], first[key][s]))
        label = labels[key].most_common(1)[0][0]
        if len(counter) == 1 or all(s.endswith("s") for s in counter):
            best = strip_genitive(best, label, lang, places)
        norms[key] = best
    return [{**ent, "norm": norms[key] or ent["text"]} for key, ent in zip(keys, entities)]


def count_entities(entities: Iterable[dict]) -> List[dict]:
    """Per-article counts of (norm, label), most frequent first, then by norm and label."""
    counts = Counter((e["norm"], e["label"]) for e in entities)
    return [{"norm": n, "label": l, "count": c} for (n, l), c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
