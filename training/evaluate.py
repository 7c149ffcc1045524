"""Score a spaCy NER pipeline on a gold DocBin: exact-span precision/recall/F1, overall and per label.

    python training/evaluate.py MODEL training/corpus/de_eval.spacy [--raw] [--json OUT.json]

By default the pipeline tags the gold tokens (CoNLL-style scoring, as in the shared baselines);
--raw lets it tokenise the sentence text itself and compares character spans instead.
"""
import argparse
import json
import sys
from collections import Counter
from typing import Dict, Iterable, List, Set, Tuple

Span = Tuple[int, int, str]   # start char, end char, label


def spans_of(doc) -> Set[Span]:
    return {(e.start_char, e.end_char, e.label_) for e in doc.ents}


def score(pairs: Iterable[Tuple[Set[Span], Set[Span]]]) -> Dict:
    """(predicted, gold) span sets per doc -> P/R/F1 (in %) overall and per label."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for pred, gold in pairs:
        for _, _, label in pred & gold:
            tp[label] += 1
        for _, _, label in pred - gold:
            fp[label] += 1
        for _, _, label in gold - pred:
            fn[label] += 1

    def prf(t, p, n):
        precision = t / (t + p) if t + p else 0.0
        recall = t / (t + n) if t + n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"p": round(100 * precision, 2), "r": round(100 * recall, 2), "f": round(100 * f1, 2),
                "gold": t + n}

    labels = sorted(set(tp) | set(fp) | set(fn))
    out = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    out["per_label"] = {label: prf(tp[label], fp[label], fn[label]) for label in labels}
    return out


def predict(nlp, gold_docs: List, raw: bool = False) -> List:
    from spacy.tokens import Doc
    if raw:
        return list(nlp.pipe([g.text for g in gold_docs], batch_size=256))
    docs = [Doc(nlp.vocab, words=[t.text for t in g], spaces=[bool(t.whitespace_) for t in g]) for g in gold_docs]
    for _, proc in nlp.pipeline:
        docs = list(proc.pipe(docs, batch_size=256))
    return docs


def evaluate(nlp, gold_path: str, raw: bool = False) -> Dict:
    from spacy.tokens import DocBin
    gold = list(DocBin().from_disk(gold_path).get_docs(nlp.vocab))
    pred = predict(nlp, gold, raw)
    result = score((spans_of(p), spans_of(g)) for p, g in zip(pred, gold))
    result.update({"docs": len(gold), "tokenisation": "spacy" if raw else "gold"})
    return result


def add_cleanup(nlp, path: str):
    """wirebeam's entity cleanup right after the ner, with the common words of `path`."""
    import wirebeam.transforms.entities.components  # noqa: F401  (registers the factory)
    cleanup = nlp.add_pipe("wirebeam_entity_cleanup", name="cleanup", after="ner")
    cleanup.common = set(json.loads(open(path, encoding="utf-8").read()))
    return cleanup


def add_gazetteer(nlp, path: str, position: str = "after"):
    """wirebeam's gazetteer component with the names of `path` (JSONL patterns), before or after the ner."""
    import srsly
    import wirebeam.transforms.entities.components  # noqa: F401  (registers the factory)
    where = {"before": "ner"} if position == "before" else {"after": "ner"}
    gazetteer = nlp.add_pipe("wirebeam_gazetteer", name="gazetteer", **where)
    gazetteer.add_names(p["pattern"] for p in srsly.read_jsonl(path))
    return gazetteer


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("gold")
    ap.add_argument("--raw", action="store_true", help="let the pipeline tokenise the text")
    ap.add_argument("--json", help="also write the result here")
    ap.add_argument("--gazetteer", help="entity_ruler patterns (JSONL) to add to the pipeline for this run")
    ap.add_argument("--ruler-position", choices=["before", "after"], default="after",
                    help="ruler before the ner (its matches are kept) or after it (fills only gaps)")
    ap.add_argument("--cleanup", help="common-word list (JSON) for wirebeam_entity_cleanup after the ner")
    args = ap.parse_args(argv)
    import spacy
    import wirebeam.transforms.entities.components  # noqa: F401  (the bundled pipelines' own components)
    nlp = spacy.load(args.model)
    if args.cleanup:
        add_cleanup(nlp, args.cleanup)
    if args.gazetteer:
        add_gazetteer(nlp, args.gazetteer, args.ruler_position)
    result = evaluate(nlp, args.gold, args.raw)
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
