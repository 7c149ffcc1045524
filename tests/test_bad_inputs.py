"""Every bad input ends as an article row or a failure row with stage and reason; none stops the run."""
import importlib.util
import shutil

from conftest import BAD, SAMPLES, read_articles, read_failures, run_cli


def _make_large():
    spec = importlib.util.spec_from_file_location("make_large", BAD / "make_large.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bad_inputs_are_all_accounted_for(tmp_path):
    inputs = tmp_path / "in"
    shutil.copytree(BAD, inputs, ignore=shutil.ignore_patterns("README.md", "make_large.py"))
    large = _make_large()
    large.write_large_page(inputs / "large.html", mb=40)
    large.write_nested_divs(inputs / "nested.html", depth=50000)
    out = tmp_path / "out"
    result = run_cli("run", "--input", inputs, "--output", out)
    assert result.returncode == 0, result.stderr
    rows = {r["source"].replace(str(inputs) + "/", ""): r for r in read_articles(out).to_pylist()}
    fails = {f["source"].replace(str(inputs) + "/", ""): (f["stage"], f["reason"])
             for f in read_failures(out).to_pylist()}
    assert fails["empty.txt"] == ("read", "empty")
    assert fails["junk.html"] == ("decode", "binary")
    assert fails["nav_only.html"][0] == "extract"
    assert fails["broken.jsonl:2"] == ("read", "bad_json")
    assert fails["broken.jsonl:3"] == ("extract", "no_text")
    assert fails["broken.jsonl:4"] == ("read", "not_an_object")
    assert fails["large.html"] == ("read", "too_large")
    assert "nested.html" in rows or fails["nested.html"][0] == "extract"
    assert rows["broken.jsonl:5"]["published"] is None and rows["broken.jsonl:5"]["date"] == "unknown"
    assert "broken.jsonl:6" not in rows and "broken.jsonl:6" not in fails
    assert rows["odd names/Bericht (Kopie) über Zürich.txt"]["date"] == "2025-02-20"
    for name, word in [("latin1.txt", "Bäckerei"), ("cp1252.txt", "€"), ("utf16.txt", None), ("utf16le_nobom.txt", None)]:
        text = rows[name]["text"]
        assert "\ufffd" not in text and not any("\x80" <= c <= "\x9f" for c in text), name
        assert rows[name]["language"] == "de", name
        if word:
            assert word in text, name
    # nothing from an input reached a path outside the output folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    assert not list(out.rglob("x")) and not (tmp_path / "x").exists()


def test_samples_group_the_wire_copies(tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", "--input", f"{SAMPLES}/*", "--output", out)
    assert result.returncode == 0, result.stderr
    rows = {r["source"].rsplit("/", 1)[-1]: r for r in read_articles(out).to_pylist()}
    assert len(rows) == 14 and read_failures(out).num_rows == 0
    original = rows["de_hansekurier_sturm_bahn.html"]
    assert original["is_duplicate"] is False
    for copy in ("de_elbtaeler_sturm_reprint.txt.gz", "regional_feed_2025.jsonl:1"):
        assert rows[copy]["dup_group"] == original["id"] and rows[copy]["is_duplicate"] is True
    assert rows["de_stadtblatt_sturmnacht_altona.txt"]["dup_group"] == rows["de_stadtblatt_sturmnacht_altona.txt"]["id"]
    reuters = rows["en_harbourline_rotterdam_port_strike.html"]
    assert rows["en_world_rotterdam_port_strike.txt"]["dup_group"] == reuters["id"]
    assert original["published"].startswith("2025-03-14") and original["date"] == "2025-03-14"
    assert rows["de_marktkompass_mittelstand_energie.txt"]["date"] == "2025-03"
    assert "€" in rows["de_breisgaubote_anwohnerparken_cp1252.html"]["text"]
    assert {r["language"] for r in rows.values()} == {"de", "en"}
    assert len({r["dup_group"] for r in rows.values()}) == 14 - 3
    # docs/samples.md: "Page furniture listed in the table above must not be in `text`"
    for name, furniture in SAMPLE_FURNITURE.items():
        paragraphs = rows[name]["text"].split("\n\n")
        for piece in furniture:
            assert not any(piece in p for p in paragraphs), (name, piece)
        assert rows[name]["word_count"] > 100, name


# What docs/samples.md says each sample holds besides its article, and must not reach `text`.
SAMPLE_FURNITURE = {
    "de_hansekurier_sturm_bahn.html": ["Startseite", "Foto:", "Impressum", "Mehr zum Thema", "Themen:"],
    "de_elbtaeler_sturm_reprint.txt.gz": ["Lesezeit", "Artikel teilen", "Zur Startseite", "(jk / dpa)"],
    "de_stadtblatt_sturmnacht_altona.txt": ["00:00", "Artikel anhören", "Ein Mitarbeiter der Stadtreinigung zersägt",
                                            "(Foto: Stadtblatt/Merle Jansen)", "Newsletter", "Jeden Morgen um sechs",
                                            "Jetzt kostenlos anmelden", "Nicht mehr anzeigen"],
    "en_harbourline_rotterdam_port_strike.html": ["We use cookies", "Container cranes stand idle",
                                                  "Harbourline Daily", "Related stories", "Leave a Reply"],
    "en_world_rotterdam_port_strike.txt": ["(Photo: Pieter Smit)", "Reporting by", "Leave a Reply",
                                           "Your email address will not be published"],
    "de_marktkompass_mittelstand_energie.txt": ["Quelle: marktkompass.example"],
    "de_breisgaubote_anwohnerparken_cp1252.html": ["Von Lukas Schäfer"],   # the byline: the author is in `authors`
    "en_ellbridge_courier_library_reopens.html": ["Most Read", "Sign up to the Courier"],
    "de_lindenauer_anzeiger_ortsumgehung.txt": ["(Foto:", "Kommentare", "Um Kommentare zu schreiben"],
    "en_coastwatch_seaweed_packaging.txt": ["Share this article", "Related:"],
}
