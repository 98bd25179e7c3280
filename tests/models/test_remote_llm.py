"""The LLM as a remote OpenAI-compatible server: llama-cpp-python's own server, started here on loopback."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from app import wiring
from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from models.fetch import ModelError
from models.llm import RemoteLLM
from tests.serving import free_port

QUESTION = "Quelle entreprise a été retenue pour le marché du réseau radio TETRA ?"


@pytest.fixture(scope="module")
def llm_server(small_gguf, tmp_path_factory):
    pytest.importorskip("sse_starlette", reason="pip install 'llama-cpp-python[server]' (extra `server`)")
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(small_gguf)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"]
    log = tmp_path_factory.mktemp("llm-server") / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 300  # loading is quick; a loaded machine may slow it down
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("llama_cpp.server did not start:\n" + log.read_text()[-2000:])
            try:
                if httpx.get(url + "/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(30)


def test_remote_model_streams_the_same_greedy_answer_as_in_process(llm_server, llm):
    remote = RemoteLLM(llm_server)
    messages = [{"role": "user", "content": "Quelle est la capitale de la France ? Réponds en un mot."}]
    pieces = list(remote.stream(messages, 16))
    assert len(pieces) > 1  # streamed, piece by piece
    assert "".join(pieces) == "".join(llm.stream(messages, 16))  # greedy on both sides: the same text
    assert "".join(remote.stream(messages, 16)) == "".join(pieces)
    remote.close()


def test_a_chat_through_registre_against_the_remote_server(llm_server, index, embedder):
    settings = Settings(llm_url=llm_server, llm_max_tokens=24)
    remote = wiring.llm(settings)  # the setting alone selects the remote model
    assert isinstance(remote, RemoteLLM)
    pieces: list[str] = []

    class Recorded:  # the remote model, with a record of what it streamed
        name = remote.name

        def stream(self, messages, max_tokens):
            for piece in remote.stream(messages, max_tokens):
                pieces.append(piece)
                yield piece

    assistant = Assistant(index, embedder, Recorded(), top_k=2, extract_words=60, max_tokens=24)
    with TestClient(create_app(settings, assistant)) as client:
        r = client.post("/api/chat", json={"question": QUESTION})
    assert r.status_code == 200
    body = r.json()
    assert pieces, "the answer did not come from the remote server"
    assert body["answer"] and body["extracts"]
    assert body["extracts"][0]["file"].endswith("2013-03-25-0000062224.pdf")


def test_an_unreachable_server_gets_a_clear_french_503(index, embedder):
    down = RemoteLLM(f"http://127.0.0.1:{free_port()}", connect_timeout=2)
    with pytest.raises(ModelError, match="injoignable"):
        list(down.stream([{"role": "user", "content": "Bonjour"}], 4))
    with TestClient(create_app(Settings(), Assistant(index, embedder, down, top_k=2))) as client:
        r = client.post("/api/chat", json={"question": QUESTION})
        assert r.status_code == 503
        assert "injoignable" in r.json()["detail"] and "Traceback" not in r.text
        with client.stream("POST", "/api/chat/stream", json={"question": QUESTION}) as s:
            text = "".join(s.iter_text())
        assert "event: sources" in text and "event: error" in text and "injoignable" in text
