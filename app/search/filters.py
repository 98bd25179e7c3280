"""What staff narrow a search by: collectivité, séance dates, council, rapporteur, vote outcome, kind of document."""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.search.results import Act
from index.collectivites import belongs
from index.french import fold, words

OUTCOMES = ("unanimité", "majorité", "adopté", "rejeté")
UNPRINTED = "non imprimé"  # the outcome of an act whose minutes print no tally
SORTS = ("relevance", "date", "date_asc")
# The longest value each text filter takes (the API refuses longer ones); a facet offers no longer value.
LONGEST = {"council": 80, "rapporteur": 80, "collectivite": 120}


@dataclass(frozen=True)
class Filters:
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None
    council: str | None = None  # "conseil municipal", …
    rapporteur: str | None = None  # any part of the name, accents and case ignored
    outcome: str | None = None  # one of OUTCOMES, or UNPRINTED
    kind: str | None = None  # one of ingest.acts.KINDS (what the ingest calls a document)
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
        if self.outcome and outcome(act) != self.outcome:
            return False
        return not (self.rapporteur and person(self.rapporteur) not in person(act.rapporteur or ""))

    def without(self, *names: str) -> Filters:
        """The same filters but the named ones: what a facet counts over, so it offers every value it can reach."""
        return replace(self, **dict.fromkeys(names))


def outcome(act: Act) -> str:
    """The act's vote outcome as printed, or UNPRINTED."""
    return (act.vote.outcome if act.vote else None) or UNPRINTED


def person(name: str) -> str:
    """A name as it is compared: accents, case and punctuation dropped, so "Michaël DELAFOSSE", "Michael Delafosse"
    and "MICHAEL  DELAFOSSE" are one rapporteur (the minutes print them all)."""
    return " ".join(words(name))
