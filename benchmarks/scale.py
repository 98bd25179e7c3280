"""Search at scale with synthetic vectors and text: registre's index types against exact FAISS flat search.

    python benchmarks/scale.py [--chunks 1000000] [--queries 100] [--dim 512]

Builds N synthetic chunks (clustered unit vectors, like sentence embeddings of a few thousand topics; texts of
40 words drawn from a Zipf vocabulary, like council prose), then:
  * baseline: exact flat inner-product search over all vectors, p50/p95 per query, and the true top 10;
  * registre: index/dense.py's index for that size and index/lexical.py's BM25, built, saved, then loaded by a
    fresh process that serves queries through the hybrid ranker of index/search.py: p50/p95 latency, resident
    memory, recall@10 of its vector search against the exact top 10.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import pct, record, rss_mb, show

TOPICS, SPREAD, BLOCK = 4000, 0.045, 100_000


def topic_centres(dim: int) -> np.ndarray:
    c = np.random.default_rng(1).standard_normal((TOPICS, dim)).astype(np.float32)
    return c / np.linalg.norm(c, axis=1, keepdims=True)


def vectors(n: int, dim: int, seed: int = 2) -> np.ndarray:
    centres, rng = topic_centres(dim), np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for s in range(0, n, BLOCK):
        m = min(BLOCK, n - s)
        x = centres[rng.integers(0, TOPICS, m)] + SPREAD * rng.standard_normal((m, dim), dtype=np.float32)
        out[s : s + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


SYLLABLES = (
    "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo la le li lo lu ma me mi mo mu na ne ni no nu "
)
SYLLABLES += "pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo tion ment eur ique age"


def vocabulary(size: int = 50_000) -> list[str]:
    rng, syl = np.random.default_rng(3), SYLLABLES.split()
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(syl[i] for i in rng.integers(0, len(syl), rng.integers(2, 5))))
    return sorted(words)


def texts(n: int, words: int = 40) -> list[str]:
    vocab, rng = vocabulary(), np.random.default_rng(4)
    p = 1 / np.arange(1, len(vocab) + 1) ** 1.05
    p /= p.sum()
    ids = rng.choice(len(vocab), size=(n, words), p=p)
    return [" ".join(vocab[i] for i in row) for row in ids]


def serve(folder: Path, queries: int, dim: int) -> None:
    """Run in a fresh process: load the saved index, answer queries, report latency and memory."""
    from index.dense import Dense
    from index.lexical import Lexical
    from index.search import Filters, _hybrid
    from index.units import UnitKey, Units

    base = rss_mb()
    t = time.perf_counter()
    size = int((folder / "size").read_text())
    dense = Dense.load(folder / "dense.faiss")
    lexical = Lexical.load(folder / "bm25", size) if (folder / "bm25").exists() else None
    load_s = time.perf_counter() - t
    loaded = rss_mb()
    q = np.load(folder / "queries.npy")
    words = json.loads((folder / "query_words.json").read_text())
    dense_ms, hybrid_ms, top = [], [], []
    if lexical is not None:  # each window its own affaire: the units' search costs what the windows' does
        units = Units([UnitKey(str(r), -1) for r in range(size)], lexical, np.arange(size))
        served = SimpleNamespace(dense=dense, lexical=lexical, units=units)
    for i in range(queries):
        t = time.perf_counter()
        rows, _ = dense.search(q[i], 10)
        dense_ms.append(1000 * (time.perf_counter() - t))
        top.append(rows.tolist())
        if lexical is not None:
            t = time.perf_counter()
            _hybrid(served, q[i], words[i], 10, (0.15, 0.0, 0.0), Filters())
            hybrid_ms.append(1000 * (time.perf_counter() - t))
    print(
        json.dumps(
            {
                "kind": dense.kind,
                "load_s": load_s,
                "rss_mb_before_load": base,
                "rss_mb": rss_mb(),
                "rss_mb_after_load": loaded,
                "dense_ms": dense_ms,
                "hybrid_ms": hybrid_ms,
                "top": top,
            }
        )
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=512)
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--no-bm25", action="store_true", help="vectors only (BM25 at 1M takes a few minutes)")
    p.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        return serve(args.serve, args.queries, args.dim)

    import faiss

    from index.dense import Dense
    from index.lexical import Lexical

    n, dim = args.chunks, args.dim
    t = time.perf_counter()
    x = vectors(n, dim)
    queries = vectors(args.queries, dim, seed=5)
    print(f"{n} synthetic vectors of {dim} dimensions ({time.perf_counter() - t:.1f} s)")

    exact = faiss.IndexFlatIP(dim)
    exact.add(x)
    flat_ms, truth = [], []
    for q in queries:
        t = time.perf_counter()
        _, ids = exact.search(q.reshape(1, -1), 10)
        flat_ms.append(1000 * (time.perf_counter() - t))
        truth.append(set(ids[0].tolist()))
    flat_mb = exact.ntotal * dim * 4 / 2**20
    del exact

    with tempfile.TemporaryDirectory(prefix="registre-scale-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        dense = Dense.build(x, dim)
        dense.save(folder / "dense.faiss")
        build_s = time.perf_counter() - t
        print(f"dense index {dense.kind}: built in {build_s:.1f} s")
        del dense, x
        bm25_s = None
        if not args.no_bm25:
            t = time.perf_counter()
            docs = texts(n)
            Lexical.build(docs).save(folder / "bm25")
            bm25_s = time.perf_counter() - t
            rng = np.random.default_rng(6)
            words = [" ".join(rng.choice(docs[int(i)].split(), 5)) for i in rng.integers(0, n, args.queries)]
            (folder / "query_words.json").write_text(json.dumps(words))
            del docs
            print(f"BM25 over {n} synthetic texts: built in {bm25_s:.1f} s")
        else:
            (folder / "query_words.json").write_text(json.dumps([""] * args.queries))
        (folder / "size").write_text(str(n))
        np.save(folder / "queries.npy", queries)
        out = subprocess.run(
            [sys.executable, __file__, "--serve", str(folder), "--queries", str(args.queries)],
            capture_output=True,
            text=True,
            check=True,
        )
    served = json.loads(out.stdout.strip().splitlines()[-1])
    recall = float(np.mean([len(set(top) & t) / 10 for top, t in zip(served["top"], truth)]))
    figures = {
        "chunks": n,
        "dim": dim,
        "queries": args.queries,
        "index": served["kind"],
        "build_s": build_s,
        "bm25_build_s": bm25_s,
        "load_s": served["load_s"],
        "flat_p50_ms": pct(flat_ms, 50),
        "flat_p95_ms": pct(flat_ms, 95),
        "flat_vectors_mb": flat_mb,
        "dense_p50_ms": pct(served["dense_ms"], 50),
        "dense_p95_ms": pct(served["dense_ms"], 95),
        "hybrid_p50_ms": pct(served["hybrid_ms"], 50) if served["hybrid_ms"] else None,
        "hybrid_p95_ms": pct(served["hybrid_ms"], 95) if served["hybrid_ms"] else None,
        "rss_mb": served["rss_mb"],
        "rss_mb_before_load": served["rss_mb_before_load"],
        "recall_at_10": recall,
    }
    print()
    rows = [
        (
            "vector search p95",
            f"{figures['dense_p95_ms']:.1f} ms",
            f"{figures['flat_p95_ms']:.1f} ms",
            f"{figures['flat_p95_ms'] / figures['dense_p95_ms']:.1f}x faster",
        ),
        ("vector search p50", f"{figures['dense_p50_ms']:.1f} ms", f"{figures['flat_p50_ms']:.1f} ms", ""),
        ("recall@10 vs exact", f"{recall:.3f}", "1.000", "target >= 0.95"),
        (
            "resident memory (served)",
            f"{figures['rss_mb']:.0f} MB",
            f"{flat_mb:.0f} MB of vectors",
            "<= 1536 MB",
        ),
    ]
    if figures["hybrid_p95_ms"] is not None:
        rows.append(
            ("hybrid (BM25 + vectors) p95", f"{figures['hybrid_p95_ms']:.1f} ms", "", "target <= 100 ms")
        )
        rows.append(("hybrid p50", f"{figures['hybrid_p50_ms']:.1f} ms", "", ""))
    show(rows)
    record("scale", figures)


if __name__ == "__main__":
    main()
