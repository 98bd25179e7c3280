"""The dense index type follows the size: exact below the threshold, IVF with 8-bit codes above."""

import numpy as np

from index.dense import Dense


def clustered(n, dim=64, topics=50, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((topics, dim)).astype(np.float32)
    x = centres[rng.integers(0, topics, n)] + 0.4 * rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_small_collections_are_searched_exactly():
    vectors = clustered(500)
    dense = Dense.build(vectors, 64)
    assert dense.kind == "flat"
    rows, scores = dense.search(vectors[7], 3)
    assert rows[0] == 7 and abs(scores[0] - 1.0) < 1e-5


def test_large_collections_get_an_ivf_index_close_to_exact(tmp_path):
    vectors = clustered(20_000)
    exact = Dense.build(vectors, 64)
    approx = Dense.build(vectors, 64, flat_max=5_000)
    assert approx.kind.startswith("IVF")
    approx.save(tmp_path / "dense.faiss")
    loaded = Dense.load(tmp_path / "dense.faiss")
    assert loaded.kind == approx.kind and loaded.size == 20_000
    queries = clustered(50, seed=1)
    recall = np.mean([len(set(exact.search(q, 10)[0]) & set(loaded.search(q, 10)[0])) / 10 for q in queries])
    assert recall >= 0.9
    rows = np.array([3, 4000, 19_999])
    assert np.allclose(loaded.similarities(queries[0], rows), vectors[rows] @ queries[0], atol=0.02)
    assert np.allclose(loaded.vectors()[rows], vectors[rows], atol=0.02)  # rows read back, 8-bit codes
