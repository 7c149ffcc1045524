"""Cross-document furniture: short non-prose lines that recur in many articles of one site in a run.

A newsletter prompt or a "More on this topic" line is on every page of a site; a sentence of
article prose is not, and wire copies of the same story (which do share sentences) are protected
because only lines that `may_be_boilerplate` are ever counted.

An article is never emptied: when every line of it is such a line (a feed item whose only text is
a short summary that the site's other items share, say), it keeps its text whole.
"""
import posixpath
from typing import Dict, Iterable

import apache_beam as beam
from apache_beam.metrics import Metrics

from wirebeam.transforms.extract.dispatch import word_count
from wirebeam.transforms.extract.furniture import line_key, may_be_boilerplate


def site_key(article: dict) -> str:
    """Articles of one site (or, without a site, one input folder) share furniture."""
    if article.get("site"):
        return "site:" + article["site"].lower()
    path = article["source"]
    if article.get("input_format") == "jsonl":
        path = path.rsplit(":", 1)[0]
    return "dir:" + posixpath.dirname(path.replace("\\", "/"))


def candidate_keys(article: dict) -> Iterable[tuple]:
    """Distinct (site, line key) of the lines of one article that may be furniture. This stage runs
    before language detection, so the prose test uses every stoplist (no language hint)."""
    group = site_key(article)
    keys = {line_key(line) for line in article["text"].split("\n")
            if line.strip() and may_be_boilerplate(line)}
    return [(group, key) for key in sorted(keys)]


def strip_lines(article: dict, repeated: Dict[tuple, int]) -> dict:
    if not repeated:
        return article
    group = site_key(article)
    kept, dropped = [], 0
    for line in article["text"].split("\n"):
        if line.strip() and (group, line_key(line)) in repeated and may_be_boilerplate(line):
            dropped += 1
            continue
        kept.append(line)
    if not dropped:
        return article
    text = "\n".join(kept)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    text = text.strip()
    if not word_count(text):  # every line is the site's furniture (a one-line feed summary): keep the text
        Metrics.counter("boilerplate", "kept_whole_text").inc()
        return article
    Metrics.counter("boilerplate", "lines_removed").inc(dropped)
    return {**article, "text": text, "word_count": word_count(text)}


class RepeatedKeys(beam.PTransform):
    """Elements -> (key, count) for each key that `keys_of(element)` gives for at least `min_count`
    elements (each element gives a key at most once). The counting step of the cross-document
    cleanups: lines repeated on a site's pages here, title affixes in `transforms.titles`."""

    def __init__(self, keys_of, min_count: int):
        super().__init__()
        self.keys_of, self.min_count = keys_of, min_count

    def expand(self, elements):
        min_count = self.min_count
        return (elements
                | "Keys" >> beam.FlatMap(self.keys_of)
                | "Count" >> beam.combiners.Count.PerElement()
                | "AtLeast" >> beam.Filter(lambda kv: kv[1] >= min_count))


class RemoveRepeatedLines(beam.PTransform):
    """Articles -> articles without lines repeated in >= `min_docs` articles of their site."""

    def __init__(self, min_docs: int = 3):
        super().__init__()
        self.min_docs = min_docs

    def expand(self, articles):
        if self.min_docs <= 0:
            return articles
        repeated = articles | "RepeatedLines" >> RepeatedKeys(candidate_keys, self.min_docs)
        return articles | "StripRepeated" >> beam.Map(strip_lines, repeated=beam.pvalue.AsDict(repeated))
