#!/usr/bin/env python3
"""Throughput of `wirebeam run` against a bare single-process loop, measured in one run.

The bare loop is what a user would write without wirebeam: for each HTML page of the shared
extraction eval, `trafilatura.extract(page)` then seeded `langdetect`. The pipeline runs the whole
wirebeam flow (read, extract + metadata, furniture, language, dedup, entity stage, Parquet) on the
same pages, once with the default local runner and once with
`--direct_running_mode multi_processing --direct_num_workers 2`, and once more on 2 workers with
`--ner none`, which does the bare loop's work (no entity tagging). Wall time includes start-up.
Ratios (pipeline pages/s divided by bare-loop pages/s) are what to compare across machines.
Since the entity stage is on by default, a second bare loop also tags each text with the same bundled
spaCy pipeline for its language (paragraph by paragraph, as wirebeam does), so the default runs have a
like-for-like reference too.

    python benchmarks/throughput.py                 # all four sets (1368 pages)
    python benchmarks/throughput.py --sets fundus_de zyte --json result.json
    python benchmarks/throughput.py --stories-cost  # only: default runner with and without --stories off
    python benchmarks/throughput.py --startup-only  # only: start-up (a one-page run, default runner)

Start-up is the wall time of `wirebeam run` on the first page of the first set, default runner and
flags (entities on), from launch until the process has ended with its article committed: in a batch
run that is when the first document is out. Best of STARTUP_RUNS runs (a latency: the best run is the
one least disturbed by other load on the machine); every run is printed.
"""
import argparse
import gzip
import json
import pathlib
import resource
import sys
import tempfile
import time

from measured import measured_run  # benchmarks/measured.py (this folder is on sys.path when run as a script)

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = ROOT.parent / "shared" / "eval" / "extraction" / "pages"


def page_files(root, sets):
    files = []
    for name in sets:
        files += sorted((root / name).glob("*.html.gz"))
    return files


def bare_loop(files, taggers=None):
    """Seconds for trafilatura.extract + langdetect over the pages (and, with `taggers`, a dict of
    language -> spaCy pipeline, entity tagging of each text's paragraphs)."""
    import trafilatura
    from langdetect.detector_factory import DetectorFactory, PROFILES_DIRECTORY
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = 0
    t0 = time.perf_counter()
    for path in files:
        text = trafilatura.extract(gzip.decompress(path.read_bytes()))
        if text:
            detector = factory.create()
            detector.append(text)
            try:
                lang = detector.detect()
            except Exception:
                lang = None
            if taggers and lang in taggers:
                list(taggers[lang].pipe(line for line in text.splitlines() if line.strip()))
    return time.perf_counter() - t0


def bundled_taggers():
    from wirebeam.transforms.entities.tag import bundled_models, load_pipeline
    return {lang: load_pipeline(path) for lang, path in bundled_models().items()}


def stage_costs(files):
    """ms/page of each stage's pure function, one process, on the same pages."""
    from wirebeam.transforms import dedup, language
    from wirebeam.transforms.extract.decode import looks_binary
    from wirebeam.transforms.extract.dispatch import from_html
    from wirebeam.transforms.extract.html import ExtractionError
    factory = language.load_factory()
    from wirebeam.transforms.entities.tag import TagEntities, bundled_models
    tagger = TagEntities(bundled_models())
    tagger.setup()
    costs = {"read+gunzip": 0.0, "extract (html + metadata + credits)": 0.0, "language": 0.0,
             "dedup signature": 0.0, "entities (bundled taggers + norms)": 0.0}
    articles = []
    for path in files:
        t = time.perf_counter()
        raw = gzip.decompress(path.read_bytes())
        looks_binary(raw)
        costs["read+gunzip"] += time.perf_counter() - t
        t = time.perf_counter()
        try:
            article = from_html(str(path), raw)
        except ExtractionError:
            article = None
        costs["extract (html + metadata + credits)"] += time.perf_counter() - t
        if not article:
            continue
        t = time.perf_counter()
        article["language"] = language.detect_language(article["text"], factory)[0]
        costs["language"] += time.perf_counter() - t
        t = time.perf_counter()
        dedup.signature_of(article["text"])
        costs["dedup signature"] += time.perf_counter() - t
        t = time.perf_counter()
        list(tagger.process([article]))
        costs["entities (bundled taggers + norms)"] += time.perf_counter() - t
        articles.append(article)
    return {k: round(v * 1000 / len(files), 2) for k, v in costs.items()}


STARTUP_RUNS = 3


def startup(files, runs=STARTUP_RUNS):
    """Seconds of each one-page run on the default runner (see the module's docstring)."""
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        page = pathlib.Path(folder) / files[0].name
        page.write_bytes(files[0].read_bytes())
        for _ in range(runs):
            seconds.append(pipeline_run([page], [])[0])
    return seconds


def pipeline_run(page_dirs, extra):
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "wirebeam", "run", *sum((["--input", str(d)] for d in page_dirs), []),
               "--output", out, *extra]
        seconds, rss_mib, rc, _ = measured_run(cmd, quiet=True)
        if rc != 0:
            raise SystemExit(f"wirebeam run failed: {' '.join(cmd)}")
        report = json.loads((pathlib.Path(out) / "run.json").read_text())
    return seconds, rss_mib, report


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=pathlib.Path, default=PAGES)
    ap.add_argument("--sets", nargs="+", default=["fundus_de", "readability", "trafilatura", "zyte"])
    ap.add_argument("--json", type=pathlib.Path, help="write the results here")
    ap.add_argument("--stories-cost", action="store_true",
                    help="only measure what the story stage adds: the default runner with stories on and off")
    ap.add_argument("--startup-only", action="store_true", help="only measure start-up (a one-page run)")
    args = ap.parse_args(argv)
    files = page_files(args.pages, args.sets)
    if not files:
        raise SystemExit(f"no pages under {args.pages}")
    n = len(files)
    print(f"{n} pages from {', '.join(args.sets)}")
    if args.stories_cost:
        return stories_cost(args, n)
    if args.startup_only:
        return report_startup(files, {"pages": n}, args.json)

    bare = bare_loop(files)
    bare_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    bare_ner = bare_loop(files, bundled_taggers())
    bare_ner_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [("bare loop: trafilatura.extract + langdetect, 1 process", bare, bare_rss, None),
            ("bare loop + entity tagging (bundled taggers), 1 process", bare_ner, bare_ner_rss, None)]
    for label, extra in [("wirebeam run, default local runner", []),
                         ("wirebeam run, multi_processing, 2 workers",
                          ["--direct_running_mode", "multi_processing", "--direct_num_workers", "2"]),
                         ("wirebeam run, 2 workers, --ner none (the bare loop's work)",
                          ["--direct_running_mode", "multi_processing", "--direct_num_workers", "2", "--ner", "none"])]:
        seconds, rss, report = pipeline_run([args.pages / s for s in args.sets], extra)
        rows.append((label, seconds, rss, report))

    print(f"\n{'run':<58} {'s':>7} {'pages/s':>8} {'ratio':>6} {'ratio+NER':>9} {'peak RSS MiB':>13} "
          f"{'articles':>8} {'failures':>8}")
    result = {"pages": n, "runs": []}
    for label, seconds, rss, report in rows:
        ratio, ratio_ner = bare / seconds, bare_ner / seconds
        print(f"{label:<58} {seconds:7.1f} {n / seconds:8.1f} {ratio:6.2f} {ratio_ner:9.2f} {rss:13.0f} "
              f"{(report or {}).get('articles', '-'):>8} {((report or {}).get('failures') or {}).get('total', '-'):>8}")
        result["runs"].append({"run": label, "seconds": round(seconds, 2), "pages_per_s": round(n / seconds, 2),
                               "ratio_vs_bare": round(ratio, 3), "ratio_vs_bare_with_ner": round(ratio_ner, 3),
                               "peak_rss_mib": round(rss)})
    print("ratio: to the bare loop; ratio+NER: to the bare loop with entity tagging (the like-for-like "
          "reference of the runs with the entity stage on)")
    costs = stage_costs(files)
    print("\nper-stage cost, ms/page (pure functions, one process):")
    for stage, ms in costs.items():
        print(f"  {stage:<40} {ms:7.2f}")
    result["stage_ms_per_page"] = costs
    report_startup(files, result, args.json)


def report_startup(files, result, json_path):
    runs = startup(files)
    print(f"\nstart-up (one page, default runner and flags, until its article is committed): best "
          f"{min(runs):.1f} s of {', '.join(f'{s:.1f}' for s in runs)} s")
    result["startup_s"] = {"best": round(min(runs), 2), "runs": [round(s, 2) for s in runs]}
    if json_path:
        json_path.write_text(json.dumps(result, indent=2))
    return result


def stories_cost(args, n):
    """One run with the story stage (the default) and one with --stories off, default local runner."""
    result = {"pages": n, "runs": []}
    for label, extra in [("wirebeam run, default local runner, --stories off", ["--stories", "off"]),
                         ("wirebeam run, default local runner (stories on)", [])]:
        seconds, rss, report = pipeline_run([args.pages / s for s in args.sets], extra)
        print(f"{label:<52} {seconds:7.1f} s {n / seconds:7.1f} pages/s {rss:7.0f} MiB  "
              f"{report.get('articles')} articles")
        result["runs"].append({"run": label, "seconds": round(seconds, 2), "peak_rss_mib": round(rss)})
    off, on = result["runs"][0]["seconds"], result["runs"][1]["seconds"]
    result["stories_added"] = round(on / off - 1, 3)
    print(f"the story stage adds {100 * (on / off - 1):.1f} % to the run's wall time")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
