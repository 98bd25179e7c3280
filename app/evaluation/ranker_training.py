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
# The learner's regularisation (inverse strength): strong, so that the weights stay small and readable; of
# 0.5 and 0.05, the stronger gave the better mean hit_at_k left out (0.72 against 0.68, three sets).
C = 0.05


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
        f"{labelled.name}: {len(out)} questions answerables, {positives} avec une phrase qui répond parmi les candidates"
    )
    return out


def fit(examples: list[Example], c: float = C) -> Ranker:
    """A logistic regression over every candidate of the examples, each question weighing the same."""
    from sklearn.linear_model import LogisticRegression

    rows, labels, weights = [], [], []
    for e in examples:
        if not e.labels.any() or e.labels.all():
            continue  # nothing to learn: no sentence answers, or every one does
        n_pos, n_neg = e.labels.sum(), len(e.labels) - e.labels.sum()
        rows.append(e.found.features)
        labels.append(e.labels)
        # Positives and negatives of a question weigh half each: long minutes count no more than short acts.
        weights.append(np.where(e.labels > 0, 0.5 / n_pos, 0.5 / n_neg))
    x = np.vstack(rows)[:, 1:]  # the intercept is the learner's
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(x, np.concatenate(labels), sample_weight=np.concatenate(weights) * len(rows))
    weights_by_name = {"bias": float(model.intercept_[0])}
    weights_by_name |= {name: float(w) for name, w in zip(FEATURES[1:], model.coef_[0], strict=True)}
    return Ranker(weights_by_name)


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
