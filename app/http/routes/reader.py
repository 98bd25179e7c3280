"""The reader: a cited page of a document in registre's own view, the passage marked; the city's stylesheet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.http import PAGES
from app.http.deps import AssistantDep, SettingsDep
from app.http.errors import error_page
from app.http.schemas import document_url, viewer_url
from app.reader import PageNotFound, Reading, read
from app.search import Vote

router = APIRouter()


@router.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
async def reader(
    doc_id: str,
    assistant: AssistantDep,
    page: Annotated[str, Query(max_length=12)] = "1",
    q: Annotated[str, Query(max_length=400)] = "",
    q_end: Annotated[str, Query(max_length=400)] = "",
) -> HTMLResponse:
    """One page of the document, the passage whose first (`q`) and last (`q_end`) words are given marked."""
    if not page.isdigit():
        return _not_found(f"« {page} » n'est pas un numéro de page.")
    try:
        reading = await run_in_threadpool(read, assistant.index, doc_id, int(page), q, q_end)
    except PageNotFound as e:
        return _not_found(str(e))
    return HTMLResponse(PAGES.get_template("reader.html").render(r=reading, **_context(reading)))


@router.get("/theme.css", include_in_schema=False)
async def theme(settings: SettingsDep) -> Response:
    """The city's colours, font, radius and logo, when it set REGISTRE_THEME_CSS; else nothing to change."""
    if settings.theme_css is not None and settings.theme_css.is_file():
        return FileResponse(settings.theme_css, media_type="text/css")
    return Response("/* REGISTRE_THEME_CSS non défini : couleurs par défaut. */\n", media_type="text/css")


def _context(r: Reading) -> dict[str, object]:
    """What the page shows besides the reading: links, the vote in words, where the marked passage starts and
    ends (block, piece), for the words a screen reader says there."""
    doc = r.document.id
    marks = [(i, j) for i, block in enumerate(r.paragraphs) for j, (_, marked) in enumerate(block) if marked]
    return {
        "pdf_url": document_url(doc, r.page),
        "previous_url": viewer_url(doc, r.page - 1) if r.page > 1 else None,
        "next_url": viewer_url(doc, r.page + 1) if r.page < r.pages else None,
        "file_name": r.document.path.rsplit("/", 1)[-1],
        "vote": _vote(r.act.vote) if r.act and r.act.vote else None,
        "first_mark": marks[0] if marks else None,
        "last_mark": marks[-1] if marks else None,
    }


def _vote(vote: Vote) -> str:
    """ "Pour : 46 · Contre : 7 · Abstention : 2 — majorité", or the tally as printed when no count was read."""
    counts = [
        f"{name} : {n}"
        for name, n in (
            ("Pour", vote.pour),
            ("Contre", vote.contre),
            ("Abstention", vote.abstention),
            ("Ne prend pas part", vote.ne_prend_pas_part),
        )
        if n is not None
    ]
    if not counts:
        return vote.text
    return " · ".join(counts) + (f" — {vote.outcome}" if vote.outcome else "")


def _not_found(message: str) -> HTMLResponse:
    return error_page(404, message)
