"""Build the parts once, from settings: the one place that turns settings into objects and opens the index."""

from __future__ import annotations

import hashlib
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from app.answer.assistant import Assistant, Sources, prompt
from app.db import Database
from app.feedback import FeedbackStore, PostgresFeedbackStore, Ratings
from app.settings import Settings
from index.store import Index, open_index
from models.base import LLM, Embedder
from models.embedder import load_embedder
from models.llm import RemoteLLM, load_llm


def eval_root(settings: Settings, corpus: Path) -> Path:
    """Each evaluated corpus gets its own index, so an evaluation never replaces the served one."""
    key = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:12]
    return settings.data_dir / "eval" / f"{corpus.resolve().name}-{key}"


def database(settings: Settings, pooled: bool = False) -> Database | None:
    """The shared PostgreSQL database when REGISTRE_DATABASE_URL is set (a pool for a server), else None."""
    return Database(settings.database_url, pooled=pooled) if settings.database_url else None


def ratings(settings: Settings, db: Database | None = None) -> Ratings:
    """Where citizens' ratings are kept: the shared database's table if there is one, else the SQLite file."""
    if db is None and settings.database_url:
        db = database(settings)
    if db is not None:
        return PostgresFeedbackStore(db, settings.feedback_retention_days)
    return FeedbackStore(settings.feedback_path, settings.feedback_retention_days)


def embedder(settings: Settings) -> Embedder:
    """The embedding model the settings name."""
    return load_embedder(settings.embedder, settings.models_dir)


def llm(settings: Settings) -> LLM:
    """The remote model when REGISTRE_LLM_URL is set, else the local GGUF with its system prompt primed."""
    if settings.llm_url:
        return RemoteLLM(settings.llm_url, settings.llm_remote_model, settings.llm_api_key)
    model = load_llm(
        settings.llm, settings.models_dir, settings.llm_context, settings.llm_threads, settings.llm_gpu_layers
    )
    model.prime(prompt("system"))  # the constant head of every prompt, evaluated once, at start-up
    return model


def assistant(
    settings: Settings, root: Path | None = None, with_llm: bool = True, emb: Embedder | None = None
) -> Assistant:
    """The assistant over the index published under root (the served one by default)."""
    emb = emb or embedder(settings)
    index = open_index(root or settings.index_dir, emb.name)
    return Assistant(
        index,
        emb,
        llm(settings) if with_llm else None,
        top_k=settings.top_k,
        extract_words=settings.extract_words,
        max_tokens=settings.llm_max_tokens,
        human_contact=settings.human_contact,
    )


# A question that goes the way every answer goes up to its sources: spaCy reads it, the embedder searches, the
# ranker weighs sentences, the word weights and the index's caches are built, a vote is looked for in the acts.
WARM_UP_QUESTION = "Quel a été le vote du conseil municipal sur les tarifs de la restauration scolaire ?"


@dataclass(frozen=True)
class WarmUp:
    """What the start-up primed, and how long it took: the first citizen's question no longer pays it."""

    question: str
    seconds: float
    extracts: int  # the extracts found for the question: the index was searched
    error: str | None = None  # why it could not be primed: the server starts anyway, and says it on questions


def warm_up(assistant: Assistant) -> WarmUp:
    """Ask the warm-up question as far as its sources, never the model, so that what loads on first use
    (spaCy, the embedder's session, the ranker, the word weights, the index's caches) loads now. A warm-up that
    fails never keeps the server from starting: the questions then meet the error, said in their answers."""
    t0 = time.perf_counter()
    try:
        # The answer stops at its sources: the generator is dropped before the model would be asked.
        sources = next((s for s in assistant.stream(WARM_UP_QUESTION) if isinstance(s, Sources)), None)
    except Exception as e:  # noqa: BLE001 - whatever it is, the questions will report it
        return WarmUp(WARM_UP_QUESTION, time.perf_counter() - t0, 0, error=str(e))
    extracts = len(sources.extracts) if sources is not None else 0
    return WarmUp(WARM_UP_QUESTION, time.perf_counter() - t0, extracts)


class Served:
    """The assistant a server answers with, over the index it serves.

    Reloading opens the index published last and puts a new assistant around it: requests under way keep the
    assistant, and so the index, they started with. Every assistant generates through `slot` (the server's fair
    queue), so the model is never asked for more answers at once than the queue allows.
    """

    def __init__(self, assistant: Assistant, index_dir: Path, slot: AbstractContextManager):
        self.index_dir, self._slot = index_dir, slot
        # The first assistant is built before the server's queue exists (wiring.assistant): it gets it here.
        assistant.llm_slot = slot
        self.assistant = assistant
        self.warmed: WarmUp | None = None  # set by the app's start-up and by each reload

    def reload(self) -> Index:
        """Serve the index published last under index_dir, built by the same embedder, once warmed up; return it."""
        old = self.assistant
        index = open_index(self.index_dir, old.index.embedder)
        fresh = Assistant(
            index,
            old.embedder,
            old.llm,
            top_k=old.top_k,
            extract_words=old.extract_words,
            max_tokens=old.max_tokens,
            human_contact=old.human_contact,
            llm_slot=self._slot,
        )
        self.warmed = warm_up(fresh)  # its caches built before any question reaches it
        self.assistant = fresh
        return index
