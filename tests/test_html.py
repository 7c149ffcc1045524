"""HTML extraction: trafilatura plus the metadata-aware cleanup (pure functions, no Beam)."""
import gzip

import pytest

from conftest import BAD, EVAL, SAMPLES, needs
from trafilatura.utils import load_html

from wirebeam.transforms.extract.decode import decode_bytes
from wirebeam.transforms.extract.html import (ExtractionError, clean_main_text, extract_html, find_introduced_lists, find_lead,
                                      find_subheadings, unwrap_layout_tables,
                                      with_dropped_blocks, with_fallback, with_lead)
from wirebeam.transforms.dates import parse_published
from wirebeam.transforms.extract.dispatch import from_html
from wirebeam.transforms.extract.metadata import publication_time, stated_published

BODY = [
    "Der Sturm hat in der Nacht zu Freitag im Norden schwere Schäden angerichtet, wie die Feuerwehr mitteilte.",
    "Zahlreiche Bäume stürzten auf Gleise, der Bahnverkehr zwischen Hamburg und Bremen ist seit dem Morgen unterbrochen.",
]


def test_repeated_headline_at_the_top_goes():
    title = "Sturm legt Bahnverkehr im Norden lahm"
    lines = clean_main_text("\n".join([f"{title} | Hansekurier", *BODY]), title)
    assert lines == BODY


def test_headline_worded_otherwise_than_the_metadata_title_goes_too():
    shown = "Orkan legt den Bahnverkehr zwischen Hamburg und Bremen lahm"
    page = (f'<html><head><meta property="og:title" content="Sturm im Norden: Was Pendler jetzt wissen müssen">'
            f'</head><body><article><h1>{shown}</h1><p>{BODY[0]}</p><p>{BODY[1]}</p></article></body></html>')
    assert extract_html(page)["text"].split("\n\n") == BODY
    assert clean_main_text("\n".join([shown, *BODY]), "Sturm im Norden", headline=shown) == BODY


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
    embed = "Please accept YouTube cookies to play this video. By accepting you agree to the transfer of your data."
    essay = " ".join(["Privacy advocates argue that consent forms rarely inform anyone."] + [BODY[0]] * 30)
    assert clean_main_text("\n".join(["Verwendung von Cookies", banner, *BODY, embed]), None) == BODY
    assert clean_main_text(essay, None) == [" ".join(essay.split())]


def test_paragraphs_of_an_article_about_tracking_stay():
    # mid-length paragraphs that name cookies, consent and clicking, as a privacy column does
    paragraphs = [
        "Even if we accept that clicking through terms nobody reads is consent, the tracking goes on "
        "long after the click, through cookies that follow readers from one site to the next and build "
        "a profile they never see.",
        "Some advertisers let readers opt out of targeted advertising, but the opt-out itself is stored in a "
        "cookie, so clearing the browser brings the tracking back the next morning.",
    ]
    assert clean_main_text("\n".join([BODY[0], *paragraphs, BODY[1]]), None) == [BODY[0], *paragraphs, BODY[1]]


def test_related_box_after_the_article_goes_but_not_a_heading_early_in_the_text():
    related = ["Das könnte Sie auch interessieren", "Sturmflut: Was Anwohner jetzt wissen müssen",
               "Bahn: Ersatzverkehr ab Montag"]
    assert clean_main_text("\n".join([*BODY, *related]), None) == BODY
    early = ["Weitere Artikel", *BODY, *BODY]  # a heading before most of the text is not the end of it
    assert clean_main_text("\n".join(early), None) == early
    # a link box inside the article: its heading goes as a widget line, the article goes on
    boxed = [*BODY, "Mehr zum Thema", BODY[0] + " Die Polizei sperrte die Straße.", BODY[1]]
    assert clean_main_text("\n".join(boxed), None) == [line for line in boxed if line != "Mehr zum Thema"]


def test_numbered_gallery_captions_go():
    gallery = [f"- {i}/12 Bild {i}: Aufräumarbeiten in der Altstadt nach dem Sturm am Freitag" for i in range(1, 6)]
    assert clean_main_text("\n".join([BODY[0], *gallery, BODY[1]]), None) == BODY
    two = gallery[:2]  # two lines like that are not a gallery yet
    assert clean_main_text("\n".join([BODY[0], *two, BODY[1]]), None) == [BODY[0], *two, BODY[1]]


LEAD = ("Nach dem Sturm rollen die ersten Züge zwischen Hamburg und Bremen wieder. "
        "Bis zum Abend soll der Fahrplan wieder gelten, sagt die Bahn.")
PAGE = f"""<html><head><title>Züge rollen wieder | Hansekurier</title>
<meta name="description" content="{LEAD}"></head>
<body><header><h1>Züge rollen wieder</h1><div class="teaser"><strong>Hamburg.</strong> {LEAD}</div></header>
<article><p>{BODY[0]}</p><p>{BODY[1]}</p></article></body></html>"""


def test_find_lead_returns_the_visible_element_that_shows_the_description():
    assert find_lead(load_html(PAGE)) == f"Hamburg. {LEAD}"
    # a description that no element shows (or that is only in the head) is no lead
    assert find_lead(load_html(PAGE.replace(f"<strong>Hamburg.</strong> {LEAD}", "Bilder"))) is None
    assert find_lead(load_html("<html><body><p>no description here</p></body></html>")) is None


def test_with_lead_puts_a_missing_prose_lead_first_and_nothing_else():
    assert with_lead(BODY, LEAD, "de") == [LEAD, *BODY]
    assert with_lead([LEAD, *BODY], LEAD, "de") == [LEAD, *BODY]           # already there
    dek = "Die Bahn meldet nach dem Sturm den Normalbetrieb auf der Strecke zwischen Hamburg und Bremen."
    assert with_lead(BODY, dek, "de") == BODY                               # one sentence: a dek
    blurb = " ".join([LEAD] * 4)
    assert with_lead(BODY, blurb, "de") == BODY                             # too long for a lead
    assert with_lead(BODY, None, "de") == BODY


SECTIONS = [("Der Schaden", "Die Feuerwehr zählte bis zum Morgen mehr als dreihundert Einsätze, meist wegen umgestürzter Bäume."),
            ("Die Bahn", "Zwischen Hamburg und Bremen fuhren bis zum Mittag keine Züge, weil Oberleitungen gerissen waren."),
            ("Der Ausblick", "Der Wetterdienst erwartet für das Wochenende ruhigeres Wetter mit nur noch leichtem Wind.")]


def test_subheadings_dropped_with_the_container_come_back_before_their_paragraphs():
    # no <article> or <main>: trafilatura collects the paragraphs one by one and loses the h2s
    sections = "".join(f"<h2>{h}</h2><p>{p}</p>" for h, p in SECTIONS)
    page = (f"<html><head><title>Sturm im Norden</title></head><body><div><h1>Sturm im Norden</h1>"
            f"<p>{BODY[0]}</p><p>{BODY[1]}</p>{sections}</div></body></html>")
    lines = extract_html(page)["text"].split("\n\n")
    for heading, paragraph in SECTIONS:
        assert lines[lines.index(paragraph) - 1] == heading


def test_with_dropped_blocks_adds_only_missing_headings_of_kept_paragraphs():
    blocks = find_subheadings(load_html("<html><body>" + "".join(f"<h3>{h}</h3><p>{p}</p>" for h, p in SECTIONS)
                                        + "<h2>Kurz</h2><p>Zu kurz.</p></body></html>"))
    assert blocks == [(p[:60], [h], "before") for h, p in SECTIONS]      # a paragraph of two words: no block
    text = [BODY[0], SECTIONS[0][0], SECTIONS[0][1], SECTIONS[1][1]]      # first heading kept, third section gone
    assert with_dropped_blocks(text, blocks) == [BODY[0], *SECTIONS[0], *SECTIONS[1]]


REPLIES = ["Die Bahn hätte die Strecke früher sperren müssen, schreibt ein Pendler aus Rotenburg.",
           "Eine Leserin aus Bremen dankt den Feuerwehrleuten, die bis zum Morgen im Einsatz waren."]


def test_a_list_of_sentences_that_a_paragraph_introduces_comes_back_after_it():
    intro = "Nach dem Sturm erreichten die Redaktion zahlreiche Zuschriften, die sich in zwei Gruppen teilen:"
    page = (f"<html><head><title>Sturm</title></head><body><div><p>{BODY[0]}</p><p>{intro}</p><p> </p>"
            f"<ul>{''.join(f'<li>{r}</li>' for r in REPLIES)}</ul><p>{BODY[1]}</p></div></body></html>")
    assert extract_html(page)["text"].split("\n\n") == [BODY[0], intro, *(f"- {r}" for r in REPLIES), BODY[1]]
    # a list after a paragraph that does not end in a colon, or of link labels, is not looked for
    assert find_introduced_lists(load_html(page.replace("Gruppen teilen:", "Gruppen teilen."))) == []
    assert find_introduced_lists(load_html(page.replace(REPLIES[0], "Mehr").replace(REPLIES[1], "Bremen"))) == []


def test_a_two_column_layout_table_is_read_as_blocks():
    # the article set out in a one-row table: trafilatura would run the two cells into one line
    # "| ... | ... |" and drop the list in the second
    letters = "".join(f"<li>{r}</li>" for r in REPLIES)
    page = (f"<html><head><title>Sturm</title></head><body><article><table><tr><td><p>{BODY[0]}</p><p>{BODY[1]}</p>"
            f"</td><td><p>{SECTIONS[0][1]}</p><ul>{letters}</ul></td></tr></table></article></body></html>")
    assert extract_html(page)["text"].split("\n\n") == [*BODY, SECTIONS[0][1], *(f"- {r}" for r in REPLIES)]


def test_data_tables_stay_tables():
    rows = "".join(f"<tr><td>{d}</td><td><p>{n} Einsätze</p></td></tr>" for d, n in (("Fr", 120), ("Sa", 80), ("So", 7)))
    tree = load_html(f"<html><body><table><tr><th>Tag</th><th>Einsätze</th></tr>{rows}</table>"
                     f"<table><tr><td>Fr</td><td>120</td></tr></table></body></html>")
    unwrap_layout_tables(tree)
    assert len(tree.findall(".//table")) == 2 and len(tree.findall(".//td")) == 8


def _front_page(stories: int) -> str:
    items = "".join(
        f"<section><h2>Ressort {i}</h2><p>Der Stadtrat hat am Dienstag über Vorlage {i} beraten und nach langer "
        f"Debatte über Schulen, Straßen und die neue Brücke mit knapper Mehrheit zugestimmt.</p>"
        f"<p>Die Opposition kündigte an, gegen den Beschluss {i} vor dem Verwaltungsgericht zu klagen.</p></section>"
        for i in range(stories))
    return f"<html><head><title>Startseite</title></head><body><main>{items}</main></body></html>"


def test_a_short_main_text_gives_way_to_the_baseline_when_that_has_ten_times_as_much():
    short = "Der Stadtrat hat am Dienstag über Vorlage 0 beraten."   # one block of many (9 words)
    page = load_html(_front_page(12))                                # 37 words a story: 444 words
    text = with_fallback(page, short)
    assert text.startswith("Der Stadtrat hat am Dienstag über Vorlage 0") and "Beschluss 11" in text
    assert len(text.split()) >= 10 * len(short.split())
    assert load_html(_front_page(12)).xpath("count(//p)") == page.xpath("count(//p)")  # tree left as it was
    # a page with less than ten times the main text (74 words against 9): the main text stands
    assert with_fallback(load_html(_front_page(2)), short) == short
    # a main text of 120 words or more is not second-guessed, however long the page
    long_text = " ".join(["Wort"] * 120)
    assert with_fallback(load_html(_front_page(40)), long_text) == long_text


def test_utf8_page_that_declares_latin1_decodes_as_utf8():
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Grüße aus Köln</p></body></html>'
    assert decode_bytes(page.encode("utf-8"), html=True) == (page, "utf-8")
    # and a page that really is latin-1 still follows its declaration
    text, encoding = decode_bytes(page.encode("latin-1"), html=True)
    assert text == page and encoding == "iso-8859-1"


def test_nav_only_page_is_an_extraction_failure():
    with pytest.raises(ExtractionError) as err:
        extract_html((BAD / "nav_only.html").read_bytes())
    assert err.value.reason == "no_main_text"


def _dated_page(head: str, body: str = "") -> str:
    return (f"<html><head><meta charset=\"utf-8\"><title>Sturm im Norden</title>{head}</head><body><article>"
            f"<h1>Sturm legt Bahnverkehr im Norden lahm</h1>{body}<p>{BODY[0]}</p><p>{BODY[1]}</p>"
            f"</article></body></html>")


def test_meta_published_time_with_offset_keeps_the_time():
    page = _dated_page('<meta property="article:published_time" content="2025-03-14T06:58:00.000+0100">'
                       '<meta property="article:modified_time" content="2025-03-14T19:12:00+01:00">')
    article = from_html("x.html", page)
    assert article["published"] == parse_published("2025-03-14T06:58:00.000+0100").iso == "2025-03-14T06:58:00+01:00"
    assert article["date_precision"] == "time" and article["published_date"].isoformat() == "2025-03-14"


def test_json_ld_date_published_in_a_graph_keeps_the_time():
    ld = ('{"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "datePublished": "2025-03-14T01:00:00Z"},'
          ' {"@type": ["NewsArticle"], "dateModified": "2025-03-14T19:12:00+01:00",'
          ' "datePublished": "2025-03-14T06:58:00+01:00"}]}')
    page = _dated_page(f'<script type="application/ld+json">{ld}</script>')
    assert stated_published(load_html(page)) == [("ld", "2025-03-14T06:58:00+01:00")]
    article = from_html("x.html", page)
    assert (article["published"], article["date_precision"]) == ("2025-03-14T06:58:00+01:00", "time")


def test_time_element_with_itemprop_keeps_the_time():
    page = _dated_page("", '<time itemprop="datePublished" datetime="2025-03-14T06:58:00+01:00">14.03.2025</time>')
    assert extract_html(page)["published"] == "2025-03-14T06:58:00+01:00"


def test_a_modification_time_alone_leaves_the_day():
    page = _dated_page('<meta name="date" content="2025-03-14">'
                       '<meta property="article:modified_time" content="2025-03-14T19:12:00+01:00">'
                       '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2025-03-14",'
                       ' "dateModified": "2025-03-14T19:12:00+01:00"}</script>',
                       '<time class="updated" datetime="2025-03-14T19:12:00+01:00">Aktualisiert</time>')
    assert {v for _, v in stated_published(load_html(page))} == {"2025-03-14"}
    article = from_html("x.html", page)
    assert (article["published"], article["date_precision"]) == ("2025-03-14", "day")


def test_a_stated_time_with_offset_outranks_a_bare_day():
    # a day-only "date" meta is often the day of the print edition or of the last update; the
    # article's JSON-LD states the instant it went online
    page = _dated_page('<meta name="date" content="2025-03-14"><script type="application/ld+json">'
                       '{"@type": "NewsArticle", "datePublished": "2025-03-13T22:00:00+01:00"}</script>')
    article = from_html("x.html", page)
    assert (article["published"], article["date_precision"]) == ("2025-03-13T22:00:00+01:00", "time")
    # a naive time on another day than htmldate's is not taken
    assert publication_time([("meta", "2025-03-13T22:00:00")], "2025-03-14") == "2025-03-14"


def test_the_timestamp_is_compared_by_its_own_local_day():
    # 23:30 at UTC-5 is the next day in UTC; the page wrote the 14th, and so did htmldate
    page = _dated_page('<meta property="article:published_time" content="2025-03-14T23:30:00-05:00">')
    assert extract_html(page)["published"] == "2025-03-14T23:30:00-05:00"
    assert publication_time([("meta", "2025-03-14T23:30:00-05:00")], "2025-03-15") == "2025-03-14T23:30:00-05:00"
    # a naive time is confirmed by htmldate's day; without a day it stands alone
    assert publication_time([("meta", "2025-03-14T06:58:00")], "2025-03-14") == "2025-03-14T06:58:00"
    assert publication_time([], "2025-03") == "2025-03"
    assert publication_time([("ld", "kaputt"), ("meta", "2025-03-14"), ("markup", "2025-03-14T06:58:00Z")],
                            "2025-03-14") == "2025-03-14T06:58:00+00:00"


def test_broken_json_ld_is_skipped():
    page = _dated_page('<meta name="date" content="2025-03-14">'
                       '<script type="application/ld+json">{"@type": "NewsArticle", '
                       '"datePublished": "2025-03-14T06:58:00+01:00",</script>'
                       '<script type="application/ld+json">' + "[" * 5000 + '"datePublished"' + "]" * 5000
                       + '</script><script type="application/ld+json">"datePublished"</script>')
    assert [v for _, v in stated_published(load_html(page)) if "T" in v] == []
    article = from_html("x.html", page)
    assert (article["published"], article["date_precision"]) == ("2025-03-14", "day")


def test_sample_page_metadata():
    page = extract_html((SAMPLES / "de_hansekurier_sturm_bahn.html").read_bytes())
    assert page["title"] and page["published"] == "2025-03-14T06:58:00+01:00"  # not the modification time
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


def test_http_charset_is_a_hint_after_utf8():
    """The charset of an HTTP Content-Type (WARC records) is tried after strict UTF-8, before the meta charset."""
    latin9 = "Preis: 5 € für die Überfahrt".encode("iso-8859-15")
    assert decode_bytes(latin9, html=True, charset="iso-8859-15")[0] == "Preis: 5 € für die Überfahrt"
    assert decode_bytes(latin9, html=True)[0] != "Preis: 5 € für die Überfahrt"  # detection alone reads ¤
    # valid UTF-8 wins over a wrong declaration, as for the meta charset; an unknown label is ignored
    assert decode_bytes("Fähre".encode(), charset="iso-8859-1")[0] == "Fähre"
    sentence = "Die Fähre fährt über den Fluss, während die Brücke gesperrt ist."
    assert decode_bytes(sentence.encode("cp1252"), charset="no-such-charset")[0] == sentence
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Preis: 5 € für die Überfahrt</p></body></html>'
    assert "5 € für" in decode_bytes(page.encode("iso-8859-15"), html=True, charset="ISO-8859-15")[0]
    assert "5 ¤ für" in decode_bytes(page.encode("iso-8859-15"), html=True)[0]  # the meta charset alone


def test_an_agency_byline_is_spelt_as_in_agencies():
    from wirebeam.transforms.extract.dispatch import from_record
    article = from_record("feed.jsonl:1", {"title": "Sturm", "text": "Ein Sturm zog über die Stadt.\n(dpa)",
                                           "authors": ["DPA", "Anna Beispiel", "Reuters"]})
    # issue 16: agencies are not people; they go to `agencies`, spelt as there
    assert article["authors"] == ["Anna Beispiel"] and article["agencies"] == ["Reuters", "dpa"]
    page = from_html("samples/de_hansekurier_sturm_bahn.html",
                     (SAMPLES / "de_hansekurier_sturm_bahn.html").read_bytes())
    assert "Dpa" not in page["authors"]
