"""The ONNX encoders on the real bundled MiniLM: the same vectors as torch (float), and what an index allows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.embedding import make_embedder
from assistant.errors import IndexStateError
from assistant.settings import PROJECT_ROOT, load_settings
from assistant.wiring import Assistant

SEEDS = PROJECT_ROOT / "seeds"

pytestmark = pytest.mark.integration

TEXTS = [
    "Which company makes the vaccine?",
    "Sinovac's Covid-19 vaccine has been approved in 60 countries, organizations and regions.",
    "short",
    " ".join(["a long text that goes past the encoder's 256 tokens and is cut there"] * 40),
]


def _cosines(a: list[list[float]], b: list[list[float]]) -> list[float]:
    return [sum(x * y for x, y in zip(u, v, strict=True)) for u, v in zip(a, b, strict=True)]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("encoders")


def test_float_onnx_gives_the_torch_vectors(cache: Path) -> None:
    torch = make_embedder(None, "torch")
    torch_vectors = torch.embed(TEXTS)
    onnx = make_embedder(None, "onnx", cache_dir=cache)
    assert onnx.name == torch.name  # an index built with either serves both
    assert min(_cosines(torch_vectors, onnx.embed(TEXTS))) > 0.9999
    assert list(cache.glob("*-onnx.onnx")), "the export is kept for the next start"


def test_int8_is_close_but_not_the_same(cache: Path) -> None:
    import onnx

    torch = make_embedder(None, "torch")
    torch_vectors = torch.embed(TEXTS)
    int8 = make_embedder(None, "onnx-int8", cache_dir=cache)
    assert int8.name == f"{torch.name}+onnx-int8"
    vectors = int8.embed(TEXTS)
    assert all(abs(sum(x * x for x in v) - 1) < 1e-4 for v in vectors)
    # Per-channel 7-bit weights: 0.977 here, 0.972 at worst on 605 chunks of tests/eval (per tensor, 0.80).
    assert min(_cosines(torch_vectors, vectors)) > 0.96
    # Fused before quantising (what makes it faster): attention, LayerNorms and GELU are single operators.
    (quantised,) = cache.glob("*-onnx-int8.onnx")
    ops = {node.op_type for node in onnx.load(str(quantised)).graph.node}
    assert {"QAttention", "SkipLayerNormalization", "BiasGelu", "EmbedLayerNormalization"} <= ops


def test_a_torch_index_is_searched_by_onnx_and_refused_by_int8(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    first = sorted(SEEDS.iterdir())[0]
    shutil.copy(first, docs / first.name)
    data = tmp_path / "data"
    built = Assistant(load_settings(data_dir=data))
    built.index([docs])
    question = "Which company makes the vaccine?"
    expected = [h.chunk.id for h in built.retriever.retrieve(question)]

    onnx = Assistant(load_settings(data_dir=data, embedding_backend="onnx"))
    assert [h.chunk.id for h in onnx.retriever.retrieve(question)] == expected

    int8 = Assistant(load_settings(data_dir=data, embedding_backend="onnx-int8"))
    with pytest.raises(IndexStateError, match="embedding_backend") as refused:
        int8.retriever.retrieve(question)
    assert f"'{built.embedder.name}'" in str(refused.value) and "index again" in str(refused.value)
