"""Build the parts once, from settings: the one place that turns settings into objects and opens the index."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from app.answer.assistant import Assistant, Sources, prompt
from app.db import Database
from app.feedback import FeedbackStore, PostgresFeedbackStore, Ratings
from app.settings import Settings
from index import postgres
from index.store import Index, IndexError_, current, open_index
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
    if db is None and settings.database_url:  # a command: its schema checked first, as a server's is
        db = Database(settings.database_url, pooled=False)
        db.check()
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


def eval_channel(root: Path) -> str:
    """The channel of an evaluated corpus's index in the database: never the one the servers answer from."""
    return f"eval/{root.name}"


def publish(
    settings: Settings, root: Path | None = None, db: Database | None = None, channel: str = postgres.SERVED
) -> str | None:
    """With a database, copy the version published on files under root (the served index by default) into it
    and make it the channel's current version, unless it already is; return its name when copied, else None.

    The ingest builds on files, as without a database: the files under REGISTRE_DATA_DIR are the builder's
    working copy (an incremental ingest reuses them), the database is what the servers read.
    """
    db = db or database(settings)
    folder = current(root or settings.index_dir)
    if db is None or folder is None:
        return None
    with db.connection() as conn:
        if postgres.current_version(conn, channel) == folder.name:
            return None  # an ingest that changed nothing, or one whose copy was already made
        return postgres.publish(conn, folder, channel)


def open_served(
    settings: Settings,
    embedder_name: str | None,
    root: Path | None = None,
    db: Database | None = None,
    channel: str = postgres.SERVED,
) -> Index:
    """The index a server or a command reads: the channel's current version in the database when there is one,
    else the version published on files under root (the served index by default)."""
    db = db or database(settings)
    if db is None:
        return open_index(root or settings.index_dir, embedder_name)
    db.check()  # a schema behind says « registre db upgrade », not the database's own error
    index = postgres.load(db.connection, channel)
    if index is None:
        raise IndexError_(
            "Aucun index dans la base PostgreSQL. Construisez-le : `registre ingest DOSSIER` avec "
            "REGISTRE_DATABASE_URL défini."
        )
    if embedder_name is not None:
        index.check_embedder(embedder_name)
    return index


def assistant(
    settings: Settings,
    root: Path | None = None,
    with_llm: bool = True,
    emb: Embedder | None = None,
    db: Database | None = None,
    channel: str = postgres.SERVED,
) -> Assistant:
    """The assistant over the index served (in the database when there is one, else published under root)."""
    emb = emb or embedder(settings)
    index = open_served(settings, emb.name, root, db, channel)
    return Assistant(
        index,
        emb,
        llm(settings) if with_llm else None,
        top_k=settings.top_k,
        extract_words=settings.extract_words,
        max_tokens=settings.llm_max_tokens,
        human_contact=settings.human_contact,
    )


def eval_assistant(settings: Settings, root: Path, emb: Embedder, with_llm: bool = False) -> Assistant:
    """The assistant over an evaluated corpus's index, built under root. With a database, it reads the index
    from there, as the servers would: copied under a channel of its own, never the one they answer from."""
    channel = eval_channel(root)
    publish(settings, root, channel=channel)
    return assistant(settings, root, with_llm=with_llm, emb=emb, channel=channel)


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
    queue), so the model is never asked for more answers at once than the queue allows. `source` is the folder
    of the files' index, or a function opening the index (given the embedder's name): the database's.
    """

    def __init__(
        self, assistant: Assistant, source: Path | Callable[[str], Index], slot: AbstractContextManager
    ):
        if isinstance(source, Path):
            folder = source
            self._open: Callable[[str], Index] = lambda name: open_index(folder, name)
        else:
            self._open = source
        self._slot = slot
        # The first assistant is built before the server's queue exists (wiring.assistant): it gets it here.
        assistant.llm_slot = slot
        self.assistant = assistant
        self.warmed: WarmUp | None = None  # set by the app's start-up and by each reload
        self._reloading = threading.Lock()  # one reload at a time: the watcher's and an admin's

    def reload(self) -> Index:
        """Serve the index published last, built by the same embedder, once warmed up; return it."""
        with self._reloading:
            old = self.assistant
            index = self._open(old.index.embedder)
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


class Watcher:
    """Polls the database's current version every `every` seconds, and has the server reload when it is not the
    one served: every server switches within a poll of a publish, between requests (a request under way keeps
    the index it started with). A failed poll or reload is kept for /metrics and retried at the next poll."""

    def __init__(self, served: Served, db: Database, every: float, channel: str = postgres.SERVED):
        self.served, self.db, self.every, self.channel = served, db, every, channel
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="registre-index-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def check(self) -> bool:
        """Reload if the database's current version is not the one served; True when it reloaded."""
        with self.db.connection() as conn:
            name = postgres.current_version(conn, self.channel)
        if name is None or name == self.served.assistant.index.version:
            return False
        self.served.reload()
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.check()
                self.error = None
            except Exception as e:  # noqa: BLE001 - the server goes on with the index it has
                self.error = str(e)
