"""VectorStore protocol and its Chroma implementation (a local persistent folder).

We always pass our own embeddings; the collection has no embedding function, so
Chroma never tries to fetch one.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from assistant.errors import IndexStateError
from assistant.types import Chunk, Unit

Vector = list[float]


@dataclass(frozen=True)
class StoredFile:
    """An indexed file as the documents view lists it."""

    source: str
    path: str
    chunks: int


class VectorStore(Protocol):
    def add(self, chunks: list[Chunk], vectors: list[Vector], recipe: str = "") -> None: ...

    def delete_path(self, path: str) -> int: ...

    def indexed_files(self) -> dict[str, str]:
        """Every indexed file's path mapped to the sha256 it was indexed at."""
        ...

    def recipes(self) -> dict[str, str]:
        """Every indexed file's path mapped to the chunking recipe it was cut with ("" if unknown)."""
        ...

    def files(self) -> list[StoredFile]:
        """Every indexed file with its chunk count, by file name."""
        ...

    def query(self, vector: Vector, k: int) -> list[tuple[Chunk, float]]:
        """The k nearest chunks with cosine similarity, best first."""
        ...

    def all_chunks(self) -> list[Chunk]: ...

    def count(self) -> int: ...


def _metadata(chunk: Chunk, recipe: str) -> dict[str, str | int]:
    return {
        "source": chunk.source, "path": chunk.path, "title": chunk.title,
        "start": chunk.start, "end": chunk.end, "doc_sha256": chunk.doc_sha256, "chunking": recipe,
        "units": json.dumps([[u.start, u.end, u.kind, u.heading, u.label] for u in chunk.units]),
        "pages": json.dumps(chunk.pages),
    }


def _chunk(chunk_id: str, text: str, meta: Any) -> Chunk:
    stored = json.loads(meta.get("units") or "[]")
    units = tuple(Unit(int(s), int(e), str(k), str(h), str(b)) for s, e, k, h, b in stored)
    pages = tuple((int(p), int(o)) for p, o in json.loads(meta.get("pages") or "[]"))
    return Chunk(chunk_id, str(meta["source"]), str(meta["path"]), str(meta["title"]), text,
                 int(meta["start"]), int(meta["end"]), str(meta["doc_sha256"]), units, pages)


class ChromaStore:
    """A persistent Chroma collection in ``folder``, tagged with the embedding model's name."""

    def __init__(self, folder: Path, collection: str, embedding_name: str) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        folder.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(
            path=str(folder), settings=ChromaSettings(anonymized_telemetry=False)
        )
        self._collection = client.get_or_create_collection(
            collection,
            embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedding_model": embedding_name},
        )
        stored = (self._collection.metadata or {}).get("embedding_model")
        if stored and stored != embedding_name:
            raise IndexStateError(
                f"the index in {folder} was built with embedding model {stored!r}, not "
                f"{embedding_name!r}; use another data_dir or delete {folder} and index again"
            )

    def add(self, chunks: list[Chunk], vectors: list[Vector], recipe: str = "") -> None:
        if chunks:
            self._collection.upsert(
                ids=[c.id for c in chunks],
                embeddings=vectors,  # type: ignore[arg-type]
                documents=[c.text for c in chunks],
                metadatas=[_metadata(c, recipe) for c in chunks],
            )

    def delete_path(self, path: str) -> int:
        ids = self._collection.get(where={"path": path}, include=[])["ids"]
        if ids:
            self._collection.delete(ids=ids)
        return len(ids)

    def indexed_files(self) -> dict[str, str]:
        metas = self._collection.get(include=["metadatas"])["metadatas"] or []
        return {str(m["path"]): str(m["doc_sha256"]) for m in metas}

    def recipes(self) -> dict[str, str]:
        metas = self._collection.get(include=["metadatas"])["metadatas"] or []
        return {str(m["path"]): str(m.get("chunking", "")) for m in metas}

    def files(self) -> list[StoredFile]:
        metas = self._collection.get(include=["metadatas"])["metadatas"] or []
        counts = Counter((str(m["source"]), str(m["path"])) for m in metas)
        return [StoredFile(source, path, n) for (source, path), n in sorted(counts.items())]

    def query(self, vector: Vector, k: int) -> list[tuple[Chunk, float]]:
        n = min(k, self.count())
        if n == 0:
            return []
        result = self._collection.query(
            query_embeddings=[vector],  # type: ignore[arg-type]
            n_results=n,
            include=["documents", "metadatas", "distances"],
        )
        ids = result["ids"][0]
        docs = (result["documents"] or [[]])[0]
        metas = (result["metadatas"] or [[]])[0]
        dists = (result["distances"] or [[]])[0]
        return [(_chunk(i, d, m), 1.0 - float(x)) for i, d, m, x in zip(ids, docs, metas, dists, strict=True)]

    def all_chunks(self) -> list[Chunk]:
        got = self._collection.get(include=["documents", "metadatas"])
        docs = got["documents"] or []
        metas = got["metadatas"] or []
        chunks = [_chunk(i, d, m) for i, d, m in zip(got["ids"], docs, metas, strict=True)]
        return sorted(chunks, key=lambda c: (c.source, c.start))

    def count(self) -> int:
        return int(self._collection.count())
