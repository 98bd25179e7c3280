"""A compound and its parts meet: an act printing « vidéo protection » is found by « vidéoprotection », and the
reverse, on a real index of real PDFs beside acts that print none of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from index.lexical import Lexical
from index.search import ranked_files, search
from index.store import open_index
from ingest.pipeline import ingest
from tests.conftest import SAMPLE

FONTS = Path("/usr/share/fonts/truetype/dejavu")
ACTS = {
    "cameras.pdf": (
        "Délibération n° 2024 / 311",
        "Objet : Extension du système de vidéo protection urbaine",
        (
            "Le conseil municipal approuve l'installation de douze caméras de vidéo protection aux abords des "
            "écoles pour un montant de 84 000 euros."
        ),
    ),
    "place.pdf": (
        "Délibération n° 2024 / 312",
        "Objet : Vidéoprotection de la place du marché",
        (
            "Le conseil municipal approuve la vidéoprotection de la place du marché et sollicite une subvention "
            "de l'État."
        ),
    ),
    "donnees.pdf": (
        "Délibération n° 2024 / 313",
        "Objet : Protection des données personnelles",
        (
            "Le conseil municipal désigne un délégué à la protection des données. Une vidéo de la séance est "
            "publiée sur le site de la commune."
        ),
    ),
}


def act_pdf(path: Path, lines: tuple[str, ...]) -> None:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", "", 11)
    pdf.add_page()
    head = "EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS DU CONSEIL MUNICIPAL\nSéance du 12 mars 2024\n"
    pdf.multi_cell(0, 6, head + "\n".join(lines) + "\nAdopté à l'unanimité.")
    pdf.output(str(path))


@pytest.fixture(scope="module")
def compounds(tmp_path_factory, embedder):
    corpus = tmp_path_factory.mktemp("compounds") / "corpus"
    corpus.mkdir()
    for name, lines in ACTS.items():
        act_pdf(corpus / name, lines)
    for sample in SAMPLE.glob("*.pdf"):  # real acts that print none of these words joined or apart
        (corpus / sample.name).write_bytes(sample.read_bytes())
    ingest(corpus, corpus.parent / "index", embedder, progress=False, log=lambda _: None)
    return open_index(corpus.parent / "index", embedder.name)


@pytest.mark.parametrize(
    "query", ["vidéoprotection", "vidéo protection", "vidéo-protection", "VIDEO PROTECTION"]
)
def test_every_spelling_finds_the_acts_of_every_other(compounds, embedder, query):
    for mode in ("bm25", "hybrid"):
        files = [
            d.path
            for d in ranked_files(search(compounds, embedder, f"la {query} des écoles", k=5, mode=mode))
        ]
        assert set(files[:2]) == {"cameras.pdf", "place.pdf"}, (mode, files)


def test_the_staff_search_meets_the_split_form_too(compounds):
    from app.search import Filters, search_acts

    found = search_acts(compounds, "vidéoprotection", Filters(), "relevance", 1, 20)
    assert {a.file for a in found.acts} >= {"cameras.pdf", "place.pdf"}


def test_only_words_the_index_holds_are_met_and_function_words_are_never_halves():
    lexical = Lexical.build(["Une entreprise de transport.", "Le prix à l'entrée de la prise."])
    assert lexical.scores("entreprise")[1] == 0  # « entre » + « prise »: « entre » is a function word
    both = Lexical.build(["La vidéo protection.", "Une vidéo.", "La vidéoprotection."])
    assert (both.scores("vidéoprotection") > 0).tolist() == [True, False, True]  # one half alone is not it
    assert (both.scores("vidéo protection") > 0).tolist() == [True, True, True]
    assert both.scores("vidéo protection")[0] >= both.scores("vidéo protection")[1]


def test_a_question_with_the_joined_form_is_answered_from_the_split_one(compounds, embedder, scripted):
    from app.answer.assistant import Assistant

    assistant = Assistant(compounds, embedder, scripted)
    question = "Combien de caméras de vidéoprotection aux abords des écoles ?"
    q = assistant.understand(question)
    passages = assistant.passages_for(q, assistant.retrieve(q))
    assert assistant.lacks_evidence(q, passages) is None  # « vidéoprotection » is known, printed apart
    assert any("12" in p.text or "douze" in p.text for p in passages)
    scripted.enqueue("Le conseil approuve l'installation de 12 caméras aux abords des écoles [1].")
    answer = assistant.answer(question)
    assert answer.found and answer.citations and answer.citations[0].file.endswith("cameras.pdf")
