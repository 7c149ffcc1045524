"""Copy detection on the reprints corpus (tests/data/reprints, see its README): the pure functions
on real corpus text, MarkDuplicates in a Beam pipeline in two input orders, the CLI end to end
against truth.json / canonical.json, and the five shared seeds (five different texts on one event)."""
import functools
import itertools
import json
import os
import random
import subprocess
import sys

import pytest

from conftest import ROOT, SEEDS, needs, read_articles, read_failures, run_cli
from wirebeam.transforms import dedup
from wirebeam.transforms.dedup import (ConnectedComponents, MarkDuplicates, bucket_pairs, canonical_key, components,
                                      is_copy, signature_of)

CORPUS = ROOT / "tests" / "data" / "reprints"
TRUTH = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))
CANONICAL = json.loads((CORPUS / "canonical.json").read_text(encoding="utf-8"))
ARTICLE_GLOBS = ("*.txt", "*.txt.gz", "*.html", "*.jsonl")

# (copy, the article it copies): every member of a family against its canonical member
MUST_GROUP = {
    "klinik: the same article as a plain-text scrape and as an HTML page":
        ("klinik_nachrichtenportal_scrape.txt", "klinik_kreisbote.html"),
    "klinik: republication with a new headline (feed)": ("klinik_feed.jsonl:1", "klinik_kreisbote.html"),
    "klinik: two sentences reworded": ("klinik_tageblatt_zwei_saetze.txt", "klinik_kreisbote.html"),
    "klinik: last paragraph cut": ("klinik_landbote_gekuerzt.txt", "klinik_kreisbote.html"),
    "sewage: lightly edited wording": ("sewage_gazette_edited.txt", "sewage_courier.txt"),
    "sewage: gzip copy": ("sewage_mirror.txt.gz", "sewage_courier.txt"),
    "sewage: other whitespace, quotes and line ends": ("sewage_wordpress_crlf.txt", "sewage_courier.txt"),
    "sewage: first two thirds": ("sewage_weekly_short.txt", "sewage_courier.txt"),
    "loco: full HTML page vs its early short version": ("loco_railwayworld.html", "loco_valleytimes_early.txt"),
    "loco: retitled full text vs the early short version": ("loco_weekly.txt", "loco_valleytimes_early.txt"),
    "freibad: last paragraph cut": ("freibad_rundschau_gekuerzt.txt", "freibad_anzeiger.txt"),
    "freibad: feed copy with a fact box appended": ("freibad_feed.jsonl:1", "freibad_anzeiger.txt"),
    "brand: HTML page, new headline, one sentence changed": ("brand_oberauer_nachrichten.html", "brand_nordkurier.txt"),
    "brand: cut after six of eight paragraphs": ("brand_kurzmeldung.txt", "brand_nordkurier.txt"),
    "bus: retitled republication": ("bus_herald_retitled.txt", "bus_kelbystar.html"),
    "sparkasse: local adaptation (intro added, sentence changed, end cut)":
        ("sparkasse_wittenbrook_lokal.txt", "sparkasse_heidekurier.txt"),
    "sparkasse: the same text as an HTML page": ("sparkasse_heide_echo.html", "sparkasse_heidekurier.txt"),
}
MUST_STAY_APART = {
    "fire: street reportage on the same fire": ("brand_anwohner.txt", "brand_nordkurier.txt"),
    "fire: follow-up on the cause of the same fire": ("brand_ursache.txt", "brand_nordkurier.txt"),
    "fire: fire brigade report on the same fire": ("brand_feuerwehr.txt", "brand_nordkurier.txt"),
    "fire: two other articles on the same fire": ("brand_anwohner.txt", "brand_ursache.txt"),
    "strike: explainer on the same strike": ("bus_explainer.txt", "bus_kelbystar.html"),
    "strike: school buses during the same strike": ("bus_school.txt", "bus_kelbystar.html"),
    "commentary quoting one paragraph (de)": ("kommentar_klinik.txt", "klinik_kreisbote.html"),
    "commentary quoting one paragraph, vs the cut copy": ("kommentar_klinik.txt", "klinik_landbote_gekuerzt.txt"),
    "opinion quoting one paragraph (en)": ("opinion_sewage.txt", "sewage_courier.txt"),
    "opinion quoting one paragraph, vs the short copy": ("opinion_sewage.txt", "sewage_weekly_short.txt"),
    "police template: burglary vs accident": ("polizei_einbruch.txt", "polizei_unfall.txt"),
    "police template: burglary vs fraud": ("polizei_einbruch.txt", "polizei_betrug.txt"),
    "police template: accident vs fraud": ("polizei_unfall.txt", "polizei_betrug.txt"),
    "market reports from one template": ("markets_monday.html", "markets_tuesday.html"),
}


@functools.lru_cache(maxsize=None)
def corpus_article(name: str) -> dict:
    """The article wirebeam's extraction makes of one corpus entry (no Beam, no cross-document step)."""
    from wirebeam.transforms.extract.decode import decode_bytes
    from wirebeam.transforms.extract.dispatch import from_html, from_record, from_scrape
    from wirebeam.transforms.read import read_document
    file_name, _, line = name.partition(":")
    path = CORPUS / file_name
    if line:
        record = json.loads(path.read_text(encoding="utf-8").splitlines()[int(line) - 1])
        return from_record(name, record)
    raw = read_document(str(path), 16 << 20)
    if file_name.endswith(".html"):
        return from_html(name, raw)
    return from_scrape(name, decode_bytes(raw)[0])


@functools.lru_cache(maxsize=None)
def signature(name: str):
    return signature_of(corpus_article(name)["text"])


def test_corpus_files_and_truth_agree():
    files = {p.name for g in ARTICLE_GLOBS for p in CORPUS.glob(g)}
    assert {n.partition(":")[0] for n in TRUTH} == files
    assert set(CANONICAL) == {f for f in TRUTH.values() if list(TRUTH.values()).count(f) > 1}
    assert all(TRUTH[name] == family for family, name in CANONICAL.items())
    cases = list(MUST_GROUP.values()) + list(MUST_STAY_APART.values())
    assert all(a in TRUTH and b in TRUTH for a, b in cases)
    assert all(TRUTH[a] == TRUTH[b] for a, b in MUST_GROUP.values())
    assert all(TRUTH[a] != TRUTH[b] for a, b in MUST_STAY_APART.values())


@pytest.mark.parametrize("case", sorted(MUST_GROUP))
def test_copies_are_copies(case):
    a, b = MUST_GROUP[case]
    assert is_copy(*signature(a), *signature(b))
    assert is_copy(*signature(b), *signature(a))


@pytest.mark.parametrize("case", sorted(MUST_STAY_APART))
def test_look_alikes_are_not_copies(case):
    a, b = MUST_STAY_APART[case]
    assert not is_copy(*signature(a), *signature(b))


def test_no_two_families_share_a_copy_pair():
    wrong = [(a, b) for a, b in itertools.combinations(sorted(TRUTH), 2)
             if TRUTH[a] != TRUTH[b] and is_copy(*signature(a), *signature(b))]
    assert wrong == []


def test_signature_is_the_same_in_other_processes():
    text = corpus_article("klinik_kreisbote.html")["text"]
    code = ("import json, sys; from wirebeam.transforms.dedup import signature_of; "
            "print(json.dumps(signature_of(sys.stdin.buffer.read().decode('utf-8'))))")
    outputs = []
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-c", code], input=text.encode("utf-8"), capture_output=True,
                                env=env, check=True)
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1]
    sig, n = outputs[0]
    assert (tuple(sig), n) == signature_of(text) and n > 200


def test_components_do_not_depend_on_edge_or_id_order():
    ids = sorted(TRUTH)
    edges = [(a, b) for a, b in itertools.combinations(ids, 2) if TRUTH[a] == TRUTH[b]]
    expected = components(ids, edges)
    assert len(set(expected.values())) == len(set(TRUTH.values()))
    assert all(expected[n] == min(m for m in ids if TRUTH[m] == TRUTH[n]) for n in ids)
    chains = [(a, b) for a, b in edges if not any(TRUTH[m] == TRUTH[a] for m in ids if a < m < b)]
    for seed in range(6):
        rnd = random.Random(seed)
        for subset in (edges, chains):  # all edges of each family, or only a chain through it
            shuffled = [e[::-1] if rnd.random() < 0.5 else e for e in subset + subset[:5]]
            rnd.shuffle(shuffled)
            shuffled_ids = ids[:]
            rnd.shuffle(shuffled_ids)
            assert components(shuffled_ids, shuffled) == expected


@pytest.mark.parametrize("rounds", [0, 1, 3])
def test_connected_components_in_beam_match_union_find_also_past_the_rounds(rounds):
    """Min-label rounds as Beam joins, with the residue step: a chain of 12 nodes is wider than
    any number of rounds given here, a star and a clique settle at once, singletons stay out."""
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from apache_beam.testing.test_pipeline import TestPipeline
    from apache_beam.testing.util import assert_that, equal_to

    chain = [(f"c{i:02d}", f"c{i + 1:02d}") for i in range(11)]
    star = [("s5", f"s{i}") for i in range(5)]
    clique = list(itertools.combinations(["k3", "k1", "k2", "k0"], 2))
    rnd = random.Random(7)
    edges = [e[::-1] if rnd.random() < 0.5 else e for e in chain + star + clique]
    rnd.shuffle(edges)
    nodes = {x for e in edges for x in e}
    expected = sorted(components(nodes, edges).items())
    assert len({root for _, root in expected}) == 3
    with TestPipeline(runner=FnApiRunner()) as p:
        roots = p | "Edges" >> beam.Create(edges, reshuffle=False) | ConnectedComponents(rounds)
        assert_that(roots, equal_to(expected))


def test_bucket_pairs_stay_small_for_identical_texts_and_huge_buckets(monkeypatch):
    # identical texts: a star on the smallest id, in their exact-text bucket, and once in a band bucket
    same = [(f"id{i}", "t") for i in (3, 1, 2)]
    assert bucket_pairs("x:t", same) == [("id1", "id2"), ("id1", "id3")]
    assert bucket_pairs("7:ab", same + [("id0", "u"), ("id9", "u")]) == [("id0", "id1")]
    # order and repeats of members do not matter
    members = [("c", "3"), ("a", "1"), ("b", "2")]
    assert bucket_pairs("1:k", members) == bucket_pairs("1:k", members[::-1] + members) == [
        ("a", "b"), ("a", "c"), ("b", "c")]
    # over MAX_BUCKET distinct texts: pairs only within chunks in id order
    monkeypatch.setattr(dedup, "MAX_BUCKET", 2)
    assert bucket_pairs("1:k", members) == [("a", "b")]


def test_canonical_is_dated_then_earliest_then_longest_then_smallest_id():
    members = [
        {"id": "undated_long", "published": None, "length": 9000},
        {"id": "later", "published": "2025-06-04", "length": 5000},
        {"id": "b_same_day_short", "published": "2025-06-03T07:00:00+00:00", "length": 100},
        {"id": "a_same_day_short", "published": "2025-06-03T07:00:00+00:00", "length": 100},
        {"id": "same_day_long", "published": "2025-06-03T07:00:00+00:00", "length": 200},
        {"id": "z_undated", "published": None, "length": 9000},
    ]
    order = [m["id"] for m in sorted(members, key=canonical_key)]
    assert order == ["same_day_long", "a_same_day_short", "b_same_day_short", "later", "undated_long", "z_undated"]
    # times compare as instants: 08:10 in Berlin (06:10 UTC) is before 07:00 in London
    berlin = {"id": "x", "published": "2025-06-03T08:10:00+02:00", "length": 1}
    london = {"id": "a", "published": "2025-06-03T07:00:00+00:00", "length": 1}
    assert min([london, berlin], key=canonical_key) is berlin
    # a date without a time counts as the start of its day (a month as the start of its month)
    day = {"id": "y", "published": "2025-06-03", "length": 1}
    month = {"id": "z", "published": "2025-06", "length": 1}
    assert [m["id"] for m in sorted([london, day, month, berlin], key=canonical_key)] == ["z", "y", "x", "a"]


def _expected_marks():
    """(id, dup_group, is_duplicate) per corpus entry when ids are the entry names."""
    return sorted((name, CANONICAL.get(TRUTH[name], name), CANONICAL.get(TRUTH[name], name) != name)
                  for name in TRUTH)


@pytest.mark.parametrize("seed", [3, 11])
def test_mark_duplicates_does_not_depend_on_input_order(seed):
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from apache_beam.testing.test_pipeline import TestPipeline
    from apache_beam.testing.util import assert_that, equal_to

    articles = [{**corpus_article(name), "id": name} for name in sorted(TRUTH)]
    expected = _expected_marks()
    shuffled = articles[:]
    random.Random(seed).shuffle(shuffled)
    with TestPipeline(runner=FnApiRunner()) as p:
        marked = (p | beam.Create(shuffled, reshuffle=False) | MarkDuplicates()
                  | beam.Map(lambda a: (a["id"], a["dup_group"], a["is_duplicate"])))
        assert_that(marked, equal_to(expected))


def test_cli_groups_the_corpus_exactly_as_written(tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", *itertools.chain.from_iterable(("--input", CORPUS / g) for g in ARTICLE_GLOBS),
                     "--output", out)
    assert result.returncode == 0, result.stderr
    assert read_failures(out).num_rows == 0
    rows = {r["source"].rsplit("/", 1)[-1]: r for r in read_articles(out).to_pylist()}
    assert sorted(rows) == sorted(TRUTH)

    def partition(label_of):
        groups = {}
        for name in rows:
            groups.setdefault(label_of(name), set()).add(name)
        return sorted(sorted(g) for g in groups.values())
    assert partition(lambda n: rows[n]["dup_group"]) == partition(TRUTH.get)
    by_id = {r["id"]: name for name, r in rows.items()}
    for name, row in rows.items():
        want = CANONICAL.get(TRUTH[name], name)
        assert (by_id[row["dup_group"]], row["is_duplicate"]) == (want, want != name), name


@needs(SEEDS)
def test_the_five_seeds_stay_five_groups(tmp_path):
    result = run_cli("run", "--input", f"{SEEDS}/*", "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    rows = read_articles(tmp_path / "out").to_pylist()
    assert len(rows) == 5
    assert len({r["dup_group"] for r in rows}) == 5
    assert not any(r["is_duplicate"] for r in rows)
    assert all(r["dup_group"] == r["id"] for r in rows)
