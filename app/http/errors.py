"""Errors as the API says them: every domain error mapped to its status, in French, never a stack trace.

An API client gets JSON (`{"detail": …}`), or under `/v1` OpenAI's error object (`{"error": {"message", "type",
"param", "code"}}`, the message in French) so that OpenAI clients show it; a browser that opens a link to a page that does not exist gets a page
in French, so a citizen who follows a dead link is told what happened and where to go.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from app.feedback import FeedbackError
from app.http import PAGES
from app.http.queue import Busy
from index.collectivites import UnknownCollectivite
from index.store import IndexError_
from models.fetch import ModelError


def install(app: FastAPI) -> None:
    """Register the handlers of the errors the domain raises, of invalid requests, and of every other error."""
    app.add_exception_handler(Busy, busy)  # type: ignore[arg-type]
    app.add_exception_handler(IndexError_, unavailable)
    app.add_exception_handler(ModelError, unavailable)
    app.add_exception_handler(FeedbackError, feedback_unavailable)
    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]
    app.add_exception_handler(UnknownCollectivite, unknown_collectivite)
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, internal)  # a bug: a French 500, the trace in the server's log only


# OpenAI's error types and codes by status, for the clients of /v1 (they read `type` and `code`, show `message`).
_OPENAI = {
    400: ("invalid_request_error", "invalid_body"),
    401: ("authentication_error", "invalid_token"),
    403: ("permission_error", "forbidden"),
    404: ("invalid_request_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", "invalid_value"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    503: ("server_error", "service_unavailable"),
}


def error_body(path: str, status: int, detail: object) -> dict:
    """The JSON of an error: `{"detail": …}` for registre's API, OpenAI's error object under /v1."""
    if not (path == "/v1" or path.startswith("/v1/")):
        return {"detail": detail}
    kind, code = _OPENAI.get(status, ("server_error", "internal_error"))
    param = None
    if isinstance(detail, list):  # validation errors: every message, the first one's field and type
        first = detail[0] if detail else {}
        loc = [str(p) for p in first.get("loc", ()) if p != "body"]
        param, code = ".".join(loc) or None, first.get("type") or code
        detail = " ".join(str(e.get("msg", "")) for e in detail)
    return {"error": {"message": str(detail), "type": kind, "param": param, "code": code}}


def _json(
    request: Request, status: int, detail: object, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        status_code=status, content=error_body(request.url.path, status, detail), headers=headers
    )


async def busy(request: Request, exc: Busy) -> JSONResponse:
    """503 with Retry-After: the fair queue is full."""
    request.app.state.metrics.rejected.inc()
    said = (
        f"Le service répond déjà à beaucoup de questions. Réessayez dans {exc.retry_after} secondes environ."
    )
    return _json(request, 503, said, {"Retry-After": str(exc.retry_after)})


async def unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503 with the domain's own message: it says what to run (an ingest, a model fetch)."""
    return _json(request, 503, str(exc))


async def unknown_collectivite(request: Request, exc: Exception) -> JSONResponse:
    """422: the collectivité filter names none of the index's; the message lists them."""
    return _json(request, 422, str(exc))


async def feedback_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503: the ratings file cannot be written; the reason stays in the server's log, not in the answer."""
    return _json(request, 503, "Votre avis n'a pas pu être enregistré ; réessayez plus tard.")


async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 in French, in FastAPI's shape (a list of {loc, msg, type}), without echoing the input back."""
    detail = [{"loc": list(e.get("loc", ())), "msg": french(e), "type": e.get("type")} for e in exc.errors()]
    return _json(request, 422, detail)


# What Starlette and FastAPI say in English when a route gives no message of its own.
_SAID = {
    400: "Le corps de la requête est illisible : envoyez du JSON encodé en UTF-8.",
    404: "Cette adresse ne mène à aucune page ni à aucun document.",
    405: "Cette adresse ne s'utilise pas avec cette méthode.",
    500: "Une erreur interne est survenue. Réessayez plus tard ; si elle persiste, signalez-la à la mairie.",
}
_TITLES = {
    404: "Page introuvable",
    410: "Document retiré",
    405: "Méthode non admise",
    500: "Erreur du service",
}
_ENGLISH = {"There was an error parsing the body"}


def _detail(status: int, detail: object) -> object:
    """The route's own message, or a French one in place of the framework's English default."""
    english = isinstance(detail, str) and (detail in _ENGLISH or detail == HTTPStatus(status).phrase)
    return _SAID.get(status, "La requête n'a pas pu aboutir.") if english else detail


async def http_error(request: Request, exc: HTTPException) -> Response:
    """An HTTP error in French: a page for a browser, JSON for an API client."""
    detail = _detail(exc.status_code, exc.detail)
    if isinstance(detail, str) and wants_html(request.headers.get("accept", "")):
        return error_page(exc.status_code, detail, exc.headers)
    return _json(request, exc.status_code, detail, exc.headers)


async def internal(request: Request, exc: Exception) -> Response:
    """500 in French, whatever failed; the stack trace stays in the server's log."""
    if wants_html(request.headers.get("accept", "")):
        return error_page(500, _SAID[500])
    return _json(request, 500, _SAID[500])


def wants_html(accept: str) -> bool:
    """Tell whether the client ranks an HTML page above JSON (a browser following a link does; fetch and curl not)."""
    ranks: dict[str, float] = {}
    for part in accept.lower().split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            ranks[media] = float(q)
        except ValueError:
            continue
    page = max(ranks.get("text/html", 0.0), ranks.get("application/xhtml+xml", 0.0))
    return page > ranks.get("application/json", 0.0)


def error_page(status: int, detail: str, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """The error as a small French page in the city's colours, with the way back to the chat and to the search."""
    title = _TITLES.get(status, "Requête impossible")
    body = PAGES.get_template("error.html").render(title=title, message=detail, status=status)
    return HTMLResponse(body, status_code=status, headers=headers)


# The names of the fields a client sends, in French, and whether they are feminine.
_FIELDS = {
    "question": ("la question", True),
    "history": ("l'historique", False),
    "content": ("un message de l'historique", False),
    "role": ("le rôle d'un message", False),
    "messages": ("la liste des messages", True),
    "model": ("le modèle", False),
    "stream": ("le champ stream", False),
    "q": ("la recherche", True),
    "date_from": ("la date de début", True),
    "date_to": ("la date de fin", True),
    "seance": ("la date de séance", True),
    "council": ("le conseil", False),
    "rapporteur": ("le rapporteur", False),
    "outcome": ("le vote", False),
    "kind": ("le type d'acte", False),
    "sort": ("le tri", False),
    "page": ("le numéro de page", False),
    "per_page": ("le nombre de résultats par page", False),
}
_DATES = {
    "date_type",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
    "date_future",
}
_INTEGERS = {"int_type", "int_parsing", "int_from_float", "int_parsing_size"}
_BOUNDS = {
    "greater_than_equal": ("supérieur", " ou égal", "ge"),
    "greater_than": ("supérieur", "", "gt"),
    "less_than_equal": ("inférieur", " ou égal", "le"),
    "less_than": ("inférieur", "", "lt"),
}
# Errors whose message is French already: the checks registre adds to pydantic's own.
OWN_ERRORS = {"question_empty", "question_without_words"}


def french(error: dict) -> str:
    """One validation error, said in French, with no word of pydantic's."""
    loc = [str(p) for p in error.get("loc", ())]
    ctx, kind = error.get("ctx") or {}, error.get("type", "")
    if kind in OWN_ERRORS:
        return str(error.get("msg", ""))
    known = next((_FIELDS[p] for p in reversed(loc) if p in _FIELDS), None)
    if known is None and kind in ("json_invalid", "model_attributes_type", "dict_type", "model_type"):
        return "Le corps de la requête doit être un objet JSON valide."
    name, fem = known or ("la requête", True)
    subject, e, long = name[0].upper() + name[1:], "e" if fem else "", "longue" if fem else "long"
    if kind == "missing":
        return f"Il manque {name}."
    if kind == "string_too_long":
        return f"{subject} est trop {long} : {ctx.get('max_length')} caractères au plus."
    if kind in ("string_too_short", "too_short"):
        return f"{subject} est vide."
    if kind == "too_long":
        return f"{subject} est trop {long} : {ctx.get('max_length')} messages au plus."
    if kind in ("literal_error", "enum"):
        return f"{subject} : valeur non admise (valeurs admises : {_choices(str(ctx.get('expected', '')))})."
    if kind in ("string_type", "string_unicode"):
        return f"{subject} doit être un texte."
    if kind in _INTEGERS:
        return f"{subject} doit être un nombre entier."
    if kind in ("bool_type", "bool_parsing"):
        return f"{subject} doit valoir true ou false."
    if kind == "list_type":
        return f"{subject} doit être une liste."
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"{subject} doit être un objet JSON."
    if kind in _DATES:
        return f"{subject} doit être une date au format AAAA-MM-JJ."
    if kind in _BOUNDS:
        word, equal, key = _BOUNDS[kind]
        return f"{subject} doit être {word}{e}{equal}{e} à {ctx.get(key)}."
    if kind == "extra_forbidden":
        return f"{subject} : champ inconnu."
    return f"{subject} : valeur non valide."


def _choices(expected: str) -> str:
    """Pydantic's "'a', 'b' or 'c'" as « a », « b » ou « c »."""
    values = [f"« {v} »" for v in re.findall(r"'([^']*)'", expected)]
    if len(values) < 2:
        return "".join(values) or "voir la documentation de l'API"
    return ", ".join(values[:-1]) + " ou " + values[-1]
