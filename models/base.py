"""The two model kinds registre uses, as protocols: everything else is built on them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str  # recorded in the index; a mismatch is refused at load time
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text."""
        ...


class LLM(Protocol):
    name: str

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        """Yield the answer's text pieces as they are generated."""
        ...
