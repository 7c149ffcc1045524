import datetime as dt

import pytest

from wirebeam.transforms.dates import parse_published


@pytest.mark.parametrize("value,iso,precision,partition", [
    ("2024-05", "2024-05", "month", "2024-05"),
    ("2024-06-18", "2024-06-18", "day", "2024-06-18"),
    ("2024-06-18T09:30:00+02:00", "2024-06-18T09:30:00+02:00", "time", "2024-06-18"),
    ("2024-06-18T09:30:00Z", "2024-06-18T09:30:00+00:00", "time", "2024-06-18"),
    ("Tue, 18 Jun 2024 10:00:00 GMT", "2024-06-18T10:00:00+00:00", "time", "2024-06-18"),
    (dt.date(2025, 3, 14), "2025-03-14", "day", "2025-03-14"),
])
def test_valid_dates_keep_their_precision(value, iso, precision, partition):
    parsed = parse_published(value)
    assert (parsed.iso, parsed.precision, parsed.partition) == (iso, precision, partition)


def test_month_only_date_invents_no_day():
    parsed = parse_published("2024-05")
    assert parsed.day is None and parsed.partition == "2024-05"


@pytest.mark.parametrize("value", ["../../x", "2024-13", "2024-02-30", "1200-01-01", "2024", "", None, 42,
                                   "date=2024-01-01/../..", "2024-05-01/../../etc", "x" * 100])
def test_invalid_dates_are_none(value):
    assert parse_published(value) is None
