"""What guards the API from abuse: request size, rate limits per client, security headers, French 422 errors.

Pure ASGI middlewares: they see streamed bodies as they arrive and never buffer a response.
Nothing here logs or keeps a client's address: rate-limit buckets are keyed by a salted hash held in memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import secrets
import threading
import time
from pathlib import Path

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def _send_json(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    raw = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuse a request body over max_bytes with 413, by Content-Length or while it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    def _message(self) -> str:
        return f"La requête est trop volumineuse : {self.max_bytes // 1024} Ko au plus."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_bytes <= 0:
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await _send_json(send, 413, self._message())
        seen, started, refused = 0, False, False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not started:
                    # Answer now; the app sees the client gone and whatever it sends next is dropped.
                    refused = True
                    await _send_json(send, 413, self._message())
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not refused:
                raise


class RateLimit:
    """A token bucket per client on the API paths: `per_minute` requests a minute, bursts of `burst`.

    Over the limit: 429 with Retry-After and a French message. Buckets live in memory only, keyed by an HMAC of
    the client address with a key drawn at start-up, so no address is kept in clear, and full buckets are
    dropped. Behind a reverse proxy, run uvicorn with FORWARDED_ALLOW_IPS set to the proxy's address so that the
    client address is the citizen's, not the proxy's.
    """

    def __init__(self, app: ASGIApp, per_minute: float, burst: int, prefixes: tuple[str, ...]):
        self.app, self.rate, self.burst, self.prefixes = app, per_minute / 60.0, max(1, burst), prefixes
        self._key = secrets.token_bytes(32)
        self._buckets: dict[bytes, tuple[float, float]] = {}  # client -> (tokens, last update)
        self._lock = threading.Lock()
        self._swept = time.monotonic()

    def _client(self, scope: Scope) -> bytes:
        host = (scope.get("client") or ("", 0))[0] or ""
        return hmac.new(self._key, host.encode(), hashlib.sha256).digest()

    def take(self, client: bytes, now: float) -> float:
        """Take a token for client; return 0 when allowed, else the seconds until a token is back."""
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if now - self._swept > 60:  # forget clients whose bucket has refilled: memory stays bounded
                full = self.burst / self.rate if self.rate else math.inf
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full}
                self._swept = now
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate if self.rate else 60.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] == "OPTIONS"
            or not scope["path"].startswith(self.prefixes)
        ):
            return await self.app(scope, receive, send)
        wait = self.take(self._client(scope), time.monotonic())
        if wait:
            seconds = max(1, math.ceil(wait))
            return await _send_json(
                send,
                429,
                f"Trop de questions en peu de temps : réessayez dans {seconds} s.",
                {"Retry-After": str(seconds)},
            )
        await self.app(scope, receive, send)


def _inline_script_hashes(static: Path) -> str:
    """CSP sources for the inline scripts of the pages shipped in static/ (each allowed by its hash)."""
    scripts = [
        s
        for page in sorted(static.glob("*.html"))
        for s in re.findall(r"<script>(.*?)</script>", page.read_text(encoding="utf-8"), re.DOTALL)
    ]
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts
    )


class SecurityHeaders:
    """Headers every response carries, and a Content-Security-Policy suited to each kind of page.

    The chat page and the demo page run only their own scripts (the page's inline script by its hash) and talk
    only to this origin. The widget script is loaded by other sites through a script tag and calls the API
    cross-origin: CORS (the configured origins) governs that, so no header here may stop a foreign page from
    loading /static/widget.js (no Cross-Origin-Resource-Policy). Pages can be framed only by this origin and the
    configured ones. /docs loads Swagger UI from its CDN.
    """

    def __init__(self, app: ASGIApp, static: Path, frame_origins: list[str]):
        self.app = app
        ancestors = " ".join(["'self'", *frame_origins])
        self.page_csp = (
            f"default-src 'self'; script-src 'self' {_inline_script_hashes(static)}; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
            f"base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
        )
        self.docs_csp = (
            "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
            "https://fastapi.tiangolo.com; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
        )
        self.other_csp = f"default-src 'none'; frame-ancestors {ancestors}"
        self.common = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
        ]

    def _csp(self, path: str, content_type: bytes) -> bytes:
        if path in ("/docs", "/redoc") or path.startswith("/docs/"):
            return self.docs_csp.encode()
        if content_type.startswith(b"text/html"):  # /, /recherche, the demo page
            return self.page_csp.encode()
        return self.other_csp.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                extra = [(k, v) for k, v in self.common if k not in headers]
                if b"content-security-policy" not in headers:
                    csp = self._csp(scope["path"], headers.get(b"content-type", b""))
                    extra.append((b"content-security-policy", csp))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


_FIELDS = {
    "question": ("la question", True),
    "history": ("l'historique", False),
    "content": ("un message de l'historique", False),
    "role": ("le rôle d'un message", False),
}


def _french(error: dict) -> str:
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


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 in French, in FastAPI's shape (a list of {loc, msg, type}), without echoing the input back."""
    detail = [{"loc": list(e.get("loc", ())), "msg": _french(e), "type": e.get("type")} for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": detail})


# Links the model writes are never sources: a document or a question may have planted them ("see https://…").
_MARKDOWN_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_URL = re.compile(
    r"(?i)(?:\b(?:https?|ftp|file)://|\b(?:javascript|data|vbscript):(?=\S)|\bwww\.)"
    r"(?:[^\s<>\"'\[\]]*[^\s<>\"'\[\].,;:!?)])?"
)
LINK_REMOVED = "[lien retiré]"


def without_links(text: str) -> str:
    """The model's text with every URL replaced by a plain mark, so no client renders it as a link.

    Sources travel apart, as citations with their own URLs; markdown links keep only their words.
    """
    return _URL.sub(LINK_REMOVED, _MARKDOWN_LINK.sub(r"\1", text))
