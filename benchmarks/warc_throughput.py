#!/usr/bin/env python3
"""WARC input against the same pages as files: the pages of the shared extraction eval are packed
into one gzip-per-record .warc.gz (each page a 200 text/html response, with a request record
before it, as crawlers write them), then `wirebeam run` reads the archive and, separately, the
.html.gz files. Prints seconds, pages/s, peak RSS and how many texts differ between the two runs.

    python benchmarks/warc_throughput.py                  # all 1368 pages
    python benchmarks/warc_throughput.py --sets zyte --runs 1
"""
import argparse
import gzip
import pathlib
import sys
import tempfile
import time

from measured import measured_run  # benchmarks/measured.py (this folder is on sys.path when run as a script)

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = ROOT.parent / "shared" / "eval" / "extraction" / "pages"
SETS = ("zyte", "readability", "fundus_de", "trafilatura")


def warc_record(kind: str, uri: str, block: bytes, content_type: str) -> bytes:
    head = (f"WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Date: 2025-03-15T06:00:00Z\r\nWARC-Target-URI: {uri}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(block)}\r\n\r\n")
    return head.encode() + block + b"\r\n\r\n"


def pack(files, path: pathlib.Path) -> None:
    with open(path, "wb") as out:
        for i, page in enumerate(files):
            uri = f"https://bench.example/{page.parent.name}/{i}"
            body = gzip.decompress(page.read_bytes())
            request = f"GET /{page.parent.name}/{i} HTTP/1.1\r\nHost: bench.example\r\n\r\n".encode()
            response = (f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n"
                        .encode() + body)
            out.write(gzip.compress(warc_record("request", uri, request, "application/http; msgtype=request")))
            out.write(gzip.compress(warc_record("response", uri, response, "application/http; msgtype=response")))


def run(inputs, out: pathlib.Path, extra=()):
    args = [sys.executable, "-m", "wirebeam", "run", "--output", str(out), *extra]
    for item in inputs:
        args += ["--input", str(item)]
    seconds, rss_mib, rc, _ = measured_run(args, quiet=True)
    return seconds, rss_mib, rc


def texts(out: pathlib.Path):
    import pyarrow.dataset as ds
    table = ds.dataset(str(out / "articles"), format="parquet", partitioning="hive").to_table(columns=["text"])
    return sorted(table.column("text").to_pylist())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    files = [f for name in args.sets for f in sorted((PAGES / name).glob("*.html.gz"))]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        archive = tmp / "bench.warc.gz"
        t0 = time.perf_counter()
        pack(files, archive)
        print(f"{len(files)} pages packed into {archive.stat().st_size / 2**20:.1f} MiB .warc.gz "
              f"in {time.perf_counter() - t0:.1f} s")
        print("| input | s | pages/s | peak RSS MiB | articles |")
        print("|---|---|---|---|---|")
        results = {}
        for name, inputs in (("html.gz files", files), ("one .warc.gz", [archive])):
            for r in range(args.runs):
                out = tmp / f"out-{len(results)}-{r}"
                seconds, rss, rc = run(inputs, out)
                assert rc == 0, rc
                found = texts(out)
                results[name] = found
                print(f"| {name} | {seconds:.1f} | {len(files) / seconds:.1f} | {rss:,.0f} | {len(found)} |")
        files_texts, warc_texts = set(results["html.gz files"]), set(results["one .warc.gz"])
        print(f"article texts only in one of the two runs: {len(files_texts - warc_texts)} / {len(warc_texts - files_texts)} "
              f"(the records share one host, so repeated-line removal groups them as one site; the files by folder)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
