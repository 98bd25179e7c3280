"""The HTTP API: chat, documents, health; the chat page at /."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from app import runtime
from app.chat import Assistant
from app.schemas import ChatRequest, ChatResponse
from app.settings import Settings
from index.store import IndexError_
from models.fetch import ModelError

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    """Build the app; the model and the index load once, at start-up (or come ready-made, for tests)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.assistant = assistant or await run_in_threadpool(runtime.assistant, settings)
        yield

    app = FastAPI(
        title="registre",
        version="0.1.0",
        lifespan=lifespan,
        description="Questions en français sur les délibérations d'un conseil municipal, avec sources.",
    )

    @app.exception_handler(IndexError_)
    @app.exception_handler(ModelError)
    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)})

    @app.post("/api/chat", response_model=ChatResponse)
    async def chat(body: ChatRequest, request: Request) -> ChatResponse:
        """Answer a question from the published acts, with the sources of every statement."""
        a: Assistant = request.app.state.assistant
        history = [t.model_dump() for t in body.history]
        answer = await run_in_threadpool(a.answer, body.question.strip(), history)
        return ChatResponse.of(answer, settings.human_contact)

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

    @app.get("/", include_in_schema=False)
    async def home() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
