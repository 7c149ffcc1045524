#!/usr/bin/env python3
"""Quality and cost of the bundled entity taggers, measured in one run.

1. Precision/recall/F1 (exact span, outer level) per label and overall, on the held-out sets of
   training/README.md: German = GermEval 2014 test sentences with even index, English = WikiGold
   sentences 1401-1696. Gold tokenisation (CoNLL-style) and spaCy's own tokenisation (as in production).
2. Words per second per core: `nlp.pipe` over the eval sentences' text, one process, batch 256,
   tokenizer included, best of two passes after a warm-up. The pipelines run as the entity stage runs
   them (transforms/entities/runtime.py: numpy's matrix product, one BLAS thread), scores included.
3. What the entity stage costs a whole `wirebeam run`: the same input once with the default
   `--ner auto` and once with `--ner none`, one after the other; the ratio of wall times (start-up
   included; both runs use the default local runner).

    python benchmarks/ner_quality.py                                  # eval sets + 1368 extraction pages
    python benchmarks/ner_quality.py --pages fundus_de --json out.json
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "training"))


def ensure_corpus(corpus: pathlib.Path) -> None:
    if not (corpus / "de_eval.spacy").exists() or not (corpus / "en_eval.spacy").exists():
        subprocess.run([sys.executable, str(ROOT / "training" / "prepare.py"), "--data", str(SHARED / "data" / "ner"),
                        "--out", str(corpus)], check=True)


def quality_and_speed(lang: str, corpus: pathlib.Path) -> dict:
    """Scores and words/s of the bundled pipeline for `lang`, run as TagEntities runs it."""
    from wirebeam.transforms.entities.runtime import blas_controller, blas_threads, multiply_with_numpy
    from wirebeam.transforms.entities.tag import bundled_model_path, load_pipeline
    path = bundled_model_path(lang)
    nlp = load_pipeline(path)
    multiply_with_numpy(nlp)
    with blas_threads(blas_controller()):
        return _quality_and_speed(nlp, path, lang, corpus)


def _quality_and_speed(nlp, path: str, lang: str, corpus: pathlib.Path) -> dict:
    from spacy.tokens import DocBin

    import evaluate
    gold_path = str(corpus / f"{lang}_eval.spacy")
    result = {"model": path, "pipes": nlp.pipe_names,
              "size_mb": round(sum(p.stat().st_size for p in pathlib.Path(path).rglob("*") if p.is_file()) / 1e6, 1),
              "gold_tokens": evaluate.evaluate(nlp, gold_path), "spacy_tokens": evaluate.evaluate(nlp, gold_path, raw=True)}
    texts = [d.text for d in DocBin().from_disk(gold_path).get_docs(nlp.vocab)]
    words = sum(len(t.split()) for t in texts)
    list(nlp.pipe(texts[:200], batch_size=256))
    best = None
    for _ in range(2):
        started = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=256, n_process=1):
            pass
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    result.update({"words": words, "words_per_s": round(words / best)})
    return result


def run_seconds(inputs, extra) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "wirebeam", "run", *inputs, "--output", f"{tmp}/out", *extra],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - started
        report = json.loads(pathlib.Path(f"{tmp}/out/run.json").read_text())
    return elapsed, report


def slowdown(pages_sets) -> dict:
    pages = SHARED / "eval" / "extraction" / "pages"
    inputs = []
    for name in pages_sets:
        inputs += ["--input", str(pages / name)]
    with_ner, report = run_seconds(inputs, [])
    without, _ = run_seconds(inputs, ["--ner", "none"])
    return {"pages": report["inputs"]["files"], "articles": report["articles"], "languages": report["languages"],
            "entities": report["entities"]["entities"], "tagged_articles": report["entities"]["tagged_articles"],
            "seconds_ner_auto": round(with_ner, 1), "seconds_ner_none": round(without, 1),
            "ratio": round(with_ner / without, 2)}


def table(result: dict) -> str:
    lines = ["| set | tokens | P | R | F1 | PER | LOC | ORG | MISC |", "|---|---|---|---|---|---|---|---|---|"]
    for lang in ("de", "en"):
        for kind in ("gold_tokens", "spacy_tokens"):
            r = result[lang][kind]
            per = [f"{r['per_label'].get(label, {}).get('f', 0):.1f}" for label in ("PER", "LOC", "ORG", "MISC")]
            lines.append(f"| {lang} | {kind.split('_')[0]} | {r['p']:.1f} | {r['r']:.1f} | **{r['f']:.1f}** | "
                         + " | ".join(per) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=pathlib.Path, default=ROOT / "training" / "corpus")
    ap.add_argument("--pages", nargs="*", default=["fundus_de", "readability", "trafilatura", "zyte"],
                    help="sets of ../shared/eval/extraction/pages for the slowdown runs (none: skip them)")
    ap.add_argument("--json", help="write the result here too")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    ensure_corpus(args.corpus)
    result = {lang: quality_and_speed(lang, args.corpus) for lang in ("de", "en")}
    if args.pages:
        result["slowdown"] = slowdown(args.pages)
    print(json.dumps(result, indent=1))
    print(table(result))
    for lang in ("de", "en"):
        print(f"{lang}: {result[lang]['words_per_s']} words/s (1 process), {result[lang]['size_mb']} MB")
    if "slowdown" in result:
        s = result["slowdown"]
        print(f"wirebeam run on {s['pages']} pages: {s['seconds_ner_auto']} s with --ner auto, "
              f"{s['seconds_ner_none']} s with --ner none: ratio {s['ratio']}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
