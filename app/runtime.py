"""Build the parts once, from settings: the only place that turns settings into objects."""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.answer.assistant import Assistant, prompt
from app.settings import Settings
from index.store import Index
from ingest.pipeline import open_for
from models.embedder import load_embedder
from models.llm import RemoteLLM, load_llm


def eval_root(settings: Settings, corpus: Path) -> Path:
    """Each evaluated corpus gets its own index, so an evaluation never replaces the served one."""
    key = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:12]
    return settings.data_dir / "eval" / f"{corpus.resolve().name}-{key}"


def embedder(settings: Settings):
    return load_embedder(settings.embedder, settings.models_dir)


def llm(settings: Settings):
    if settings.llm_url:
        return RemoteLLM(settings.llm_url, settings.llm_remote_model, settings.llm_api_key)
    model = load_llm(
        settings.llm, settings.models_dir, settings.llm_context, settings.llm_threads, settings.llm_gpu_layers
    )
    model.prime(prompt("system"))  # the constant head of every prompt, evaluated once, at start-up
    return model


def assistant(settings: Settings, root: Path | None = None, with_llm: bool = True, emb=None) -> Assistant:
    emb = emb or embedder(settings)
    index: Index = open_for(root or settings.index_dir, emb.name)
    return Assistant(
        index,
        emb,
        llm(settings) if with_llm else None,
        top_k=settings.top_k,
        extract_words=settings.extract_words,
        max_tokens=settings.llm_max_tokens,
        human_contact=settings.human_contact,
    )
