"""Publication dates: parse whatever metadata says into a validated ISO value and its precision.

Partition folders are built from the result of `parse_published` only, never from raw
metadata, so a value like ``../../x`` can never become a path.
"""
import datetime as dt
import re
from typing import NamedTuple, Optional

MIN_YEAR, MAX_YEAR = 1800, 2200

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


class Published(NamedTuple):
    iso: str                  # 2024-05 | 2024-06-18 | 2024-06-18T09:30:00+02:00
    precision: str            # month | day | time
    day: Optional[dt.date]    # the calendar day when known (precision day or time)

    @property
    def partition(self) -> str:
        """The Hive partition value: the date at its known precision (2024-06-18 or 2024-05)."""
        return self.day.isoformat() if self.day else self.iso[:7]


def _year_ok(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def parse_published(value) -> Optional[Published]:
    """A date, datetime or string (ISO 8601 or RFC 2822) -> Published, or None when not a valid date.

    Month-only values keep month precision; no day is invented.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if not _year_ok(value.year):
            return None
        if value.tzinfo is not None and value.utcoffset() is not None:
            iso = value.replace(microsecond=0).isoformat()
        else:
            iso = value.replace(microsecond=0, tzinfo=None).isoformat()
        return Published(iso, "time", value.date())
    if isinstance(value, dt.date):
        return Published(value.isoformat(), "day", value) if _year_ok(value.year) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    m = _MONTH.match(text)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        if _year_ok(year) and 1 <= month <= 12:
            return Published(f"{year:04d}-{month:02d}", "month", None)
        return None
    if _YEAR.match(text):
        return None  # a bare year is too coarse to partition by; treated as unknown
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        if len(candidate) == 10:
            return parse_published(dt.date.fromisoformat(candidate))
        parsed = dt.datetime.fromisoformat(candidate)
        if parsed.time() == dt.time(0) and parsed.tzinfo is None and "T" not in candidate and " " not in candidate:
            return parse_published(parsed.date())
        return parse_published(parsed)
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime  # RFC 2822, as in RSS pubDate
        return parse_published(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def published_instant(date: Optional[Published]) -> Optional[dt.datetime]:
    """The UTC instant of a publication time stated with its offset; None for a day, a month or a
    time without offset (its instant is not known)."""
    if date is None or date.precision != "time":
        return None
    stamp = dt.datetime.fromisoformat(date.iso)
    return stamp.astimezone(dt.timezone.utc) if stamp.tzinfo is not None else None


def publication_columns(value) -> dict:
    """The article columns of a publication date: published, date_precision, published_date,
    published_at (all None when `value` is no valid date). Every place that sets a row's date goes
    through here."""
    date = parse_published(value)
    return {"published": date.iso if date else None, "date_precision": date.precision if date else None,
            "published_date": date.day if date else None, "published_at": published_instant(date)}
