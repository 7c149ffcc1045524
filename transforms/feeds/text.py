"""A feed's own HTML (content:encoded, atom:content, description) -> plain text.

feedparser hands item content and summaries over as (sanitised) HTML: tags and character
references such as `&nbsp;` are still in it. Block elements become paragraph breaks (paragraphs
are joined by a blank line, like extracted pages), other tags a space, references their characters.
Some feeds escape their HTML twice (`&amp;nbsp;` in the XML): what is left of a reference after one
pass is resolved once more, since no news text means a literal "&nbsp;".
"""
import html
import re
from typing import Optional

_DROPPED = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_BLOCK = re.compile(r"<\s*/?\s*(?:p|br|div|li|ul|ol|h[1-6]|blockquote|tr|table|section|article|figure|hr)\b[^>]*>",
                    re.I)
_TAG = re.compile(r"<[^>]*>")
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def feed_text(markup: Optional[str]) -> str:
    """Plain text of a feed field's HTML: paragraphs split by a blank line, no tags, no references."""
    if not markup:
        return ""
    text = _DROPPED.sub(" ", markup)
    text = _TAG.sub(" ", _BLOCK.sub("\n", text))
    text = html.unescape(text)
    if _REFERENCE.search(text):  # escaped twice
        text = _TAG.sub(" ", _BLOCK.sub("\n", html.unescape(text)))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n\n".join(line for line in lines if line)


def feed_line(markup: Optional[str]) -> Optional[str]:
    """A one-line field (an item's title) the same way, on one line; None when nothing is left."""
    text = " ".join(feed_text(markup).split())
    return text or None
