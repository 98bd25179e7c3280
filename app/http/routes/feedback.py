"""Citizens rate an answer (👍/👎); the question travels, and is kept, only when they tick the box."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.feedback import Cited, Feedback
from app.http.deps import FeedbackDep

router = APIRouter()


class CitedIn(BaseModel):
    file: str = Field(max_length=500)
    page: int = Field(ge=1, le=100_000)
    act: str | None = Field(None, max_length=100)


class FeedbackRequest(BaseModel):
    """What the chat sends back about one answer: what the answer said of itself, never who asked."""

    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=1000, description="Optional words of the citizen.")
    share_question: bool = Field(
        False,
        description="« Joindre ma question pour améliorer le service » ticked: only then is `question` kept.",
    )
    question: str | None = Field(None, max_length=1000)
    found: bool | None = None
    generated_by: Literal["ai", "document"] | None = None
    refused_by: Literal["evidence", "model", "check", "no_model"] | None = None
    model: str | None = Field(None, max_length=200)
    index_version: str | None = Field(None, max_length=100)
    citations: list[CitedIn] = Field(default_factory=list, max_length=20)

    def feedback(self) -> Feedback:
        question = (self.question or "").strip() if self.share_question else ""
        return Feedback(
            rating=self.rating,
            comment=(self.comment or "").strip() or None,
            question=question or None,
            found=self.found,
            generated_by=self.generated_by,
            refused_by=self.refused_by,
            model=self.model,
            index_version=self.index_version,
            citations=tuple(Cited(c.file, c.page, c.act) for c in self.citations),
        )


@router.post("/api/feedback", status_code=201)
async def feedback(body: FeedbackRequest, store: FeedbackDep) -> dict:
    """Keep a rating of an answer for REGISTRE_FEEDBACK_RETENTION_DAYS days; no address, no cookie."""
    kept = body.feedback()
    await run_in_threadpool(store.add, kept)
    return {
        "detail": "Merci pour votre avis.",
        "question_kept": kept.question is not None,
        "retention_days": store.retention_days,
    }
