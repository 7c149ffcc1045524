"""The entity workers' CPU set-up (transforms/entities/runtime.py): numpy's matrix product, one BLAS thread,
the loaded pipelines frozen out of the garbage collector; and the entities stay exactly what they were."""
import gc
import gzip

import pytest
from thinc.api import NumpyOps

from conftest import EVAL, needs
from wirebeam.transforms.entities import runtime
from wirebeam.transforms.entities.tag import TagEntities, bundled_models, entities_of, load_pipeline, pieces


def layers(nlp):
    return [layer for _, component in nlp.pipeline if hasattr(getattr(component, "model", None), "walk")
            for layer in component.model.walk()]


@pytest.fixture(scope="module")
def tagger():
    fn = TagEntities(bundled_models())
    fn.setup()
    yield fn
    gc.unfreeze()


@pytest.fixture(scope="module")
def articles():
    from wirebeam.transforms.extract.dispatch import from_html
    from wirebeam.transforms.language import detect_language, load_factory
    factory = load_factory()
    out = []
    for name in ("fundus_de", "zyte"):   # German and English news pages
        for path in sorted((EVAL / "pages" / name).glob("*.html.gz"))[:10]:
            article = from_html(str(path), gzip.decompress(path.read_bytes()))
            out.append({**article, "language": detect_language(article["text"], factory)[0]})
    return out


def test_setup_moves_every_layer_of_both_pipelines_to_numpys_product(tagger):
    assert sorted(tagger.nlp) == ["de", "en"]
    for nlp in tagger.nlp.values():
        found = layers(nlp)
        assert len(found) > 20   # tok2vec (embeddings, encoder) and the ner's layers
        assert all(isinstance(layer.ops, NumpyOps) and not layer.ops.use_blis for layer in found)
    fresh = load_pipeline(bundled_models()["en"])
    assert any(layer.ops.use_blis for layer in layers(fresh))      # spaCy's default: BLIS
    assert runtime.multiply_with_numpy(fresh) == len(layers(fresh))
    assert runtime.multiply_with_numpy(fresh) == 0                # already done: nothing changes


@needs(EVAL)
def test_numpys_product_finds_exactly_the_entities_blis_finds(tagger, articles):
    assert {a["language"] for a in articles} >= {"de", "en"}
    plain = {lang: load_pipeline(path) for lang, path in bundled_models().items()}   # BLIS, as spaCy loads it
    compared = 0
    for article in articles:
        texts = [piece for _, piece in pieces(article["text"])]
        lang = article["language"]
        if lang not in plain:
            continue
        expected = [entities_of(doc) for doc in plain[lang].pipe(texts)]
        with runtime.blas_threads(tagger.blas):
            got = [entities_of(doc) for doc in tagger.nlp[lang].pipe(texts)]
        assert got == expected
        compared += sum(map(len, got))
    assert compared > 200


@needs(EVAL)
def test_tagged_rows_are_unchanged_by_the_runtime_set_up(tagger, articles):
    """The whole DoFn (cache, norms, counts) gives the same rows with and without the set-up."""
    plain = TagEntities(bundled_models())
    plain.nlp = {lang: load_pipeline(path) for lang, path in bundled_models().items()}
    plain.places, plain.cache = dict(tagger.places), None
    assert list(tagger.process(articles)) == list(plain.process(articles))


def test_blas_uses_one_thread_while_tagging_and_its_own_count_after(tagger):
    def blas_threads():
        return [lib["num_threads"] for lib in tagger.blas.info() if lib["user_api"] == "blas"]
    before = blas_threads()
    assert before, "numpy's BLAS is not visible to threadpoolctl"
    with runtime.blas_threads(tagger.blas):
        assert blas_threads() == [runtime.BLAS_THREADS] * len(before)
    assert blas_threads() == before
    with runtime.blas_threads(None):   # no controller: nothing changes
        assert blas_threads() == before


def test_the_loaded_pipelines_are_out_of_the_collectors_reach(tagger):
    # the pipelines' objects (vocab, word lists, gazetteer) sit in the permanent generation after setup()
    assert gc.get_freeze_count() > 100_000
