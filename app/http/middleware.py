"""What guards the API from abuse: request size, rate limits per client, security headers.

Pure ASGI middlewares: they see streamed bodies as they arrive and never buffer a response.
Nothing here logs or keeps a client's address: rate-limit counts are keyed by a salted hash, held in memory or,
with REGISTRE_DATABASE_URL, in the database every server shares.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import mimetypes
import secrets
import time

from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import DatabaseError
from app.db.rate_limits import SharedCounts
from app.http.errors import error_body

log = logging.getLogger("registre")


async def _send_json(
    scope: Scope, send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(error_body(scope["path"], status, detail), ensure_ascii=False).encode()
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
            return await _send_json(scope, send, 413, self._message())
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
                    await _send_json(scope, send, 413, self._message())
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
    """At most `per_minute` requests a minute per client on the API paths, and `burst` in a shorter window.

    Two moving windows (the `limits` library): `per_minute` in a minute, and `burst` in the time the rate takes
    to allow that many, so a client may send `burst` requests at once, then goes at the rate. Over either: 429
    with Retry-After and a French message. Counts live in memory and expire with their window, keyed by an HMAC
    of the client address with a key drawn at start-up, so no address is kept in clear. With `shared` (the
    database of REGISTRE_DATABASE_URL) they live in its table for every server at once, keyed by an HMAC whose key
    the database keeps, the same for all; a database that does not answer lets requests through (the rate limit
    guards the servers, it must not stop them), said once a minute in the log. Behind a reverse
    proxy, run uvicorn with FORWARDED_ALLOW_IPS set to the proxy's address so that the client address is the
    citizen's, not the proxy's.
    """

    def __init__(
        self,
        app: ASGIApp,
        per_minute: int,
        burst: int,
        prefixes: tuple[str, ...],
        shared: SharedCounts | None = None,
    ):
        self.app, self.prefixes, self.shared = app, prefixes, shared
        burst = max(1, min(burst, per_minute))
        self.limits = (
            RateLimitItemPerMinute(per_minute),
            RateLimitItemPerSecond(burst, max(1, math.ceil(burst * 60 / per_minute))),
        )
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._key = secrets.token_bytes(32)
        self._said = 0.0  # when the log last said the database was down

    def client(self, scope: Scope) -> str:
        """The client's key: an HMAC of its address (not its port), never the address itself."""
        host = (scope.get("client") or ("", 0))[0] or ""
        key = self.shared.secret() if self.shared is not None else self._key
        return hmac.new(key, host.encode(), hashlib.sha256).hexdigest()

    def take(self, client: str) -> float:
        """Count a request of the client; return 0 when allowed, else the seconds until one is allowed again."""
        if self.shared is not None:
            return self.shared.take(client, [(item.amount, item.get_expiry()) for item in self.limits])
        if all(self._limiter.test(item, client) for item in self.limits):
            for item in self.limits:
                self._limiter.hit(item, client)
            return 0.0
        now = time.time()
        return max(
            self._limiter.get_window_stats(item, client).reset_time - now
            for item in self.limits
            if not self._limiter.test(item, client)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] == "OPTIONS"
            or not scope["path"].startswith(self.prefixes)
        ):
            return await self.app(scope, receive, send)
        wait = self.take(self.client(scope)) if self.shared is None else await self._take_shared(scope)
        if wait:
            seconds = max(1, math.ceil(wait))
            return await _send_json(
                scope,
                send,
                429,
                f"Trop de questions en peu de temps : réessayez dans {seconds} s.",
                {"Retry-After": str(seconds)},
            )
        await self.app(scope, receive, send)

    async def _take_shared(self, scope: Scope) -> float:
        try:
            return await run_in_threadpool(lambda: self.take(self.client(scope)))
        except DatabaseError as e:
            if time.monotonic() - self._said > 60 or not self._said:
                self._said = time.monotonic()
                log.warning("limite de débit non comptée, la base ne répond pas : %s", e)
            return 0.0


class SecurityHeaders:
    """Headers every response carries, and a Content-Security-Policy suited to each kind of page.

    The pages (chat, staff search, demo) run only the scripts this origin serves, none inline, and talk only to
    this origin. The widget script is loaded by other sites through a script tag and calls the API
    cross-origin: CORS (the configured origins) governs that, so no header here may stop a foreign page from
    loading /static/widget.js (no Cross-Origin-Resource-Policy). Pages can be framed only by this origin and the
    configured ones. /docs loads Swagger UI from its CDN.

    A 304 carries no Content-Type, but the browser merges its headers into the cached response: it must get the
    policy the 200 had (a page's, for the demo page), else a reload applies `default-src 'none'` to a cached
    page and the page loses its styles and scripts. Its kind is read from the path, as the static files do.
    """

    def __init__(self, app: ASGIApp, frame_origins: list[str]):
        self.app = app
        ancestors = " ".join(["'self'", *frame_origins])
        self.page_csp = (
            "default-src 'self'; script-src 'self'; "
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
                    kind = headers.get(b"content-type", b"")
                    if message["status"] == 304:
                        kind = (mimetypes.guess_type(scope["path"])[0] or "").encode()
                    csp = self._csp(scope["path"], kind)
                    extra.append((b"content-security-policy", csp))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
