"""spaCy components of the bundled entity pipelines; importing this module registers their factories.

`wirebeam_gazetteer` adds place names from a list (country and city names, see training/gazetteer.py)
where the statistical ner found nothing: a longest-match lookup of token sequences in a set, so
loading 80,000 names takes a fraction of a second (spaCy's entity_ruler would tokenise every pattern
at load time).
"""
import json
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans


def longest_matches(words: List[str], names: Dict[int, set], max_len: int,
                    lengths: Optional[Dict[str, List[int]]] = None) -> List[Tuple[int, int]]:
    """Token ranges [start, end) of the longest listed names, left to right, not overlapping.
    `lengths` (first word -> name lengths, longest first) skips words that start no name."""
    out, i = [], 0
    while i < len(words):
        sizes = lengths.get(words[i], ()) if lengths is not None else range(max_len, 0, -1)
        for n in sizes:
            if i + n <= len(words) and tuple(words[i:i + n]) in names.get(n, ()):
                out.append((i, i + n))
                i += n
                break
        else:
            i += 1
    return out


def is_listed_genitive(word: str, names: Dict[int, set]) -> bool:
    """A German genitive of a listed place ("Südkoreas", "Nordkoreas"): the word ends in -s and its
    base without the -s is listed."""
    return len(word) > 3 and word.endswith("s") and (word[:-1],) in names.get(1, ())


def untagged_acronyms(words: List[str], taken: List[bool], common: set) -> List[int]:
    """Token indices of untagged all-capital words of 3-5 letters that are no common word ("KCNA", "NATO")."""
    return [i for i, w in enumerate(words) if not taken[i] and 3 <= len(w) <= 5 and w.isalpha() and w.isupper()
            and w not in common]


class _DocComponent:
    """A component that changes each Doc on its own: `pipe` is `__call__` over the stream."""

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)


class Gazetteer(_DocComponent):
    """Adds `label` spans for listed names that do not overlap an entity already on the doc.
    With `relabel_genitives`, a one-word PER/ORG mention that is the genitive of a listed place
    ("Außenminister Südkoreas" tagged PER) becomes `label` (GermEval tags countries LOC always).
    With `acronym_label` (e.g. ORG), an untagged all-capital word of 3-5 letters that is neither listed
    nor in `common` gets that label ("KCNA", "NATO")."""

    def __init__(self, nlp: Language, name: str, label: str, relabel_genitives: bool = False,
                 acronym_label: str = ""):
        self.name = name
        self.label = label
        self.relabel_genitives = relabel_genitives
        self.acronym_label = acronym_label
        self.common: set = set()   # all-capital words that are no names ("ARD" is not in it, "CD" is)
        self.names: Dict[int, set] = {}
        self.lengths: Dict[str, List[int]] = {}
        self.max_len = 0

    def add_names(self, names: Iterable[str]) -> None:
        for name in names:
            words = tuple(name.split())
            if words:
                self.names.setdefault(len(words), set()).add(words)
                self.max_len = max(self.max_len, len(words))
                sizes = self.lengths.setdefault(words[0], [])
                if len(words) not in sizes:
                    sizes.append(len(words))
                    sizes.sort(reverse=True)

    def __call__(self, doc: Doc) -> Doc:
        if not self.names:
            return doc
        if self.relabel_genitives and any(len(e) == 1 and e.label_ in ("PER", "ORG") for e in doc.ents):
            doc.ents = [Span(doc, e.start, e.end, label=self.label)
                        if len(e) == 1 and e.label_ in ("PER", "ORG") and is_listed_genitive(e.text, self.names) else e
                        for e in doc.ents]
        taken = [False] * len(doc)
        for ent in doc.ents:
            for i in range(ent.start, ent.end):
                taken[i] = True
        words = [t.text for t in doc]
        matches = longest_matches(words, self.names, self.max_len, self.lengths)
        new = [Span(doc, s, e, label=self.label) for s, e in matches if not any(taken[s:e])]
        if self.acronym_label:
            for s, e in matches:
                taken[s:e] = [True] * (e - s)
            new += [Span(doc, i, i + 1, label=self.acronym_label) for i in untagged_acronyms(words, taken, self.common)]
        if new:
            doc.ents = filter_spans(list(doc.ents) + new)
        return doc

    def to_disk(self, path, exclude=tuple()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        names = sorted(" ".join(w) for group in self.names.values() for w in group)
        (path / "names.json").write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
        if self.common:
            caps = sorted(w for w in self.common if w.isupper())   # all the acronym rule looks at
            (path / "common_acronyms.json").write_text(json.dumps(caps, ensure_ascii=False), encoding="utf-8")

    def from_disk(self, path, exclude=tuple()):
        self.names, self.lengths, self.max_len = {}, {}, 0
        self.add_names(json.loads((Path(path) / "names.json").read_text(encoding="utf-8")))
        caps = Path(path) / "common_acronyms.json"
        self.common = set(json.loads(caps.read_text(encoding="utf-8"))) if caps.is_file() else set()
        return self


@Language.factory("wirebeam_gazetteer", default_config={"label": "LOC", "relabel_genitives": False, "acronym_label": ""})
def make_gazetteer(nlp: Language, name: str, label: str, relabel_genitives: bool, acronym_label: str) -> Gazetteer:
    return Gazetteer(nlp, name, label, relabel_genitives, acronym_label)


# lower-case words that belong inside names: "Frankfurt am Main", "Ursula von der Leyen", "Bank of England"
NAME_PARTICLES = frozenset("""von vom van der den de del della di da das dos du le la les zu zum zur und am an im in
bei ob auf al el bin ibn y of the and on upon e""".split())
EDGE_PUNCT = frozenset(",;:\"'„“”‚‘’«»()[]{}-–—/.")


def clean_span(words: List[str], start: int, end: int, common: set) -> List[Tuple[int, int]]:
    """A PER/LOC span [start, end) without edge punctuation and edge common words, split where a
    common lower-case word (not a name particle) sits inside it; [] when nothing is left."""
    pieces, piece_start = [], start
    for i in range(start, end + 1):
        inner_break = i < end and words[i].islower() and words[i] not in NAME_PARTICLES and words[i] in common
        if i == end or inner_break:
            if piece_start < i:
                pieces.append((piece_start, i))
            piece_start = i + 1
    def loose(word: str) -> bool:
        return word in EDGE_PUNCT or word in common or word in NAME_PARTICLES

    out = []
    for s, e in pieces:
        while s < e and loose(words[s]):
            s += 1
        while e > s and loose(words[e - 1]):
            e -= 1
        if s < e:
            out.append((s, e))
    return out


def is_name_compound(word: str, common: set) -> bool:
    """A hyphenated word ending in a common noun is not a name but a compound with one ("Kreml-Chef",
    "UN-Sanktionen", "SPD-Politiker"), which GermEval leaves untagged; "Baden-Württemberg" is a name."""
    head = word.rsplit("-", 1)[-1] if "-" in word.strip("-") else ""
    return bool(head) and head[:1].isupper() and head in common


# particles that join a person's surname to the first name: "Alexander Van der Bellen", "Ursula von der Leyen"
SURNAME_PARTICLES = frozenset("von vom van der den de del della di da dos du le la zu zum zur ten ter".split())
ARTICLE_PARTICLES = frozenset(("der", "den"))


def strip_lower_start(words: List[str], start: int, end: int) -> int:
    """German names start with a capital: lower-case words at the start of a mention ("russische",
    "nordkoreanische Staatsmedien") are no part of it; name particles ("von der Leyen") are. Returns
    the new start (== end when nothing capitalised is left)."""
    while start < end and words[start][:1].islower() and words[start] not in NAME_PARTICLES:
        start += 1
    return start


def strip_tail_noun(words: List[str], start: int, end: int, *nouns: set) -> int:
    """A mention of two or more words that ends in a genitive and a noun the training data uses as an
    ordinary word ("Nordkoreas Machthaber", "Putins Sprecher") loses that noun; "Shelly Manne" keeps
    its surname. Returns the new end."""
    if end - start >= 2 and words[end - 2].endswith("s") and any(words[end - 1] in n for n in nouns):
        return end - 1
    return end


def particle_tail(words: List[str], end: int, taken: List[bool], common: set) -> int:
    """A person name the model cut before its surname particle ("Alexander Van | der Bellen"): the
    particles and the capitalised word after them that is neither a common word nor tagged. Returns
    the new end of the name (`end` when nothing follows)."""
    i = end
    while i < len(words) and i - end < 2 and words[i] in SURNAME_PARTICLES:
        i += 1
    # "der"/"den" right after a name is mostly the article ("Eymer der Zeitung"); it is a particle
    # only after one that begins the surname ("Van der", "von den")
    if i > end and words[end] in ARTICLE_PARTICLES and words[end - 1].lower() not in SURNAME_PARTICLES:
        return end
    if i == end or i >= len(words) or taken[i]:
        return end
    word = words[i]
    if word[:1].isupper() and not word.isupper() and word not in common and word.isalpha():
        return i + 1
    return end


def is_loc_compound(word: str, common: set, min_head: int = 5) -> bool:
    """A one-word place that is a compound ending in a common noun of 5+ letters ("Staatsmedien" =
    Staats + Medien) is no place name; hyphenless cousin of `is_name_compound`."""
    for cut in range(3, len(word) - min_head + 1):
        head = word[cut:]
        if head[:1].isupper() or not head.isalpha():
            continue
        if head.capitalize() in common:
            return True
    return False


class EntityCleanup(_DocComponent):
    """Trims what the statistical ner wrongly glued to a name: punctuation at its edges, and for
    `labels` (default PER, LOC) common words of the training data at its edges or inside it
    ("Nordkorea ," -> "Nordkorea", "Reisen Putins" -> "Putins", "Kim Jong Un lud Putin" -> two names).
    With `drop_compounds`, a one-word mention like "Kreml-Chef" (a compound ending in a common noun) goes.
    German rules (`lower_start` etc., see the functions they name): a PER/LOC mention loses the
    lower-case words it starts with (`strip_lower_start`), a PER/LOC mention the ordinary noun it ends in
    (`strip_tail_noun`, with `common` and `nouns`, a wider list), a person name cut before "van der"
    gets its surname (`particle_tail`), a one-word place like "Staatsmedien" goes (`is_loc_compound`).
    A one-word mention of any label that is in `dictionary_nouns` (a dictionary's common nouns the
    training data never tags as names: "Orkanböen", "Photovoltaik") goes."""

    def __init__(self, nlp: Language, name: str, labels: List[str], drop_compounds: bool = True,
                 lower_start: bool = False, tail_nouns: bool = False, particles: bool = False,
                 loc_compounds: bool = False):
        self.name = name
        self.labels = set(labels)
        self.drop_compounds = drop_compounds
        self.lower_start = lower_start
        self.tail_nouns = tail_nouns
        self.particles = particles
        self.loc_compounds = loc_compounds
        self.common: set = set()
        self.nouns: set = set()
        self.dictionary_nouns: set = set()

    def _pieces(self, words: List[str], ent, taken: List[bool]) -> List[Tuple[int, int]]:
        start, end, label = ent.start, ent.end, ent.label_
        if self.lower_start and label in ("PER", "LOC"):   # not ORG: "dpa", "epd" are lower-case names
            start = strip_lower_start(words, start, end)
        if self.tail_nouns and label in self.labels:
            end = strip_tail_noun(words, start, end, self.nouns, self.common)
        if start >= end:
            return []
        if self.loc_compounds and label == "LOC" and end - start == 1 and is_loc_compound(words[start], self.common):
            return []
        if self.particles and label == "PER":
            end = particle_tail(words, end, taken, self.common)
            if end > ent.end:   # the particles belong to the name now
                return [(start, end)]
        return clean_span(words, start, end, self.common if label in self.labels else set())

    def __call__(self, doc: Doc) -> Doc:
        if not doc.ents:
            return doc
        words = [t.text for t in doc]
        taken = [False] * len(doc)
        for ent in doc.ents:
            for i in range(ent.start, ent.end):
                taken[i] = True
        spans = []
        for ent in doc.ents:
            if len(ent) == 1 and (ent.text in self.dictionary_nouns
                                  or self.drop_compounds and is_name_compound(ent.text, self.common)):
                continue
            spans += [Span(doc, s, e, label=ent.label_) for s, e in self._pieces(words, ent, taken)]
        doc.ents = filter_spans(spans)
        return doc

    def to_disk(self, path, exclude=tuple()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "common_words.json").write_text(json.dumps(sorted(self.common), ensure_ascii=False), encoding="utf-8")
        for file, words in (("nouns.json", self.nouns), ("dictionary_nouns.json", self.dictionary_nouns)):
            if words:
                (path / file).write_text(json.dumps(sorted(words), ensure_ascii=False), encoding="utf-8")

    def from_disk(self, path, exclude=tuple()):
        path = Path(path)
        self.common = set(json.loads((path / "common_words.json").read_text(encoding="utf-8")))
        self.nouns, self.dictionary_nouns = (
            set(json.loads((path / file).read_text(encoding="utf-8"))) if (path / file).is_file() else set()
            for file in ("nouns.json", "dictionary_nouns.json"))
        return self


@Language.factory("wirebeam_entity_cleanup", default_config={
    "labels": ["PER", "LOC"], "drop_compounds": True, "lower_start": False, "tail_nouns": False,
    "particles": False, "loc_compounds": False})
def make_entity_cleanup(nlp: Language, name: str, labels: List[str], drop_compounds: bool, lower_start: bool,
                        tail_nouns: bool, particles: bool, loc_compounds: bool) -> EntityCleanup:
    return EntityCleanup(nlp, name, labels, drop_compounds, lower_start, tail_nouns, particles, loc_compounds)
