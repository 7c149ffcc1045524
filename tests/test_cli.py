"""The `wirebeam` command end to end: real files in, real Parquet out, read back with pyarrow and DuckDB."""
import json
import re

import duckdb
import pytest

from conftest import SEEDS, needs, read_articles, read_failures, run_cli
from wirebeam.pipeline.options import WirebeamOptions


CORE_FLAGS = {"--input", "--output", "--max-input-bytes", "--max-line-bytes", "--extract-timeout",
              "--extract-memory-mib", "--min-language-chars", "--boilerplate-min-docs", "--dedup-threshold", "--ner",
              "--ner-model", "--shards-per-date", "--progress-seconds", "--run-id", "--ingested-at", "--commit-in-job",
              "--feed", "--feeds-file", "--state", "--allow-host", "--contact", "--host-delay", "--max-items-per-feed",
              "--fetch-timeout", "--max-fetch-bytes"}


def test_help_documents_every_option():
    result = run_cli("run", "--help")
    assert result.returncode == 0
    import argparse
    parser = argparse.ArgumentParser()
    WirebeamOptions._add_argparse_args(parser)
    actions = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    flags = {a.option_strings[0] for a in actions}
    assert CORE_FLAGS <= flags, CORE_FLAGS - flags
    for action in actions:
        assert action.option_strings[0] in result.stdout, action.option_strings[0]
        assert action.help and len(action.help.split()) >= 5, action.option_strings[0]   # says what it does
        if action.option_strings[0].count("-") > 2:   # --some-name also answers to Beam's --some_name
            assert "--" + action.dest in action.option_strings
    assert "--direct_num_workers" in result.stdout  # tells users Beam options pass through


def test_no_matching_input_is_a_clear_error(tmp_path):
    result = run_cli("run", "--input", str(tmp_path / "nothing-*.txt"), "--output", tmp_path / "out")
    assert result.returncode == 2
    assert "no input file matched" in result.stderr and "quote globs" in result.stderr
    assert not (tmp_path / "out" / "articles").exists()


def test_unknown_options_and_an_expanded_glob_are_clear_errors(tmp_path):
    import glob
    texts = sorted(glob.glob("samples/*.txt"))   # what the shell makes of an unquoted samples/*.txt
    cases = {
        ("--input", *texts): ["arguments that belong to no option", repr(texts[1]), "quote globs"],
        ("--input", "samples/*", "--dedup-treshold", "0.5"): ["unknown option --dedup-treshold",
                                                              "did you mean --dedup-threshold?"],
        ("--input", "samples/*", "--runner", "Foo"): ["--runner Foo", "Valid values are"],
        ("--input", "samples/*", "--ingested-at", "yesterday"): ["--ingested-at 'yesterday' is not an ISO 8601"],
        ("--input", "samples/*", "--dedup-threshold", "2"): ["--dedup-threshold", "between 0 and 1"],
        ("--input", "samples/*", "--direct_num_workers", "two"): ["--direct_num_workers: invalid int value"],
    }
    for args, expected in cases.items():
        result = run_cli("run", *args, "--output", tmp_path / "out")
        assert result.returncode == 2 and "Traceback" not in result.stderr, (args, result.stderr[-2000:])
        assert all(text in result.stderr for text in expected), (args, result.stderr)
        assert not (tmp_path / "out").exists()   # nothing was written
    ok = run_cli("run", "--input", "samples/*.txt", "--output", tmp_path / "out", "--runner", "DirectRunner",
                 "--direct_num_workers", "1", "-v")
    assert ok.returncode == 0 and "5 articles from 5 input files" in ok.stdout, ok.stderr[-2000:]   # Beam's own pass


def test_a_run_without_articles_still_gives_both_tables(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = run_cli("run", "--input", tmp_path / "empty.txt", "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "0 articles from 1 input file in" in result.stdout and "0 rows are copies (in 0 groups)" in result.stdout
    query = f"SELECT count(*), count(DISTINCT date) FROM read_parquet('{tmp_path}/out/articles/**/*.parquet', hive_partitioning=true)"
    assert duckdb.sql(query).fetchall() == [(0, 0)]
    assert read_articles(tmp_path / "out").num_rows == 0 and read_failures(tmp_path / "out").num_rows == 1
    report = json.loads((tmp_path / "out" / "run.json").read_text())
    assert report["articles"] == 0 and report["dates"] == {}


def test_missing_output_is_a_clear_error(tmp_path):
    result = run_cli("run", "--input", str(tmp_path))
    assert result.returncode == 2 and "--output" in result.stderr


@pytest.mark.parametrize("output", ["afile", "afile/below"])
def test_an_output_that_is_a_file_or_not_writable_is_a_clear_error(tmp_path, output):
    (tmp_path / "afile").write_text("keep me", encoding="utf-8")
    result = run_cli("run", "--input", "samples/*", "--output", tmp_path / output)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "wirebeam: error:" in result.stderr and "give a folder" in result.stderr
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "keep me"


@needs(SEEDS)
def test_seeds_give_five_german_articles_in_five_groups(tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", "--input", f"{SEEDS}/*", "--output", out)
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout and "5 articles" in result.stdout
    table = read_articles(out).to_pylist()
    assert len(table) == 5
    assert len({row["dup_group"] for row in table}) == 5
    assert not any(row["is_duplicate"] for row in table)
    assert {row["language"] for row in table} == {"de"}
    by_name = {row["source"].rsplit("/", 1)[-1][:3]: row for row in table}
    assert (by_name["000"]["published"], by_name["000"]["date_precision"], by_name["000"]["date"]) == \
        ("2024-05", "month", "2024-05")
    assert (by_name["001"]["published"], by_name["001"]["date"]) == ("2024-06", "2024-06")
    assert by_name["000"]["published_date"] is None
    for name, furniture in {"003": ["source-120", "Leave a Reply"],
                            "004": ["00:00", "Audioversion", "(Foto: via REUTERS)", "Quelle: ntv.de",
                                    "Newsletter", "Nicht mehr anzeigen", "Ich möchte gerne Nachrichten"]}.items():
        for line in furniture:
            assert line not in by_name[name]["text"], (name, line)
    assert by_name["004"]["text"].count("Im September hat Kim Jong Un Wladimir Putin in Russland besucht.") == 0
    assert "Reuters" in by_name["004"]["agencies"] and "AFP" in by_name["002"]["agencies"]
    con = duckdb.connect()
    rows = con.sql(f"SELECT date, count(*) FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true) "
                   f"GROUP BY date ORDER BY date").fetchall()
    assert sum(n for _, n in rows) == 5 and ("2024-05", 1) in rows


@needs(SEEDS)
def test_rerun_replaces_the_output_and_leaves_no_staging(tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", "--input", f"{SEEDS}/*", "--output", out).returncode == 0
    first = json.loads((out / "run.json").read_text())
    assert first["articles"] == 5
    result = run_cli("run", "--input", f"{SEEDS}/00[01]_*", "--output", out)
    assert result.returncode == 0, result.stderr
    assert read_articles(out).num_rows == 2
    assert json.loads((out / "run.json").read_text())["articles"] == 2
    assert sorted(p.name for p in out.iterdir()) == ["articles", "failures", "run.json", "stories"]
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]
    assert not list(tmp_path.glob("out.staging-*"))   # staging stands beside the output and is gone


def test_run_json_reports_counts_failures_and_versions(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(
        "Ein Titel über den Hafen\n\nDer Hafen der Stadt wird im kommenden Jahr erweitert, teilte die Verwaltung am "
        "Montag mit. Die Arbeiten sollen im Frühjahr beginnen und zwei Jahre dauern.\n", encoding="utf-8")
    (tmp_path / "in" / "b.jsonl").write_text('{"text": "x"\n[1]\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("run", "--input", tmp_path / "in", "--output", out)
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "run.json").read_text())
    assert report["inputs"]["files"] == 2 and report["articles"] == 1
    assert report["failures"] == {"total": 2, "by_stage": {"read": {"bad_json": 1, "not_an_object": 1}}}
    assert report["languages"] == {"de": 1}
    assert {"wirebeam", "apache-beam", "pyarrow", "trafilatura", "langdetect"} <= set(report["versions"])
    assert report["elapsed_seconds"] > 0 and "bundled" in report["entities"]["status"]
    assert re.search(r"failures\s+2 \(read/bad_json 1, read/not_an_object 1\)", result.stdout)
    failures = read_failures(out).to_pylist()
    assert sorted((f["source"].rsplit("/", 1)[-1], f["stage"], f["reason"]) for f in failures) == [
        ("b.jsonl:1", "read", "bad_json"), ("b.jsonl:2", "read", "not_an_object")]


def test_ner_model_by_path_fills_entities(tmp_path):
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("de")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PER", "pattern": "Anna Berger"},
                                              {"label": "LOC", "pattern": "Bremen"}])
    nlp.to_disk(tmp_path / "model")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(
        "Neue Bürgermeisterin\n\nAnna Berger ist am Sonntag zur Bürgermeisterin von Bremen gewählt worden. Sie "
        "erhielt mehr als die Hälfte der Stimmen und will ihr Amt im Mai antreten.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("run", "--input", tmp_path / "in", "--output", out, "--ner-model", f"de={tmp_path / 'model'}")
    assert result.returncode == 0, result.stderr
    row = read_articles(out).to_pylist()[0]
    assert [(e["text"], e["label"]) for e in row["entities"]] == [("Anna Berger", "PER"), ("Bremen", "LOC")]
    assert all(row["text"][e["start"]:e["end"]] == e["text"] for e in row["entities"])
    bad = run_cli("run", "--input", tmp_path / "in", "--output", out, "--ner-model", "de=/no/such/model")
    assert bad.returncode == 2 and "neither an installed package nor a model folder" in bad.stderr


def test_summary_lists_few_dates_and_sums_up_many():
    from wirebeam.pipeline.summary import dates_line
    assert dates_line({"2024-05": 1, "2024-06-03": 2, "unknown": 1}) == "2024-05 1, 2024-06-03 2, unknown 1"
    assert dates_line({}) == "-"
    many = {f"2024-01-{day:02d}": day % 5 + 1 for day in range(1, 31)}
    many["unknown"] = 7
    line = dates_line(many)
    assert line == ("30 dates from 2024-01-01 to 2024-01-30, most on 2024-01-04 5, 2024-01-09 5, 2024-01-14 5, "
                    "unknown 7")
    assert len(line) < 120   # one readable line, however many days a run spans


def test_workers_report_progress_in_readable_lines(tmp_path):
    result = run_cli("run", "--input", "samples/*", "--output", tmp_path / "out", "--progress-seconds", "0.000001",
                     "--direct_running_mode", "multi_processing", "--direct_num_workers", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    extracted = re.findall(r"INFO wirebeam\.transforms\.progress \(worker\): worker \d+: (\d+) documents extracted so far",
                           result.stderr)
    tagged = re.findall(r"worker \d+: (\d+) articles through the entity stage so far", result.stderr)
    assert extracted and tagged, result.stderr[-3000:]
    assert max(map(int, extracted)) <= 11 and max(map(int, tagged)) <= 14   # counts of one worker: 11 files, 14 articles
    assert "Worker: " not in result.stderr and "log_location" not in result.stderr   # no protobuf dumps


def test_a_rerun_into_a_folder_inside_the_input_does_not_read_its_own_output(tmp_path):
    import shutil
    shutil.copytree("samples", tmp_path / "in")
    runs = [run_cli("run", "--input", tmp_path / "in", "--output", tmp_path / "in" / "out") for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[-1].stderr[-3000:]
    report = json.loads((tmp_path / "in" / "out" / "run.json").read_text())   # the second run's
    assert report["inputs"]["files"] == 11 and report["failures"]["total"] == 0
    assert "14 articles from 11 input files" in runs[1].stdout


def test_the_summary_of_a_feed_run_counts_feeds_and_items_and_says_how_to_allow_a_refused_host():
    import io
    from wirebeam.pipeline.summary import print_summary
    report = {"articles": 1, "inputs": {"files": 0, "feeds": 2}, "elapsed_seconds": 1.25, "output": "/tmp/o",
              "duplicates": 0, "duplicate_groups": 0, "languages": {"und": 1}, "dates": {"2025-07-01": 1},
              "failures": {"total": 0, "by_stage": {}},
              "entities": {"status": "off (--ner none)", "models": {}},
              "metrics": {"feeds.feeds_fetched": 1, "feeds.not_modified": 1, "feeds.items_new": 2,
                          "feeds.pages_fetched": 1, "feeds.fallbacks": 1, "feeds.fallback_because.refused_address": 1}}
    out = io.StringIO()
    print_summary(report, out)
    text = out.getvalue()
    assert "wirebeam: 1 article from 0 input files and 2 feeds in 1.2 s" in text
    assert "failures    0" in text and "--allow-host" in text   # the refused page became a row from the feed's text
    assert ("feeds       2 feeds (1 not modified since the last run, 0 failed), 2 new items, 1 page fetched, "
            "1 from the feed's own text (page refused_address 1)") in text
