"""Build the parts once, from settings: the one place that turns settings into objects and opens the index."""

from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager
from pathlib import Path

from app.answer.assistant import Assistant, prompt
from app.settings import Settings
from index.store import Index, open_index
from models.base import LLM, Embedder
from models.embedder import load_embedder
from models.llm import RemoteLLM, load_llm


def eval_root(settings: Settings, corpus: Path) -> Path:
    """Each evaluated corpus gets its own index, so an evaluation never replaces the served one."""
    key = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:12]
    return settings.data_dir / "eval" / f"{corpus.resolve().name}-{key}"


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

    def reload(self) -> Index:
        """Serve the index published last under index_dir, built by the same embedder; return it."""
        old = self.assistant
        index = open_index(self.index_dir, old.index.embedder)
        self.assistant = Assistant(
            index,
            old.embedder,
            old.llm,
            top_k=old.top_k,
            extract_words=old.extract_words,
            max_tokens=old.max_tokens,
            human_contact=old.human_contact,
            llm_slot=self._slot,
        )
        return index
