"""The service's health for Prometheus, behind the admin token (REGISTRE_METRICS_PORT serves it without)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.http.deps import Admin, MetricsDep

router = APIRouter(dependencies=[Admin], responses={401: {}, 403: {}})


@router.get("/metrics", response_class=Response)
async def metrics(watched: MetricsDep) -> Response:
    """Requests, answer times, the queue, refusals and the index served, in Prometheus text format.

    Needs `Authorization: Bearer <REGISTRE_ADMIN_TOKEN>`.
    """
    return Response(watched.exposition(), media_type=CONTENT_TYPE_LATEST)
