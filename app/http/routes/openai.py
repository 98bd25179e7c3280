"""An OpenAI-compatible `/v1/chat/completions`, so existing chat front ends and scripts can use registre.

The answer is the message content; its sources travel in the extra field `citations` (`/api/chat`'s own, with
the same links: `url` to the PDF at the page, `viewer_url` to the reader at the cited sentence) and the field `registre` ({found, notice, human_contact, generated_by, model, refused_by,
index_version}), on the response or, when streaming, on the last chunk. The header X-Registre-Generated-By marks
the answer (AI Act, article 50). `/v1/models` lists one model, `registre`: front ends list the models before they
chat. A request restricts the answer to one collectivité with the extra body field `collectivite`, or
`metadata.collectivite` (for clients that only pass `metadata` through). A streamed answer always streams its
text, a refusal's too; errors are OpenAI's error object (app.http.errors.error_body), so OpenAI clients show them.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Literal

from fastapi import APIRouter, HTTPException, Response
from fastapi.sse import EventSourceResponse, format_sse_event
from pydantic import BaseModel, Field

from app.answer.assistant import Answer
from app.http.deps import AssistantDep, GateDep, MetricsDep, SettingsDep
from app.http.errors import error_body
from app.http.relay import relay
from app.http.schemas import ChatResponse, generated_by_header, question_problem
from app.settings import Settings
from index.store import IndexError_
from models.fetch import ModelError

router = APIRouter(tags=["OpenAI-compatible"])

MODEL = "registre"  # whatever model runs behind, clients see the service: its answers come with sources
STARTED = int(time.time())


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=4000)


class CompletionRequest(BaseModel):
    model: str = "registre"
    messages: list[Message] = Field(min_length=1, max_length=21)
    stream: bool = False
    collectivite: str | None = Field(None, max_length=120, description="Answer from this collectivité only.")
    metadata: dict[str, str] | None = Field(
        None, description="Free labels; `metadata.collectivite` works as `collectivite`."
    )

    @property
    def scope(self) -> str | None:
        return self.collectivite or (self.metadata or {}).get("collectivite") or None


def _split(body: CompletionRequest) -> tuple[str, list[dict[str, str]]]:
    """The last user message is the question; earlier user and assistant turns are the history."""
    turns = [m for m in body.messages if m.role != "system"]  # registre's own instructions apply
    if not turns or turns[-1].role != "user":
        raise HTTPException(422, "Le dernier message doit être une question de l'utilisateur.")
    if len(turns[-1].content) > 1000:
        raise HTTPException(422, "La question dépasse 1000 caractères.")
    problem = question_problem(turns[-1].content)
    if problem:  # said as a validation error, so that OpenAI's error object carries its type as `code`
        kind, said = problem
        raise HTTPException(422, [{"loc": ["body", "messages"], "msg": said, "type": kind}])
    return turns[-1].content.strip(), [m.model_dump() for m in turns[:-1]]


def _response(answer: Answer, settings: Settings) -> ChatResponse:
    return ChatResponse.of(
        answer, settings.human_contact, settings.public_url, model_label=settings.model_label
    )


# What `registre` says of the answer; generated_by and model are the AI Act's mark.
_REGISTRE = {"found", "notice", "human_contact", "generated_by", "model", "refused_by", "index_version"}


def _extras(out: ChatResponse) -> dict:
    return {
        "citations": [c.model_dump() for c in out.citations],
        "registre": out.model_dump(include=_REGISTRE),
    }


PATH = "/v1/chat/completions"


class ErrorDetail(BaseModel):
    message: str = Field(description="What went wrong and what to do, in French.")
    type: str = Field(description="invalid_request_error, rate_limit_error or server_error.")
    param: str | None = Field(None, description="The field at fault, if one is.")
    code: str | None = Field(None, description="The reason: question_empty, rate_limit_exceeded, …")


class OpenAIError(BaseModel):
    """An error as OpenAI's API says it, so that its clients show the message."""

    error: ErrorDetail


ERRORS: dict[int | str, dict] = {status: {"model": OpenAIError} for status in (400, 404, 422, 429, 503)}


@router.post(PATH, response_model=None, responses=ERRORS)
async def completions(
    body: CompletionRequest,
    assistant: AssistantDep,
    settings: SettingsDep,
    gate: GateDep,
    metrics: MetricsDep,
    response: Response,
) -> dict | EventSourceResponse:
    """Answer the last user message from the published acts (OpenAI chat-completions format)."""
    question, history = _split(body)
    scope = assistant.scope(body.scope) if body.scope else None  # 422 when it names no known collectivité
    ticket = gate.admit()  # 503 with Retry-After when the queue is full
    ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    head = {"id": ident, "created": created, "model": MODEL}
    if not body.stream:
        answer = None
        async for item in relay(assistant, question, history, ticket, scope, metrics.observe):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        out = _response(answer, settings)  # links: citations only
        response.headers.update(generated_by_header(out.generated_by, out.model))
        message = {"role": "assistant", "content": out.answer}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        return {**head, "object": "chat.completion", "choices": [choice], **_extras(out)}

    def chunk(delta: dict, finish: str | None = None, extras: dict | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, **({"finish_reason": finish} if finish else {})}
        body = {**head, "object": "chat.completion.chunk", "choices": [choice], **(extras or {})}
        return format_sse_event(data_str=json.dumps(body, ensure_ascii=False))

    async def chunks():
        said = False  # whether any of the answer's text went out yet
        try:
            async for item in relay(assistant, question, history, ticket, scope, metrics.observe):
                if isinstance(item, str) and item:
                    yield chunk({"content": item} if said else {"role": "assistant", "content": item})
                    said = True
                elif isinstance(item, Answer):
                    out = _response(item, settings)
                    if not said and out.answer:  # a refusal or a fact read from the acts: no token came
                        yield chunk({"role": "assistant", "content": out.answer})
                    yield chunk({}, "stop", _extras(out))
        except (IndexError_, ModelError) as e:  # the stream has begun: the error travels as OpenAI's, in it
            yield format_sse_event(data_str=json.dumps(error_body(PATH, 503, str(e)), ensure_ascii=False))
            return
        yield format_sse_event(data_str="[DONE]")

    llm = getattr(assistant.llm, "name", None)
    headers = {"Cache-Control": "no-store", **generated_by_header("ai-possible", llm)}
    return EventSourceResponse(chunks(), headers=headers)


def _model() -> dict:
    return {"id": MODEL, "object": "model", "created": STARTED, "owned_by": "registre"}


@router.get("/v1/models")
async def models() -> dict:
    """The models a client may name (OpenAI format): one, `registre`, the assistant with its sources."""
    return {"object": "list", "data": [_model()]}


@router.get("/v1/models/{model}", responses={404: {"model": OpenAIError}, 422: {"model": OpenAIError}})
async def model(model: str) -> dict:
    """One model by its name; only `registre` exists."""
    if model != MODEL:
        raise HTTPException(404, f"Modèle inconnu : ce service ne sert que « {MODEL} ».")
    return _model()
