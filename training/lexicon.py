"""Lexical features as static vectors: what a German word is, from dictionaries the corpora lack.

With a few thousand annotated sentences the tagger meets most names and many nouns only once or
never, and in German every noun is capitalised, so the shape of a word says little. A small table
of 0/1 features per word form, read by the tok2vec layer as spaCy static vectors (keyed by the
exact form), tells the model what a dictionary knows:

- common noun / place / first name / surname / other proper name, from German Wiktionary's noun
  list (the `german-nouns` package, CC BY-SA 4.0: lemmas and all their inflected forms, with the
  word class: Substantiv, Toponym, Vorname, Nachname, Eigenname);
- first names and surnames of the Latin-script locales of Faker (MIT);
- places from the gazetteer (`gazetteer.py`: CLDR country and region names, GeoNames cities);
- a word that is part of a multi-word place name.

Names also get their German genitive (-s). Only a few dozen distinct feature vectors exist, so the
table stores each once and maps every word form to its row.

    pip install --no-deps german-nouns==1.2.5   # its own dependency pins an lxml that trafilatura cannot use
    python training/lexicon.py --gazetteer training/corpus/gazetteer_de.jsonl --out training/corpus/lexicon_de
"""
import argparse
import csv
import importlib
import json
import pathlib
import pkgutil
from collections import defaultdict
from typing import Dict, Iterable, Set

FEATURES = ("noun", "place", "first_name", "surname", "proper_name", "place_part")
_WIKTIONARY_CLASS = {"Toponym": "place", "Vorname": "first_name", "Nachname": "surname",
                     "Eigenname": "proper_name"}
_SKIP_COLUMNS = {"lemma", "pos"}


def _latin_name(word: str) -> bool:
    return bool(word) and word[0].isupper() and word.isalpha() and all(ord(c) < 0x250 for c in word)


def wiktionary_forms(csv_path: pathlib.Path) -> Dict[str, Set[str]]:
    """Every inflected form in the noun list, with the feature of its word class."""
    out: Dict[str, Set[str]] = defaultdict(set)
    with csv_path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            classes = set(row["pos"].split(","))
            feature = next((_WIKTIONARY_CLASS[c] for c in _WIKTIONARY_CLASS if c in classes), None)
            if feature is None:
                if "Substantiv" not in classes:
                    continue
                feature = "noun"
            for column, value in row.items():
                if column in _SKIP_COLUMNS or column.startswith("genus") or not value:
                    continue
                for form in value.split():
                    if form[:1].isupper() and form.isalpha():
                        out[form].add(feature)
    return out


def faker_names() -> Dict[str, Set[str]]:
    """First names and surnames of every Faker locale written in Latin script."""
    import faker.providers.person as person
    out: Dict[str, Set[str]] = defaultdict(set)
    for module in pkgutil.iter_modules(person.__path__):
        try:
            provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        except (ImportError, AttributeError):
            continue
        for attr, feature in (("first_names", "first_name"), ("first_names_male", "first_name"),
                              ("first_names_female", "first_name"), ("last_names", "surname")):
            names = getattr(provider, attr, None)
            if isinstance(names, (list, tuple, set, frozenset, dict)):
                for name in names:
                    if isinstance(name, str) and _latin_name(name):
                        out[name].add(feature)
    return out


def gazetteer_places(path: pathlib.Path) -> Dict[str, Set[str]]:
    out: Dict[str, Set[str]] = defaultdict(set)
    with path.open(encoding="utf-8") as f:
        for line in f:
            words = json.loads(line)["pattern"]
            words = words.split() if isinstance(words, str) else [t.get("ORTH", "") for t in words]
            if len(words) == 1:
                out[words[0]].add("place")
            else:
                for word in words:
                    if _latin_name(word):
                        out[word].add("place_part")
    return out


def with_genitives(lexicon: Dict[str, Set[str]]) -> None:
    """'Putins', 'Merkels': the German genitive of a name, unless that form is a word of its own."""
    for word, features in list(lexicon.items()):
        names = features & {"first_name", "surname", "place", "proper_name"}
        if names and not word.endswith(("s", "x", "z", "ß")):
            lexicon.setdefault(word + "s", set()).update(names)


def merge(*parts: Dict[str, Set[str]]) -> Dict[str, Set[str]]:
    out: Dict[str, Set[str]] = defaultdict(set)
    for part in parts:
        for word, features in part.items():
            out[word] |= features
    return out


def write_vectors(lexicon: Dict[str, Set[str]], out: pathlib.Path, lang: str = "de") -> Dict[str, int]:
    """A blank pipeline whose vectors table maps each word form to its row of 0/1 features."""
    import numpy
    import spacy
    from spacy.vectors import Vectors
    patterns = sorted({tuple(f in feats for f in FEATURES) for feats in lexicon.values()})
    rows = {p: i for i, p in enumerate(patterns)}
    vectors = Vectors(shape=(len(patterns), len(FEATURES)))
    vectors.data[:] = numpy.asarray(patterns, dtype="float32")
    nlp = spacy.blank(lang)
    for word in sorted(lexicon):
        key = nlp.vocab.strings.add(word)
        vectors.add(key, row=rows[tuple(f in lexicon[word] for f in FEATURES)])
    nlp.vocab.vectors = vectors
    nlp.to_disk(out)
    counts = {f: sum(f in feats for feats in lexicon.values()) for f in FEATURES}
    counts.update(words=len(lexicon), rows=len(patterns))
    return counts


def main(argv: Iterable[str] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gazetteer", type=pathlib.Path, required=True, help="gazetteer.py's output (JSONL)")
    ap.add_argument("--nouns", type=pathlib.Path, default=None,
                    help="german-nouns' nouns.csv (default: the installed package's)")
    ap.add_argument("--out", type=pathlib.Path, required=True, help="folder for the vectors pipeline")
    args = ap.parse_args(argv)
    nouns = args.nouns
    if nouns is None:
        import german_nouns
        nouns = pathlib.Path(next(iter(german_nouns.__path__))) / "nouns.csv"
    lexicon = merge(wiktionary_forms(nouns), faker_names(), gazetteer_places(args.gazetteer))
    with_genitives(lexicon)
    print(json.dumps(write_vectors(lexicon, args.out)))


if __name__ == "__main__":
    main()
