"""Extraction health per site, and the flag that catches a publisher's template change.

Pure functions over per-run aggregates of one site (no DuckDB, no Beam), unit-tested on their own.
A template change shows as a step: from one run on, a site's articles arrive without dates, without
authors, without times, as very short text (navigation instead of the story), or much shorter. For
each measure the site's runs are split in two at every possible run; among the splits with enough
articles on both sides where things got worse, the one least likely to be chance (largest z
statistic) is the candidate. It is flagged when its z is beyond MIN_Z (small sites are noisy) and
the change is beyond the threshold both over everything since the split and over the last few runs
(so a site that broke and was fixed again is no longer flagged).
"""
import dataclasses
from typing import Dict, List, Optional, Sequence

import numpy as np

MIN_SITE_ARTICLES = 20       # sites with fewer articles in the report's range get no health row
MIN_SIDE_ARTICLES = 10       # articles needed before and after a split to call it a change
MIN_Z = 4.0                  # how far beyond chance a change must be (z statistic): on benchmarks/report_scale.py
                             # (83 sites, 60 runs) noise that passed the thresholds reached z 3.1, the three
                             # sites that break half-way 6.1 (27/28 articles) to 37
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
    words = [np.asarray(p.words, dtype=np.int64) for p in periods if len(p.words)]
    return float(np.median(np.concatenate(words))) if words else 0.0


def summary(periods: Sequence[Period]) -> Dict:
    """A site's health over all its runs: article count, shares and median word count."""
    return {"articles": sum(p.n for p in periods), **{m: round(_share(periods, m), 4) for m in SHARES},
            "median_words": _median_words(periods)}


def _threshold(measure: str) -> float:
    return 1 - WORDS_RATIO if measure == "median_words" else SHARE_CHANGE


def _value(periods: Sequence[Period], measure: str) -> float:
    return _median_words(periods) if measure == "median_words" else round(_share(periods, measure), 4)


def _change(before: Sequence[Period], after: Sequence[Period], measure: str) -> float:
    """How much worse `after` is than `before` in `measure`, in the units its threshold is in."""
    if measure == "median_words":
        old = _median_words(before)
        return (1 - _median_words(after) / old) if old else 0.0
    return (_share(after, measure) - _share(before, measure)) * SHARES[measure]


def _splits(periods: Sequence[Period], measure: str):
    """For every split i (before = periods[:i]): (i, change, z), where z says how unlikely the change is
    as chance: a two-proportion z statistic for shares; for the median word count the difference of the
    median log word counts over its standard error (1.2533 sigma / sqrt(n); word counts are about
    log-normal). Computed for all splits at once from running sums."""
    n = np.array([p.n for p in periods], dtype=float)
    n1 = np.cumsum(n)[:-1]
    n2 = n.sum() - n1
    if measure != "median_words":
        k = np.array([getattr(p, measure) for p in periods], dtype=float)
        k1 = np.cumsum(k)[:-1]
        k2 = k.sum() - k1
        with np.errstate(divide="ignore", invalid="ignore"):
            change = (k2 / n2 - k1 / n1) * SHARES[measure]
            pooled = (k1 + k2) / (n1 + n2)
            spread = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
            z = np.where(spread > 0, np.abs(change) / spread, np.where(change != 0, np.inf, 0.0))
        return [(i + 1, float(change[i]), float(z[i])) for i in range(len(n1))]
    words = np.concatenate([np.asarray(p.words, dtype=float) for p in periods]) if len(periods) else np.zeros(0)
    logs = np.log(np.maximum(words, 1))
    sigma = float(np.std(logs)) if len(logs) else 0.0
    out = []
    for i, cut in enumerate(n1.astype(int)):
        if cut == 0 or cut == len(words):
            out.append((i + 1, 0.0, 0.0))
            continue
        old, new = float(np.median(words[:cut])), float(np.median(words[cut:]))
        change = 1 - new / old if old else 0.0
        spread = 1.2533 * sigma * (1 / cut + 1 / (len(words) - cut)) ** 0.5
        diff = abs(float(np.median(logs[:cut]) - np.median(logs[cut:])))
        out.append((i + 1, change, diff / spread if spread else (float("inf") if diff else 0.0)))
    return out


def find_change(periods: Sequence[Period], measure: str) -> Optional[Dict]:
    """The run from which `measure` got sharply worse and stayed so, or None. `periods` oldest first.
    The split is the one least likely to be chance (largest z) among those where things got worse."""
    best = None
    sides = np.cumsum([p.n for p in periods])
    total = int(sides[-1]) if len(sides) else 0
    for i, change, z in _splits(periods, measure):
        if sides[i - 1] < MIN_SIDE_ARTICLES or total - sides[i - 1] < MIN_SIDE_ARTICLES or change <= 0:
            continue
        if best is None or z > best[0] + 1e-9:   # ties: the earliest split
            best = (z, i, change)
    if best is None or best[0] < MIN_Z or best[2] < _threshold(measure):
        return None
    z, i, _ = best
    before, after = periods[:i], periods[i:]
    if _change(before, periods[max(i, len(periods) - RECENT_RUNS):], measure) < _threshold(measure):
        return None   # it recovered in the last runs
    return {"measure": measure, "label": LABELS[measure], "before": _value(before, measure),
            "after": _value(after, measure), "since_run": periods[i].run, "since": periods[i].at,
            "runs_after": len(after), "articles_before": sum(p.n for p in before),
            "articles_after": sum(p.n for p in after), "z": round(float(min(z, 999.0)), 1)}


def site_flags(periods: Sequence[Period]) -> List[Dict]:
    """Every measure of one site that changed sharply, in a fixed order."""
    return [flag for measure in (*SHARES, "median_words") if (flag := find_change(periods, measure))]
