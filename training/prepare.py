"""Turn the shared CoNLL-style NER TSVs into spaCy DocBins for training, model selection and evaluation.

    python training/prepare.py --data ../shared/data/ner --out training/corpus

Writes, for German (de_*) and English (en_*):

    de_train.spacy  GermEval dev sentences 401-2200, GermEval test sentences with odd (0-based) index,
                    SmartData train+test, Europeana lft/onb/sbb
    de_sel.spacy    GermEval dev sentences 1-400 (model selection, spaCy's "dev" corpus)
    de_eval.spacy   GermEval test sentences with even (0-based) index (held out, never trained or selected on)
    en_train.spacy  BTC a,b,e,f,g,h + WNUT17 train + WikiGold sentences 1-1400
    en_sel.spacy    WNUT17 dev (model selection)
    en_eval.spacy   WikiGold sentences 1401-end (held out)

Training docs hold up to --doc-sents consecutive sentences (context for the tagger); selection and
evaluation docs are one sentence each. Sources without a MISC class can have MISC-like tokens marked
as *missing* instead of O (--mask-misc), so they do not teach "not an entity" for names GermEval calls MISC.
Everything is deterministic: same files in, same DocBins out.
"""
import argparse
import json
import pathlib
import re
import sys
from typing import Iterable, Iterator, List, Optional, Sequence, Set, Tuple

Sentence = List[Tuple[str, str]]          # [(token, BIO tag), ...]

CLOSERS = set(",.;:!?)]}%»“")
OPENERS = set("([{„«")
LABELS = ("PER", "LOC", "ORG", "MISC")


def read_conll(path) -> Iterator[Sentence]:
    """Sentences of a `token<TAB>tag` file; blank lines separate sentences."""
    current: Sentence = []
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if not line.strip():
                if current:
                    yield current
                    current = []
                continue
            token, _, tag = line.rpartition("\t")
            if not token:           # a line without a tab: the token is the whole line, untagged
                token, tag = line, "O"
            current.append((token, tag or "O"))
    if current:
        yield current


def clean_tags(tags: Sequence[str]) -> List[str]:
    """BIO over PER/LOC/ORG/MISC only; unknown labels become O, an I- that continues nothing becomes B-."""
    out: List[str] = []
    for tag in tags:
        prefix, _, label = tag.partition("-")
        if tag == "O" or label not in LABELS or prefix not in ("B", "I"):
            out.append("O")
            continue
        if prefix == "I" and (not out or out[-1] == "O" or out[-1][2:] != label):
            prefix = "B"
        out.append(f"{prefix}-{label}")
    return out


def spacing(words: Sequence[str]) -> List[bool]:
    """Whether each token is followed by a space, guessed the way German/English print punctuation."""
    spaces = []
    for i, word in enumerate(words):
        if i + 1 == len(words):
            spaces.append(False)
            continue
        nxt = words[i + 1]
        spaces.append(not (nxt in CLOSERS or word in OPENERS))
    return spaces


def pick(sentences: Iterable[Sentence], rule: Optional[str]) -> List[Sentence]:
    """Select sentences by their 0-based index: None (all), 'even', 'odd', 'first:N', 'from:N'."""
    sentences = list(sentences)
    if rule is None:
        return sentences
    if rule == "even":
        return sentences[0::2]
    if rule == "odd":
        return sentences[1::2]
    kind, _, n = rule.partition(":")
    if kind == "first":
        return sentences[:int(n)]
    if kind == "from":
        return sentences[int(n):]
    raise ValueError(f"unknown selection rule {rule!r}")


def training_tokens(data: pathlib.Path, plan: dict) -> Iterator[Tuple[str, str]]:
    """(token, cleaned BIO tag) of every token of the plan's training part, the one source of the
    word lists (common words, nouns, gazetteer filters) so they never see selection or eval text."""
    for rel, rule, _ in plan["train"]:
        for sent in pick(read_conll(data / rel), rule):
            yield from zip((token for token, _ in sent), clean_tags([g for _, g in sent]))


def misc_lexicon(sentences: Iterable[Sentence]) -> Set[str]:
    """Tokens that are part of a MISC mention in sentences that have a MISC class (e.g. GermEval)."""
    words = set()
    for sent in sentences:
        for (token, tag) in zip([t for t, _ in sent], clean_tags([g for _, g in sent])):
            if tag.endswith("-MISC") and token[:1].isupper() and len(token) > 1:
                words.add(token)
    return words


def mask_tags(words: Sequence[str], tags: Sequence[str], lexicon: Set[str]) -> List[Optional[str]]:
    """O tags of tokens in `lexicon` become None (missing): the source cannot vouch that they are not MISC."""
    return [None if tag == "O" and word in lexicon else tag for word, tag in zip(words, tags)]


def make_doc(vocab, sentences: Sequence[Sentence], lexicon: Optional[Set[str]] = None):
    """A spaCy Doc of consecutive sentences with gold entities (and missing tags where masked)."""
    from spacy.tokens import Doc
    words: List[str] = []
    tags: List[Optional[str]] = []
    spaces: List[bool] = []
    starts: List[bool] = []
    for sent in sentences:
        w = [t for t, _ in sent]
        t = clean_tags([g for _, g in sent])
        if lexicon:
            t = mask_tags(w, t, lexicon)
        words += w
        tags += t
        spaces += spacing(w)
        if spaces:
            spaces[-1] = True
        starts += [True] + [False] * (len(w) - 1)
    if spaces:
        spaces[-1] = False
    # an entity that starts after a masked token must start with B-
    fixed: List[Optional[str]] = []
    for tag in tags:
        if tag and tag.startswith("I-") and (not fixed or fixed[-1] is None or fixed[-1] == "O"):
            tag = "B-" + tag[2:]
        fixed.append(tag)
    doc = Doc(vocab, words=words, spaces=spaces, ents=[t if t is not None else "" for t in fixed],
              sent_starts=starts)
    return doc


def substitute(sent: Sentence, pools: dict, rng) -> Sentence:
    """A copy of `sent` with each PER/LOC mention replaced by a random name of the same label from
    `pools` (label -> pools -> token lists; a pool is picked first, then a name in it): teaches the
    tagger names the corpus never shows."""
    out: Sentence = []
    tags = clean_tags([g for _, g in sent])
    i = 0
    while i < len(sent):
        label = tags[i][2:]
        if tags[i].startswith("B-") and label in pools:
            j = i + 1
            while j < len(sent) and tags[j] == f"I-{label}":
                j += 1
            pool = pools[label][rng.randrange(len(pools[label]))]   # one of the label's pools, then a name
            name = pool[rng.randrange(len(pool))]
            out += [(w, ("B-" if k == 0 else "I-") + label) for k, w in enumerate(name)]
            i = j
            continue
        out.append((sent[i][0], tags[i]))
        i += 1
    return out


def name_pools(train_sentences: Iterable[Sentence], places: Sequence[str]) -> dict:
    """PER: the person names of the training part; LOC: its place names, and (as often) the gazetteer's."""
    seen = {"PER": set(), "LOC": set()}
    for sent in train_sentences:
        tags = clean_tags([g for _, g in sent]) + ["O"]
        current, label = [], None
        for (token, _), tag in zip(sent + [("", "O")], tags):
            if label and tag == f"I-{label}":
                current.append(token)
                continue
            if label in seen:
                seen[label].add(tuple(current))
            current, label = ([token], tag[2:]) if tag.startswith("B-") else ([], None)
    pools = {"PER": [sorted(seen["PER"])], "LOC": [sorted(seen["LOC"])]}
    if places:
        pools["LOC"].append(sorted(tuple(p.split()) for p in set(places)))
    return pools


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# (file relative to --data, selection rule, has MISC annotation)
GERMAN = {
    "train": [("germeval2014/dev.tsv", "from:400", True), ("germeval2014/test.tsv", "odd", True),
              ("smartdata_de/train.tsv", None, False), ("smartdata_de/test.tsv", None, False),
              ("europeana_de/enp_DE.lft.tsv", None, False), ("europeana_de/enp_DE.onb.tsv", None, False),
              ("europeana_de/enp_DE.sbb.tsv", None, False)],
    "sel": [("germeval2014/dev.tsv", "first:400", True)],
    "eval": [("germeval2014/test.tsv", "even", True)],
}
ENGLISH = {
    "train": [*[(f"btc_en/btc_{s}.tsv", None, False) for s in "abefgh"],
              ("wnut17_en/train.tsv", None, True), ("wikigold_en/wikigold.tsv", "first:1400", True)],
    "sel": [("wnut17_en/dev.tsv", None, True)],
    "eval": [("wikigold_en/wikigold.tsv", "from:1400", True)],
}


def build(data: pathlib.Path, out: pathlib.Path, lang: str, plan: dict, doc_sents: int, in_domain_copies: int,
          mask_misc: bool, augment: int = 0, places: Sequence[str] = ()) -> dict:
    import random

    import spacy
    from spacy.tokens import DocBin
    nlp = spacy.blank(lang)
    rng = random.Random(0)
    lexicon: Set[str] = set()
    if mask_misc:
        for rel, rule, has_misc in plan["train"]:
            if has_misc:
                lexicon |= misc_lexicon(pick(read_conll(data / rel), rule))
    stats = {}
    for part, sources in plan.items():
        bin_ = DocBin(attrs=["ENT_IOB", "ENT_TYPE", "SENT_START"], store_user_data=False)
        n_sents = n_docs = n_ents = 0
        for rel, rule, has_misc in sources:
            sents = pick(read_conll(data / rel), rule)
            size = doc_sents if part == "train" else 1
            copies = in_domain_copies if (part == "train" and has_misc and lang == "de") else 1
            variants = [sents] * copies
            if part == "train" and has_misc and augment:
                pools = name_pools(sents, places)
                variants += [[substitute(s, pools, rng) for s in sents] for _ in range(augment)]
            for variant in variants:
                for group in chunks(variant, size):
                    doc = make_doc(nlp.vocab, group, None if has_misc or not mask_misc else lexicon)
                    bin_.add(doc)
                    n_docs += 1
                    n_ents += len(doc.ents)
            n_sents += len(sents) * len(variants)
        path = out / f"{lang}_{part}.spacy"
        bin_.to_disk(path)
        stats[part] = {"sentences": n_sents, "docs": n_docs, "entities": n_ents}
        print(f"{path}: {n_docs} docs, {n_sents} sentences, {n_ents} entities", file=sys.stderr)
    stats["masked_misc_lexicon"] = len(lexicon)
    return stats


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/ner", type=pathlib.Path)
    ap.add_argument("--out", default="training/corpus", type=pathlib.Path)
    ap.add_argument("--lang", choices=["de", "en", "all"], default="all")
    ap.add_argument("--doc-sents", type=int, default=10, help="sentences per training doc (default 10)")
    ap.add_argument("--in-domain-copies", type=int, default=2,
                    help="German: times the GermEval training part is repeated (default 2)")
    ap.add_argument("--mask-misc", action="store_true",
                    help="sources without MISC: O tokens seen inside GermEval/WikiGold MISC mentions -> missing")
    ap.add_argument("--augment", type=int, default=0,
                    help="extra copies of the sources with MISC (GermEval, WikiGold, WNUT) whose PER/LOC mentions "
                         "are swapped for other names (LOC from --places)")
    ap.add_argument("--places", type=pathlib.Path, help="gazetteer JSONL (training/gazetteer.py) for --augment")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    places = []
    if args.places:
        places = [json.loads(line)["pattern"] for line in args.places.read_text(encoding="utf-8").splitlines()]
    stats = {}
    for lang, plan in (("de", GERMAN), ("en", ENGLISH)):
        if args.lang in (lang, "all"):
            stats[lang] = build(args.data, args.out, lang, plan, args.doc_sents, args.in_domain_copies, args.mask_misc,
                                args.augment, places)
    (args.out / "stats.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, **stats},
                                                    indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
