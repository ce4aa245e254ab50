"""ChromaStore: a real persistent Chroma folder in tmp_path, fed fake vectors; the store contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeEmbedder
from store_contract import OpenStore, StoreContract

from assistant.store import ChromaStore


class TestLocalFolder(StoreContract):
    @pytest.fixture()
    def open_store(self, tmp_path: Path) -> OpenStore:
        def open_store(collection: str = "documents", embedding_name: str = FakeEmbedder.name,
                       max_batch: int | None = None) -> ChromaStore:
            return ChromaStore(tmp_path / "chroma", collection, embedding_name, max_batch=max_batch)

        return open_store

    def test_the_mismatch_names_the_folder_to_delete(self, store: ChromaStore, tmp_path: Path) -> None:
        with pytest.raises(Exception, match="delete .*chroma and index again"):
            ChromaStore(tmp_path / "chroma", "documents", "all-MiniLM-L6-v2")
