"""The start-up primes what the first question would load (spaCy, the embedder, the ranker, the index's caches),
off the request path. Whether that makes the first question as fast as the others is measured in benchmarks/,
not here: these tests check that the warm-up runs, when it runs, and that it never asks the model."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from app import wiring
from app.answer import evidence
from app.answer.assistant import Assistant
from app.answer.question import _nlp
from app.http.app import create_app
from app.settings import Settings

QUESTION = "Quelle entreprise a été retenue pour le marché du réseau radio TETRA ?"


def forget_what_was_loaded() -> None:
    """As in a fresh process: spaCy not loaded, no word weights computed."""
    _nlp.cache_clear()
    evidence._READINGS.clear()


def test_the_start_up_primes_the_answering_path_before_any_question(index, embedder, scripted):
    forget_what_was_loaded()
    app = create_app(Settings(), Assistant(index, embedder, scripted))
    with TestClient(app) as client:  # the lifespan has run: the server now takes questions
        warmed = app.state.served.warmed
        assert warmed is not None and warmed.question == wiring.WARM_UP_QUESTION
        assert warmed.extracts > 0  # the index was searched and its evidence ranked
        assert _nlp.cache_info().currsize == 1  # spaCy is loaded
        assert evidence._READINGS[index].weights  # the index's word weights are computed
        assert scripted.history == []  # the model was never asked

        scripted.enqueue("Le marché a été attribué à la société TALCO Languedoc [1].")
        body = client.post("/api/chat", json={"question": QUESTION}).json()
        assert body["found"] and "TALCO" in body["answer"]
        assert _nlp.cache_info().misses == 1  # the first question found spaCy loaded


def test_the_warm_up_can_be_turned_off(index, embedder, scripted):
    forget_what_was_loaded()
    app = create_app(Settings(warm_up=False), Assistant(index, embedder, scripted))
    with TestClient(app):
        assert app.state.served.warmed is None
        assert _nlp.cache_info().currsize == 0


def test_a_reloaded_index_is_warmed_up_before_it_is_served(index_root, index, embedder):
    served = wiring.Served(Assistant(index, embedder, None), index_root, threading.Lock())
    forget_what_was_loaded()
    reloaded = served.reload()
    assert served.warmed is not None and served.warmed.extracts > 0
    assert served.assistant.index is reloaded and evidence._READINGS[reloaded].weights


def test_a_warm_up_that_fails_never_keeps_the_server_from_starting(index, embedder, scripted, monkeypatch):
    assistant = Assistant(index, embedder, scripted)

    def broken(*args, **kwargs):
        raise RuntimeError("modèle introuvable")
        yield  # a generator, as Assistant.stream is

    monkeypatch.setattr(assistant, "stream", broken)
    warmed = wiring.warm_up(assistant)
    assert warmed.error == "modèle introuvable" and warmed.extracts == 0
    with TestClient(create_app(Settings(), assistant)) as c:  # the server starts all the same
        assert c.get("/health").status_code == 200
