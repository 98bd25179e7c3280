"""Retrieval on the dev questions: BM25 alone, dense alone and the hybrid, measured in one run.

    python benchmarks/retrieval.py [--corpus ../shared/corpus] [--questions ../shared/eval/dev-questions.jsonl]

Indexes the corpus (or reuses the up-to-date evaluation index), then prints file-level recall@1/5/10 and MRR@10
for each retriever, with ratios against BM25 alone, the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import wiring
from app.evaluation.metrics import retrieval_metrics
from app.evaluation.questions import load_questions
from app.evaluation.run import retriever_ranks
from app.settings import Settings
from benchmarks.common import record
from index.search import MODES
from index.store import open_index
from ingest.pipeline import ingest

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    p.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev-questions.jsonl")
    p.add_argument("--embedder", help="override REGISTRE_EMBEDDER for this run")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    args = p.parse_args()
    settings = Settings(**({"embedder": args.embedder} if args.embedder else {}))
    emb = wiring.embedder(settings)
    root = wiring.eval_root(settings, args.corpus)
    if emb.name != "use-multilingual":
        root = root.with_name(root.name + "-" + emb.name.replace("/", "_").replace(":", "_"))
    t = time.perf_counter()
    report = ingest(args.corpus, root, emb, progress=False, ocr=settings.ocr)
    print(f"index: {report.chunks} chunks, {len(report.skipped)} skipped ({time.perf_counter() - t:.1f} s)")
    index = open_index(root, emb.name)
    questions = [q for q in load_questions(args.questions) if q.answerable]
    figures, ranks_by_mode = {}, {}
    for mode in MODES:
        t = time.perf_counter()
        ranks = retriever_ranks(index, emb, questions, mode)
        figures[mode] = retrieval_metrics(ranks) | {
            "ms_per_query": 1000 * (time.perf_counter() - t) / len(questions)
        }
        ranks_by_mode[mode] = ranks
    base = figures["bm25"]
    print(f"\n{len(questions)} answerable questions, embedder {emb.name}\n")
    print(f"{'retriever':<10}" + "".join(f"{k:>14}" for k in base))
    for mode, f in figures.items():
        print(f"{mode:<10}" + "".join(f"{v:>14.3f}" for v in f.values()))
    print(
        f"{'ratio':<10}"
        + "".join(f"{(figures['hybrid'][k] / base[k] if base[k] else float('nan')):>14.3f}" for k in base)
        + "  (hybrid / bm25)"
    )
    follow = [r for q, r in zip(questions, ranks_by_mode["hybrid"]) if q.history]
    alone = [r for q, r in zip(questions, ranks_by_mode["hybrid"]) if not q.history]
    for label, ranks in (("follow-ups", follow), ("standalone", alone)):
        m = retrieval_metrics(ranks)
        print(f"hybrid, {label} ({len(ranks)}): recall@5 {m['recall_at_5']:.3f}, MRR@10 {m['mrr_at_10']:.3f}")
    if args.json:
        args.json.write_text(json.dumps({"embedder": emb.name, "figures": figures}, indent=2))
    record("retrieval", {"embedder": emb.name, "questions": len(questions), "figures": figures})


if __name__ == "__main__":
    main()
