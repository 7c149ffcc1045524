"""Copy detection: pure functions on the wire-copy corpus, the Beam transform, and the CLI end to end."""
import json
import random
import subprocess
import sys

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

import wire_copies as corpus
from conftest import SEEDS, needs, read_articles, run_cli
from wirebeam.transforms.dedup import MarkDuplicates, canonical_key, components, is_copy, signature_of

WASSER = "\n\n".join(corpus.WASSER)
BRIDGE = "\n\n".join(corpus.BRIDGE)
MUST_GROUP = {
    "retitled, same text": (WASSER, WASSER),
    "two sentences changed": (WASSER, "\n\n".join(corpus.WASSER_EDITED)),
    "last paragraph cut": (WASSER, "\n\n".join(corpus.WASSER[:-1])),
    "cut after three of five paragraphs": (BRIDGE, "\n\n".join(corpus.BRIDGE[:3])),
    "other whitespace and quotes": (BRIDGE, " ".join(BRIDGE.replace('"', "\u201c").split())),
}
MUST_STAY_APART = {
    "another article on the same event": (WASSER, "\n\n".join(corpus.VERBRAUCHER)),
    "a commentary quoting one paragraph": (BRIDGE, "\n\n".join(corpus.KOMMENTAR)),
    "same outlet, other story": (WASSER, "\n\n".join(corpus.MARKT)),
}


@pytest.mark.parametrize("case", sorted(MUST_GROUP))
def test_copies_are_recognised(case):
    a, b = MUST_GROUP[case]
    assert is_copy(*signature_of(a), *signature_of(b))


@pytest.mark.parametrize("case", sorted(MUST_STAY_APART))
def test_look_alikes_are_not_copies(case):
    a, b = MUST_STAY_APART[case]
    assert not is_copy(*signature_of(a), *signature_of(b))


def test_signature_is_the_same_in_other_processes():
    code = ("import json, sys; from wirebeam.transforms.dedup import signature_of; "
            "print(json.dumps(signature_of(sys.stdin.read())))")
    runs = {subprocess.run([sys.executable, "-c", code], input=WASSER, capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2")}
    assert len(runs) == 1
    sig, n = json.loads(runs.pop())
    assert (tuple(sig), n) == signature_of(WASSER)


def test_components_do_not_depend_on_edge_order():
    edges = [("c", "d"), ("a", "b"), ("b", "c"), ("x", "y")]
    ids = ["a", "b", "c", "d", "x", "y", "z"]
    expected = {"a": "a", "b": "a", "c": "a", "d": "a", "x": "x", "y": "x", "z": "z"}
    for seed in range(5):
        shuffled = list(edges)
        random.Random(seed).shuffle(shuffled)
        assert components(ids, [e[::-1] if seed % 2 else e for e in shuffled]) == expected


def test_canonical_is_earliest_then_longest_then_smallest_id():
    members = [{"id": "b", "published": None, "length": 900},
               {"id": "c", "published": "2025-02-13", "length": 800},
               {"id": "d", "published": "2025-02-12", "length": 100},
               {"id": "a", "published": "2025-02-12", "length": 100},
               {"id": "e", "published": "2025-02-12", "length": 200}]
    assert [m["id"] for m in sorted(members, key=canonical_key)] == ["e", "a", "d", "c", "b"]


def _assert_marks(articles, expected):
    with beam.Pipeline(runner="FnApiRunner") as p:
        marked = (p | beam.Create(articles) | MarkDuplicates()
                  | beam.Map(lambda a: (a["id"], a["dup_group"], a["is_duplicate"])))
        assert_that(marked, equal_to(expected))


@pytest.mark.parametrize("order_seed", [None, 7])
def test_mark_duplicates_does_not_depend_on_input_order(order_seed):
    texts = [WASSER, "\n\n".join(corpus.WASSER_EDITED), "\n\n".join(corpus.VERBRAUCHER), BRIDGE,
             "\n\n".join(corpus.BRIDGE[:3]), "\n\n".join(corpus.KOMMENTAR)]
    articles = [{"id": f"id{i}", "published": f"2025-02-1{i}", "text": t} for i, t in enumerate(texts)]
    if order_seed is not None:
        random.Random(order_seed).shuffle(articles)
    _assert_marks(articles, [("id0", "id0", False), ("id1", "id0", True), ("id2", "id2", False),
                             ("id3", "id3", False), ("id4", "id3", True), ("id5", "id5", False)])


def test_corpus_groups_exactly_as_written(tmp_path):
    truth = corpus.write_corpus(tmp_path / "in")
    out = tmp_path / "out"
    result = run_cli("run", "--input", tmp_path / "in", "--output", out)
    assert result.returncode == 0, result.stderr
    rows = {r["source"].rsplit("/", 1)[-1]: r for r in read_articles(out).to_pylist()}
    assert sorted(rows) == sorted(truth)
    groups = {name: rows[name]["dup_group"] for name in truth}
    precision, recall, _, wrong, missed = corpus.pair_scores(truth, groups)
    assert (wrong, missed) == ([], [])
    assert precision == recall == 1.0
    for story, name in corpus.CANONICAL.items():
        members = [n for n in truth if truth[n] == story]
        assert all(rows[n]["dup_group"] == rows[name]["id"] for n in members), story
        assert [n for n in members if not rows[n]["is_duplicate"]] == [name], story
    assert rows["wasser_portal_scrape.txt"]["agencies"] == ["dpa"]


@needs(SEEDS)
def test_the_five_seeds_stay_five_groups(tmp_path):
    result = run_cli("run", "--input", f"{SEEDS}/*", "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    rows = read_articles(tmp_path / "out").to_pylist()
    assert len(rows) == 5 and len({r["dup_group"] for r in rows}) == 5
    assert not any(r["is_duplicate"] for r in rows)
