"""The vectors on a real Chroma server (`chroma run`, the CLI of the installed chromadb), started for
this module: the store contract, then indexing, re-indexing, removal and an answer through the real
path with the bundled models, and the one-line error when no server answers."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakes import FakeEmbedder  # noqa: E402
from store_contract import CHUNKS, OpenStore, StoreContract, vectors  # noqa: E402

from assistant.errors import IndexStateError, StoreServerError  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from assistant.store import ChromaServerStore  # noqa: E402
from assistant.wiring import Assistant  # noqa: E402

pytestmark = pytest.mark.integration
CHROMA = Path(sys.executable).parent / "chroma"
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """``chroma run --path FOLDER --port PORT``, up once its heartbeat answers."""

    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.url = f"http://localhost:{self.port}"
        self.log = folder.with_suffix(".log")
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([str(CHROMA), "run", "--path", str(folder), "--port", str(self.port)],
                                            stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while not self._beats():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"the Chroma server did not start:\n{self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)

    def _beats(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as reply:
                return bool(reply.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM, and SIGKILL if it is still running after 30 s."""
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        self.process.kill()  # a no-op once it has exited
        self.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    running = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "db")
    yield running
    running.stop()


class TestChromaServer(StoreContract):
    @pytest.fixture()
    def open_store(self, server: ChromaServer, tmp_path: Path) -> OpenStore:
        prefix = uuid.uuid4().hex[:8]  # one server for the module: each test its own collections

        def open_store(collection: str = "documents", embedding_name: str = FakeEmbedder.name,
                       max_batch: int | None = None) -> ChromaServerStore:
            return ChromaServerStore(server.url, tmp_path / "data", f"{prefix}-{collection}", embedding_name,
                                     max_batch=max_batch)

        return open_store


def test_index_reindex_remove_and_answer_against_the_server(server: ChromaServer, seeds_copy: Path,
                                                            tmp_path: Path) -> None:
    settings = load_settings(chroma_url=server.url, data_dir=tmp_path / "data", docs=[seeds_copy],
                             collection=f"seeds-{uuid.uuid4().hex[:8]}")
    real = Assistant(settings)
    assert isinstance(real.store, ChromaServerStore)
    first = real.index()
    assert len(first.added) == 5, first.summary()
    count = real.store.count()
    assert count == first.chunks_added == real.lexical.count()
    assert not (tmp_path / "data" / "chroma.sqlite3").exists()  # the vectors are on the server
    assert (tmp_path / "data" / "lexical.sqlite3").exists()

    again = real.index()
    assert again.summary().startswith("nothing to do") and real.store.count() == count  # no duplicates

    answer = real.ask("Which publication does the Pakistani editor Rao Abdul work for?")
    assert "Express Tribune" in answer.text and answer.citations

    # A second process's view: a fresh Assistant on the same server and data folder.
    reader = Assistant(settings, embedder=real.embedder, generator=real.generator)
    gone = next(f for f in reader.documents() if "Express Tribune" in " ".join(
        c.text for c in reader.store.file_chunks(f.path)))
    removed = real.remove(gone.path)
    assert removed == gone.chunks and reader.store.count() == count - removed == real.lexical.count()
    hits = reader.retriever.retrieve("Which publication does the Pakistani editor Rao Abdul work for?")
    assert gone.source not in {h.chunk.source for h in hits}
    assert gone.path not in real.store.indexed_files()


def test_a_collection_belongs_to_one_data_folder(server: ChromaServer, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    name = f"owned-{uuid.uuid4().hex[:8]}"
    store = ChromaServerStore(server.url, first, name, FakeEmbedder.name)
    store.add(CHUNKS, vectors(CHUNKS))
    with pytest.raises(IndexStateError) as err:
        ChromaServerStore(server.url, second, name, FakeEmbedder.name)
    assert str(err.value) == (
        f"the collection {name!r} on the Chroma server at {server.url} belongs to another data folder "
        f"({first.resolve()}), not {second}: each keeps its own writer lock and lexical index; use another "
        "collection (the `collection` setting), or that data folder (--data-dir, or ASSISTANT_DATA_DIR)")

    # The first folder goes on, and so does a second process on it (a server beside `assistant index`).
    assert store.count() == len(CHUNKS)
    again = ChromaServerStore(server.url, first, name, FakeEmbedder.name)
    again.delete_path(CHUNKS[0].path)
    assert store.count() == again.count() == 1
    # The second folder can have a collection of its own.
    own = f"other-{uuid.uuid4().hex[:8]}"
    other = ChromaServerStore(server.url, second, own, FakeEmbedder.name)
    other.add(CHUNKS, vectors(CHUNKS))
    assert other.count() == len(CHUNKS) and store.count() == 1
    with pytest.raises(IndexStateError, match="belongs to another data folder"):
        ChromaServerStore(server.url, first, own, FakeEmbedder.name)

    # The first folder deleted and made again at the same place (its lexical index to be rebuilt): the
    # message says how it takes the collection back.
    owner = (first / "folder-id").read_text(encoding="utf-8")
    (first / "folder-id").unlink()
    with pytest.raises(IndexStateError) as err:
        ChromaServerStore(server.url, first, name, FakeEmbedder.name)
    assert str(err.value) == (
        f"the collection {name!r} on the Chroma server at {server.url} belongs to another data folder that was "
        f"at {first.resolve()} (deleted and made again since, or on another machine): each keeps its own writer "
        f"lock and lexical index; if this folder replaces it, write its id {owner} into {first / 'folder-id'}, or "
        "use another collection (the `collection` setting)")
    (first / "folder-id").write_text(owner, encoding="utf-8")
    assert ChromaServerStore(server.url, first, name, FakeEmbedder.name).count() == 1


def test_an_empty_collection_nobody_owns_becomes_the_first_folders(server: ChromaServer, tmp_path: Path) -> None:
    """A collection made before owners were recorded, or by another program: the first data folder to use
    it while it is empty takes it, keeping its distance (cosine) and embedding model; one that already
    holds chunks is left as it was."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.HttpClient(host="localhost", port=server.port,
                                 settings=ChromaSettings(anonymized_telemetry=False))
    empty, full = f"empty-{uuid.uuid4().hex[:8]}", f"full-{uuid.uuid4().hex[:8]}"
    for name in (empty, full):
        made = client.create_collection(name, embedding_function=None,
                                        metadata={"hnsw:space": "cosine", "embedding_model": FakeEmbedder.name})
    made.add(ids=[c.id for c in CHUNKS], embeddings=vectors(CHUNKS))

    store = ChromaServerStore(server.url, tmp_path / "first", empty, FakeEmbedder.name)
    with pytest.raises(IndexStateError, match="belongs to another data folder"):
        ChromaServerStore(server.url, tmp_path / "second", empty, FakeEmbedder.name)
    store.add(CHUNKS, vectors(CHUNKS))
    (_, score), *_ = store.query(FakeEmbedder.vector(CHUNKS[2].text), 1)
    assert score == pytest.approx(1.0, abs=1e-5)  # still cosine
    with pytest.raises(IndexStateError, match=f"built with embedding model {FakeEmbedder.name!r}"):
        ChromaServerStore(server.url, tmp_path / "first", empty, "another-model")
    assert ChromaServerStore(server.url, tmp_path / "second", full, FakeEmbedder.name).count() == len(CHUNKS)


def test_an_unreachable_server_is_one_line(tmp_path: Path) -> None:
    url = f"http://localhost:{_free_port()}"
    with pytest.raises(StoreServerError) as err:
        ChromaServerStore(url, tmp_path / "data", "documents", FakeEmbedder.name)
    assert str(err.value).startswith(f"cannot reach the Chroma server at {url} (")
    assert "chroma run --path" in str(err.value) and "\n" not in str(err.value)

    done = subprocess.run([sys.executable, "-m", "assistant.cli", "index", "--data-dir", str(tmp_path / "data"),
                           str(tmp_path)], capture_output=True, text=True, timeout=600, cwd=ROOT,
                          env={**os.environ, "ASSISTANT_CHROMA_URL": url})
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [f"error: {err.value}"]


def test_a_server_that_stops_is_reported_in_one_line(tmp_path: Path) -> None:
    own = ChromaServer(tmp_path / "db")
    store = ChromaServerStore(own.url, tmp_path / "data", "documents", FakeEmbedder.name)
    assert store.count() == 0
    own.stop()
    with pytest.raises(StoreServerError, match=f"^cannot reach the Chroma server at {own.url}"):
        store.count()
