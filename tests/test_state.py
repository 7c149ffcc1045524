"""The feed state kept between runs: conditional-GET validators and ingested item keys."""
import json

import pytest

from wirebeam.transforms.feeds.state import STATE_FILE, FeedState, load_state, save_state

FEED = "https://hafenkurier.example/feed.xml"


def test_first_run_has_no_state_and_sends_no_conditions(tmp_path):
    state = load_state(str(tmp_path / "state"))
    assert state == FeedState() and state.conditional_headers(FEED) == {}
    assert load_state(None) == FeedState()


def test_state_round_trips_and_grows_run_by_run(tmp_path):
    folder = str(tmp_path / "state")
    first = FeedState().updated({FEED: {"etag": '"v1"', "last_modified": "Fri, 14 Mar 2025 07:30:00 GMT"}},
                                ["guid-1", "guid-2"])
    save_state(folder, first)
    again = load_state(folder)
    assert again == first
    assert again.conditional_headers(FEED) == {"If-None-Match": '"v1"',
                                               "If-Modified-Since": "Fri, 14 Mar 2025 07:30:00 GMT"}
    second = again.updated({FEED: {"etag": '"v2"'}}, ["guid-3", "guid-1"])
    save_state(folder, second)
    assert load_state(folder).seen == {"guid-1", "guid-2", "guid-3"}
    assert load_state(folder).conditional_headers(FEED) == {"If-None-Match": '"v2"'}
    # nothing but the state file is left behind (the temporary file was renamed over it)
    assert [p.name for p in (tmp_path / "state").iterdir()] == [STATE_FILE]


def test_a_state_file_of_another_format_is_refused_with_advice(tmp_path):
    (tmp_path / STATE_FILE).write_text(json.dumps({"format": 99}))
    with pytest.raises(ValueError, match="move it away"):
        load_state(str(tmp_path))
