"""Feed items that share a key (guid, else link): one row each key, the others counted, never lost.

An item's article id is a hash of its key (`pages.item_source`), so two items with one key would
be two rows with one id, or one would silently vanish. Feeds do repeat keys: a feed that gives
every item the same guid, the same story listed twice, one wire story in two feeds, the same guid
behind links on two hosts. The first item of a key is kept (within a feed in feed order, across
feeds the one of the first feed URL, so every runner keeps the same one); each other one is a
counted skip: `feeds.repeated_item` counts them all and `feeds.repeated_key.<key>` says how many
each key lost, both in run.json's metrics.
"""
from typing import Iterable, List, Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from wirebeam.transforms.feeds.parse import FeedItem

REPEATED = "repeated_item"
KEY_IN_NAME = 300   # characters of a key kept in its counter's name (metric names should stay short)


def count_repeat(key: str, n: int = 1) -> None:
    """Count `n` items skipped because an earlier item had `key`."""
    if n:
        Metrics.counter("feeds", REPEATED).inc(n)
        Metrics.counter("feeds", f"repeated_key.{key[:KEY_IN_NAME]}").inc(n)


def item_order(item: FeedItem) -> tuple:
    """A total order of items that does not depend on the runner: feed first, then content."""
    return tuple("" if v is None else v for v in (item.feed_url, item.link, item.title, item.published,
                                                 item.content, item.summary, item.guid))


def first_of_key(items: Iterable[FeedItem]) -> Tuple[FeedItem, List[FeedItem]]:
    """(the item kept, the repeats) among items of one key."""
    ordered = sorted(items, key=item_order)
    return ordered[0], ordered[1:]


class OneItemPerKey(beam.PTransform):
    """Items -> one item per key, across all feeds of the run; the others are counted skips."""

    def expand(self, items):
        def keep_first(keyed):
            key, group = keyed
            kept, repeats = first_of_key(group)
            count_repeat(key, len(repeats))
            return kept

        return (items
                | "ByKey" >> beam.Map(lambda item: (item.key, item))
                | "GroupByKey" >> beam.GroupByKey()
                | "KeepFirst" >> beam.Map(keep_first))
