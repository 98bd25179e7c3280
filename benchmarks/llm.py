"""LLM throughput through registre's code path against llama-cpp-python's `Llama` called directly.

    python benchmarks/llm.py [--model qwen2.5-coder-1.5b] [--max-tokens 48] [--repeats 2]

The same prompt (registre's own messages for a dev question: system prompt, numbered extracts, question) and the
same model file go through `models.llm.LlamaCpp.stream` and through a second `llama_cpp.Llama` with the same
settings. Both start with an empty cache (every prompt token is evaluated); the runs alternate. Prompt-eval tok/s
is prompt tokens over the time to the first piece; generation tok/s is the next tokens over the time after it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.answer.assistant import Assistant, prompt
from app.settings import Settings
from benchmarks.common import pct, record, show
from models.fetch import ensure, spec
from models.llm import LlamaCpp


def sample_messages(settings: Settings, corpus: Path) -> list[dict[str, str]]:
    """Registre's messages for the first dev question, from the evaluation index when it is built."""
    from app import wiring
    from index.store import open_index

    root = wiring.eval_root(settings, corpus)
    question = "Quelle entreprise a été retenue pour le marché du réseau radio numérique TETRA ?"
    try:
        emb = wiring.embedder(settings)
        assistant = Assistant(open_index(root, emb.name), emb, None, settings.top_k, settings.extract_words)
        q = assistant.understand(question)
        passages = assistant.passages_for(q, assistant.retrieve(q))
        return assistant.messages(q, passages, assistant.citations(passages))
    except Exception:  # noqa: BLE001 - no index yet: a fixed prompt of the same shape
        extract = "Le conseil municipal attribue le marché du réseau radio à la société TALCO. " * 12
        user = prompt("answer").format(extracts=f"[1] Délibération — page 1\n{extract}", question=question)
        return [{"role": "system", "content": prompt("system")}, {"role": "user", "content": user}]


def timed(pieces, count) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    first, text = None, []
    for piece in pieces:
        first = first or time.perf_counter()
        text.append(piece)
    end = time.perf_counter()
    return (first or end) - t0, end - (first or end), count("".join(text))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=Settings().llm)
    p.add_argument("--max-tokens", type=int, default=48)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    args = p.parse_args()
    import llama_cpp

    settings = Settings()
    gguf = Path(args.model) if args.model.endswith(".gguf") else ensure(spec(args.model), settings.models_dir)
    threads = settings.llm_threads or (os.cpu_count() or 1)
    ours = LlamaCpp(gguf, settings.llm_context, settings.llm_threads, settings.llm_gpu_layers)
    direct = llama_cpp.Llama(
        model_path=str(gguf),
        n_ctx=settings.llm_context,
        n_threads=threads,
        n_gpu_layers=0,
        seed=0,
        verbose=False,
    )
    messages = sample_messages(settings, args.corpus)

    def count(text: str) -> int:
        return len(direct.tokenize(text.encode(), add_bos=False)) if text else 0

    def run_direct():
        direct.reset()
        chunks = direct.create_chat_completion(
            messages=messages, max_tokens=args.max_tokens, temperature=0.0, top_k=1, stream=True
        )
        return (
            c["choices"][0]["delta"].get("content") for c in chunks if c["choices"][0]["delta"].get("content")
        )

    def run_ours():
        ours.forget()
        return ours.stream(messages, args.max_tokens)

    runs: dict[str, list[tuple[float, float, int]]] = {"registre": [], "direct": []}
    prompt_sizes = []
    for _ in range(args.repeats):
        runs["direct"].append(timed(run_direct(), count))
        prompt_sizes.append(direct.n_tokens - runs["direct"][-1][2])  # the templated prompt, in tokens
        runs["registre"].append(timed(run_ours(), count))
    n_prompt = max(prompt_sizes)
    figures: dict[str, float | str | int] = {"model": gguf.name, "prompt_tokens": n_prompt}
    for name, rs in runs.items():
        figures[f"{name}_prompt_tok_s"] = pct([n_prompt / first for first, _, _ in rs], 50)
        figures[f"{name}_gen_tok_s"] = pct([(n - 1) / rest for _, rest, n in rs if n > 1 and rest > 0], 50)
        figures[f"{name}_first_token_s"] = pct([first for first, _, _ in rs], 50)
    figures["prompt_ratio"] = figures["registre_prompt_tok_s"] / figures["direct_prompt_tok_s"]  # type: ignore[operator]
    figures["gen_ratio"] = figures["registre_gen_tok_s"] / figures["direct_gen_tok_s"]  # type: ignore[operator]
    print(f"{gguf.name}, ~{n_prompt} prompt tokens, {args.max_tokens} new tokens, {args.repeats} runs each\n")
    show(
        [
            (
                "prompt eval tok/s",
                f"{figures['registre_prompt_tok_s']:.1f}",
                f"{figures['direct_prompt_tok_s']:.1f}",
                f"{figures['prompt_ratio']:.3f} (target >= 0.95)",
            ),
            (
                "generation tok/s",
                f"{figures['registre_gen_tok_s']:.1f}",
                f"{figures['direct_gen_tok_s']:.1f}",
                f"{figures['gen_ratio']:.3f} (target >= 0.95)",
            ),
        ]
    )
    record("llm", figures)


if __name__ == "__main__":
    main()
