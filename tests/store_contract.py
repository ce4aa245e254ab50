"""What every VectorStore must do, as one suite of tests: a local Chroma folder
(tests/unit/test_store.py) and a Chroma server (tests/integration/test_chroma_server.py) both pass it.

A test file subclasses :class:`StoreContract` and supplies the ``open_store`` fixture: a function
``open_store(collection="documents", embedding_name=FakeEmbedder.name, max_batch=None)`` that opens
the same stored collection whenever it is called with the same name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fakes import FakeEmbedder

from assistant.chunking import chunk_id
from assistant.errors import IndexStateError
from assistant.store import ChromaStore, StoredFile
from assistant.types import Chunk, Unit

OpenStore = Callable[..., ChromaStore]


def make_chunk(source: str, text: str, start: int = 0, sha: str = "sha-1", folder: str = "/docs") -> Chunk:
    return Chunk(chunk_id(source, start, text), source, f"{folder}/{source}", f"Title of {source}",
                 text, start, start + len(text), sha, (Unit(start, start + len(text), "prose", "Intro"),))


CHUNKS = [
    make_chunk("harbour.txt", "The harbour wall was rebuilt in 1987.", 0, "sha-h"),
    make_chunk("harbour.txt", "Calloway and Finch designed the breakwater.", 38, "sha-h"),
    make_chunk("orchard.md", "The orchard grows 42 varieties of apple.", 17, "sha-o"),
]


def vectors(chunks: list[Chunk]) -> list[list[float]]:
    return FakeEmbedder().embed([c.text for c in chunks])


class StoreContract:
    @pytest.fixture()
    def open_store(self) -> OpenStore:
        raise NotImplementedError("a store's test file supplies open_store")

    @pytest.fixture()
    def store(self, open_store: OpenStore) -> ChromaStore:
        s = open_store()
        s.add(CHUNKS, vectors(CHUNKS), recipe="recipe-1")
        return s

    def test_query_round_trips_every_field_best_first(self, store: ChromaStore) -> None:
        results = store.query(FakeEmbedder.vector("Who designed the breakwater, Calloway and Finch?"), 3)
        assert [c for c, _ in results][0] == CHUNKS[1]  # every field, id, offsets and units included
        assert {c.id for c, _ in results} == {c.id for c in CHUNKS}
        for got, _ in results:
            assert got == next(c for c in CHUNKS if c.id == got.id)
        scores = [s for _, s in results]
        assert scores == sorted(scores, reverse=True)

    def test_query_of_a_stored_vector_has_cosine_similarity_one(self, store: ChromaStore) -> None:
        (chunk, score), *_ = store.query(FakeEmbedder.vector(CHUNKS[2].text), 1)
        assert chunk == CHUNKS[2]
        assert score == pytest.approx(1.0, abs=1e-5)

    def test_query_caps_k_at_the_collection_size(self, store: ChromaStore, open_store: OpenStore) -> None:
        assert len(store.query(FakeEmbedder.vector("apple"), 50)) == 3
        empty = open_store("empty")
        assert empty.query(FakeEmbedder.vector("apple"), 5) == []
        assert empty.count() == 0 and empty.indexed_files() == {} and empty.files() == []

    def test_indexed_files_recipes_all_chunks_and_count(self, store: ChromaStore) -> None:
        assert store.count() == 3
        assert store.indexed_files() == {"/docs/harbour.txt": "sha-h", "/docs/orchard.md": "sha-o"}
        assert store.recipes() == {"/docs/harbour.txt": "recipe-1", "/docs/orchard.md": "recipe-1"}
        assert store.all_chunks() == sorted(CHUNKS, key=lambda c: (c.source, c.start))

    def test_get_returns_chunks_in_the_order_asked_without_unknown_ids(self, store: ChromaStore) -> None:
        assert store.get([CHUNKS[2].id, "no-such-id", CHUNKS[0].id]) == [CHUNKS[2], CHUNKS[0]]
        assert store.get([]) == []
        assert store.file_chunks("/docs/harbour.txt") == CHUNKS[:2]
        assert store.chunks_of(["orchard.md", "harbour.txt"]) == [*CHUNKS[:2], CHUNKS[2]] and store.chunks_of([]) == []

    def test_files_lists_each_file_with_its_chunk_count_by_name(self, store: ChromaStore) -> None:
        copies = [make_chunk("harbour.txt", "A copy of the harbour notes.", 0, "sha-b", folder="/backup")]
        store.add(copies, vectors(copies))
        assert store.files() == [
            StoredFile("harbour.txt", "/backup/harbour.txt", 1),
            StoredFile("harbour.txt", "/docs/harbour.txt", 2),
            StoredFile("orchard.md", "/docs/orchard.md", 1),
        ]

    def test_add_is_an_upsert(self, store: ChromaStore) -> None:
        store.add(CHUNKS[:1], vectors(CHUNKS[:1]))
        assert store.count() == 3

    def test_delete_path_removes_only_that_file(self, store: ChromaStore) -> None:
        assert store.delete_path("/docs/harbour.txt") == 2
        assert store.delete_path("/docs/harbour.txt") == 0
        assert [c.source for c in store.all_chunks()] == ["orchard.md"]
        assert store.indexed_files() == {"/docs/orchard.md": "sha-o"}
        assert store.files() == [StoredFile("orchard.md", "/docs/orchard.md", 1)]

    def test_a_file_written_in_batches_counts_only_when_whole(self, open_store: OpenStore) -> None:
        store = open_store(max_batch=2)
        assert store.max_batch == 2
        long = [make_chunk("long.txt", f"Crate {i} held apples.", i * 30, "sha-l") for i in range(5)]
        writes: list[int] = []
        original = store._call

        def dying(action: Any, write: bool = False) -> Any:
            if write and len(writes) == 2:
                raise KeyboardInterrupt  # the writer dies before its third batch
            writes.extend([1] if write else [])
            return original(action, write)

        store._call = dying  # type: ignore[method-assign]
        with pytest.raises(KeyboardInterrupt):
            store.add(long, vectors(long))
        assert store.count() == 4  # two batches of two: none larger than max_batch
        assert store.indexed_files() == {}
        assert store.file_states()["/docs/long.txt"].complete is False
        store._call = original  # type: ignore[method-assign]
        store.add(long, vectors(long))
        assert store.indexed_files() == {"/docs/long.txt": "sha-l"}
        assert store.file_states()["/docs/long.txt"].chunks == 5

    def test_a_write_moves_the_generation(self, store: ChromaStore, open_store: OpenStore) -> None:
        reader = open_store()
        before = reader.generation()
        store.delete_path("/docs/orchard.md")
        assert reader.generation() != before
        assert reader.count() == 2

    def test_store_persists_across_instances(self, store: ChromaStore, open_store: OpenStore) -> None:
        again = open_store()
        assert again.count() == 3
        assert again.all_chunks() == store.all_chunks()

    def test_embedding_model_mismatch_raises_index_error(self, store: ChromaStore, open_store: OpenStore) -> None:
        with pytest.raises(IndexStateError) as err:
            open_store(embedding_name="all-MiniLM-L6-v2")
        message = str(err.value)
        assert "fake-embedder" in message and "all-MiniLM-L6-v2" in message
        assert message.startswith(store.describe())
        assert open_store().count() == 3  # the failed open did not re-tag the collection

    def test_another_collection_may_use_another_model(self, store: ChromaStore, open_store: OpenStore) -> None:
        assert open_store("other", embedding_name="all-MiniLM-L6-v2").count() == 0
