"""Plain-text scrape cleanup on the five real German seeds and on furniture written for these tests."""
import re

import pytest

from conftest import SEEDS, needs
from wirebeam.transforms.dates import parse_published
from wirebeam.transforms.extract.agencies import credited_agencies
from wirebeam.transforms.extract.furniture import line_key, may_be_boilerplate
from wirebeam.transforms.extract.prose import guess_language
from wirebeam.transforms.extract.scrape import ScrapedArticle, parse_scrape

# --- the seeds --------------------------------------------------------------------------------

TITLES = {
    "000": "Die seit längerem angekündigten Besuche des russischen Präsidenten Wladimir Putin in Nordkorea "
           "und in Vietnam sind nach Angaben aus Moskau im fortgeschrittenen Planungsstadium",
    "001": "Wladimir Putin wird zum Staatsbesuch in Nordkorea erwartet",
    "002": "Der russische Präsident Wladimir Putin reist am Dienstag nach Nordkorea",
    "003": "Russlands Präsident Putin besucht Nordkorea zum ersten Mal seit 24 Jahren",
    "004": "Suche nach Waffen und Arbeitern Putin reist bald nach Nordkorea - und Vietnam?",
}
DATES = {"000": "2024-05", "001": "2024-06", "002": None, "003": None, "004": None}
# 000 has only a photo credit (© APA/AFP/POOL/...), which is not a text credit; 003 is AP's story
# translated: an expert "sagte der Nachrichtenagentur Associated Press" (interview attribution).
AGENCIES = {"000": [], "001": [], "002": ["AFP"], "003": ["AP"], "004": ["Reuters"]}
# The title line, when it is a headline (001, 002 and 000 open with a lead paragraph instead).
TITLE_LINES = {"003": TITLES["003"], "004": TITLES["004"]}
# Every line of page furniture in the seeds (besides the date markers).
FURNITURE = {
    "000": ["© APA/AFP/POOL/Mikhail METZEL ×"],
    "001": [],
    "002": ["(dr / afp)"],
    "003": ["source-120", "Leave a Reply"],
    "004": ["Politik", "00:00", "Diese Audioversion wurde künstlich generiert. Mehr Infos",
            "Im September hat Kim Jong Un Wladimir Putin in Russland besucht.", "(Foto: via REUTERS)",
            "Quelle: ntv.de, chr/rts", "Newsletter",
            "Ich möchte gerne Nachrichten und redaktionelle Artikel von der n-tv Nachrichtenfernsehen GmbH "
            "per E-Mail erhalten.",
            "Nicht mehr anzeigen"],
}
SUBHEADINGS = {
    "000": ["Vertiefte Kooperation"],
    "001": ["Erster Nordkorea-Besuch Putins seit 24 Jahren", "USA besorgt über vertiefte Beziehungen",
            "Putin will auch nach Vietnam reisen"],
    "004": ["Nordkoreanische Arbeiter für Putin?"],
}


def seed(number: str) -> str:
    [path] = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


def article_lines(number: str) -> list:
    """The lines of the article itself, in order: no date marker, no title line, no furniture."""
    out = []
    for line in seed(number).split("\n"):
        line = re.sub(r"^\s*date \d{4}-\d{2}(?:-\d{2})?\s*", "", line).strip()
        if line and line not in FURNITURE[number] and line != TITLE_LINES.get(number):
            out.append(line)
    return out


def sentences(text: str) -> list:
    """A naive split at sentence punctuation followed by a capital (independent of the module's)."""
    return [s for s in re.split(r"(?<=[.!?“\"])\s+(?=[„\"A-ZÄÖÜ])", text) if len(s.split()) >= 3]


_needs_seeds = needs(SEEDS)


def seeds(test):
    """Run `test` once per seed; skipped cleanly when ../shared/seeds is not beside the project."""
    return _needs_seeds(pytest.mark.parametrize("number", sorted(TITLES))(test))


@seeds
def test_seed_title_date_and_agencies(number):
    art = parse_scrape(seed(number))
    assert isinstance(art, ScrapedArticle)
    assert art.title == TITLES[number]
    assert art.published == DATES[number]
    assert art.agencies == AGENCIES[number]


@seeds
def test_month_marker_keeps_month_precision(number):
    published = parse_scrape(seed(number)).published
    if DATES[number]:
        parsed = parse_published(published)
        assert (parsed.iso, parsed.precision, parsed.day) == (DATES[number], "month", None)
    else:
        assert published is None


@seeds
def test_every_article_line_and_sentence_is_kept_in_order(number):
    art = parse_scrape(seed(number), lang="de")
    paragraphs = art.text.split("\n\n")
    assert paragraphs == article_lines(number)
    for line in article_lines(number):
        for sentence in sentences(line):
            assert sentence in art.text, sentence
    for heading in SUBHEADINGS.get(number, []):
        assert heading in paragraphs


@seeds
def test_no_furniture_left(number):
    art = parse_scrape(seed(number))
    paragraphs = art.text.split("\n\n")
    for line in FURNITURE[number]:
        assert line not in paragraphs
        if len(line) > 8:
            assert line not in art.text
    assert "date 2024" not in art.text
    if number in TITLE_LINES:  # a headline is the title, not body text
        assert TITLE_LINES[number] not in art.text
    removed = {line for line, _rule in art.removed}
    assert set(FURNITURE[number]) <= removed


@_needs_seeds
def test_seed_004_removal_reasons():
    rules = dict(parse_scrape(seed("004")).removed)
    assert rules["Politik"] == "kicker"
    assert rules["00:00"] == "timestamp"
    assert rules["(Foto: via REUTERS)"] == "photo_credit"
    assert rules["Quelle: ntv.de, chr/rts"] == "credit"
    assert rules["Im September hat Kim Jong Un Wladimir Putin in Russland besucht."] == "repeated"
    assert rules["Newsletter"] == "widget"
    assert rules["Ich möchte gerne Nachrichten und redaktionelle Artikel von der n-tv Nachrichtenfernsehen GmbH "
                 "per E-Mail erhalten."] in {"prompt", "tail"}


@_needs_seeds
def test_seed_003_removal_reasons():
    rules = dict(parse_scrape(seed("003")).removed)
    assert rules["source-120"] == "stray_id"
    assert rules["Leave a Reply"] == "widget"


@_needs_seeds
def test_seed_004_tail_goes_even_without_cue_words():
    """What follows the credit line at the end is furniture by position alone."""
    consent = "Ich möchte gerne Nachrichten und redaktionelle Artikel von der n-tv Nachrichtenfernsehen GmbH per E-Mail erhalten."
    box = "Wir informieren Sie gerne jeden Morgen über die wichtigsten Nachrichten des Tages."
    text = seed("004").replace("Newsletter", "Bleiben Sie informiert").replace(consent, box)
    art = parse_scrape(text)
    assert box not in art.text and "Bleiben Sie informiert" not in art.text
    assert art.text.endswith("offenbar als Zeichen der engeren Verbundenheit.")
    assert dict(art.removed)[box] == "tail"


@seeds
def test_language_is_guessed_when_not_given(number):
    assert guess_language(seed(number)) == "de"
    assert parse_scrape(seed(number)) == parse_scrape(seed(number), lang="de")


@seeds
def test_prose_of_the_seeds_is_never_a_boilerplate_candidate(number):
    """Wire copies of a story share sentences; none of them may be counted as furniture."""
    for paragraph in parse_scrape(seed(number)).text.split("\n\n"):
        if paragraph in SUBHEADINGS.get(number, []):
            if paragraph[-1].isalnum():  # an unpunctuated heading is not clearly prose
                assert may_be_boilerplate(paragraph, "de")
            continue
        for lang in ("de", None, "und"):
            assert not may_be_boilerplate(paragraph, lang), paragraph
        for sentence in sentences(paragraph):
            if len(sentence.split()) >= 4 and sentence[-1] in ".?!\"“:":
                assert not may_be_boilerplate(sentence, "de"), sentence


@seeds
def test_furniture_of_the_seeds_may_be_boilerplate(number):
    for line in FURNITURE[number]:
        if line == "Im September hat Kim Jong Un Wladimir Putin in Russland besucht.":
            # the caption is a prose sentence: furniture only by its repetition within 004
            assert not may_be_boilerplate(line, "de")
            continue
        assert may_be_boilerplate(line, "de"), line


# --- furniture written for these tests --------------------------------------------------------

ENGLISH = """World

North Korea rolls out red carpet for Putin

By Jane Doe, Reuters

Updated June 18, 2024 10:32 AM EDT

Sign up for our newsletter

SEOUL (Reuters) - Russian President Vladimir Putin landed in Pyongyang late on Tuesday for a rare visit.
The two leaders greet each other at the airport. (Photo: KCNA via Reuters)

Share this article

What comes next

The two leaders are expected to sign a partnership deal, officials said. A U.S. official told The Associated Press that Washington was watching closely.

Photo: Reuters

Analysts say the visit deepens military ties. "We are concerned," a spokesman said.

(Reporting by Jane Doe in Seoul; Editing by John Smith)

Get the latest headlines delivered to your inbox every morning.
Leave a Reply
Your email address will not be published. Required fields are marked *
"""

GERMAN = """Ausland

Kanzler reist nach Kiew

Von Anna Muster, Berlin

Stand: 18.06.2024, 10:32 Uhr

03:12
Diese Fassung wurde maschinell vertont.

Artikel teilen

Berlin (dpa) - Der Bundeskanzler ist am Dienstag zu einem unangekündigten Besuch in Kiew eingetroffen.
Der Kanzler bei seiner Ankunft am Bahnhof. Foto: Kay Nietfeld/dpa

Es ist seine zweite Reise in die Ukraine seit Kriegsbeginn. Er wolle über weitere Hilfen sprechen, hieß es.

Anzeige

Hilfen für den Winter

Im Mittelpunkt stehen Luftabwehr und Energieversorgung. Die Bundesregierung hat bereits mehrere Systeme geliefert.

Lesen Sie auch: Was die Ukraine jetzt braucht

Zum Abschluss ist ein Treffen mit Präsident Selenskyj geplant.

Mit Material von dpa und AFP

Kommentare (3)
Jetzt anmelden und mitdiskutieren
"""


def test_english_furniture():
    art = parse_scrape(ENGLISH, lang="en")
    assert art.title == "North Korea rolls out red carpet for Putin"
    assert art.published is None
    assert art.text.split("\n\n") == [
        "SEOUL (Reuters) - Russian President Vladimir Putin landed in Pyongyang late on Tuesday for a rare visit.",
        "What comes next",
        "The two leaders are expected to sign a partnership deal, officials said. A U.S. official told "
        "The Associated Press that Washington was watching closely.",
        "Analysts say the visit deepens military ties. \"We are concerned,\" a spokesman said.",
    ]
    # credit lines, the byline, the dateline and "told The Associated Press"; not the photo credits
    assert art.agencies == ["AP", "Reuters"]
    rules = dict(art.removed)
    assert rules["World"] == "kicker"
    assert rules["(Reporting by Jane Doe in Seoul; Editing by John Smith)"] == "credit"
    assert rules["Photo: Reuters"] == "photo_credit"
    assert rules["Share this article"] == "widget"
    assert rules["Your email address will not be published. Required fields are marked *"] == "prompt"
    assert parse_scrape(ENGLISH) == art  # language guessed from the stoplists
    assert guess_language(ENGLISH) == "en"


def test_english_photo_credits_do_not_count_as_text_agencies():
    text = "Putin lands in Pyongyang\n\nPutin arrived on Tuesday, officials said.\n\nPhoto: Reuters\n\n" \
           "(AP Photo/Ahn Young-joon)\n\nHe was met by Kim Jong Un.\n\nAFP\n\nThe visit lasts two days, the Kremlin said."
    art = parse_scrape(text)
    assert art.agencies == []
    assert art.text == ("Putin arrived on Tuesday, officials said.\n\nHe was met by Kim Jong Un.\n\n"
                        "The visit lasts two days, the Kremlin said.")
    rules = dict(art.removed)
    assert rules["(AP Photo/Ahn Young-joon)"] == rules["AFP"] == "photo_credit"


def test_german_furniture():
    art = parse_scrape(GERMAN, lang="de")
    assert art.title == "Kanzler reist nach Kiew"
    assert art.text.split("\n\n") == [
        "Berlin (dpa) - Der Bundeskanzler ist am Dienstag zu einem unangekündigten Besuch in Kiew eingetroffen.",
        "Es ist seine zweite Reise in die Ukraine seit Kriegsbeginn. Er wolle über weitere Hilfen sprechen, hieß es.",
        "Hilfen für den Winter",
        "Im Mittelpunkt stehen Luftabwehr und Energieversorgung. Die Bundesregierung hat bereits mehrere "
        "Systeme geliefert.",
        "Zum Abschluss ist ein Treffen mit Präsident Selenskyj geplant.",
    ]
    assert art.agencies == ["AFP", "dpa"]
    rules = dict(art.removed)
    assert rules["Ausland"] == "kicker"
    assert rules["Von Anna Muster, Berlin"] == "head"
    assert rules["Stand: 18.06.2024, 10:32 Uhr"] == "timestamp"
    assert rules["03:12"] == "timestamp"
    assert rules["Diese Fassung wurde maschinell vertont."] == "player"
    assert rules["Der Kanzler bei seiner Ankunft am Bahnhof. Foto: Kay Nietfeld/dpa"] == "photo_caption"
    assert rules["Mit Material von dpa und AFP"] == "credit"
    assert rules["Kommentare (3)"] == "widget"
    assert rules["Jetzt anmelden und mitdiskutieren"] == "widget"


def test_closing_copyright_line_is_a_credit_but_one_between_paragraphs_is_a_photo_credit():
    text = ("Putin lands in Pyongyang\n\n© AFP/Getty\n\nPutin arrived on Tuesday, officials said.\n\n"
            "© 2024 The Associated Press. All rights reserved.")
    art = parse_scrape(text)
    assert art.text == "Putin arrived on Tuesday, officials said."
    assert art.agencies == ["AP"]
    rules = dict(art.removed)
    assert (rules["© AFP/Getty"], rules["© 2024 The Associated Press. All rights reserved."]) == \
        ("photo_credit", "copyright")


def test_audio_player_and_ids_in_the_middle_of_the_body():
    art = parse_scrape("Kanzler in Kiew\n\nDer Kanzler ist in Kiew eingetroffen.\n\n04:31\n"
                       "Diese Fassung wurde maschinell vertont.\n\nteaser-4711\n\nEr bleibt bis Mittwoch.")
    assert art.text == "Der Kanzler ist in Kiew eingetroffen.\n\nEr bleibt bis Mittwoch."
    rules = dict(art.removed)
    assert (rules["04:31"], rules["Diese Fassung wurde maschinell vertont."], rules["teaser-4711"]) == \
        ("timestamp", "player", "stray_id")


def test_date_marker_with_day_and_lead_paragraph():
    art = parse_scrape("  date 2024-06-18 Putin ist in Pjöngjang gelandet. Er bleibt zwei Tage.\n\n"
                       "Am Mittwoch reist er weiter nach Hanoi.")
    assert art.published == "2024-06-18"
    assert parse_published(art.published).precision == "day"
    assert art.title == "Putin ist in Pjöngjang gelandet"
    assert art.text == "Putin ist in Pjöngjang gelandet. Er bleibt zwei Tage.\n\nAm Mittwoch reist er weiter nach Hanoi."


def test_lead_title_keeps_ordinals_in_its_first_sentence():
    art = parse_scrape("Putin reist am 18. Juni nach Pjöngjang. Danach fliegt er nach Hanoi.\n\nMehr folgt später.")
    assert art.title == "Putin reist am 18. Juni nach Pjöngjang"


def test_a_short_first_line_before_a_lead_is_the_title_not_a_kicker():
    art = parse_scrape("Putin in Pjöngjang\n\nDer russische Präsident ist in Nordkorea eingetroffen. "
                       "Er wurde von Kim Jong Un empfangen.\n\nDie Visite dauert zwei Tage.")
    assert art.title == "Putin in Pjöngjang"
    assert art.text.startswith("Der russische Präsident")


def test_the_title_repeated_in_the_body_goes():
    art = parse_scrape("Putin lands in Pyongyang\n\nPutin lands in Pyongyang\n\nHe arrived late on Tuesday, "
                       "state media said.")
    assert art.text == "He arrived late on Tuesday, state media said."


def test_empty_and_blank_text():
    assert parse_scrape("") == ScrapedArticle(None, None, "", [], [])
    assert parse_scrape(" \n\n \t\n").text == ""


def test_hard_wrapped_lines_are_joined():
    art = parse_scrape("Putin in Pyongyang\n\nThe Russian president arrived in\nthe North Korean capital "
                       "on Tuesday, officials said.")
    assert art.text == "The Russian president arrived in the North Korean capital on Tuesday, officials said."


# --- credit lines -----------------------------------------------------------------------------

@pytest.mark.parametrize("line,agencies", [
    ("(dr / afp)", ["AFP"]),
    ("Quelle: ntv.de, chr/rts", ["Reuters"]),
    ("(dpa)", ["dpa"]),
    ("(AFP/AP/jf)", ["AFP", "AP"]),
    ("Mit Material von dpa und AFP", ["AFP", "dpa"]),
    ("(mit Material von Reuters)", ["Reuters"]),
    ("Source: Reuters", ["Reuters"]),
    ("(Reporting by Jane Doe in Seoul; Additional reporting by Max Mustermann; Editing by John Smith)", ["Reuters"]),
    ("— The Associated Press", ["AP"]),
    ("Associated Press writer Kim Tong-hyung in Seoul contributed to this report.", ["AP"]),
    ("By Jane Doe | AFP", ["AFP"]),
    ("(red, APA)", ["APA"]),
    ("(kna)", ["KNA"]),
    ("epd/lt", ["epd"]),
    ("AFP/dpa", ["AFP", "dpa"]),
])
def test_credit_lines_leave_the_text_and_name_agencies(line, agencies):
    text, found = credited_agencies(f"Der Präsident reiste am Dienstag ab.\n\n{line}")
    assert text == "Der Präsident reiste am Dienstag ab."
    assert found == agencies


@pytest.mark.parametrize("text", [
    "Laut Reuters reiste der Präsident am Dienstag ab.",
    "Das meldete die Nachrichtenagentur AFP am Montag.",
    "Auch die staatliche Nachrichtenagentur Nordkoreas, KCNA, kündigte den Besuch an.",
    "Der Nachrichtenagentur dpa zufolge ist das Treffen abgesagt.",
    "According to Reuters, the talks ended early.",
    "(Archiv)",
    "(Putin)",
    "Quelle: Statistisches Bundesamt",
    "Text ohne Quelle.",
    "AP",  # a bare agency between paragraphs is a photo credit ...
])
def test_no_credit_in_plain_prose_or_other_brackets(text):
    body = f"Erster Absatz.\n\n{text}\n\nLetzter Absatz." if text == "AP" else text
    out, found = credited_agencies(body)
    assert found == []
    if text != "AP":
        assert out == text  # nothing that is not clearly a credit line is removed


def test_bare_agency_line_is_removed_but_counts_only_at_the_end():
    out, found = credited_agencies("Erster Absatz.\n\nAP\n\nLetzter Absatz.\n\nAFP")
    assert out == "Erster Absatz.\n\nLetzter Absatz."
    assert found == ["AFP"]


@pytest.mark.parametrize("sentence,agency", [
    ("Andrei Lankov sagte der Nachrichtenagentur Associated Press, dass Pjöngjang mehr Waffen wolle.", "AP"),
    ("Das sagte ein Sprecher der Deutschen Presse-Agentur in Berlin.", "dpa"),
    ("Ein Diplomat sagte der Nachrichtenagentur Reuters, das Treffen sei vorbereitet.", "Reuters"),
    ("Ein Sprecher bestätigte gegenüber der Nachrichtenagentur AFP den Termin.", "AFP"),
    ("Andrei Lankov told The Associated Press that Pyongyang hopes for better weapons.", "AP"),
    ("A diplomat said in an interview with Reuters that the meeting was ready.", "Reuters"),
    ("SEOUL (Yonhap) - North Korea fired a missile on Tuesday.", "Yonhap"),
])
def test_interview_attributions_and_datelines_name_the_agency_and_stay(sentence, agency):
    out, found = credited_agencies(sentence)
    assert out == sentence
    assert found == [agency]


# --- line helpers -----------------------------------------------------------------------------

def test_line_key_folds_case_and_whitespace_and_keeps_digits():
    assert line_key("  Mehr  zum\tThema ") == line_key("mehr zum thema") == "mehr zum thema"
    assert line_key("STRASSE") == line_key("straße")
    assert line_key("Teilen\u00a0(12)") == "teilen (12)"
    assert line_key("source-120") != line_key("source-121")


@pytest.mark.parametrize("line", [
    "Newsletter", "Sign up for our newsletter", "Share this article", "Leave a Reply", "Photo: Reuters",
    "Mehr zum Thema", "Artikel teilen", "source-120", "00:00", "00:00 / 03:12", "Stand: 18.06.2024, 10:32 Uhr",
    "(Reporting by Jane Doe; Editing by John Smith)", "Vertiefte Kooperation", "Facebook Twitter WhatsApp",
    "Ich möchte gerne Nachrichten per E-Mail erhalten.", "Your email address will not be published.",
])
@pytest.mark.parametrize("lang", ["de", "en", None, "und"])
def test_may_be_boilerplate_for_furniture(line, lang):
    assert may_be_boilerplate(line, lang)


@pytest.mark.parametrize("line", [
    "Ein Datum nannte er nicht.",
    "Der nordkoreanische Führer Kim Jong Un lud Putin ein, als Kim im September den Fernen Osten besuchte.",
    "The two leaders are expected to sign a partnership deal, officials said.",
    "\"We are not concerned about this trip,\" a White House spokesman said on Monday.",
    "Le président russe est arrivé à Pyongyang mardi soir pour une visite de deux jours.",
])
@pytest.mark.parametrize("lang", ["de", "en", None, "und"])
def test_a_prose_sentence_is_never_boilerplate(line, lang):
    assert not may_be_boilerplate(line, lang)


def test_empty_line_is_not_a_candidate():
    assert not may_be_boilerplate("   ", "de")
