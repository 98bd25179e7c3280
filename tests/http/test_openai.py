"""The OpenAI-compatible API as an OpenAI client reads it: a refusal streamed as text, errors as OpenAI's objects."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from index.store import IndexError_
from tests.fakes import ScriptedLLM

UNANSWERED = "Quel est le budget 2025 de la piscine Olympe ?"
COMPLETIONS = "/v1/chat/completions"


@pytest.fixture(scope="module")
def scripted() -> ScriptedLLM:
    return ScriptedLLM()  # no reply queued: a question that reached the model would fail


@pytest.fixture(scope="module")
def client(index, embedder, scripted):
    app = create_app(Settings(rate_limit_per_minute=0), Assistant(index, embedder, scripted))
    with TestClient(app) as c:
        yield c


def streamed(client: TestClient, question: str) -> list[dict]:
    body = {"model": "registre", "messages": [{"role": "user", "content": question}], "stream": True}
    with client.stream("POST", COMPLETIONS, json=body) as r:
        assert r.status_code == 200
        lines = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    return [json.loads(line) for line in lines[:-1]]


def test_a_streamed_refusal_streams_its_text_as_the_answer_does(client, scripted):
    whole = client.post(COMPLETIONS, json={"messages": [{"role": "user", "content": UNANSWERED}]}).json()
    refusal = whole["choices"][0]["message"]["content"]
    assert whole["registre"]["found"] is False and refusal

    chunks = streamed(client, UNANSWERED)
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert deltas[0]["role"] == "assistant"
    assert "".join(d.get("content", "") for d in deltas) == refusal  # what a chat front end shows
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["registre"]["found"] is False
    assert scripted.history == []  # refused before the model


def test_errors_under_v1_are_openai_error_objects_in_french(client):
    cases = [
        (
            client.post(COMPLETIONS, json={"messages": [{"role": "user", "content": "  "}]}),
            422,
            {"message": "La question est vide.", "type": "invalid_request_error", "param": "messages",
             "code": "question_empty"},
        ),
        (
            client.post(COMPLETIONS, json={"messages": []}),
            422,
            {"message": "La liste des messages est vide.", "type": "invalid_request_error", "param": "messages",
             "code": "too_short"},
        ),
        (
            client.post(COMPLETIONS, json={"messages": [{"role": "assistant", "content": "x"}]}),
            422,
            {"message": "Le dernier message doit être une question de l'utilisateur.",
             "type": "invalid_request_error", "param": None, "code": "invalid_value"},
        ),
        (
            client.post(COMPLETIONS, content=b"{", headers={"Content-Type": "application/json"}),
            422,
            None,
        ),
        (
            client.get("/v1/models/gpt-4"),
            404,
            {"message": "Modèle inconnu : ce service ne sert que « registre ».", "type": "invalid_request_error",
             "param": None, "code": "not_found"},
        ),
    ]  # fmt: skip
    for r, status, error in cases:
        assert r.status_code == status, r.text
        body = r.json()
        assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
        assert body["error"]["message"] and "Input should" not in body["error"]["message"]
        if error:
            assert body["error"] == error
    # registre's own API keeps FastAPI's shape
    assert (
        client.post("/api/chat", json={"question": "  "}).json()["detail"][0]["msg"]
        == "La question est vide."
    )


def test_the_rate_limit_under_v1_is_an_openai_error(index, embedder):
    app = create_app(Settings(rate_limit_per_minute=1), Assistant(index, embedder, ScriptedLLM()))
    with TestClient(app) as c:
        for _ in range(3):
            r = c.post(COMPLETIONS, json={"messages": []})
        assert r.status_code == 429
        error = r.json()["error"]
        assert error["type"] == "rate_limit_error" and error["code"] == "rate_limit_exceeded"
        assert error["message"].startswith("Trop de questions en peu de temps")


def test_an_error_once_the_stream_has_begun_arrives_as_an_openai_error_in_it(index, embedder, monkeypatch):
    assistant = Assistant(index, embedder, ScriptedLLM())

    def broken(*args, **kwargs):
        raise IndexError_("Aucun index publié : lancez `registre ingest DOSSIER`.")
        yield  # a generator, as Assistant.stream is

    monkeypatch.setattr(assistant, "stream", broken)
    with TestClient(create_app(Settings(rate_limit_per_minute=0), assistant)) as c:
        body = {"messages": [{"role": "user", "content": UNANSWERED}], "stream": True}
        with c.stream("POST", COMPLETIONS, json=body) as r:
            data = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]
    assert data == [
        {"error": {"message": "Aucun index publié : lancez `registre ingest DOSSIER`.", "type": "server_error",
                   "param": None, "code": "service_unavailable"}}
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("Combien de citoyens seront tirés au sort pour la convention citoyenne ?", "40 citoyens [1]."),
        ("Qui a rapporté la délibération sur la convention citoyenne ?", None),  # read from the act: no model
    ],
)
def test_v1_citations_are_the_chat_api_s_reader_links_to_the_cited_sentence(
    question, reply, sample_index, embedder
):
    """A front end over /v1 opens the same reader as the chat page: the page, the cited sentence marked."""
    from tests.http.test_reader import letters, marked_text

    public = "https://registre.ville.fr"
    scripted = ScriptedLLM()
    settings = Settings(rate_limit_per_minute=0, public_url=public)
    with TestClient(create_app(settings, Assistant(sample_index, embedder, scripted))) as c:
        for _ in range(3 if reply else 0):
            scripted.enqueue(reply)
        chat = c.post("/api/chat", json={"question": question}).json()
        whole = c.post(COMPLETIONS, json={"messages": [{"role": "user", "content": question}]}).json()
        last = streamed(c, question)[-1]
        assert chat["found"] and chat["citations"] and chat["evidence"]
        assert whole["citations"] == chat["citations"] and last["citations"] == chat["citations"]
        evidence = chat["evidence"]
        cited = next(x for x in whole["citations"] if x["n"] == evidence["n"])
        assert cited["url"].startswith(f"{public}/documents/") and cited["url"].endswith(
            f".pdf#page={cited['page']}"
        )
        reader = cited["viewer_url"].removeprefix(public)
        assert reader.startswith("/documents/") and f"?page={cited['page']}&q=" in reader
        page = c.get(reader.split("#")[0])
    assert page.status_code == 200 and 'id="passage"' in page.text
    assert letters(marked_text(page.text)) == letters(evidence["sentence"])
    assert len(scripted.history) == (3 if reply else 0)  # a fact read from the act never reaches the model
