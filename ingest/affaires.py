"""Split a council document into affaires and read each one's vote, as printed.

A procès-verbal or compte rendu numbers its affaires ("3 - Programme de vidéoprotection…", "Philippe SAUREL
24. Lieudit…") and prints each vote ("Pour : 46 Contre : 10 (PC, Verts-NPA) Abstention : 2 Adopté à la
majorité"), often pages after the heading. A délibération is one affaire whose vote ends the act.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.pdf import Page

_HEADING = re.compile(
    r"^(?:[A-ZÀ-Ý][\w'-]+(?:\s+[A-ZÀ-Ý][\w'-]+)?\s+[A-ZÀ-Ý-]{2,}\s+)?"  # the rapporteur, in comptes rendus
    r"(\d{1,3})\s*[.\-–]\s+([«\"A-ZÀ-Ýa-z].{3,})$"
)
_FOR = re.compile(r"\bPour\s*:\s*(\d+)")
_AGAINST = re.compile(r"\bContre\s*:\s*(\d*)\s*(\([^)]{1,120}\))?")
_ABSTAIN = re.compile(r"\bAbstentions?\s*:\s*(\d*)\s*(\([^)]{1,120}\))?")
_NOT_VOTING = re.compile(
    r"\bNe prend(?:nent)? pas part au vote\s*:\s*(\d*)\s*(\([^)]{1,120}\))?", re.IGNORECASE
)
_OUTCOME = re.compile(
    r"(Adopt[ée]e?s?[^.\n]{0,60}|Le Conseil adopte|[àa] l['’]unanimit[ée][^.\n]{0,40}|Rejet[ée]e?[^.\n]{0,40})",
    re.IGNORECASE,
)
_MAX_GAP = 3  # affaire numbers rise one by one; a bigger jump is a line of figures, not a heading


@dataclass(frozen=True)
class Vote:
    """A tally as printed. Counts are None when the document does not print them; an empty "Contre :" is 0."""

    text: str  # "Pour : 46 · Contre : 10 (PC, Verts-NPA) · Adopté à la majorité"
    page: int
    pour: int | None = None
    contre: int | None = None
    abstention: int | None = None
    ne_prend_pas_part: int | None = None
    outcome: str | None = None  # "unanimité", "majorité", "adopté" or "rejeté"
    dissenters: str | None = None  # who voted against, when named: "PC, Verts-NPA"


@dataclass(frozen=True)
class Affaire:
    number: int | None
    title: str
    page: int
    start_word: int  # position in the document's word stream (the chunker's)
    vote: Vote | None
    rapporteur: str | None = None


def find_affaires(pages: list[Page], kind: str, objet: str | None) -> list[Affaire]:
    """Return the document's affaires in order (one for a délibération), each with its vote if printed."""
    lines: list[tuple[str, int, int]] = []  # text, page, first word index
    words = 0
    for page in pages:
        for line in page.text.splitlines():
            lines.append((line, page.number, words))
            words += len(line.split())
    if kind == "délibération":
        starts = [(0, None, objet or "")]
    else:
        starts = _headings(lines)
    affaires = []
    for i, (first_line, number, title) in enumerate(starts):
        end_line = starts[i + 1][0] if i + 1 < len(starts) else len(lines)
        body = lines[first_line:end_line]
        _, page, start = lines[first_line]
        rapporteur = _speaker(body[:4]) if kind != "délibération" else None
        affaires.append(Affaire(number, title, page, start, _vote(body), rapporteur))
    return affaires


def affaire_at(affaires: list[Affaire], word: int) -> Affaire | None:
    """Return the affaire whose text holds the given word of the document."""
    current = None
    for affaire in affaires:
        if affaire.start_word > word:
            break
        current = affaire
    return current


def _headings(lines: list[tuple[str, int, int]]) -> list[tuple[int, int | None, str]]:
    found: list[tuple[int, int | None, str]] = []
    last = 0
    for i, (line, _, _) in enumerate(lines):
        m = _HEADING.match(line)
        if not m:
            continue
        number = int(m.group(1))
        if last < number <= last + _MAX_GAP:
            title = m.group(2)
            if i + 1 < len(lines) and not _FOR.search(lines[i + 1][0]) and len(title) > 60:
                title += " " + lines[i + 1][0]  # titles wrap onto a second line
            found.append((i, number, title.strip()))
            last = number
    return found


def _vote(lines: list[tuple[str, int, int]]) -> Vote | None:
    """Read the first printed tally of an affaire ("Pour : N" and what follows it)."""
    for i, (line, page, _) in enumerate(lines):
        m = _FOR.search(line)
        if not m:
            continue
        block = "\n".join(text for text, _, _ in lines[i : i + 6])[m.start() :]
        parts = [f"Pour : {m.group(1)}"]
        counts: dict[str, int | None] = {}
        dissenters = None
        for label, pattern in (
            ("Contre", _AGAINST),
            ("Abstentions", _ABSTAIN),
            ("Ne prend pas part au vote", _NOT_VOTING),
        ):
            found = pattern.search(block[:300])
            if not found:
                continue
            counts[label] = int(found.group(1)) if found.group(1) else 0  # "Contre : /" or "Contre :" is none
            if found.group(1) or found.group(2):
                parts.append(
                    f"{label} : {found.group(1) or '0'}" + (f" {found.group(2)}" if found.group(2) else "")
                )
            if label == "Contre" and found.group(2):
                dissenters = found.group(2).strip("() ")
        outcome = _OUTCOME.search(block[:400])
        if outcome:
            parts.append(outcome.group(1).strip(" .,;"))
        kind = _outcome_kind(outcome.group(1)) if outcome else None
        if kind == "unanimité" and "Contre" not in counts:
            counts["Contre"] = 0
        return Vote(
            " · ".join(parts),
            page,
            pour=int(m.group(1)),
            contre=counts.get("Contre"),
            abstention=counts.get("Abstentions"),
            ne_prend_pas_part=counts.get("Ne prend pas part au vote"),
            outcome=kind,
            dissenters=dissenters,
        )
    for line, page, _ in reversed(lines[-40:]):  # a délibération that prints only its decision
        outcome = _OUTCOME.search(line)
        if outcome:
            return Vote(outcome.group(1).strip(" .,;"), page, outcome=_outcome_kind(outcome.group(1)))
    return None


def _outcome_kind(printed: str) -> str:
    folded = printed.lower()
    if "unanimit" in folded:
        return "unanimité"
    if "majorit" in folded:
        return "majorité"
    if "rejet" in folded:
        return "rejeté"
    return "adopté"


_SPEAKER = re.compile(r"^((?:[A-ZÀ-Ý][\w'’-]+\s+){1,3}[A-ZÀ-Ý][A-ZÀ-Ý'’ -]+?)\s*:")


def _speaker(lines: list[tuple[str, int, int]]) -> str | None:
    """The first person to speak on an affaire presents it ("Serge FLEURENCE : Pour dénommer…")."""
    for line, _, _ in lines[1:]:
        m = _SPEAKER.match(line.strip())
        if m and not _FOR.search(line):
            return m.group(1).strip()
    return None
