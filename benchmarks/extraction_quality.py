#!/usr/bin/env python3
"""Main-text quality of wirebeam's HTML extraction against trafilatura's own settings, one run.

Scores, with the shared `score.py` metric (4-word shingles, P and R averaged over pages), the
text wirebeam writes for each HTML page of `../shared/eval/extraction/` (the body sets) and the
text of plain `trafilatura.extract` with its defaults and with its best single settings, all
on the same pages in the same run. ms/page is the extraction call alone, per process.

    python benchmarks/extraction_quality.py
    python benchmarks/extraction_quality.py --sets fundus_de --workers 1 --predictions preds.jsonl
"""
import argparse
import gzip
import importlib.util
import json
import pathlib
import statistics
import sys
import time
import unicodedata
from multiprocessing import Pool

ROOT = pathlib.Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval" / "extraction"
TARGET = 0.965
TIME_TARGET = 1.1   # issue 19: wirebeam's extraction, metadata and cleanup included, at most 1.1x trafilatura's `extract`
BASELINES = {  # label -> trafilatura.extract keyword arguments
    "trafilatura default": {},
    "trafilatura no_comments": {"include_comments": False},
    "trafilatura precision": {"include_comments": False, "favor_precision": True},
    "trafilatura fast": {"include_comments": False, "fast": True},
}
OURS = "wirebeam (fast + metadata-aware cleanup)"


def _score_module(root):
    spec = importlib.util.spec_from_file_location("score", root / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nfc(text: str) -> str:
    """wirebeam stores text in Unicode NFC (docs/text.md); a page written in decomposed form has a
    decomposed gold text, whose words would not match the same words composed. Gold and every
    extractor's text are compared in NFC, so no extractor gains or loses by the form alone."""
    return unicodedata.normalize("NFC", text or "")


def _extract_page(args):
    root, rec = args
    import trafilatura
    from wirebeam.transforms.extract.dispatch import from_html
    from wirebeam.transforms.extract.html import ExtractionError
    raw = gzip.decompress((root / "pages" / rec["set"] / f"{rec['id']}.html.gz").read_bytes())
    out = {"id": rec["id"]}
    for label, kwargs in BASELINES.items():
        t = time.perf_counter()
        try:
            text = trafilatura.extract(raw, url=rec.get("url"), **kwargs) or ""
        except Exception:
            text = ""
        out[label] = (text, time.perf_counter() - t)
    t = time.perf_counter()
    try:
        text = from_html(rec["id"], raw, url=rec.get("url"))["text"]
    except ExtractionError:
        text = ""
    out[OURS] = (text, time.perf_counter() - t)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=pathlib.Path, default=EVAL, help="folder with gold.jsonl, pages/ and score.py")
    ap.add_argument("--sets", nargs="+", default=["zyte", "readability", "fundus_de"])
    ap.add_argument("--workers", type=int, default=2, help="processes scoring pages in parallel")
    ap.add_argument("--predictions", type=pathlib.Path, help="write wirebeam's texts as JSON lines for score.py")
    ap.add_argument("--json", type=pathlib.Path, help="write the summary here")
    args = ap.parse_args(argv)
    if not (args.root / "gold.jsonl").exists():
        raise SystemExit(f"no gold.jsonl under {args.root}: the shared eval data must sit beside the project")
    score = _score_module(args.root)
    gold = [json.loads(line) for line in (args.root / "gold.jsonl").open(encoding="utf-8")]
    gold = [r for r in gold if r["set"] in args.sets and r["kind"] == "body"]
    with Pool(args.workers) as pool:
        pages = pool.map(_extract_page, [(args.root, r) for r in gold], chunksize=4)
    by_id = {r["id"]: r for r in gold}
    if args.predictions:
        with args.predictions.open("w", encoding="utf-8") as f:
            for page in pages:
                f.write(json.dumps({"id": page["id"], "text": page[OURS][0]}, ensure_ascii=False) + "\n")

    labels = [*BASELINES, OURS]
    summary = {}
    print(f"{len(gold)} pages; F1 (P/R) over 4-word shingles, as score.py; target {TARGET} on each set\n")
    print(f"{'extractor':<42}" + "".join(f"{s:>24}" for s in args.sets) + f"{'ms/page':>9}")
    for label in labels:
        row, cells = {}, []
        for name in args.sets:
            scores = [score.score_body(_nfc(by_id[p["id"]]["body"]), _nfc(p[label][0])) for p in pages
                      if by_id[p["id"]]["set"] == name]
            precision = statistics.mean(s["p"] for s in scores)
            recall = statistics.mean(s["r"] for s in scores)
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            row[name] = {"f1": round(f1, 4), "p": round(precision, 4), "r": round(recall, 4)}
            cells.append(f"{f1:.4f} ({precision:.3f}/{recall:.3f})")
        ms = 1000 * statistics.mean(p[label][1] for p in pages)
        row["ms_per_page"] = round(ms, 1)
        summary[label] = row
        print(f"{label:<42}" + "".join(f"{c:>24}" for c in cells) + f"{ms:9.1f}")
    ratio = sum(p[OURS][1] for p in pages) / sum(p["trafilatura default"][1] for p in pages)
    summary["time_ratio_to_trafilatura_default"] = round(ratio, 3)
    print(f"\nwirebeam's time / trafilatura default's, same pages, same processes: {ratio:.2f} (target {TIME_TARGET})")
    missed = [s for s in args.sets if summary[OURS][s]["f1"] < TARGET]
    print(f"wirebeam target {TARGET}: " + ("met on every set" if not missed else f"NOT met on {', '.join(missed)}"))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    sys.exit(main())
