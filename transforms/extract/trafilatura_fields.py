"""The few fields wirebeam takes from trafilatura's metadata, without the rest of its metadata pass.

wirebeam reads the headline, the authors and the publication time with its own code (`metadata`).
From trafilatura it keeps only: the title (the headline the cleanup removes from the top of the
text, and the last title fallback), htmldate's day, the page's URL, the site name and, where no
other source names anyone, trafilatura's author guess. `bare_extraction(with_metadata=True)` also
collects categories, tags and a licence, and searches a copy of the whole page for an author on
every page: 20% of wirebeam's extraction time, more than half of it for fields nobody reads
(py-spy on the shared extraction benchmark, docs/benchmarks.md).

`trafilatura_fields` does the steps of trafilatura's `extract_metadata` that give the kept fields,
in its order and with its cleaning, so they come out as before; `htmldate_day` (its date) and
`author_guess` (its author search) run only when asked. None of them changes the tree.
"""
from html import unescape
from typing import Optional

from htmldate import find_date
from trafilatura.metadata import (META_URL, examine_meta, extract_author, extract_meta_json, extract_sitename,
                                  extract_title, extract_url)
from trafilatura.utils import line_processing

_MAX_CHARS = 10000   # trafilatura's Document.clean_and_trim cuts a field this long


def _trimmed(value):
    """A field as trafilatura's `Document.clean_and_trim` leaves it."""
    if not isinstance(value, str):
        return value
    if len(value) > _MAX_CHARS:
        value = value[:_MAX_CHARS - 1] + "\u2026"
    return line_processing(unescape(value))


def trafilatura_fields(tree, url: Optional[str]) -> dict:
    """title, author (from meta tags and JSON-LD only), url and sitename as trafilatura's
    `extract_metadata(tree, url)` gives them; `author` is None where trafilatura would go on to
    search the page (`author_guess`), and the day is `htmldate_day`'s."""
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # trafilatura logs and goes on without JSON-LD here too
        pass
    if not meta.title:
        meta.title = extract_title(tree)
    if not meta.url:
        meta.url = extract_url(tree, url)
    sitename = meta.sitename or extract_sitename(tree)
    if sitename:
        sitename = sitename.lstrip("@")
        if sitename and "." not in sitename and not sitename[0].isupper():
            sitename = sitename.title()
    elif meta.url and (match := META_URL.match(meta.url)):
        sitename = match[1]
    return {"title": _trimmed(meta.title), "author": _trimmed(meta.author), "url": _trimmed(meta.url),
            "sitename": _trimmed(sitename)}


def htmldate_day(tree, url: Optional[str], date_params: dict) -> Optional[str]:
    """htmldate's date of the page as trafilatura's metadata gives it; `url` is the page's URL
    from `trafilatura_fields`. A third of the cost of these fields, and needed only where the page
    states no publication time with an offset (`metadata.publication_time`)."""
    return _trimmed(find_date(tree, **{**date_params, "url": url}))


def author_guess(tree) -> Optional[str]:
    """trafilatura's author search over the page's elements (a copy of the tree is pruned)."""
    return _trimmed(extract_author(tree))
