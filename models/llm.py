"""The local LLM, through llama.cpp: GPU offload when the build has it, CPU otherwise."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from models.fetch import ModelError, ensure, spec


class LlamaCpp:
    def __init__(self, gguf: Path, n_ctx: int = 4096, threads: int = 0, gpu_layers: int = -1, seed: int = 0):
        import llama_cpp

        if not gguf.is_file():
            raise ModelError(f"No GGUF file at {gguf}. Run `make models` or set REGISTRE_LLM to a GGUF path.")
        offload = gpu_layers if llama_cpp.llama_supports_gpu_offload() else 0
        self._llm = llama_cpp.Llama(
            model_path=str(gguf),
            n_ctx=n_ctx,
            n_threads=threads or (os.cpu_count() or 1),
            n_gpu_layers=offload,
            seed=seed,
            verbose=False,
        )
        self.name = gguf.stem
        self.gpu_layers = offload

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        # Greedy decoding: the same question over the same extracts gives the same answer.
        chunks = self._llm.create_chat_completion(
            messages=messages,
            max_tokens=max_tokens,
            temperature=0.0,
            top_k=1,
            stream=True,  # type: ignore[arg-type]
        )
        for chunk in chunks:
            piece = chunk["choices"][0]["delta"].get("content")  # type: ignore[index]
            if piece:
                yield piece

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode(), add_bos=False))


def load_llm(setting: str, models_dir: Path, n_ctx: int, threads: int, gpu_layers: int) -> LlamaCpp:
    """Build the LLM a setting names: a registry model or a path to a GGUF file."""
    if setting.endswith(".gguf"):
        return LlamaCpp(Path(setting), n_ctx, threads, gpu_layers)
    model = spec(setting)
    if model.kind != "llm":
        raise ModelError(f"{setting!r} is an {model.kind}, not an LLM.")
    return LlamaCpp(ensure(model, models_dir), n_ctx, threads, gpu_layers)
