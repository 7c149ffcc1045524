import subprocess
import sys

from wirebeam.transforms.language import detect_language, load_factory

DE = ("Der russische Präsident reist am Dienstag nach Nordkorea. Das teilten der Kreml und die Staatsmedien "
      "am Montag mit. Es ist sein erster Besuch in dem Land seit vielen Jahren.")
EN = ("The Russian president will travel to North Korea on Tuesday, the Kremlin and state media said on Monday. "
      "It is his first visit to the country in many years.")
# A short mixed text on which an unseeded langdetect can change its answer from run to run.
MIXED = "Berlin Paris London Madrid Roma Wien Praha Warszawa Budapest Bern"


def test_detects_german_and_english_with_confidence():
    factory = load_factory()
    lang, conf = detect_language(DE, factory)
    assert lang == "de" and 0.9 <= conf <= 1.0
    lang, conf = detect_language(EN, factory)
    assert lang == "en" and 0.9 <= conf <= 1.0


def test_too_little_text_is_undetermined():
    factory = load_factory()
    assert detect_language("Hallo Welt", factory) == ("und", 0.0)
    assert detect_language("12345 67890 !!! ??? 2024-06-18", factory) == ("und", 0.0)
    assert detect_language("", factory) == ("und", 0.0)


def test_same_answer_in_any_order_and_any_process():
    factory = load_factory()
    texts = [MIXED, DE, EN, MIXED[::-1], MIXED + " Oslo"]
    forward = [detect_language(t, factory, min_chars=10) for t in texts]
    backward = [detect_language(t, load_factory(), min_chars=10) for t in reversed(texts)][::-1]
    assert forward == backward
    code = ("from wirebeam.transforms.language import detect_language, load_factory; import sys; "
            f"print(detect_language({MIXED!r}, load_factory(), min_chars=10))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout.strip() for seed in (1, 2, 3)}
    assert outs == {str(forward[0])}
