"""The story stage's stems come from PyStemmer's C Snowball stemmers, and they are the stems the pure
Python Snowball stemmers give (the output must not depend on which one is installed)."""
import json
import re

import snowballstemmer
from snowballstemmer.english_stemmer import EnglishStemmer
from snowballstemmer.german_stemmer import GermanStemmer

from conftest import ROOT
from wirebeam.transforms.stories import _stem_function

STORIES = ROOT / "tests" / "data" / "stories"


def _words():
    words = set()
    for path in sorted(STORIES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            words.update(re.findall(r"\w+", f"{record.get('title') or ''}\n{record.get('text') or ''}".casefold()))
    return sorted(words)


def test_the_story_stage_stems_with_the_c_stemmers():
    import Stemmer
    assert snowballstemmer.stemmer is Stemmer.Stemmer
    assert isinstance(_stem_function("de").__wrapped__.__self__, Stemmer.Stemmer)


def test_c_and_python_stemmers_agree_on_every_word_of_the_story_corpus():
    words = _words()
    assert len(words) > 2500   # 2,876 distinct words
    for language, python_stemmer in (("de", GermanStemmer()), ("en", EnglishStemmer())):
        stem = _stem_function(language)
        different = [(w, stem(w), python_stemmer.stemWord(w)) for w in words if stem(w) != python_stemmer.stemWord(w)]
        assert not different, different[:10]
