"""Hybrid retrieval, built on what was measured on council acts: BM25 leads, vectors break its ties.

Naive rank fusion (RRF) gives the weaker dense ranking as much say as BM25 and loses recall. Here each
candidate's BM25 score, scaled by the best one, is the main signal; the cosine similarity of its vector
adds a bounded correction that reorders close BM25 scores and lets a strong semantic match through. Whole
affaires are searched too (index/units.py): the windows of the affaires that match best as wholes are
candidates, so an affaire whose words are spread over a long séance is not left out before ranking, and the
affaire's score adds a small share to its windows'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.french import MONTH_NUMBER, YEAR, fold
from index.identifiers import act_numbers, receipt_ids
from index.store import Document, Index, StoredChunk
from models.base import Embedder

DENSE_WEIGHT = 0.15
YEAR_WEIGHT = 0.1
# The affaire's own BM25 (scaled by the best affaire's) added to its windows' scores. Measured on the three dev
# sets: 0.05 raised MRR@10 on the minutes of long séances and left the other two as they were; 0.15 and 0.3
# lowered it where acts are published one per PDF (a short document is one unit, and outranks as a whole).
UNIT_WEIGHT = 0.05
CANDIDATES = 50
UNIT_CANDIDATES = 10  # the best affaires bring their windows in, however their words are spread
MODES = ("hybrid", "bm25", "dense")
_MONTH_YEAR = re.compile(r"\b(" + "|".join(MONTH_NUMBER) + r")\s+((?:19|20)\d{2})\b")
# "au conseil de métropole", "le conseil municipal": the question names the council whose acts it is about.
_COUNCILS = (
    (
        re.compile(r"conseil\s+(?:de\s+(?:la\s+)?m[ée]tropole|m[ée]tropolitain)", re.IGNORECASE),
        "conseil de métropole",
    ),
    (re.compile(r"conseil\s+municipal", re.IGNORECASE), "conseil municipal"),
    (
        re.compile(r"conseil\s+(?:communautaire|de\s+(?:la\s+)?communaut[ée])", re.IGNORECASE),
        "conseil communautaire",
    ),
)


@dataclass(frozen=True)
class Hit:
    chunk: StoredChunk
    document: Document
    score: float


@dataclass(frozen=True)
class Filters:
    """Where the question says to look: the years and months it names ("2025-09"), the council it names. A
    month is a filter where the index dates séances of it; a year, a preference (a question about the 2019
    accounts is answered at a séance of 2020); a council, a filter where the index holds acts of it."""

    years: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    council: str | None = None

    @classmethod
    def read(cls, text: str) -> Filters:
        """The filters a text names, for a caller that has no analysed question (a staff search, a bench)."""
        months = tuple(f"{y}-{MONTH_NUMBER[m]:02d}" for m, y in _MONTH_YEAR.findall(fold(text)))
        return cls(tuple(dict.fromkeys(YEAR.findall(text))), months, council_named(text))


def council_named(text: str) -> str | None:
    """The council a text names ("au conseil de métropole", "le conseil municipal"), if any."""
    return next((name for pattern, name in _COUNCILS if pattern.search(text)), None)


def search(
    index: Index,
    embedder: Embedder | None,
    query: str,
    k: int = 10,
    mode: str = "hybrid",
    dense_weight: float = DENSE_WEIGHT,
    year_weight: float = YEAR_WEIGHT,
    allowed: np.ndarray | None = None,
    filters: Filters | None = None,
    unit_weight: float = UNIT_WEIGHT,
) -> list[Hit]:
    """Return the k best chunks for the query, best first; only rows where `allowed` is true, when given (the
    documents of one collectivité). `filters` are read from the query when not given."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    filters = Filters.read(query) if filters is None else filters
    council = filters.council if filters.council and index.holds_council(filters.council) else None
    dated = index.rows_in_months(filters.months)
    if dated is not None:
        allowed = dated if allowed is None else allowed & dated
    wanted = k * 4 if council else k
    if allowed is not None:
        wanted = max(wanted, k * 8)
    if mode == "bm25" or embedder is None:
        rows, scores = _lexical(index, query, wanted, allowed)
    else:
        qv = embedder.embed([query])[0]
        if mode == "dense":
            rows, scores = index.dense.search(qv, wanted if allowed is None else max(wanted, CANDIDATES))
        else:
            weights = (dense_weight, year_weight, unit_weight)
            rows, scores = _hybrid(index, qv, query, wanted, weights, filters, allowed)
    if allowed is not None:
        keep = allowed[rows] if len(rows) else np.zeros(0, dtype=bool)
        rows, scores = rows[keep], scores[keep]
    hits = [
        Hit(index.chunks[r], index.documents[index.chunks[r].doc_id], float(s)) for r, s in zip(rows, scores)
    ]
    if council:  # a filter: acts of another council go; documents that don't say stay
        hits = [h for h in hits if h.document.council in (None, council)]
    return hits[:k]


def _lexical(index: Index, query: str, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if allowed is None:
        return index.lexical.search(query, k)
    scores = np.where(allowed, index.lexical.scores(query), 0.0)
    if not scores.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    top = np.argsort(-scores, kind="stable")[:k]
    top = top[scores[top] > 0]
    return top.astype(np.int64), scores[top].astype(np.float32)


def _hybrid(
    index: Index,
    qv: np.ndarray,
    query: str,
    k: int,
    weights: tuple[float, float, float],
    filters: Filters,
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    dense_weight, year_weight, unit_weight = weights
    lexical = index.lexical.scores(query)
    if allowed is not None:
        lexical = np.where(allowed, lexical, 0.0).astype(np.float32)
    best = float(lexical.max()) if lexical.size else 0.0
    # The candidates' order does not matter here: a partial selection is O(n) where a full sort is not.
    top = min(CANDIDATES, lexical.size - 1)
    lex_rows = np.argpartition(-lexical, top)[:CANDIDATES] if best > 0 else np.zeros(0, dtype=np.int64)
    dense_rows, _ = index.dense.search(qv, CANDIDATES // 2)
    units = index.units.lexical.scores(query)
    unit_rows = _unit_rows(index, units, allowed)
    rows = np.unique(np.concatenate([lex_rows, dense_rows, unit_rows]).astype(np.int64))
    if rows.size == 0:
        return rows, np.zeros(0, dtype=np.float32)
    fused = (lexical[rows] / best if best > 0 else 0.0) + dense_weight * index.dense.similarities(qv, rows)
    if unit_weight:
        fused = fused + unit_weight * index.units.chunk_scores(units, rows)
    years = set(filters.years)
    if years:  # "en 2014", "Salon du livre 2012": the act's séance or title names the year
        matches = [_names_year(index, r, years) for r in rows]
        fused = fused + year_weight * np.array(matches, dtype=np.float32)
    order = np.argsort(-fused, kind="stable")[:k]
    return rows[order], fused[order]


def _unit_rows(index: Index, scores: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    """The windows of the affaires that match the query best as wholes (`scores`: the units' BM25)."""
    if not scores.any():
        return np.zeros(0, dtype=np.int64)
    top = np.argsort(-scores, kind="stable")[:UNIT_CANDIDATES]
    top = top[scores[top] > 0]
    rows = np.flatnonzero(np.isin(index.units.of_row, top))
    return rows if allowed is None else rows[allowed[rows]]


def _names_year(index: Index, row: int, years: set[str]) -> bool:
    date = index.held(row)
    return (date is not None and date[:4] in years) or any(y in index.chunks[row].context for y in years)


def named_acts(index: Index, text: str) -> list[Document]:
    """The acts whose printed number ("2013/138", "n° 2013 / 138") or préfecture receipt id the text names."""
    numbers, receipts = act_numbers(text), receipt_ids(text)
    if not numbers and not receipts:
        return []
    return [d for d in index.documents.values() if d.act_number in numbers or d.receipt_id in receipts]


def named_first(index: Index, text: str, hits: list[Hit]) -> list[Hit]:
    """Put the acts the text names by number or receipt id before everything else."""
    named = named_acts(index, text)
    if not named:
        return hits
    ids = {d.id for d in named}
    first = [h for h in hits if h.document.id in ids]
    for doc in named:
        if not any(h.document.id == doc.id for h in first):
            chunk = index.document_chunks(doc.id)[0]
            first.append(Hit(chunk, doc, 0.0))
    top = hits[0].score if hits else 0.0
    first = [Hit(h.chunk, h.document, top + 1.0) for h in first]
    return first + [h for h in hits if h.document.id not in ids]


def ranked_files(hits: list[Hit]) -> list[Document]:
    """Return the documents of the hits, best first, each once."""
    seen: dict[str, Document] = {}
    for hit in hits:
        seen.setdefault(hit.document.id, hit.document)
    return list(seen.values())
