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
    r"^(?P<who>[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+)?\s+[A-ZÀ-Ý-]{2,}\s+"  # the rapporteur, in some minutes
    r"|(?:Mme|M\.|Madame|Monsieur)\s+[Ll]e\s+Maire\s+)?"
    r"(?P<n>\d{1,3})(?:\s*[.\-–]\s*(?=[«\"A-ZÀ-Ýa-z])|(?P<bare>\s+)(?=[«\"A-ZÀ-Ý]))(?P<title>.{4,})$"
)
_NAME = (
    r"[A-ZÀ-Ý][a-zà-ÿ'’-]+(?:[ -][A-ZÀ-Ý][a-zà-ÿ'’-]+)?\s+[A-ZÀ-Ý][A-ZÀ-Ý'’-]+(?:\s+[A-ZÀ-Ý][A-ZÀ-Ý'’-]+)*"
)
_SPEAKER = re.compile(rf"^({_NAME}|(?:Mme|Madame|M\.|Monsieur)\s+[Ll]e\s+Maire)\s*:")
_TRAILING_SPEAKER = re.compile(rf"^(.*?)\s+({_NAME})\s*:\s*$")
_FIRST_NAME = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ'’-]+(?:[ -][A-ZÀ-Ý][a-zà-ÿ'’-]+)?$")
_LAST_NAME = re.compile(r"^[A-ZÀ-Ý][A-ZÀ-Ý'’-]+(?:\s+[A-ZÀ-Ý][A-ZÀ-Ý'’-]+)*$")
_FOR = re.compile(r"\bPour\s*:\s*(\d+)")
_AGAINST = re.compile(r"\bContre\s*:\s*(\d*)\s*(\([^)]{1,120}\))?")
_ABSTAIN = re.compile(r"\bAbstentions?\s*:\s*(\d*)\s*(\([^)]{1,120}\))?")
_NOT_VOTING = re.compile(
    r"\bNe pren(?:d|nent) pas part au vote\s*:\s*(\d*)\s*(\([^)]{1,120}\))?", re.IGNORECASE
)
_OUTCOME = re.compile(
    r"(Adopt[ée]e?s?[^.\n]{0,60}|Le Conseil adopte|[àa] l['’]unanimit[ée][^.\n]{0,40}|Rejet[ée]e?[^.\n]{0,40})",
    re.IGNORECASE,
)
_PRINTED_COUNT = re.compile(r"^(?:Contre|Abstentions?)\s*:\s*\d+")
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
        starts: list[tuple[int, int | None, str, str | None]] = [(0, None, objet or "", None)]
    else:
        starts = _headings(lines, bare_numbers=kind == "compte rendu")
    affaires = []
    for i, (first_line, number, title, who) in enumerate(starts):
        end_line = starts[i + 1][0] if i + 1 < len(starts) else len(lines)
        body = lines[first_line:end_line]
        _, page, start = lines[first_line]
        if kind != "délibération" and who is None:
            who = _speaker(body[:6]) or _margin_name(lines[max(0, first_line - 2) : first_line])
        affaires.append(Affaire(number, title, page, start, _vote(body), who))
    return affaires


def affaire_at(affaires: list[Affaire], word: int) -> Affaire | None:
    """Return the affaire whose text holds the given word of the document."""
    current = None
    for affaire in affaires:
        if affaire.start_word > word:
            break
        current = affaire
    return current


def _headings(
    lines: list[tuple[str, int, int]], bare_numbers: bool
) -> list[tuple[int, int | None, str, str | None]]:
    """Numbered headings, numbers rising; each with its title (wrapped lines joined) and its rapporteur if the
    heading line names one. Comptes rendus may print "41 Zone d'aménagement…" with no dash after the number."""
    found: list[tuple[int, int | None, str, str | None]] = []
    last = 0
    for i, (line, _, _) in enumerate(lines):
        m = _HEADING.match(line.strip())
        if not m or (m.group("bare") and not bare_numbers):
            continue
        number = int(m.group("n"))
        if not last < number <= last + _MAX_GAP:
            continue
        who = " ".join(m.group("who").split()) if m.group("who") else None
        parts = [m.group("title").strip()]
        for following, _, _ in lines[i + 1 : i + 4]:  # titles wrap; the speaker or the tally comes next
            text = following.strip()
            if not text or _FOR.search(text) or _SPEAKER.match(text) or _HEADING.match(text):
                break
            if text.startswith(("-", "—", "Pour extrait")) or len(" ".join(parts)) > 260:
                break
            parts.append(text)
        title = " ".join(parts)
        trailing = _TRAILING_SPEAKER.match(title)
        if trailing:  # "… Exercice 2012 Max LEVITA :": the speaker ends the title's line
            title, who = trailing.group(1), who or trailing.group(2)
        found.append((i, number, title.strip(), who))
        last = number
    return found


def _vote(lines: list[tuple[str, int, int]]) -> Vote | None:
    """Read the first printed tally of an affaire ("Pour : N" and what follows it)."""
    starts = [i for i, (line, _, _) in enumerate(lines) if _FOR.search(line)]
    if not starts:  # the text layer lost the "Pour" line: the tally starts at "Contre" or "Abstention"
        starts = [i for i, (line, _, _) in enumerate(lines) if _PRINTED_COUNT.match(line.strip())]
    for i in starts[:1]:
        line, page, _ = lines[i]
        m = _FOR.search(line)
        block = "\n".join(text for text, _, _ in lines[i : i + 6])[m.start() if m else 0 :]
        parts = [f"Pour : {m.group(1)}"] if m else []
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
        return Vote(
            " · ".join(parts),
            page,
            pour=int(m.group(1)) if m else None,
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


def _speaker(lines: list[tuple[str, int, int]]) -> str | None:
    """The first person to speak on an affaire presents it ("Serge FLEURENCE : Pour dénommer…")."""
    for line, _, _ in lines[1:]:
        m = _SPEAKER.match(line.strip())
        if m:
            return m.group(1).strip()
    return None


def _margin_name(lines: list[tuple[str, int, int]]) -> str | None:
    """Some minutes print the rapporteur in the margin, first name above last name, just before the heading."""
    if len(lines) == 2:
        first, last = lines[0][0].strip(), lines[1][0].strip()
        if _FIRST_NAME.match(first) and _LAST_NAME.match(last):
            return f"{first} {last}"
    return None
