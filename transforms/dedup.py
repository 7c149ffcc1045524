"""Exact and near-identical copies across a run: MinHash LSH over word shingles.

Signatures per article; (band key -> member) through GroupByKey gives candidate pairs; each pair
is verified from the signatures (estimated Jaccard, and estimated containment of the shorter in the
longer, so a copy with its last paragraph cut still groups); groups are connected components of the
verified edges; the canonical member is the earliest published, then longest, then smallest id.
"""
import datetime as dt
import hashlib
import re
from typing import Dict, Iterable, List, Tuple

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

SHINGLE = 5
NUM_PERM = 128
# 42 bands of 3 rows (126 of the 128 values): a pair becomes a candidate with probability
# 1 - (1 - J**3)**42, i.e. 0.94 at J = 0.4, 0.68 at J = 0.3, 0.04 at J = 0.1. The curve sits below
# the thresholds, so the verification (not the luck of the banding) decides.
BANDS, ROWS = 42, 3
# Estimated Jaccard that makes two texts copies. A wire copy that a subeditor went through (a word
# changed every twenty or so) has a 5-gram Jaccard near 0.5, and the estimate from 128 values has a
# standard error of about 0.045 there: with a threshold of 0.5 (and 32 bands of 4) such a copy in
# tests/data/reprints was found under only about half of 300 random hash seeds, with 0.4 under 98%.
# Different articles on one event stay below 0.01, a text quoting a whole paragraph of another and
# two reports from one template near 0.1.
THRESHOLD = 0.4
CONTAINMENT = 0.8        # or: this much of the shorter text is in the longer one (with J >= 0.2)
# One 64-bit seed per permutation, fixed by name (no RNG stream, no Python hash()): the i-th
# "permutation" of a shingle hash x is fmix64(x XOR seed_i), MurmurHash3's 64-bit finaliser, a
# bijection that mixes every input bit into every output bit, so the minimum over a set behaves like
# the minimum of a random permutation. (An (a*x + b) mod p family with small a, as used before, is
# not min-wise: its minimum is mostly decided by the smallest raw x, and the estimated Jaccard of
# two texts could be off by more than 0.6.)
_SEEDS = np.array([int.from_bytes(hashlib.blake2b(f"wirebeam-minhash-{i}".encode(), digest_size=8).digest(), "little")
                   for i in range(NUM_PERM)], dtype=np.uint64)
_WORD = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> List[str]:
    return _WORD.findall((text or "").casefold())


def exact_key(text: str) -> str:
    return hashlib.sha1(" ".join(tokens(text)).encode("utf-8")).hexdigest()


def shingle_hashes(text: str, k: int = SHINGLE) -> np.ndarray:
    """Distinct 64-bit hashes of the word k-grams of `text` (a shorter text is one shingle)."""
    toks = tokens(text)
    grams = [" ".join(toks[i:i + k]) for i in range(max(1, len(toks) - k + 1))] if toks else []
    return np.unique(np.array([int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
                               for g in grams], dtype=np.uint64))


def _fmix64(k: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser on a uint64 array (multiplications wrap modulo 2**64)."""
    k = k ^ (k >> np.uint64(33))
    k = k * np.uint64(0xFF51AFD7ED558CCD)
    k = k ^ (k >> np.uint64(33))
    k = k * np.uint64(0xC4CEB9FE1A85EC53)
    return k ^ (k >> np.uint64(33))


def minhash(hashes: np.ndarray, seeds: np.ndarray = _SEEDS) -> Tuple[int, ...]:
    """MinHash values of a set of shingle hashes, one per seed (all zero for an empty set)."""
    if hashes.size == 0:
        return tuple([0] * len(seeds))
    with np.errstate(over="ignore"):
        values = _fmix64(hashes[:, None] ^ seeds[None, :])
    return tuple(int(v) for v in values.min(axis=0))


def signature_of(text: str) -> Tuple[Tuple[int, ...], int]:
    """-> (MinHash signature, number of distinct shingles); the same on every machine and process."""
    hashes = shingle_hashes(text)
    return minhash(hashes), int(hashes.size)


def band_keys(signature) -> List[str]:
    return [f"{b}:" + hashlib.blake2b(repr(signature[b * ROWS:(b + 1) * ROWS]).encode(), digest_size=8).hexdigest()
            for b in range(BANDS)]


def is_copy(sig_a, n_a, sig_b, n_b, threshold=THRESHOLD, containment=CONTAINMENT) -> bool:
    if not n_a or not n_b:
        return False
    j = float(np.mean(np.array(sig_a) == np.array(sig_b)))
    if j >= threshold:
        return True
    inter = j * (n_a + n_b) / (1 + j)
    return j >= 0.2 and inter / min(n_a, n_b) >= containment


def _instant(published: str) -> str:
    """A sortable form of a `published` value: times with an offset in UTC (so 08:10+02:00 comes
    before 07:00+00:00), other values as they are (a day or a month then sorts before every time
    within it, as its start)."""
    if "T" not in published:
        return published
    try:
        moment = dt.datetime.fromisoformat(published)
    except ValueError:
        return published
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment.isoformat()


def canonical_key(member: dict):
    """Sort key of a group's members: dated before undated, earliest, longest, smallest id."""
    published = member.get("published")
    return (published is None, _instant(published) if published else "", -member["length"], member["id"])


def components(ids: Iterable[str], edges: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    """id -> smallest id of its connected component (order-independent)."""
    parent = {i: i for i in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: find(i) for i in parent}


class _Candidates(beam.DoFn):
    def __init__(self, threshold):
        self.threshold = threshold

    def process(self, bucket):
        _, members = bucket
        members = sorted(members, key=lambda m: m["id"])
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                Metrics.counter("dedup", "candidate_pairs").inc()
                if a["exact"] == b["exact"] or is_copy(a["sig"], a["n"], b["sig"], b["n"], self.threshold):
                    yield (a["id"], b["id"])


def _assign(_, edges, members):
    members = list(members)
    roots = components([m["id"] for m in members], edges)
    groups = {}
    for m in members:
        groups.setdefault(roots[m["id"]], []).append(m)
    for group in groups.values():
        canonical = min(group, key=canonical_key)["id"]
        for m in group:
            if m["id"] != canonical:
                Metrics.counter("dedup", "duplicates").inc()
            yield m["id"], canonical


class MarkDuplicates(beam.PTransform):
    """Articles -> articles with dup_group and is_duplicate."""

    def __init__(self, threshold: float = THRESHOLD):
        super().__init__()
        self.threshold = threshold

    def expand(self, articles):
        def member(a):
            sig, n = signature_of(a["text"])
            return {"id": a["id"], "published": a.get("published"), "length": len(a["text"]),
                    "exact": exact_key(a["text"]), "sig": sig, "n": n}
        members = articles | "Signature" >> beam.Map(member)
        buckets = (members | "BandKeys" >> beam.FlatMap(
            lambda m: [(k, m) for k in band_keys(m["sig"]) + ["x:" + m["exact"]]])
            | "GroupBuckets" >> beam.GroupByKey())
        edges = (buckets | "VerifyPairs" >> beam.ParDo(_Candidates(self.threshold))
                 | "UniqueEdges" >> beam.Distinct())
        slim = members | "Slim" >> beam.Map(lambda m: {k: m[k] for k in ("id", "published", "length")})
        assigned = (
            edges | "AllEdges" >> beam.combiners.ToList()
            | "Components" >> beam.FlatMap(lambda e, ms: _assign(None, e, ms), ms=beam.pvalue.AsList(slim))
        )
        return (
            {"article": articles | "ById" >> beam.Map(lambda a: (a["id"], a)), "group": assigned}
            | "Join" >> beam.CoGroupByKey()
            | "Mark" >> beam.FlatMap(lambda kv: [{**a, "dup_group": (kv[1]["group"] or [kv[0]])[0],
                                                  "is_duplicate": (kv[1]["group"] or [kv[0]])[0] != kv[0]}
                                                 for a in kv[1]["article"]])
        )
