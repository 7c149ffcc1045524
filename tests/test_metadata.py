"""Metadata users can trust (issue 16): headline, authors, publication time, on pages written here.

One test per rule of `transforms/extract/metadata.py` and `transforms/titles.py`; the last
tests run `wirebeam run` and read the Parquet back."""
import datetime as dt
import json

import apache_beam as beam
import pyarrow as pa
from apache_beam.testing.test_pipeline import TestPipeline as BeamPipeline
from apache_beam.testing.util import assert_that, equal_to
from trafilatura.utils import load_html

from conftest import read_articles, run_cli
from wirebeam.schemas import ARTICLE
from wirebeam.transforms.dates import parse_published, publication_columns
from wirebeam.transforms.extract import metadata as M
from wirebeam.transforms.extract.dispatch import from_html, make_article
from wirebeam.transforms.titles import RemoveRepeatedTitleAffixes, strip_title

BODY = "".join(
    f"<p>{s}</p>" for s in [
        "Der Sturm hat in der Nacht zu Freitag im Norden schwere Schäden angerichtet, wie die Feuerwehr mitteilte.",
        "Zahlreiche Bäume stürzten auf Gleise, der Bahnverkehr zwischen Hamburg und Bremen ist seit dem Morgen "
        "unterbrochen.",
        "Die Bahn rechnet damit, dass die Strecke erst am Sonntag wieder frei ist, und rät von Reisen ab.",
    ])


def page(head: str = "", body_top: str = "", ld=None) -> str:
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld is not None else ""
    return (f"<html><head>{head}{script}</head><body><article>{body_top}{BODY}</article></body></html>")


def headline(html: str, url=None) -> str:
    meta = M.page_metadata(load_html(html), url)
    return M.choose_headline(meta["headlines"], meta["names"])


def authors(html: str, fallback=()):
    meta = M.page_metadata(load_html(html))
    return M.page_authors(meta["authors"], meta["names"], fallback)


# ---------------------------------------------------------------- headline

def test_the_site_name_from_og_site_name_is_cut_from_the_title():
    html = page('<title>Sturm legt Bahnverkehr im Norden lahm | Hansekurier</title>'
                '<meta property="og:site_name" content="Hansekurier">')
    assert headline(html) == "Sturm legt Bahnverkehr im Norden lahm"


def test_the_domain_is_cut_as_prefix_and_a_trailing_date_with_it():
    html = page('<title>NORDBLATT.DE - Sturm legt Bahnverkehr lahm | Nordblatt | 28.04.2023</title>'
                '<link rel="canonical" href="https://www.nordblatt.de/region/sturm-123.html">')
    assert headline(html) == "Sturm legt Bahnverkehr lahm"


def test_a_suffix_another_source_leaves_out_is_cut():
    # no source names the site "Ressort Nord", but the h1 gives the title without it
    html = page('<title>Sturm legt Bahnverkehr lahm \u2013 Ressort Nord</title>'
                '<meta property="og:title" content="Sturm legt Bahnverkehr lahm | Ressort Nord">',
                "<h1>Sturm legt Bahnverkehr lahm</h1>")
    assert headline(html) == "Sturm legt Bahnverkehr lahm"
    html = page('<title>Sturm legt Bahnverkehr lahm \u2013 Ressort Nord</title>', "<h1>Sturm legt Bahnverkehr lahm</h1>")
    assert headline(html) == "Sturm legt Bahnverkehr lahm"
    # in og:title a dash may be the headline's own: "Reisende sitzen fest" stays
    html = page('<meta property="og:title" content="Sturm legt Bahnverkehr lahm \u2013 Reisende sitzen fest">',
                "<h1>Sturm legt Bahnverkehr lahm</h1>")
    assert headline(html) == "Sturm legt Bahnverkehr lahm \u2013 Reisende sitzen fest"


def test_a_real_headline_is_never_cut():
    html = page('<title>Rückschlag im Titelkampf - Liverpool verliert bei Everton</title>'
                '<meta property="og:site_name" content="Sportblatt">')
    assert headline(html) == "Rückschlag im Titelkampf - Liverpool verliert bei Everton"
    # the site's name is kept when cutting it would leave less than two words
    html = page('<title>Sportblatt - Bundesliga</title><meta property="og:site_name" content="Sportblatt">')
    assert headline(html) == "Sportblatt - Bundesliga"
    # a hyphen inside a word or a time is no separator
    assert M.strip_site_affixes("Corona-Zeit: Sportblatt-Leser fragen", ["Sportblatt"]) == \
        "Corona-Zeit: Sportblatt-Leser fragen"


def test_the_json_ld_headline_wins_over_a_differently_worded_og_title():
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Sturm: Bahn stoppt alle Züge im Norden"}
    html = page('<meta property="og:title" content="Bahnchaos nach Sturm – das müssen Reisende wissen">', "", ld)
    assert headline(html) == "Sturm: Bahn stoppt alle Züge im Norden"


def test_og_title_wins_when_json_ld_adds_a_kicker_or_was_shortened():
    ld = {"@type": "NewsArticle", "headline": "Unwetter im Norden: Sturm legt Bahnverkehr lahm"}
    html = page('<meta property="og:title" content="Sturm legt Bahnverkehr lahm">', "", ld)
    assert headline(html) == "Sturm legt Bahnverkehr lahm"
    ld = {"@type": "NewsArticle", "headline": "Sturm legt Bahnverkehr lahm"}
    html = page('<meta property="og:title" content="Sturm legt Bahnverkehr lahm – Reisende sitzen fest">', "", ld)
    assert headline(html) == "Sturm legt Bahnverkehr lahm – Reisende sitzen fest"


def test_without_metadata_the_h1_is_the_headline():
    html = page("<title>Startseite | Hansekurier</title>", "<h1>Sturm legt Bahnverkehr lahm</h1>")
    assert headline(html) == "Sturm legt Bahnverkehr lahm"


# ---------------------------------------------------------------- authors

def test_json_ld_people_are_the_authors_and_the_publisher_goes():
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "author": {"@type": "Person", "name": "Webmaster Wilhelm"}},
        {"@type": "NewsArticle", "headline": "Sturm", "author": [
            {"@type": "Person", "name": "Anna Beispiel (abe)"},
            {"@id": "#bernd"},
            {"@type": "Person", "givenName": "Clara", "familyName": "Muster"},
            {"@type": "Organization", "name": "Hansekurier Digital"}]},
        {"@type": "Person", "@id": "#bernd", "name": "Bernd Muster"}]}
    assert authors(page("", "", ld)) == (["Anna Beispiel", "Bernd Muster", "Clara Muster"], [])


def test_an_organisation_alone_is_kept_as_the_desk_but_never_a_legal_form():
    ld = {"@type": "NewsArticle", "author": {"@type": "NewsMediaOrganization", "name": "Redaktion Hansekurier.de"}}
    assert authors(page("", "", ld)) == (["Redaktion Hansekurier.de"], [])
    ld = {"@type": "NewsArticle", "author": [{"@type": "Organization", "name": "Hansekurier Verlag GmbH & Co. KG"},
                                             "Anna Beispiel"]}
    assert authors(page("", "", ld)) == (["Anna Beispiel"], [])


def test_agencies_go_to_agencies():
    ld = {"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Anna Beispiel"},
                                             {"@type": "Person", "name": "Deutsche Presse-Agentur"}]}
    assert authors(page("", "", ld)) == (["Anna Beispiel"], ["dpa"])
    article = from_html("x.html", page("", "", ld))
    assert article["authors"] == ["Anna Beispiel"] and "dpa" in article["agencies"]


def test_publisher_names_places_and_roles_in_meta_author_go():
    html = page('<meta name="author" content="Hansekurier, Hamburg, Germany">'
                '<meta property="og:site_name" content="Hansekurier">',
                '<p class="article__author">Von Anna Beispiel und Bernd Muster</p>')
    assert authors(html) == (["Anna Beispiel", "Bernd Muster"], [])
    html = page('<meta name="author" content="Autor Anna Beispiel; Redaktion; a.beispiel@hansekurier.de">')
    assert authors(html) == (["Anna Beispiel"], [])


def test_a_person_in_a_byline_beats_the_site_in_meta_author():
    html = page('<meta name="author" content="Nordblatt Online">',
                '<div class="byline">von <a href="/autoren/anna-beispiel">Dr. Anna Beispiel</a></div>')
    assert authors(html) == (["Dr. Anna Beispiel"], [])


def test_explicit_author_markup_is_kept_as_written_and_credits_of_pictures_and_quotes_are_not_bylines():
    html = page("", '<figure><img src="a.jpg"><figcaption><span class="author">Foto Fritz Fotograf</span>'
                    '</figcaption></figure><blockquote>Schlimm.<cite class="quoteAuthor">Otto Zitat</cite></blockquote>'
                    '<p class="reference">Radio Nord, 15.4.2024; <span itemprop="author">rn/abc;xyz</span></p>')
    assert authors(html) == (["rn/abc", "xyz"], [])


def test_a_byline_by_wording_alone_when_nothing_else_names_anyone():
    html = page("", '<div class="meta"><span>By Jane Doe and John Roe</span></div>'
                    '<p>Von Berlin nach Hamburg fahren heute keine Züge.</p>')
    assert authors(html) == (["Jane Doe", "John Roe"], [])
    html = page("", '<ul><li><strong>Autorin/Autor</strong> Roman Beispiel</li></ul>')
    assert authors(html) == (["Roman Beispiel"], [])
    # a named organisation stands; the wording of the text is not searched then
    ld = {"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Redaktion Hansekurier"}}
    assert authors(page("", "<p>Von Anna Beispiel</p>", ld)) == (["Redaktion Hansekurier"], [])


def test_roles_run_on_datelines_and_phrases_are_not_names():
    html = page('<meta name="author" content="TOM BEISPIEL, AP Auto Writer">')
    assert authors(html) == (["TOM BEISPIEL"], [])
    assert M.split_author("Malcolm Muster Monday") == ["Malcolm Muster"]
    # trafilatura's guesses count only where shaped like a name
    assert authors(page(), ["The Russian and Syrian defense ministries"]) == ([], [])


def test_a_site_typed_as_person_goes_beside_a_person():
    ld = {"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Anna Beispiel"},
                                             {"@type": "Person", "name": "hansekurier.de"}]}
    assert authors(page("", "", ld)) == (["Anna Beispiel"], [])


def test_trafilatura_is_the_last_fallback_and_never_replaces_a_named_organisation():
    assert authors(page(), ["Anna Beispiel"]) == (["Anna Beispiel"], [])
    ld = {"@type": "NewsArticle", "author": {"@type": "Organization", "name": "kurier"}}
    assert authors(page("", "", ld), ["Abc"]) == (["kurier"], [])


# ---------------------------------------------------------------- publication time

def test_the_json_ld_time_with_offset_wins_over_meta_and_a_bare_day():
    ld = {"@type": "NewsArticle", "datePublished": "2025-03-13T22:00:00+01:00", "dateModified": "2025-03-14T09:00:00+01:00"}
    html = page('<meta name="date" content="2025-03-14">'
                '<meta property="article:published_time" content="2025-03-13T21:00:00+00:00x">'
                '<meta property="article:modified_time" content="2025-03-14T09:00:00+01:00">', "", ld)
    stated = M.stated_published(load_html(html))
    assert stated[0] == ("ld", "2025-03-13T22:00:00+01:00")
    assert M.publication_time(stated, "2025-03-14") == "2025-03-13T22:00:00+01:00"
    assert all("09:00" not in value for _, value in stated)   # the modification time is never read


def test_a_value_with_offset_beats_a_naive_one_and_odd_formats_are_read():
    html = page('<meta property="article:published:time" content="2023-04-28T18:11:01+0200">',
                "", {"@type": "NewsArticle", "datePublished": "2023-04-28 18:11:01.0"})
    assert M.publication_time(M.stated_published(load_html(html)), "2023-04-28") == "2023-04-28T18:11:01+02:00"
    assert M.normalise_stated("Fri Apr 28 19:20:36 CEST 2023") == "2023-04-28T19:20:36+02:00"
    # an unknown zone is not guessed: the time stays without offset
    assert parse_published(M.normalise_stated("Fri Apr 28 19:20:36 XYZ 2023")).iso == "2023-04-28T19:20:36"


def test_published_at_is_the_utc_instant_of_a_time_with_offset_only():
    assert publication_columns("2025-03-13T22:00:00+01:00")["published_at"] == \
        dt.datetime(2025, 3, 13, 21, 0, tzinfo=dt.timezone.utc)
    assert publication_columns("2025-03-13T22:00:00")["published_at"] is None   # no offset: instant unknown
    assert publication_columns("2025-03-13")["published_at"] is None
    assert publication_columns(None)["published_at"] is None
    assert ARTICLE.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert set(make_article("x", "text", text="t", published="2025-03-13T22:00:00+01:00")) == \
        set(ARTICLE.names) - {"ingested_at"}


# ---------------------------------------------------------------- repeated title affixes

def test_strip_title_takes_off_only_repeated_affixes_and_keeps_two_words():
    repeated = {("site:x", "suffix", "ressort nord"): 3, ("site:x", "prefix", "kommentar"): 3}
    assert strip_title("Kommentar - Sturm legt Bahn lahm | Ressort Nord", "site:x", repeated) == "Sturm legt Bahn lahm"
    assert strip_title("Sturm legt Bahn lahm | Ressort Nord", "site:y", repeated) == "Sturm legt Bahn lahm | Ressort Nord"
    assert strip_title("Kommentar - Sturm", "site:x", repeated) == "Kommentar - Sturm"


def test_remove_repeated_title_affixes_on_a_beam_runner():
    titles = ["Sturm legt Bahn lahm | Ressort Nord", "Hafen erwartet Rekordjahr | Ressort Nord",
              "Neue Brücke eröffnet | Ressort Nord", "Neue Brücke eröffnet | Ressort Nord",
              "Wahl im Herbst | Ressort Süd"]
    rows = [{"id": str(i), "source": f"in/{i}.html", "site": "Hansekurier", "input_format": "html", "title": t}
            for i, t in enumerate(titles)]
    rows.append({"id": "z", "source": "in/z.html", "site": "Andere", "input_format": "html",
                 "title": "Anderes Blatt meldet Sturm | Ressort Nord"})
    with BeamPipeline() as p:
        out = (p | beam.Create(rows) | RemoveRepeatedTitleAffixes(3) | beam.Map(lambda a: (a["id"], a["title"])))
        assert_that(out, equal_to([("0", "Sturm legt Bahn lahm"), ("1", "Hafen erwartet Rekordjahr"),
                                   ("2", "Neue Brücke eröffnet"), ("3", "Neue Brücke eröffnet"),
                                   ("4", "Wahl im Herbst | Ressort Süd"),
                                   ("z", "Anderes Blatt meldet Sturm | Ressort Nord")]))


def test_two_copies_of_one_title_do_not_make_a_label():
    rows = [{"id": str(i), "source": f"in/{i}.html", "site": "H", "input_format": "html",
             "title": "Sturm legt Bahn lahm - Hamburg"} for i in range(4)]
    with BeamPipeline() as p:
        out = p | beam.Create(rows) | RemoveRepeatedTitleAffixes(3) | beam.Map(lambda a: a["title"])
        assert_that(out, equal_to(["Sturm legt Bahn lahm - Hamburg"] * 4))


# ---------------------------------------------------------------- end to end

def test_wirebeam_run_writes_clean_metadata_and_published_at(tmp_path):
    pages = tmp_path / "in"
    pages.mkdir()
    stories = ["Sturm legt Bahnverkehr lahm", "Hafen meldet Rekordumschlag", "Neue Elbbrücke wird eröffnet"]
    for i, story in enumerate(stories):
        # no source of the page gives the title without " | Hamburg aktuell": only the run shows it is a label
        ld = {"@type": "NewsArticle", "datePublished": f"2025-03-1{i}T08:30:00+01:00",
              "author": [{"@type": "Person", "name": "Anna Beispiel"}, {"@type": "Organization", "name": "Hansekurier"}]}
        (pages / f"{i}.html").write_text(page(f"<title>{story} | Hamburg aktuell | Hansekurier</title>"
                                              '<meta property="og:site_name" content="Hansekurier">'
                                              f'<meta property="og:title" content="{story} | Hamburg aktuell">',
                                              "", ld), encoding="utf-8")
    result = run_cli("run", "--ner", "none", "--input", pages, "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr[-2000:]
    table = read_articles(tmp_path / "out")
    assert table.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    rows = sorted(table.to_pylist(), key=lambda r: r["published"])
    assert [r["title"] for r in rows] == stories
    assert all(r["authors"] == ["Anna Beispiel"] for r in rows)
    assert [r["published_at"] for r in rows] == [dt.datetime(2025, 3, 10 + i, 7, 30, tzinfo=dt.timezone.utc)
                                                 for i in range(3)]
