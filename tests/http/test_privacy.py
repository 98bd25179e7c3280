"""By default no question text and no client address reach the logs or the disk: read them after real requests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from tests.conftest import copy_subset
from tests.ingest.test_robustness import ACT, ACT_C, PROJECT, data_dir
from tests.serving import free_port

CLIENT_IP = "127.0.0.57"  # the requests come from this loopback address, which must never be written
SECRET = "Zéphyrine Quatremarres"  # a citizen's name in a question
QUESTION = f"Je m'appelle {SECRET}, qui a rapporté la délibération sur le réseau TETRA ?"


def test_no_question_and_no_address_in_logs_or_on_disk(tmp_path, embedder, small_gguf):
    from ingest.pipeline import ingest

    data = data_dir(tmp_path / "data")
    corpus = copy_subset(tmp_path / "corpus", [ACT, ACT_C])
    ingest(corpus, data / "index", embedder, progress=False, log=lambda _: None)
    before = {p for p in data.rglob("*")}
    port = free_port()
    out, err = (tmp_path / "stdout.log").open("wb"), (tmp_path / "stderr.log").open("wb")
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "REGISTRE_DATA_DIR": str(data),
        "REGISTRE_LLM": str(small_gguf),
        "REGISTRE_LLM_MAX_TOKENS": "8",
        "REGISTRE_LLM_CONTEXT": "2048",
        "REGISTRE_RATE_LIMIT_PER_MINUTE": "6",
        "REGISTRE_RATE_LIMIT_BURST": "6",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=tmp_path,  # no .env of the project's: the defaults are what is tested
        env=env,
        stdout=out,
        stderr=err,
    )
    url = f"http://127.0.0.1:{port}"
    transport = httpx.HTTPTransport(local_address=CLIENT_IP)
    try:
        with httpx.Client(base_url=url, transport=transport, timeout=300) as client:
            for _ in range(600):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                raise AssertionError("the server did not start")
            headers = {"X-Forwarded-For": CLIENT_IP, "User-Agent": "navigateur de Quatremarres"}
            chat = client.post("/api/chat", json={"question": QUESTION}, headers=headers)
            assert chat.status_code == 200 and chat.json()["extracts"], chat.text
            stream = client.post(
                "/api/chat/stream", json={"question": QUESTION, "history": []}, headers=headers
            )
            assert "event: done" in stream.text
            v1 = client.post(
                "/v1/chat/completions",
                json={"messages": [{"role": "user", "content": QUESTION}]},
                headers=headers,
            )
            assert v1.status_code == 200
            too_long = client.post("/api/chat", json={"question": SECRET + " x" * 600}, headers=headers)
            assert too_long.status_code == 422
            assert client.get(f"/documents/{SECRET}.pdf").status_code == 404
            limited = [client.post("/api/chat", json={"question": ""}).status_code for _ in range(10)]
            assert 429 in limited  # refusals are not logged with the address either
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
        out.close()
        err.close()

    logs = (tmp_path / "stdout.log").read_bytes() + (tmp_path / "stderr.log").read_bytes()
    assert b"registre : http://" in logs  # the logs were captured
    for needle in (SECRET, "Quatremarres", CLIENT_IP, "TETRA ?"):
        assert needle.encode() not in logs, needle
    written = [p for p in data.rglob("*") if p.is_file() and p not in before and "models" not in p.parts]
    assert written == [], written  # serving writes nothing under the data dir
    for path in [p for p in data.rglob("*") if p.is_file() and "models" not in p.parts]:
        content = path.read_bytes()
        assert SECRET.encode() not in content and CLIENT_IP.encode() not in content, path
