"""Stories: articles that report the same event share a `story_id`.

Copy detection (transforms/dedup.py) groups copies of one text; a story groups different texts
on one event. The flow scales out like dedup; no step sees the whole corpus:
1. copies collapse first: only the canonical article of each copy group (dup_group) takes part,
   and every copy later takes its canonical article's story, so copies never split;
2. per article a bag of stemmed terms (title and text, stop words out) and of normalised entity
   names; document frequencies over the run are counted into a fixed-size hashed table
   (CombineGlobally of one numpy array, a few MiB whatever the corpus size), which weighs both
   bags by TF-IDF;
3. blocking keys: the article's heaviest shared terms and entities (highest TF-IDF weight among
   those another article has), each with a bucket of publication days, so only articles sharing
   a key within the date window meet (a bucket with more than MAX_BUCKET members is paired
   within date-sorted chunks);
4. each candidate pair is verified by a similarity over the two TF-IDF vectors (terms and
   entities); pairs at EDGE_THRESHOLD or above are edges; an article without a date keeps only
   its single best edge, so it can join a story but never bridge two;
5. connected components of the edges (dedup.ConnectedComponents) are candidates, each split by
   average linkage (keyed by component, one component per worker), which keeps apart what a
   single chance edge would chain;
6. per story (keyed by story, one story per worker) its id, the earliest member's id, and its
   row for the stories/ table. See docs/stories.md.
"""
import datetime as dt
import functools
import hashlib
import math
import re
from collections import Counter
from typing import Dict, Iterable, List, Optional, Tuple

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

from wirebeam.transforms.dedup import ConnectedComponents, _instant, canonical_key
from wirebeam.transforms.index import (STORY_DF, STORY_GROUPS, STORY_KEYS, STORY_STATES, STORY_VECTORS, GroupPerBucket,
                                       _LookupBands, _WriteBucket, bucket_of, id_key)
from wirebeam.transforms.story_index import (LookupLatest, VerifyIndexedStories, by_key_bucket, df_rows, probes,
                                             with_indexed_df)

# --- features -------------------------------------------------------------------------------------

# Size of the hashed vocabulary (terms and entity names share it). 2**20 slots: a run with
# 200,000 distinct terms has about 10% of its terms sharing a slot with another, which changes
# a shared slot's document frequency but never makes two articles share a term they do not have
# (the vectors keep the full 64-bit hash; only the DF lookup is folded).
DF_SLOTS = 1 << 20
MIN_TERM_CHARS = 3
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_DIGITS = re.compile(r"^\d+$")
# Numbers of up to this many digits say little (dates, small counts); longer ones (4500, 1200,
# 2030) are kept, since figures are often what two reports of one event share.
MIN_NUMBER_DIGITS = 4
ENTITY_PREFIX = "e:"


def _stopwords(language: str) -> frozenset:
    from spacy.lang.de.stop_words import STOP_WORDS as DE
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    return frozenset(w.casefold() for w in (DE if language == "de" else EN if language == "en" else DE | EN))


_STOP: Dict[str, frozenset] = {}
# Stems are cached per word (up to STEM_CACHE words per language and process): words follow Zipf's
# law, so a warm cache answers nearly every lookup. Measured on 40 German news pages of 750 words
# on the loaded test machine: 96 ms a page with a cold cache (Snowball in pure Python), 1.1 ms a
# page on a second pass (7,554 distinct words cached). With PyStemmer installed (a dependency),
# snowballstemmer uses its C build: the same stems at about 1/50 of the pure-Python cost a word.
STEM_CACHE = 200_000


@functools.lru_cache(maxsize=None)
def _stem_function(language: str):
    """A cached stem(word) for German or English (Snowball), None for other languages."""
    import snowballstemmer
    name = {"de": "german", "en": "english"}.get(language)
    if name is None:
        return None
    stemmer = snowballstemmer.stemmer(name)
    return functools.lru_cache(maxsize=STEM_CACHE)(stemmer.stemWord)


def terms(text: str, language: Optional[str]) -> Counter:
    """Stemmed, casefolded word counts of `text`, without stop words, short words and small numbers.
    German and English get a Snowball stemmer; other languages are only casefolded."""
    language = language or "und"
    if language not in _STOP:
        _STOP[language] = _stopwords(language)
    stop = _STOP[language]
    words = [w for w in _TOKEN.findall((text or "").casefold())
             if w not in stop and (len(w) >= MIN_NUMBER_DIGITS if _DIGITS.match(w) else len(w) >= MIN_TERM_CHARS)]
    stem = _stem_function(language)
    return Counter(map(stem, words) if stem else words)


def entity_terms(entity_counts: Iterable[dict]) -> Counter:
    """Mentions per normalised entity name (labels merged: a place tagged LOC in one article and
    ORG in another is still one name)."""
    out = Counter()
    for e in entity_counts or ():
        norm = " ".join((e.get("norm") or "").casefold().replace("-", " ").split())
        if norm:
            out[ENTITY_PREFIX + norm] += int(e.get("count") or 1)
    return out


def term_hash(term: str) -> int:
    """A stable 63-bit hash of a term (the same in every process; not Python's salted hash())."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little") >> 1


def slot(h: int) -> int:
    return h % DF_SLOTS


def features(article: dict) -> dict:
    """What the story stage needs of one article: hashed term and entity counts and its days."""
    text = ((article.get("title") or "") + "\n" + (article.get("text") or ""))
    return {
        "id": article["id"],
        "terms": {term_hash(t): c for t, c in terms(text, article.get("language")).items()},
        "entities": {term_hash(t): c for t, c in entity_terms(article.get("entity_counts")).items()},
        "days": day_span(article.get("published_date"), article.get("published")),
    }


# --- document frequencies ---------------------------------------------------------------------------

class DocumentFrequencies:
    """CombineFn body: (number of documents, DF per hashed slot) as one int32 array of DF_SLOTS + 1."""

    @staticmethod
    def create() -> np.ndarray:
        return np.zeros(DF_SLOTS + 1, dtype=np.int32)

    @staticmethod
    def add(acc: np.ndarray, hashes: Iterable[int]) -> np.ndarray:
        slots = np.unique(np.fromiter((slot(h) for h in hashes), dtype=np.int64))
        acc[slots] += 1
        acc[DF_SLOTS] += 1
        return acc


def idf(df: np.ndarray, h: int) -> float:
    """Smoothed inverse document frequency: log((N + 1) / (df + 1)) + 1, so a term in every
    document still weighs 1 and a run of a handful of articles gives sane weights."""
    n = int(df[DF_SLOTS])
    return math.log((n + 1) / (int(df[slot(h)]) + 1)) + 1.0


def weights(counts: Dict[int, int], df: np.ndarray) -> Dict[int, float]:
    """Unit-length TF-IDF vector of hashed counts: (1 + log tf) * idf."""
    w = {h: (1.0 + math.log(c)) * idf(df, h) for h, c in counts.items() if c > 0}
    norm = math.sqrt(sum(v * v for v in w.values()))
    return {h: v / norm for h, v in w.items()} if norm else {}


def cosine(a: Dict[int, float], b: Dict[int, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(h, 0.0) for h, v in a.items())


# --- dates ------------------------------------------------------------------------------------------

def day_span(published_date, published: Optional[str]) -> Optional[Tuple[int, int]]:
    """(first, last) possible publication day as ordinals: one day when the day is known, the
    whole month for a month-only date, None when the date is unknown."""
    if isinstance(published_date, dt.date):
        return published_date.toordinal(), published_date.toordinal()
    if isinstance(published, str) and re.match(r"^\d{4}-\d{2}$", published):
        year, month = int(published[:4]), int(published[5:7])
        first = dt.date(year, month, 1)
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
        return first.toordinal(), last.toordinal()
    return None


def day_gap(a: Optional[Tuple[int, int]], b: Optional[Tuple[int, int]]) -> Optional[int]:
    """Days between two spans (0 when they overlap), None when either is unknown."""
    if a is None or b is None:
        return None
    return max(0, a[0] - b[1], b[0] - a[1])


def date_buckets(span: Optional[Tuple[int, int]], window: int) -> List[str]:
    """Blocking buckets of a span: buckets are `window` days wide, and a span joins its own buckets
    and the next one, so two spans at most `window` days apart always share a bucket. Unknown
    dates join the single bucket "u" (see `blocking_keys`)."""
    if span is None:
        return ["u"]
    width = max(1, window)
    return [str(b) for b in range(span[0] // width, span[1] // width + 2)]


# Days between two articles that may be linked (a story that keeps getting articles stays open:
# the window applies to each link, not to the story's first day).
STORY_WINDOW = 3

# --- blocking ----------------------------------------------------------------------------------------

# Blocking keys per article: its TOP_TERMS terms and TOP_ENTITIES entity names of highest TF-IDF
# weight that other articles share. Measured on tests/data/stories (tests/test_stories.py,
# 146 articles, 142 pairs at or above EDGE_THRESHOLD within the window): the top 12 terms miss 2 of
# those pairs, 16 miss 1, 20 miss none and pair 337 of the 9,870 possible.
TOP_TERMS = 20
TOP_ENTITIES = 4
MAX_BUCKET = 1000   # members of one (key, days) bucket paired all with all; larger ones in date-sorted chunks


def blocking_keys(term_weights: Dict[int, float], entity_weights: Dict[int, float],
                  span: Optional[Tuple[int, int]], window: int, df: Optional[np.ndarray] = None) -> List[str]:
    """Bucket keys "hash@days" of an article: its TOP_TERMS terms and TOP_ENTITIES names of highest
    weight among those found in at least one other article of the run (a term only this article
    has pairs it with nobody). Articles with a date also join each key's "u" bucket, where articles
    without a date meet them (see `bucket_pairs`)."""
    def shared(h):
        return df is None or int(df[slot(h)]) >= 2

    def top(w, k):
        return sorted(((h, v) for h, v in w.items() if shared(h)), key=lambda kv: (-kv[1], kv[0]))[:k]
    buckets = date_buckets(span, window) + ([] if span is None else ["u"])
    return [f"{h:x}@{b}" for h, _ in top(term_weights, TOP_TERMS) + top(entity_weights, TOP_ENTITIES)
            for b in buckets]


def bucket_pairs(key: str, members: List[Tuple[str, Optional[Tuple[int, int]]]], window: int
                 ) -> Iterable[Tuple[str, str]]:
    """Candidate pairs (a, b), a < b, of one bucket of (id, day span) members: within a day bucket the
    pairs at most `window` days apart, within a "u" bucket only pairs with an undated member."""
    members = sorted(set((m[0], tuple(m[1]) if m[1] is not None else None) for m in members),
                     key=lambda m: (m[1] or (0, 0), m[0]))
    undated_bucket = key.endswith("@u")
    for start in range(0, len(members), MAX_BUCKET):
        chunk = members[start:start + MAX_BUCKET]
        for i, (a, span_a) in enumerate(chunk):
            for b, span_b in chunk[i + 1:]:
                if undated_bucket:
                    if span_a is not None and span_b is not None:
                        continue
                elif day_gap(span_a, span_b) > window:
                    continue
                yield (a, b) if a < b else (b, a)


# --- verification and splitting -------------------------------------------------------------------

# Weight of the term cosine in the similarity (the rest is the entity cosine). The bundled taggers
# miss or mislabel many names in short texts, so entity overlap alone is a weak signal; measured
# on tests/data/stories at STORY_THRESHOLD 0.18: terms only B-cubed F1 0.925, 0.9 terms 0.939, 0.8 terms 0.932.
TERM_WEIGHT = 0.9
# A candidate pair at or above this similarity is an edge of the story graph. Low on purpose: the
# graph's connected components are candidates that `split_component` cuts by average linkage.
EDGE_THRESHOLD = 0.2
# Average similarity between two parts of a component at which they are one story (tuned on
# tests/data/stories: 0.16 -> B-cubed P 0.928 / R 0.932, 0.18 -> 0.955 / 0.924, 0.20 -> 0.955 / 0.896).
STORY_THRESHOLD = 0.18
# A component larger than this is split in date-ordered chunks of this size before average linkage
# (its cost grows with the cube of the size); counted as stories/oversized_components.
MAX_COMPONENT = 400


def similarity(a: dict, b: dict, term_weight: float = TERM_WEIGHT) -> float:
    """Similarity of two weighted articles ({"t": term weights, "e": entity weights}), rounded so
    that the sum order of floating point never changes a decision between processes."""
    return round(term_weight * cosine(a["t"], b["t"]) + (1 - term_weight) * cosine(a["e"], b["e"]), 9)


def split_component(members: List[dict], threshold: float = STORY_THRESHOLD) -> Dict[str, str]:
    """Average-linkage clustering of one component: id -> smallest id of its cluster.

    Single-link components chain (a report on a bank robbery, a police note on a robbery the next
    day in the same town, that town's ticker); average linkage keeps two parts apart unless their
    articles are similar on average. Deterministic: members in id order, ties to the lowest pair."""
    members = sorted(members, key=lambda m: m["id"])
    n = len(members)
    if n == 1:
        return {members[0]["id"]: members[0]["id"]}
    sums = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            sums[i, j] = sums[j, i] = similarity(members[i], members[j])
    size = np.ones(n)
    active = np.ones(n, dtype=bool)
    clusters = {i: [i] for i in range(n)}
    while active.sum() > 1:
        avg = sums / np.outer(size, size)
        mask = np.outer(active, active)
        np.fill_diagonal(mask, False)
        avg = np.where(mask, np.round(avg, 9), -1.0)
        i, j = divmod(int(np.argmax(avg)), n)
        if avg[i, j] < threshold:
            break
        i, j = min(i, j), max(i, j)
        sums[i, :] += sums[j, :]
        sums[:, i] = sums[i, :]
        sums[i, i] = 0.0
        size[i] += size[j]
        active[j] = False
        sums[j, :] = sums[:, j] = 0.0
        clusters[i] += clusters.pop(j)
    out = {}
    for idx in clusters.values():
        label = min(members[k]["id"] for k in idx)
        out.update({members[k]["id"]: label for k in idx})
    return out


# --- story rows ---------------------------------------------------------------------------------------

TOP_STORY_ENTITIES = 10


def story_key(member: dict):
    """Sort key of a story's members: dated before undated, earliest, longest, smallest id (the rule
    of a copy group's canonical article, transforms/dedup.canonical_key)."""
    return canonical_key(member)


def _latest_key(member: dict):
    return _instant(member["published"]) if member.get("published") else ""


def entity_totals(members: List[dict], previous: Iterable[dict] = ()) -> List[dict]:
    """Mentions per (norm, label) over the members (plus earlier totals), most mentioned first."""
    counts = Counter()
    for e in previous:
        counts[(e["norm"], e["label"])] += int(e["count"])
    for m in members:
        for e in m.get("entity_counts") or ():
            counts[(e["norm"], e["label"])] += int(e["count"])
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"norm": n, "label": l, "count": c} for (n, l), c in top]


def story_row(members: List[dict]) -> dict:
    """The stories/ row of one story from its members' slim rows (see `slim`)."""
    members = sorted(members, key=story_key)
    first = members[0]
    titled = [m for m in members if m.get("title")]
    dated = [m for m in members if m.get("published")]
    latest = max(dated, key=lambda m: (_latest_key(m), m["id"])) if dated else None
    days = [m["published_date"] for m in members if m.get("published_date") is not None]
    return {
        "story_id": first["id"],
        "headline": titled[0]["title"] if titled else None,
        "headline_id": titled[0]["id"] if titled else None,
        "first_published": dated[0]["published"] if dated else None,
        "last_published": latest["published"] if latest else None,
        "first_date": min(days) if days else None,
        "last_date": max(days) if days else None,
        "article_count": len(members),
        "run_articles": len(members),
        "copy_groups": len({m.get("dup_group") or m["id"] for m in members}),
        "sites": sorted({m["site"] for m in members if m.get("site")}),
        "languages": sorted({m["language"] for m in members if m.get("language")}),
        "agencies": sorted({a for m in members for a in (m.get("agencies") or ())}),
        "top_entities": entity_totals(members)[:TOP_STORY_ENTITIES],
    }


def continued_row(previous: Optional[dict], story_id: str, members: List[dict]) -> Tuple[dict, List[dict]]:
    """The row of an indexed story that this run's `members` join, and its entity totals: counts add
    up, the story keeps its id and (when it has one) its headline. `previous` is the story's state
    after the last run that touched it (None when the index no longer has it: the row then counts
    this run's articles only). Members whose copy group was already in the story (`indexed_group`)
    add articles, not copy groups."""
    row = {**story_row(members), "story_id": story_id}
    fresh_groups = {m.get("dup_group") or m["id"] for m in members if not m.get("indexed_group")}
    row["copy_groups"] = len(fresh_groups)
    if previous is None:
        return row, entity_totals(members)

    def earliest(a, b):
        return min((v for v in (a, b) if v), key=_instant, default=None)

    def latest(a, b):
        return max((v for v in (a, b) if v), key=_instant, default=None)
    days = [d for d in (previous.get("first_date"), previous.get("last_date"), row["first_date"], row["last_date"])
            if d is not None]
    totals = entity_totals(members, previous.get("entity_counts") or ())
    row.update({
        "headline": previous.get("headline") or row["headline"],
        "headline_id": previous.get("headline_id") if previous.get("headline") else row["headline_id"],
        "first_published": earliest(previous.get("first_published"), row["first_published"]),
        "last_published": latest(previous.get("last_published"), row["last_published"]),
        "first_date": min(days) if days else None,
        "last_date": max(days) if days else None,
        "article_count": int(previous.get("article_count") or 0) + len(members),
        "copy_groups": int(previous.get("copy_groups") or 0) + len(fresh_groups),
        "sites": sorted(set(previous.get("sites") or ()) | set(row["sites"])),
        "languages": sorted(set(previous.get("languages") or ()) | set(row["languages"])),
        "agencies": sorted(set(previous.get("agencies") or ()) | set(row["agencies"])),
        "top_entities": totals[:TOP_STORY_ENTITIES],
    })
    return row, totals


def slim(article: dict) -> dict:
    """What a story row needs of an article."""
    keep = ("id", "title", "published", "published_date", "site", "language", "agencies", "entity_counts",
            "dup_group")
    return {**{k: article.get(k) for k in keep}, "length": len(article.get("text") or "")}


# --- the Beam stage -------------------------------------------------------------------------------------


class _CountDocuments(beam.CombineFn):
    """Document frequencies of hashed terms and names over the run, in one fixed-size array."""

    def create_accumulator(self):
        return DocumentFrequencies.create()

    def add_input(self, acc, hashes):
        return DocumentFrequencies.add(acc, hashes)

    def merge_accumulators(self, accs):
        accs = iter(accs)
        total = next(accs).copy()
        for acc in accs:
            total += acc
        return total

    def extract_output(self, acc):
        return acc


class _Features(beam.DoFn):
    """Representative articles (one per copy group) -> their features; an article whose text yields
    none still gets its story (its own), so nothing is dropped here."""

    def __init__(self):
        self.errors = Metrics.counter("stories", "feature_errors")

    def process(self, article):
        try:
            yield features(article)
        except Exception:  # noqa: BLE001 - a story is extra; the article itself is never lost
            self.errors.inc()


def _weigh(feature: dict, df, window: int):
    t, e = weights(feature["terms"], df), weights(feature["entities"], df)
    member = {"id": feature["id"], "t": t, "e": e, "days": feature["days"]}
    return feature["id"], member, blocking_keys(t, e, feature["days"], window, df)


class _PairBucket(beam.DoFn):
    def __init__(self, window):
        self.window = window
        self.pairs = Metrics.counter("stories", "candidate_pairs")
        self.oversized = Metrics.counter("stories", "oversized_buckets")

    def process(self, bucket):
        key, members = bucket
        members = list(members)
        if len(members) > MAX_BUCKET:
            self.oversized.inc()
        for pair in bucket_pairs(key, members, self.window):
            self.pairs.inc()
            yield pair


def _scored(pair_and_second):
    """(b, {"first": [(a, member a)], "member": [member b]}) -> (a, b, similarity, a dated, b dated)."""
    _, joined = pair_and_second
    for b in joined["member"]:
        for a_id, a in joined["first"]:
            yield a_id, b["id"], similarity(a, b), a["days"] is not None, b["days"] is not None


class _AboveThreshold(beam.DoFn):
    def __init__(self):
        self.edges = Metrics.counter("stories", "edges")

    def process(self, scored):
        if scored[2] >= EDGE_THRESHOLD:
            self.edges.inc()
            yield scored


class _Split(beam.DoFn):
    """(root, members) of one component -> (id, cluster label) by average linkage; for an indexed
    article of an earlier run (tagged "indexed") its cluster and its story instead."""

    INDEXED = "indexed"

    def __init__(self, threshold):
        self.threshold = threshold
        self.oversized = Metrics.counter("stories", "oversized_components")

    def process(self, root_and_members):
        _, members = root_and_members
        members = sorted(members, key=lambda m: ((m["days"] or (1 << 30,))[0], m["id"]))
        if len(members) > MAX_COMPONENT:
            self.oversized.inc()
        stories_of = {m["id"]: m["story_id"] for m in members if "story_id" in m}
        for start in range(0, len(members), MAX_COMPONENT):
            for node, label in split_component(members[start:start + MAX_COMPONENT], self.threshold).items():
                if node in stories_of:
                    if stories_of[node]:
                        yield beam.pvalue.TaggedOutput(self.INDEXED, (label, stories_of[node]))
                else:
                    yield node, label


def _assign(rep_and_joined):
    """(representative, {"label": [cluster], "slim": [slim rows], "group_story": [story]}) -> (cluster,
    (slim row, the story its copy group has in the index or None)) per article."""
    rep, joined = rep_and_joined
    label = joined["label"][0] if joined["label"] else rep
    indexed = (joined.get("group_story") or [None])[0]
    for row in joined["slim"]:
        yield label, (row, indexed)


NEW, CONTINUED = "new ", "continued "


def _decide(label_and_joined):
    """(cluster, {"rows": [(slim row, group's indexed story)], "indexed": [stories of its indexed
    articles]}) -> (story key, slim row): a copy group already in the index keeps its story; the rest
    of a cluster continues the indexed story most of its indexed articles belong to (ties: the
    smallest story_id), or is a new story."""
    label, joined = label_and_joined
    votes = Counter(joined["indexed"])
    story = min(votes, key=lambda v: (-votes[v], v)) if votes else None
    for row, group_story in joined["rows"]:
        if group_story:
            yield CONTINUED + group_story, {**row, "indexed_group": True}
        elif story:
            yield CONTINUED + story, row
        else:
            yield NEW + label, row


class _Story(beam.DoFn):
    """(story key, slim rows) -> ("stories", stories/ row) and (article id, story_id) per member;
    with an index, (story key, {"rows": ..., "previous": [state]}) -> the same, a continued story's
    row adding to its state, and ("groups", (dup_group, story_id)) and ("states", state row) for it."""

    def __init__(self, ingested_at=None):
        self.ingested_at = ingested_at
        self.stories = Metrics.counter("stories", "stories")
        self.multi = Metrics.counter("stories", "stories_with_several_texts")
        self.continued = Metrics.counter("stories", "continued_from_earlier_runs")

    def process(self, key_and_rows):
        from wirebeam.transforms.story_index import state_row
        key, rows = key_and_rows
        if isinstance(rows, dict):
            rows, previous = list(rows["rows"]), (list(rows["previous"]) or [None])[0]
        else:
            rows, previous = list(rows), None
        if not rows:
            return
        if key.startswith(CONTINUED):
            self.continued.inc()
            row, totals = continued_row(previous, key[len(CONTINUED):], rows)
        else:
            row = story_row(rows)
            totals = entity_totals(rows)
        self.stories.inc()
        if row["copy_groups"] > 1:
            self.multi.inc()
        yield beam.pvalue.TaggedOutput("stories", row)
        if self.ingested_at is not None:
            yield beam.pvalue.TaggedOutput("states", state_row({**row, "ingested_at": self.ingested_at}, totals))
            for group in sorted({m.get("dup_group") or m["id"] for m in rows}):
                yield beam.pvalue.TaggedOutput("groups", (group, row["story_id"]))
        for m in rows:
            yield m["id"], row["story_id"]


def _with_story(id_and_joined):
    _, joined = id_and_joined
    story = joined["story"][0] if joined["story"] else None
    for article in joined["article"]:
        yield {**article, "story_id": story}


def _indexed_rows(id_and_joined, window: int, run_id: str):
    """(rep id, {"weighed": [(member, keys)], "story": [story_id]}) -> ("vectors", row) and ("keys", ...)
    for a dated representative: what a later run's articles are matched against."""
    from wirebeam.transforms.story_index import key_rows, vector_row
    _, joined = id_and_joined
    for member, keys in joined["weighed"]:
        if member["days"] is None or not joined["story"]:
            continue
        row = vector_row(member, joined["story"][0], run_id)
        yield beam.pvalue.TaggedOutput("vectors", (bucket_of(row["id_key"]), row))
        # its keys as this run chose them, and also without the "another article has it" filter: a
        # term only this article has today is what tomorrow's report of the same event may share
        unfiltered = blocking_keys(member["t"], member["e"], member["days"], window)
        for bucket_and_keys in key_rows(member, sorted(set(keys) | set(unfiltered))):
            yield beam.pvalue.TaggedOutput("keys", bucket_and_keys)


def _probe_keys(weighed_article) -> List[str]:
    """The keys an article looks up in the index: a dated article its day-bucket keys (an indexed
    article it can link to shares one), an undated one its "u" keys (where it meets dated ones)."""
    _, member, keys = weighed_article
    undated = member["days"] is None
    return [k for k in keys if k.endswith("@u") == undated]


def _with_member_bucketed(id_and_joined):
    """(new id, {"candidate": [indexed id_key], "member": [member]}) -> (bucket, (id_key, member))."""
    _, joined = id_and_joined
    for member in joined["member"]:
        for key in sorted(set(joined["candidate"])):
            yield bucket_of(key), (key, member)


class GroupStories(beam.PTransform):
    """Articles (after MarkDuplicates and TagNamedEntities) -> articles with story_id, plus one
    stories/ row per story: {"articles": ..., "stories": ..., "index": written index buckets or None}.
    With `index` (a story_index.StoryIndex), articles also join the stories of earlier runs and the
    run's story tables are written into the staged index (see transforms/story_index.py)."""

    def __init__(self, window: int = STORY_WINDOW, threshold: float = STORY_THRESHOLD, index=None,
                 ingested_at: Optional[dt.datetime] = None):
        super().__init__()
        self.window, self.threshold, self.index, self.ingested_at = window, threshold, index, ingested_at

    def expand(self, articles):
        window, index = self.window, self.index
        reps = (articles | "Representatives" >> beam.Filter(lambda a: not a.get("is_duplicate"))
                | "Features" >> beam.ParDo(_Features()))
        df = (reps | "HashesOf" >> beam.Map(lambda f: list(f["terms"]) + list(f["entities"]))
              | "DocumentFrequencies" >> beam.CombineGlobally(_CountDocuments()))
        if index is not None:   # weights against the whole indexed history, not this run alone
            df = df | "WithIndexedFrequencies" >> beam.Map(with_indexed_df, index.df_path)
        weighed = reps | "Weigh" >> beam.Map(_weigh, df=beam.pvalue.AsSingleton(df), window=window)
        members = weighed | "Members" >> beam.Map(lambda w: (w[0], w[1]))
        candidates = (
            weighed
            | "BlockingKeys" >> beam.FlatMap(lambda w: [(k, (w[0], w[1]["days"])) for k in w[2]])
            | "GroupBuckets" >> beam.GroupByKey()
            | "PairBuckets" >> beam.ParDo(_PairBucket(window))
            | "UniquePairs" >> beam.Distinct()
        )
        with_first = (
            {"pair": candidates, "member": members} | "JoinFirst" >> beam.CoGroupByKey()
            | "BySecond" >> beam.FlatMap(lambda kv: [(b, (kv[0], m)) for b in kv[1]["pair"] for m in kv[1]["member"]])
        )
        scored = (
            {"first": with_first, "member": members} | "JoinSecond" >> beam.CoGroupByKey()
            | "Score" >> beam.FlatMap(_scored)
            | "Edges" >> beam.ParDo(_AboveThreshold())
        )
        graph_members = members
        if index is not None and index.searching:   # edges to articles of earlier runs, and those articles
            across = (
                {"candidate": weighed | "IndexProbes" >> beam.FlatMap(lambda w: probes(w[0], _probe_keys(w)))
                 | "GroupIndexProbes" >> GroupPerBucket()
                 | "LookupIndexedKeys" >> beam.ParDo(_LookupBands(index.files, STORY_KEYS)),
                 "member": members}
                | "JoinIndexedCandidates" >> beam.CoGroupByKey()
                | "ByIndexedBucket" >> beam.FlatMap(_with_member_bucketed)
                | "GroupIndexedCandidates" >> GroupPerBucket()
                | "VerifyIndexed" >> beam.ParDo(VerifyIndexedStories(index.files, window, EDGE_THRESHOLD, similarity))
                .with_outputs(VerifyIndexedStories.NODES, main="edges")
            )
            scored = (scored, across.edges) | "WithIndexedEdges" >> beam.Flatten()
            graph_members = (members, across[VerifyIndexedStories.NODES]) | "WithIndexedNodes" >> beam.Flatten()
        dated_edges = scored | "BothDated" >> beam.Filter(lambda s: s[3] and s[4]) | "DatedEdge" >> beam.Map(
            lambda s: (s[0], s[1]))
        # An article without a date keeps its one best edge (to a dated article if it has one), so
        # it joins a story but cannot bridge two.
        undated_edges = (
            scored
            | "UndatedEnds" >> beam.FlatMap(lambda s: ([(s[0], (s[4], s[2], s[1]))] if not s[3] else [])
                                            + ([(s[1], (s[3], s[2], s[0]))] if not s[4] else []))
            | "BestEdge" >> beam.CombinePerKey(max)
            | "UndatedEdge" >> beam.Map(lambda kv: tuple(sorted((kv[0], kv[1][2]))))
        )
        edges = (dated_edges, undated_edges) | "AllEdges" >> beam.Flatten()
        roots = edges | "ConnectedComponents" >> ConnectedComponents()
        split = (
            {"root": roots, "member": graph_members} | "JoinRoots" >> beam.CoGroupByKey()
            | "ByRoot" >> beam.FlatMap(lambda kv: [(root, m) for root in kv[1]["root"] for m in kv[1]["member"]])
            | "GroupComponents" >> beam.GroupByKey()
            | "SplitComponents" >> beam.ParDo(_Split(self.threshold)).with_outputs(_Split.INDEXED, main="labels")
        )
        slims = articles | "Slim" >> beam.Map(lambda a: (a.get("dup_group") or a["id"], slim(a)))
        if index is None:
            told = (
                {"label": split.labels, "slim": slims} | "JoinLabels" >> beam.CoGroupByKey()
                | "ByCluster" >> beam.FlatMap(_assign)
                | "RowsOnly" >> beam.MapTuple(lambda label, row_and_story: (NEW + label, row_and_story[0]))
                | "GroupStories" >> beam.GroupByKey()
                | "Stories" >> beam.ParDo(_Story()).with_outputs("stories", main="ids")
            )
        else:
            told = self._stories_with_index(split, slims)
        marked = (
            {"article": articles | "ById" >> beam.Map(lambda a: (a["id"], a)), "story": told.ids}
            | "Join" >> beam.CoGroupByKey()
            | "Mark" >> beam.FlatMap(_with_story)
        )
        written = None if index is None else self._write_index(df, weighed, told)
        return {"articles": marked, "stories": told.stories, "index": written}

    def _stories_with_index(self, split, slims):
        """Clusters -> stories, continuing the indexed stories their articles and copy groups belong to."""
        index = self.index
        group_stories = (
            slims | "GroupsOf" >> beam.Keys() | "DistinctGroups" >> beam.Distinct()
            | "GroupProbes" >> beam.Map(by_key_bucket) | "GroupGroupProbes" >> GroupPerBucket()
            | "LookupGroups" >> beam.ParDo(LookupLatest(index.files, STORY_GROUPS, "group_key", "dup_group"))
            | "GroupStory" >> beam.MapTuple(lambda group, row: (group, row["story_id"]))
        ) if index.searching else slims.pipeline | "NoIndexedGroups" >> beam.Create([])
        decided = (
            {"rows": {"label": split.labels, "slim": slims, "group_story": group_stories}
             | "JoinLabels" >> beam.CoGroupByKey() | "ByCluster" >> beam.FlatMap(_assign),
             "indexed": split[_Split.INDEXED]}
            | "JoinIndexedStories" >> beam.CoGroupByKey()
            | "Decide" >> beam.FlatMap(_decide)
        )
        previous = (
            decided | "StoryKeys" >> beam.Keys() | "DistinctStories" >> beam.Distinct()
            | "Continued" >> beam.Filter(lambda key: key.startswith(CONTINUED))
            | "StateProbes" >> beam.Map(lambda key: by_key_bucket(key[len(CONTINUED):]))
            | "GroupStateProbes" >> GroupPerBucket()
            | "LookupStates" >> beam.ParDo(LookupLatest(index.files, STORY_STATES, "story_key", "story_id"))
            | "ByStoryKey" >> beam.MapTuple(lambda story, row: (CONTINUED + story, row))
        ) if index.searching else slims.pipeline | "NoIndexedStates" >> beam.Create([])
        return (
            {"rows": decided, "previous": previous} | "GroupStories" >> beam.CoGroupByKey()
            | "Stories" >> beam.ParDo(_Story(self.ingested_at)).with_outputs("stories", "groups", "states", main="ids")
        )

    def _write_index(self, df, weighed, told):
        """This run's story tables, staged in the index; returns the buckets written."""
        index, window = self.index, self.window
        root, run_id = index.staging_index, index.run_id
        indexed = (
            {"weighed": weighed | "WeighedById" >> beam.Map(lambda w: (w[0], (w[1], w[2]))), "story": told.ids}
            | "JoinStoryOfRep" >> beam.CoGroupByKey()
            | "IndexedRows" >> beam.FlatMap(_indexed_rows, window, run_id).with_outputs("vectors", "keys")
        )
        tables = {
            STORY_VECTORS: indexed.vectors,
            STORY_KEYS: indexed.keys,
            STORY_GROUPS: told.groups | "GroupRows" >> beam.MapTuple(
                lambda group, story: (bucket_of(id_key(group)),
                                      {"group_key": id_key(group), "dup_group": group, "story_id": story})),
            STORY_STATES: told.states | "StateRows" >> beam.Map(lambda row: (bucket_of(row["story_key"]), row)),
            STORY_DF: df | "FrequencyRows" >> beam.FlatMap(df_rows),
        }
        written = [rows | f"Group_{table}" >> GroupPerBucket()
                   | f"Write_{table}" >> beam.ParDo(_WriteBucket(root, table, run_id))
                   for table, rows in tables.items()]
        return written | "StoryIndexFiles" >> beam.Flatten()
