"""What a staff search returns: acts with their vote as printed, one page of them, and facet counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.search.snippets import Snippet


@dataclass(frozen=True)
class Vote:
    """A tally as printed, with the page and document that print it."""

    pour: int | None
    contre: int | None
    abstention: int | None
    ne_prend_pas_part: int | None
    outcome: str | None  # "unanimité", "majorité", "adopté", "rejeté"
    dissenters: str | None
    text: str
    page: int | None
    doc_id: str
    file: str


@dataclass(frozen=True)
class Act:
    id: str  # the document id, or "document id:affaire index" for an affaire of the minutes
    doc_id: str
    kind: str
    title: str
    file: str
    page: int
    seance_date: str | None
    council: str | None
    collectivite: str | None
    act_number: str | None
    receipt_id: str | None
    rapporteur: str | None
    affaire_number: int | None
    vote: Vote | None
    snippet: Snippet
    score: float = 0.0


@dataclass(frozen=True)
class Results:
    total: int
    page: int
    per_page: int
    acts: list[Act]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
