"""Word search: BM25 (bm25s) over accent-folded, stemmed French tokens; numbers kept, even one digit."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from index.french import fold

_TOKENS = r"(?u)\b\w+\b"  # single characters too: "8 classes", "Pour : 2"


_STOPWORDS = sorted(
    {fold(w) for w in bm25s.stopwords.STOPWORDS_FRENCH} | {"n", "l", "d", "qu", "s", "c", "j"}
)


class Lexical:
    def __init__(self, retriever: bm25s.BM25, size: int):
        self._retriever = retriever
        self._stemmer = Stemmer.Stemmer("french")
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> Lexical:
        stemmer = Stemmer.Stemmer("french")
        tokens = bm25s.tokenize(
            [fold(t) for t in texts],
            token_pattern=_TOKENS,
            stopwords=_STOPWORDS,
            stemmer=stemmer.stemWords,
            show_progress=False,
        )
        retriever = bm25s.BM25()  # Lucene's BM25, k1=1.5, b=0.75
        retriever.index(tokens, show_progress=False)
        return cls(retriever, len(texts))

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder))

    @classmethod
    def load(cls, folder: Path, size: int) -> Lexical:
        return cls(bm25s.BM25.load(str(folder)), size)

    def scores(self, query: str) -> np.ndarray:
        """Return the BM25 score of every chunk for the query (zeros when no word matches)."""
        tokens = bm25s.tokenize(
            [fold(query)],
            token_pattern=_TOKENS,
            stopwords=_STOPWORDS,
            stemmer=self._stemmer.stemWords,
            return_ids=False,
            show_progress=False,
        )[0]
        if not tokens or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (row ids, scores) of the k best chunks, best first; empty when no word matches."""
        scores = self.scores(query)
        if not scores.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        keep = scores[top] > 0
        return top[keep].astype(np.int64), scores[top][keep].astype(np.float32)
