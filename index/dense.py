"""Vector search: an exact inner-product FAISS index over normalised embeddings (cosine similarity)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np


class Dense:
    def __init__(self, index: faiss.Index):
        self._index = index

    @classmethod
    def build(cls, vectors: np.ndarray, dim: int) -> Dense:
        index = faiss.IndexFlatIP(dim)  # exact: a council's acts fit in memory many times over
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def vectors(self) -> np.ndarray:
        """Return every stored vector, in row order (reused when the index is rebuilt)."""
        return (
            self._index.reconstruct_n(0, self.size) if self.size else np.zeros((0, self._index.d), np.float32)
        )

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> Dense:
        return cls(faiss.read_index(str(path)))

    def search(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (row ids, cosine similarities) of the k nearest chunks, best first."""
        if self.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self._index.search(
            np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32), min(k, self.size)
        )
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def similarities(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Return the cosine similarity of the query with the given rows."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        stored = np.stack([self._index.reconstruct(int(r)) for r in rows])
        return stored @ query_vector.astype(np.float32)
