import json

import pytest
from fastapi.testclient import TestClient

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from tests.conftest import QUESTIONS

Q = {q["id"]: q for q in map(json.loads, QUESTIONS.read_text().splitlines())}


@pytest.fixture(scope="module")
def client(index, embedder, llm):
    assistant = Assistant(index, embedder, llm, top_k=3, extract_words=80, max_tokens=48)
    with TestClient(create_app(Settings(), assistant)) as c:
        yield c


def test_dev_question_end_to_end_cites_a_gold_file(client):
    q = Q["d003"]
    r = client.post("/api/chat", json={"question": q["question"], "history": []})
    assert r.status_code == 200
    body = r.json()
    assert body["found"] is True and body["answer"]
    assert body["citations"], body
    assert all(c["file"].rsplit("/", 1)[-1] in q["gold_files"] for c in body["citations"])
    assert "intelligence artificielle" in body["notice"] and body["human_contact"]
    pdf = client.get(body["citations"][0]["url"].split("#")[0])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_follow_up_with_history(client):
    q = Q["d047"]
    r = client.post("/api/chat", json={"question": q["question"], "history": q["history"]})
    assert r.status_code == 200
    assert r.json()["extracts"][0]["file"].endswith(q["gold_files"][0])


def test_bad_requests_get_clear_errors(client):
    assert client.post("/api/chat", json={"question": ""}).status_code == 422
    assert client.post("/api/chat", json={"question": "x" * 5000}).status_code == 422
    assert (
        client.post(
            "/api/chat", json={"question": "ok", "history": [{"role": "system", "content": "x"}]}
        ).status_code
        == 422
    )
    missing = client.get("/documents/0000000000000000.pdf")
    assert missing.status_code == 404 and missing.json()["detail"]
    assert client.get("/documents/../../etc/passwd.pdf").status_code == 404


def test_health_docs_and_chat_page(client, index):
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["documents"] == len(index.documents)
    assert health["index_version"] == index.version  # several servers: which version each one serves
    assert client.get("/openapi.json").json()["paths"]["/api/chat"]
    assert client.get("/docs").status_code == 200
    page = client.get("/")
    assert page.status_code == 200 and 'src="/static/widget.js" data-mode="page"' in page.text
    assert "/api/chat/stream" in client.get("/static/widget.js").text


def test_app_without_index_fails_with_instructions(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    with pytest.raises(Exception, match="registre ingest"), TestClient(app):
        pass


def test_every_page_has_its_icon(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in r.content
    for page in ("/", "/recherche"):
        assert 'rel="icon" href="/favicon.ico"' in client.get(page).text
