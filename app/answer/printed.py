"""Where a fact read from the acts stands on its page: the line (or the tally's lines) as the document prints it.

A vote, an act number or a rapporteur is stored as registre reads it (« Michaël DELAFOSSE »), not as the page
prints it (« Monsieur Michaël DELAFOSSE, Président, rapporte : »). The answer shows the printed line as its
evidence and the reader marks it on the page: both need the document's own words, found here in the page text
kept at ingestion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.french import fold
from index.store import Index, StoredAffaire
from ingest.votes import Vote, read_vote

# A tally is printed on a few lines; a vote read from a decision (« après en avoir délibéré, à l'unanimité : »)
# may stand above the points decided: past this many lines, the line that opens the vote is shown alone.
TALLY_LINES = 8
# Lines above a tally that may print how many voted.
HEADCOUNT_LINES = 3
# How far below its first line a tally is looked for, in lines.
TALLY_SPAN = 30
# An affaire's heading is found by its first letters and digits: enough to tell it from its neighbours.
HEADING_CHARS = 24
_RAPPORTE = re.compile(r"\brapport(?:e|eur|rice)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Printed:
    page: int
    text: str  # the printed lines, spaces as the extracts have them


def rapporteur_line(
    index: Index, doc_id: str, name: str, pages: list[int], heading: str = ""
) -> Printed | None:
    """The line that names the rapporteur beside « rapporte » (« Monsieur X, Président, rapporte : »), else
    the first line that names them; below the affaire's heading when one is given (minutes print several
    affaires on a page, often presented by the same person)."""
    lines = _below(_lines(index, doc_id, pages), heading)
    named = [(n, line) for n, line in lines if _names(line, name)]
    best = next(((n, line) for n, line in named if _RAPPORTE.search(line)), named[0] if named else None)
    return Printed(best[0], _spaced(best[1])) if best else None


def number_line(index: Index, doc_id: str, number: str, pages: list[int]) -> Printed | None:
    """The line that prints the act number (« n° 2013 / 138 », « D2025-019- Objet : … »)."""
    key = _alnum(number)
    if not key:
        return None
    printed = re.compile(r"(?<![0-9a-z])" + r"[^0-9a-z\n]*".join(map(re.escape, key)) + r"(?![0-9a-z])")
    found = next(((n, line) for n, line in _lines(index, doc_id, pages) if printed.search(fold(line))), None)
    return Printed(found[0], _spaced(found[1])) if found else None


def tally_lines(index: Index, tally: StoredAffaire) -> Printed | None:
    """The lines that print the affaire's tally: the first stretch of its page whose vote reads as the stored one."""
    if tally.vote_page is None:
        return None
    lines = [(line, n) for n, line in _lines(index, tally.doc_id, [tally.vote_page, tally.vote_page + 1])]
    close = None  # the first stretch whose counts, names and outcome are the stored ones
    for i, (line, page) in enumerate(lines):
        if page != tally.vote_page or read_vote([(line, page)]) is None:
            continue  # a tally opens with a line that reads as a vote on its own
        above = max(0, i - HEADCOUNT_LINES)  # « Votants : 15 » above the tally is read with it
        for j in range(i + 1, min(i + TALLY_SPAN, len(lines)) + 1):
            vote = read_vote(lines[above:j])
            if vote is None:
                continue
            taken = lines[i:j] if j - i <= TALLY_LINES else lines[i : i + 1]
            printed = Printed(page, _spaced(" ".join(text for text, _ in taken)))
            if vote.text == tally.vote:  # read as at ingestion, to its last line (« Adopté à l'unanimité. »)
                return printed
            if close is None and _key(vote) == _key(tally):
                close = printed
    return close


def _key(v: Vote | StoredAffaire) -> tuple[object, ...]:
    return (v.pour, v.contre, v.abstention, v.ne_prend_pas_part, v.outcome, v.dissenters)


def _lines(index: Index, doc_id: str, pages: list[int]) -> list[tuple[int, str]]:
    texts = index.pages(doc_id, pages)
    return [(n, line) for n in pages for line in texts.get(n, "").splitlines() if line.strip()]


def _below(lines: list[tuple[int, str]], heading: str) -> list[tuple[int, str]]:
    """The lines from the one where the heading starts (its first words, across line breaks), or all of them."""
    key = _alnum(heading)[:HEADING_CHARS]
    if not key:
        return lines
    stream, starts = "", []
    for _, line in lines:
        starts.append(len(stream))
        stream += _alnum(line)
    at = stream.find(key)
    if at < 0:
        return lines
    first = max(i for i, start in enumerate(starts) if start <= at)
    return lines[first:]


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(text))


def _names(line: str, name: str) -> bool:
    """Every word of the name stands in the line, whatever the case and accents."""
    have = set(re.findall(r"[^\W_]+", fold(line)))
    wanted = re.findall(r"[^\W_]+", fold(name))
    return bool(wanted) and all(w in have for w in wanted)


def _spaced(text: str) -> str:
    return " ".join(text.split())
