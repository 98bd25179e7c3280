"""Find a cited passage in a page's text, whatever the line breaks, spaces, hyphenation, case and accents.

A citation names its passage by its first and last words (as a text fragment does: `start,end`); the reader
finds them in the page as registre stored it, so the highlight holds even when the PDF broke a line inside a
word ("déve-\\nloppement") or the extract was joined with single spaces.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# A passage longer than this many words is named by its first and last EDGE_WORDS words.
EDGE_WORDS = 8
# How far after its start the end of a passage may be, in compared characters: a few sentences.
MAX_SPAN = 3000
# Letters that compatibility decomposition leaves whole.
_LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss"}
_ELLIPSIS = "…"
_CLOSING = ".,;:!?»)]\"'’"


@dataclass(frozen=True)
class Span:
    start: int  # offsets in the text searched
    end: int


def edges(passage: str) -> tuple[str, str]:
    """The words that name a passage in a link: all of it when short, else its first and last words."""
    words = passage.replace(_ELLIPSIS, " ").split()
    if len(words) <= 2 * EDGE_WORDS:
        return " ".join(words), ""
    return " ".join(words[:EDGE_WORDS]), " ".join(words[-EDGE_WORDS:])


def locate(text: str, start: str, end: str = "") -> Span | None:
    """Where the passage opening with `start` (and closing with `end`, when given) stands in text, or None.

    The first place where both are found, in order and near each other, wins; else the first `start`; else,
    when the start was not found, the `end` alone.
    """
    folded, where = _folded(text)
    head, tail = _folded(start)[0], _folded(end)[0]
    if not head and not tail:
        return None
    first = None
    at = folded.find(head) if head else -1
    while at >= 0:
        head_end = at + len(head)
        if not tail:
            return _span(text, where, at, head_end)
        close = folded.find(tail, at, head_end + MAX_SPAN + len(tail))
        if close >= 0:
            return _span(text, where, at, max(close + len(tail), head_end))
        first = first or (at, head_end)
        at = folded.find(head, at + 1)
    if first is not None:
        return _span(text, where, *first)
    at = folded.find(tail) if tail else -1
    return _span(text, where, at, at + len(tail)) if at >= 0 else None


def _span(text: str, where: list[int], start: int, end: int) -> Span:
    """The span of the text that the compared characters [start, end) come from, with the stop that closes it."""
    last = where[end - 1] + 1
    while last < len(text) and text[last] in _CLOSING:
        last += 1
    return Span(where[start], last)


def _folded(text: str) -> tuple[str, list[int]]:
    """Text reduced to its letters and digits, lower case and without accents, and the offset each came from.

    Dropping every other character makes spaces, line breaks, hyphens at a line end, apostrophes and
    punctuation irrelevant to the comparison.
    """
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        for c in _LIGATURES.get(char.lower(), unicodedata.normalize("NFKD", char)):
            if c.isalnum():
                for f in c.casefold():
                    out.append(f)
                    where.append(i)
    return "".join(out), where
