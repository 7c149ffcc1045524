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
# page on a second pass (7,554 distinct words cached).
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


def story_row(members: List[dict]) -> dict:
    """The stories/ row of one story from its members' slim rows (see `slim`)."""
    members = sorted(members, key=story_key)
    first = members[0]
    titled = [m for m in members if m.get("title")]
    dated = [m for m in members if m.get("published")]
    latest = max(dated, key=lambda m: (_latest_key(m), m["id"])) if dated else None
    days = [m["published_date"] for m in members if m.get("published_date") is not None]
    counts = Counter()
    for m in members:
        for e in m.get("entity_counts") or ():
            counts[(e["norm"], e["label"])] += int(e["count"])
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_STORY_ENTITIES]
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
        "top_entities": [{"norm": n, "label": l, "count": c} for (n, l), c in top],
    }


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
    """(root, members) of one component -> (id, cluster label) by average linkage."""

    def __init__(self, threshold):
        self.threshold = threshold
        self.oversized = Metrics.counter("stories", "oversized_components")

    def process(self, root_and_members):
        _, members = root_and_members
        members = sorted(members, key=lambda m: ((m["days"] or (1 << 30,))[0], m["id"]))
        if len(members) > MAX_COMPONENT:
            self.oversized.inc()
        for start in range(0, len(members), MAX_COMPONENT):
            yield from split_component(members[start:start + MAX_COMPONENT], self.threshold).items()


def _assign(rep_and_joined):
    """(representative, {"label": [cluster], "slim": [slim rows]}) -> (cluster, slim row) per article."""
    rep, joined = rep_and_joined
    label = joined["label"][0] if joined["label"] else rep
    for row in joined["slim"]:
        yield label, row


class _Story(beam.DoFn):
    """(cluster, slim rows) -> ("story", stories/ row) and (article id, story_id) per member."""

    def __init__(self):
        self.stories = Metrics.counter("stories", "stories")
        self.multi = Metrics.counter("stories", "stories_with_several_texts")

    def process(self, cluster_and_rows):
        _, rows = cluster_and_rows
        row = story_row(list(rows))
        self.stories.inc()
        if row["copy_groups"] > 1:
            self.multi.inc()
        yield beam.pvalue.TaggedOutput("stories", row)
        for m in rows:
            yield m["id"], row["story_id"]


def _with_story(id_and_joined):
    _, joined = id_and_joined
    story = joined["story"][0] if joined["story"] else None
    for article in joined["article"]:
        yield {**article, "story_id": story}


class GroupStories(beam.PTransform):
    """Articles (after MarkDuplicates and TagNamedEntities) -> articles with story_id, plus one
    stories/ row per story: {"articles": ..., "stories": ...}."""

    def __init__(self, window: int = STORY_WINDOW, threshold: float = STORY_THRESHOLD):
        super().__init__()
        self.window, self.threshold = window, threshold

    def expand(self, articles):
        window = self.window
        reps = (articles | "Representatives" >> beam.Filter(lambda a: not a.get("is_duplicate"))
                | "Features" >> beam.ParDo(_Features()))
        df = (reps | "HashesOf" >> beam.Map(lambda f: list(f["terms"]) + list(f["entities"]))
              | "DocumentFrequencies" >> beam.CombineGlobally(_CountDocuments()))
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
        labels = (
            {"root": roots, "member": members} | "JoinRoots" >> beam.CoGroupByKey()
            | "ByRoot" >> beam.FlatMap(lambda kv: [(root, m) for root in kv[1]["root"] for m in kv[1]["member"]])
            | "GroupComponents" >> beam.GroupByKey()
            | "SplitComponents" >> beam.ParDo(_Split(self.threshold))
        )
        slims = articles | "Slim" >> beam.Map(lambda a: (a.get("dup_group") or a["id"], slim(a)))
        told = (
            {"label": labels, "slim": slims} | "JoinLabels" >> beam.CoGroupByKey()
            | "ByCluster" >> beam.FlatMap(_assign)
            | "GroupStories" >> beam.GroupByKey()
            | "Stories" >> beam.ParDo(_Story()).with_outputs("stories", main="ids")
        )
        marked = (
            {"article": articles | "ById" >> beam.Map(lambda a: (a["id"], a)), "story": told.ids}
            | "Join" >> beam.CoGroupByKey()
            | "Mark" >> beam.FlatMap(_with_story)
        )
        return {"articles": marked, "stories": told.stories}

