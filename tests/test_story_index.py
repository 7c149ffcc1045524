"""Stories across runs (transforms/story_index.py): the pure rules, then real appended runs of the five
shared seeds and the story corpus, split over two runs as a schedule would bring them."""
import datetime as dt
import json
import shutil

import duckdb
import numpy as np

from conftest import ROOT, SEEDS, needs, run_cli
from wirebeam.transforms.stories import CONTINUED, NEW, _decide, continued_row
from wirebeam.transforms.story_index import df_rows, heaviest, read_df, with_indexed_df

CORPUS = ROOT / "tests" / "data" / "stories"


def _member(article_id, published, *, site="a.example", group=None, entities=(), title=None, indexed_group=False):
    day = dt.date.fromisoformat(published[:10]) if published and len(published) >= 10 else None
    return {"id": article_id, "title": title or f"title {article_id}", "published": published, "published_date": day,
            "site": site, "language": "de", "agencies": [], "dup_group": group or article_id, "length": 100,
            "entity_counts": [{"norm": n, "label": label, "count": c} for n, label, c in entities],
            **({"indexed_group": True} if indexed_group else {})}


def test_a_continued_story_adds_up_and_keeps_its_id_and_headline():
    previous = {"story_id": "s0", "headline": "Erster Bericht", "headline_id": "s0",
                "first_published": "2024-06-18T10:00:00+02:00", "last_published": "2024-06-19T08:00:00+02:00",
                "first_date": dt.date(2024, 6, 18), "last_date": dt.date(2024, 6, 19), "article_count": 4,
                "copy_groups": 3, "sites": ["a.example", "b.example"], "languages": ["de"], "agencies": ["dpa"],
                "entity_counts": [{"norm": "Wladimir Putin", "label": "PER", "count": 9},
                                  {"norm": "Hanoi", "label": "LOC", "count": 2}]}
    members = [_member("n1", "2024-06-20T09:00:00+02:00", site="c.example", entities=[("Hanoi", "LOC", 5)]),
               _member("n2", "2024-06-17T23:00:00+00:00", site="a.example", entities=[("Wladimir Putin", "PER", 1)]),
               _member("n3", "2024-06-20T10:00:00+02:00", group="g-old", indexed_group=True)]
    row, totals = continued_row(previous, "s0", members)
    assert row["story_id"] == "s0" and row["headline"] == "Erster Bericht" and row["headline_id"] == "s0"
    assert row["article_count"] == 7 and row["run_articles"] == 3
    assert row["copy_groups"] == 5   # n1 and n2 are new texts; n3 copies a group the story already had
    assert row["first_published"] == "2024-06-17T23:00:00+00:00"   # earlier than the first run's first article
    assert row["last_published"] == "2024-06-20T10:00:00+02:00"
    assert (row["first_date"], row["last_date"]) == (dt.date(2024, 6, 17), dt.date(2024, 6, 20))
    assert row["sites"] == ["a.example", "b.example", "c.example"] and row["agencies"] == ["dpa"]
    assert [(e["norm"], e["count"]) for e in row["top_entities"]] == [("Wladimir Putin", 10), ("Hanoi", 7)]
    assert totals == row["top_entities"]
    # the index no longer has the story's state (pruned): the row counts this run only, the id stays
    alone, _ = continued_row(None, "s0", members)
    assert (alone["story_id"], alone["article_count"], alone["headline"]) == ("s0", 3, "title n2")


def test_a_cluster_continues_the_story_most_of_its_indexed_articles_belong_to():
    rows = [(_member("a", "2024-06-20"), None), (_member("b", "2024-06-20"), None),
            (_member("c", "2024-06-20", group="old-group"), "s-of-old-group")]
    decided = list(_decide(("a", {"rows": rows, "indexed": ["s2", "s1", "s2"]})))
    assert [(key, row["id"]) for key, row in decided] == [
        (CONTINUED + "s2", "a"), (CONTINUED + "s2", "b"), (CONTINUED + "s-of-old-group", "c")]
    assert decided[2][1]["indexed_group"] and "indexed_group" not in decided[0][1]
    tie = list(_decide(("a", {"rows": rows[:1], "indexed": ["s2", "s1"]})))
    assert tie[0][0] == CONTINUED + "s1"   # a tie goes to the smallest story_id, on every runner
    assert list(_decide(("a", {"rows": rows[:2], "indexed": []})))[0][0] == NEW + "a"


def test_document_frequencies_round_trip_and_add_up(tmp_path):
    from wirebeam.transforms.index import STORY_DF, _WriteBucket, bucket_file
    run = np.zeros(17, dtype=np.int32)
    run[[3, 7, 16]] = [2, 1, 5]
    bucket, row = next(df_rows(run))
    assert list(_WriteBucket(str(tmp_path), STORY_DF, "r1").process((bucket, [row]))) == [0]   # as a run writes it
    path = bucket_file(str(tmp_path), STORY_DF, 0, "r1")
    assert read_df(str(path), 16).tolist() == run.tolist()
    assert with_indexed_df(run, str(path)).tolist() == (2 * run).tolist()
    assert with_indexed_df(run, None) is run
    assert heaviest({5: 0.1, 9: 0.7, 2: 0.7}, 2) == ([2, 9], [0.7, 0.7])


def _append(inputs, out, hour):
    result = run_cli("run", *[a for i in inputs for a in ("--input", str(i))], "--output", out, "--append",
                     "--ingested-at", f"2026-01-01T{hour:02d}:00:00+00:00")
    assert result.returncode == 0, result.stderr[-3000:]


@needs(SEEDS)
def test_the_seeds_split_over_two_runs_form_one_story_that_grows(tmp_path):
    """Run 1: three seeds and one outlet's distractors (balloons, Buergenstock, Putin in Astana).
    Run 2: the other two seeds (undated), another outlet's reports of the same distractor events,
    and a retitled wire copy of a run-1 article. Each report joins its run-1 story; the seeds are one
    story that no distractor joins; the latest stories/ row counts both runs."""
    first, second = tmp_path / "run1", tmp_path / "run2"
    first.mkdir()
    second.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for path in seeds[:3]:
        shutil.copy(path, first / path.name)
    for path in seeds[3:]:
        shutil.copy(path, second / path.name)
    shutil.copy(CORPUS / "weltspiegel-online.jsonl", first / "weltspiegel-online.jsonl")
    shutil.copy(CORPUS / "nachrichten-kompakt.jsonl", second / "nachrichten-kompakt.jsonl")
    balloons = json.loads((CORPUS / "weltspiegel-online.jsonl").read_text(encoding="utf-8").splitlines()[0])
    copy = {**balloons, "url": "https://other.example/ballons", "site": "other.example",
            "title": "Müllballons: Seoul antwortet mit Lautsprechern"}
    (second / "copy.jsonl").write_text(json.dumps(copy, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "dataset"
    _append([first / "*"], out, 0)
    _append([second / "*"], out, 1)

    articles = duckdb.sql(f"SELECT * FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true)").df()
    name = articles["source"].str.rsplit("/", n=1).str[-1]
    seed_rows = articles[name.str.endswith(".txt")]
    assert len(seed_rows) == 5 and seed_rows["story_id"].nunique() == 1
    seed_story = seed_rows["story_id"].iloc[0]
    assert seed_story in set(articles[name.isin([p.name for p in seeds[:3]])]["id"])   # run 1's earliest seed
    assert set(articles[articles["story_id"] == seed_story]["source"]) == set(seed_rows["source"])

    truth = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))
    by_event = {}
    for source, story in zip(name, articles["story_id"]):
        event = truth.get(source) or ("e21_nordkorea_ballons" if source == "copy.jsonl:1" else None)
        if event:
            by_event.setdefault(event, set()).add(story)
    for event in ("e21_nordkorea_ballons", "e23_buergenstock", "e38_putin_astana"):
        assert len(by_event[event]) == 1, (event, by_event)   # both outlets and both runs: one story
    copied = articles[name == "copy.jsonl:1"].iloc[0]
    original = articles[name == "weltspiegel-online.jsonl:1"].iloc[0]
    assert copied["is_duplicate"] and copied["dup_group"] == original["id"]
    assert copied["story_id"] == original["story_id"]

    latest = duckdb.sql(f"""SELECT * FROM read_parquet('{out}/stories/**/*.parquet')
                            QUALIFY row_number() OVER (PARTITION BY story_id ORDER BY ingested_at DESC) = 1""").df()
    counts = articles.groupby("story_id").size()
    assert len(latest) == len(counts)
    assert all(latest.set_index("story_id")["article_count"][s] == n for s, n in counts.items())
    seed_row = latest[latest["story_id"] == seed_story].iloc[0]
    assert (seed_row["article_count"], seed_row["run_articles"], seed_row["copy_groups"]) == (5, 2, 5)
    assert seed_row["top_entities"][0]["norm"] == "Wladimir Putin"
    balloons_row = latest[latest["story_id"] == original["story_id"]].iloc[0]
    assert balloons_row["copy_groups"] == balloons_row["article_count"] - 1   # the copy adds an article, not a text
    assert "other.example" in list(balloons_row["sites"])
    index = out / "_index"
    assert len(list((index / "story_states").rglob("*.parquet"))) >= 2 and len(list((index / "runs").iterdir())) == 2
