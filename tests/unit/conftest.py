"""Unit fixtures: a tiny corpus in tmp_path, fake models, a real (cheap) Chroma folder.

Every unit test runs in an empty working directory with no ASSISTANT_* variables,
and constructing a real embedding model or GGUF generator fails the test.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakes import FakeEmbedder, FakeGenerator  # noqa: E402

from assistant.settings import load_settings  # noqa: E402
from assistant.wiring import Assistant  # noqa: E402

CORPUS = {
    "harbour.txt": (
        "Port Ellery Harbour\n"
        "The harbour wall at Port Ellery was rebuilt in 1987 at a cost of 2,400,000 pounds. "
        "The engineering firm Calloway and Finch designed the new breakwater. "
        "Fishing boats land about 300 tonnes of crab there each year.\n"
    ),
    "orchard.md": (
        "# Hillside Orchard\n"
        "\n"
        "Hillside Orchard grows 42 varieties of apple on the slopes above the village. "
        "Its cider press, built by Tomas Reyes, can handle 1,500 litres a day. "
        "Visitors may pick fruit on Saturdays in September.\n"
    ),
    "observatory.txt": (
        "The Kestrel Observatory sits on a ridge 900 metres above sea level. "
        "Its main telescope has a mirror 1.2 metres wide. "
        "Astronomer Ingrid Vale discovered the comet Vale-3 there in 2004.\n"
    ),
}


def _no_real_models(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a unit test tried to load a real model; pass a fake instead")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)  # no stray assistant.toml
    monkeypatch.setattr("assistant.wiring.make_embedder", _no_real_models)
    monkeypatch.setattr("assistant.wiring.LlamaCppGenerator", _no_real_models)
    monkeypatch.setattr("assistant.wiring.resolve_model", _no_real_models)


@pytest.fixture()
def corpus_texts() -> dict[str, str]:
    return dict(CORPUS)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in CORPUS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture()
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture()
def generator() -> FakeGenerator:
    return FakeGenerator()


@pytest.fixture()
def make_assistant(
    data_dir: Path, corpus: Path, embedder: FakeEmbedder, generator: FakeGenerator
) -> Callable[..., Assistant]:
    """Build an Assistant over the corpus with the fakes and a real ChromaStore."""

    def make(**overrides: Any) -> Assistant:
        # The fakes answer from whichever numbered source holds a phrase: they read every passage.
        overrides.setdefault("model_sentences", 0)
        # One sentence a passage, as the checks are written against; widened passages are tested in
        # test_evidence_following.py.
        overrides.setdefault("evidence_following", 0)
        settings = load_settings(data_dir=data_dir, docs=[corpus], **overrides)
        return Assistant(settings, embedder=embedder, generator=generator)

    return make


@pytest.fixture()
def assistant(make_assistant: Callable[..., Assistant]) -> Assistant:
    return make_assistant()


@pytest.fixture()
def indexed(assistant: Assistant) -> Assistant:
    report = assistant.index()
    assert sorted(report.added) == sorted(CORPUS), report.summary()
    return assistant


BREAKWATER = "Which firm designed the new breakwater at Port Ellery?"


@pytest.fixture()
def breakwater_case() -> Any:
    from assistant.evaluation import Case

    return Case("harbour-1", BREAKWATER, [], [["Calloway"]], ["harbour"], False)


@pytest.fixture()
def recorded(indexed: Assistant, generator: FakeGenerator, breakwater_case: Any) -> dict[str, Any]:
    """One recorded case: the fake model cites the source naming Calloway and Finch."""
    from fakes import source_number

    from assistant.recording import Recorder

    generator.queue(lambda p, g: f" Calloway and Finch designed it [{source_number(p, 'Calloway')}].\n")
    return Recorder(indexed).record(breakwater_case)
