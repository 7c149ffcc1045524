"""Extraction health per site, and the flag that catches a publisher's template change.

Pure functions over per-run aggregates of one site (no DuckDB, no Beam), unit-tested on their own.
A template change shows as a step: from one run on, a site's articles arrive without dates, without
authors, without times, as very short text (navigation instead of the story), or much shorter. For
each measure the site's runs are split in two at every possible run; the split with the largest
change, with enough articles on both sides, is the candidate, and it is flagged when the change is
beyond the threshold both over everything since the split and over the last few runs (so a site
that broke and was fixed again is no longer flagged).
"""
import dataclasses
import statistics
from typing import Dict, List, Optional, Sequence

MIN_SITE_ARTICLES = 20       # sites with fewer articles in the report's range get no health row
MIN_SIDE_ARTICLES = 5        # articles needed before and after a split to call it a change
RECENT_RUNS = 3              # "the site's recent runs": the last this many runs it had articles in
SHARE_CHANGE = 0.4           # a share (dated, authors, time, short text) moving this much (40 points) is flagged
WORDS_RATIO = 0.5            # a median word count falling to half or less is flagged
SHORT_TEXT_WORDS = 50        # "empty or very short": fewer words than this (a teaser or a menu, not a story)

# measure -> (what it counts, +1 when a rise is bad, -1 when a fall is bad)
SHARES = {"dated": -1, "authored": -1, "timed": -1, "short": +1}
LABELS = {"dated": "with a date", "authored": "with authors", "timed": "with a time", "short": "empty or short text",
          "median_words": "median words"}


@dataclasses.dataclass
class Period:
    """One site's articles from one run."""
    run: str
    at: str                  # ISO time of the run (its ingested_at)
    n: int
    dated: int
    authored: int
    timed: int
    short: int
    words: Sequence[int]     # word count of each article


def _share(periods: Sequence[Period], measure: str) -> float:
    n = sum(p.n for p in periods)
    return sum(getattr(p, measure) for p in periods) / n if n else 0.0


def _median_words(periods: Sequence[Period]) -> float:
    words = [w for p in periods for w in p.words]
    return float(statistics.median(words)) if words else 0.0


def summary(periods: Sequence[Period]) -> Dict:
    """A site's health over all its runs: article count, shares and median word count."""
    return {"articles": sum(p.n for p in periods), **{m: round(_share(periods, m), 4) for m in SHARES},
            "median_words": _median_words(periods)}


def _change(before: Sequence[Period], after: Sequence[Period], measure: str) -> float:
    """How much worse `after` is than `before` in `measure`, in the units its threshold is in."""
    if measure == "median_words":
        old = _median_words(before)
        return (1 - _median_words(after) / old) if old else 0.0
    return (_share(after, measure) - _share(before, measure)) * SHARES[measure]


def _threshold(measure: str) -> float:
    return 1 - WORDS_RATIO if measure == "median_words" else SHARE_CHANGE


def _value(periods: Sequence[Period], measure: str) -> float:
    return _median_words(periods) if measure == "median_words" else round(_share(periods, measure), 4)


def find_change(periods: Sequence[Period], measure: str) -> Optional[Dict]:
    """The run from which `measure` got sharply worse and stayed so, or None. `periods` oldest first."""
    best = None
    for i in range(1, len(periods)):
        before, after = periods[:i], periods[i:]
        if sum(p.n for p in before) < MIN_SIDE_ARTICLES or sum(p.n for p in after) < MIN_SIDE_ARTICLES:
            continue
        change = _change(before, after, measure)
        if best is None or change > best[0] + 1e-12:   # ties: the earliest split
            best = (change, i)
    if best is None or best[0] < _threshold(measure):
        return None
    change, i = best
    before, after = periods[:i], periods[i:]
    if _change(before, periods[-RECENT_RUNS:], measure) < _threshold(measure):
        return None   # it recovered in the last runs
    return {"measure": measure, "label": LABELS[measure], "before": _value(before, measure),
            "after": _value(after, measure), "since_run": periods[i].run, "since": periods[i].at,
            "runs_after": len(after), "articles_before": sum(p.n for p in before),
            "articles_after": sum(p.n for p in after)}


def site_flags(periods: Sequence[Period]) -> List[Dict]:
    """Every measure of one site that changed sharply, in a fixed order."""
    return [flag for measure in (*SHARES, "median_words") if (flag := find_change(periods, measure))]
