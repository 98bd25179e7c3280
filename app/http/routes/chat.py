"""The citizens' chat: one answer as JSON, or streamed as server-sent events; the chat page at /."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse
from fastapi.sse import EventSourceResponse, format_sse_event

from app.answer.assistant import Answer, Assistant, Sources
from app.http import STATIC
from app.http.deps import AssistantDep, GateDep, MetricsDep, SettingsDep
from app.http.metrics import Metrics
from app.http.queue import Ticket
from app.http.relay import relay
from app.http.schemas import ChatRequest, ChatResponse, CitationOut, EvidenceOut, generated_by_header
from app.settings import Settings
from index.store import IndexError_
from models.fetch import ModelError

router = APIRouter()


@router.post("/api/chat", response_model=ChatResponse)
async def chat(
    body: ChatRequest,
    assistant: AssistantDep,
    settings: SettingsDep,
    gate: GateDep,
    metrics: MetricsDep,
    response: Response,
) -> ChatResponse:
    """Answer a question from the published acts, with the sources of every statement.

    The header X-Registre-Generated-By marks the answer as the AI Act asks: `ai; model=NAME` or `document`.
    """
    history = [t.model_dump() for t in body.history]
    scope = assistant.scope(body.collectivite) if body.collectivite else None  # 422 when unknown
    ticket = gate.admit()  # 503 at once when the queue is full
    answer = None
    async for item in relay(assistant, body.question.strip(), history, ticket, scope, metrics.observe):
        answer = item if isinstance(item, Answer) else answer
    assert answer is not None
    out = ChatResponse.of(
        answer, settings.human_contact, settings.public_url, model_label=settings.model_label
    )
    response.headers.update(generated_by_header(out.generated_by, out.model))
    return out


@router.post(
    "/api/chat/stream",
    # Not response_class=EventSourceResponse: that makes FastAPI run the endpoint as a generator, after the 200
    # has started; the chat must be admitted (or refused with a 503) before.
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events."}},
)
async def chat_stream(
    body: ChatRequest, assistant: AssistantDep, settings: SettingsDep, gate: GateDep, metrics: MetricsDep
) -> EventSourceResponse:
    """Stream the answer as server-sent events: `sources`, then `token`s, then `done` (as /api/chat).

    Closing the connection cancels the answer and frees the model at once. The headers leave before the
    answer is known: X-Registre-Generated-By says `ai-possible`; the `done` event carries the exact mark.
    """
    history = [t.model_dump() for t in body.history]
    scope = assistant.scope(body.collectivite) if body.collectivite else None  # 422 when unknown
    # Admitted here, before the response starts: a full queue is a 503, not an event in a 200 stream.
    ticket = gate.admit()
    return EventSourceResponse(
        _events(assistant, body.question.strip(), history, settings, ticket, metrics, scope),
        headers={
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
            **generated_by_header("ai-possible", getattr(assistant.llm, "name", None)),
        },
    )


@router.get("/", include_in_schema=False)
async def home() -> FileResponse:
    return FileResponse(STATIC / "index.html")


def _event(name: str, data: str) -> bytes:
    return format_sse_event(event=name, data_str=data)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


async def _events(
    assistant: Assistant,
    question: str,
    history: list[dict[str, str]],
    settings: Settings,
    ticket: Ticket,
    metrics: Metrics,
    scope: str | None = None,
) -> AsyncIterator[bytes]:
    try:
        async for item in relay(assistant, question, history, ticket, scope, metrics.observe):
            if isinstance(item, Sources):
                extracts = [
                    CitationOut.of(c, settings.public_url, item.evidence).model_dump() for c in item.extracts
                ]
                evidence = EvidenceOut.of(item.evidence)
                payload = {"extracts": extracts, "evidence": evidence.model_dump() if evidence else None}
                yield _event("sources", _json(payload))
            elif isinstance(item, Answer):
                done = ChatResponse.of(
                    item, settings.human_contact, settings.public_url, model_label=settings.model_label
                )
                yield _event("done", done.model_dump_json())
            else:
                yield _event("token", _json({"text": item}))
    except (IndexError_, ModelError) as e:
        yield _event("error", _json({"detail": str(e)}))
