"""Cross-document title cleanup: a prefix or suffix that many titles of one site share in a run.

`metadata.choose_headline` takes the site's name off a title when the page says what the site
is called (og:site_name, the domain, JSON-LD publisher) or when another source of the same page
gives the title without it. A label no page names ("| Nachrichten aus der Region", "Kommentar -")
is only recognisable because it repeats: an affix at a separator (" | ", " - ", ...) that stands
on at least `min_docs` different titles of one site (or input folder) goes, as long as a
headline of at least two words remains. Headlines themselves do not repeat across pages.
"""
from typing import Dict, Iterable, List, Optional, Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from wirebeam.transforms.boilerplate import RepeatedKeys, site_key
from wirebeam.transforms.extract.metadata import MAX_AFFIX_WORDS, MIN_HEADLINE_WORDS, split_segments, words

PREFIX, SUFFIX = "prefix", "suffix"


def _key(segment: str) -> str:
    return " ".join(segment.casefold().split())


def title_affixes(title: Optional[str]) -> List[Tuple[str, str]]:
    """(position, affix key) of the title's first and last segment, when short enough to be a label."""
    parts, _seps = split_segments(title or "")
    if len(parts) < 2:
        return []
    out = []
    for position, segment in ((PREFIX, parts[0]), (SUFFIX, parts[-1])):
        if 0 < len(words(segment)) <= MAX_AFFIX_WORDS:
            out.append((position, _key(segment)))
    return out


def affix_keys(article: dict) -> Iterable[tuple]:
    """Distinct (site, position, affix, title) of one article's title: counted by distinct titles,
    so that copies of one story under one title do not make its words a label."""
    group, title = site_key(article), _key(article.get("title") or "")
    return [(group, position, affix, title) for position, affix in sorted(set(title_affixes(title)))]


def strip_title(title: Optional[str], group: str, repeated: Dict[tuple, int]) -> Optional[str]:
    """`title` without the prefix and suffix that are in `repeated` for its site."""
    parts, seps = split_segments(title or "")
    changed = True
    while changed and len(parts) > 1:
        changed = False
        for position, index in ((SUFFIX, -1), (PREFIX, 0)):
            rest = parts[:-1] if index == -1 else parts[1:]
            if (group, position, _key(parts[index])) in repeated and \
                    len(words(" ".join(rest))) >= MIN_HEADLINE_WORDS:
                parts, seps = rest, (seps[:-1] if index == -1 else seps[1:])
                changed = True
                break
    out = parts[0]
    for sep, part in zip(seps, parts[1:]):
        out += sep + part
    return out


def strip_repeated(article: dict, repeated: Dict[tuple, int]) -> dict:
    title = article.get("title")
    if not repeated or not title:
        return article
    stripped = strip_title(title, site_key(article), repeated)
    if stripped == title:
        return article
    Metrics.counter("titles", "affixes_removed").inc()
    return {**article, "title": stripped}


class RemoveRepeatedTitleAffixes(beam.PTransform):
    """Articles -> articles whose titles lack the affixes shared by >= `min_docs` different titles of
    their site."""

    def __init__(self, min_docs: int = 3):
        super().__init__()
        self.min_docs = min_docs

    def expand(self, articles):
        if self.min_docs <= 0:
            return articles
        repeated = (
            articles
            | "TitleAffixes" >> beam.FlatMap(affix_keys)
            | "DistinctTitles" >> beam.Distinct()   # copies of one story count once
            | "RepeatedAffixes" >> RepeatedKeys(lambda key: [key[:3]], self.min_docs)
        )
        return articles | "StripAffixes" >> beam.Map(strip_repeated, repeated=beam.pvalue.AsDict(repeated))
