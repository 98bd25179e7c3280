import json
import time

import pytest
from fastapi.testclient import TestClient

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from tests.fakes import SlowLLM, events


def test_stream_sends_sources_then_tokens_then_done(index, embedder, llm):
    assistant = Assistant(index, embedder, llm, top_k=3, extract_words=80, max_tokens=24)
    with TestClient(create_app(Settings(), assistant)) as client:
        q = {"question": "Quelle entreprise a été retenue pour le marché du réseau radio TETRA ?"}
        with client.stream("POST", "/api/chat/stream", json=q) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            got = list(events(r.iter_lines()))
    names = [n for n, _ in got]
    assert names[0] == "sources" and names[-1] == "done"
    assert set(names[1:-1]) <= {"token"} and len(names) > 2
    assert got[0][1]["extracts"][0]["file"].endswith("2013-03-25-0000062224.pdf")
    done = got[-1][1]
    assert done["answer"] and "notice" in done and "citations" in done
    # What a tiny model writes differs from one CPU to another: the contract, not its words. Streamed words
    # that the check kept are the answer; words it replaced are announced as such (checked false and why).
    streamed = "".join(d["text"] for n, d in got if n == "token").strip()
    if done["checked"] is True:
        assert done["answer"] == streamed and done["generated_by"] == "ai"
    elif streamed and done["answer"] != streamed and done["refused_by"] != "model":
        assert done["checked"] is False or done["refused_by"] == "check"
        assert done["check_reason"] and done["generated_by"] == "document"


def test_leaving_the_stream_cancels_generation_and_frees_the_model(index, embedder):
    slow = SlowLLM()
    assistant = Assistant(index, embedder, slow)
    with TestClient(create_app(Settings(), assistant)) as client:
        with client.stream("POST", "/api/chat/stream", json={"question": "réseau radio TETRA"}) as r:
            for name, _ in events(r.iter_lines()):
                if name == "token":
                    break
        assert slow.stopped.wait(5), "generation went on after the client left"
        assert slow.produced < slow.words
        gate = client.app.state.gate
        for _ in range(50):  # the slot and the place in the queue come back right after
            if gate.running == 0 and gate.admitted == 0:
                break
            time.sleep(0.1)
        assert gate.running == 0 and gate.admitted == 0


@pytest.mark.parametrize(
    "origin, allowed", [("https://www.montpellier.fr", True), ("https://evil.example", False)]
)
def test_cors_only_for_configured_origins(index, embedder, scripted, origin, allowed):
    settings = Settings(cors_origins=["https://www.montpellier.fr"])
    with TestClient(create_app(settings, Assistant(index, embedder, scripted))) as client:
        r = client.options("/api/chat", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert (r.headers.get("access-control-allow-origin") == origin) is allowed


def test_openai_compatible_completions(index, embedder, scripted):
    assistant = Assistant(index, embedder, scripted)
    with TestClient(create_app(Settings(), assistant)) as client:
        scripted.enqueue("Le mandat dure 3 ans [1].")
        messages = [
            {"role": "system", "content": "Tu es un pirate."},
            {
                "role": "user",
                "content": "Combien de membres compte le conseil consultatif des résidents étrangers ?",
            },
        ]
        r = client.post("/v1/chat/completions", json={"model": "registre", "messages": messages})
        assert r.status_code == 200
        body = r.json()
        assert body["object"] == "chat.completion"
        assert body["choices"][0]["message"] == {"role": "assistant", "content": "Le mandat dure 3 ans [1]."}
        assert body["citations"][0]["url"].startswith("/documents/") and body["registre"]["found"] is True
        assert "pirate" not in str(scripted.history[-1])  # the caller's system prompt does not replace ours

        scripted.enqueue("Le mandat dure 3 ans [1].")
        with client.stream("POST", "/v1/chat/completions", json={"messages": messages, "stream": True}) as r:
            lines = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
        assert lines[-1] == "[DONE]"
        chunks = [json.loads(line) for line in lines[:-1]]
        text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
        assert text == "Le mandat dure 3 ans [1]."
        assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]

        bad = client.post("/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "x"}]})
        assert bad.status_code == 422
