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


class Gazetteer:
    """Adds `label` spans for listed names that do not overlap an entity already on the doc."""

    def __init__(self, nlp: Language, name: str, label: str):
        self.name = name
        self.label = label
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
        taken = [False] * len(doc)
        for ent in doc.ents:
            for i in range(ent.start, ent.end):
                taken[i] = True
        words = [t.text for t in doc]
        matches = longest_matches(words, self.names, self.max_len, self.lengths)
        new = [Span(doc, s, e, label=self.label) for s, e in matches if not any(taken[s:e])]
        if new:
            doc.ents = filter_spans(list(doc.ents) + new)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)

    def to_disk(self, path, exclude=tuple()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        names = sorted(" ".join(w) for group in self.names.values() for w in group)
        (path / "names.json").write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")

    def from_disk(self, path, exclude=tuple()):
        self.names, self.lengths, self.max_len = {}, {}, 0
        self.add_names(json.loads((Path(path) / "names.json").read_text(encoding="utf-8")))
        return self


@Language.factory("wirebeam_gazetteer", default_config={"label": "LOC"})
def make_gazetteer(nlp: Language, name: str, label: str) -> Gazetteer:
    return Gazetteer(nlp, name, label)


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


class EntityCleanup:
    """Trims what the statistical ner wrongly glued to a name: punctuation at its edges, and for
    `labels` (default PER, LOC) common words of the training data at its edges or inside it
    ("Nordkorea ," -> "Nordkorea", "Reisen Putins" -> "Putins", "Kim Jong Un lud Putin" -> two names).
    With `drop_compounds`, a one-word mention like "Kreml-Chef" (a compound ending in a common noun) goes."""

    def __init__(self, nlp: Language, name: str, labels: List[str], drop_compounds: bool = True):
        self.name = name
        self.labels = set(labels)
        self.drop_compounds = drop_compounds
        self.common: set = set()

    def __call__(self, doc: Doc) -> Doc:
        if not doc.ents:
            return doc
        words = [t.text for t in doc]
        spans = []
        for ent in doc.ents:
            if self.drop_compounds and len(ent) == 1 and is_name_compound(ent.text, self.common):
                continue
            if ent.label_ in self.labels:
                pieces = clean_span(words, ent.start, ent.end, self.common)
            else:
                pieces = clean_span(words, ent.start, ent.end, set())
            spans += [Span(doc, s, e, label=ent.label_) for s, e in pieces]
        doc.ents = spans
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)

    def to_disk(self, path, exclude=tuple()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "common_words.json").write_text(json.dumps(sorted(self.common), ensure_ascii=False), encoding="utf-8")

    def from_disk(self, path, exclude=tuple()):
        self.common = set(json.loads((Path(path) / "common_words.json").read_text(encoding="utf-8")))
        return self


@Language.factory("wirebeam_entity_cleanup", default_config={"labels": ["PER", "LOC"], "drop_compounds": True})
def make_entity_cleanup(nlp: Language, name: str, labels: List[str], drop_compounds: bool) -> EntityCleanup:
    return EntityCleanup(nlp, name, labels, drop_compounds)
