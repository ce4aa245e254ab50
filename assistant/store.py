"""VectorStore protocol and its Chroma implementations: a local persistent folder, or a Chroma server.

We always pass our own embeddings; the collection has no embedding function, so
Chroma never tries to fetch one.

With a server (:class:`ChromaServerStore`) the data folder still holds the writer lock, the
generation token and the lexical index (:mod:`assistant.lexical`); the server sees every
client's writes at once, so nothing is reopened there. A server collection therefore belongs to
one data folder: the folder has a random id (its ``folder-id`` file), the collection records it in
its metadata, and a store whose folder's id differs is refused (another folder's writer lock would
not keep two writers apart, and each lexical index would hold only part of the collection).

One process writes a data folder at a time (``indexing.writer_lock``); any number
read it, a running server among them. Chroma caches what it has read of a folder
per process and never sees another process's writes: a reader that queries after
``assistant index`` ran elsewhere meets "Nothing found on disk" or chunks that are
gone. So every write ends by putting a new token in the folder's ``generation``
file, and a reader whose token differs opens the folder afresh before it reads.

Writers take the folder's lock first (:func:`writer_lock`); readers never do.

A file's chunks are written in batches the store accepts, each chunk carrying how
many the file has: a file whose chunks are not all there (the writer was killed
between two batches) does not count as indexed, so the next run writes it again.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from assistant.errors import (
    AssistantError,
    IndexBusyError,
    IndexStateError,
    SettingsError,
    StorageError,
    StoreServerError,
)
from assistant.types import Chunk, Unit

Vector = list[float]
T = TypeVar("T")
GENERATION_FILE = "generation"
WRITER_LOCK = "writer.lock"
WRITER_PID = "writer.pid"
FOLDER_ID = "folder-id"
OWNER_ID = "data_folder_id"  # collection metadata: the id of the data folder a server collection belongs to
OWNER_PATH = "data_folder"  # and where that folder was when it took it, for the message


@dataclass(frozen=True)
class StoredFile:
    """An indexed file as the documents view lists it."""

    source: str
    path: str
    chunks: int


@dataclass(frozen=True)
class FileState:
    """What the store holds of one file: the sha256 and chunking recipe it was indexed at, and
    whether all its chunks are there (not when a writer was killed between two batches)."""

    sha256: str
    recipe: str
    complete: bool
    chunks: int = 0  # how many the store holds


class VectorStore(Protocol):
    def add(self, chunks: list[Chunk], vectors: list[Vector], recipe: str = "") -> None:
        """Store the chunks of whole files (every chunk of each file named, and no other)."""
        ...

    def delete_path(self, path: str) -> int: ...

    def indexed_files(self) -> dict[str, str]:
        """Every indexed file's path mapped to the sha256 it was indexed at."""
        ...

    def recipes(self) -> dict[str, str]:
        """Every indexed file's path mapped to the chunking recipe it was cut with ("" if unknown)."""
        ...

    def file_states(self) -> dict[str, FileState]:
        """Every file the store holds chunks of, complete or not, by path."""
        ...

    def generation(self) -> str:
        """A token that changes whenever any process writes to the store."""
        ...

    def files(self) -> list[StoredFile]:
        """Every indexed file with its chunk count, by file name."""
        ...

    def query(self, vector: Vector, k: int) -> list[tuple[Chunk, float]]:
        """The k nearest chunks with cosine similarity, best first."""
        ...

    def get(self, ids: list[str]) -> list[Chunk]:
        """The stored chunks of these ids, in that order; an id the store does not hold is left out."""
        ...

    def file_chunks(self, path: str) -> list[Chunk]:
        """Every stored chunk of one file, in document order."""
        ...

    def all_chunks(self) -> list[Chunk]: ...

    def chunks_of(self, sources: list[str]) -> list[Chunk]:
        """Every chunk of the files named ``sources`` (file names, as citations show them)."""
        ...

    def count(self) -> int: ...


def _metadata(chunk: Chunk, recipe: str, file_chunks: int) -> dict[str, str | int]:
    return {
        "source": chunk.source, "path": chunk.path, "title": chunk.title,
        "start": chunk.start, "end": chunk.end, "doc_sha256": chunk.doc_sha256, "chunking": recipe,
        "file_chunks": file_chunks,
        "units": json.dumps([[u.start, u.end, u.kind, u.heading, u.label] for u in chunk.units]),
        "pages": json.dumps(chunk.pages),
    }


def _chunk(chunk_id: str, text: str, meta: Any) -> Chunk:
    stored = json.loads(meta.get("units") or "[]")
    units = tuple(Unit(int(s), int(e), str(k), str(h), str(b)) for s, e, k, h, b in stored)
    pages = tuple((int(p), int(o)) for p, o in json.loads(meta.get("pages") or "[]"))
    return Chunk(chunk_id, str(meta["source"]), str(meta["path"]), str(meta["title"]), text,
                 int(meta["start"]), int(meta["end"]), str(meta["doc_sha256"]), units, pages)


def _file_states(metas: list[Any]) -> dict[str, FileState]:
    """Each path's state; chunks written before ``file_chunks`` was recorded count as complete."""
    shas: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    expected: dict[str, int] = {}
    recipes: dict[str, str] = {}
    for m in metas:
        path = str(m["path"])
        shas.setdefault(path, set()).add(str(m["doc_sha256"]))
        counts[path] += 1
        expected[path] = int(m.get("file_chunks") or 0)
        recipes[path] = str(m.get("chunking", ""))
    return {
        path: FileState(min(s), recipes[path], len(s) == 1 and expected[path] in (0, counts[path]), counts[path])
        for path, s in shas.items()
    }


def read_generation(folder: Path) -> str:
    try:
        return (folder / GENERATION_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def bump_generation(folder: Path) -> str:
    """Write a new token atomically (a reader sees the old token or the new one, never half)."""
    token = uuid.uuid4().hex
    scratch = folder / f".{GENERATION_FILE}.{os.getpid()}"
    scratch.write_text(token, encoding="utf-8")
    os.replace(scratch, folder / GENERATION_FILE)
    return token


def folder_id(folder: Path) -> str | None:
    """The data folder's own random id, made the first time it is asked for; None when the folder has
    none and cannot be written (it then owns no collection).

    Put in place whole by a hard link, which fails if the file exists: two processes making it at
    once both end with the one that came first.
    """
    path = folder / FOLDER_ID
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    scratch = folder / f".{FOLDER_ID}.{os.getpid()}"
    try:
        scratch.write_text(uuid.uuid4().hex, encoding="utf-8")
        with contextlib.suppress(FileExistsError):
            os.link(scratch, path)
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None
    finally:
        with contextlib.suppress(OSError):
            scratch.unlink(missing_ok=True)


_NO_SPACE = ("disk is full", "no space left", "database or disk is full")
_READ_ONLY = ("readonly database", "read-only file system", "permission denied")


_LOW_SPACE = 64_000_000  # bytes: a write that failed with less than this free is taken for a full disk


def storage_error(exc: BaseException, folder: Path, writing: bool = False) -> StorageError | None:
    """The one-line error for a data folder that cannot be written, or None if ``exc`` is another problem.

    Chroma's own errors on a full disk do not say so ("Failed to apply logs to the metadata
    segment"), so a failed write with little space left on the folder's disk counts as full.
    """
    code = getattr(exc, "errno", None)
    text = str(exc).lower()
    if code in (errno.ENOSPC, errno.EDQUOT) or any(s in text for s in _NO_SPACE) or (
        writing and _free_bytes(folder) < _LOW_SPACE
    ):
        return StorageError(f"the data folder {folder} is full (no space left on its disk); free some space "
                            "and run `assistant index` again (what was indexed before is kept)")
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or any(s in text for s in _READ_ONLY):
        return StorageError(f"the data folder {folder} cannot be written (read-only or no permission); "
                            "index into a folder you can write (--data-dir, or ASSISTANT_DATA_DIR)")
    return None


_DAMAGED = ("file is not a database", "malformed", "no such table", "no such column", "unable to open database")


def damaged_error(exc: BaseException, folder: Path, opening: bool = False) -> IndexStateError | None:
    """The one-line error for an index Chroma cannot read, or None if ``exc`` is another problem.

    Opening the folder, any error that is not about writing counts: Chroma reads nothing else then.
    """
    text = str(exc)
    if not opening and not any(s in text.lower() for s in _DAMAGED):
        return None
    return IndexStateError(f"the index in {folder} is damaged and cannot be read ({text.strip()[:120]}); rebuild "
                           f"it: delete {folder} (move any uploads/ in it out first) and run `assistant index` again")


def _free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return _LOW_SPACE


@contextmanager
def writer_lock(folder: Path, wait_s: float = 0.0, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the data folder's writer lock: one writer per folder, across processes.

    Another writer holding it raises IndexBusyError at once, or after ``wait_s`` seconds of
    waiting (``on_wait`` hears that it waits). Readers never take the lock.
    """
    from filelock import FileLock, Timeout

    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Created here, not by filelock: filelock takes a folder it cannot write for a held lock.
        os.close(os.open(folder / WRITER_LOCK, os.O_RDWR | os.O_CREAT, 0o644))
    except OSError as exc:
        raise storage_error(exc, folder) or exc from None
    lock = FileLock(folder / WRITER_LOCK, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = _writer(folder)
        if wait_s <= 0:
            raise IndexBusyError(f"another process ({holder}) is writing to the index in {folder}; "
                                 "run this again when it has finished, or set writer_wait_s to wait") from None
        if on_wait:
            on_wait(f"another process ({holder}) is writing to the index in {folder}; "
                    f"waiting for it (up to {wait_s:g} s)…")
        try:
            lock.acquire(timeout=wait_s)
        except Timeout:
            raise IndexBusyError(f"another process ({holder}) was still writing to the index in {folder} "
                                 f"after {wait_s:g} s; run this again when it has finished") from None
    try:
        (folder / WRITER_PID).write_text(f"pid {os.getpid()}", encoding="utf-8")
        yield
    finally:
        lock.release()


def _writer(folder: Path) -> str:
    try:
        return (folder / WRITER_PID).read_text(encoding="utf-8").strip() or "pid unknown"
    except OSError:
        return "pid unknown"


class ChromaStore:
    """A persistent Chroma collection in ``folder``, tagged with the embedding model's name.

    ``max_batch`` caps the chunks written per call (default: what the Chroma client accepts).
    """

    def __init__(self, folder: Path, collection: str, embedding_name: str, max_batch: int | None = None) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise storage_error(exc, folder) or exc from None
        self._copy: tempfile.TemporaryDirectory[str] | None = None  # a read-only index is read from a copy
        self.folder, self._name, self._embedding_name = folder, collection, embedding_name
        self._lock = threading.RLock()  # one call at a time: a reopen must not pull a client from under a query
        self._system: Any = None  # Chroma's per-path System this store opened
        self._open()
        limit = int(self._client.get_max_batch_size())
        self.max_batch = min(max_batch, limit) if max_batch else limit

    def _open(self) -> None:
        # Read before opening: a write that lands in between makes the next call open again.
        self._generation = read_generation(self.folder)
        self._client = self._connect()
        try:
            self._collection = self._client.get_or_create_collection(
                self._name, embedding_function=None, metadata=self._new_metadata()
            )
        except Exception as exc:
            raise self._problem(exc, opening=True) or exc from None
        stored = (self._collection.metadata or {}).get("embedding_model")
        if stored and stored != self._embedding_name:
            raise IndexStateError(
                f"{self.describe()} was built with embedding model {stored!r}, not "
                f"{self._embedding_name!r} (the embedding_model and embedding_backend settings); set them "
                f"back, or {self._elsewhere()}"
            )

    def _new_metadata(self) -> dict[str, str]:
        """The metadata a collection is made with (an existing one keeps its own)."""
        return {"hnsw:space": "cosine", "embedding_model": self._embedding_name}

    def describe(self) -> str:
        return f"the index in {self.folder}"

    def _elsewhere(self) -> str:
        return f"use another data_dir or delete {self.folder} and index again"

    def _problem(self, exc: BaseException, writing: bool = False, opening: bool = False) -> AssistantError | None:
        """The one-line error for ``exc`` when it is a problem a user can act on: a folder that cannot be
        written, or one Chroma cannot read (opening it, any error but a write's counts)."""
        return storage_error(exc, self.folder, writing) or damaged_error(exc, self.folder, opening)

    def _connect(self) -> Any:
        import chromadb
        from chromadb.api.shared_system_client import SharedSystemClient
        from chromadb.config import Settings as ChromaSettings

        client: Any
        try:
            client = chromadb.PersistentClient(path=str(self.folder),
                                               settings=ChromaSettings(anonymized_telemetry=False))
            self._copy = None
        except Exception as exc:
            problem = storage_error(exc, self.folder)
            if problem is None:
                raise damaged_error(exc, self.folder, opening=True) or exc from None
            # Chroma writes to its folder even to read it (SQLite's journal). A read-only index (a
            # mounted share, a folder of another user's) is read from a private copy instead.
            self._copy = tempfile.TemporaryDirectory(prefix="assistant-read-only-")
            copy = Path(self._copy.name) / "index"
            try:
                shutil.copytree(self.folder, copy, ignore=shutil.ignore_patterns(WRITER_LOCK))
            except OSError:
                raise problem from None
            client = chromadb.PersistentClient(path=str(copy), settings=ChromaSettings(anonymized_telemetry=False))
        self._identifier: str = client._identifier
        self._system = SharedSystemClient._identifier_to_system.get(self._identifier)
        return client

    def _reopen(self) -> None:
        """Drop what Chroma cached of the folder in this process and open it again.

        Chroma shares one System per path in a process; it is dropped only if it is still the one
        this store opened (another store in the process may already have replaced it).
        """
        from chromadb.api.shared_system_client import SharedSystemClient

        cached: Any = SharedSystemClient._identifier_to_system.get(self._identifier)
        if cached is not None and cached is self._system:
            SharedSystemClient._identifier_to_system.pop(self._identifier, None)
            SharedSystemClient._identifier_to_refcount.pop(self._identifier, None)
            cached.stop()
        self._open()

    def _call(self, action: Callable[[Any], T], write: bool = False) -> T:
        """Run ``action`` on the collection as the folder is now, then mark a write for readers."""
        with self._lock:
            if read_generation(self.folder) != self._generation:
                self._reopen()
            if write and self._copy is not None:
                raise StorageError(f"the data folder {self.folder} is read-only: it can be searched, not "
                                   "changed; index into a folder you can write (--data-dir)")
            try:
                result = action(self._collection)
            except Exception as exc:
                if write and (problem := self._problem(exc, writing=True)):
                    raise problem from None
                # A writer in another process can change the folder between our generation check and the
                # call; Chroma then fails in many ways (a segment "not found on disk", metadata of a chunk
                # that is gone). Open afresh and try once more; an error that persists propagates.
                self._reopen()
                try:
                    result = action(self._collection)
                except Exception as again:
                    raise self._problem(again, writing=write) or again from None
            if write:
                try:
                    self._generation = bump_generation(self.folder)
                except OSError as exc:
                    raise storage_error(exc, self.folder) or exc from None
            return result

    def generation(self) -> str:
        with self._lock:
            current = read_generation(self.folder)
            if current != self._generation:
                self._reopen()
            return self._generation

    def _batches(self, items: list[T]) -> Iterator[list[T]]:
        for i in range(0, len(items), self.max_batch):
            yield items[i : i + self.max_batch]

    def add(self, chunks: list[Chunk], vectors: list[Vector], recipe: str = "") -> None:
        per_file = Counter(c.path for c in chunks)
        rows = list(zip(chunks, vectors, strict=True))
        for batch in self._batches(rows):
            def upsert(collection: Any, batch: list[tuple[Chunk, Vector]] = batch) -> None:
                collection.upsert(
                    ids=[c.id for c, _ in batch],
                    embeddings=[v for _, v in batch],
                    documents=[c.text for c, _ in batch],
                    metadatas=[_metadata(c, recipe, per_file[c.path]) for c, _ in batch],
                )
            self._call(upsert, write=True)

    def delete_path(self, path: str) -> int:
        def matching(collection: Any) -> list[str]:
            return list(collection.get(where={"path": path}, include=[])["ids"])

        ids = self._call(matching)
        for batch in self._batches(ids):
            def delete(collection: Any, batch: list[str] = batch) -> None:
                collection.delete(ids=batch)
            self._call(delete, write=True)
        return len(ids)

    def _metadatas(self) -> list[Any]:
        return self._call(lambda col: list(col.get(include=["metadatas"])["metadatas"] or []))

    def file_states(self) -> dict[str, FileState]:
        return _file_states(self._metadatas())

    def indexed_files(self) -> dict[str, str]:
        return {path: s.sha256 for path, s in self.file_states().items() if s.complete}

    def recipes(self) -> dict[str, str]:
        return {path: s.recipe for path, s in self.file_states().items() if s.complete}

    def files(self) -> list[StoredFile]:
        counts = Counter((str(m["source"]), str(m["path"])) for m in self._metadatas())
        return [StoredFile(source, path, n) for (source, path), n in sorted(counts.items())]

    def query(self, vector: Vector, k: int) -> list[tuple[Chunk, float]]:
        def nearest(collection: Any) -> list[tuple[Chunk, float]]:
            if k <= 0:
                return []
            # Not counted first: Chroma gives fewer than k (none from an empty collection) by itself, and
            # a count costs as much as the query (12 ms at 100k chunks).
            result = collection.query(
                query_embeddings=[vector], n_results=k, include=["documents", "metadatas", "distances"]
            )
            ids = result["ids"][0]
            docs = (result["documents"] or [[]])[0]
            metas = (result["metadatas"] or [[]])[0]
            dists = (result["distances"] or [[]])[0]
            return [(_chunk(i, d, m), 1.0 - float(x)) for i, d, m, x in zip(ids, docs, metas, dists, strict=True)]

        return self._call(nearest)

    def _get(self, **where: Any) -> list[Chunk]:
        def matching(collection: Any) -> list[Chunk]:
            got = collection.get(include=["documents", "metadatas"], **where)
            docs = got["documents"] or []
            metas = got["metadatas"] or []
            return [_chunk(i, d, m) for i, d, m in zip(got["ids"], docs, metas, strict=True)]

        return self._call(matching)

    def get(self, ids: list[str]) -> list[Chunk]:
        if not ids:
            return []
        found = {c.id: c for c in self._get(ids=ids)}
        return [found[i] for i in ids if i in found]

    def file_chunks(self, path: str) -> list[Chunk]:
        return sorted(self._get(where={"path": path}), key=lambda c: c.start)

    def all_chunks(self) -> list[Chunk]:
        return sorted(self._get(), key=lambda c: (c.source, c.start))

    def chunks_of(self, sources: list[str]) -> list[Chunk]:
        if not sources:
            return []
        return sorted(self._get(where={"source": {"$in": sources}}), key=lambda c: (c.source, c.start))

    def count(self) -> int:
        return self._call(lambda col: int(col.count()))


class ChromaServerStore(ChromaStore):
    """A collection on a running Chroma server (``chroma run --path DIR --port N``), e.g. ``url``
    ``http://localhost:8000``.

    ``folder`` (the data folder) keeps the writer lock and the generation token, as for a local
    folder; the server itself sees every client's writes at once, so nothing is ever reopened.
    The collection belongs to the data folder that made it (or first used it empty): another data
    folder's store is refused with IndexStateError. Processes sharing the one folder share it.
    """

    def __init__(self, url: str, folder: Path, collection: str, embedding_name: str,
                 max_batch: int | None = None) -> None:
        self.url = url.rstrip("/")
        super().__init__(folder, collection, embedding_name, max_batch)

    def describe(self) -> str:
        return f"the collection {self._name!r} on the Chroma server at {self.url}"

    def _elsewhere(self) -> str:
        return "use another collection (the `collection` setting) or delete this one and index again"

    def _problem(self, exc: BaseException, writing: bool = False, opening: bool = False) -> AssistantError | None:
        import httpx

        if isinstance(exc, httpx.TransportError) or "could not connect to a chroma server" in str(exc).lower():
            reason = (str(exc).splitlines() or [type(exc).__name__])[0]
            return StoreServerError(
                f"cannot reach the Chroma server at {self.url} ({reason}); start it "
                "(chroma run --path FOLDER --port PORT) or correct chroma_url (ASSISTANT_CHROMA_URL)"
            )
        return None

    def _connect(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingsError(f"chroma_url {self.url!r} is not an http(s) address such as http://localhost:8000")
        try:
            return chromadb.HttpClient(
                host=parts.hostname, port=parts.port or (443 if parts.scheme == "https" else 8000),
                ssl=parts.scheme == "https", settings=ChromaSettings(anonymized_telemetry=False),
            )
        except Exception as exc:
            raise self._problem(exc) or exc from None

    def _new_metadata(self) -> dict[str, str]:
        return {**super()._new_metadata(), **self._owner()}

    def _owner(self) -> dict[str, str]:
        """This data folder as a collection's owner ({} if the folder has no id and cannot have one)."""
        if not self._folder_id:
            return {}
        return {OWNER_ID: self._folder_id, OWNER_PATH: str(self.folder.resolve())}

    def _open(self) -> None:
        self._folder_id = folder_id(self.folder)
        try:
            super()._open()
        except Exception as exc:
            raise self._problem(exc) or exc from None
        self._check_owner()

    def _reopen(self) -> None:
        self._generation = read_generation(self.folder)
        try:
            self._collection = self._client.get_collection(self._name, embedding_function=None)
        except Exception as exc:
            raise self._problem(exc) or exc from None
        self._check_owner()  # the collection may have been deleted and made again from another folder

    def _check_owner(self) -> None:
        """Refuse a collection of another data folder; an empty one that nobody owns becomes this folder's.

        A collection that holds chunks but no owner (written before owners were recorded) is left as it is.
        """
        metadata = dict(self._collection.metadata or {})
        owner = metadata.get(OWNER_ID)
        try:
            if owner is None and self._folder_id and self._collection.count() == 0:
                # Chroma refuses hnsw keys in a change of metadata; the distance stays in the collection's
                # configuration. The metadata given replaces the old, so the rest is given again.
                kept = {key: value for key, value in metadata.items() if not key.startswith("hnsw:")}
                self._collection.modify(metadata={**kept, **self._owner()})
                owner = self._folder_id
        except Exception as exc:
            raise self._problem(exc) or exc from None
        if owner is None or owner == self._folder_id:
            return
        where = metadata.get(OWNER_PATH)
        if where == str(self.folder.resolve()):
            # Deleted and made again (to rebuild its lexical index, say), or a folder of that path on another
            # machine: only the user knows which.
            raise IndexStateError(
                f"{self.describe()} belongs to another data folder that was at {where} (deleted and made again "
                "since, or on another machine): each keeps its own writer lock and lexical index; if this "
                f"folder replaces it, write its id {owner} into {self.folder / FOLDER_ID}, or use another "
                "collection (the `collection` setting)"
            )
        raise IndexStateError(
            f"{self.describe()} belongs to another data folder{f' ({where})' if where else ''}, not "
            f"{self.folder}: each keeps its own writer lock and lexical index; use another collection (the "
            "`collection` setting), or that data folder (--data-dir, or ASSISTANT_DATA_DIR)"
        )
