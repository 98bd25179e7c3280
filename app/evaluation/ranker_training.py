"""Fit the sentence ranker (app/answer/ranker.py) on labelled question sets, and say how it does on a council it
was not fitted on.

A labelled pair is an answerable question of a set and the candidate sentences the answering path considers for
it (the same retrieval, the same candidates): a sentence is a positive when it stands in a gold file and holds
every `must_include` item (after the contract's normalisation), or when it is the gold `evidence` sentence.
Validation is leave-one-corpus-out: fitted on every set but one, scored on the one left out, for each — the
figure that predicts a council never seen. The model kept is then fitted on all of them.

    registre train-ranker [--set NAME=CORPUS:QUESTIONS ...] [--out app/answer/ranker.json]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from app.answer.evidence import PASSAGES, Candidates, candidates, choose
from app.answer.question import Question as Analysed
from app.answer.ranker import FEATURES, Ranker
from app.evaluation.metrics import holds_all, normalise
from app.evaluation.questions import Question, load_questions
from index.french import WORD, fold

# A gold evidence sentence is this much the candidate's words (the file quotes it with cuts: « […] »).
EVIDENCE_SHARE = 0.6
# The learner: a hundred boosted trees of three leaves each (two questions of the features), a slow learning rate and
# no leaf under twenty candidates, so that the trees stay few, shallow and readable. These are LightGBM's usual
# small settings, set once and not searched; without bagging, a fit is the same on every run. Against the logistic
# regression it replaces, left out on each of the three sets: hit_at_1 0.46 vs 0.37, hit_at_k 0.78 vs 0.72 (means).
TREES, LEAVES, LEARNING_RATE, MIN_LEAF = 100, 3, 0.05, 20


@dataclass(frozen=True)
class LabelledSet:
    name: str
    corpus: Path
    questions: Path


@dataclass
class Example:
    """One answerable question with its candidates and their labels."""

    set_name: str
    question: Question
    analysed: Analysed
    found: Candidates
    labels: np.ndarray  # 1 for a sentence that answers


def label(q: Question, found: Candidates) -> np.ndarray:
    gold = set(q.gold_files or [])
    items = q.must_include or []
    evidence = _words(getattr(q, "evidence", None) or "")
    out = np.zeros(len(found.passages))
    for n, p in enumerate(found.passages):
        if Path(p.document.path).name not in gold:
            continue
        holds = bool(items) and holds_all(p.sentence, items)
        own = _words(p.sentence)
        quoted = bool(evidence) and len(evidence & own) >= EVIDENCE_SHARE * len(evidence)
        out[n] = float(holds or (quoted and any(normalise(i) in normalise(p.text) for i in items)))
    return out


def _words(text: str) -> set[str]:
    return {w for w in WORD.findall(fold(re.sub(r"\[…\]|\[\.\.\.\]", " ", text))) if len(w) > 2}


def gather(assistant, labelled: LabelledSet, log=print) -> list[Example]:
    """The labelled candidates of one set, read through the assistant's own retrieval and candidates."""
    out = []
    for q in load_questions(labelled.questions):
        if not q.answerable:
            continue
        analysed = assistant.understand(q.question, q.turns())
        hits = assistant.retrieve(analysed)
        found = candidates(assistant.index, analysed, hits, assistant.extract_words)
        out.append(Example(labelled.name, q, analysed, found, label(q, found)))
    positives = sum(bool(e.labels.sum()) for e in out)
    log(
        f"{labelled.name} : {len(out)} questions qui ont une réponse, {positives} avec une phrase qui répond parmi les "
        "candidates"
    )
    return out


def fit(examples: list[Example], trees: int = TREES) -> Ranker:
    """Boosted trees ranking each question's candidates (LightGBM's lambdarank), then a logistic calibration of
    the best candidate's score against whether it answers: the probability that the sentence chosen answers."""
    import lightgbm
    from sklearn.linear_model import LogisticRegression

    kept = [e for e in examples if e.labels.any() and not e.labels.all()]  # something to learn
    x = np.vstack([e.found.features for e in kept])
    y = np.concatenate([e.labels for e in kept])
    model = lightgbm.LGBMRanker(
        objective="lambdarank",
        n_estimators=trees,
        num_leaves=LEAVES,
        learning_rate=LEARNING_RATE,
        min_child_samples=MIN_LEAF,
        lambdarank_truncation_level=10,
        verbose=-1,
    )
    model.fit(x, y, group=[len(e.labels) for e in kept])
    dump = model.booster_.dump_model()
    ranker = Ranker([_node(t["tree_structure"]) for t in dump["tree_info"]])
    if not np.allclose(ranker.scores(x), model.predict(x), atol=1e-6):
        raise RuntimeError("les arbres relus ne donnent pas les scores de LightGBM")
    # The calibration reads each question's best sentence: is it one that answers? Its probability is what the
    # answering path weighs (one passage more when unsure, the document's sentence shown only when sure).
    best = [
        (float(s.max()), float(e.labels[int(s.argmax())]))
        for e in kept
        for s in [ranker.scores(e.found.features)]
    ]
    tops, right = np.array(best).T
    if right.all() or not right.any():
        return ranker  # one outcome only: nothing to calibrate against
    platt = LogisticRegression(C=1e4, max_iter=1000).fit(tops.reshape(-1, 1), right)
    ranker.calibration = (float(platt.coef_[0][0]), float(platt.intercept_[0]))
    return ranker


def _node(node: dict) -> dict:
    """A LightGBM tree node as the ranker reads it: a leaf's value, or a feature, its threshold and two branches."""
    if "leaf_value" in node:
        return {"value": round(float(node["leaf_value"]), 8)}
    if node.get("decision_type", "<=") != "<=":
        raise ValueError(f"décision d'arbre inattendue : {node['decision_type']}")
    return {
        "feature": FEATURES[node["split_feature"]],
        "threshold": float(node["threshold"]),
        "left": _node(node["left_child"]),
        "right": _node(node["right_child"]),
    }


def hits(examples: list[Example], ranker: Ranker, k: int = PASSAGES) -> dict[str, float | int]:
    """hit_at_1 and hit_at_k of the ranker's choice on the examples (as `registre eval` scores them)."""
    at_1 = at_k = 0
    for e in examples:
        chosen = choose(e.analysed, e.found, ranker, k)
        items = e.question.must_include or []
        at_1 += bool(chosen) and holds_all(chosen[0].sentence, items)
        at_k += bool(chosen) and holds_all(" ".join(p.text for p in chosen), items)
    n = len(examples)
    return {"n": n, "hit_at_1": at_1 / n if n else 0.0, "hit_at_k": at_k / n if n else 0.0}


def leave_one_out(by_set: dict[str, list[Example]], k: int = PASSAGES) -> dict[str, dict]:
    """For each set: fitted on the others, scored on it."""
    out = {}
    for name, held_out in by_set.items():
        train = [e for other, examples in by_set.items() if other != name for e in examples]
        out[name] = hits(held_out, fit(train), k)
    return out


def train(sets: list[LabelledSet], assistant_for: Callable[[LabelledSet], Any], out: Path, log=print) -> dict:
    """Gather every set (through the assistant `assistant_for` gives over its index), validate
    leave-one-corpus-out, fit on all and write the weights to out."""
    by_set = {labelled.name: gather(assistant_for(labelled), labelled, log) for labelled in sets}
    loco = leave_one_out(by_set)
    everything = [e for examples in by_set.values() for e in examples]
    ranker = fit(everything)
    ranker.about = {
        "fitted": datetime.now(UTC).date().isoformat(),
        "sets": {s.name: {"questions": s.questions.name, "answerable": len(by_set[s.name])} for s in sets},
        "leave_one_corpus_out": loco,
        "fitted_on_all": {name: hits(examples, ranker) for name, examples in by_set.items()},
    }
    ranker.save(out)
    return ranker.about
