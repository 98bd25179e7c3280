"""The HTTP API: chat, documents, health; the chat page at /."""

from __future__ import annotations

import hmac
import json
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from app import runtime
from app.admission import Busy, Gate
from app.answer.assistant import Answer, Assistant, Sources
from app.routes import openai
from app.schemas import ChatRequest, ChatResponse, CitationOut, EvidenceOut, SearchResponse
from app.security import BodySizeLimit, RateLimit, SecurityHeaders, validation_error
from app.settings import Settings
from app.staff import Filters, search_acts
from app.streaming import relay
from index.store import IndexError_, IngestRunning
from ingest.pipeline import ingest, open_for
from models.fetch import ModelError

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    """Build the app; the model and the index load once, at start-up (or come ready-made, for tests)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.settings = settings
        app.state.assistant = assistant or await run_in_threadpool(runtime.assistant, settings)
        app.state.assistant.llm_slot = app.state.gate  # generations take the fair queue's slots
        yield

    app = FastAPI(
        title="registre",
        version="0.1.0",
        lifespan=lifespan,
        description="Questions en français sur les délibérations d'un conseil municipal, avec sources.",
    )

    app.state.gate = Gate(settings.llm_parallel, settings.chat_max_waiting)

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            headers={"Retry-After": str(exc.retry_after)},
            content={
                "detail": "Le service répond déjà à beaucoup de questions. "
                f"Réessayez dans {exc.retry_after} secondes environ."
            },
        )

    @app.exception_handler(IndexError_)
    @app.exception_handler(ModelError)
    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)})

    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]

    @app.post("/api/chat", response_model=ChatResponse)
    async def chat(body: ChatRequest, request: Request) -> ChatResponse:
        """Answer a question from the published acts, with the sources of every statement."""
        a: Assistant = request.app.state.assistant
        history = [t.model_dump() for t in body.history]
        ticket = request.app.state.gate.admit()  # 503 at once when the queue is full
        answer = None
        async for item in relay(a, body.question.strip(), history, ticket):
            answer = item if isinstance(item, Answer) else answer
        assert answer is not None
        return ChatResponse.of(answer, settings.human_contact)

    @app.post(
        "/api/chat/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events."}},
    )
    async def chat_stream(body: ChatRequest, request: Request) -> StreamingResponse:
        """Stream the answer as server-sent events: `sources`, then `token`s, then `done` (as /api/chat).

        Closing the connection cancels the answer and frees the model at once.
        """
        a: Assistant = request.app.state.assistant
        history = [t.model_dump() for t in body.history]
        ticket = request.app.state.gate.admit()  # 503 at once when the queue is full
        return StreamingResponse(
            _sse(a, body.question.strip(), history, settings.human_contact, ticket),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @app.get("/api/search", response_model=SearchResponse)
    async def api_search(
        request: Request,
        q: Annotated[
            str, Query(max_length=500, description="Words, an act number (2013/138) or a receipt id.")
        ] = "",
        date_from: Annotated[date | None, Query(description="Séances on or after this date.")] = None,
        date_to: Annotated[date | None, Query(description="Séances on or before this date.")] = None,
        seance: Annotated[date | None, Query(description="One séance.")] = None,
        council: Annotated[str | None, Query(max_length=80, description="conseil municipal, …")] = None,
        rapporteur: Annotated[str | None, Query(max_length=80, description="Any part of the name.")] = None,
        outcome: Literal["unanimité", "majorité", "adopté", "rejeté"] | None = None,
        kind: Literal["délibération", "procès-verbal", "compte rendu"] | None = None,
        sort: Literal["relevance", "date", "date_asc"] = "relevance",
        page: Annotated[int, Query(ge=1, le=10_000)] = 1,
        per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> SearchResponse:
        """Acts and affaires for council staff: filters, facets, highlighted snippets. Never waits for the model."""
        a: Assistant = request.app.state.assistant
        filters = Filters(
            date_from=date_from.isoformat() if date_from else None,
            date_to=date_to.isoformat() if date_to else None,
            council=council,
            rapporteur=rapporteur,
            outcome=outcome,
            kind=kind,
            seance=seance.isoformat() if seance else None,
        )
        results = await run_in_threadpool(search_acts, a.index, q, filters, sort, page, per_page)
        return SearchResponse.model_validate(results.to_dict())

    @app.get("/recherche", include_in_schema=False)
    async def search_page() -> FileResponse:
        return FileResponse(STATIC / "recherche.html")

    @app.get("/documents/{doc_id}.pdf", response_class=FileResponse)
    async def document(doc_id: str, request: Request) -> FileResponse:
        """Serve an indexed PDF (add #page=N to the URL to open it at a page)."""
        a: Assistant = request.app.state.assistant
        doc = a.index.documents.get(doc_id)
        if doc is None:
            raise HTTPException(404, "Document inconnu.")
        path = a.index.corpus / doc.path
        if not path.is_file():
            raise HTTPException(410, "Ce document n'est plus dans le dossier indexé ; relancez l'indexation.")
        return FileResponse(
            path,
            media_type="application/pdf",
            filename=Path(doc.path).name,
            content_disposition_type="inline",
        )

    @app.get("/health")
    async def health(request: Request) -> dict:
        """Say whether the service is ready and what it runs on."""
        a: Assistant = request.app.state.assistant
        return {
            "status": "ok",
            "documents": len(a.index.documents),
            "chunks": len(a.index.chunks),
            "embedder": a.index.embedder,
            "llm": getattr(a.llm, "name", None),
            "human_contact": settings.human_contact,
        }

    def admin(authorization: str | None) -> None:
        if not settings.admin_token:
            raise HTTPException(
                403, "Les actions d'administration sont désactivées : définissez REGISTRE_ADMIN_TOKEN."
            )
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.encode(), settings.admin_token.encode()
        ):
            raise HTTPException(
                401, "Jeton d'administration absent ou erroné.", headers={"WWW-Authenticate": "Bearer"}
            )

    def reopen(a: Assistant) -> dict:
        a.use_index(open_for(settings.index_dir, a.index.embedder))  # requests under way keep theirs
        return {
            "index": a.index.folder.name,
            "documents": len(a.index.documents),
            "chunks": len(a.index.chunks),
        }

    @app.post("/api/admin/ingest", responses={401: {}, 403: {}, 409: {}})
    async def admin_ingest(request: Request, authorization: str | None = Header(None)) -> dict:
        """Index the corpus folder again (REGISTRE_CORPUS_DIR, else the indexed one), then serve the result.

        Needs `Authorization: Bearer <REGISTRE_ADMIN_TOKEN>`. 409 while another ingest runs.
        """
        admin(authorization)
        a: Assistant = request.app.state.assistant
        corpus = settings.corpus_dir or a.index.corpus
        try:
            report = await run_in_threadpool(
                ingest,
                corpus,
                settings.index_dir,
                a.embedder,
                progress=False,
                ocr=settings.ocr,
                log=lambda _: None,
                workers=settings.ingest_workers,
            )
        except IngestRunning as e:
            raise HTTPException(
                409, "Une indexation est déjà en cours ; réessayez quand elle sera finie."
            ) from e
        except FileNotFoundError as e:
            raise HTTPException(400, f"Le dossier à indexer est introuvable : {corpus}") from e
        served = await run_in_threadpool(reopen, a) if report.published else None
        return {
            "published": report.published is not None,
            "added": report.added,
            "replaced": report.replaced,
            "removed": report.removed,
            "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
            "chunks": report.chunks,
            "served": served,
        }

    @app.post("/api/admin/reload", responses={401: {}, 403: {}})
    async def admin_reload(request: Request, authorization: str | None = Header(None)) -> dict:
        """Serve the index published last (after `registre ingest` ran beside the server).

        Needs `Authorization: Bearer <REGISTRE_ADMIN_TOKEN>`.
        """
        admin(authorization)
        return await run_in_threadpool(reopen, request.app.state.assistant)

    @app.get("/", include_in_schema=False)
    async def home() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.include_router(openai.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Outermost last: CORS wraps everything so that a 413 or 429 reaches the widget with its message.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    if settings.rate_limit_per_minute > 0:
        app.add_middleware(
            RateLimit,
            per_minute=settings.rate_limit_per_minute,
            burst=settings.rate_limit_burst,
            prefixes=("/api/", "/v1/"),
        )
    app.add_middleware(SecurityHeaders, static=STATIC, frame_origins=settings.cors_origins)
    if settings.cors_origins:  # the widget calls from the city's site: only the origins it names
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            expose_headers=["Retry-After"],
        )
    return app


def _event(name: str, data: str) -> str:
    return f"event: {name}\ndata: {data}\n\n"


async def _sse(assistant: Assistant, question: str, history: list, human_contact: str, ticket=None):
    try:
        async for item in relay(assistant, question, history, ticket):
            if isinstance(item, Sources):
                extracts = [CitationOut.of(c).model_dump() for c in item.extracts]
                evidence = EvidenceOut.of(item.evidence)
                payload = {"extracts": extracts, "evidence": evidence.model_dump() if evidence else None}
                yield _event("sources", json.dumps(payload, ensure_ascii=False))
            elif isinstance(item, Answer):
                yield _event("done", ChatResponse.of(item, human_contact).model_dump_json())
            else:
                yield _event("token", json.dumps({"text": item}, ensure_ascii=False))
    except (IndexError_, ModelError) as e:
        yield _event("error", json.dumps({"detail": str(e)}, ensure_ascii=False))
