"""Words the training data uses as ordinary words (tagged O nearly always): the list the
wirebeam_entity_cleanup component trims from the edges of person and place names.

    python training/common_words.py --lang de --out training/corpus/common_de.json
    python training/common_words.py --lang de --nouns --out training/corpus/nouns_de.json
    python training/common_words.py --lang de --dictionary --out training/corpus/dictionary_nouns_de.json
"""
import argparse
import json
import pathlib
import sys
from collections import Counter

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from prepare import ENGLISH, GERMAN, training_tokens  # noqa: E402


def common_words(data: pathlib.Path, plan: dict, min_capitalised: int = 3, max_entity_share: float = 0.05):
    as_o, as_ent = Counter(), Counter()
    for token, tag in training_tokens(data, plan):
        (as_o if tag == "O" else as_ent)[token] += 1
    out = set()
    for token, n in as_o.items():
        if not any(c.isalpha() for c in token) or as_ent[token] > max_entity_share * (n + as_ent[token]):
            continue
        if token.islower() or n >= min_capitalised:
            out.add(token)
    return sorted(out)


def nouns(data: pathlib.Path, plan: dict, max_entity_share: float = 0.05):
    """The wider list for the end of a mention ("Nordkoreas Machthaber"): capitalised words of letters
    (and hyphens) the training part tags O at least once and almost never as a name, minus `common_words`."""
    common = set(common_words(data, plan, max_entity_share=max_entity_share))
    wide = common_words(data, plan, min_capitalised=1, max_entity_share=max_entity_share)
    return sorted(w for w in wide if w not in common and w[:1].isupper() and not w.isupper() and len(w) > 2
                  and w.replace("-", "").isalpha())


def dictionary_nouns(data: pathlib.Path, plan: dict, nouns_csv: pathlib.Path = None):
    """Common nouns a German dictionary knows (every inflected form of Wiktionary's nouns that are no
    place, person or other proper name; the `german-nouns` package, CC BY-SA 4.0) minus every word the
    training part tags as (part of) a name: a one-word mention in this list ("Orkanböen", "Ortsrand")
    is an ordinary noun the tagger took for a name, while "Spiegel" or "Bahn", which the data tags as
    names, stay possible. Acronyms are left to the tagger."""
    from lexicon import wiktionary_forms
    if nouns_csv is None:
        import german_nouns
        nouns_csv = pathlib.Path(next(iter(german_nouns.__path__))) / "nouns.csv"
    in_names = {token for token, tag in training_tokens(data, plan) if tag != "O"}
    return sorted(w for w, features in wiktionary_forms(nouns_csv).items()
                  if features == {"noun"} and w not in in_names and not w.isupper())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lang", choices=["de", "en"], required=True)
    ap.add_argument("--data", default="../shared/data/ner", type=pathlib.Path)
    ap.add_argument("--out", required=True, type=pathlib.Path)
    ap.add_argument("--nouns", action="store_true", help="the wider noun list (see `nouns`) instead")
    ap.add_argument("--dictionary", action="store_true",
                    help="German: the dictionary's common nouns that the data never tags as names (see "
                         "`dictionary_nouns`; needs `pip install --no-deps german-nouns==1.2.5`)")
    args = ap.parse_args(argv)
    plan = GERMAN if args.lang == "de" else ENGLISH
    if args.dictionary:
        words = dictionary_nouns(args.data, plan)
    else:
        words = nouns(args.data, plan) if args.nouns else common_words(args.data, plan)
    args.out.write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
    print(f"{args.out}: {len(words)} words", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
