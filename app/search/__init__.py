"""Search for council staff: acts and affaires (not chunks), filtered, sorted, paged, with facets and snippets."""

from app.search.acts import act_on_page, search_acts
from app.search.filters import OUTCOMES, SORTS, UNPRINTED, Filters
from app.search.results import Act, Results, Vote
from app.search.snippets import Snippet
from ingest.acts import KINDS, Kind

__all__ = [
    "KINDS",
    "OUTCOMES",
    "SORTS",
    "UNPRINTED",
    "Act",
    "Filters",
    "Kind",
    "Results",
    "Snippet",
    "Vote",
    "act_on_page",
    "search_acts",
]
