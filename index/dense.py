"""Vector search over normalised embeddings (cosine similarity), with the FAISS index type chosen by size.

Up to FLAT_MAX vectors the search is exact (a flat inner-product index: a city's acts fit many times over).
Past it, an inverted file with 8-bit scalar codes (IVF, SQ8) keeps memory at a quarter of float32 and scans only
the lists nearest the query; `benchmarks/scale.py` measures its recall against exact search at 1M vectors.
"""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

FLAT_MAX = 200_000  # 400 MB of float32 at 512 dimensions; exact search stays within a few tens of ms
TRAIN_PER_LIST = 64  # k-means samples per inverted list


def ivf_lists(n: int) -> int:
    """About √n lists, a power of two: 1024 at 1M vectors, 4096 at 10M."""
    return max(64, 2 ** round(math.log2(math.sqrt(max(n, 1)))))


def ivf_probes(lists: int) -> int:
    return max(32, lists // 6)  # recall@10 >= 0.95 against exact search at 1M (benchmarks/scale.py)


class Dense:
    def __init__(self, index: faiss.Index):
        self._index = index
        ivf = self._ivf
        if ivf is not None:
            ivf.nprobe = ivf_probes(ivf.nlist)
            if ivf.direct_map.type == faiss.DirectMap.NoMap:  # type: ignore[attr-defined]  # SWIG, no stub
                ivf.make_direct_map()  # rows are read back for the hybrid ranker and for re-indexing

    @property
    def _ivf(self) -> faiss.IndexIVF | None:
        try:
            return faiss.extract_index_ivf(self._index)
        except RuntimeError:
            return None

    @property
    def kind(self) -> str:
        ivf = self._ivf
        return "flat" if ivf is None else f"IVF{ivf.nlist},SQ8 (nprobe {ivf.nprobe})"

    @classmethod
    def build(cls, vectors: np.ndarray, dim: int, flat_max: int = FLAT_MAX) -> Dense:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(vectors) <= flat_max:
            index: faiss.Index = faiss.IndexFlatIP(dim)
            if len(vectors):
                index.add(vectors)
            return cls(index)
        lists = ivf_lists(len(vectors))
        index = faiss.index_factory(dim, f"IVF{lists},SQ8", faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)  # the same vectors give the same index
        sample = min(len(vectors), TRAIN_PER_LIST * lists)
        index.train(vectors[np.sort(rng.choice(len(vectors), sample, replace=False))])
        for start in range(0, len(vectors), 100_000):
            index.add(vectors[start : start + 100_000])
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
