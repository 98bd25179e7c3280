"""What a citizen waits for: the `sources` event, then the first word of the answer, on the dev questions.

    python benchmarks/latency.py [--questions ../shared/eval/dev-questions.jsonl] [--limit 4] [--sources-limit 40]

  * time to the `sources` event of /api/chat/stream, over HTTP on loopback (uvicorn), p50 and p95;
  * time to the first answer token with the default model, through registre (the constant system prompt
    evaluated once at start-up and kept in llama.cpp's cache; extracts trimmed to their best stretch) against the
    same question answered without caching (the cache dropped first) nor context shaping (whole chunks).
The LLM part is slow on a small CPU: --limit keeps it to a few questions.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import wiring
from app.answer.assistant import Assistant
from app.answer.evidence import Passage
from app.http.app import create_app
from benchmarks.common import ROOT, eval_index, load_questions, pct, record, show
from ingest.pipeline import find_pdfs


def time_to_sources(index, emb, settings, questions: list[dict]) -> list[float]:
    import socket

    import uvicorn

    assistant = Assistant(index, emb, None, settings.top_k, settings.extract_words)  # no model: sources only
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings, assistant), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    out = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        client.get("/health")
        for q in questions:
            body = {"question": q["question"], "history": q.get("history") or []}
            t = time.perf_counter()
            with client.stream("POST", "/api/chat/stream", json=body) as r:
                for line in r.iter_lines():
                    if line == "event: sources":
                        out.append(time.perf_counter() - t)
                        break
    server.should_exit = True
    thread.join(10)
    return out


class WholeChunks(Assistant):
    """The baseline: the model reads the four chunks found, whole and as stored (an act's header and list of
    those present included), instead of the evidence sentences."""

    def passages_for(self, q, hits):
        return [
            Passage(
                h.document,
                h.chunk.page,
                h.chunk.text,
                h.chunk.text,
                0,
                len(h.chunk.text),
                1.0,
                1.0,
                True,
                self.index.affaire_of(h.chunk),
                True,
            )
            for h in hits[:4]
        ]


def first_token(assistant: Assistant, q: dict) -> float:
    cancel, t = threading.Event(), time.perf_counter()
    took = float("nan")
    for item in assistant.stream(q["question"], q.get("history") or [], cancel):
        if isinstance(item, str) and not cancel.is_set():
            took = time.perf_counter() - t
            cancel.set()  # one token is all this measures
    return took


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    p.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev-questions.jsonl")
    p.add_argument("--limit", type=int, default=4, help="questions for the first-token figure (LLM: slow)")
    p.add_argument("--sources-limit", type=int, default=40, help="questions for the sources figure")
    p.add_argument("--no-llm", action="store_true", help="the sources figure only")
    p.add_argument(
        "--gold-only",
        action="store_true",
        help="index only the gold files of the questions used (quick; the full corpus takes minutes to index)",
    )
    args = p.parse_args()
    corpus = args.corpus
    if args.gold_only:
        corpus = Path(tempfile.mkdtemp(prefix="registre-gold-"))
        wanted = load_questions(args.questions, max(args.limit, args.sources_limit))
        names = {f for q in wanted for f in q["gold_files"]}
        for path in find_pdfs(args.corpus):
            if path.name in names:
                target = corpus / path.relative_to(args.corpus)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
    index, emb, settings = eval_index(corpus)
    sources = time_to_sources(index, emb, settings, load_questions(args.questions, args.sources_limit))
    figures: dict = {
        "index_chunks": len(index.chunks),
        "gold_only": args.gold_only,
        "sources_questions": len(sources),
        "sources_p50_s": pct(sources, 50),
        "sources_p95_s": pct(sources, 95),
    }
    rows = [
        ("time to sources p50", f"{figures['sources_p50_s']:.3f} s", "", "target <= 0.3 s"),
        ("time to sources p95", f"{figures['sources_p95_s']:.3f} s", "", ""),
    ]
    if not args.no_llm:
        t = time.perf_counter()
        llm = wiring.llm(settings)  # loads the default model and evaluates the system prompt once
        figures["model"], figures["load_and_prime_s"] = llm.name, time.perf_counter() - t
        ours = Assistant(index, emb, llm, settings.top_k, settings.extract_words, settings.llm_max_tokens)
        whole = WholeChunks(index, emb, llm, settings.top_k, 10_000, settings.llm_max_tokens)
        fast, slow = [], []
        for q in load_questions(args.questions, args.limit):
            fast.append(first_token(ours, q))
            llm.forget()
            slow.append(first_token(whole, q))
            print(f"  {q['id']}: {fast[-1]:.1f} s (baseline {slow[-1]:.1f} s)", flush=True)
        figures |= {
            "first_token_questions": len(fast),
            "first_token_p50_s": pct(fast, 50),
            "first_token_baseline_p50_s": pct(slow, 50),
            "first_token_all_s": fast,
            "first_token_baseline_all_s": slow,
        }
        rows.append(
            (
                "first answer token p50",
                f"{figures['first_token_p50_s']:.1f} s",
                f"{figures['first_token_baseline_p50_s']:.1f} s",
                f"{figures['first_token_baseline_p50_s'] / figures['first_token_p50_s']:.2f}x faster, <= 8 s",
            )
        )
    print()
    show(rows)
    record("latency", figures)
    print(json.dumps({k: v for k, v in figures.items() if not isinstance(v, list)}, indent=1))


if __name__ == "__main__":
    main()
