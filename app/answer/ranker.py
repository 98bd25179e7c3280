"""Which sentence answers: a small learned model over generic features of a (question, sentence) pair.

Every candidate sentence of the documents found is described by the same few numbers — how much of the question's
subject it holds (itself, its neighbours, its act's title, the sentences before it), its BM25 score among the
candidates, whether it holds the kind of thing asked (an amount, a date, a name…), where it stands in the act
(a heading, a roll call, a legal reference, the operative part in capitals) and how retrieval ranked it. A hundred
small boosted trees, fitted on labelled pairs (`registre train-ranker`, validated leave-one-corpus-out), score them;
a logistic calibration turns the score into a probability that the sentence answers. The trees are a JSON file in
the repository, read by `Ranker.load`: two questions of the features each, which a person can follow.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.answer.question import (
    AMOUNT,
    COUNT,
    DATE,
    DURATION,
    NUMBER,
    PERSON,
    PLACE,
    RAPPORTEUR,
    REASON,
    VOTE,
)

WEIGHTS = Path(__file__).with_name("ranker.json")
# The ranker is sure of a sentence it holds for the answer more likely than not.
SURE = 0.5

# The kinds of asking whose answer has a form a sentence can be seen to hold (not yes/no, a list, open), and
# those whose form is a value: a figure, a date, an amount.
_FORMED = frozenset({AMOUNT, COUNT, DATE, DURATION, PERSON, PLACE, REASON, VOTE, NUMBER, RAPPORTEUR})
_VALUES = frozenset({AMOUNT, COUNT, DATE, DURATION, NUMBER, VOTE})
_STRUCTURED = frozenset({VOTE, NUMBER, RAPPORTEUR})  # answered from the acts' structured data

FEATURES = (
    "bias",
    "coverage_own",  # weighted share of the question's subject the sentence prints
    "coverage_around",  # … that only its neighbours print
    "coverage_title",  # … that its act's (or affaire's) title prints
    "coverage_before",  # the best share of the two sentences before it (the subject said, then the answer)
    "coverage_rel",  # its coverage over the best candidate's
    "bm25_rel",  # BM25 of the sentence against the question, over the best candidate's
    "asked",  # it holds the kind of thing asked (only for questions asking a thing of a given form)
    "asked_value",  # … and the thing is a figure, a date or an amount (the form is specific)
    "asks_formed",  # the question asks for a thing of a given form
    "has_figure",  # a figure, of any kind
    "has_name",  # a capitalised name inside the sentence
    "heading",  # the sentence is an act's title
    "roll_call",  # a list of members, a signature
    "tally",  # a vote tally
    "operative",  # the act's decision: opens with a verb in capitals (« APPROUVE », « DÉSIGNE »)
    "reference",  # a legal reference: « Vu … », « Considérant … »
    "length",  # log of the number of words
    "short",  # five words or fewer
    "doc_rank",  # the retrieval rank of its document, 0 for the first, 1 for the last read
    "in_hit",  # it stands in a chunk retrieval found (not in a neighbouring one)
    "hit_rel",  # the best retrieval score of its chunk over the best score
    "year_ok",  # of the year the question names (1 when it names none)
    # What a linear model cannot find alone: the asked thing beside the subject, and the structure of an act
    # for the questions answered from it (a vote, an act's number, a rapporteur).
    "asked_x_own",  # asked × coverage_own: the subject and the thing asked in one sentence
    "asked_x_before",  # asked × coverage_before: the subject said, then the thing asked
    "asked_x_around",  # asked × coverage_around
    "structured",  # the question asks a vote, an act's number or a rapporteur
    "structured_x_heading",  # … and the sentence is an act's heading (it prints the number)
    "structured_x_roll_call",
    "vote_x_tally",  # a vote asked, a tally printed
)

# A verb in capitals opening a clause, followed by its object in lower case: how acts print their decision
# (« - APPROUVE la dénomination … », « DÉCIDE : de fixer … »); a name in capitals follows a first name instead.
_OPERATIVE = re.compile(
    r"(?:^|[^\w\s]\s*)\b[A-ZÀ-Ý]{5,}\b\s*:?\s+(?:[a-zà-ÿ]|l['’]|(?:Monsieur|Madame|M\.|Mme)\s)"
)
_REFERENCE = re.compile(r"^\W{0,3}(?:Vu|VU|Considérant|CONSIDÉRANT|Considerant|Attendu)\b")
_FIGURE = re.compile(r"\d")
_NAME = re.compile(r"(?<=\s)[A-ZÀ-Ý][a-zà-ÿ'’-]{2,}|\b[A-ZÀ-Ý]{3,}\b")


@dataclass(frozen=True)
class Raw:
    """What one candidate sentence is, before it is compared with the other candidates."""

    coverage_own: float
    coverage_around: float
    coverage_title: float
    coverage_before: float
    coverage: float  # the combined share (own, half the neighbours and title)
    bm25: float
    asked: bool
    heading: bool
    roll_call: bool
    tally: bool
    words: int
    doc_rank: float
    in_hit: bool
    hit_score: float
    year_ok: bool


def describe(
    raw: Raw, asks: str, text: str, best_coverage: float, best_bm25: float, best_hit: float
) -> np.ndarray:
    """The feature vector of a candidate (in FEATURES' order), relative to the best of its candidates."""
    formed = asks in _FORMED
    values = {
        "bias": 1.0,
        "coverage_own": raw.coverage_own,
        "coverage_around": raw.coverage_around,
        "coverage_title": raw.coverage_title,
        "coverage_before": raw.coverage_before,
        "coverage_rel": raw.coverage / best_coverage if best_coverage > 0 else 0.0,
        "bm25_rel": raw.bm25 / best_bm25 if best_bm25 > 0 else 0.0,
        "asked": float(formed and raw.asked),
        "asked_value": float(formed and raw.asked and asks in _VALUES),
        "asks_formed": float(formed),
        "has_figure": float(bool(_FIGURE.search(text))),
        "has_name": float(bool(_NAME.search(text))),
        "heading": float(raw.heading),
        "roll_call": float(raw.roll_call),
        "tally": float(raw.tally),
        "operative": float(bool(_OPERATIVE.search(text))),
        "reference": float(bool(_REFERENCE.match(text))),
        "length": math.log1p(raw.words),
        "short": float(raw.words <= 5),
        "doc_rank": raw.doc_rank,
        "in_hit": float(raw.in_hit),
        "hit_rel": raw.hit_score / best_hit if best_hit > 0 else 0.0,
        "year_ok": float(raw.year_ok),
    }
    asked = values["asked"]
    structured = float(asks in _STRUCTURED)
    values |= {
        "asked_x_own": asked * raw.coverage_own,
        "asked_x_before": asked * raw.coverage_before,
        "asked_x_around": asked * raw.coverage_around,
        "structured": structured,
        "structured_x_heading": structured * raw.heading,
        "structured_x_roll_call": structured * raw.roll_call,
        "vote_x_tally": float(asks == VOTE) * raw.tally,
    }
    return np.array([values[name] for name in FEATURES], dtype=np.float64)


class Ranker:
    """Gradient-boosted trees over FEATURES, fitted with a ranking objective (LightGBM's lambdarank, by `registre
    train-ranker`): each tree asks a question or two of the features and adds its leaf's value to the score. A
    logistic calibration, fitted on the same labelled candidates, turns the score into the probability that the
    sentence answers. The trees are a JSON file in the repository, evaluated here without LightGBM."""

    def __init__(
        self, trees: list[dict], calibration: tuple[float, float] = (1.0, 0.0), about: dict | None = None
    ):
        unknown = {name for tree in trees for name in _features_of(tree)} - set(FEATURES)
        if unknown:
            raise ValueError(f"arbres sur des caractéristiques inconnues : {sorted(unknown)}")
        self.trees = trees
        self.calibration = calibration
        self.about = about or {}
        self._column = {name: n for n, name in enumerate(FEATURES)}

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Ranker:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["trees"], tuple(data["calibration"]), data.get("about"))

    def save(self, path: Path = WEIGHTS) -> None:
        data = {
            "about": self.about,
            "calibration": [round(v, 6) for v in self.calibration],
            "trees": self.trees,
        }
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    def scores(self, features: np.ndarray) -> np.ndarray:
        """The trees' summed leaves, one score per row of features (n × len(FEATURES)): higher answers better."""
        total = np.zeros(len(features))
        for tree in self.trees:
            total += self._leaves(tree, features)
        return total

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """One probability per row of features (n × len(FEATURES))."""
        if features.size == 0:
            return np.zeros(0)
        a, b = self.calibration
        return 1.0 / (1.0 + np.exp(-(a * self.scores(features) + b)))

    def _leaves(self, node: dict, features: np.ndarray) -> np.ndarray:
        if "value" in node:
            return np.full(len(features), node["value"])
        left = features[:, self._column[node["feature"]]] <= node["threshold"]
        out = np.empty(len(features))
        out[left] = self._leaves(node["left"], features[left])
        out[~left] = self._leaves(node["right"], features[~left])
        return out


def _features_of(node: dict) -> set[str]:
    if "value" in node:
        return set()
    return {node["feature"]} | _features_of(node["left"]) | _features_of(node["right"])
