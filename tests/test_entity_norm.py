"""Canonical forms of entity mentions within one article (transforms/entity_norm.py): pure functions."""
from wirebeam.transforms.entities.norms import (
    add_missed_mentions, add_norms, clean_surface, count_entities, harmonise_labels, mention_key, strip_genitive)


def norms(pairs, lang="de", places=None):
    return [e["norm"] for e in add_norms([{"text": t, "label": l} for t, l in pairs], lang, places)]


def test_keys_ignore_hyphens_case_and_inflection():
    assert mention_key("Kim Jong-un") == mention_key("Kim Jong Un") == mention_key("KIM JONG UN")
    assert mention_key("Putins") == mention_key("Putin")
    assert mention_key("Vereinten Nationen") == mention_key("Vereinte Nationen")
    assert mention_key("Nordkoreas") == mention_key("Nordkorea")
    assert mention_key("Berlin") != mention_key("Bern")


def test_surface_cleanup():
    assert clean_surface('  „Tagesschau“ ') == "Tagesschau"
    assert clean_surface("Putin's") == "Putin"
    assert clean_surface("the  United   States") == "United States"


def test_inflected_forms_take_the_bare_form_seen_in_the_article():
    assert norms([("Putins", "PER"), ("Putin", "PER")]) == ["Putin", "Putin"]
    assert norms([("Vereinten Nationen", "ORG"), ("Vereinte Nationen", "ORG")]) == ["Vereinte Nationen"] * 2


def test_spelling_variants_share_one_norm():
    assert len(set(norms([("Kim Jong-un", "PER"), ("Kim Jong Un", "PER")]))) == 1


def test_bare_name_points_to_the_full_name():
    got = norms([("Kim Jong Un", "PER"), ("Wladimir Putin", "PER"), ("Kim", "PER"), ("Putins", "PER")])
    assert got == ["Kim Jong Un", "Wladimir Putin", "Kim Jong Un", "Wladimir Putin"]


def test_partial_names_take_the_longest_name_they_start_or_end():
    got = norms([("Kim Jong", "PER"), ("Kim Jong Un", "PER"), ("Kim", "PER"), ("Jong", "PER")])
    assert got == ["Kim Jong Un", "Kim Jong Un", "Kim Jong Un", "Jong"]


def test_bare_name_with_two_candidates_stays_as_it_is():
    got = norms([("Anna Berger", "PER"), ("Anna Schmidt", "PER"), ("Anna", "PER")])
    assert got == ["Anna Berger", "Anna Schmidt", "Anna"]


def test_place_seen_only_in_the_genitive():
    assert norms([("Nordkoreas", "LOC")]) == ["Nordkorea"]
    assert norms([("Russlands", "LOC"), ("Moskaus", "LOC")], places={"Russland", "Moskau"}) == ["Russland", "Moskau"]
    assert norms([("Belarus", "LOC"), ("Texas", "LOC")]) == ["Belarus", "Texas"]
    assert norms([("Klaus", "PER")]) == ["Klaus"]                 # persons never lose an -s by rule
    assert strip_genitive("Nordkoreas", "LOC", "en") == "Nordkoreas"  # German only


def test_counts_per_norm_and_label_most_frequent_first():
    ents = add_norms([{"text": t, "label": l} for t, l in [("Nordkorea", "LOC"), ("Putin", "PER"),
                                                            ("Nordkoreas", "LOC"), ("Kreml", "LOC")]], "de")
    assert count_entities(ents) == [{"norm": "Nordkorea", "label": "LOC", "count": 2},
                                    {"norm": "Kreml", "label": "LOC", "count": 1},
                                    {"norm": "Putin", "label": "PER", "count": 1}]
    assert add_norms([]) == [] and count_entities([]) == []


def test_a_group_takes_its_majority_label_within_the_article():
    ents = [{"text": t, "label": l} for t, l in [("Chile", "LOC"), ("Chile", "ORG"), ("Chiles", "LOC"),
                                                  ("Merkels", "LOC"), ("Merkel", "PER"), ("Merkel", "PER"),
                                                  ("Bremen", "LOC"), ("Bremen", "ORG")]]
    # "Merkels" goes with "Merkel" (one key); Bremen is a tie: each keeps its own label
    assert [e["label"] for e in harmonise_labels(ents)] == ["LOC", "LOC", "LOC", "PER", "PER", "PER", "LOC", "ORG"]


def test_missed_occurrences_of_a_tagged_string_are_added():
    text = "Merkel reiste nach Chile. Dort traf Merkel den Präsidenten; der Merkel-Besuch in Chile dauerte. Merkels Rede."
    ents = [{"text": "Merkel", "label": "PER", "start": 0, "end": 6},
            {"text": "Chile", "label": "LOC", "start": 19, "end": 24},
            {"text": "Chile", "label": "ORG", "start": 81, "end": 86}]
    got = [(e["text"], e["label"], e["start"]) for e in add_missed_mentions(text, ents)]
    # the second "Merkel" is added; "Merkel-Besuch" and "Merkels" are other words, "Chile" has two labels
    assert got == [("Merkel", "PER", 0), ("Chile", "LOC", 19), ("Merkel", "PER", 36), ("Chile", "ORG", 81)]
    assert add_missed_mentions("x", []) == []
    # an ordinary noun the tagger once took for a name: the article has it after "die", so not spread
    text = "Bauzinsen steigen. Die Bank senkt die Bauzinsen nicht, Bauzinsen bleiben hoch."
    assert add_missed_mentions(text, [{"text": "Bauzinsen", "label": "PER", "start": 0, "end": 9}]) == [
        {"text": "Bauzinsen", "label": "PER", "start": 0, "end": 9}]
    # places are not spread (the gazetteer has the known ones)
    text = "Lima liegt am Meer. Nach Lima fuhr er."
    assert len(add_missed_mentions(text, [{"text": "Lima", "label": "LOC", "start": 0, "end": 4}])) == 1


def test_genitive_of_a_listed_place_whose_list_has_genitives_too():
    assert norms([("Chiles", "LOC")], places={"Chile", "Chiles"}) == ["Chile"]
