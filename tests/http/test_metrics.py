"""GET /metrics after real requests, read by prometheus_client's own parser: what it counts, who may read it,
and that no question and no address ever reach it."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.http.metrics import health
from app.settings import Settings
from tests.conftest import SAMPLE
from tests.fakes import events
from tests.serving import free_port

TOKEN = "jeton-de-supervision-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECRET = "Zéphyrine Quatremarres"  # a citizen's name in a question: never a label, never a value
ASKED = f"Je suis {SECRET} : quelle entreprise a été retenue pour le marché du réseau radio TETRA ?"
STRUCTURED = "Qui a rapporté la délibération sur le réseau TETRA ?"
ABSENT = "Combien de places compte le nouveau parking souterrain de la gare ?"


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of the exposition, keyed by name and labels, as Prometheus would read them."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(parsed: dict, name: str, **labels: str) -> float:
    return parsed[(name, frozenset(labels.items()))]


def test_metrics_count_real_requests_and_hold_no_question(index, embedder, llm, tmp_path):
    settings = Settings(admin_token=TOKEN, data_dir=tmp_path, llm_parallel=1, chat_max_waiting=0)
    assistant = Assistant(index, embedder, llm, top_k=3, extract_words=80, max_tokens=24)
    with TestClient(create_app(settings, assistant)) as client:
        ua = {"User-Agent": "navigateur de Quatremarres"}
        asked = client.post("/api/chat", json={"question": ASKED}, headers=ua).json()  # smollm2, for real
        assert client.post("/api/chat", json={"question": STRUCTURED}).json()["structured"] is True
        with client.stream("POST", "/api/chat/stream", json={"question": ABSENT}) as r:
            done = next(d for name, d in events(r.iter_lines()) if name == "done")
        assert done["refused_by"] == "evidence"
        v1 = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": STRUCTURED}]})
        assert v1.json()["registre"]["generated_by"] == "document"
        assert client.post("/api/chat", json={"question": ""}).status_code == 422
        assert client.get(f"/documents/{SECRET}.pdf").status_code == 404
        assert client.get(f"/{SECRET}/wp-login.php").status_code == 404
        held = client.app.state.gate.admit()  # the only place is taken: the next chat is turned away
        busy = client.post("/api/chat", json={"question": ASKED})
        held.close()
        assert busy.status_code == 503 and busy.headers["Retry-After"]

        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer faux"}).status_code == 401
        r = client.get("/metrics", headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    for needle in (SECRET, "Quatremarres", "TETRA", "parking", "testclient", "wp-login"):
        assert needle not in text, needle
    m = samples(text)
    requests = "registre_http_requests_total"
    assert value(m, requests, route="/api/chat", method="POST", status="200") == 2
    assert value(m, requests, route="/api/chat", method="POST", status="422") == 1
    assert value(m, requests, route="/api/chat", method="POST", status="503") == 1
    assert value(m, requests, route="/api/chat/stream", method="POST", status="200") == 1
    assert value(m, requests, route="/v1/chat/completions", method="POST", status="200") == 1
    assert value(m, requests, route="/documents/{doc_id}.pdf", method="GET", status="404") == 1
    assert value(m, requests, route="<unmatched>", method="GET", status="404") == 1
    assert value(m, requests, route="/metrics", method="GET", status="401") == 2
    assert value(m, "registre_queue_rejected_total") == 1

    answers = {dict(k[1])["kind"]: v for k, v in m.items() if k[0] == "registre_answers_total" and v}
    kind = (
        "refused" if asked["refused_by"] else "quoted" if asked["generated_by"] == "document" else "generated"
    )
    assert answers == (
        {"structured": 2, "refused": 1, kind: 1} if kind != "refused" else {"structured": 2, "refused": 2}
    )
    evidence = 1 + (asked["refused_by"] == "evidence")
    assert value(m, "registre_refusals_total", reason="evidence") == evidence
    assert value(m, "registre_time_to_sources_seconds_count") == 4
    assert value(m, "registre_answer_seconds_count") == 4
    # The two facts answered at once, the refusal never reached the model; the model's answer timed its words.
    timed = 2 + (asked["timings"]["first_token_s"] is not None)
    assert value(m, "registre_time_to_first_token_seconds_count") == timed
    assert value(m, "registre_tokens_per_second_count") == (asked["timings"].get("tokens_per_s") is not None)
    info = value(m, "registre_index_info", version=index.folder.name, embedder=index.embedder, model=llm.name)
    assert info == 1 and value(m, "registre_index_documents") == len(index.documents)
    assert value(m, "registre_queue_capacity") == 1 and value(m, "registre_queue_running") == 0

    said = health(text)  # what `registre status --server` says in words
    assert said["answers"] == 4 and said["rejected_busy"] == 1 and said["documents"] == len(index.documents)
    assert said["refusal_rate"] == answers["refused"] / 4 and said["first_token_p50_s"] is not None


def test_metrics_are_off_without_token_and_each_app_counts_its_own(index, embedder, scripted, tmp_path):
    apps = [create_app(Settings(data_dir=tmp_path), Assistant(index, embedder, scripted)) for _ in range(2)]
    with TestClient(apps[0]) as first, TestClient(apps[1]):
        assert first.get("/metrics").status_code == 403  # no REGISTRE_ADMIN_TOKEN: disabled, says how
        assert "REGISTRE_ADMIN_TOKEN" in first.get("/metrics").json()["detail"]
        first.get("/health")
        counted = [app.state.metrics.exposition().decode() for app in apps]
    assert 'route="/health"' in counted[0] and 'route="/health"' not in counted[1]


def test_metrics_on_their_own_port_without_token(index, embedder, scripted, tmp_path):
    port = free_port()
    settings = Settings(data_dir=tmp_path, metrics_port=port)
    with TestClient(create_app(settings, Assistant(index, embedder, scripted))) as client:
        client.get("/health")
        r = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert r.status_code == 200
        m = samples(r.text)
        assert value(m, "registre_http_requests_total", route="/health", method="GET", status="200") == 1
        assert client.get("/metrics").status_code == 403  # the app's own /metrics still needs the token
    with pytest.raises(httpx.TransportError):  # the port closes with the server
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)


def test_the_last_sync_of_each_source_in_metrics_and_status(index, embedder, scripted, tmp_path, capsys):
    from app import cli
    from ingest.sources import read_sources
    from ingest.sync import sync

    data = tmp_path / "data"
    sources = tmp_path / "registre.toml"
    sources.write_text(
        f"""[download]
timeout_s = 2
retries = 1
backoff_s = 0.05

[[sources]]
name = "dossier"
folder = "{SAMPLE}"

[[sources]]
name = "adresses"
urls = ["http://127.0.0.1:{free_port()}/ferme.pdf"]
""",
        encoding="utf-8",
    )
    sync(read_sources(sources), data, data / "index", lambda: embedder, log=lambda _: None)
    settings = Settings(data_dir=data, admin_token=TOKEN)
    with TestClient(create_app(settings, Assistant(index, embedder, scripted))) as client:
        m = samples(client.get("/metrics", headers=AUTH).text)
    assert value(m, "registre_sync_last_ok", source="dossier") == 1
    assert value(m, "registre_sync_last_ok", source="adresses") == 0
    assert value(m, "registre_sync_last_failed_files", source="adresses") == 1
    ended = value(m, "registre_sync_last_timestamp_seconds", source="dossier")
    assert 0 <= time.time() - ended < 600

    with pytest.MonkeyPatch.context() as env:
        env.setenv("REGISTRE_DATA_DIR", str(data))
        assert cli.main(["status"]) == 0
    said = capsys.readouterr().out
    assert "dernière synchronisation de dossier : " in said and ", réussie : 3 ajoutés" in said
    assert (
        "dernière synchronisation de adresses : " in said
        and "ÉCHEC" in said
        and "1 fichier non téléchargé" in said
    )
