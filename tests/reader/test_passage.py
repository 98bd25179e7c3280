"""Finding a cited passage in a page's text, on real pages of both corpora, as ingestion stored them."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from app.answer.evidence import split_sentences
from app.reader import Span, edges, locate, paragraphs
from ingest.pagelabels import page_facts, printed_number
from ingest.pdf import read_pages
from tests.conftest import SHARED

MONTPELLIER = SHARED / "corpus" / "montpellier"
PIERREFONDS = SHARED / "corpus" / "pierrefonds"
DOCUMENTS = [
    MONTPELLIER / "deliberations/Delibs_2013_03_25/2013-03-25-0000062224.pdf",  # a délibération: TETRA
    MONTPELLIER / "comptes-rendus/CR_CM_07_02_2011.pdf",  # a compte rendu: tallies and names
    PIERREFONDS / "conseil-municipal/CM-du-10-avril-2024.pdf",  # Pierrefonds' minutes
]


def letters(text: str) -> str:
    """The text's letters and digits, lower case, without accents: what a reader compares."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum())


@pytest.fixture(scope="module", params=DOCUMENTS, ids=lambda p: p.name)
def pages(request) -> dict[int, str]:
    if not request.param.is_file():
        pytest.skip(f"needs the shared corpus: {request.param}")
    return {p.number: p.text for p in read_pages(request.param)}


def sentences(pages: dict[int, str]):
    return [s for s in split_sentences("d", sorted(pages.items())) if any(c.isalnum() for c in s.text)]


def test_every_sentence_is_found_where_it_stands(pages):
    found = 0
    for s in sentences(pages):
        start, end = edges(s.text)
        text = pages[s.page] + "\n" + pages.get(s.page + 1, "")  # a sentence may end on the next page
        span = locate(text, start, end)
        assert span is not None, (s.page, s.text)
        assert span.start < len(pages[s.page])
        marked = letters(text[span.start : span.end])
        assert marked.startswith(letters(start)) and marked.endswith(letters(end or start)), s.text
        found += 1
    assert found > 20


def test_a_passage_over_several_lines_is_named_by_its_edges(pages):
    """The sentences joined by single spaces, as an extract carries them; the page breaks its lines."""
    run = sentences(pages)
    three = next(
        run[i : i + 3]
        for i in range(len(run) - 2)
        if run[i].page == run[i + 2].page and len(" ".join(s.text for s in run[i : i + 3]).split()) > 20
    )
    text = pages[three[0].page]
    passage = "… " + " ".join(s.text for s in three) + " …"
    start, end = edges(passage)
    assert end, "three sentences make a long passage"
    span = locate(text, start, end)
    assert span is not None
    assert "\n" in text[span.start : span.end]
    assert letters(text[span.start : span.end]) == letters(passage)


def test_a_word_hyphenated_at_a_line_end_and_other_case_and_accents_still_match(pages):
    s = next(s for s in sentences(pages) if any(len(w) > 9 and w.isalpha() for w in s.text.split()))
    word = next(w for w in s.text.split() if len(w) > 9 and w.isalpha())
    text = pages[s.page]
    broken = text.replace(word, word[:4] + "-\n" + word[4:], 1)
    shouting = s.text.upper().replace("É", "E").replace("È", "E")
    span = locate(broken, *edges(shouting))
    assert span is not None
    assert (
        word[:4] + "-\n" + word[4:] in broken[span.start : span.end] or word in broken[span.start : span.end]
    )


def test_nothing_is_found_for_words_the_page_does_not_hold(pages):
    assert locate(pages[min(pages)], "le conseil a adopté la licorne municipale à l'unanimité") is None
    assert locate(pages[min(pages)], "…", "") is None


def test_the_start_alone_is_kept_when_the_end_is_elsewhere(pages):
    s = sentences(pages)[0]
    span = locate(pages[s.page], *edges(s.text)[:1], "mots absents de toute la page")
    assert span is not None and letters(pages[s.page][span.start : span.end]) == letters(edges(s.text)[0])


def test_paragraphs_cut_the_page_where_the_passage_starts_and_ends(pages):
    s = sentences(pages)[len(sentences(pages)) // 2]
    text = pages[s.page]
    span = locate(text, *edges(s.text))
    assert span is not None
    blocks = paragraphs(text, span)
    marked = " ".join(piece for block in blocks for piece, m in block if m)
    assert letters(marked) == letters(text[span.start : span.end])
    assert letters("".join(piece for block in blocks for piece, _ in block)) == letters(text)


def test_edges_name_a_short_passage_whole_and_a_long_one_by_eight_words_each_end():
    assert edges("Le marché est attribué à TALCO.") == ("Le marché est attribué à TALCO.", "")
    words = [f"m{i}" for i in range(30)]
    assert edges("… " + " ".join(words) + " …") == (" ".join(words[:8]), " ".join(words[-8:]))
    assert locate("abc", "", "") is None
    assert locate("Le  con-\nseil", "le conseil") == Span(0, 13)


def test_the_printed_page_number_and_the_text_layer_are_read_from_the_pdf():
    minutes = MONTPELLIER / "proces-verbaux/PV_CM_17_02_2014.pdf"
    scan = MONTPELLIER / "comptes-rendus/CR_CM_25_07_2011.pdf"
    if not minutes.is_file() or not scan.is_file():
        pytest.skip("needs the shared corpus")
    assert page_facts(minutes, 6).label == "6" and page_facts(minutes, 6).text_layer
    assert not page_facts(scan, 1).text_layer  # an image-only scan: its text in registre comes from OCR
    assert page_facts(Path("/nonexistent.pdf"), 1).label is None
    assert printed_number("Page 3/40\nTitre") == "3"
    assert printed_number("Titre\ntexte\n- 12 -") == "12"
    assert printed_number("Séance du 25 mars 2013\n2013\ntexte") is None
