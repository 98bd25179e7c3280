"""Staff search: acts and affaires with filters, facets and highlighted snippets; the search page."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from app.http import STATIC
from app.http.deps import AssistantDep, SettingsDep
from app.http.schemas import SearchResponse
from app.search import Filters, Kind, search_acts
from app.search.filters import LONGEST

router = APIRouter()


@router.get("/api/search", response_model=SearchResponse)
async def search(
    assistant: AssistantDep,
    settings: SettingsDep,
    q: Annotated[
        str, Query(max_length=500, description="Words, an act number (2013/138) or a receipt id.")
    ] = "",
    date_from: Annotated[date | None, Query(description="Séances on or after this date.")] = None,
    date_to: Annotated[date | None, Query(description="Séances on or before this date.")] = None,
    seance: Annotated[date | None, Query(description="One séance.")] = None,
    council: Annotated[
        str | None, Query(max_length=LONGEST["council"], description="conseil municipal, …")
    ] = None,
    collectivite: Annotated[
        str | None,
        Query(
            max_length=LONGEST["collectivite"],
            description="Pierrefonds, Ville de Montpellier… (accents, case ignored).",
        ),
    ] = None,
    rapporteur: Annotated[
        str | None,
        Query(
            max_length=LONGEST["rapporteur"], description="Any part of the name; accents and case ignored."
        ),
    ] = None,
    outcome: Literal["unanimité", "majorité", "adopté", "rejeté", "non imprimé"] | None = None,
    kind: Kind | None = None,  # every kind the ingest gives a document: the Type facet offers no other
    sort: Literal["relevance", "date", "date_asc"] = "relevance",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchResponse:
    """Acts and affaires for council staff: filters, facets, highlighted snippets. Never waits for the model."""
    filters = Filters(
        date_from=date_from.isoformat() if date_from else None,
        date_to=date_to.isoformat() if date_to else None,
        council=council,
        rapporteur=rapporteur,
        outcome=outcome,
        kind=kind,
        seance=seance.isoformat() if seance else None,
        collectivite=collectivite,
    )
    results = await run_in_threadpool(search_acts, assistant.index, q, filters, sort, page, per_page)
    return SearchResponse.of(results, settings.public_url)


@router.get("/recherche", include_in_schema=False)
async def search_page() -> FileResponse:
    return FileResponse(STATIC / "recherche.html")
