"""Hybrid retrieval, built on what was measured on council acts: BM25 leads, vectors break its ties.

Naive rank fusion (RRF) gives the weaker dense ranking as much say as BM25 and loses recall. Here each
candidate's BM25 score, scaled by the best one, is the main signal; the cosine similarity of its vector
adds a bounded correction that reorders close BM25 scores and lets a strong semantic match through.
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
CANDIDATES = 50
MODES = ("hybrid", "bm25", "dense")
_MONTH_YEAR = re.compile(r"\b(" + "|".join(MONTH_NUMBER) + r")\s+((?:19|20)\d{2})\b")
# "au conseil de métropole", "le conseil municipal": the question names the council whose acts it is about.
_COUNCILS = (
    (
        re.compile(r"conseil\s+(?:de\s+(?:la\s+)?m[ée]tropole|m[ée]tropolitain)", re.IGNORECASE),
        "conseil de métropole",
    ),
    (re.compile(r"conseil\s+municipal", re.IGNORECASE), "conseil municipal"),
)


@dataclass(frozen=True)
class Hit:
    chunk: StoredChunk
    document: Document
    score: float


def search(
    index: Index,
    embedder: Embedder | None,
    query: str,
    k: int = 10,
    mode: str = "hybrid",
    dense_weight: float = DENSE_WEIGHT,
    year_weight: float = YEAR_WEIGHT,
    allowed: np.ndarray | None = None,
) -> list[Hit]:
    """Return the k best chunks for the query, best first; only rows where `allowed` is true, when given (the
    documents of one collectivité)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    council = named_council(index, query)
    wanted = k * 4 if council else k
    if allowed is not None:
        wanted = max(wanted, k * 8)
    if mode == "bm25" or embedder is None:
        rows, scores = _lexical(index, query, wanted, allowed)
    else:
        qv = embedder.embed([query])[0]
        if mode == "dense":
            rows, scores = index.dense.search(qv, wanted)
        else:
            rows, scores = _hybrid(index, qv, query, wanted, dense_weight, year_weight, allowed)
    if allowed is not None:
        keep = allowed[rows] if len(rows) else np.zeros(0, dtype=bool)
        rows, scores = rows[keep], scores[keep]
    hits = [
        Hit(index.chunks[r], index.documents[index.chunks[r].doc_id], float(s)) for r, s in zip(rows, scores)
    ]
    if council:  # a filter: acts of another council go; documents that don't say stay
        hits = [h for h in hits if h.document.council in (None, council)]
    return hits[:k]


def named_council(index: Index, query: str) -> str | None:
    """The council the question names, if the index holds acts of it."""
    name = next((name for pattern, name in _COUNCILS if pattern.search(query)), None)
    if name and any(d.council == name for d in index.documents.values()):
        return name
    return None


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
    weight: float,
    year_weight: float,
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    lexical = index.lexical.scores(query)
    if allowed is not None:
        lexical = np.where(allowed, lexical, 0.0).astype(np.float32)
    best = float(lexical.max()) if lexical.size else 0.0
    # The candidates' order does not matter here: a partial selection is O(n) where a full sort is not.
    top = min(CANDIDATES, lexical.size - 1)
    lex_rows = np.argpartition(-lexical, top)[:CANDIDATES] if best > 0 else np.zeros(0, dtype=np.int64)
    dense_rows, _ = index.dense.search(qv, CANDIDATES // 2)
    rows = np.unique(np.concatenate([lex_rows, dense_rows]).astype(np.int64))
    if rows.size == 0:
        return rows, np.zeros(0, dtype=np.float32)
    fused = (lexical[rows] / best if best > 0 else 0.0) + weight * index.dense.similarities(qv, rows)
    years = set(YEAR.findall(query))
    if years:  # "en 2014", "Festival 2012": the act's séance or title names the year
        matches = [_names_year(index, r, years) for r in rows]
        fused = fused + year_weight * np.array(matches, dtype=np.float32)
    months = {f"{y}-{MONTH_NUMBER[m]:02d}" for m, y in _MONTH_YEAR.findall(fold(query))}
    if months:  # "en février 2021", "au conseil de septembre 2025": the séance of that month
        held = [(_held(index, r) or "")[:7] in months for r in rows]
        fused = fused + year_weight * np.array(held, dtype=np.float32)
    order = np.argsort(-fused, kind="stable")[:k]
    return rows[order], fused[order]


def _names_year(index: Index, row: int, years: set[str]) -> bool:
    date = _held(index, row)
    return (date is not None and date[:4] in years) or any(y in index.chunks[row].context for y in years)


def _held(index: Index, row: int) -> str | None:
    """The date of the séance the chunk is of: its document's, or its affaire's (a répertoire dates each row)."""
    chunk = index.chunks[row]
    date = index.documents[chunk.doc_id].seance_date
    if date is None:
        affaire = index.affaire_of(chunk)
        date = getattr(affaire, "date", None) if affaire is not None else None
    return date


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
