"""Exact and near-identical copies across a run: MinHash LSH over word shingles.

The flow scales out; no step sees the whole corpus:
1. a signature per article (MinHash of its word 5-grams, an exact-text key);
2. (band key -> members) through GroupByKey gives candidate pairs, verified from the signatures
   (estimated Jaccard, or estimated containment of the shorter in the longer, so a copy with its
   last paragraph cut still groups);
3. groups are connected components of the verified edges, found by a few rounds of min-label
   propagation as Beam joins (`ConnectedComponents`); only edges still unsettled after those
   rounds (a component wider than the rounds reach, rare for copies of one story) meet in one
   place for a final union-find;
4. each group picks its canonical member (the earliest published, then the longest, then the
   smallest id), keyed by group, so one worker sees one group.
Articles in no verified edge are their own group without passing steps 3 and 4.
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
    """The LSH bucket of each band: a hash of its ROWS values (a tuple of ints or their uint64 bytes)."""
    raw = signature if isinstance(signature, bytes) else np.asarray(signature, dtype=np.uint64).tobytes()
    width = ROWS * 8
    return [f"{b}:" + hashlib.blake2b(raw[b * width:(b + 1) * width], digest_size=8).hexdigest()
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


MAX_BUCKET = 2000  # distinct texts in one band bucket paired all with all; larger ones in chunks


def bucket_pairs(key: str, members: List[Tuple[str, str]]) -> Iterable[Tuple[str, str]]:
    """Candidate pairs (a, b), a < b, of one LSH bucket of (id, exact key) members.

    Texts that are identical are joined to the first of them only (the "x:" bucket of their exact
    key connects them all), so thousands of identical texts cost no quadratic work. A bucket with
    more than MAX_BUCKET distinct texts (a band shared by near-empty texts) is paired within
    chunks of that size, in id order.
    """
    members = sorted(set(members))
    if key.startswith("x:"):
        return [(members[0][0], m[0]) for m in members[1:]]
    first_of_text = {}
    for article_id, exact in members:
        first_of_text.setdefault(exact, article_id)
    distinct = sorted(first_of_text.values())
    pairs = []
    for start in range(0, len(distinct), MAX_BUCKET):
        chunk = distinct[start:start + MAX_BUCKET]
        pairs += [(a, b) for i, a in enumerate(chunk) for b in chunk[i + 1:]]
    return pairs


class _PairBucket(beam.DoFn):
    def __init__(self):
        self.pairs = Metrics.counter("dedup", "candidate_pairs")
        self.oversized = Metrics.counter("dedup", "oversized_buckets")

    def process(self, bucket):
        key, members = bucket
        members = list(members)
        if not key.startswith("x:") and len(members) > MAX_BUCKET:
            self.oversized.inc()
        for pair in bucket_pairs(key, members):
            self.pairs.inc()
            yield pair


def _verified(pair_and_second, threshold):
    """(b, {"first": [(a, member a)], "member": [member b]}) -> (a, b) for each pair that is a copy."""
    _, joined = pair_and_second
    for b in joined["member"]:
        for a_id, a in joined["first"]:
            if a["exact"] == b["exact"] or is_copy(np.frombuffer(a["sig"], dtype=np.uint64), a["n"],
                                                   np.frombuffer(b["sig"], dtype=np.uint64), b["n"], threshold):
                yield a_id, b["id"]


class ConnectedComponents(beam.PTransform):
    """Undirected edges (a, b) -> (node, root) for every node in an edge; root = the smallest id of
    its component, whatever the order of edges or elements.

    `rounds` rounds of min-label propagation (each node takes the smallest label among itself and
    its neighbours) settle every component whose nodes are at most `rounds` + 1 hops from its
    smallest id. Edges whose two ends still disagree afterwards are gathered and settled by a
    union-find over their labels; that residue is empty for the cliques and short chains that
    copies of one story form, and small otherwise.
    """

    def __init__(self, rounds: int = 3):
        super().__init__()
        self.rounds = rounds

    def expand(self, edges):
        adjacency = edges | "BothWays" >> beam.FlatMap(lambda e: [(e[0], e[1]), (e[1], e[0])])
        labels = (adjacency | "FirstLabels" >> beam.Map(lambda kv: (kv[0], min(kv)))
                  | "MinFirst" >> beam.CombinePerKey(min))
        for r in range(self.rounds):
            labels = (
                {"adj": adjacency, "label": labels} | f"Join{r}" >> beam.CoGroupByKey()
                | f"Spread{r}" >> beam.FlatMap(_spread_label)
                | f"Min{r}" >> beam.CombinePerKey(min)
            )
        ends = (
            {"edge": edges, "label": labels} | "LabelFirstEnd" >> beam.CoGroupByKey()
            | "ByOtherEnd" >> beam.FlatMap(lambda kv: [(b, kv[1]["label"][0]) for b in kv[1]["edge"]])
        )
        unsettled = (
            {"first": ends, "label": labels} | "LabelOtherEnd" >> beam.CoGroupByKey()
            | "Disagree" >> beam.FlatMap(lambda kv: [(a, kv[1]["label"][0]) for a in kv[1]["first"]
                                                     if a != kv[1]["label"][0]])
        )
        merged = (unsettled | "Residue" >> beam.combiners.ToList()
                  | "SettleResidue" >> beam.FlatMap(lambda pairs: sorted(components(
                      {x for pair in pairs for x in pair}, pairs).items())))
        return labels | "FinalRoots" >> beam.Map(
            lambda kv, settled: (kv[0], settled.get(kv[1], kv[1])), settled=beam.pvalue.AsDict(merged))


def _spread_label(node_and_joined):
    """One node's label goes to itself and to each neighbour."""
    node, joined = node_and_joined
    label = min(joined["label"])
    yield node, label
    for neighbour in joined["adj"]:
        yield neighbour, label


def _canonical_of_group(root_and_members):
    """(root, members) -> (id, canonical id) for each member of one group."""
    _, members = root_and_members
    members = list(members)
    canonical = min(members, key=canonical_key)["id"]
    for m in members:
        if m["id"] != canonical:
            Metrics.counter("dedup", "duplicates").inc()
        yield m["id"], canonical


def _mark(id_and_joined):
    article_id, joined = id_and_joined
    group = joined["group"][0] if joined["group"] else article_id
    for article in joined["article"]:
        yield {**article, "dup_group": group, "is_duplicate": group != article_id}


class MarkDuplicates(beam.PTransform):
    """Articles -> articles with dup_group and is_duplicate."""

    def __init__(self, threshold: float = THRESHOLD, rounds: int = 3):
        super().__init__()
        self.threshold, self.rounds = threshold, rounds

    def expand(self, articles):
        return self.mark(articles, signatures(articles))

    def mark(self, articles, members):
        """The flow on `members`, the (id, member) pairs of `signatures(articles)`: a caller that needs
        the signatures as well (the copy index) computes them once."""
        candidates = (
            members
            | "BandKeys" >> beam.FlatMap(lambda kv: [(k, (kv[0], kv[1]["exact"]))
                                                     for k in band_keys(kv[1]["sig"]) + ["x:" + kv[1]["exact"]]])
            | "GroupBuckets" >> beam.GroupByKey()
            | "PairBuckets" >> beam.ParDo(_PairBucket())
            | "UniquePairs" >> beam.Distinct()
        )
        # Signatures travel once per candidate pair, not once per band: join them on each end.
        with_first = (
            {"pair": candidates, "member": members} | "JoinFirst" >> beam.CoGroupByKey()
            | "BySecond" >> beam.FlatMap(lambda kv: [(b, (kv[0], m)) for b in kv[1]["pair"] for m in kv[1]["member"]])
        )
        edges = (
            {"first": with_first, "member": members} | "JoinSecond" >> beam.CoGroupByKey()
            | "Verify" >> beam.FlatMap(_verified, self.threshold)
        )
        roots = edges | "ConnectedComponents" >> ConnectedComponents(self.rounds)
        slim = members | "Slim" >> beam.Map(lambda kv: (kv[0], {k: kv[1][k] for k in ("id", "published", "length")}))
        groups = (
            {"root": roots, "member": slim} | "JoinRoots" >> beam.CoGroupByKey()
            | "ByRoot" >> beam.FlatMap(lambda kv: [(root, m) for root in kv[1]["root"] for m in kv[1]["member"]])
            | "GroupMembers" >> beam.GroupByKey()
            | "Canonical" >> beam.FlatMap(_canonical_of_group)
        )
        return (
            {"article": articles | "ById" >> beam.Map(lambda a: (a["id"], a)), "group": groups}
            | "Join" >> beam.CoGroupByKey()
            | "Mark" >> beam.FlatMap(_mark)
        )


def signatures(articles):
    """Articles -> (id, member): what dedup needs of each, keyed by id."""
    return articles | "Signature" >> beam.Map(_member) | "KeyById" >> beam.Map(lambda m: (m["id"], m))


def _member(article: dict) -> dict:
    """What dedup needs of an article; the signature as 1 KiB of bytes, not 128 Python ints."""
    sig, n = signature_of(article["text"])
    return {"id": article["id"], "published": article.get("published"), "length": len(article["text"]),
            "exact": exact_key(article["text"]), "sig": np.array(sig, dtype=np.uint64).tobytes(), "n": n}
