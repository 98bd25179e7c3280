"""The stretch of an act's text that matches a search best, with where the searched words stand in it."""

from __future__ import annotations

from dataclasses import dataclass

from index.french import FOLDED_STOP_WORDS, stem, words

SNIPPET_WORDS = 40


@dataclass(frozen=True)
class Snippet:
    text: str
    marks: tuple[tuple[int, int], ...] = ()  # (start, end) offsets in text of the words that match the search

    def pieces(self) -> list[tuple[str, bool]]:
        """The text cut at the marks, each piece with whether it is a matched word."""
        out, at = [], 0
        for start, end in self.marks:
            if start > at:
                out.append((self.text[at:start], False))
            out.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            out.append((self.text[at:], False))
        return out


def wanted_stems(query: str) -> set[str]:
    """The stems a snippet marks: the query's words of meaning, numbers included."""
    return {stem(w) for w in words(query) if (len(w) > 2 or w.isdigit()) and w not in FOLDED_STOP_WORDS}


def snippet(text: str, query: str, size: int = SNIPPET_WORDS) -> Snippet:
    """The `size`-word stretch of text holding most of the query's words (the start when none), marked."""
    tokens = text.split()
    wanted = wanted_stems(query)
    hits = [bool(wanted) and bool({stem(w) for w in words(t)} & wanted) for t in tokens]
    start = _best_start(hits, size) if any(hits) else 0
    marks, at = [], 0
    for token, hit in zip(tokens[start : start + size], hits[start : start + size]):
        if hit:
            marks.append((at, at + len(token)))
        at += len(token) + 1
    return Snippet(" ".join(tokens[start : start + size]), tuple(marks))


def _best_start(hits: list[bool], size: int) -> int:
    """Where the window of `size` tokens with most hits starts, centred on its hits."""
    if len(hits) <= size:
        return 0
    window = sum(hits[:size])
    best, best_at = window, 0
    for start in range(1, len(hits) - size + 1):
        window += hits[start + size - 1] - hits[start - 1]
        if window > best:
            best, best_at = window, start
    matched = [i for i in range(best_at, best_at + size) if hits[i]]
    centre = (matched[0] + matched[-1]) // 2
    return max(0, min(len(hits) - size, centre - size * 2 // 5))
