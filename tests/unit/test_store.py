"""ChromaStore: a real persistent Chroma folder in tmp_path, fed fake vectors."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeEmbedder

from assistant.chunking import chunk_id
from assistant.errors import IndexStateError
from assistant.store import ChromaStore, StoredFile
from assistant.types import Chunk


def _chunk(source: str, text: str, start: int = 0, sha: str = "sha-1", folder: str = "/docs") -> Chunk:
    return Chunk(chunk_id(source, start, text), source, f"{folder}/{source}", f"Title of {source}",
                 text, start, start + len(text), sha)


CHUNKS = [
    _chunk("harbour.txt", "The harbour wall was rebuilt in 1987.", 0, "sha-h"),
    _chunk("harbour.txt", "Calloway and Finch designed the breakwater.", 38, "sha-h"),
    _chunk("orchard.md", "The orchard grows 42 varieties of apple.", 17, "sha-o"),
]


@pytest.fixture()
def store(tmp_path: Path) -> ChromaStore:
    s = ChromaStore(tmp_path / "chroma", "documents", FakeEmbedder.name)
    s.add(CHUNKS, FakeEmbedder().embed([c.text for c in CHUNKS]))
    return s


def test_query_round_trips_every_field_best_first(store: ChromaStore) -> None:
    results = store.query(FakeEmbedder.vector("Who designed the breakwater, Calloway and Finch?"), 3)
    assert [c for c, _ in results][0] == CHUNKS[1]  # every field, id and offsets included
    assert {c.id for c, _ in results} == {c.id for c in CHUNKS}
    for got, _ in results:
        assert got == next(c for c in CHUNKS if c.id == got.id)
    scores = [s for _, s in results]
    assert scores == sorted(scores, reverse=True)


def test_query_of_a_stored_vector_has_cosine_similarity_one(store: ChromaStore) -> None:
    (chunk, score), *_ = store.query(FakeEmbedder.vector(CHUNKS[2].text), 1)
    assert chunk == CHUNKS[2]
    assert score == pytest.approx(1.0, abs=1e-5)


def test_query_caps_k_at_the_collection_size(store: ChromaStore, tmp_path: Path) -> None:
    assert len(store.query(FakeEmbedder.vector("apple"), 50)) == 3
    empty = ChromaStore(tmp_path / "empty", "documents", FakeEmbedder.name)
    assert empty.query(FakeEmbedder.vector("apple"), 5) == []
    assert empty.count() == 0
    assert empty.indexed_files() == {}


def test_indexed_files_all_chunks_and_count(store: ChromaStore) -> None:
    assert store.count() == 3
    assert store.indexed_files() == {"/docs/harbour.txt": "sha-h", "/docs/orchard.md": "sha-o"}
    assert store.all_chunks() == sorted(CHUNKS, key=lambda c: (c.source, c.start))


def test_files_lists_each_file_with_its_chunk_count_by_name(store: ChromaStore) -> None:
    assert store.files() == [
        StoredFile("harbour.txt", "/docs/harbour.txt", 2),
        StoredFile("orchard.md", "/docs/orchard.md", 1),
    ]


def test_files_keeps_same_named_files_in_two_folders_apart(store: ChromaStore) -> None:
    copies = [_chunk("harbour.txt", "A copy of the harbour notes.", 0, "sha-b", folder="/backup"),
              _chunk("apiary.txt", "Bees.", 0, "sha-a", folder="/backup")]
    store.add(copies, FakeEmbedder().embed([c.text for c in copies]))
    assert store.files() == [
        StoredFile("apiary.txt", "/backup/apiary.txt", 1),
        StoredFile("harbour.txt", "/backup/harbour.txt", 1),
        StoredFile("harbour.txt", "/docs/harbour.txt", 2),
        StoredFile("orchard.md", "/docs/orchard.md", 1),
    ]


def test_files_follows_deletes_and_is_empty_for_an_empty_store(store: ChromaStore, tmp_path: Path) -> None:
    store.delete_path("/docs/harbour.txt")
    assert store.files() == [StoredFile("orchard.md", "/docs/orchard.md", 1)]
    assert ChromaStore(tmp_path / "empty", "documents", FakeEmbedder.name).files() == []


def test_add_is_an_upsert(store: ChromaStore) -> None:
    store.add(CHUNKS[:1], FakeEmbedder().embed([CHUNKS[0].text]))
    assert store.count() == 3


def test_delete_path_removes_only_that_file(store: ChromaStore) -> None:
    assert store.delete_path("/docs/harbour.txt") == 2
    assert store.delete_path("/docs/harbour.txt") == 0
    assert [c.source for c in store.all_chunks()] == ["orchard.md"]
    assert store.indexed_files() == {"/docs/orchard.md": "sha-o"}


def test_store_persists_across_instances(store: ChromaStore, tmp_path: Path) -> None:
    again = ChromaStore(tmp_path / "chroma", "documents", FakeEmbedder.name)
    assert again.count() == 3
    assert again.all_chunks() == store.all_chunks()


def test_embedding_model_mismatch_raises_index_error(store: ChromaStore, tmp_path: Path) -> None:
    with pytest.raises(IndexStateError) as err:
        ChromaStore(tmp_path / "chroma", "documents", "all-MiniLM-L6-v2")
    message = str(err.value)
    assert "fake-embedder" in message and "all-MiniLM-L6-v2" in message
    assert str(tmp_path / "chroma") in message
    # The failed open did not re-tag the collection.
    assert ChromaStore(tmp_path / "chroma", "documents", FakeEmbedder.name).count() == 3


def test_another_collection_in_the_same_folder_may_use_another_model(
    store: ChromaStore, tmp_path: Path
) -> None:
    other = ChromaStore(tmp_path / "chroma", "other", "all-MiniLM-L6-v2")
    assert other.count() == 0
