"""The same sentence-transformers encoder run by ONNX Runtime, in float32 or dynamically quantised int8.

sentence-transformers' own ``backend="onnx"`` needs optimum-onnx, whose only release on PyPI
(0.1.0) requires transformers < 4.58 while sentence-transformers 6.2 requires transformers 5:
the two cannot be installed together. So the model folder's transformer is exported here with
``torch.onnx.export`` (once, into a cache folder; the only time torch is imported), quantised
with ONNX Runtime's own ``quantize_dynamic`` for ``onnx-int8``, and run with ONNX Runtime and the
folder's ``tokenizer.json``; mean pooling and normalisation are done as the folder's
sentence-transformers modules say (only Transformer → mean Pooling → Normalize is accepted).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from assistant.errors import ModelError

BACKENDS = ("torch", "onnx", "onnx-int8")
_EXPORT_VERSION = "1"  # bump when the export below changes: the cache key carries it


def _max_tokens(folder: Path) -> int:
    """The folder's max_seq_length; ModelError unless it is
    a Transformer with mean pooling (what this runner computes)."""
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    pooling = next((folder / m["path"] for m in modules if m["type"].endswith("Pooling")), None)
    mean = pooling is not None and json.loads((pooling / "config.json").read_text(encoding="utf-8")).get(
        "pooling_mode_mean_tokens", False)
    if kinds[:2] != ["Transformer", "Pooling"] or not mean or set(kinds[2:]) - {"Normalize"}:
        raise ModelError(f"embedding model {folder} is {' → '.join(kinds)}; the ONNX backends run only "
                         "a Transformer with mean pooling: set embedding_backend = \"torch\"")
    config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    return int(config.get("max_seq_length", 256))


def runs(folder: Path) -> bool:
    """Whether the ONNX backends can run the model in ``folder``."""
    try:
        _max_tokens(folder)
    except (ModelError, OSError, ValueError, KeyError):
        return False
    return (folder / "tokenizer.json").exists()


def encoder_cache(fallback: Path | None = None) -> Path:
    """Where exported encoders are kept: the user's cache folder (``$XDG_CACHE_HOME`` or ~/.cache), shared
    by every data folder, so that a new one does not export again; ``fallback`` when that cannot be written."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = home / "cited-docs-assistant" / "encoders"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    return fallback or Path(tempfile.gettempdir()) / "cited-docs-assistant-encoders"


def cache_key(folder: Path, backend: str) -> str:
    """Names the exported file: the model's folder name, its weights' size and time, the backend."""
    weights = next((folder / n for n in ("model.safetensors", "pytorch_model.bin") if (folder / n).exists()), None)
    stamp = f"{weights.stat().st_size}-{int(weights.stat().st_mtime)}" if weights else "none"
    return f"{folder.name}-{stamp}-v{_EXPORT_VERSION}-{backend}.onnx"


def _replace_atomically(path: Path, write: Any) -> None:
    """``write(tmp)`` then rename: a second process exporting at the same time never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _export_fp32(folder: Path, target: Path) -> None:
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # "Loading weights" is noise
    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.inner(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

    ids = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on opsets and tracing, not ours to act on
        torch.onnx.export(
            Hidden(model), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(target),
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["hidden"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "hidden": axes},
            opset_version=17, dynamo=False,
        )


def _quantise(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)


def exported(folder: Path, backend: str, cache_dir: Path) -> Path:
    """The ONNX file for ``backend``, exported (and quantised) into ``cache_dir`` the first time."""
    fp32 = cache_dir / cache_key(folder, "onnx")
    if not fp32.exists():
        _replace_atomically(fp32, lambda tmp: _export_fp32(folder, tmp))
    if backend == "onnx":
        return fp32
    int8 = cache_dir / cache_key(folder, backend)
    if not int8.exists():
        _replace_atomically(int8, lambda tmp: _quantise(fp32, tmp))
    return int8


class OnnxEmbedder:
    """Embeds with ONNX Runtime on the CPU, as :class:`SentenceTransformerEmbedder` does with torch."""

    def __init__(self, folder: Path, backend: str, cache_dir: Path, batch_size: int = 32, name: str = "") -> None:
        if backend not in BACKENDS[1:]:
            raise ModelError(f"embedding_backend {backend!r} is not an ONNX backend")
        import onnxruntime
        from tokenizers import Tokenizer

        self.max_tokens = _max_tokens(folder)
        self.name = name or folder.name
        self.batch_size, self.backend = batch_size, backend
        path = exported(folder, backend, cache_dir)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_tokens)
        pad = self._tokenizer.token_to_id("[PAD]") or 0
        self._tokenizer.enable_padding(pad_id=pad, pad_token="[PAD]")
        self._lock = threading.Lock()  # one call at a time, as the torch embedder (its comment says why)

    def embed(self, texts: list[str], progress: bool = False) -> list[list[float]]:
        if not texts:
            return []
        # Longest first, as sentence-transformers batches: similar lengths pad little.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out: list[Any] = [None] * len(texts)
        with self._lock:
            self._run(texts, order, out)
        return out

    def _run(self, texts: list[str], order: list[int], out: list[Any]) -> None:
        import numpy as np

        for lo in range(0, len(texts), self.batch_size):
            batch = order[lo : lo + self.batch_size]
            encoded = self._tokenizer.encode_batch([texts[i] for i in batch])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            types = np.array([e.type_ids for e in encoded], dtype=np.int64)
            (hidden,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            # Unit length whatever the folder says, as the torch embedder's normalize_embeddings=True.
            pooled = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            for i, row in zip(batch, pooled, strict=True):
                out[i] = [float(x) for x in row]
