"""Named entities: tag each article with a spaCy pipeline chosen by the article's language.

wirebeam ships its own German and English pipelines inside the package (``transforms/entities/models/ner_de``,
``ner_en``; trained by ``training/``); ``--ner auto`` uses them for articles detected as de or en.
``--ner-model LANG=NAME_OR_PATH`` replaces or adds a language. Models are loaded from a package name
or a path with ``spacy.load``, once per worker in `setup()`, and documents go through ``nlp.pipe`` in
batches. Nothing is downloaded. Labels of any scheme (CoNLL PER/LOC/ORG/MISC, OntoNotes
PERSON/GPE/...) are mapped to PER/LOC/ORG/MISC. Each mention gets a `norm` and each article its
`entity_counts` (see entity_norm).
"""
import collections
import logging
import pathlib
import re
from typing import Dict, Iterable, List, Optional

import apache_beam as beam
from apache_beam.metrics import Metrics

from wirebeam.transforms.entities.norms import add_missed_mentions, add_norms, count_entities, harmonise_labels
from wirebeam.transforms.entities.runtime import blas_controller, blas_threads, freeze_loaded_objects, multiply_with_numpy
from wirebeam.transforms.progress import PROGRESS_SECONDS, Progress

log = logging.getLogger(__name__)

LABELS = ("PER", "LOC", "ORG", "MISC")
_LABEL_MAP = {
    "PER": "PER", "PERSON": "PER", "I-PER": "PER", "B-PER": "PER",
    "LOC": "LOC", "GPE": "LOC", "FAC": "LOC", "LOCATION": "LOC",
    "ORG": "ORG", "ORGANIZATION": "ORG", "ORGANISATION": "ORG",
    "MISC": "MISC", "NORP": "MISC", "EVENT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC",
    "PRODUCT": "MISC", "LANGUAGE": "MISC",
}
# OntoNotes numeric and temporal types are not names: DATE, TIME, PERCENT, MONEY, QUANTITY, ORDINAL, CARDINAL.

MODELS_DIR = pathlib.Path(__file__).resolve().parent / "models"   # package data of wirebeam.transforms.entities
BUNDLED_LANGUAGES = ("de", "en")
NO_MODEL_REASON = "articles in other languages get no entities (counted as entities.no_model_for_language)"


def bundled_model_path(lang: str) -> Optional[str]:
    """The folder of the pipeline wirebeam ships for `lang`, or None."""
    path = MODELS_DIR / f"ner_{lang}"
    return str(path) if (path / "config.cfg").is_file() and (path / "meta.json").is_file() else None


def bundled_models() -> Dict[str, str]:
    return {lang: path for lang in BUNDLED_LANGUAGES if (path := bundled_model_path(lang))}


def resolve_models(ner: str, overrides: Optional[Iterable[str]]) -> Dict[str, str]:
    """--ner auto|none plus --ner-model LANG=... -> {lang: name or path}; the overrides win."""
    if ner == "none":
        return {}
    return {**bundled_models(), **parse_model_specs(overrides)}


def describe_models(models: Dict[str, str]) -> str:
    """run.json/summary wording: which pipelines tag which language."""
    if not models:
        return "no entity model for any language: entities are empty"
    names = []
    for lang, name in sorted(models.items()):
        names.append(f"{lang}=bundled ner_{lang}" if name == bundled_model_path(lang) else f"{lang}={name}")
    return f"tagged with {', '.join(names)}; {NO_MODEL_REASON}"


class NerConfigError(ValueError):
    """A --ner-model value that cannot be used; the message says what to do."""


def map_label(label: str) -> Optional[str]:
    return _LABEL_MAP.get(label.upper())


def parse_model_specs(specs: Optional[Iterable[str]]) -> Dict[str, str]:
    """["de=/models/de", "en=en_core_web_sm"] -> {"de": ..., "en": ...}."""
    models = {}
    for spec in specs or []:
        lang, sep, name = spec.partition("=")
        lang, name = lang.strip().lower(), name.strip()
        if not sep or not lang or not name:
            raise NerConfigError(f"--ner-model {spec!r}: expected LANG=NAME_OR_PATH, e.g. de=/models/de_ner")
        models[lang] = name
    return models


def load_pipeline(name: str):
    """A spaCy pipeline by package name or path, without any download; clear errors otherwise."""
    import spacy
    import wirebeam.transforms.entities.components  # noqa: F401  (factories of the bundled pipelines)
    try:
        return spacy.load(name)
    except OSError as exc:
        raise NerConfigError(f"spaCy pipeline {name!r} is neither an installed package nor a model folder "
                             f"({exc}); install it or give its path") from exc


def check_models(models: Dict[str, str]) -> None:
    """Load each model once in the launching process, so a wrong name fails before the run starts
    (the bundled pipelines are only checked for their files, which `bundled_models` did)."""
    for lang, name in models.items():
        if name == bundled_model_path(lang):
            continue
        nlp = load_pipeline(name)
        if "ner" not in nlp.pipe_names and not any(p in nlp.pipe_names for p in ("entity_ruler", "span_ruler")):
            raise NerConfigError(f"spaCy pipeline {name!r} has no entity recogniser (pipes: {nlp.pipe_names})")


def entities_of(doc, offset: int = 0) -> List[dict]:
    """spaCy Doc -> entity structs with character offsets into the text the Doc was made from
    (plus `offset` when the Doc is a piece of a longer text). A mention without a letter ("€", "@",
    "1907", "___") is no name, whatever the model says."""
    out = []
    for ent in doc.ents:
        label = map_label(ent.label_)
        if label and any(ch.isalpha() for ch in ent.text):
            out.append({"text": ent.text, "label": label, "start": ent.start_char + offset,
                        "end": ent.end_char + offset})
    return out


MAX_PIECE_CHARS = 100_000
PIPE_BATCH = 256   # paragraphs per nlp.pipe batch
# Paragraphs a worker remembers the entities of (about 1 KB each): wire copies, agency texts and
# a site's recurring boxes repeat whole paragraphs across articles, and each is tagged once.
PARAGRAPH_CACHE = 20_000
_LINE = re.compile(r"[^\n]+")


def pieces(text: str, limit: int = MAX_PIECE_CHARS) -> List[tuple]:
    """(offset, piece) of the text's lines (paragraphs), without surrounding whitespace, each at most
    `limit` characters (a longer line is cut at a space where there is one). The taggers were trained
    on sentences, never on line-break tokens, and one doc per paragraph keeps spaCy's memory bounded
    and far under its max_length whatever the article's size."""
    out = []
    for line in _LINE.finditer(text):
        piece = line.group()
        offset = line.start() + len(piece) - len(piece.lstrip())
        piece = piece.strip()
        while len(piece) > limit:
            cut = piece.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            out.append((offset, piece[:cut]))
            rest = piece[cut:]
            offset += cut + len(rest) - len(rest.lstrip())
            piece = rest.strip()
        if piece:
            out.append((offset, piece))
    return out


def known_places(nlp) -> Optional[set]:
    """Place names of the pipeline's wirebeam gazetteer (None without one): tells genitives from names in -s."""
    if "gazetteer" in nlp.pipe_names and hasattr(nlp.get_pipe("gazetteer"), "names"):
        return {" ".join(words) for group in nlp.get_pipe("gazetteer").names.values() for words in group}
    return None


class ParagraphCache:
    """(language, paragraph) -> its entities, offsets relative to the paragraph; least recently used
    entries go first. Tagging is per paragraph (see `pieces`), so a paragraph's entities do not
    depend on the article around it, and reusing them changes no output."""

    def __init__(self, size: int = PARAGRAPH_CACHE):
        self.size = size
        self._entries = collections.OrderedDict()

    def get(self, key):
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key, entities: List[dict]) -> None:
        self._entries[key] = entities
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


class TagEntities(beam.DoFn):
    """Batches of articles -> articles with `entities`; one spaCy pipeline per language, loaded in setup()."""

    def __init__(self, models: Dict[str, str], batch_size: int = 64, progress_seconds: float = PROGRESS_SECONDS):
        self.models = dict(models)
        self.batch_size = batch_size
        self.progress = Progress("articles through the entity stage", progress_seconds, key="tagged")
        self.nlp = {}
        self.places = {}
        self.cache = None
        self.blas = None
        self.tagged = Metrics.counter("entities", "paragraphs_tagged")
        self.reused = Metrics.counter("entities", "paragraphs_reused")

    def setup(self):
        self.nlp = {lang: load_pipeline(name) for lang, name in self.models.items()}
        for nlp in self.nlp.values():   # see runtime.py: what the stage's time went to
            multiply_with_numpy(nlp)
        self.places = {lang: known_places(nlp) for lang, nlp in self.nlp.items()}
        self.cache = ParagraphCache()
        self.blas = blas_controller()
        freeze_loaded_objects()

    def process(self, batch: List[dict]):
        by_lang = {}
        for article in batch:
            by_lang.setdefault(article.get("language"), []).append(article)
        for lang, articles in sorted(by_lang.items(), key=lambda kv: str(kv[0])):
            nlp = self.nlp.get(lang)
            if nlp is None:
                Metrics.counter("entities", "no_model_for_language").inc(len(articles))
                for article in articles:
                    yield {**article, "entities": [], "entity_counts": []}
                continue
            for article, found in zip(articles, self._tag(nlp, lang, articles)):
                if found is None:  # the tagger failed on this text: no entities, the run goes on
                    Metrics.counter("entities", "errors").inc()
                    yield {**article, "entities": [], "entity_counts": []}
                    continue
                found = add_missed_mentions(article.get("text") or "", harmonise_labels(found))
                ents = add_norms(found, lang, self.places.get(lang))
                Metrics.counter("entities", "tagged_articles").inc()
                Metrics.counter("entities", f"tagged_articles_{lang}").inc()
                Metrics.counter("entities", "entities").inc(len(ents))
                yield {**article, "entities": ents, "entity_counts": count_entities(ents)}
        self.progress.add(len(batch))

    def _tag(self, nlp, lang: str, articles: List[dict]) -> List[Optional[List[dict]]]:
        """Entities of each article (None where spaCy failed): its text in pieces, each distinct piece
        piped through nlp.pipe once and remembered (ParagraphCache)."""
        jobs = [(i, offset, piece) for i, a in enumerate(articles) for offset, piece in pieces(a.get("text") or "", MAX_PIECE_CHARS)]
        cache = self.cache if self.cache is not None else ParagraphCache()
        known = {}
        for _, _, piece in jobs:
            if piece not in known:
                known[piece] = cache.get((lang, piece))
        new = [piece for piece, ents in known.items() if ents is None]
        self.tagged.inc(len(new))
        self.reused.inc(len(jobs) - len(new))
        try:
            with blas_threads(self.blas):
                docs = list(nlp.pipe(new, batch_size=PIPE_BATCH))
        except Exception:  # one text broke the batch: tag them one by one to find it
            log.exception("entity tagging of a batch failed; tagging its %d articles one by one", len(articles))
            docs = []
            for piece in new:
                try:
                    docs.append(nlp(piece))
                except Exception:
                    docs.append(None)
        for piece, doc in zip(new, docs):
            known[piece] = entities_of(doc) if doc is not None else None
            if doc is not None:
                cache.put((lang, piece), known[piece])
        found: List[Optional[List[dict]]] = [[] for _ in articles]
        for i, offset, piece in jobs:
            if found[i] is None:
                continue
            if known[piece] is None:
                found[i] = None
                continue
            found[i].extend({**e, "start": e["start"] + offset, "end": e["end"] + offset} for e in known[piece])
        return found


class TagNamedEntities(beam.PTransform):
    """Articles -> articles with `entities` (empty lists when no model serves their language)."""

    def __init__(self, models: Dict[str, str], batch_size: int = 64, progress_seconds: float = PROGRESS_SECONDS):
        super().__init__()
        self.models = models
        self.batch_size = batch_size
        self.progress_seconds = progress_seconds

    def expand(self, articles):
        if not self.models:
            return articles | "NoEntities" >> beam.Map(lambda a: {**a, "entities": [], "entity_counts": []})
        return (
            articles
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self.batch_size)
            | "Tag" >> beam.ParDo(TagEntities(self.models, self.batch_size, self.progress_seconds))
        )
