"""Counts over every matching act, so staff see where the results lie before they narrow them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from app.search.results import Act

RAPPORTEURS_SHOWN = 15


def facets(acts: Sequence[Act]) -> dict[str, dict[str, int]]:
    """Counts by year, collectivité, council, kind, vote outcome and rapporteur (the most frequent ones),
    largest first."""
    counts = {
        "year": Counter((a.seance_date or "")[:4] or "inconnue" for a in acts),
        "collectivite": Counter(a.collectivite or "inconnue" for a in acts),
        "council": Counter(a.council or "inconnu" for a in acts),
        "kind": Counter(a.kind for a in acts),
        "outcome": Counter((a.vote.outcome if a.vote else None) or "non imprimé" for a in acts),
        "rapporteur": Counter(
            dict(Counter(a.rapporteur for a in acts if a.rapporteur).most_common(RAPPORTEURS_SHOWN))
        ),
    }
    return {name: dict(c.most_common()) for name, c in counts.items()}
