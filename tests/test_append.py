"""One growing dataset (--append) and the copy index, through real `wirebeam run` subprocesses:
runs appended in sequence, the same story arriving in a later run (exact, retitled, cut), an input
ingested again, a changed text under a known id, a rerun of one run id, a run killed with SIGKILL
while a second one is refused, then a good run; the index window; --state without --append; DuckDB
over the whole dataset."""
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

import duckdb
import pytest

from conftest import ROOT, LoopbackHandler, run_cli, serve
from wirebeam.pipeline import dataset, lock

SENTENCES = [
    "Der Stadtrat hat am Dienstagabend nach langer Debatte den Bau einer neuen Fahrradbrücke über den Kanal beschlossen.",
    "Die Brücke soll den Hafen mit dem Bahnhofsviertel verbinden und im Herbst des kommenden Jahres fertig sein.",
    "Nach Angaben der Verwaltung kostet das Bauwerk rund elf Millionen Euro, ein Drittel davon zahlt das Land.",
    "Anwohner hatten sich in einer Bürgerversammlung im Frühjahr mehrheitlich für den Neubau ausgesprochen.",
    "Kritik kam von der Opposition, die die Kosten für zu hoch hält und eine Fähre als günstigere Lösung vorschlug.",
    "Der Baudezernent verwies darauf, dass eine Fähre im Winter wegen Eisgangs regelmäßig ausfallen würde.",
    "Die Bauarbeiten sollen nach dem Ende der Brutzeit der Wasservögel im August beginnen.",
    "Während der Bauzeit wird der Uferweg auf einer Länge von zweihundert Metern gesperrt.",
    "Radfahrer sollen über eine ausgeschilderte Umleitung durch die Speicherstraße geführt werden.",
    "Die Fraktion der Grünen kündigte an, den Bau kritisch zu begleiten und auf eine gute Beleuchtung zu achten.",
]
THIRD = [
    "Die Feuerwehr hat am Montag in der Altstadt einen Brand in einer Bäckerei gelöscht, verletzt wurde niemand.",
    "Das Feuer war nach ersten Erkenntnissen in der Backstube ausgebrochen, als der Ofen vorgeheizt wurde.",
    "Die Hauptstraße blieb für zwei Stunden gesperrt, Busse fuhren eine Umleitung über den Marktplatz.",
    "Der Inhaber kündigte an, die Filiale nach der Renovierung im Spätsommer wieder zu öffnen.",
    "Die Polizei schätzt den Schaden auf einen mittleren fünfstelligen Betrag.",
]
OTHER = [
    "Das Naturkundemuseum zeigt ab Samstag eine Ausstellung über Insekten der heimischen Wiesen und Wälder.",
    "Zu sehen sind mehr als dreihundert Präparate, darunter seltene Käfer aus der Sammlung eines Landpfarrers.",
    "Kinder können an Mikroskopen selbst Flügel und Fühler untersuchen und dabei kleine Rätsel lösen.",
    "Die Schau läuft bis Ende Oktober, der Eintritt für Schülerinnen und Schüler ist frei.",
    "Begleitend bietet das Museum Führungen am Sonntagvormittag und Exkursionen in den Stadtpark an.",
    "Die Kuratorin hofft, dass die Besucher danach mit anderen Augen über die Wiese vor ihrer Haustür gehen.",
]


def story(sentences, title, published="2025-06-03T09:00:00+02:00"):
    text = "\n\n".join(" ".join(sentences[i:i + 2]) for i in range(0, len(sentences), 2))
    return {"title": title, "text": text, "published": published}


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def append_run(inputs, out, run_id, *extra, expect=0):
    args = ["run", "--output", out, "--append", "--run-id", run_id, "--ner", "none", "--extract-timeout", "0", *extra]
    for path in inputs:
        args += ["--input", path]
    result = run_cli(*args, timeout=300)
    assert result.returncode == expect, result.stderr[-3000:]
    return result


def rows(out, where="true"):
    return duckdb.sql(f"SELECT * EXCLUDE (text, entities, entity_counts) FROM read_parquet("
                      f"'{out}/articles/**/*.parquet', hive_partitioning=true) WHERE {where} ORDER BY source, version"
                      ).fetchall(), duckdb.sql(f"SELECT * EXCLUDE (text, entities, entity_counts) FROM read_parquet("
                                               f"'{out}/articles/**/*.parquet', hive_partitioning=true) LIMIT 0").columns


def table(out):
    found, columns = rows(out)
    return [dict(zip(columns, r)) for r in found]


def report(out, run_id):
    return json.loads((out / "runs" / f"{run_id}.json").read_text())


def snapshot_files(out):
    return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_runs_append_and_copies_link_across_runs(tmp_path):
    out = tmp_path / "dataset"
    first = write_jsonl(tmp_path / "in1" / "stadt.jsonl", [story(SENTENCES, "Stadtrat beschließt Fahrradbrücke"),
                                                          story(THIRD, "Brand in Bäckerei")])
    append_run([first], out, "r1")
    after_first = snapshot_files(out)
    assert sorted(str(p) for p in after_first if str(p).startswith("articles")) == [
        "articles/date=2025-06-03/part-r1-00000.parquet", "articles/date=unknown/part-r1-00000.parquet"]
    original = {r["title"]: r for r in table(out)}
    bridge = original["Stadtrat beschließt Fahrradbrücke"]

    # run 2: the same story from other outlets (verbatim, retitled, last paragraph cut), the first
    # file ingested again unchanged, and a second file whose text changes in run 3
    copies = write_jsonl(tmp_path / "in2" / "agentur.jsonl", [
        story(SENTENCES, "Stadtrat beschließt Fahrradbrücke", "2025-06-03T11:00:00+02:00"),
        story(SENTENCES, "Neue Brücke für Radfahrer: elf Millionen Euro", "2025-06-03T12:00:00+02:00"),
        story(SENTENCES[:8], "Brücke kommt", "2025-06-04T08:00:00+02:00"),
    ])
    changing = write_jsonl(tmp_path / "in2" / "museum.jsonl", [story(OTHER[:5], "Museum zeigt Käfer")])
    result = append_run([first, copies, changing], out, "r2")
    assert "3 copies of earlier runs" in result.stdout and "2 already in the dataset" in result.stdout
    rep = report(out, "r2")
    assert rep["articles"] == 4 and rep["dataset"]["already_in_dataset"] == 2
    assert rep["dataset"]["copies_of_earlier_runs"] == 3
    # the three copies join run 1's group: one copy group, although its canonical is of run 1
    assert (rep["duplicates"], rep["duplicate_groups"]) == (3, 1) and "3 rows are copies (in 1 group)" in result.stdout
    for path, data in after_first.items():   # nothing of run 1 is rewritten or deleted
        assert (out / path).read_bytes() == data, path

    # run 3: the museum text changes under the same id: a new version, its own row
    write_jsonl(changing, [story(OTHER, "Museum zeigt Käfer und Falter")])
    append_run([changing], out, "r3")
    assert report(out, "r3")["dataset"]["new_versions"] == 1
    assert report(out, "r3")["duplicate_groups"] == 0   # a new version is no copy

    got = table(out)
    assert len(got) == 2 + 4 + 1
    assert len({(r["id"], r["version"]) for r in got}) == len(got)   # nothing doubled
    group = [r for r in got if r["dup_group"] == bridge["id"]]
    assert sorted(r["title"] for r in group) == ["Brücke kommt", "Neue Brücke für Radfahrer: elf Millionen Euro",
                                                 "Stadtrat beschließt Fahrradbrücke", "Stadtrat beschließt Fahrradbrücke"]
    assert [r["is_duplicate"] for r in group if r["id"] == bridge["id"]] == [False]
    assert all(r["is_duplicate"] for r in group if r["id"] != bridge["id"])
    museum = sorted((r for r in got if r["source"].endswith("museum.jsonl:1")), key=lambda r: r["version"])
    assert [r["version"] for r in museum] == [1, 2] and museum[1]["title"] == "Museum zeigt Käfer und Falter"
    # DuckDB reads all runs as one table, with the same types each time; the run reports sit in runs/
    described = {r[0]: r[1] for r in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{out}/articles/**/*.parquet', "
                                                 f"hive_partitioning=true)").fetchall()}
    assert described["date"] == "VARCHAR" and described["version"] == "INTEGER"
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["r1.json", "r2.json", "r3.json"]
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]
    assert not (out / lock.LOCK_FILE).exists()


def test_a_rerun_of_one_run_id_replaces_exactly_that_run(tmp_path):
    out = tmp_path / "dataset"
    a = write_jsonl(tmp_path / "a" / "a.jsonl", [story(SENTENCES, "Brücke")])
    b = write_jsonl(tmp_path / "b" / "b.jsonl", [story(OTHER, "Museum")])
    append_run([a], out, "r1")
    append_run([b], out, "r2")
    before = snapshot_files(out)
    write_jsonl(b, [story(OTHER[:4], "Museum kurz", "2025-07-01"), story(SENTENCES[:4], "Brücke kurz", "2025-07-02")])
    append_run([b], out, "r2")
    got = table(out)
    assert sorted(r["title"] for r in got) == ["Brücke", "Brücke kurz", "Museum kurz"]
    assert {p: d for p, d in snapshot_files(out).items() if "r1" in str(p)} == {p: d for p, d in before.items()
                                                                                  if "r1" in str(p)}
    assert not [p for p in out.rglob("part-r2-*") if "2025-06-03" in str(p) or "unknown" in str(p)]
    index_runs = sorted(p.name for p in (out / "_index" / "runs").iterdir())
    assert index_runs == ["r1.json", "r2.json"]


class StallingFeed(LoopbackHandler, http.server.BaseHTTPRequestHandler):
    """A feed of two items whose second page never finishes (until the server is told to release)."""

    def do_GET(self):
        srv = self.server
        srv.hits.append(self.path)
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        if self.path == "/feed.xml":
            items = "".join(f"<item><title>Meldung {n}</title><link>{base}/news/{n}</link><guid>g{n}</guid>"
                            f"<pubDate>Tue, 03 Jun 2025 08:00:00 GMT</pubDate></item>" for n in (1, 2))
            body = f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>{items}</channel></rss>"
            self.reply(200, body.encode(), [("Content-Type", "application/rss+xml")])
        elif self.path == "/robots.txt":
            self.reply(200, b"User-agent: *\nAllow: /\n")
        elif self.path.startswith("/news/"):
            if self.path.endswith("/2"):
                srv.release.wait(120)
            n = int(self.path.rsplit("/", 1)[1])
            text = " ".join(SENTENCES if n == 1 else OTHER)
            page = f"<html><head><title>Meldung {n}</title></head><body><article><p>{text}</p></article></body></html>"
            self.reply(200, page.encode(), [("Content-Type", "text/html; charset=utf-8")])
        else:
            self.reply(404, b"nope")


def test_a_killed_run_leaves_nothing_visible_a_second_is_refused_and_the_next_cleans_up(tmp_path):
    out = tmp_path / "dataset"
    append_run([write_jsonl(tmp_path / "in" / "a.jsonl", [story(SENTENCES[:6], "Vorher")])], out, "r0")
    before = snapshot_files(out)
    srv = serve(StallingFeed)
    srv.release = threading.Event()
    feed = f"http://127.0.0.1:{srv.server_address[1]}/feed.xml"
    args = [sys.executable, "-m", "wirebeam", "run", "--feed", feed, "--allow-host", "127.0.0.1", "--host-delay", "0",
            "--fetch-timeout", "100", "--output", str(out), "--append", "--run-id", "killed", "--ner", "none",
            "--extract-timeout", "0", "--input", str(ROOT / "samples")]
    victim = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while "/news/2" not in srv.hits:   # the run is midway: its second page hangs
            assert victim.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        held = json.loads((out / lock.LOCK_FILE).read_text())
        assert held["run_id"] == "killed" and held["pid"] == victim.pid

        refused = append_run([tmp_path / "in"], out, "second", expect=2)
        assert "in use by run killed" in refused.stderr and "two runs cannot write into one output" in refused.stderr

        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
    finally:
        if victim.poll() is None:
            victim.kill()
        srv.release.set()
        srv.shutdown()
    staging = [p for p in tmp_path.iterdir() if p.name.startswith("dataset.staging-killed")]
    assert staging, "the killed run's staging folder is beside the dataset"
    # readers that glob the dataset see the earlier run only
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet')").fetchone()[0] == 1
    assert {p: d for p, d in snapshot_files(out).items() if p.name != lock.LOCK_FILE} == before
    assert (out / lock.LOCK_FILE).exists()   # the dead run's lock is still there ...

    result = append_run([tmp_path / "in", ROOT / "samples"], out, "after")   # ... and taken over: its pid is gone
    assert result.returncode == 0
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]
    assert report(out, "after")["articles"] == 14 and report(out, "after")["dataset"]["already_in_dataset"] == 1
    assert not (out / "runs" / "killed.json").exists()


def test_an_interrupted_commit_is_finished_by_the_next_run(tmp_path):
    out = tmp_path / "dataset"
    staged = tmp_path / "work"
    append_run([write_jsonl(staged / "a.jsonl", [story(SENTENCES, "Brücke")])], out, "r1")
    # stage run r2 for real, then stop its commit after the first move, as a crash would
    append_run([write_jsonl(staged / "b.jsonl", [story(OTHER, "Museum")])], tmp_path / "scratch", "r2")
    fake_staging = tmp_path / "dataset.staging-r2"
    for path in (tmp_path / "scratch").rglob("*"):
        if path.is_file() and "r2" in path.name:
            target = fake_staging / path.relative_to(tmp_path / "scratch")
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
    moves = dataset.plan(str(fake_staging), str(out), str(out / "_index"))
    (fake_staging / dataset.MANIFEST).write_text(json.dumps({"run_id": "r2", "dataset": str(out),
                                                             "index_root": str(out / "_index"), "moves": moves}))
    first_src, first_dest = moves[0]
    os.makedirs(os.path.dirname(first_dest), exist_ok=True)
    os.rename(fake_staging / first_src, first_dest)
    assert moves[-1][0] == "runs/r2.json"   # the report moves last: its absence says "not committed yet"
    assert not (out / "runs" / "r2.json").exists()

    append_run([staged / "a.jsonl"], out, "r3")   # finishes r2's commit first, under the lock
    assert (out / "runs" / "r2.json").exists() and not fake_staging.exists()
    assert sorted(r["title"] for r in table(out)) == ["Brücke", "Museum"]
    assert report(out, "r3")["dataset"]["already_in_dataset"] == 1


def test_the_index_window_prunes_old_runs(tmp_path):
    out = tmp_path / "dataset"
    append_run([write_jsonl(tmp_path / "a" / "a.jsonl", [story(SENTENCES, "Brücke")])], out, "old",
               "--ingested-at", "2025-06-01T00:00:00Z")
    assert {p.parent.parent.name for p in (out / "_index").rglob("part-old.parquet")} >= {
        "entries", "bands", "story_vectors", "story_keys", "story_groups", "story_states", "story_df"}
    append_run([write_jsonl(tmp_path / "b" / "b.jsonl", [story(OTHER, "Museum")])], out, "mid",
               "--ingested-at", "2025-06-10T00:00:00Z")
    # 20 days later with a 14-day window: the copy of "old" is not linked, "old" leaves the index
    copy = write_jsonl(tmp_path / "c" / "c.jsonl", [story(SENTENCES, "Brücke, Tage später"), story(OTHER, "Museum")])
    append_run([copy], out, "late", "--ingested-at", "2025-06-21T00:00:00Z", "--index-days", "14")
    got = {r["title"]: r for r in table(out) if r["source"].endswith("c.jsonl:1") or r["source"].endswith("c.jsonl:2")}
    assert got["Brücke, Tage später"]["is_duplicate"] is False
    assert got["Museum"]["is_duplicate"] is True   # "mid" is inside the window
    mid_museum = next(r for r in table(out) if r["source"].endswith("b.jsonl:1"))
    assert got["Museum"]["story_id"] == mid_museum["story_id"]   # a copy keeps its group's story across runs
    assert got["Brücke, Tage später"]["story_id"] == got["Brücke, Tage später"]["id"]   # "old" is out of the window
    assert sorted(p.name for p in (out / "_index" / "runs").iterdir()) == ["late.json", "mid.json"]
    assert not list((out / "_index").rglob("part-old.parquet"))
    assert len(table(out)) == 4   # pruning the index never touches articles
    # --index-days 0 keeps everything
    append_run([copy], out, "later", "--ingested-at", "2026-06-21T00:00:00Z", "--index-days", "0")
    assert sorted(p.name for p in (out / "_index" / "runs").iterdir()) == ["late.json", "later.json", "mid.json"]


def test_lock_staleness():
    import datetime as dt
    import socket
    now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.timezone.utc)
    fresh = {"run_id": "x", "host": "elsewhere", "pid": 1, "heartbeat": (now - dt.timedelta(minutes=1)).isoformat()}
    assert not lock.is_stale(fresh, now)
    assert lock.is_stale({**fresh, "heartbeat": (now - dt.timedelta(minutes=11)).isoformat()}, now)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert lock.is_stale({**fresh, "host": socket.gethostname(), "pid": dead.pid}, now)
    assert not lock.is_stale({**fresh, "host": socket.gethostname(), "pid": os.getpid()}, now)
    assert lock.is_stale({}, now)


def test_a_state_run_never_replaces_rows_the_state_marks_as_ingested(tmp_path):
    from test_feed_cli import Handler   # the loopback feed of the feed tests: one page, one gone item
    srv = serve(Handler)
    srv.items = [("bib-1", "Bibliothek Meldung 1", "news/m-1"), ("bib-3", "Bibliothek Meldung 3", "news/m-3")]
    feed = f"http://127.0.0.1:{srv.server_address[1]}/feed.xml"
    out, state = tmp_path / "out", tmp_path / "state"
    common = ["--feed", feed, "--state", state, "--allow-host", "127.0.0.1", "--host-delay", "0.05",
              "--fetch-timeout", "5", "--extract-timeout", "0", "--ner", "none", "--output", out]
    try:
        assert run_cli("run", *common, timeout=120).returncode == 0
        assert json.loads((out / "run.json").read_text())["articles"] == 2
        srv.items.append(("bib-4", "Bibliothek Meldung 4", "news/m-4"))
        refused = run_cli("run", *common, timeout=120)
        assert refused.returncode == 2 and "--append" in refused.stderr and "marks 2 feed items" in refused.stderr
        assert json.loads((out / "run.json").read_text())["articles"] == 2   # untouched
        # an appended dataset is not replaced by a run without --append either
        data = tmp_path / "data"
        assert run_cli("run", *common[:-1], data, "--append", timeout=120).returncode == 0
        again = run_cli("run", "--input", ROOT / "samples", "--output", data, "--ner", "none", timeout=120)
        assert again.returncode == 2 and "pass --append" in again.stderr
    finally:
        srv.shutdown()
        srv.server_close()


def test_the_job_itself_can_commit_an_appended_run(tmp_path):
    out = tmp_path / "dataset"
    append_run([write_jsonl(tmp_path / "a" / "a.jsonl", [story(SENTENCES, "Brücke")])], out, "r1")
    copy = write_jsonl(tmp_path / "b" / "b.jsonl", [story(SENTENCES[:8], "Brücke, gekürzt")])
    result = append_run([copy], out, "r2", "--commit-in-job")
    assert "1 copy of earlier runs" not in result.stdout   # in-job: no Beam counters for the summary ...
    rep = report(out, "r2")
    assert rep["committed_by"] == "job" and rep["articles"] == 1 and rep["dataset"]["index_entries"] == 1
    assert [r["is_duplicate"] for r in table(out) if r["title"] == "Brücke, gekürzt"] == [True]   # ... but the link
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]
