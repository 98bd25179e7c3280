"""One index of two collectivités (Montpellier's acts and Pierrefonds's minutes): a chat, a search or an export
scoped to one never cites the other, whatever the question names; names are matched forgivingly."""

import csv
import json

import pytest
from fastapi.testclient import TestClient

from app import scdl
from app.answer.assistant import Assistant
from app.http.app import create_app
from app.search import Filters, search_acts
from app.settings import Settings
from index.collectivites import UnknownCollectivite, collectivite_key, resolve
from tests.fakes import events

QUESTIONS = [
    "Quel est le montant du devis d'Hydrogénie pour réhabiliter la fontaine ?",  # Pierrefonds
    "Quelle société a obtenu le marché du réseau TETRA ?",  # Montpellier
    "Combien de membres compte le CCRE à Montpellier ?",  # names Montpellier
    "Quelles décisions le conseil a-t-il prises sur la sécurité ?",  # both speak of it
]


@pytest.fixture
def client(mixed, embedder, scripted):
    assistant = Assistant(mixed, embedder, scripted)
    with TestClient(create_app(Settings(rate_limit_per_minute=0), assistant)) as c:
        yield c


def _files(body: dict) -> set[str]:
    return {c["file"] for c in body["citations"] + body["extracts"]}


def test_each_document_knows_its_collectivite(mixed):
    by_folder = {d.path.split("/")[0]: d.collectivite for d in mixed.documents.values() if "/" in d.path}
    assert by_folder == {"montpellier": "Ville de Montpellier", "pierrefonds": "Commune de Pierrefonds"}
    documents = list(mixed.documents.values())
    for name, key in [
        ("Ville de Montpellier", "montpellier"),
        ("MONTPELLIER", "montpellier"),
        ("commune de pierrefonds", "pierrefonds"),
        ("Pièrrefonds", "pierrefonds"),
    ]:
        assert resolve(name, documents) == key
    with pytest.raises(UnknownCollectivite, match="Commune de Pierrefonds"):
        resolve("Compiègne", documents)
    assert collectivite_key("Communauté de Communes des Lisières de L’Oise") == "lisieres oise"


@pytest.mark.parametrize(
    "scope, other", [("Pierrefonds", "montpellier/"), ("Ville de Montpellier", "pierrefonds/")]
)
def test_a_chat_scoped_to_one_collectivite_never_cites_the_other(client, scripted, scope, other):
    for question in QUESTIONS:
        scripted.enqueue("D'après les extraits [1].")
        r = client.post("/api/chat", json={"question": question, "collectivite": scope})
        assert r.status_code == 200, r.text
        assert not any(f.startswith(other) for f in _files(r.json())), (question, _files(r.json()))
    # Unscoped, the same questions reach both collectivités.
    seen: set[str] = set()
    for question in QUESTIONS:
        scripted.enqueue("D'après les extraits [1].")
        seen |= _files(client.post("/api/chat", json={"question": question}).json())
    assert any(f.startswith("montpellier/") for f in seen) and any(f.startswith("pierrefonds/") for f in seen)


def test_the_stream_and_v1_take_the_scope_too(client, scripted):
    scripted.enqueue("Réponse [1].")
    with client.stream(
        "POST", "/api/chat/stream", json={"question": QUESTIONS[1], "collectivite": "pierrefonds"}
    ) as r:
        got = list(events(r.iter_lines()))
    sources = next(data for name, data in got if name == "sources")
    done = next(data for name, data in got if name == "done")
    assert all(e["file"].startswith("pierrefonds/") for e in sources["extracts"] + done["extracts"])
    for extra in ({"collectivite": "Pierrefonds"}, {"metadata": {"collectivite": "Commune de Pierrefonds"}}):
        scripted.enqueue("Réponse [1].")
        body = {"messages": [{"role": "user", "content": QUESTIONS[1]}], **extra}
        r = client.post("/v1/chat/completions", json=body)
        assert r.status_code == 200
        assert all(c["file"].startswith("pierrefonds/") for c in r.json()["citations"])


def test_an_unknown_collectivite_is_a_clear_422(client):
    r = client.post("/api/chat", json={"question": QUESTIONS[0], "collectivite": "Lyon"})
    assert r.status_code == 422
    assert "Collectivité inconnue" in r.json()["detail"] and "Ville de Montpellier" in r.json()["detail"]
    assert client.get("/api/search", params={"q": "budget", "collectivite": "Lyon"}).status_code == 422


def test_search_filters_and_counts_by_collectivite(client, mixed):
    everything = client.get("/api/search", params={"q": "conseil", "per_page": 100}).json()
    facet = everything["facets"]["collectivite"]
    assert facet["Commune de Pierrefonds"] > 0 and facet["Ville de Montpellier"] > 0
    only = client.get(
        "/api/search", params={"q": "conseil", "collectivite": "commune de PIERREFONDS", "per_page": 100}
    ).json()
    assert only["total"] == facet["Commune de Pierrefonds"]
    assert {a["collectivite"] for a in only["acts"]} == {"Commune de Pierrefonds"}
    assert all(a["file"].startswith("pierrefonds/") for a in only["acts"])
    # The same filter from Python, as `registre search --collectivite` calls it.
    assert (
        search_acts(mixed, "conseil", Filters(collectivite="Pierrefonds"), per_page=100).total
        == only["total"]
    )


def test_the_widget_sends_its_collectivite(client):
    script = client.get("/static/widget.js").text
    assert "collectivite: ds.collectivite" in script
    assert json.dumps("collectivite") in json.dumps(client.get("/openapi.json").json()["components"])


def test_the_scdl_export_writes_one_file_per_collectivite_with_its_name(mixed, tmp_path):
    targets = scdl.files(mixed, tmp_path / "deliberations.csv")
    assert sorted(p.name for p in targets) == [
        "deliberations-montpellier-mediterranee.csv",  # the shipped sample: the métropole's act
        "deliberations-montpellier.csv",
        "deliberations-pierrefonds.csv",
    ]
    written = {}
    for path, key in targets.items():
        scdl.write(mixed, path, collectivite=key)
        written[key] = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    assert {r["COLL_NOM"] for r in written["montpellier"]} == {"Ville de Montpellier"}
    assert [(r["COLL_NOM"], r["DELIB_FICHIER"]) for r in written["montpellier mediterranee"]] == [
        ("Montpellier Méditerranée Métropole", "M2023-352.pdf")
    ]
    assert {r["COLL_NOM"] for r in written["pierrefonds"]} == {"Commune de Pierrefonds"}
    assert all(r["DELIB_FICHIER"].startswith("montpellier/") for r in written["montpellier"])
    # Pierrefonds numbers its acts in the minutes only: each is a row, once, with the vote printed there.
    cats = [r for r in written["pierrefonds"] if r["DELIB_ID"] == "D2025-017"]
    assert len(cats) == 1 and cats[0]["DELIB_DATE"] == "2025-05-27" and cats[0]["VOTE_CONTRE"] == "3"
    assert all(r["DELIB_FICHIER"].startswith("pierrefonds/") for r in written["pierrefonds"])
