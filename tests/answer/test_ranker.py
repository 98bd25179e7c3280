"""The evidence ranker: its shipped weights, its labels and its fit, on a real index."""

import json

import numpy as np

from app.answer.evidence import candidates
from app.answer.ranker import FEATURES, WEIGHTS, Ranker
from app.evaluation.questions import Question
from app.evaluation.ranker_training import Example, fit, hits, label

CITIZENS = (
    "Combien de citoyens seront tirés au sort pour la convention citoyenne sur l'intelligence artificielle ?"
)


def test_the_shipped_trees_ask_known_features_and_carry_their_validation():
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    assert data["trees"] and len(data["calibration"]) == 2
    loco = data["about"]["leave_one_corpus_out"]
    assert len(loco) >= 3 and all(0 <= v["hit_at_k"] <= 1 for v in loco.values())
    ranker = Ranker.load()
    p = ranker.probabilities(np.vstack([np.ones(len(FEATURES)), np.zeros(len(FEATURES))]))
    assert p.shape == (2,) and ((p > 0) & (p < 1)).all()


def test_a_tree_is_read_as_written_and_unknown_features_are_refused():
    tree = {
        "feature": "asked",
        "threshold": 0.5,
        "left": {"value": -1.0},
        "right": {
            "feature": "coverage_own",
            "threshold": 0.3,
            "left": {"value": 0.5},
            "right": {"value": 2.0},
        },
    }
    ranker = Ranker([tree, {"value": 0.25}])
    rows = np.zeros((3, len(FEATURES)))
    rows[1, FEATURES.index("asked")] = 1.0
    rows[2, FEATURES.index("asked")] = 1.0
    rows[2, FEATURES.index("coverage_own")] = 0.9
    assert ranker.scores(rows).tolist() == [-0.75, 0.75, 2.25]
    try:
        Ranker([{"feature": "colour", "threshold": 0.0, "left": {"value": 0.0}, "right": {"value": 1.0}}])
    except ValueError as e:
        assert "colour" in str(e)
    else:
        raise AssertionError("a tree on a feature the ranker does not compute was accepted")


def test_a_candidate_holding_the_answer_in_a_gold_file_is_the_label_and_the_fit_ranks_it_first(
    mixed, embedder
):
    from app.answer.assistant import Assistant

    assistant = Assistant(mixed, embedder, None)
    q = Question(
        id="t1", question=CITIZENS, answerable=True, must_include=["40"], gold_files=["M2023-352.pdf"]
    )
    analysed = assistant.understand(q.question)
    found = candidates(mixed, analysed, assistant.retrieve(analysed))
    labels = label(q, found)
    positives = [p.sentence for p, y in zip(found.passages, labels, strict=True) if y]
    assert positives and all("40" in s for s in positives)
    assert all(p.document.path == "M2023-352.pdf" for p, y in zip(found.passages, labels, strict=True) if y)
    example = Example("sample", q, analysed, found, labels)
    ranker = fit([example, example])
    assert hits([example], ranker)["hit_at_1"] == 1.0
