"""The evaluation contract's scoring, alone: normalisation, ranks, recall, percentiles, failure reasons."""

from __future__ import annotations

import pytest

from app.evaluation.metrics import gold_rank, normalise, percentile, recall_curve, retrieval_metrics, score
from app.evaluation.questions import Question


def test_normalisation_follows_the_contract():
    assert normalise("6 000 €") == normalise("6\u202f000 €") == normalise("6.000 €") == "6000€"
    assert normalise("À l'unanimité") == "al'unanimite"
    assert normalise("491 167,50") == "491167,50"
    assert normalise("3 ans") == "3ans"


def test_rank_and_metrics():
    assert gold_rank(["a/x.pdf", "b/y.pdf"], ["y.pdf"]) == 2
    assert gold_rank(["a/x.pdf"], ["y.pdf"]) is None
    m = retrieval_metrics([1, 2, None, 7])
    assert m == {
        "recall_at_1": 0.25,
        "recall_at_5": 0.5,
        "recall_at_10": 0.75,
        "mrr_at_10": (1 + 0.5 + 1 / 7) / 4,
    }
    assert recall_curve([1, 2, None, 7])[:3] == [0.25, 0.5, 0.5] and recall_curve([1, 2, None, 7])[9] == 0.75


def test_each_failure_gets_its_reason():
    gold = Question(id="q", question="?", answerable=True, must_include=["60", "3 ans"], gold_files=["g.pdf"])

    def row(answer, found, context, retrieved=("a/x.pdf", "b/g.pdf")):
        return {
            "answer": answer,
            "found": found,
            "retrieved_files": list(retrieved),
            "context_files": context,
        }

    assert score(gold, row("60 membres pour 3 ans", True, ["b/g.pdf"]))["failure"] is None
    assert score(gold, row("60 membres pour 6 ans", True, ["a/x.pdf"]))["failure"] == "not_retrieved"
    assert score(gold, row("Pas dans les documents.", False, ["a/x.pdf"]))["failure"] == "not_retrieved"
    wrong = score(gold, row("60 membres pour 6 ans", True, ["a/x.pdf", "b/g.pdf"]))
    assert wrong["failure"] == "wrong_answer" and wrong["missing"] == ["3 ans"] and wrong["gold_rank"] == 2
    assert score(gold, row("Pas dans les documents.", False, ["b/g.pdf"]))["failure"] == "false_refusal"
    unanswerable = Question(id="u", question="?", answerable=False)
    assert score(unanswerable, row("Il y a 12 guirlandes.", True, ["a/x.pdf"]))["failure"] == "invented"
    assert score(unanswerable, row("Pas dans les documents.", False, ["a/x.pdf"]))["failure"] is None
    # Retrieval only: a failure is a gold file missing from what the model would have been given.
    assert score(gold, row(None, None, ["a/x.pdf"]))["failure"] == "not_retrieved"
    assert score(gold, row(None, None, ["b/g.pdf"]))["failure"] is None


def test_percentiles_interpolate_between_the_closest_ranks():
    assert percentile([], 50) is None and percentile([2.0], 95) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([float(v) for v in range(1, 101)], 95) == pytest.approx(95.05)


def test_evidence_hits_read_the_first_sentence_and_all_passages():
    from app.evaluation.metrics import evidence_metrics

    q = Question(
        id="q",
        question="?",
        answerable=True,
        must_include=["12 000 €", "2013"],
        gold_files=["a.pdf"],
        kind="amount",
    )
    passage = {"file": "a.pdf", "page": 1}
    first_holds = {
        "passages": [{**passage, "sentence": "12\u202f000 € en 2013", "text": "… 12 000 € en 2013"}]
    }
    spread = {
        "passages": [
            {**passage, "sentence": "Subvention de 12.000 €", "text": "Subvention de 12.000 €"},
            {**passage, "sentence": "votée en 2013", "text": "votée en 2013"},
        ]
    }
    nowhere = {"passages": [{**passage, "sentence": "Rien", "text": "Rien ici"}]}
    unanswerable = Question(id="u", question="?", answerable=False)
    m = evidence_metrics([q, q, q, unanswerable], [first_holds, spread, nowhere, {"passages": []}], k=3)
    assert m["k"] == 3 and m["n"] == 3
    assert m["hit_at_1"] == pytest.approx(1 / 3) and m["hit_at_k"] == pytest.approx(2 / 3)
    assert m["by_kind"]["amount"]["hit_at_k"] == pytest.approx(2 / 3)


def test_wrong_rate_counts_answers_that_are_wrong_or_invented_over_answers_given():
    from app.evaluation.metrics import trust_metrics

    q = Question(id="q", question="?", answerable=True, must_include=["40"], gold_files=["g.pdf"])
    u = Question(id="u", question="?", answerable=False)
    rows = [
        {"found": True, "correct": True, "generated_by": "ai"},
        {"found": True, "correct": False, "generated_by": "ai"},
        {"found": True, "correct": True, "structured": True, "generated_by": "document"},
        {"found": False, "correct": False},  # a refusal: not an answer, neither right nor wrong here
        {"found": True, "generated_by": "document"},  # an unanswerable question answered: wrong
    ]
    m = trust_metrics([q, q, q, q, u], rows)
    assert m["answered"] == 4 and m["wrong"] == 2 and m["wrong_rate"] == 0.5
    assert m["by_generated_by"]["ai"] == {"answered": 2, "wrong": 1, "wrong_rate": 0.5}
    assert m["by_generated_by"]["structured"]["wrong_rate"] == 0.0
    assert m["by_generated_by"]["document"] == {"answered": 1, "wrong": 1, "wrong_rate": 1.0}
