"""The AI Act's article 50 marks: every chat endpoint says, in its JSON and in a header, whether an AI wrote the
words shown (and which model) or whether they are the document's own."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.http.schemas import generated_by_header
from app.settings import Settings
from tests.fakes import events

GENERATED = "Combien de membres compte le conseil consultatif des résidents étrangers ?"
STRUCTURED = "Qui a rapporté la délibération sur le réseau TETRA ?"
MARK = "x-registre-generated-by"


@pytest.fixture
def client(index, embedder, scripted, tmp_path):
    with TestClient(create_app(Settings(data_dir=tmp_path), Assistant(index, embedder, scripted))) as c:
        yield c


def test_chat_marks_generated_and_structured_answers(client, scripted, index):
    scripted.enqueue("Le mandat dure 3 ans [1].")
    r = client.post("/api/chat", json={"question": GENERATED})
    body = r.json()
    assert (body["generated_by"], body["model"], r.headers[MARK]) == ("ai", "scripted", "ai; model=scripted")
    assert body["index_version"] == index.folder.name and body["refused_by"] is None
    fact = client.post("/api/chat", json={"question": STRUCTURED})
    assert (fact.json()["generated_by"], fact.json()["model"], fact.headers[MARK]) == (
        "document",
        None,
        "document",
    )


def test_stream_says_ai_possible_then_the_exact_mark(client, scripted):
    scripted.enqueue("Le mandat dure 3 ans [1].")
    with client.stream("POST", "/api/chat/stream", json={"question": GENERATED}) as r:
        assert r.headers[MARK] == "ai-possible; model=scripted"
        done = next(d for name, d in events(r.iter_lines()) if name == "done")
    assert (done["generated_by"], done["model"]) == ("ai", "scripted")
    with client.stream("POST", "/api/chat/stream", json={"question": STRUCTURED}) as r:
        assert r.headers[MARK] == "ai-possible; model=scripted"
        done = next(d for name, d in events(r.iter_lines()) if name == "done")
    assert (done["generated_by"], done["model"]) == ("document", None)


def test_openai_compatible_endpoint_carries_the_mark(client, scripted):
    messages = [{"role": "user", "content": GENERATED}]
    scripted.enqueue("Le mandat dure 3 ans [1].")
    r = client.post("/v1/chat/completions", json={"messages": messages})
    assert r.headers[MARK] == "ai; model=scripted"
    assert r.json()["registre"]["generated_by"] == "ai" and r.json()["registre"]["model"] == "scripted"
    scripted.enqueue("Le mandat dure 3 ans [1].")
    with client.stream("POST", "/v1/chat/completions", json={"messages": messages, "stream": True}) as r:
        assert r.headers[MARK] == "ai-possible; model=scripted"
        chunks = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]
    assert chunks[-1]["registre"]["generated_by"] == "ai" and chunks[-1]["registre"]["model"] == "scripted"
    fact = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": STRUCTURED}]})
    assert fact.headers[MARK] == "document" and fact.json()["registre"]["model"] is None


def test_a_model_name_is_made_safe_for_a_header():
    assert generated_by_header("ai", "qwen2.5-coder 1.5b/é\r\nX: y") == {
        "X-Registre-Generated-By": "ai; model=qwen2.5-coder_1.5b/___X:_y"
    }


def test_the_widget_may_read_the_mark_from_another_origin(index, embedder, scripted, tmp_path):
    settings = Settings(data_dir=tmp_path, cors_origins=["https://www.montpellier.fr"])
    with TestClient(create_app(settings, Assistant(index, embedder, scripted))) as client:
        r = client.post(
            "/api/chat", json={"question": STRUCTURED}, headers={"Origin": "https://www.montpellier.fr"}
        )
    assert MARK in r.headers["access-control-expose-headers"].lower() and r.headers[MARK] == "document"
