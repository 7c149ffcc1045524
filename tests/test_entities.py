"""The entity stage with a real spaCy pipeline built here (no download): a blank German pipeline with an
entity ruler, saved to disk and loaded by path as a user's --ner-model would be."""
import pytest

from wirebeam.transforms.entities.tag import (NerConfigError, check_models, entities_of, load_pipeline, map_label,
                                          parse_model_specs)

spacy = pytest.importorskip("spacy")


@pytest.fixture(scope="module")
def ruler_model(tmp_path_factory):
    nlp = spacy.blank("de")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PERSON", "pattern": "Wladimir Putin"},
        {"label": "GPE", "pattern": "Nordkorea"},
        {"label": "ORG", "pattern": "Kreml"},
        {"label": "DATE", "pattern": "Dienstag"},
    ])
    path = tmp_path_factory.mktemp("model") / "de_ruler"
    nlp.to_disk(path)
    return str(path)


def test_labels_map_to_four_classes():
    assert [map_label(x) for x in ["PERSON", "PER", "GPE", "LOC", "FAC", "ORG", "NORP", "EVENT", "DATE", "CARDINAL"]] == \
        ["PER", "PER", "LOC", "LOC", "LOC", "ORG", "MISC", "MISC", None, None]


def test_model_specs_parse_and_explain_mistakes():
    assert parse_model_specs(["de=/m/de", "EN = en_core_web_sm"]) == {"de": "/m/de", "en": "en_core_web_sm"}
    with pytest.raises(NerConfigError, match="LANG=NAME_OR_PATH"):
        parse_model_specs(["/m/de"])


def test_unknown_model_is_a_clear_error_not_a_download():
    with pytest.raises(NerConfigError, match="neither an installed package nor a model folder"):
        load_pipeline("de_wirebeam_model_that_does_not_exist")


def test_loaded_model_tags_with_offsets_into_the_text(ruler_model):
    check_models({"de": ruler_model})
    text = "Am Dienstag reist Wladimir Putin nach Nordkorea, teilte der Kreml mit."
    ents = entities_of(load_pipeline(ruler_model)(text))
    assert [(e["text"], e["label"]) for e in ents] == [("Wladimir Putin", "PER"), ("Nordkorea", "LOC"), ("Kreml", "ORG")]
    assert all(text[e["start"]:e["end"]] == e["text"] for e in ents)


def test_a_mention_without_a_letter_is_no_name():
    text = "Der Preis stieg auf 140 € bei Aldi , sagte ___ ."
    doc = spacy.blank("de")(text)
    doc.ents = [doc.char_span(text.index(m), text.index(m) + len(m), label)
                for m, label in [("140 €", "MISC"), ("Aldi", "ORG"), ("___", "PER")]]
    assert [(e["text"], e["label"]) for e in entities_of(doc)] == [("Aldi", "ORG")]
