"""What a route may ask for: the settings, the assistant serving now, the fair queue, the metrics, the ratings
(file or shared table), an admin's token."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from app.answer.assistant import Assistant
from app.feedback import Ratings
from app.http.metrics import Metrics
from app.http.queue import Gate
from app.settings import Settings
from app.wiring import Served


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _served(request: Request) -> Served:
    return request.app.state.served


def _assistant(request: Request) -> Assistant:
    return request.app.state.served.assistant  # the one serving now: a reload swaps it, not this request's


def _gate(request: Request) -> Gate:
    return request.app.state.gate


def _metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def _feedback(request: Request) -> Ratings:
    return request.app.state.feedback


SettingsDep = Annotated[Settings, Depends(_settings)]
ServedDep = Annotated[Served, Depends(_served)]
AssistantDep = Annotated[Assistant, Depends(_assistant)]
GateDep = Annotated[Gate, Depends(_gate)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]
FeedbackDep = Annotated[Ratings, Depends(_feedback)]


def admin(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> None:
    """Let the request through only with `Authorization: Bearer <REGISTRE_ADMIN_TOKEN>`."""
    if not settings.admin_token:
        raise HTTPException(
            403, "Les actions d'administration sont désactivées : définissez REGISTRE_ADMIN_TOKEN."
        )
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        raise HTTPException(
            401, "Jeton d'administration absent ou erroné.", headers={"WWW-Authenticate": "Bearer"}
        )


Admin = Depends(admin)
