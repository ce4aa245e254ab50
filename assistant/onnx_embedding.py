"""The same sentence-transformers encoder run by ONNX Runtime, in float32 or dynamically quantised int8.

sentence-transformers' own ``backend="onnx"`` needs optimum-onnx, whose only release on PyPI
(0.1.0) requires transformers < 4.58 while sentence-transformers 6.2 requires transformers 5:
the two cannot be installed together. So the model folder's transformer is exported here with
``torch.onnx.export`` (once, into a cache folder; the only time torch is imported), and run with
ONNX Runtime and the folder's ``tokenizer.json``; mean pooling and normalisation are done as the
folder's sentence-transformers modules say (only Transformer → mean Pooling → Normalize is accepted).

For ``onnx-int8`` the float export is first fused by ONNX Runtime's transformer optimizer (attention,
embedding/skip LayerNorm and bias-GELU into single operators: this needs the exporter to trace the
"eager" attention, whose pattern the optimizer knows, not torch's scaled_dot_product_attention) and
then quantised with ONNX Runtime's own ``quantize_dynamic``: the weights of the MatMuls and of the fused
attention, one scale per output channel, in 7 bits. On this machine's AVX2 CPU without VNNI, per-tensor
scales moved the vectors to a cosine of 0.80 to torch at worst (0.945 median, 605 chunks of tests/eval);
per channel and 7 bits, 0.972 at worst and 0.9925 median, at the same speed. Fused and so quantised, with
batches cut by token count (below), it embeds 1.7 to 1.8 times the chunks a second of raw torch, one thread
each (1.4 times before); the int8 MatMuls of an AVX2 CPU without VNNI are at best about twice the float ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from assistant.errors import ModelError

BACKENDS = ("torch", "onnx", "onnx-int8")
_EXPORT_VERSION = "2"  # bump when the export below changes: the cache key carries it
_UNUSED_DAYS = 30  # an export not used for this long is deleted (see _forget_unused)


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
    """Names the exported file: the model's folder name, its weights' size and content, the backend."""
    weights = next((folder / n for n in ("model.safetensors", "pytorch_model.bin") if (folder / n).exists()), None)
    stamp = f"{weights.stat().st_size}-{_sampled_digest(weights)}" if weights else "none"
    return f"{folder.name}-{stamp}-v{_EXPORT_VERSION}-{backend}.onnx"


def _sampled_digest(path: Path, samples: int = 16, width: int = 1 << 16) -> str:
    """A digest of ``samples`` evenly spaced 64 KB pieces of the file: other weights differ in all of them.

    Not the modification time: pip gives the same weights a new one at every install, so each new
    environment exported again (40 exports of one model, 2.4 GB, in one day of test runs here). Not the
    whole file either: it would be read at every start only to name the export."""
    size = path.stat().st_size
    digest = hashlib.blake2b(digest_size=8)
    with path.open("rb") as f:
        for i in range(samples):
            f.seek(max(0, (size - width) * i // max(1, samples - 1)))
            digest.update(f.read(width))
    return digest.hexdigest()


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
    # "eager" attention: the same vectors as torch's default (cosine 1.0000000), but a graph whose attention
    # ONNX Runtime's transformer optimizer recognises and fuses (see _quantise).
    model = AutoModel.from_pretrained(str(folder), local_files_only=True, attn_implementation="eager").eval()

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


def _quantise(folder: Path, source: Path, target: Path) -> None:
    """Fuse the float export (attention, LayerNorms, GELU), then quantise its weights to int8 per channel."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    fused = optimize_model(str(source), model_type="bert", num_heads=int(config.get("num_attention_heads", 0)),
                           hidden_size=int(config.get("hidden_size", 0)))
    quantize_dynamic(
        fused.model, str(target), weight_type=QuantType.QInt8,
        # The weights only: the embedding tables stay float (quantising them too cost 0.006 of the worst cosine).
        op_types_to_quantize=["MatMul", "Attention"],
        # One scale per output channel: per tensor, a few large weights coarsened all the others.
        per_channel=True,
        # 7-bit weights: AVX2 without VNNI multiplies u8 by s8 in pairs summed into int16, which 8-bit weights
        # can overflow (ONNX Runtime's advice for such CPUs). Measured: the 1st percentile of the cosine to
        # torch 0.978 -> 0.983, the worst 0.9737 -> 0.9743, at the same speed.
        reduce_range=True,
        # The fused operators are of ONNX Runtime's own domain, which ONNX's shape inference cannot type.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def exported(folder: Path, backend: str, cache_dir: Path) -> Path:
    """The ONNX file for ``backend``, exported (and quantised) into ``cache_dir`` the first time."""
    fp32 = cache_dir / cache_key(folder, "onnx")
    if not fp32.exists():
        _replace_atomically(fp32, lambda tmp: _export_fp32(folder, tmp))
    int8 = cache_dir / cache_key(folder, backend)
    if backend != "onnx" and not int8.exists():
        _replace_atomically(int8, lambda tmp: _quantise(folder, fp32, tmp))
    used = fp32 if backend == "onnx" else int8
    _forget_unused(cache_dir, {fp32, used})
    return used


def _forget_unused(cache_dir: Path, used: set[Path]) -> None:
    """Marks ``used`` as used now and deletes the cache's exports unused for ``_UNUSED_DAYS`` days.

    Each new weights file or export version makes a new export (about 90 MB float, 25 MB int8) beside
    the old ones; the old are kept a while, not deleted at once, because another installation sharing
    the cache may still run them. Half-written files (``.part``) of a killed export go after a day."""
    now = time.time()
    try:
        for path in used:
            os.utime(path, (now, now))
        for path in cache_dir.iterdir():
            age = now - path.stat().st_mtime
            if path not in used and ((path.suffix == ".onnx" and age > _UNUSED_DAYS * 86400)
                                     or (path.suffix == ".part" and age > 86400)):
                path.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be tidied still serves


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
        self._tokenizer.no_padding()  # each batch is padded here, to its longest text (the file may pad to 128)
        self._pad = self._tokenizer.token_to_id("[PAD]") or 0
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()  # one call at a time, as the torch embedder (its comment says why)

    def embed(self, texts: list[str], progress: bool = False) -> list[list[float]]:
        if not texts:
            return []
        out: list[Any] = [None] * len(texts)
        with self._lock:
            self._run(texts, out)
        return out

    def _run(self, texts: list[str], out: list[Any]) -> None:
        import numpy as np

        encoded = self._tokenizer.encode_batch(texts)
        # Longest first in tokens, so a batch pads little. sentence-transformers sorts by characters, whose
        # neighbours differ in tokens: 11.7% of the tokens run in batches of 4 were padding on the pdf_html
        # chunks, 17.6% on readmes; sorted by tokens 0.6% and 1.1%.
        order = sorted(range(len(texts)), key=lambda i: -len(encoded[i].ids))
        for lo in range(0, len(texts), self.batch_size):
            batch = order[lo : lo + self.batch_size]
            width = len(encoded[batch[0]].ids)
            ids = np.full((len(batch), width), self._pad, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            types = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                e = encoded[i]
                ids[row, : len(e.ids)], mask[row, : len(e.ids)], types[row, : len(e.ids)] = e.ids, 1, e.type_ids
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            (hidden,) = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            # Unit length whatever the folder says, as the torch embedder's normalize_embeddings=True.
            pooled = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            for i, row in zip(batch, pooled, strict=True):
                out[i] = [float(x) for x in row]
