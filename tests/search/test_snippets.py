"""Snippets carry where the searched words stand; the API marks them, escaping the document's text."""

from __future__ import annotations

from app.http.schemas import highlighted
from app.search.snippets import Snippet, snippet


def test_the_best_stretch_and_the_offsets_of_the_searched_words():
    text = " ".join(["mot"] * 100 + ["Subventions", "aux", "associations", "sportives"] + ["fin"] * 100)
    found = snippet(text, "subvention association", size=20)
    assert len(found.text.split()) == 20 and "Subventions aux associations" in found.text
    assert [found.text[a:b] for a, b in found.marks] == ["Subventions", "associations"]  # stems, not "aux"


def test_without_a_match_the_start_of_the_text_unmarked():
    found = snippet("un deux trois quatre", "vidéoprotection", size=2)
    assert found == Snippet("un deux", ())
    assert snippet("Budget 2014 voté", "").marks == ()


def test_numbers_and_accents_match():
    found = snippet("Délibération n° 2014/121 : Élections", "elections 2014")
    assert [found.text[a:b] for a, b in found.marks] == ["2014/121", "Élections"]


def test_the_api_escapes_the_text_and_marks_only_the_matched_words():
    html = highlighted(Snippet("<b>Tarifs</b> & taxe de séjour", ((0, 13), (16, 20))))
    assert html == "<mark>&lt;b&gt;Tarifs&lt;/b&gt;</mark> &amp; <mark>taxe</mark> de séjour"
