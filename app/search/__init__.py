"""Search for council staff: acts and affaires (not chunks), filtered, sorted, paged, with facets and snippets."""

from app.search.acts import act_on_page, search_acts
from app.search.filters import OUTCOMES, SORTS, UNPRINTED, Filters
from app.search.results import Act, Results, Vote
from app.search.snippets import Snippet

__all__ = [
    "OUTCOMES",
    "SORTS",
    "UNPRINTED",
    "Act",
    "Filters",
    "Results",
    "Snippet",
    "Vote",
    "act_on_page",
    "search_acts",
]
