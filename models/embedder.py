"""Embedders: the offline multilingual USE (ONNX) and any sentence-transformers model."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from models.fetch import ModelError, ensure, spec


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class OnnxUSE:
    """Universal Sentence Encoder multilingual, quantized ONNX with its tokenizer inside the graph."""

    dim = 512

    def __init__(self, onnx_path: Path, threads: int = 0):
        import onnxruntime as ort
        from onnxruntime_extensions import get_library_path

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or (os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.register_custom_ops_library(get_library_path())
        self._session = ort.InferenceSession(
            str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.name = "use-multilingual"

    # Small batches are fastest on CPU: passages of one batch are padded to the longest, and big ones leave the
    # cache (2 cores, 384 chunks: 114 passages/s by 8, 96 by 16, 88 by 32, 78 by 64, 77 one by one).
    def embed(self, texts: Sequence[str], batch_size: int = 8) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = [
            self._session.run(["outputs"], {"inputs": list(texts[i : i + batch_size])})[0]
            for i in range(0, len(texts), batch_size)
        ]
        return _normalise(np.concatenate(rows))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, from a local folder or a name already in the local cache."""

    def __init__(self, name_or_path: str):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download at run time
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except OSError as e:
            raise ModelError(
                f"Impossible de charger hors ligne le modèle sentence-transformers {name_or_path!r} : {e}. "
                "Donnez un dossier local, ou installez un paquet qui contient le modèle."
            ) from e
        dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension() or 0)
        self.name = f"st:{name_or_path}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.encode(list(texts), batch_size=32, convert_to_numpy=True))


def load_embedder(setting: str, models_dir: Path):
    """Build the embedder a setting names: a registry model or `st:<path or name>`."""
    if setting.startswith("st:"):
        return SentenceTransformerEmbedder(setting[3:])
    model = spec(setting)
    if model.kind != "embedder":
        raise ModelError(f"{setting!r} est un modèle de type {model.kind}, pas un encodeur.")
    return OnnxUSE(ensure(model, models_dir))
