"""Furniture rules that generalise what the samples still left (issue 15): a newsletter box that ends
in a call to act, a comment form asking the reader to log in, a line linking to another article,
a byline at the top whose author is already in `authors`. Written for these tests, in the shapes
seen on other pages too; prose that uses the same words must stay."""
import pytest

from wirebeam.transforms.extract.dispatch import from_html, from_record
from wirebeam.transforms.extract.furniture import furniture_rule, is_byline, without_byline
from wirebeam.transforms.extract.scrape import parse_scrape


@pytest.mark.parametrize("line, rule", [
    ("Jeden Morgen um sechs: Der Stadtblatt-Morgenbrief mit allem, was Hamburg heute bewegt. Jetzt kostenlos anmelden.",
     "prompt"),
    ("Der Abend-Überblick aus Leipzig, werktags um 18 Uhr. Hier gratis abonnieren!", "prompt"),
    ("The Morning Brief: the five stories you need before breakfast. Sign up now.", "prompt"),
    ("Um Kommentare zu schreiben, melden Sie sich bitte an.", "prompt"),
    ("Bitte loggen Sie sich ein, um mitzudiskutieren.", "prompt"),
    ("You must be logged in to post a comment.", "prompt"),
    ("Please sign in to join the discussion.", "prompt"),
    ("Related: Beach clean volunteers log record haul of fishing gear", "related_link"),
    ("Lesen Sie auch: Neue Fähre verbindet Inseln im Wattenmeer", "related_link"),
    ("Read more: Council delays vote on night buses", "widget"),    # a widget cue already
])
def test_furniture_lines(line, rule):
    assert furniture_rule(line, None) == rule


@pytest.mark.parametrize("line", [
    "Der Verein will sich jetzt anmelden.",
    "Wer teilnehmen will, kann sich bis Freitag im Rathaus anmelden.",
    "Users must log in to comment on the forum, the company said.",
    "The union said members could register their complaints with the council.",
    "More: the company said it would appeal against the ruling.",
    "Related: the two cases were heard by the same judge, the court said.",
    "„Melden Sie sich bitte an, wenn Sie kommentieren wollen“, sagte die Moderatorin.",
])
def test_prose_with_the_same_words_stays(line):
    assert furniture_rule(line, None) is None


def test_scrape_tail_without_related_link_and_comment_form():
    text = ("date 2025-04-15 Fish market trials seaweed trays\n\n"
            "A fishing port has begun a six-month trial of trays made from farmed seaweed, in an attempt to "
            "replace the polystyrene boxes that traders have used for decades.\n\n"
            "Related: Beach clean volunteers log record haul of fishing gear\n\n"
            "The harbour authority estimates that its traders throw away around 90,000 boxes a year.\n\n"
            "Comments\nYou must be logged in to post a comment.\n")
    body = parse_scrape(text).text
    assert body == ("A fishing port has begun a six-month trial of trays made from farmed seaweed, in an attempt to "
                    "replace the polystyrene boxes that traders have used for decades.\n\n"
                    "The harbour authority estimates that its traders throw away around 90,000 boxes a year.")


@pytest.mark.parametrize("line, authors", [
    ("Von Lukas Schäfer · 15.04.2025, 17:45 Uhr", ["Lukas Schäfer"]),
    ("By Hannah Okafor and Sam Whitlow, updated April 15, 2025", ["Hannah Okafor", "Sam Whitlow"]),
    ("Text: Katrin Vogel", ["Katrin Vogel"]),
    ("VON KATRIN VOGEL", ["Katrin Vogel"]),
    ("Katrin Vogel, 15.04.2025", ["Katrin Vogel"]),
])
def test_bylines_of_known_authors(line, authors):
    assert is_byline(line, authors)


@pytest.mark.parametrize("line, authors", [
    ("Von Lukas Schäfer · 15.04.2025, 17:45 Uhr", ["Hannah Okafor"]),        # someone else
    ("Von Lukas Schäfer · 15.04.2025, 17:45 Uhr", []),
    ("Lukas Schäfer sagte am Dienstag, die Gebühren seien zu hoch.", ["Lukas Schäfer"]),
    ("Staff Reports", ["Staff Reports"]),    # a name alone: no "by", no date
])
def test_not_bylines(line, authors):
    assert not is_byline(line, authors)


def test_byline_goes_only_from_the_top():
    text = "Von Lukas Schäfer · 15.04.2025\n\nDer Gemeinderat hat beschlossen.\n\nLukas Schäfer"
    assert without_byline(text, ["Lukas Schäfer"]) == "Der Gemeinderat hat beschlossen.\n\nLukas Schäfer"
    assert without_byline("Von Lukas Schäfer", ["Lukas Schäfer"]) == "Von Lukas Schäfer"   # never the whole text


PARAS = "".join(f"<p>Der Gemeinderat hat am Dienstagabend mit 27 zu 19 Stimmen eine neue Gebührenordnung "
                f"für das Anwohnerparken beschlossen, Absatz {i}.</p>" for i in range(4))


def test_html_page_and_json_line_lose_the_byline_of_their_author():
    html = (f"<html><head><title>Parken wird teurer</title><meta name=\"author\" content=\"Lukas Schäfer\"></head>"
            f"<body><article><h1>Parken wird teurer</h1><p class=\"byline\">Von Lukas Schäfer · 15.04.2025, "
            f"17:45 Uhr</p>{PARAS}</article></body></html>")
    article = from_html("page.html", html.encode("utf-8"))
    assert article["authors"] == ["Lukas Schäfer"] and article["text"].startswith("Der Gemeinderat")
    record = from_record("f.jsonl:1", {"title": "T", "author": "Katrin Vogel",
                                       "text": "Von Katrin Vogel\n\nIm Tierpark ist ein Elefant geboren."})
    assert record["text"] == "Im Tierpark ist ein Elefant geboren."


def test_html_drops_a_related_link_after_the_article_and_keeps_one_inside():
    paras = [f"<p>The harbour authority said on Tuesday that trial number {i} of the seaweed trays went well and "
             f"that traders would decide in the summer whether to keep them.</p>" for i in range(4)]
    html = ("<html><head><title>Seaweed trays</title></head><body><article><h1>Seaweed trays</h1>"
            + paras[0] + "<p>Related: Beach clean volunteers log record haul of fishing gear</p>" + "".join(paras[1:])
            + "<p>Related: Harbour master retires after thirty years</p></article></body></html>")
    text = from_html("p.html", html.encode("utf-8"))["text"]
    assert "Beach clean volunteers" in text and "Harbour master retires" not in text
