"""`wirebeam report`: figures over a real run and over a dataset of four real runs, checked against
numbers the test computes itself with pyarrow; the template-change flag; stories only when present;
the HTML page in a real headless Chromium (no console errors, no network, charts with real size)."""
import collections
import datetime as dt
import json
import os
import pathlib
import random
import shutil
import statistics

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import BAD, SAMPLES, run_cli
from wirebeam.pipeline.report import health

DAYS = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]
RUN_IDS = [f"{day}-night" for day in DAYS]   # hyphens: the run id inside part-RUNID-N.parquet has them too
PER_SITE = 8                                  # generated articles per site and run
BROKEN_FROM = 2                               # Tideway Gazette loses dates and authors from the third run on
BAD_FILES = [BAD / "empty.txt", BAD / "junk.html", BAD / "broken.jsonl"]

SENTENCES = [
    "The harbour board met on {d} to discuss the new ferry timetable for the winter months.",
    "Residents of the old quarter said the works had dragged on for far too long.",
    "A spokesperson for the council confirmed that the budget had been approved without changes.",
    "Traders at the market reported a quiet morning after the heavy rain overnight.",
    "The school will reopen its library after a refit that cost {n} thousand pounds.",
    "Police asked drivers to avoid the coast road while repairs continue.",
    "The football club announced a new coach on a two year contract.",
    "Local farmers warned that the late frost could cut this year's harvest by a third.",
    "The museum plans an exhibition of fishing photographs from the last century.",
    "Bus services on route {n} will run every fifteen minutes from next week.",
    "The hospital opened a second ward to ease pressure on the emergency department.",
    "Volunteers collected more than {n} bags of litter from the beach on Saturday.",
    "The mayor said the town would apply for national funding for the bridge.",
    "A new cycle path links the station with the business park on the hill.",
    "The theatre company is looking for young actors for its summer production.",
]


def article_lines(site: str, host: str, run: int, dated: bool, rng: random.Random):
    lines = []
    for k in range(PER_SITE):
        picks = rng.sample(SENTENCES, 7)
        text = " ".join(s.format(d=f"day {run}-{k}", n=rng.randint(10, 999)) for s in picks)
        text += f" Report {site} number {run * 100 + k} ends here with code {rng.randint(10**6, 10**7)}."
        record = {"url": f"https://{host}/news/{run}-{k}", "title": f"{site} story {run}-{k}", "site": site,
                  "text": text}
        if dated:
            record.update(published=f"{DAYS[run]}T0{k % 9}:15:00+00:00", authors=[f"Reporter {k % 3}"])
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Four real `wirebeam run`s, one a day: the first over the samples, three bad files and two sites,
    the others over the two sites only; Tideway Gazette loses dates and authors from the third on."""
    base = tmp_path_factory.mktemp("runs")
    rng = random.Random(18)
    outs = []
    for i, (day, run_id) in enumerate(zip(DAYS, RUN_IDS)):
        feed = base / f"sites-{i}.jsonl"
        feed.write_text(article_lines("Tideway Gazette", "www.tideway.example", i, i < BROKEN_FROM, rng)
                        + article_lines("Steady Post", "steady.example", i, True, rng), encoding="utf-8")
        inputs = [f"--input={SAMPLES}/*", *(f"--input={p}" for p in BAD_FILES)] if i == 0 else ["--ner", "none"]
        out = base / f"out-{i}"
        also = ["--report", base / "last-run.html"] if i == len(DAYS) - 1 else []
        # --stories off: the stories section is tested on a table test_stories_appear_only_when_... writes
        done = run_cli("run", *inputs, f"--input={feed}", "--output", out, "--run-id", run_id,
                       "--ingested-at", f"{day}T05:00:00Z", "--stories", "off", *also)
        assert done.returncode == 0, done.stderr[-3000:]
        assert f"Report: wirebeam report {out}" in done.stdout
        assert ("Report written: " in done.stdout) == bool(also)
        outs.append(out)
    return outs


@pytest.fixture(scope="module")
def dataset(runs, tmp_path_factory):
    """The four runs in the appended-dataset layout: articles/date=*/part-RUNID-N.parquet, failures/
    part-RUNID-N.parquet, runs/RUNID.json."""
    root = tmp_path_factory.mktemp("dataset") / "news"
    for out, run_id in zip(runs, RUN_IDS):
        for table in ("articles", "failures"):
            for path in sorted((out / table).rglob("part-*.parquet")):
                rel = path.relative_to(out / table)
                target = root / table / rel.parent / path.name.replace("part-", f"part-{run_id}-", 1)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)
        (root / "runs").mkdir(parents=True, exist_ok=True)
        shutil.copy(out / "run.json", root / "runs" / f"{run_id}.json")
    return root


# ---- the numbers, computed independently of the report's SQL -------------------------------------------

def rows_of(root: pathlib.Path, table: str, single_run: str = None):
    """Every row of a table with the run that wrote it (from the file name, or the single run's id)."""
    out = []
    for path in sorted((root / table).rglob("*.parquet")):
        run = single_run or path.name[len("part-"):].rsplit("-", 1)[0]
        for row in pq.read_table(path).to_pylist():
            out.append({**row, "_run": run})
    return out


def site_of(row):
    if row["site"]:
        return row["site"]
    if row["url"] and "://" in row["url"]:
        host = row["url"].split("://", 1)[1].split("/")[0].split(":")[0]
        return host[4:] if host.startswith("www.") else host
    return "(no site)"


def expected(root, single_run=None, since=None):
    arts = [r for r in rows_of(root, "articles", single_run) if since is None or r["ingested_at"].date().isoformat() >= since]
    fails = [r for r in rows_of(root, "failures", single_run) if since is None or r["ingested_at"].date().isoformat() >= since]
    groups = collections.Counter(r["dup_group"] for r in arts)
    per_run = collections.defaultdict(lambda: [0, 0, 0])
    for r in arts:
        per_run[r["_run"]][0] += 1
        per_run[r["_run"]][1] += r["is_duplicate"]
    for r in fails:
        per_run[r["_run"]][2] += 1
    per_day = collections.Counter((r["published_date"].isoformat(), r["language"]) for r in arts if r["published_date"])
    sites = collections.Counter(site_of(r) for r in arts)
    agencies = collections.Counter(a for r in arts for a in set(r["agencies"] or []))
    entities = collections.defaultdict(lambda: [0, 0])
    for r in arts:
        for c in r["entity_counts"] or []:
            entities[(c["label"], c["norm"])][0] += 1
            entities[(c["label"], c["norm"])][1] += c["count"]
    failures = collections.Counter((r["stage"], r["reason"]) for r in fails)
    by_site = collections.defaultdict(list)
    for r in arts:
        by_site[site_of(r)].append(r)
    return {
        "articles": len(arts), "copies": sum(r["is_duplicate"] for r in arts),
        "copy_groups": sum(1 for n in groups.values() if n > 1), "failures": len(fails),
        "runs": {k: tuple(v) for k, v in per_run.items()},
        "per_day": dict(per_day), "sites": sites, "agencies": agencies,
        "biggest_group": max([n for n in groups.values() if n > 1], default=0),
        "entities": {k: tuple(v) for k, v in entities.items()}, "failure_counts": dict(failures),
        "failure_sources": {k: sorted({r["source"] for r in fails if (r["stage"], r["reason"]) == k}) for k in failures},
        "by_site": by_site,
    }


def report_json(path, *args, tmp_path):
    out = tmp_path / f"report-{len(list(tmp_path.iterdir()))}.json"
    done = run_cli("report", path, "--format", "json", "--out", out, *args)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def check_figures(fig, want):
    t = fig["totals"]
    assert (t["articles"], t["copies"], t["copy_groups"], t["failures"]) == \
        (want["articles"], want["copies"], want["copy_groups"], want["failures"])
    assert {r["run_id"]: (r["articles"], r["copies"], r["failures"]) for r in fig["runs"]} == want["runs"]
    assert {(r["date"], r["language"]): r["articles"] for r in fig["per_day"]} == want["per_day"]
    top = want["sites"].most_common()
    assert [(r["site"], r["articles"]) for r in fig["sites"]] == \
        sorted(top, key=lambda kv: (-kv[1], kv[0]))[:len(fig["sites"])]
    assert {r["agency"]: r["articles"] for r in fig["agencies"]} == dict(want["agencies"])
    assert (fig["copy_groups"][0]["articles"] if fig["copy_groups"] else 0) == want["biggest_group"]
    for label, rows in fig["entities"].items():
        for r in rows:
            assert want["entities"][(label, r["norm"])] == (r["articles"], r["mentions"])
        best = max(v[0] for (lab, _), v in want["entities"].items() if lab == label)
        assert rows[0]["articles"] == best
    assert {(r["stage"], r["reason"]): r["count"] for r in fig["failures"]} == want["failure_counts"]
    for r in fig["failures"]:
        assert r["examples"] == want["failure_sources"][(r["stage"], r["reason"])][:3]


def test_report_of_one_run_has_every_section_with_the_right_numbers(runs, tmp_path):
    single = runs[0]
    fig = report_json(single, tmp_path=tmp_path)
    want = expected(single, single_run=RUN_IDS[0])
    assert fig["report"]["layout"] == "run"
    check_figures(fig, want)
    # the samples: 14 articles, copy groups W1 (3) and W2 (2); the bad files: five failures
    assert want["failure_counts"] == {("read", "empty"): 1, ("decode", "binary"): 1, ("read", "bad_json"): 1,
                                      ("extract", "no_text"): 1, ("read", "not_an_object"): 1}
    assert [g["articles"] for g in fig["copy_groups"]][:2] == [3, 2]
    assert set(fig["entities"]) >= {"PER", "LOC", "ORG"}
    assert fig["stories"] is None
    assert fig["health"]["sites"] == []   # no site has MIN_SITE_ARTICLES articles in one run


def test_report_of_a_dataset_of_four_runs(dataset, tmp_path):
    fig = report_json(dataset, tmp_path=tmp_path)
    want = expected(dataset)
    assert fig["report"]["layout"] == "dataset"
    assert [r["run_id"] for r in fig["runs"]] == RUN_IDS   # in time order
    assert [r["at"][:10] for r in fig["runs"]] == DAYS
    check_figures(fig, want)
    assert want["runs"][RUN_IDS[1]][0] == 2 * PER_SITE


def test_since_keeps_only_later_runs(dataset, tmp_path):
    fig = report_json(dataset, "--since", DAYS[2], tmp_path=tmp_path)
    assert [r["run_id"] for r in fig["runs"]] == RUN_IDS[2:]
    check_figures(fig, expected(dataset, since=DAYS[2]))
    assert fig["totals"]["articles"] == 4 * PER_SITE


def test_a_site_that_loses_its_dates_is_flagged_from_the_day_it_began(dataset, tmp_path):
    fig = report_json(dataset, tmp_path=tmp_path)
    sites = {s["site"]: s for s in fig["health"]["sites"]}
    want = expected(dataset)["by_site"]
    for name in ("Tideway Gazette", "Steady Post"):
        rows = want[name]
        assert sites[name]["articles"] == len(rows) == 4 * PER_SITE
        assert sites[name]["dated"] == round(sum(r["published"] is not None for r in rows) / len(rows), 4)
        assert sites[name]["authored"] == round(sum(bool(r["authors"]) for r in rows) / len(rows), 4)
        assert sites[name]["median_words"] == statistics.median(r["word_count"] for r in rows)
    flags = {f["measure"]: f for f in sites["Tideway Gazette"]["flags"]}
    assert set(flags) == {"dated", "authored", "timed"}
    assert flags["dated"]["before"] == 1.0 and flags["dated"]["after"] == 0.0
    assert flags["dated"]["since_run"] == RUN_IDS[BROKEN_FROM] and flags["dated"]["since"][:10] == DAYS[BROKEN_FROM]
    assert sites["Steady Post"]["flags"] == []
    assert fig["health"]["sites"][0]["site"] == "Tideway Gazette"   # flagged sites first


def write_stories(root):
    """A stories/ table as the stories stage writes it into a dataset: a row per run that touched a story,
    the latest (by ingested_at) its current state; "s-big" grew from 3 to 5 articles in the second run."""
    stamp = [dt.datetime(2026, 11, d, 5, tzinfo=dt.timezone.utc) for d in (1, 2, 1)]
    table = pa.table({
        "story_id": ["s-big", "s-big", "s-small"], "headline": ["Storm stops trains"] * 2 + ["Dock strike ends"],
        "first_published": ["2025-03-14T06:58:00+01:00", "2025-03-14T06:58:00+01:00", "2025-04-02"],
        "last_published": ["2025-03-15", "2025-03-16", "2025-04-03"],
        "first_date": [dt.date(2025, 3, 14), dt.date(2025, 3, 14), dt.date(2025, 4, 2)],
        "last_date": [dt.date(2025, 3, 15), dt.date(2025, 3, 16), dt.date(2025, 4, 3)],
        "article_count": [3, 5, 2], "sites": [["a", "b"], ["a", "b", "c"], ["d"]],
        "languages": [["de"], ["de"], ["en"]], "agencies": [["dpa"], ["dpa"], ["Reuters"]],
        "ingested_at": pa.array(stamp, pa.timestamp("us", tz="UTC"))})
    (root / "stories").mkdir()
    pq.write_table(table.slice(0, 1), root / "stories" / f"part-{RUN_IDS[0]}-00000.parquet")
    pq.write_table(table.slice(1, 1), root / "stories" / f"part-{RUN_IDS[1]}-00000.parquet")
    pq.write_table(table.slice(2, 1), root / "stories" / f"part-{RUN_IDS[0]}-00001.parquet")


def test_stories_appear_only_when_the_dataset_has_them(dataset, tmp_path):
    without = report_json(dataset, tmp_path=tmp_path)
    assert without["stories"] is None
    html = tmp_path / "without.html"
    assert run_cli("report", dataset, "--out", html).returncode == 0
    assert 'id="stories"' not in html.read_text(encoding="utf-8")

    copy = tmp_path / "with-stories"
    shutil.copytree(dataset, copy)
    write_stories(copy)
    fig = report_json(copy, tmp_path=tmp_path)
    assert [(s["headline"], s["articles"], s["outlets"], s["first"], s["last"]) for s in fig["stories"]] == \
        [("Storm stops trains", 5, 3, "2025-03-14", "2025-03-16"), ("Dock strike ends", 2, 1, "2025-04-02", "2025-04-03")]
    since = report_json(copy, "--since", DAYS[1], tmp_path=tmp_path)   # only stories touched since
    assert [s["story_id"] for s in since["stories"]] == ["s-big"]
    html = tmp_path / "with.html"
    assert run_cli("report", copy, "--out", html).returncode == 0
    page = html.read_text(encoding="utf-8")
    assert 'id="stories"' in page and "Storm stops trains" in page


def test_a_broken_parquet_file_is_named_and_left_out_not_fatal(dataset, tmp_path):
    copy = tmp_path / "news"
    shutil.copytree(dataset, copy)
    good = sorted((copy / "articles").rglob("part-*.parquet"))[-1]
    broken = good.parent / "part-cut-00000.parquet"
    broken.write_bytes(good.read_bytes()[:100])   # a write cut off
    fig = report_json(copy, tmp_path=tmp_path)
    assert [u["path"] for u in fig["report"].pop("unreadable_files")] == [str(broken.relative_to(copy))]
    clean = report_json(dataset, tmp_path=tmp_path)
    assert clean["report"].pop("unreadable_files") == []
    fig["report"].pop("path"), clean["report"].pop("path")
    assert fig == clean
    html = tmp_path / "r.html"
    assert run_cli("report", copy, "--out", html).returncode == 0
    assert 'id="unreadable"' in html.read_text(encoding="utf-8")


def table_rows(doc, table_id):
    return [[td.text_content().strip() for td in tr.findall("td")]
            for tr in doc.get_element_by_id(table_id).find("tbody").findall("tr")]


def test_html_shows_the_same_numbers_as_json(dataset, tmp_path):
    import lxml.html
    fig = report_json(dataset, tmp_path=tmp_path)
    html = tmp_path / "r.html"
    done = run_cli("report", dataset, "--out", html)
    assert done.returncode == 0 and "4 runs" in done.stdout
    doc = lxml.html.fromstring(html.read_text(encoding="utf-8"))
    for key in ("articles", "copies", "copy_groups", "failures", "runs", "sites", "languages"):
        assert doc.xpath(f'//b[@data-key="{key}"]')[0].text_content() == str(fig["totals"][key])
    assert table_rows(doc, "site-table") == [[r["site"], str(r["articles"]), str(r["copies"]), r["languages"]]
                                             for r in fig["sites"]]
    assert table_rows(doc, "agency-table") == [[r["agency"], str(r["articles"]), str(r["sites"])] for r in fig["agencies"]]
    assert table_rows(doc, "failure-table") == [
        [r["stage"], r["reason"], str(r["count"]), "\n".join(r["examples"]), r["detail"] or ""] for r in fig["failures"]]
    assert [row[1:3] for row in table_rows(doc, "copy-table")] == \
        [[str(r["articles"]), str(r["outlets"])] for r in fig["copy_groups"]]
    for table in doc.xpath('//table[@class="entity-table"]'):
        rows = [[td.text_content() for td in tr.findall("td")] for tr in table.find("tbody").findall("tr")]
        assert rows == [[r["norm"], str(r["articles"]), str(r["mentions"])] for r in fig["entities"][table.get("data-label")]]
    health_rows = table_rows(doc, "health-table")
    assert [r[0] for r in health_rows] == [s["site"] for s in fig["health"]["sites"]]
    assert health_rows[0][3] == f"{fig['health']['sites'][0]['dated'] * 100:.0f}%"
    assert "with a date: 100% → 0% since " + DAYS[BROKEN_FROM] in health_rows[0][8]
    assert doc.xpath('//b[@data-key="flagged_sites"]')[0].text_content() == "1"


def test_run_with_report_writes_the_page_of_its_output(runs):
    import lxml.html
    doc = lxml.html.fromstring((runs[-1].parent / "last-run.html").read_text(encoding="utf-8"))
    assert doc.xpath('//b[@data-key="articles"]')[0].text_content() == str(2 * PER_SITE)
    assert table_rows(doc, "site-table") == [["Steady Post", str(PER_SITE), "0", "en"],
                                             ["Tideway Gazette", str(PER_SITE), "0", "en"]]


def test_run_report_with_a_job_that_commits_itself_on_dataflow_is_a_usage_error(tmp_path):
    done = run_cli("run", "--input", SAMPLES / "en_coastwatch_seaweed_packaging.txt", "--output", "gs://b/out",
                   "--runner", "DataflowRunner", "--commit-in-job", "--report", tmp_path / "r.html")
    assert done.returncode == 2 and "--report needs" in done.stderr, done.stderr[-2000:]


def test_a_folder_that_is_not_wirebeam_output_is_a_clear_error(tmp_path):
    done = run_cli("report", tmp_path / "nothing", "--out", tmp_path / "r.html")
    assert done.returncode == 2 and "no such folder" in done.stderr
    (tmp_path / "empty").mkdir()
    done = run_cli("report", tmp_path / "empty", "--out", tmp_path / "r.html")
    assert done.returncode == 2 and "not a wirebeam output folder" in done.stderr
    done = run_cli("report", tmp_path, "--since", "last week")
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr


# ---- gs:// through a real GCS emulator --------------------------------------------------------------------

BUCKET = "wirebeam-report-test"


class TokenHandler:
    """The token endpoint of the test credentials (every refresh gets a token; the emulator ignores it).
    Without credentials Beam retries its lookup for 25 s in every process."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"access_token": "test", "token_type": "Bearer", "expires_in": 3600,
                           "issued_token_type": "urn:ietf:params:oauth:token-type:access_token"}).encode()
        self.reply(200, body, [("Content-Type", "application/json")])


@pytest.fixture
def gcs(tmp_path, monkeypatch):
    """gcp-storage-emulator on 127.0.0.1, and the environment that points Beam's GCS client at it."""
    import http.server
    import socket

    from gcp_storage_emulator.server import create_server

    from conftest import LoopbackHandler, serve
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = create_server("127.0.0.1", port, in_memory=True, default_bucket=BUCKET)
    server.start()
    tokens = serve(type("Tokens", (TokenHandler, LoopbackHandler, http.server.BaseHTTPRequestHandler), {}))
    (tmp_path / "subject-token").write_text("test")
    (tmp_path / "credentials.json").write_text(json.dumps({
        "type": "external_account", "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/t/providers/t",
        "token_url": f"http://127.0.0.1:{tokens.server_address[1]}/token",
        "credential_source": {"file": str(tmp_path / "subject-token")}}))
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "credentials.json"))
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "test")
    yield f"gs://{BUCKET}"
    tokens.shutdown()
    server.stop()


def test_a_gs_dataset_is_copied_to_a_temporary_folder_and_reported_like_a_local_one(dataset, gcs, tmp_path,
                                                                                      monkeypatch):
    from apache_beam.io.filesystems import FileSystems
    remote = f"{gcs}/news"
    for path in sorted(p for p in dataset.rglob("*") if p.is_file()):
        with FileSystems.create(f"{remote}/{path.relative_to(dataset).as_posix()}") as handle:
            handle.write(path.read_bytes())
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    from_gcs = report_json(remote, tmp_path=tmp_path)
    local = report_json(dataset, tmp_path=tmp_path)
    assert from_gcs["report"].pop("path") == remote and local["report"].pop("path") == str(dataset)
    assert from_gcs == local
    assert list(temp.iterdir()) == []   # the copy is gone


# ---- health: pure functions -------------------------------------------------------------------------------

def period(i, n=10, dated=10, authored=10, timed=10, short=0, words=300):
    return health.Period(run=f"r{i}", at=f"2026-11-{i + 1:02d}T05:00:00Z", n=n, dated=dated, authored=authored,
                         timed=timed, short=short, words=[words] * n)


def test_health_flags_a_step_from_the_run_it_began():
    periods = [period(i) for i in range(5)] + [period(i, dated=0, timed=0) for i in range(5, 8)]
    flags = {f["measure"]: f for f in health.site_flags(periods)}
    assert set(flags) == {"dated", "timed"}
    assert (flags["dated"]["since_run"], flags["dated"]["before"], flags["dated"]["after"]) == ("r5", 1.0, 0.0)
    assert flags["dated"]["runs_after"] == 3 and flags["dated"]["articles_before"] == 50


def test_health_flags_navigation_text_and_shorter_articles():
    periods = [period(i) for i in range(4)] + [period(i, short=9, words=12) for i in range(4, 6)]
    flags = {f["measure"]: f for f in health.site_flags(periods)}
    assert set(flags) == {"short", "median_words"}
    assert flags["median_words"]["before"] == 300 and flags["median_words"]["after"] == 12
    assert flags["short"]["since_run"] == "r4"


def test_health_does_not_flag_noise_a_recovery_or_too_few_articles():
    noisy = [period(i, dated=10 - i % 3) for i in range(8)]           # 80-100% dated: no step
    assert health.site_flags(noisy) == []
    broke = [period(i) for i in range(5)] + [period(i, dated=0) for i in range(5, 8)]
    assert health.find_change(broke, "dated")["since_run"] == "r5"
    fixed = broke + [period(i) for i in range(8, 8 + health.RECENT_RUNS)]   # the publisher fixed it
    assert health.find_change(fixed, "dated") is None
    small = [period(0, n=3, dated=3), period(1, n=3, dated=0)]         # fewer than MIN_SIDE_ARTICLES a side
    assert health.find_change(small, "dated") is None
    assert health.find_change([period(0)], "dated") is None


def test_health_needs_a_change_beyond_chance_not_just_a_big_one():
    # 10 articles before, 10 after, time share 100% -> 50%: 50 points, but z = 2.6 (chance)
    few = [period(0, timed=10), period(1, timed=5)]
    assert health.find_change(few, "timed") is None
    # the same shares over 100 articles a side: z = 8.2
    many = [period(0, n=100, dated=100, authored=100, timed=100), period(1, n=100, dated=100, authored=100, timed=50)]
    flag = health.find_change(many, "timed")
    assert (flag["before"], flag["after"], flag["since_run"]) == (1.0, 0.5, "r1") and flag["z"] > health.MIN_Z


def test_health_summary_is_shares_and_median_over_all_runs():
    periods = [period(0, n=4, dated=4, authored=2, timed=1, short=1, words=100),
               period(1, n=2, dated=0, authored=0, timed=0, short=2, words=10)]
    s = health.summary(periods)
    assert s == {"articles": 6, "dated": round(4 / 6, 4), "authored": round(2 / 6, 4), "timed": round(1 / 6, 4),
                 "short": 0.5, "median_words": 100.0}


# ---- the page in a real browser ---------------------------------------------------------------------------

CHARTS = {"Articles, copies and failures per run": (600, 150), "Articles per day by language": (600, 150),
          "Articles per site": (300, 80), "Articles per agency": (300, 60), "Failures by stage and reason": (300, 60),
          "Extraction health of Tideway Gazette": (600, 100)}
CHART_BOXES = """JSON.stringify(Array.from(document.querySelectorAll('svg.chart')).map(e => {
    const r = e.getBoundingClientRect();
    return {label: e.getAttribute('aria-label'), x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height};
}))"""


def coloured_pixels(image, box):
    """Pixels in `box` of the screenshot that are clearly coloured (bars, lines), not white, grey or black."""
    crop = image.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["w"]), int(box["y"] + box["h"])))
    return sum(1 for r, g, b in crop.convert("RGB").getdata() if max(r, g, b) - min(r, g, b) > 60)


@pytest.mark.skipif(not shutil.which("chromium"), reason="chromium is not installed (apt-get install -y chromium)")
def test_the_page_opens_in_a_real_browser_without_errors_or_network_and_shows_its_charts(dataset, tmp_path):
    import io

    from PIL import Image

    from chromium import Browser
    html = tmp_path / "report.html"
    assert run_cli("report", dataset, "--out", html).returncode == 0
    browser = Browser(str(tmp_path / "profile"))
    try:
        browser.open(html.as_uri())
        boxes = {b["label"]: b for b in json.loads(browser.evaluate(CHART_BOXES))}
        png = browser.screenshot()
        pdf = browser.pdf()
        assert browser.errors() == []
        assert [u for u in browser.requests() if not u.startswith(("file:", "data:"))] == []
    finally:
        browser.close()
    assert set(boxes) == set(CHARTS)
    for label, (min_w, min_h) in CHARTS.items():
        assert boxes[label]["w"] >= min_w and boxes[label]["h"] >= min_h, (label, boxes[label])
    image = Image.open(io.BytesIO(png))
    assert image.width == 1280 and image.height > 2000
    for label, box in boxes.items():
        assert box["x"] + box["w"] <= image.width   # nothing overflows a laptop-wide screen
        assert coloured_pixels(image, box) > 200, label   # the bars and lines are drawn, not just an empty frame
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 2
