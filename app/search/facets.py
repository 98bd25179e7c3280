"""Counts over the matching acts, so staff see where the results lie before they narrow them.

Each facet counts the acts that pass every filter but its own: with « unanimité » chosen, the Vote facet still
lists « majorité » and its count, so staff can switch, and it lists only values the corpus prints. A rapporteur
whose name is printed in several spellings is one entry, under the spelling printed most often.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from app.search.filters import LONGEST, Filters, outcome, person
from app.search.results import Act

RAPPORTEURS_SHOWN = 15
UNKNOWN, UNKNOWN_COUNCIL = "inconnue", "inconnu"  # counted, but no filter can choose them

# Each facet: what it reads of an act, and the filters that choose among its values.
_FACETS: dict[str, tuple[Callable[[Act], str | None], tuple[str, ...]]] = {
    "year": (lambda a: (a.seance_date or "")[:4] or UNKNOWN, ("date_from", "date_to")),
    "collectivite": (lambda a: a.collectivite or UNKNOWN, ("collectivite",)),
    "council": (lambda a: a.council or UNKNOWN_COUNCIL, ("council",)),
    "kind": (lambda a: a.kind, ("kind",)),
    "outcome": (outcome, ("outcome",)),
    "rapporteur": (lambda a: a.rapporteur, ("rapporteur",)),
}


def facets(acts: Sequence[Act], filters: Filters | None = None) -> dict[str, dict[str, int]]:
    """Counts by year, collectivité, council, kind, vote outcome and rapporteur (the most frequent ones),
    largest first."""
    filters = filters or Filters()
    out: dict[str, dict[str, int]] = {}
    for name, (value, own) in _FACETS.items():
        others = filters.without(*own)
        longest = LONGEST.get(name, 1000)  # a longer value could not be chosen: the API refuses it
        values = [v for v in (value(a) for a in acts if others.keep(a)) if v and len(v) <= longest]
        if name == "rapporteur":
            out[name] = dict(_people(values).most_common(RAPPORTEURS_SHOWN))
        else:
            out[name] = dict(Counter(values).most_common())
    return out


def _people(names: list[str]) -> Counter[str]:
    """Counts of names merged across spellings, each under its most printed spelling."""
    spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for name in names:
        spellings[person(name)][" ".join(name.split())] += 1
    return Counter({c.most_common(1)[0][0]: c.total() for c in spellings.values()})
