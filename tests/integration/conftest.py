"""Integration fixtures: the real bundled models and a real Chroma folder, shared per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, load_settings
from assistant.wiring import Assistant

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def assistant(data_dir: Path) -> Iterator[Assistant]:
    real = Assistant(load_settings(data_dir=data_dir, docs=[SEEDS]))
    first = real.index()
    assert len(first.added) == 5, first.summary()
    yield real


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    shutil.copytree(SEEDS, folder)
    return folder
