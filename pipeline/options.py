"""wirebeam's pipeline options.

Every wirebeam flag is a field of `WirebeamOptions`, a `PipelineOptions` subclass, so the same
flags work from the CLI, in a Dataflow template and from Python. Beam's own options
(--runner, --direct_num_workers, --direct_running_mode, ...) pass straight through.
"""
from apache_beam.options.pipeline_options import PipelineOptions

from wirebeam.transforms.dedup import THRESHOLD
from wirebeam.transforms.stories import STORY_THRESHOLD, STORY_WINDOW

MiB = 1024 * 1024


def _add(parser, name, **kwargs):
    """Register --some-name and --some_name (Beam's own spelling) for one option."""
    dest = name.replace("-", "_")
    flags = [f"--{name}"] + ([f"--{dest}"] if dest != name else [])
    parser.add_argument(*flags, dest=dest, **kwargs)


class WirebeamOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        group = parser.add_argument_group("wirebeam")
        _add(group, "input", action="append", default=None, metavar="PATTERN",
             help="Input files (required, unless --feed or --feeds-file is given): a glob, a file or a "
                  "directory (searched recursively); repeatable. "
                  "Reads .txt, .html/.htm, .jsonl (one article a line), each optionally gzip-compressed (.gz), "
                  "and WARC crawl archives (.warc, .warc.gz: every 2xx HTML response record is one article). "
                  "Quote globs so the shell does not expand them.")
        _add(group, "output", default=None, metavar="DIR",
             help="Output folder (required). Receives articles/date=.../part-*.parquet, failures/part-*.parquet, "
                  "stories/part-*.parquet and run.json. "
                  "A rerun into the same folder replaces what an earlier run left there (with --append it adds to it). "
                  "Files in it are never read "
                  "as input, even when it lies inside an input folder.")
        _add(group, "max-input-bytes", type=int, default=16 * MiB, metavar="N",
             help="Largest document read, in bytes after decompression (default 16 MiB). Larger files end as "
                  "failure records with reason too_large. In a WARC archive it caps each page, not the file.")
        _add(group, "max-line-bytes", type=int, default=4 * MiB, metavar="N",
             help="Largest JSON line read, in bytes after decompression (default 4 MiB).")
        _add(group, "extract-timeout", type=float, default=120.0, metavar="SECONDS",
             help="Time limit for extracting one document (default 120). Each document is then extracted in a "
                  "child process that is killed when it runs over; the document ends as a failure record with "
                  "reason timeout. 0 extracts in the worker itself, without limits.")
        _add(group, "extract-memory-mib", type=int, default=2048, metavar="MIB",
             help="Address-space limit of that child process, in MiB (default 2048); a document that needs more "
                  "ends as a failure record with reason too_much_memory. 0 means no limit.")
        _add(group, "min-language-chars", type=int, default=40, metavar="N",
             help="Texts with fewer letters than this get language 'und' (undetermined; default 40).")
        _add(group, "boilerplate-min-docs", type=int, default=3, metavar="N",
             help="A short non-prose line repeated in at least N documents of the same site (or folder) in one "
                  "run is page furniture and is removed (default 3; 0 turns this off).")
        _add(group, "title-affix-min-docs", type=int, default=3, metavar="N",
             help="A title prefix or suffix at a separator (' | Site', 'Label - ') shared by the titles of at "
                  "least N documents of the same site (or folder) in one run is the site's label and is removed "
                  "(default 3; 0 turns this off).")
        _add(group, "dedup-threshold", type=float, default=None, metavar="J",
             help="Near-duplicate threshold: estimated Jaccard similarity of word shingles above which two "
                  f"articles are copies of one story, between 0 and 1 (default {THRESHOLD}, tuned on the reprint "
                  "corpus).")
        _add(group, "stories", choices=["on", "off"], default="on",
             help="Story stage: on (default) gives every article a story_id shared by the articles that report "
                  "the same event (copies always share their group's story) and writes stories/, one row per "
                  "story; with --append or --index, articles also join the stories of earlier runs. off skips "
                  "it (story_id stays empty). See docs/stories.md.")
        _add(group, "story-window", type=int, default=STORY_WINDOW, metavar="DAYS",
             help=f"Largest gap in publication days between two articles linked into one story (default "
                  f"{STORY_WINDOW}); a story that keeps getting articles stays open. Articles without a date "
                  "join on their text alone.")
        _add(group, "story-threshold", type=float, default=STORY_THRESHOLD, metavar="S",
             help="Average TF-IDF similarity (0 to 1) at which two groups of articles are one story (default "
                  f"{STORY_THRESHOLD}, tuned on tests/data/stories); higher keeps stories tighter.")
        _add(group, "ner", choices=["auto", "none"], default="auto",
             help="Entity stage: auto (default: the bundled German and English taggers for articles detected as de "
                  "or en, plus any --ner-model; other languages get no entities) or none (stage off).")
        _add(group, "ner-model", action="append", default=None, metavar="LANG=NAME_OR_PATH",
             help="A spaCy pipeline for one language, by installed package name or path, e.g. "
                  "de=/models/de_ner or en=en_core_web_sm; repeatable; replaces the bundled model of that language. "
                  "Its labels are mapped to PER/LOC/ORG/MISC. "
                  "Nothing is downloaded.")
        _add(group, "shards-per-date", type=int, default=1, metavar="N",
             help="Parquet files per date partition (default 1); raise it for very large days.")
        _add(group, "progress-seconds", type=float, default=None, metavar="SECONDS",
             help="How often progress is shown. A local run shows input files done of the total, documents, "
                  "rate and time left: one line updated every 2 s on a terminal, a log line every 10 s "
                  "otherwise (the defaults). On Dataflow and Flink each worker logs its own counts (default "
                  "every 30 s). A number sets both, and on a local run adds each worker's own lines; 0: no "
                  "progress at all.")
        _add(group, "run-id", default=None, metavar="ID",
             help="Identifier of this run (default: derived from the start time); used for the staging folder.")
        _add(group, "ingested-at", default=None, metavar="ISO8601",
             help="Timestamp written into ingested_at (default: the run's start time, UTC).")
        _add(group, "report", default=None, metavar="FILE",
             help="After the run, write the HTML report of the output folder (as `wirebeam report OUTPUT --out FILE` "
                  "would) to FILE. Not with --commit-in-job on Dataflow (the launcher does not wait for the job).")
        _add(group, "commit-in-job", action="store_true", default=False,
             help="Let the job itself write run.json and commit the output, in a last step on one worker, "
                  "instead of the driver after waiting for the job. On Dataflow `wirebeam run` then returns "
                  "once the job is submitted (the Flex Template uses this). run.json then has no Beam metrics. "
                  "Not with --state.")

        # --- one dataset across runs (issue 14; docs/datasets.md) ---
        data = parser.add_argument_group("wirebeam datasets")
        _add(data, "append", action="store_true", default=False,
             help="Add this run to the dataset in --output instead of replacing it: its files are named "
                  "part-RUNID-*.parquet, its report is runs/RUNID.json, nothing of earlier runs is rewritten. "
                  "Articles already in the dataset (same id, same text) are not written again; a changed text "
                  "under a known id is written as a new version. Copies are found across runs through the "
                  "copy index in DATASET/_index/. One run at a time: a second one is refused.")
        _add(data, "index", default=None, metavar="PATH",
             help="Keep the copy index here (a folder, any Beam file system path) instead of DATASET/_index/: "
                  "new articles that copy earlier indexed ones join their group, and articles on an earlier "
                  "story's event join that story. Works with and without --append.")
        _add(data, "index-days", type=int, default=14, metavar="DAYS",
             help="Earlier articles the copy index matches against and keeps: those ingested in the last DAYS "
                  "days (default 14; 0 keeps and matches everything).")
        # --- feeds (issue 4) ---
        feeds = parser.add_argument_group("wirebeam feeds")
        _add(feeds, "feed", action="append", default=None, metavar="URL_OR_PATH",
             help="An RSS or Atom feed, by http(s) URL or local file path; repeatable. Each new item's page is "
                  "fetched and extracted like an HTML file (falling back to the item's content, then summary).")
        _add(feeds, "feeds-file", action="append", default=None, metavar="FILE",
             help="A file listing feeds: OPML (xmlUrl of each outline) or text (one URL a line, # comments).")
        _add(feeds, "state", default=None, metavar="DIR",
             help="Folder for what survives between feed runs (ETag/Last-Modified per feed, keys of items "
                  "ingested). Updated only after the run's output is committed. Without it every run starts fresh.")
        _add(feeds, "allow-host", action="append", default=None, metavar="HOST_OR_ADDRESS",
             help="Exempt this host name or address from the refusal of private, loopback, link-local, "
                  "multicast and reserved addresses (e.g. 127.0.0.1 for a local test server); repeatable.")
        _add(feeds, "contact", default=None, metavar="URL_OR_EMAIL",
             help="How site owners reach whoever runs wirebeam; goes into the User-Agent "
                  "(wirebeam/VERSION (news ingestion; CONTACT)).")
        _add(feeds, "host-delay", type=float, default=1.0, metavar="SECONDS",
             help="Least time between two requests to one host (default 1.0; a larger robots.txt Crawl-delay wins).")
        _add(feeds, "max-items-per-feed", type=int, default=200, metavar="N",
             help="New items taken from one feed in one run (default 200); the rest wait for the next run.")
        _add(feeds, "fetch-timeout", type=float, default=20.0, metavar="SECONDS",
             help="Connect and read timeout of one HTTP request (default 20); a whole fetch, redirects "
                  "included, gets three times this.")
        _add(feeds, "max-fetch-bytes", type=int, default=8 * MiB, metavar="N",
             help="Largest feed or page body on the wire (default 8 MiB); decoded gzip/deflate may be 4x that.")
