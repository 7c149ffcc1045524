"""HTML extraction: trafilatura plus the metadata-aware cleanup (pure functions, no Beam)."""
import gzip

import pytest

from conftest import BAD, EVAL, SAMPLES, needs
from wirebeam.transforms.html import ExtractionError, clean_main_text, extract_html

BODY = [
    "Der Sturm hat in der Nacht zu Freitag im Norden schwere Schäden angerichtet, wie die Feuerwehr mitteilte.",
    "Zahlreiche Bäume stürzten auf Gleise, der Bahnverkehr zwischen Hamburg und Bremen ist seit dem Morgen unterbrochen.",
]


def test_repeated_headline_at_the_top_goes():
    title = "Sturm legt Bahnverkehr im Norden lahm"
    lines = clean_main_text("\n".join([f"{title} | Hansekurier", *BODY]), title)
    assert lines == BODY


def test_a_sentence_that_merely_starts_like_the_title_stays():
    title = "Sturm"
    assert clean_main_text("\n".join(BODY), title) == BODY


def test_furniture_lines_go_but_tables_and_mid_text_dates_stay():
    text = "\n".join([
        "Stand: 22.04.2024, 06:00 Uhr", BODY[0], "Jetzt Newsletter abonnieren!", "Artikel teilen", "Facebook Twitter WhatsApp",
        "| Pos. | Fahrer | Punkte |", "| 1 | A. Muster | 5040 |", BODY[1]])
    lines = clean_main_text(text, None)
    assert lines == [BODY[0], "| Pos. | Fahrer | Punkte |", "| 1 | A. Muster | 5040 |", BODY[1]]


def test_teaser_tail_goes_credit_line_stays_for_agencies():
    text = "\n".join([*BODY, "(dpa)", "- Politik: Was die Koalition jetzt plant",
                      "- foxnews.com: Tanker evades Coast Guard", "- Mehr aus Hamburg"])
    assert clean_main_text(text, None) == [*BODY, "(dpa)"]


def test_list_of_sentences_inside_the_article_stays():
    items = ["- Die Feuerwehr rückte in der Nacht zu mehr als 300 Einsätzen aus.",
             "- Verletzt wurde nach Angaben der Polizei niemand."]
    assert clean_main_text("\n".join([*BODY, *items]), None) == [*BODY, *items]


def test_consent_banner_goes_but_long_text_about_privacy_stays():
    banner = "Wir verwenden Cookies und Tracking, um Inhalte zu personalisieren. Ihre Einwilligung können Sie widerrufen."
    essay = " ".join(["Privacy advocates argue that consent forms rarely inform anyone."] + [BODY[0]] * 30)
    assert clean_main_text("\n".join([banner, *BODY]), None) == BODY
    assert clean_main_text(essay, None) == [" ".join(essay.split())]


def test_nav_only_page_is_an_extraction_failure():
    with pytest.raises(ExtractionError) as err:
        extract_html((BAD / "nav_only.html").read_bytes())
    assert err.value.reason == "no_main_text"


def test_sample_page_metadata():
    page = extract_html((SAMPLES / "de_hansekurier_sturm_bahn.html").read_bytes())
    assert page["title"] and page["published"].startswith("2025-03-14")
    assert not page["text"].startswith(page["title"])
    assert len(page["text"].split()) > 100


@needs(EVAL)
@pytest.mark.parametrize("name, words", [("readability/yahoo-4", None), ("readability/clean-links", "Bartleby")])
def test_real_pages_without_spaces_or_with_privacy_words_are_extracted(name, words):
    raw = gzip.decompress((EVAL / "pages" / f"{name}.html.gz").read_bytes())
    text = extract_html(raw)["text"]
    assert len(text) > 500
    if words:
        assert words in text
