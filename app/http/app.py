"""The app factory: the parts built once at start-up, the routers, the middleware around them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import start_http_server
from starlette.concurrency import run_in_threadpool

from app import wiring
from app.answer.assistant import Assistant
from app.db.rate_limits import SharedCounts
from app.http import STATIC, errors
from app.http.metrics import CountRequests, Metrics
from app.http.middleware import BodySizeLimit, RateLimit, SecurityHeaders
from app.http.queue import Gate
from app.http.routes import admin, chat, documents, feedback, metrics, openai, reader, search
from app.http.schemas import GENERATED_BY
from app.settings import Settings


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    """Build the app; the model and the index load once, at start-up (or come ready-made, for tests)."""
    settings = settings or Settings()
    gate = Gate(settings.llm_parallel, settings.chat_max_waiting)  # generations take the fair queue's slots
    database = wiring.database(settings, pooled=True)  # shared by several servers, when one is set
    if database is not None:
        database.check()  # a schema behind this code: refuse to start, say `registre db upgrade`
    ratings = wiring.ratings(settings, database)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ready: Assistant = (
            assistant
            if assistant is not None
            else await run_in_threadpool(wiring.assistant, settings, db=database)
        )
        watcher = None
        if database is None:
            app.state.served = wiring.Served(ready, settings.index_dir, gate)
        else:  # the index's versions are in the database: each server polls which one is current
            served = wiring.Served(ready, lambda name: wiring.open_served(settings, name, db=database), gate)
            app.state.served = served
            watcher = wiring.Watcher(served, database, settings.index_poll_seconds)
        if settings.warm_up:  # off the request path: the first question costs what the others cost
            app.state.served.warmed = await run_in_threadpool(wiring.warm_up, ready)
        if watcher is not None:
            watcher.start()
        await run_in_threadpool(ratings.purge)  # ratings past the retention go, even if none comes in
        port = None
        if settings.metrics_port:  # a private port, without token: the scraper's
            port, _ = start_http_server(settings.metrics_port, settings.metrics_host, watched.registry)
        try:
            yield
        finally:
            if watcher is not None:
                watcher.stop()
            if port is not None:
                port.shutdown()
                port.server_close()
            if database is not None:
                database.close()

    app = FastAPI(
        title="registre",
        version="0.1.0",
        lifespan=lifespan,
        description="Questions en français sur les délibérations d'un conseil municipal, avec sources.",
    )
    watched = Metrics(gate, lambda: getattr(app.state, "served", None), settings.data_dir)
    app.state.settings, app.state.gate = settings, gate
    app.state.metrics, app.state.feedback, app.state.database = watched, ratings, database
    errors.install(app)
    # The PDFs' route before the reader's: /documents/ID.pdf is the file, /documents/ID the reader.
    for routes in (chat, openai, search, documents, reader, feedback, admin, metrics):
        app.include_router(routes.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """The icon browsers ask every page for (an SVG: every browser registre supports reads it)."""
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    # Outermost last: CORS wraps everything so that a 413 or 429 reaches the widget with its message.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    if settings.rate_limit_per_minute > 0:
        app.add_middleware(
            RateLimit,
            per_minute=settings.rate_limit_per_minute,
            burst=settings.rate_limit_burst,
            prefixes=("/api/", "/v1/"),
            shared=SharedCounts(database) if database is not None else None,
        )
    app.add_middleware(SecurityHeaders, frame_origins=settings.cors_origins)
    if settings.cors_origins:  # the widget calls from the city's site: only the origins it names
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            expose_headers=["Retry-After", GENERATED_BY],
        )
    app.add_middleware(CountRequests, metrics=watched, routes=app.router.routes)  # outermost: sees 413, 429
    return app
