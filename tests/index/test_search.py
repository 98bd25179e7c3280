import json

import numpy as np
import pytest

from app.answer.question import analyse
from index.search import MODES, ranked_files, search
from tests.conftest import QUESTIONS

QUESTIONS_BY_ID = {q["id"]: q for q in map(json.loads, QUESTIONS.read_text().splitlines())}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("qid", ["d001", "d002", "d003", "d013"])
def test_dev_question_finds_its_gold_file_first(index, embedder, mode, qid):
    q = QUESTIONS_BY_ID[qid]
    hits = search(index, embedder, q["question"], k=5, mode=mode)
    files = [d.path.rsplit("/", 1)[-1] for d in ranked_files(hits)]
    if mode == "dense":
        assert set(q["gold_files"]) & set(files[:3])  # dense is the weaker signal: top 3 is its bar
    else:
        assert files[0] in q["gold_files"]


def test_follow_up_searches_with_the_earlier_question(index, embedder):
    q = QUESTIONS_BY_ID["d047"]
    assert q["history"]
    hits = search(index, embedder, analyse(q["question"], q["history"]).search_text, k=3)
    assert hits[0].document.path.endswith(q["gold_files"][0])


def test_year_in_question_favours_acts_of_that_year(index, embedder):
    plain = search(index, embedder, "subvention association", k=20, year_weight=0.0)
    dated = search(index, embedder, "subvention association 2013", k=20, year_weight=1.0)
    assert dated[0].document.seance_date.startswith("2013")
    assert dated[0].score > plain[0].score + 0.9  # the boost is added to the fused score


def test_query_without_any_known_word_returns_nothing_from_bm25(index, embedder):
    assert search(index, embedder, "zzzqqq", mode="bm25") == []


def test_a_year_counts_when_the_act_title_names_it(index):
    from index.search import _names_year

    row = next(c.row for c in index.chunks if "Boutographies 2012" in c.context)
    assert _names_year(index, row, {"2012"})  # named in the objet
    assert _names_year(index, row, {"2013"})  # the séance's year
    assert not _names_year(index, row, {"2010"})


def test_council_named_in_the_question_filters_the_acts(sample_index, embedder):
    docs = {d.council: d for d in sample_index.documents.values() if d.council}
    assert docs["conseil de métropole"].collectivite == "Montpellier Méditerranée Métropole"
    about = "la convention citoyenne sur l'intelligence artificielle"  # the métropole's act, by its words
    unfiltered = search(sample_index, embedder, f"Que dit la délibération sur {about} ?", k=5)
    assert unfiltered[0].document.council == "conseil de métropole"
    hits = search(sample_index, embedder, f"Que dit la délibération du conseil municipal sur {about} ?", k=5)
    assert hits and all(h.document.council in (None, "conseil municipal") for h in hits)
    assert len(hits) == len({h.chunk.row for h in hits})


def test_filters_are_read_from_a_text_only_for_callers_without_a_question():
    from index.search import Filters

    assert Filters.read("Au conseil municipal de février 2013, en 2013 et 2014 ?") == Filters(
        ("2013", "2014"), ("2013-02",), "conseil municipal"
    )
    assert Filters.read("la subvention aux associations") == Filters()
    assert Filters.read("le vote du conseil communautaire").council == "conseil communautaire"
    assert Filters.read("au conseil de communauté du 3 mars").council == "conseil communautaire"


def test_a_named_month_keeps_the_seances_of_that_month_when_the_index_dates_any(index, embedder):
    from index.search import Filters

    held = {d.seance_date[:7] for d in index.documents.values() if d.seance_date}
    assert "2013-06" in held and len(held) > 1
    hits = search(index, embedder, "délibération", k=10, filters=Filters(months=("2013-06",)))
    assert hits and all(
        h.document.seance_date in (None,) or h.document.seance_date[:7] == "2013-06" for h in hits
    )
    # A month no séance of the index was held in filters nothing out.
    assert index.rows_in_months(("1999-01",)) is None
    unknown = search(index, embedder, "délibération", k=10, filters=Filters(months=("1999-01",)))
    assert [h.chunk.row for h in unknown] == [
        h.chunk.row for h in search(index, embedder, "délibération", k=10, filters=Filters())
    ]


def test_the_filters_given_win_over_what_the_query_text_names(index, embedder):
    from index.search import Filters

    query = "délibération de juin 2013"
    named = search(index, embedder, query, k=10)  # no analysed question: read from the text
    assert all(h.document.seance_date[:7] == "2013-06" for h in named if h.document.seance_date)
    told = search(index, embedder, query, k=10, filters=Filters())  # the question named no month
    assert {h.document.seance_date[:7] for h in told if h.document.seance_date} != {"2013-06"}


def test_every_window_belongs_to_one_affaire_unit_of_its_own_document(index, council):
    for built in (index, council):
        units = built.units
        assert len(units.of_row) == len(built.chunks) and (units.of_row >= 0).all()
        for chunk in built.chunks[::7]:
            key = units.keys[units.of_row[chunk.row]]
            assert key.doc_id == chunk.doc_id
            assert key.affaire == (-1 if chunk.affaire is None else chunk.affaire)
    # A procès-verbal is cut into its affaires, plus the opening before the first.
    pv = next(d for d in council.documents.values() if d.path.endswith("PV_CM_17_02_2014.pdf"))
    keys = [k for k in council.units.keys if k.doc_id == pv.id]
    assert len(keys) == len(council.document_affaires(pv.id)) + 1 > 50
    # A délibération is one unit.
    act = next(d for d in council.documents.values() if d.kind == "délibération")
    assert len([k for k in council.units.keys if k.doc_id == act.id]) == 1


def test_an_affaire_matched_as_a_whole_lends_its_score_to_its_windows(council):
    pv = next(d for d in council.documents.values() if d.path.endswith("PV_CM_17_02_2014.pdf"))
    affaire = max(council.document_affaires(pv.id), key=lambda a: len(a.title))
    scores = council.units.lexical.scores(affaire.title)
    best = council.units.keys[int(scores.argmax())]
    assert (best.doc_id, best.affaire) == (pv.id, affaire.idx)
    rows = np.array([c.row for c in council.document_chunks(pv.id)])
    lent = council.units.chunk_scores(scores, rows)
    assert ((lent >= 0) & (lent <= 1)).all()
    assert {c.affaire for c, s in zip(council.document_chunks(pv.id), lent) if s == 1.0} == {affaire.idx}
