"""Affaires as retrieval units: one BM25 over whole affaires, beside the one over word windows.

A window of a long procès-verbal holds a few lines of one affaire; the words a question shares with that affaire
may be spread over its exposé, its table and its decision, and a file that repeats a few of them in one place
outranks it. Scored as one text, the affaire holds them all. A document without affaires (an annex, a report)
is one unit; the lines of a séance before its first affaire (those present, the agenda) are another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.lexical import Lexical

NO_AFFAIRE = -1  # the unit of a document's text outside any affaire


@dataclass(frozen=True)
class UnitKey:
    doc_id: str
    affaire: int  # the affaire's index in its document, or NO_AFFAIRE


def unit_texts(
    pages: dict[str, list[str]], starts: dict[str, list[int]], titles: dict[str, list[str]]
) -> tuple[list[UnitKey], list[str]]:
    """Cut each document's word stream (its pages' words, as the chunker counts them) at its affaires' first
    words; `starts` and `titles` list each document's affaires in order. Return the units' keys and texts."""
    keys: list[UnitKey] = []
    texts: list[str] = []
    for doc_id, page_texts in pages.items():
        words = [w for text in page_texts for w in text.split()]
        bounds = starts.get(doc_id, [])
        if not bounds or bounds[0] > 0:  # the séance's opening, or a document without affaires
            keys.append(UnitKey(doc_id, NO_AFFAIRE))
            texts.append(" ".join(words[: bounds[0] if bounds else len(words)]))
        for i, start in enumerate(bounds):
            end = bounds[i + 1] if i + 1 < len(bounds) else len(words)
            keys.append(UnitKey(doc_id, i))
            texts.append(f"{titles[doc_id][i]}\n{' '.join(words[start:end])}")
    return keys, texts


class Units:
    """The BM25 of the units, and which unit each chunk row belongs to."""

    def __init__(self, keys: list[UnitKey], lexical: Lexical, of_row: np.ndarray):
        self.keys = keys
        self.lexical = lexical
        self.of_row = of_row  # unit number of each chunk row

    @classmethod
    def build(cls, keys: list[UnitKey], texts: list[str], chunk_units: list[UnitKey]) -> Units:
        number = {k: i for i, k in enumerate(keys)}
        of_row = np.array([number.get(k, -1) for k in chunk_units], dtype=np.int64)
        return cls(keys, Lexical.build(texts), of_row)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.lexical.save(folder / "bm25")
        data = {"keys": [[k.doc_id, k.affaire] for k in self.keys], "of_row": self.of_row.tolist()}
        (folder / "units.json").write_text(json.dumps(data))

    @classmethod
    def load(cls, folder: Path) -> Units:
        data = json.loads((folder / "units.json").read_text())
        keys = [UnitKey(d, a) for d, a in data["keys"]]
        return cls(keys, Lexical.load(folder / "bm25", len(keys)), np.array(data["of_row"], dtype=np.int64))

    def chunk_scores(self, scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The score of each row's unit (`scores`: the units' BM25 for a query), scaled by the best (0 to 1)."""
        best = float(scores.max()) if scores.size else 0.0
        if best <= 0:
            return np.zeros(len(rows), dtype=np.float32)
        units = self.of_row[rows]
        return np.where(units >= 0, scores[units] / best, 0.0).astype(np.float32)


def chunk_unit(doc_id: str, affaire: int | None) -> UnitKey:
    """The unit a chunk belongs to (its affaire's, or its document's outside any affaire)."""
    return UnitKey(doc_id, NO_AFFAIRE if affaire is None else affaire)
