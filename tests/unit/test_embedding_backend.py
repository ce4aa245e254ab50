"""Choosing the embedding backend: the setting, the name an index records, and refusals."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from assistant.embedding import embedder_name, make_embedder
from assistant.errors import ModelError, SettingsError
from assistant.onnx_embedding import _max_tokens, cache_key, encoder_cache, exported, runs
from assistant.settings import load_settings


def test_default_backend_is_auto_and_auto_runs_onnx_where_it_can(tmp_path: Path) -> None:
    assert load_settings().embedding_backend == "auto"
    mean = _folder(tmp_path / "a", {"pooling_mode_mean_tokens": True}, ["Transformer", "Pooling", "Normalize"])
    (mean / "tokenizer.json").write_text("{}")
    cls = _folder(tmp_path / "b", {"pooling_mode_cls_token": True}, ["Transformer", "Pooling"])
    (cls / "tokenizer.json").write_text("{}")
    assert runs(mean) and not runs(cls)
    (mean / "tokenizer.json").unlink()
    assert not runs(mean)  # a folder without the fast tokenizer's file: torch reads it
    assert embedder_name(mean, "auto") == embedder_name(mean, "onnx") == embedder_name(mean, "torch")


def test_exports_are_kept_in_the_users_cache_or_else_the_fallback(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert encoder_cache(tmp_path / "data") == tmp_path / "cache" / "cited-docs-assistant" / "encoders"
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # not a folder: nothing can go there
    assert encoder_cache(tmp_path / "data") == tmp_path / "data"


def test_backend_setting_accepts_the_four_and_refuses_others(monkeypatch: pytest.MonkeyPatch) -> None:
    for backend in ("auto", "torch", "onnx", "onnx-int8"):
        assert load_settings(embedding_backend=backend).embedding_backend == backend
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "onnx")
    assert load_settings().embedding_backend == "onnx"
    with pytest.raises(SettingsError, match="embedding_backend"):
        load_settings(embedding_backend="openvino")


def test_float_onnx_shares_the_torch_name_and_int8_has_its_own() -> None:
    folder = Path("/models/all-MiniLM-L6-v2")
    assert embedder_name(folder, "torch") == embedder_name(folder, "onnx") == "all-MiniLM-L6-v2"
    assert embedder_name(folder, "onnx-int8") == "all-MiniLM-L6-v2+onnx-int8"


def _folder(tmp_path: Path, pooling: dict[str, bool], modules: list[str]) -> Path:
    folder = tmp_path / "model"
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"x" * 10)
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 128}))
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    paths = {"Transformer": "", "Pooling": "1_Pooling", "Normalize": "2_Normalize"}
    (folder / "modules.json").write_text(json.dumps(
        [{"type": f"sentence_transformers.models.{m}", "path": paths[m]} for m in modules]))
    return folder


def test_onnx_runs_only_a_mean_pooled_transformer(tmp_path: Path) -> None:
    good = _folder(tmp_path / "a", {"pooling_mode_mean_tokens": True}, ["Transformer", "Pooling", "Normalize"])
    assert _max_tokens(good) == 128
    cls = _folder(tmp_path / "b", {"pooling_mode_cls_token": True}, ["Transformer", "Pooling"])
    with pytest.raises(ModelError, match='embedding_backend = "torch"'):
        _max_tokens(cls)


def test_cache_key_changes_with_backend_and_weights(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"pooling_mode_mean_tokens": True}, ["Transformer", "Pooling"])
    first = cache_key(folder, "onnx")
    assert first != cache_key(folder, "onnx-int8")
    (folder / "model.safetensors").write_bytes(b"y" * 11)
    assert cache_key(folder, "onnx") != first


def test_cache_key_ignores_the_time_a_reinstall_gives_the_same_weights(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"pooling_mode_mean_tokens": True}, ["Transformer", "Pooling"])
    weights = folder / "model.safetensors"
    weights.write_bytes(bytes(range(256)) * 4096)  # 1 MB
    first = cache_key(folder, "onnx")
    os.utime(weights, (1_000_000, 1_000_000))
    assert cache_key(folder, "onnx") == first
    changed = bytearray(weights.read_bytes())
    changed[len(changed) // 2] ^= 1  # one byte in the middle, same size
    weights.write_bytes(bytes(changed))
    assert cache_key(folder, "onnx") != first


def test_exports_unused_for_a_month_are_deleted_and_the_used_ones_kept(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"pooling_mode_mean_tokens": True}, ["Transformer", "Pooling"])
    cache = tmp_path / "encoders"
    cache.mkdir()
    fp32, int8 = cache / cache_key(folder, "onnx"), cache / cache_key(folder, "onnx-int8")
    old, recent, half = cache / "model-1-oldstamp-v1-onnx.onnx", cache / "other-2-v2-onnx.onnx", cache / "x.part"
    month_ago = time.time() - 31 * 86400
    for path in (fp32, int8, old, recent, half):
        path.write_bytes(b"onnx")
    for path in (fp32, int8, old, half):
        os.utime(path, (month_ago, month_ago))
    assert exported(folder, "onnx-int8", cache) == int8  # both exist: nothing is exported
    assert sorted(p.name for p in cache.iterdir()) == sorted([fp32.name, int8.name, recent.name])
    assert fp32.stat().st_mtime > month_ago + 86400  # marked as used now


def test_unknown_backend_or_missing_folder_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="unknown"):
        make_embedder(tmp_path, "openvino")
    with pytest.raises(ModelError, match="missing or incomplete"):
        make_embedder(tmp_path / "nothing", "onnx", cache_dir=tmp_path)


def test_the_assistant_builds_the_backend_the_settings_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.wiring import Assistant

    asked: list[tuple[object, ...]] = []
    monkeypatch.setattr("assistant.wiring.make_embedder", lambda *a: asked.append(a) or "onnx embedder")
    settings = load_settings(embedding_backend="onnx-int8", data_dir=Path("idx"))
    assert Assistant(settings).embedder == "onnx embedder"
    assert asked == [(None, "onnx-int8", 4, encoder_cache(Path("idx") / "encoders"))]


def test_onnx_batches_texts_of_like_token_counts_and_keeps_their_order() -> None:
    import threading

    import numpy as np
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    from assistant.onnx_embedding import OnnxEmbedder

    words = ["a", "b", "c", "d", "e", "f", "x", "longwordlongword"]
    vocab = {"[PAD]": 0, "[UNK]": 1, **{w: i + 2 for i, w in enumerate(words)}}
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()

    class Session:
        """Hidden state of a token: (its id, 1); so a text's pooled vector is (mean id, 1), normalised."""

        def __init__(self) -> None:
            self.shapes: list[tuple[int, ...]] = []

        def run(self, _: object, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
            ids = feed["input_ids"]
            self.shapes.append(ids.shape)
            assert (ids[feed["attention_mask"] == 0] == 0).all()  # padded with [PAD]
            return [np.stack([ids, np.ones_like(ids)], axis=-1).astype(np.float32)]

    embedder = object.__new__(OnnxEmbedder)
    session = Session()
    embedder._tokenizer, embedder._session, embedder._pad = tokenizer, session, 0
    embedder._inputs, embedder.batch_size, embedder._lock = {"input_ids", "attention_mask"}, 2, threading.Lock()
    # By characters the order is 0, 1, 3, 2 and the first batch (6 tokens and 1) is mostly padding;
    # by tokens, 1 (6) with 3 (5), then 0 (1) with 2 (1).
    texts = ["longwordlongword", "a b c d e f", "x", "a b c d e"]
    vectors = embedder.embed(texts)
    assert session.shapes == [(2, 6), (2, 1)]
    for text, vector in zip(texts, vectors, strict=True):
        ids = [vocab[w] for w in text.split()]
        expected = np.array([sum(ids) / len(ids), 1.0])
        assert np.allclose(vector, expected / np.linalg.norm(expected))
