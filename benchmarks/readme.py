"""The README's benchmark figures, written from benchmarks/results/latest.json: never typed by hand.

    python benchmarks/readme.py          # rewrite the block between the markers in README.md
    python benchmarks/readme.py --check  # exit 1 when the README's block is not what latest.json says

`make bench` runs it last; tests/test_docs.py checks that the README holds what the file says.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
README = ROOT / "README.md"
START, END = "<!-- figures: benchmarks/readme.py -->", "<!-- /figures -->"


def _day(when: str) -> str:
    return when[:10]


def _n(x: float) -> str:
    """A count with thin thousands separators as the README writes them (« 1,347 »)."""
    return f"{x:,.0f}"


def render(results: dict) -> str:
    """The paragraph the README quotes, one sentence per benchmark present in the results."""
    parts = []
    lat = results.get("latency")
    if lat:
        parts.append(
            f"the `sources` event comes after {lat['sources_p50_s']:.3f} s p50 ({lat['sources_p95_s']:.3f} s p95)"
            f" over {lat['sources_questions']} dev questions"
            + (
                f" (an index of {_n(lat['index_chunks'])} chunks"
                + (", the gold files of the questions asked" if lat.get("gold_only") else "")
                + ")"
                if "index_chunks" in lat
                else ""
            )
        )
        if "first_token_p50_s" in lat:
            parts.append(
                f"the first word of an answer from {lat['model']} on CPU takes {lat['first_token_p50_s']:.1f} s p50"
                f" on {lat['first_token_questions']} dev questions, against"
                f" {lat['first_token_baseline_p50_s']:.1f} s with an empty cache and whole chunks as stored"
                f" ({_day(lat['when'])})"
            )
    llm = results.get("llm")
    if llm:
        parts.append(
            f"registre's code path runs llama.cpp at its own speed (a prompt of {_n(llm['prompt_tokens'])} tokens"
            f" read at {llm['registre_prompt_tok_s']:.1f} tok/s,"
            f" generation {llm['registre_gen_tok_s']:.1f} tok/s, against {llm['direct_prompt_tok_s']:.1f} and"
            f" {llm['direct_gen_tok_s']:.1f} calling `Llama` directly; {_day(llm['when'])})"
        )
    scale = results.get("scale")
    if scale:
        parts.append(
            f"at {_n(scale['chunks'])} synthetic chunks the vector index is {scale['index']}: recall@10"
            f" {scale['recall_at_10']:.3f} against exact search, p95 {scale['dense_p95_ms']:.1f} ms against"
            f" {scale['flat_p95_ms']:.1f} ms for exact flat search, the hybrid ranker (BM25 and vectors)"
            f" {scale['hybrid_p95_ms']:.1f} ms p95, {scale['rss_mb']:.0f} MB resident for the served vectors and"
            f" BM25 together (exact float32 vectors alone: {_n(scale['flat_vectors_mb'])} MB; {_day(scale['when'])})"
        )
    ing = results.get("ingest")
    if ing:
        parts.append(
            f"ingesting {ing['pdfs']} PDFs ({_n(ing['pages'])} pages) takes {ing['registre_s']:.0f} s against"
            f" {ing['naive_s']:.0f} s for a naive pypdf → embed → FAISS loop ({ing['ratio']:.2f}×), a re-run with"
            f" nothing changed {ing['rerun_unchanged_s']:.2f} s ({_day(ing['when'])})"
        )
    shared = results.get("shared_state")
    if shared:
        parts.append(
            f"counting a request against the rate limit in PostgreSQL takes {shared['rate_limit_postgresql']['p50_ms']:.2f}"
            f" ms p50 against {shared['rate_limit_memory']['p50_ms']:.2f} ms in memory, storing a rating"
            f" {shared['rating_postgresql']['p50_ms']:.1f} ms against {shared['rating_sqlite']['p50_ms']:.1f} ms for"
            f" the SQLite file ({_day(shared['when'])})"
        )
    if not parts:
        return "No benchmark has been run yet (`make bench`)."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def block(results: dict) -> str:
    return f"{START}\n{render(results)}\n{END}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="only check that the README holds the figures")
    args = p.parse_args()
    readme = README.read_text(encoding="utf-8")
    if START not in readme or END not in readme:
        sys.exit(f"README.md has no {START} … {END} block")
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    wanted = before + block(json.loads(RESULTS.read_text())) + after
    if args.check:
        sys.exit(
            0
            if wanted == readme
            else "README.md's figures are not latest.json's: python benchmarks/readme.py"
        )
    README.write_text(wanted, encoding="utf-8")


if __name__ == "__main__":
    main()
