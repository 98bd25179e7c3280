"""The reader: every citation opens registre's own view of its page, the cited sentence marked, the act above."""

from __future__ import annotations

import html as entities
import json
import re
import unicodedata

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader, PdfWriter

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.http.schemas import viewer_url
from app.settings import Settings
from index.store import open_index
from ingest.pipeline import ingest
from tests.conftest import CORPUS

QUESTION = "Quelle entreprise a été retenue pour le marché du réseau radio TETRA ?"


def letters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum())


def marked_text(html: str) -> str:
    """Every marked piece of the page, screen-reader words and tags left out."""
    pieces = re.findall(r"<mark[^>]*>(.*?)</mark>", html, re.DOTALL)
    return entities.unescape(re.sub(r'<span class="sr">[^<]*</span>|<[^>]+>', "", " ".join(pieces)))


@pytest.fixture(scope="module")
def client(index, embedder, scripted_module):
    assistant = Assistant(index, embedder, scripted_module)
    settings = Settings(model_label="le modèle de langue libre de la Ville")
    with TestClient(create_app(settings, assistant)) as c:
        yield c


@pytest.fixture(scope="module")
def scripted_module():
    from tests.fakes import ScriptedLLM

    return ScriptedLLM()


def test_every_citation_opens_its_page_with_the_cited_sentence_marked(client, scripted_module):
    scripted_module.enqueue("Le marché a été attribué à la société TALCO [1].")
    body = client.post("/api/chat", json={"question": QUESTION}).json()
    assert body["found"] and body["evidence"] and body["extracts"]
    evidence = body["evidence"]
    for c in body["extracts"]:
        assert c["url"].endswith(f"#page={c['page']}") and c["viewer_url"].endswith("#passage")
        page = client.get(c["viewer_url"].split("#")[0])
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        html = page.text
        assert 'id="passage"' in html and f'href="{c["url"]}"' in html  # the original PDF, at the page
        marked = letters(marked_text(html))
        if c["n"] == evidence["n"]:
            assert marked == letters(evidence["sentence"]), (c, marked_text(html))
        else:  # the whole extract, or the part of it on this page
            assert len(marked) > 20 and marked in letters(c["excerpt"]), (c, marked_text(html))
        assert f"Page {c['page']} sur" in html
    first = client.get(body["extracts"][0]["viewer_url"].split("#")[0]).text
    assert "séance du 25 mars 2013" in first and "n° 2013/122" in first  # the act's header
    assert "Aller au passage cité" in first and "Début du passage cité" in first


def test_the_stream_and_v1_carry_viewer_urls_and_the_notice_names_the_model_in_plain_words(
    client, scripted_module
):
    scripted_module.enqueue("TALCO [1].")
    with client.stream("POST", "/api/chat/stream", json={"question": QUESTION}) as r:
        events = [json.loads(line[5:]) for line in r.iter_lines() if line.startswith("data:")]
    sources, done = events[0], events[-1]
    assert all(c["viewer_url"].startswith("/documents/") for c in sources["extracts"])
    assert done["generated_by"] == "ai"
    assert "le modèle de langue libre de la Ville" in done["notice"] and "scripted" not in done["notice"]
    scripted_module.enqueue("TALCO [1].")
    v1 = client.post(
        "/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]}
    ).json()
    assert v1["citations"] and all("viewer_url" in c for c in v1["citations"])
    assert "le modèle de langue libre de la Ville" in v1["registre"]["notice"]


def test_a_citation_a_page_off_opens_the_page_that_holds_the_sentence(client, index):
    doc = next(d for d in index.documents.values() if d.pages >= 2 and "62224" in d.path)
    pages = index.pages(doc.id)
    sentence = " ".join(pages[2].split()[:14])  # words of page 2, cited as if on page 1
    url = viewer_url(doc.id, 1, sentence)
    html = client.get(url.split("#")[0]).text
    assert "Page 2 sur 2 du PDF" in html and letters(marked_text(html)) == letters(sentence)
    missing = client.get(
        viewer_url(doc.id, 1, "une licorne municipale votée à l'unanimité").split("#")[0]
    ).text
    assert "n'a pas été retrouvé mot pour mot" in missing and "Page 1 sur 2" in missing
    plain = client.get(f"/documents/{doc.id}?page=2").text
    assert "<mark" not in plain and 'rel="prev"' in plain and 'rel="next"' not in plain


def test_unknown_documents_and_pages_get_a_french_404_page(client, index):
    doc = next(iter(index.documents.values()))
    for url in (
        "/documents/0000000000000000",
        f"/documents/{doc.id}?page=999",
        f"/documents/{doc.id}?page=abc",
    ):
        r = client.get(url)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), url
        assert "Page introuvable" in r.text and '<html lang="fr">' in r.text
    assert client.get("/documents/0000000000000000.pdf").status_code == 404  # the PDFs keep their route
    assert client.get(f"/documents/{doc.id}.pdf").headers["content-type"] == "application/pdf"


def test_the_minutes_show_the_printed_page_number_and_the_affaire_with_its_vote(council, embedder):
    minutes = next(d for d in council.documents.values() if d.path.endswith("PV_CM_17_02_2014.pdf"))
    affaire = next(a for a in council.document_affaires(minutes.id) if a.pour is not None and a.page > 3)
    with TestClient(create_app(Settings(), Assistant(council, embedder, None))) as c:
        html = c.get(f"/documents/{minutes.id}?page={affaire.page}").text
    assert f"page imprimée {affaire.page}" in html
    assert f"Pour : {affaire.pour}" in html and "séance du 17 février 2014" in html
    assert "Procès-verbal" in html


def test_an_image_only_page_shows_its_ocr_text_and_says_so(tmp_path, embedder):
    from ingest import ocr

    if not ocr.available():
        pytest.fail("OCR tools are missing: apt-get install tesseract-ocr tesseract-ocr-fra poppler-utils")
    writer = PdfWriter()
    writer.add_page(PdfReader(CORPUS / "comptes-rendus/CR_CM_25_07_2011.pdf").pages[0])
    (tmp_path / "corpus").mkdir()
    with (tmp_path / "corpus" / "scan.pdf").open("wb") as f:
        writer.write(f)
    ingest(tmp_path / "corpus", tmp_path / "index", embedder, ocr=True, progress=False, log=lambda _: None)
    scanned = open_index(tmp_path / "index", embedder.name)
    doc = next(iter(scanned.documents.values()))
    with TestClient(create_app(Settings(), Assistant(scanned, embedder, None))) as c:
        html = c.get(viewer_url(doc.id, 1, "Compte-rendu du Conseil municipal").split("#")[0]).text
    assert "lu par reconnaissance de caractères (OCR)" in html and 'id="passage"' in html
    assert "25 juillet 2011" in html


def test_viewer_urls_name_the_evidence_sentence_and_are_absolute_with_a_public_url():
    from app.answer.assistant import Citation, Evidence
    from app.http.schemas import CitationOut

    excerpt = "Avant. " + " ".join(f"mot{i}" for i in range(30)) + ". Après."
    c = Citation(2, "abc123", "d.pdf", 4, "2013/122", "2013-03-25", "Objet", excerpt)
    sentence = " ".join(f"mot{i}" for i in range(30)) + "."
    out = CitationOut.of(c, "https://registre.ville.fr/", Evidence(2, sentence, 7, 7 + len(sentence)))
    assert out.url == "https://registre.ville.fr/documents/abc123.pdf#page=4"
    assert out.viewer_url == (
        "https://registre.ville.fr/documents/abc123?page=4"
        "&q=mot0+mot1+mot2+mot3+mot4+mot5+mot6+mot7&q_end=mot22+mot23+mot24+mot25+mot26+mot27+mot28+mot29.#passage"
    )
    other = CitationOut.of(c, "", Evidence(1, sentence, 0, 1))  # not this citation's: the whole extract
    assert (
        other.viewer_url.startswith("/documents/abc123?page=4&q=Avant.+mot0")
        and "Apr%C3%A8s." in other.viewer_url
    )
