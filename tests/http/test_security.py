"""The API under abuse: rate limits, request size, security headers, CORS, admin token, path traversal."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from fastapi.testclient import TestClient

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from index.store import ingest_lock, open_index
from ingest.pipeline import ingest
from tests.conftest import CORPUS, copy_subset

ACT = "deliberations/Delibs_2013_02_04/2013-02-04-0000061089.pdf"
ACT_B = "deliberations/Delibs_2013_03_25/2013-03-25-0000062224.pdf"
CITY = "https://www.ville-exemple.fr"
TOKEN = "jeton-de-test-" + "x" * 32


def app_for(index, embedder, llm=None, **overrides) -> TestClient:
    settings = Settings(cors_origins=[CITY], **overrides)
    return TestClient(create_app(settings, Assistant(index, embedder, llm, top_k=2, max_tokens=16)))


@pytest.fixture(scope="module")
def client(index, embedder):
    with app_for(index, embedder, rate_limit_per_minute=0) as c:
        yield c


def test_rate_limit_per_client_answers_429_in_french_with_retry_after(index, embedder):
    with app_for(index, embedder, rate_limit_per_minute=6, rate_limit_burst=3) as c:
        codes = [c.post("/api/chat", json={"question": ""}).status_code for _ in range(3)]
        assert codes == [422, 422, 422]
        over = c.post("/api/chat", json={"question": ""}, headers={"Origin": CITY})
        assert over.status_code == 429
        assert over.json()["detail"] == "Trop de questions en peu de temps : réessayez dans 30 s."
        assert over.headers["retry-after"] == "30"  # a burst of 3 at 6 a minute: its window is 30 s
        assert over.headers["access-control-allow-origin"] == CITY  # the widget can read the message
        assert "retry-after" in over.headers["access-control-expose-headers"].lower()
        assert c.post("/v1/chat/completions", json={}).status_code == 429
        assert c.get("/health").status_code == 200  # pages, documents and health are not counted
        with TestClient(c.app, client=("192.0.2.7", 40000)) as other:  # another citizen is not held back
            assert other.post("/api/chat", json={"question": ""}).status_code == 422


def test_request_too_large_gets_413_in_french(client):
    big = {"question": "Quel budget ?", "history": [{"role": "user", "content": "x" * 3000}] * 30}
    r = client.post("/api/chat", json=big)
    assert r.status_code == 413
    assert r.json()["detail"] == "La requête est trop volumineuse : 64 Ko au plus."

    def chunks():  # no Content-Length: the body is counted as it arrives
        for _ in range(100):
            yield b"x" * 1024

    streamed = client.post("/api/chat", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413 and "trop volumineuse" in streamed.json()["detail"]


def test_validation_errors_are_french_and_never_a_stack_trace(client):
    long = client.post("/api/chat", json={"question": "x" * 1001})
    assert long.status_code == 422
    assert long.json()["detail"][0]["msg"] == "La question est trop longue : 1000 caractères au plus."
    assert "x" * 50 not in long.text  # the input is not echoed back
    history = client.post(
        "/api/chat", json={"question": "ok", "history": [{"role": "user", "content": "a"}] * 21}
    )
    assert history.json()["detail"][0]["msg"] == "L'historique est trop long : 20 messages au plus."
    assert client.post("/api/chat", json={}).json()["detail"][0]["msg"] == "Il manque la question."
    empty = client.post("/api/chat", json={"question": ""}).json()["detail"][0]["msg"]
    assert empty == "La question est vide."
    role = client.post("/api/chat", json={"question": "ok", "history": [{"role": "system", "content": "x"}]})
    assert role.json()["detail"][0]["msg"].startswith("Le rôle d'un message : valeur non admise")
    broken = client.post("/api/chat", content=b'{"question": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["msg"] == "Le corps de la requête doit être un objet JSON valide."
    for r in (long, history, broken):
        assert "Traceback" not in r.text and 'File "' not in r.text


def test_security_headers_suit_the_chat_page_the_widget_and_the_api(client):
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    scripts = csp.split("script-src ")[1].split(";")[0].split()
    assert scripts == ["'self'"]  # the page is the widget's script: nothing inline runs
    assert "connect-src 'self'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert f"frame-ancestors 'self' {CITY}" in csp
    for r in (page, client.get("/health"), client.get("/static/widget.js")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
    widget = client.get("/static/widget.js", headers={"Origin": "https://autre-site.example"})
    assert widget.status_code == 200 and "javascript" in widget.headers["content-type"]
    assert "cross-origin-resource-policy" not in widget.headers  # any site may load the script tag
    assert client.get("/static/demo.html").headers["content-security-policy"] == csp
    assert client.get("/recherche").headers["content-security-policy"] == csp  # the staff search page
    assert "cdn.jsdelivr.net" in client.get("/docs").headers["content-security-policy"]
    assert client.get("/health").headers["content-security-policy"].startswith("default-src 'none'")


def test_cors_only_for_the_configured_origins(client):
    allowed = client.options("/api/chat", headers={"Origin": CITY, "Access-Control-Request-Method": "POST"})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == CITY
    refused = client.options(
        "/api/chat", headers={"Origin": "https://pirate.example", "Access-Control-Request-Method": "POST"}
    )
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    other = client.get("/health", headers={"Origin": "https://pirate.example"})
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(
    "path",
    [
        "/documents/..%2F..%2Fetc%2Fpasswd.pdf",
        "/documents/%2e%2e%2f%2e%2e%2fapp%2fmain.pdf",
        "/documents/..%252F..%252Fetc%252Fpasswd.pdf",
        "/documents/0000000000000000.pdf",
        "/documents/" + "a" * 300 + ".pdf",
        "/static/..%2Fmain.py",
        "/static/%2e%2e/settings.py",
        "/static/../../pyproject.toml",
    ],
)
def test_only_indexed_files_are_served(client, path):
    r = client.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert b"%PDF" not in r.content and b"import" not in r.content and b"root:" not in r.content


def test_an_indexed_file_by_its_id_and_a_skipped_one_never(client, index):
    doc = next(d for d in index.documents.values() if d.path == ACT)
    assert client.get(f"/documents/{doc.id}.pdf").content == (CORPUS / ACT).read_bytes()
    for skipped in index.skipped:  # a skipped file has no id: nothing can name it
        guess = hashlib.sha256(skipped.path.encode()).hexdigest()[:16]
        assert client.get(f"/documents/{guess}.pdf").status_code == 404


@pytest.fixture
def served(tmp_path, embedder):
    """A data dir with a small index, and the corpus it came from."""
    corpus = copy_subset(tmp_path / "corpus", [ACT])
    data = tmp_path / "data"
    ingest(corpus, data / "index", embedder, progress=False, log=lambda _: None)
    return data, corpus


def test_admin_actions_are_off_without_a_token(served, embedder):
    data, _ = served
    index = open_index(data / "index", embedder.name)
    with app_for(index, embedder, data_dir=data) as c:
        for path in ("/api/admin/ingest", "/api/admin/reload"):
            r = c.post(path, headers={"Authorization": f"Bearer {TOKEN}"})
            assert r.status_code == 403
            assert r.json()["detail"] == (
                "Les actions d'administration sont désactivées : définissez REGISTRE_ADMIN_TOKEN."
            )


def test_admin_ingest_and_reload_need_the_token_and_serve_the_new_index(served, embedder, llm):
    data, corpus = served
    index = open_index(data / "index", embedder.name)
    with app_for(index, embedder, llm, data_dir=data, admin_token=TOKEN) as c:
        for headers in ({}, {"Authorization": "Bearer faux"}, {"Authorization": TOKEN}):
            r = c.post("/api/admin/ingest", headers=headers)
            assert r.status_code == 401 and r.json()["detail"] == "Jeton d'administration absent ou erroné."
            assert r.headers["www-authenticate"] == "Bearer"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert c.get("/health").json()["documents"] == 1

        copy_subset(corpus, [ACT_B])
        done = c.post("/api/admin/ingest", headers=auth)
        assert done.status_code == 200, done.text
        body = done.json()
        assert body["published"] is True and body["added"] == [ACT_B] and body["served"]["documents"] == 2
        assert c.get("/health").json()["documents"] == 2  # served at once, no restart
        tetra = c.post("/api/chat", json={"question": "Qui a rapporté la délibération sur le réseau TETRA ?"})
        assert tetra.status_code == 200
        assert tetra.json()["extracts"][0]["file"] == ACT_B  # the new act is searched

        with ingest_lock(data / "index"):  # an ingest runs beside the server
            busy = c.post("/api/admin/ingest", headers=auth)
        assert busy.status_code == 409
        assert busy.json()["detail"] == "Une indexation est déjà en cours ; réessayez quand elle sera finie."

        (corpus / ACT).unlink()  # `registre ingest` run by hand beside the server, then a reload
        ingest(corpus, data / "index", embedder, progress=False, log=lambda _: None)
        assert c.get("/health").json()["documents"] == 2
        reloaded = c.post("/api/admin/reload", headers=auth)
        assert reloaded.status_code == 200 and reloaded.json()["documents"] == 1
        assert c.get("/health").json()["documents"] == 1
        shutil.rmtree(corpus)
        gone = c.post("/api/admin/ingest", headers=auth)
        assert gone.status_code == 400 and "introuvable" in gone.json()["detail"]
