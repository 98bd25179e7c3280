"""Errors as the API says them: every domain error mapped to its status, in French, never a stack trace."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.http.queue import Busy
from index.store import IndexError_
from models.fetch import ModelError


def install(app: FastAPI) -> None:
    """Register the handlers of the errors the domain raises and of invalid requests."""
    app.add_exception_handler(Busy, busy)  # type: ignore[arg-type]
    app.add_exception_handler(IndexError_, unavailable)
    app.add_exception_handler(ModelError, unavailable)
    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]


async def busy(request: Request, exc: Busy) -> JSONResponse:
    """503 with Retry-After: the fair queue is full."""
    return JSONResponse(
        status_code=503,
        headers={"Retry-After": str(exc.retry_after)},
        content={
            "detail": "Le service répond déjà à beaucoup de questions. "
            f"Réessayez dans {exc.retry_after} secondes environ."
        },
    )


async def unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503 with the domain's own message: it says what to run (an ingest, a model fetch)."""
    return JSONResponse(status_code=503, content={"detail": str(exc)})


async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 in French, in FastAPI's shape (a list of {loc, msg, type}), without echoing the input back."""
    detail = [{"loc": list(e.get("loc", ())), "msg": french(e), "type": e.get("type")} for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": detail})


_FIELDS = {
    "question": ("la question", True),
    "history": ("l'historique", False),
    "content": ("un message de l'historique", False),
    "role": ("le rôle d'un message", False),
}


def french(error: dict) -> str:
    """One validation error, said in French."""
    loc = [str(p) for p in error.get("loc", ())]
    known = next((_FIELDS[p] for p in reversed(loc) if p in _FIELDS), None)
    name, fem = known or (" / ".join(p for p in loc if p != "body") or "la requête", True)
    ctx, kind, long = error.get("ctx") or {}, error.get("type", ""), "longue" if fem else "long"
    subject = name[0].upper() + name[1:]
    if kind == "missing":
        return f"Il manque {name}."
    if kind == "string_too_long":
        return f"{subject} est trop {long} : {ctx.get('max_length')} caractères au plus."
    if kind == "string_too_short":
        return f"{subject} est vide."
    if kind == "too_long":
        return f"{subject} est trop {long} : {ctx.get('max_length')} messages au plus."
    if kind == "literal_error":
        return f"{subject} : valeur non admise (attendu : {ctx.get('expected')})."
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return "Le corps de la requête doit être un objet JSON valide."
    return f"{subject} : valeur non valide ({kind})."
