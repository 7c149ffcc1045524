"""The driver's part of a feed run: the list of feeds, the fetch policy from the options, and the
state loaded before the run and saved (atomically, by pipeline.state) after its output is committed."""
import json
from typing import List, Optional

from apache_beam.io.filesystems import FileSystems

from wirebeam.pipeline.state import FeedState, load_state, save_state
from wirebeam.transforms.feed_input import feed_location, feeds_file_urls
from wirebeam.transforms.feed_items import STATE_UPDATE
from wirebeam.transforms.fetch import FetchPolicy, user_agent


def feed_list(opts, usage_error) -> List[str]:
    """--feed and --feeds-file entries, local paths made absolute (transforms.feed_input.feed_location)."""
    feeds = list(opts.feed or [])
    for path in opts.feeds_file or []:
        try:
            feeds.extend(feeds_file_urls(path))
        except Exception as exc:
            raise usage_error(f"cannot read --feeds-file {path}: {exc}")
    for name in ("host_delay", "fetch_timeout"):
        if getattr(opts, name) < 0:
            raise usage_error(f"--{name.replace('_', '-')} must be 0 or more")
    if opts.max_items_per_feed <= 0 or opts.max_fetch_bytes <= 0:
        raise usage_error("--max-items-per-feed and --max-fetch-bytes must be positive")
    return sorted({feed_location(feed) for feed in feeds})


def policy(opts) -> FetchPolicy:
    timeout = opts.fetch_timeout
    return FetchPolicy(connect_timeout=timeout, read_timeout=timeout, deadline=3 * timeout,
                       max_bytes=opts.max_fetch_bytes, max_decoded_bytes=4 * opts.max_fetch_bytes,
                       allow_hosts=frozenset(opts.allow_host or ()), user_agent=user_agent(opts.contact))


def load(opts) -> FeedState:
    return load_state(opts.state)


def read_update(staging: str) -> Optional[dict]:
    path = FileSystems.join(staging, STATE_UPDATE)
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path) as handle:
        return json.loads(handle.read().decode("utf-8"))


def save(opts, state: FeedState, update: Optional[dict]) -> None:
    if not opts.state or update is None:
        return
    save_state(opts.state, state.updated(update["validators"], update["ingested"]))
