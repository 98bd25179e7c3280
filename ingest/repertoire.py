"""Read a répertoire: the table of a year's délibérations, one row each.

"23/01/2024 2024_01 Aménagement de la Rue des Tilleuls : Autorisation à donner à / Madame le maire pour la
signature du marché / Approuvée": the séance's date, the act's number, its objet (wrapped over lines), and what
became of it (approuvée, rejetée, prend acte, ajournée).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.votes import Vote

_ROW = re.compile(
    r"^(?P<day>\d{2})/(?P<month>\d{2})/(?P<year>\d{4})\s+(?P<act>(?:19|20)\d{2}_\d{1,3})\s+(?P<objet>.*)$"
)
_STATUS = re.compile(r"\s*(Approuvée|Rejetée|Prend acte|Ajournée.*|Retirée|Annulée)\s*$", re.IGNORECASE)
_OUTCOMES = {"approuvée": "adopté", "rejetée": "rejeté"}


@dataclass(frozen=True)
class Row:
    act: str  # as printed: "2024_37"
    date: str  # ISO
    title: str
    page: int
    word: int  # position of the row's first word in the document's word stream
    vote: Vote | None  # the decision as printed ("Approuvée"), no tally


def rows(lines: list[tuple[str, int, int]]) -> list[Row]:
    """The répertoire's rows, in order; lines are (text, page, first word index)."""
    found: list[Row] = []
    start: tuple[re.Match[str], int, int] | None = None
    objet: list[str] = []
    for text, page, word in [*lines, ("", 0, 0)]:  # a last empty line closes the last row
        m = _ROW.match(text.strip())
        if (m or not text) and start is not None:
            found.append(_row(*start, " ".join(" ".join(objet).split())))
            start = None
        if m:
            start, objet = (m, page, word), [m.group("objet")]
        elif start is not None:
            objet.append(text)
    return found


def _row(m: re.Match[str], page: int, word: int, text: str) -> Row:
    status = _STATUS.search(text)
    printed = status.group(1) if status else None
    vote = Vote(printed, page, outcome=_OUTCOMES.get(printed.lower())) if printed else None
    date = f"{m.group('year')}-{m.group('month')}-{m.group('day')}"
    return Row(m.group("act"), date, (text[: status.start()] if status else text).strip(), page, word, vote)
