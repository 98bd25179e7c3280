"""Ingestion of a folder of PDFs: registre's pipeline against a naive loop, measured in the same run.

    python benchmarks/ingest.py [--corpus ../shared/corpus] [--limit N]

  * baseline, a naive loop: pypdf text of every page -> 180-word windows -> embed every chunk -> FAISS add;
  * registre: `ingest.pipeline.ingest` into a fresh index (cleaning, acts, affaires, BM25, SQLite, FAISS);
  * registre again over the unchanged folder (nothing to do but to notice it).
Both read text layers only (OCR off: the naive loop has none), with the same embedder; figures in pages/s, the
pages of every PDF in the folder divided by the wall time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import wiring
from app.settings import Settings
from benchmarks.common import ROOT, record, show
from index.store import open_index
from ingest.pipeline import find_pdfs, ingest


def naive(files: list[Path], embedder) -> tuple[int, int]:
    index, pages, chunks = faiss.IndexFlatIP(embedder.dim), 0, 0
    for path in files:
        words = []
        for page in PdfReader(path).pages:
            pages += 1
            words += (page.extract_text() or "").split()
        for start in range(0, max(len(words) - 45, 1), 135):
            text = " ".join(words[start : start + 180])
            if text:
                index.add(np.ascontiguousarray(embedder.embed([text]), dtype=np.float32))
                chunks += 1
    return pages, chunks


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    p.add_argument("--limit", type=int, help="only the first N PDFs (default: all)")
    args = p.parse_args()
    emb = wiring.embedder(Settings())
    with tempfile.TemporaryDirectory(prefix="registre-ingest-") as tmp:
        corpus = args.corpus
        files = find_pdfs(corpus)
        if args.limit:
            corpus = Path(tmp) / "corpus"
            for f in files[: args.limit]:
                target = corpus / f.relative_to(args.corpus)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, target)
            files = find_pdfs(corpus)
        print(f"{len(files)} PDFs under {corpus}")
        t = time.perf_counter()
        naive_pages, naive_chunks = naive(files, emb)
        naive_s = time.perf_counter() - t
        print(f"naive loop: {naive_pages} pages, {naive_chunks} chunks in {naive_s:.1f} s")

        root = Path(tmp) / "index"
        t = time.perf_counter()
        report = ingest(corpus, root, emb, progress=False, ocr=False, log=lambda _: None)
        registre_s = time.perf_counter() - t

        index = open_index(root, emb.name)
        indexed = sum(d.pages for d in index.documents.values())
        pages = naive_pages  # pages/s over the same folder: every page, read or skipped (scans, OCR off)
        print(f"registre: {indexed} pages indexed, {report.chunks} chunks in {registre_s:.1f} s")
        t = time.perf_counter()
        again = ingest(corpus, root, emb, progress=False, ocr=False, log=lambda _: None)
        rerun_s = time.perf_counter() - t
        assert not again.changed, "nothing changed, yet the index was rebuilt"
    figures = {
        "pdfs": len(files),
        "naive_pages": naive_pages,
        "naive_chunks": naive_chunks,
        "naive_s": naive_s,
        "naive_pages_per_s": naive_pages / naive_s,
        "pages": pages,
        "pages_indexed": indexed,
        "chunks": report.chunks,
        "registre_s": registre_s,
        "registre_pages_per_s": pages / registre_s,
        "ratio": (pages / registre_s) / (naive_pages / naive_s),
        "rerun_unchanged_s": rerun_s,
    }
    print()
    show(
        [
            (
                "pages/s",
                f"{figures['registre_pages_per_s']:.2f}",
                f"{figures['naive_pages_per_s']:.2f}",
                f"{figures['ratio']:.2f}x (target >= 2x)",
            ),
            ("re-run, nothing changed", f"{rerun_s:.2f} s", "", "target <= 3 s"),
        ]
    )
    record("ingest", figures)


if __name__ == "__main__":
    main()
