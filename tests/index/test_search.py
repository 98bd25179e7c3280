import json

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
