"""Administration behind a bearer token: index the corpus again, serve the index published last, read the
citizens' ratings."""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from app import wiring
from app.http.deps import Admin, FeedbackDep, ServedDep, SettingsDep
from app.wiring import Served
from index.store import IngestRunning
from ingest.pipeline import ingest

router = APIRouter(prefix="/api/admin", dependencies=[Admin], responses={401: {}, 403: {}})


@router.post("/ingest", responses={409: {}})
async def admin_ingest(request: Request, served: ServedDep, settings: SettingsDep) -> dict:
    """Index the corpus folder again (REGISTRE_CORPUS_DIR, else the indexed one), then serve the result (with
    a database: publish it there, where every server finds it).

    Needs `Authorization: Bearer <REGISTRE_ADMIN_TOKEN>`. 409 while another ingest runs.
    """
    assistant = served.assistant
    corpus = settings.corpus_dir or assistant.index.corpus
    try:
        if assistant.embedder is None:
            raise HTTPException(
                503, "Aucun modèle de plongements n'est chargé : l'index ne peut être reconstruit."
            )
        report = await run_in_threadpool(
            ingest,
            corpus,
            settings.index_dir,
            assistant.embedder,
            progress=False,
            ocr=settings.ocr,
            log=lambda _: None,
            workers=settings.ingest_workers,
        )
    except IngestRunning as e:
        raise HTTPException(409, "Une indexation est déjà en cours ; réessayez quand elle sera finie.") from e
    except FileNotFoundError as e:
        raise HTTPException(400, f"Le dossier à indexer est introuvable : {corpus}") from e
    copied = await run_in_threadpool(wiring.publish, settings, None, request.app.state.database)
    return {
        "published": report.published is not None or copied is not None,
        "added": report.added,
        "replaced": report.replaced,
        "removed": report.removed,
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "chunks": report.chunks,
        "served": await run_in_threadpool(_reload, served) if report.published or copied else None,
    }


@router.post("/reload")
async def admin_reload(served: ServedDep) -> dict:
    """Serve the index published last (after `registre ingest` ran beside the server).

    Needs `Authorization: Bearer <REGISTRE_ADMIN_TOKEN>`.
    """
    return await run_in_threadpool(_reload, served)


def _reload(served: Served) -> dict:
    index = served.reload()  # requests under way keep the assistant, and the index, they hold
    return {"index": index.version, "documents": len(index.documents), "chunks": len(index.chunks)}


@router.get("/feedback")
async def admin_feedback(
    store: FeedbackDep,
    rating: Literal["down", "up", "all"] = "down",
    limit: int = Query(50, ge=1, le=1000),
) -> list[dict]:
    """The latest ratings, newest first (rated down by default), with the questions citizens chose to join.

    Needs `Authorization: Bearer <REGISTRE_ADMIN_TOKEN>`.
    """
    rows = await run_in_threadpool(store.recent, None if rating == "all" else rating, limit)
    return [asdict(f) for f in rows]
