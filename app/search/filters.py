"""What staff narrow a search by: collectivité, séance dates, council, rapporteur, vote outcome, kind of document."""

from __future__ import annotations

from dataclasses import dataclass

from app.search.results import Act
from index.collectivites import belongs
from index.french import fold

OUTCOMES = ("unanimité", "majorité", "adopté", "rejeté")
KINDS = ("délibération", "procès-verbal", "compte rendu")
SORTS = ("relevance", "date", "date_asc")


@dataclass(frozen=True)
class Filters:
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None
    council: str | None = None  # "conseil municipal", …
    rapporteur: str | None = None  # any part of the name, accents and case ignored
    outcome: str | None = None  # one of OUTCOMES
    kind: str | None = None  # one of KINDS
    seance: str | None = None  # ISO date of one séance
    collectivite: str | None = None  # a name, matched forgivingly; search_acts turns it into its key

    def keep(self, act: Act) -> bool:
        """Tell whether the act passes every filter set (collectivite: a key, see index.collectivites)."""
        if self.collectivite and not belongs(act.collectivite, act.file, self.collectivite):
            return False
        return self._keep(act)

    def _keep(self, act: Act) -> bool:
        date = act.seance_date or ""
        if self.date_from and (not date or date < self.date_from):
            return False
        if self.date_to and (not date or date > self.date_to):
            return False
        if self.seance and date != self.seance:
            return False
        if self.council and fold(act.council or "") != fold(self.council):
            return False
        if self.kind and fold(act.kind) != fold(self.kind):
            return False
        if self.outcome and (act.vote.outcome if act.vote else None) != self.outcome:
            return False
        return not (self.rapporteur and fold(self.rapporteur) not in fold(act.rapporteur or ""))
