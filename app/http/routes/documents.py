"""The indexed PDFs, by id, and what the service runs on."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from app.http.deps import AssistantDep, SettingsDep

router = APIRouter()


@router.get("/documents/{doc_id}.pdf", response_class=FileResponse)
async def document(doc_id: str, assistant: AssistantDep) -> FileResponse:
    """Serve an indexed PDF (add #page=N to the URL to open it at a page)."""
    doc = assistant.index.documents.get(doc_id)
    if doc is None:
        raise HTTPException(404, "Document inconnu.")
    path = assistant.index.corpus / doc.path
    if not path.is_file():
        raise HTTPException(410, "Ce document n'est plus dans le dossier indexé ; relancez l'indexation.")
    return FileResponse(
        path, media_type="application/pdf", filename=Path(doc.path).name, content_disposition_type="inline"
    )


@router.get("/health")
async def health(assistant: AssistantDep, settings: SettingsDep) -> dict:
    """Say whether the service is ready and what it runs on."""
    return {
        "status": "ok",
        "documents": len(assistant.index.documents),
        "chunks": len(assistant.index.chunks),
        "index_version": assistant.index.version,  # which published version this server answers from
        "embedder": assistant.index.embedder,
        "llm": getattr(assistant.llm, "name", None),
        "human_contact": settings.human_contact,
    }
