"""The edges of the API: questions with no word, errors in French, pages for browsers, /v1/models, absolute links."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.http.errors import wants_html
from app.settings import Settings
from tests.fakes import ScriptedLLM, events

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
TETRA = "Quelle entreprise a été retenue pour le marché du réseau radio TETRA ?"
PUBLIC = "https://registre.ville-exemple.fr"


def client_for(assistant: Assistant, **settings) -> TestClient:
    return TestClient(create_app(Settings(rate_limit_per_minute=0, **settings), assistant))


@pytest.fixture(scope="module")
def scripted() -> ScriptedLLM:
    return ScriptedLLM()  # no reply queued: a question that reached the model would fail


@pytest.fixture(scope="module")
def client(index, embedder, scripted):
    with client_for(Assistant(index, embedder, scripted)) as c:
        yield c


def ask(client: TestClient, route: str, question: str):
    if route == "/v1/chat/completions":
        return client.post(
            route, json={"model": "registre", "messages": [{"role": "user", "content": question}]}
        )
    return client.post(route, json={"question": question})


def message(response) -> str:
    if response.url.path.startswith("/v1/"):  # OpenAI's error object, so that its clients show the message
        return response.json()["error"]["message"]
    detail = response.json()["detail"]
    return detail if isinstance(detail, str) else detail[0]["msg"]


@pytest.mark.parametrize("route", ["/api/chat", "/api/chat/stream", "/v1/chat/completions"])
@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("", "La question est vide."),
        ("   \n\t ", "La question est vide."),
        ("😀🎉👍", "La question ne contient aucun mot"),
        ("?!… — ...", "La question ne contient aucun mot"),
        ("\u200b\u200b", "La question ne contient aucun mot"),  # zero-width spaces: strip() keeps them
    ],
)
def test_a_question_without_a_letter_or_digit_is_refused_before_the_model(
    client, scripted, route, question, said
):
    r = ask(client, route, question)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/json")
    assert message(r).startswith(said)
    assert scripted.history == []  # the model never ran


def test_a_question_with_one_word_or_a_number_is_answered(client, scripted):
    for question in ("TETRA", "2013 ?", "« Chengdu » ?"):
        scripted.enqueue("Le marché a été attribué à la société TALCO [1].")
        assert client.post("/api/chat", json={"question": question}).status_code == 200
    scripted.replies.clear()
    scripted.history.clear()


def test_invalid_utf8_and_broken_bodies_get_french_messages(client):
    for route in ("/api/chat", "/api/chat/stream", "/v1/chat/completions"):
        r = client.post(
            route, content=b'{"question": "caf\xe9"}', headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 400, r.text
        assert message(r) == "Le corps de la requête est illisible : envoyez du JSON encodé en UTF-8."


def test_validation_errors_say_what_is_wrong_without_pydantic_words(client):
    cases = {
        "La question doit être un texte.": client.post("/api/chat", json={"question": 3}),
        "L'historique doit être une liste.": client.post(
            "/api/chat", json={"question": "ok", "history": "x"}
        ),
        "Le rôle d'un message : valeur non admise (valeurs admises : « user » ou « assistant »).": client.post(
            "/api/chat", json={"question": "ok", "history": [{"role": "system", "content": "x"}]}
        ),
        "La liste des messages est vide.": client.post("/v1/chat/completions", json={"messages": []}),
        "Le champ stream doit valoir true ou false.": client.post(
            "/v1/chat/completions",
            json={"messages": [{"role": "user", "content": "x"}], "stream": "peut-être"},
        ),
        "La date de début doit être une date au format AAAA-MM-JJ.": client.get(
            "/api/search?date_from=2020-13-01"
        ),
        "Le numéro de page doit être un nombre entier.": client.get("/api/search?page=deux"),
        "Le numéro de page doit être supérieur ou égal à 1.": client.get("/api/search?page=0"),
        "Le nombre de résultats par page doit être inférieur ou égal à 100.": client.get(
            "/api/search?per_page=500"
        ),
        "Le vote : valeur non admise (valeurs admises : « unanimité », « majorité », « adopté », « rejeté » ou "
        "« non imprimé »).": client.get("/api/search?outcome=peut-être"),
    }
    for said, r in cases.items():
        assert r.status_code == 422, r.text
        assert message(r) == said
        for jargon in ("_type", "_parsing", "Input should", " or ", "Field required", "Value error"):
            assert jargon not in message(r)


def test_unknown_addresses_and_methods_are_said_in_french_as_json_to_api_clients(client):
    for path in ("/nope", "/documents/nope.pdf", "/static/nope.js", "/api/nope"):
        r = client.get(path, headers={"Accept": "application/json"})
        assert r.status_code == 404 and r.json() == {
            "detail": "Document inconnu."
            if path.startswith("/documents/")
            else ("Cette adresse ne mène à aucune page ni à aucun document.")
        }
    assert client.get("/nope").headers["content-type"].startswith("application/json")  # curl, fetch: */*
    wrong = client.get("/api/chat")
    assert (
        wrong.status_code == 405
        and wrong.json()["detail"] == "Cette adresse ne s'utilise pas avec cette méthode."
    )
    assert wrong.headers["allow"] == "POST"


def test_a_browser_gets_a_french_page_for_a_dead_link(client):
    for path, title, said in (
        ("/documents/nope.pdf", "Page introuvable", "Document inconnu."),
        ("/nope", "Page introuvable", "ne mène à aucune page"),
    ):
        r = client.get(path, headers={"Accept": BROWSER})
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert '<html lang="fr">' in r.text and f"<h1>{title}</h1>" in r.text and said in r.text
        assert '<a href="/">' in r.text and '<a href="/recherche">' in r.text
        assert "{" not in r.text.split("<body>")[1]  # no JSON shown to the reader
        assert (
            "script-src 'self'" in r.headers["content-security-policy"]
        )  # the page's policy, its style inline
        assert r.headers["x-content-type-options"] == "nosniff"


def test_a_crash_is_a_french_500_without_a_trace(index, embedder):
    app = create_app(Settings(), Assistant(index, embedder, None))

    @app.get("/panne")
    async def broken() -> None:
        raise RuntimeError("secret interne")

    with TestClient(app, raise_server_exceptions=False) as c:
        api = c.get("/panne")
        assert api.status_code == 500 and api.json()["detail"].startswith("Une erreur interne est survenue.")
        page = c.get("/panne", headers={"Accept": BROWSER})
        assert page.status_code == 500 and "<h1>Erreur du service</h1>" in page.text
        assert all("secret interne" not in r.text and "Traceback" not in r.text for r in (api, page))


def test_browsers_are_told_from_api_clients_by_their_accept_header():
    assert wants_html(BROWSER)
    assert wants_html("text/html")
    assert not wants_html("")
    assert not wants_html("*/*")
    assert not wants_html("application/json")
    assert not wants_html("application/json, text/html;q=0.5")
    assert not wants_html("text/html;q=0")
    assert not wants_html("text/html;q=abc")


def test_v1_models_lists_registre_in_the_openai_format(client, scripted):
    listed = client.get("/v1/models")
    assert listed.status_code == 200
    body = listed.json()
    assert body["object"] == "list" and [m["id"] for m in body["data"]] == ["registre"]
    model = body["data"][0]
    assert model["object"] == "model" and isinstance(model["created"], int) and model["owned_by"]
    assert client.get("/v1/models/registre").json() == model
    unknown = client.get("/v1/models/gpt-4")
    assert unknown.status_code == 404 and "registre" in message(unknown)

    scripted.enqueue("Le marché a été attribué à la société TALCO [1].")
    r = client.post(
        "/v1/chat/completions", json={"model": "registre", "messages": [{"role": "user", "content": TETRA}]}
    )
    assert r.status_code == 200 and r.json()["model"] == "registre"  # the model listed, not the weights' file
    scripted.history.clear()


def test_citation_links_are_absolute_when_the_public_address_is_set(index, embedder):
    scripted = ScriptedLLM()
    with client_for(Assistant(index, embedder, scripted), public_url=PUBLIC + "/") as c:
        scripted.enqueue("Le marché a été attribué à la société TALCO [1].")
        chat = c.post("/api/chat", json={"question": TETRA}).json()
        links = [x["url"] for x in chat["citations"] + chat["extracts"]]

        scripted.enqueue("Le marché a été attribué à la société TALCO [1].")
        with c.stream("POST", "/api/chat/stream", json={"question": TETRA}) as r:
            got = dict(events(r.iter_lines()))
        links += [x["url"] for x in got["sources"]["extracts"] + got["done"]["citations"]]

        scripted.enqueue("Le marché a été attribué à la société TALCO [1].")
        v1 = c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": TETRA}]}).json()
        links += [x["url"] for x in v1["citations"]]

        scripted.enqueue("Le marché a été attribué à la société TALCO [1].")
        body = {"messages": [{"role": "user", "content": TETRA}], "stream": True}
        with c.stream("POST", "/v1/chat/completions", json=body) as r:
            chunks = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]
        links += [x["url"] for x in chunks[-1]["citations"]]

        search = c.get("/api/search?q=TETRA").json()
        links += [a["url"] for a in search["acts"]]
        links += [
            x["viewer_url"] for x in chat["citations"] if x.get("viewer_url")
        ]  # the reader, when served

        assert len(chat["citations"]) >= 1 and len(links) >= 6
        for link in links:
            assert link.startswith(PUBLIC + "/"), link  # a document, or its page in the reader
            assert "//documents" not in link
        path = links[0].removeprefix(PUBLIC).split("#")[0]
        assert c.get(path).content.startswith(b"%PDF")  # the same document, served here


def test_citation_links_stay_relative_without_a_public_address(client, scripted):
    scripted.enqueue("Le marché a été attribué à la société TALCO [1].")
    chat = client.post("/api/chat", json={"question": TETRA}).json()
    assert chat["citations"] and all(c["url"].startswith("/documents/") for c in chat["citations"])
    scripted.history.clear()


def test_the_public_address_must_be_a_web_address():
    with pytest.raises(ValidationError, match="REGISTRE_PUBLIC_URL doit commencer par https://"):
        Settings(public_url="registre.ville.fr")
    assert Settings(public_url=" https://registre.ville.fr/ ").public_url == "https://registre.ville.fr"


def test_a_revalidated_static_file_keeps_the_headers_of_its_200(client):
    for path in ("/static/demo.html", "/static/widget.js", "/static/recherche.css"):
        first = client.get(path)
        again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        for header in ("content-security-policy", "x-content-type-options", "referrer-policy"):
            assert again.headers[header] == first.headers[header], (path, header)
