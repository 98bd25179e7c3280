"""The LLM: llama.cpp in the process (GPU offload when the build has it), or a remote OpenAI-compatible server.

Both answer through the same interface (`stream(messages, max_tokens)`, greedy decoding), so the rest of registre
does not know where the model runs: a city can point several stateless API replicas at one GPU inference server
(vLLM, llama.cpp's server) with `REGISTRE_LLM_URL`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from models.fetch import ModelError, ensure, spec


class LlamaCpp:
    def __init__(self, gguf: Path, n_ctx: int = 4096, threads: int = 0, gpu_layers: int = -1, seed: int = 0):
        import llama_cpp

        if not gguf.is_file():
            raise ModelError(
                f"Aucun fichier GGUF à {gguf}. Lancez `make models`, ou donnez à REGISTRE_LLM le chemin d'un GGUF."
            )
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
        # The Llama object is reused on purpose: llama.cpp keeps the KV cache of the previous prompt and
        # evaluates only what differs, so the constant head of the prompt (system prompt) is paid once.
        chunks = self._llm.create_chat_completion(
            messages=messages,  # type: ignore[arg-type]  # llama-cpp's TypedDicts; plain role/content dicts
            max_tokens=max_tokens,
            temperature=0.0,
            top_k=1,
            stream=True,
        )
        for chunk in chunks:
            delta: dict = chunk["choices"][0]["delta"]  # type: ignore[index, assignment]  # a stream chunk
            piece = delta.get("content")
            if isinstance(piece, str) and piece:
                yield piece

    def prime(self, system: str) -> None:
        """Evaluate the constant head of every prompt now, so the first question does not pay for it."""
        for _ in self.stream([{"role": "system", "content": system}, {"role": "user", "content": ""}], 1):
            pass

    def forget(self) -> None:
        """Drop the cached prompt (the next answer evaluates its whole prompt): for measurements."""
        self._llm.reset()

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode(), add_bos=False))


class RemoteLLM:
    """An OpenAI-compatible chat-completions server (vLLM, llama.cpp's server), streamed over HTTP."""

    def __init__(
        self,
        url: str,
        model: str = "",
        api_key: str = "",
        seed: int = 0,
        connect_timeout: float = 5.0,
        read_timeout: float = 120.0,
    ):
        import httpx

        base = url.rstrip("/")
        self.endpoint = base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")
        self.model, self.seed = model, seed
        self.name = model or base
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            headers=headers, timeout=httpx.Timeout(read_timeout, connect=connect_timeout)
        )

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        import httpx

        body = {
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0.0,  # greedy, as in-process: the same question gives the same answer
            "top_p": 1.0,
            # llama.cpp and vLLM read these too: plain greedy, as in-process (llama-cpp-python's server
            # would otherwise penalise repeats, 1.1, and answer differently).
            "top_k": 1,
            "repeat_penalty": 1.0,
            "seed": self.seed,
            "stream": True,
        }
        if self.model:
            body["model"] = self.model
        try:
            with self._client.stream("POST", self.endpoint, json=body) as r:
                if r.status_code != 200:
                    r.read()
                    raise ModelError(
                        f"Le serveur de langage ({self.endpoint}) a répondu {r.status_code} : "
                        f"{r.text[:200]}. Réessayez plus tard."
                    )
                for line in r.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    try:
                        choices = json.loads(data).get("choices") or [{}]
                    except json.JSONDecodeError as e:
                        raise ModelError(
                            f"Le serveur de langage ({self.endpoint}) a envoyé une réponse illisible."
                        ) from e
                    piece = (choices[0].get("delta") or {}).get("content")
                    if piece:
                        yield piece
        except httpx.TransportError as e:
            raise ModelError(
                f"Le serveur de langage ({self.endpoint}) est injoignable ({type(e).__name__}). "
                "Réessayez dans un instant ; si cela dure, prévenez l'administrateur du service."
            ) from e

    def close(self) -> None:
        self._client.close()


def load_llm(setting: str, models_dir: Path, n_ctx: int, threads: int, gpu_layers: int) -> LlamaCpp:
    """Build the LLM a setting names: a registry model or a path to a GGUF file."""
    if setting.endswith(".gguf"):
        return LlamaCpp(Path(setting), n_ctx, threads, gpu_layers)
    model = spec(setting)
    if model.kind != "llm":
        raise ModelError(f"{setting!r} est un modèle de type {model.kind}, pas un modèle de langue.")
    return LlamaCpp(ensure(model, models_dir), n_ctx, threads, gpu_layers)
