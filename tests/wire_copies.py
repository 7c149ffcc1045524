"""A test corpus of wire copies and look-alikes, written for wirebeam (CC0 1.0, fictional news).

`write_corpus(folder)` writes the files and returns the truth: file name -> story label. Files
with the same label are copies of one story and must share a `dup_group`; different labels must
never be grouped. The canonical member of each group is named in `CANONICAL`.

Stories
  wasser  (de) a utility raises water prices; copies: retitled republication, two sentences
          changed, last paragraph cut, the same text as an HTML page, a scrape with page
          furniture and a credit line.  The earliest copy is the original page.
  bruecke (en) a harbour bridge closes for repairs; copies: an exact copy with other whitespace
          and quotes (gzip), a copy cut after three paragraphs, a JSON line with a new headline.
          The JSON line carries no date; the cut copy is the earliest.
Look-alikes that must stay apart
  verbraucher (de) another article on the water-price event: same names and numbers, own prose.
  kommentar   (en) a commentary that quotes one full paragraph of the bridge story.
  markt       (de) a market report from the same outlet and template as `wasser`.
"""
import gzip
import json
import pathlib

WASSER_TITLE = "Stadtwerke Lindenau erhöhen den Wasserpreis um zwölf Prozent"
WASSER = [
    "Die Stadtwerke Lindenau erhöhen zum ersten Januar den Preis für Trinkwasser um zwölf Prozent. "
    "Ein Kubikmeter kostet dann 2,41 Euro statt bisher 2,15 Euro, wie das Unternehmen am Dienstag "
    "nach einer Sitzung des Aufsichtsrats mitteilte.",
    "Als Grund nannte Geschäftsführerin Martina Olbrich die gestiegenen Kosten für Energie und für "
    "die Erneuerung des Leitungsnetzes. Viele Rohre in der Altstadt stammten aus den fünfziger Jahren "
    "und müssten in den kommenden zehn Jahren ersetzt werden. Allein dafür seien rund 40 Millionen "
    "Euro eingeplant.",
    "Für einen Haushalt mit drei Personen und einem Verbrauch von 120 Kubikmetern im Jahr bedeutet "
    "die Erhöhung Mehrkosten von gut 31 Euro. Die Grundgebühr bleibt nach Angaben der Stadtwerke "
    "unverändert. Auch die Abwassergebühren, die die Stadt selbst festlegt, sind nicht betroffen.",
    "Der Preis war zuletzt vor vier Jahren angehoben worden. Im Vergleich mit den Nachbarstädten "
    "liege Lindenau auch nach der Erhöhung im Mittelfeld, sagte Olbrich. In Bergstetten zahlen "
    "Kunden bereits heute mehr als 2,60 Euro je Kubikmeter.",
    "Die Opposition im Stadtrat kritisierte den Zeitpunkt. Viele Familien seien durch die Preise "
    "für Heizung und Lebensmittel ohnehin stark belastet, sagte der Fraktionschef der Grünen, Jens "
    "Hartwig. Er forderte einen Sozialtarif für Haushalte mit geringem Einkommen.",
    "Die Stadtwerke wollen ihre Kunden in den nächsten Wochen per Brief über die neuen Preise "
    "informieren. Wer Fragen zur eigenen Rechnung hat, kann sich an das Kundenzentrum am Marktplatz "
    "wenden, das dafür im Dezember auch samstags geöffnet ist.",
]
WASSER_EDITED = list(WASSER)
WASSER_EDITED[1] = WASSER[1].replace("Als Grund nannte Geschäftsführerin Martina Olbrich",
                                     "Begründet wird der Schritt nach Worten von Geschäftsführerin Martina Olbrich mit")
WASSER_EDITED[3] = WASSER[3].replace("Der Preis war zuletzt vor vier Jahren angehoben worden.",
                                     "Zuletzt hatten die Stadtwerke den Preis 2021 erhöht.")

VERBRAUCHER_TITLE = "Verbraucherschützer halten höheren Wasserpreis in Lindenau für überzogen"
VERBRAUCHER = [
    "Die Verbraucherzentrale hat die angekündigte Erhöhung des Wasserpreises in Lindenau scharf "
    "kritisiert. Ein Plus von zwölf Prozent auf 2,41 Euro je Kubikmeter sei mit den genannten "
    "Kosten kaum zu begründen, sagte Energieberaterin Sabine Reuter am Mittwoch.",
    "Die Stadtwerke hätten in den vergangenen Jahren ordentliche Gewinne an die Stadt abgeführt. "
    "Wer über Jahre Geld aus dem Unternehmen ziehe, dürfe sich nicht wundern, wenn für die "
    "Sanierung der alten Leitungen in der Altstadt Rücklagen fehlten, sagte Reuter.",
    "Nach Berechnungen der Verbraucherschützer zahlt eine Familie mit drei Personen künftig etwa "
    "31 Euro mehr im Jahr. Das klinge nach wenig, komme aber zu steigenden Abschlägen für Strom und "
    "Gas hinzu. Besonders Rentner und Alleinerziehende spürten jede zusätzliche Belastung.",
    "Geschäftsführerin Martina Olbrich wies die Kritik zurück. Die Gewinnabführung sei seit Jahren "
    "gedeckelt, und ohne die Investitionen in das Netz drohten häufigere Rohrbrüche. Über einen "
    "Sozialtarif, wie ihn die Grünen im Stadtrat verlangen, müsse die Politik entscheiden.",
    "Die Verbraucherzentrale rät Kunden, ihre nächste Abrechnung genau zu prüfen und den Zählerstand "
    "zum Jahreswechsel selbst zu notieren. Beratung bietet sie donnerstags in ihrer Geschäftsstelle "
    "in der Bahnhofstraße an, eine Anmeldung ist nicht nötig.",
]

MARKT_TITLE = "Wochenmarkt in Lindenau zieht auf den Rathausplatz"
MARKT = [
    "Der Lindenauer Wochenmarkt zieht im Frühjahr für mehrere Monate auf den Rathausplatz. Der "
    "Marktplatz wird ab März neu gepflastert, teilte die Stadtverwaltung am Montag mit. Die Arbeiten "
    "sollen bis zum Herbst abgeschlossen sein.",
    "Die rund dreißig Händler hatten sich zunächst gegen den Umzug gewehrt, weil sie weniger "
    "Laufkundschaft fürchteten. Nach mehreren Gesprächen mit dem Ordnungsamt sei nun eine Lösung "
    "gefunden, bei der alle Stände Platz fänden, sagte Marktsprecherin Ilse Brandner.",
    "Der Markt bleibt bei seinen Zeiten: dienstags und samstags von sieben bis 13 Uhr. Für Kunden "
    "mit dem Auto stehen in der Tiefgarage unter dem Rathaus während der Marktzeiten die ersten "
    "zwei Stunden kostenlos zur Verfügung.",
    "Die Stadt rechnet für die Neugestaltung des Marktplatzes mit Kosten von knapp drei Millionen "
    "Euro, von denen das Land einen Großteil übernimmt. Neben dem neuen Pflaster sind Bäume, Bänke "
    "und ein Trinkbrunnen geplant, den die Stadtwerke betreiben sollen.",
]

BRIDGE_TITLE = "Harbour bridge to close for six weeks of repairs"
BRIDGE = [
    "The Kestrel Harbour bridge will close to all traffic for six weeks from March 3 while engineers "
    "replace corroded steel cables, the regional transport authority said on Thursday. About 38,000 "
    "vehicles cross the bridge on an average weekday.",
    "Inspections last autumn found that several of the cables holding the main span had lost more "
    "than a fifth of their strength. The authority said the bridge remained safe for now but that "
    "the work could not be postponed until the summer, as had originally been planned.",
    "Drivers will be diverted over the inland ring road, which the authority expects to add between "
    "fifteen and twenty-five minutes to journeys at peak times. Two extra ferries will run between "
    "the north and south quays every ten minutes from six in the morning until midnight.",
    "Local businesses on the south side of the harbour warned that the closure would hit them hard. "
    "\"March is when the season starts for us,\" said Priya Nair, who runs a seafood restaurant near "
    "the ferry terminal. \"Six weeks without the bridge traffic could cost us a third of our spring "
    "takings.\"",
    "The authority said cyclists and pedestrians would be able to use a temporary walkway on the "
    "eastern side of the bridge for most of the closure. The repairs are expected to cost 14 million "
    "pounds and are being paid for from the national roads maintenance budget.",
]
BRIDGE_TITLE_NEW = "Kestrel Harbour crossing shut from March as cables are replaced"

KOMMENTAR_TITLE = "Opinion: Kestrel Harbour needs a second crossing, not another detour"
KOMMENTAR = [
    "Every few years the same scene repeats itself: a notice from the transport authority, a map "
    "of detours, and a town that discovers how much it depends on a single piece of steel. This "
    "spring it is the cables again. The authority's own announcement is frank about the stakes:",
    BRIDGE[2],
    "Twenty-five minutes does not sound like much until you multiply it by thirty thousand cars, "
    "twice a day, for six weeks. Nurses will arrive late for shifts, delivery vans will miss their "
    "slots, and parents will leave children at school gates long before the doors open.",
    "The answer is not a better diversion plan. It is a second crossing, which the council first "
    "discussed in 2009 and has shelved three times since. A tunnel under the inner harbour would be "
    "expensive, but so are recurring closures that nobody budgets for and everybody pays for.",
    "Councillors should use these six weeks to do more than complain about traffic. They should "
    "commission the feasibility study they keep promising, and put a date on it that does not "
    "quietly slip into the next election cycle.",
]

NAV = ("<nav><ul><li><a href='/'>Startseite</a></li><li><a href='/lokales'>Lokales</a></li>"
       "<li><a href='/sport'>Sport</a></li><li><a href='/kultur'>Kultur</a></li></ul></nav>")
FOOTER = ("<footer><p><a href='/impressum'>Impressum</a> | <a href='/datenschutz'>Datenschutz</a> | "
          "<a href='/kontakt'>Kontakt</a></p><p>© 2025 Lindenauer Anzeiger</p></footer>")

TRUTH = {
    "wasser_anzeiger.html": "wasser",
    "wasser_kurier_neuer_titel.txt": "wasser",
    "wasser_bote_redigiert.txt": "wasser",
    "wasser_rundschau_gekuerzt.txt": "wasser",
    "wasser_portal_scrape.txt": "wasser",
    "verbraucher_anzeiger.txt": "verbraucher",
    "markt_anzeiger.html": "markt",
    "bridge_gazette.txt": "bridge",
    "bridge_mirror_exact.txt.gz": "bridge",
    "bridge_express_cut.txt": "bridge",
    "bridge_feed.jsonl:1": "bridge",
    "kommentar_gazette.txt": "kommentar",
}
CANONICAL = {"wasser": "wasser_anzeiger.html", "bridge": "bridge_express_cut.txt",
             "verbraucher": "verbraucher_anzeiger.txt", "markt": "markt_anzeiger.html",
             "kommentar": "kommentar_gazette.txt"}


def _txt(title, paragraphs, date=None, head=(), tail=()):
    lines = ([f"date {date}"] if date else []) + list(head) + [title, ""]
    return "\n".join(lines + ["\n\n".join(paragraphs)] + ([""] + list(tail) if tail else [])) + "\n"


def _html(title, paragraphs, published):
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'><title>{title} | Lindenauer Anzeiger"
            f"</title><meta property='article:published_time' content='{published}'>"
            f"<meta name='author' content='Karin Vogt'></head><body>{NAV}<main><article><h1>{title}</h1>"
            f"<p class='byline'>Von Karin Vogt</p>{body}</article></main>"
            f"<aside><h3>Meistgelesen</h3><ul><li><a href='/a1'>Feuerwehrfest am Wochenende</a></li>"
            f"<li><a href='/a2'>Neue Buslinie zum Gewerbegebiet</a></li></ul></aside>{FOOTER}</body></html>")


def write_corpus(folder) -> dict:
    """Write the corpus into `folder` (created) and return TRUTH (file or file:LINE -> story)."""
    d = pathlib.Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    (d / "wasser_anzeiger.html").write_text(_html(WASSER_TITLE, WASSER, "2025-11-04T09:30:00+01:00"), encoding="utf-8")
    (d / "wasser_kurier_neuer_titel.txt").write_text(
        _txt("Wasser wird in Lindenau ab Januar deutlich teurer", WASSER, "2025-11-05"), encoding="utf-8")
    (d / "wasser_bote_redigiert.txt").write_text(_txt(WASSER_TITLE, WASSER_EDITED, "2025-11-05"), encoding="utf-8")
    (d / "wasser_rundschau_gekuerzt.txt").write_text(_txt(WASSER_TITLE, WASSER[:-1], "2025-11-05"), encoding="utf-8")
    (d / "wasser_portal_scrape.txt").write_text(_txt(
        WASSER_TITLE, WASSER, "2025-11-06", head=["Lokales", "Lesezeit: 3 Min."],
        tail=["(dpa)", "Newsletter abonnieren", "Jetzt kostenlos anmelden und nichts mehr verpassen!",
              "Facebook Twitter WhatsApp"]), encoding="utf-8")
    (d / "verbraucher_anzeiger.txt").write_text(_txt(VERBRAUCHER_TITLE, VERBRAUCHER, "2025-11-05"), encoding="utf-8")
    (d / "markt_anzeiger.html").write_text(_html(MARKT_TITLE, MARKT, "2025-11-03T08:00:00+01:00"), encoding="utf-8")
    (d / "bridge_gazette.txt").write_text(_txt(BRIDGE_TITLE, BRIDGE, "2025-02-13"), encoding="utf-8")
    exact = _txt(BRIDGE_TITLE, [" ".join(p.replace('"', "\u201c", 1).split()) for p in BRIDGE], "2025-02-13")
    (d / "bridge_mirror_exact.txt.gz").write_bytes(gzip.compress(exact.replace("\n\n", "\n \n\n").encode(), mtime=0))
    (d / "bridge_express_cut.txt").write_text(_txt(BRIDGE_TITLE, BRIDGE[:3], "2025-02-12"), encoding="utf-8")
    (d / "bridge_feed.jsonl").write_text(json.dumps(
        {"url": "https://example.org/kestrel-crossing", "title": BRIDGE_TITLE_NEW, "text": "\n\n".join(BRIDGE)},
        ensure_ascii=False) + "\n", encoding="utf-8")
    (d / "kommentar_gazette.txt").write_text(_txt(KOMMENTAR_TITLE, KOMMENTAR, "2025-02-14"), encoding="utf-8")
    return dict(TRUTH)


def pair_scores(truth: dict, groups: dict):
    """Pairwise precision, recall, F1 of predicted groups (name -> dup_group) against truth
    (name -> story), and the wrongly grouped and wrongly separated pairs."""
    names = sorted(truth)
    same_true = {(a, b) for i, a in enumerate(names) for b in names[i + 1:] if truth[a] == truth[b]}
    same_pred = {(a, b) for i, a in enumerate(names) for b in names[i + 1:] if groups[a] == groups[b]}
    tp = len(same_true & same_pred)
    precision = tp / len(same_pred) if same_pred else 1.0
    recall = tp / len(same_true) if same_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, sorted(same_pred - same_true), sorted(same_true - same_pred)
