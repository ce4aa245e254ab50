"""Bad files, links and limits: each reported with its reason while the good files index; batches the
store accepts; a file caught half-written counts as not indexed; questions over the limits."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeEmbedder

from assistant.chunking import Chunker, chunk_id
from assistant.errors import QuestionError
from assistant.indexing import index_paths
from assistant.lexical import LexicalIndex
from assistant.settings import load_settings
from assistant.store import ChromaStore
from assistant.tokens import TiktokenCounter
from assistant.types import Chunk
from assistant.wiring import Assistant

TESTS = Path(__file__).resolve().parents[1]


def _bad_corpus(tmp_path: Path) -> tuple[Path, Path]:
    docs, outside = tmp_path / "docs", tmp_path / "outside"
    docs.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("The vault code is 4711.\n", encoding="utf-8")
    (docs / "good.txt").write_text("The harbour wall was rebuilt in 1987.\n", encoding="utf-8")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "binary.txt").write_bytes(b"PK\x03\x04\x00\x00\x01\x02")
    (docs / "latin1.txt").write_bytes("Le café de la gare ouvre à sept heures.\n".encode("latin-1"))
    (docs / "utf16.txt").write_bytes("The ferry leaves at noon.\n".encode("utf-16"))
    (docs / "huge.txt").write_text("Too big to read. " * 70_000, encoding="utf-8")  # 1.2 MB
    (docs / "passwd.txt").symlink_to("/etc/passwd")
    (docs / "secret.txt").symlink_to(outside / "secret.txt")
    (docs / "alias.txt").symlink_to(docs / "good.txt")  # inside the folder: the same file, once
    (docs / "loop.txt").symlink_to(docs / "loop.txt")
    (docs / "up").symlink_to(docs)  # a folder loop
    (docs / "elsewhere").symlink_to(outside)
    os.mkfifo(docs / "pipe.txt")
    return docs, tmp_path / "missing"


def test_bad_files_are_each_reported_and_the_good_ones_indexed_in_a_real_process(tmp_path: Path) -> None:
    docs, missing = _bad_corpus(tmp_path)
    # A process, with a timeout: a FIFO opened by mistake would block it forever.
    done = subprocess.run([sys.executable, str(TESTS / "fake_cli.py"), "index", "--data-dir",
                           str(tmp_path / "data"), str(missing), str(docs)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "ASSISTANT_MAX_FILE_MB": "1"})
    assert done.returncode == 0, done.stderr
    head, *skipped = done.stdout.splitlines()
    assert head.startswith("added 3, updated 0, removed 0, unchanged 0 file(s)")  # good, latin1, utf16
    reasons = {line.split(": ")[1].rsplit("/", 1)[-1]: line for line in skipped}
    assert set(reasons) == {"missing", "empty.txt", "binary.txt", "huge.txt", "passwd.txt", "secret.txt",
                            "loop.txt", "elsewhere", "pipe.txt"}, skipped
    assert "no such file or folder" in reasons["missing"]
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "over the 1 MB limit" in reasons["huge.txt"]
    assert "a link to /etc/passwd, outside" in reasons["passwd.txt"] and "not followed" in reasons["passwd.txt"]
    assert "outside" in reasons["secret.txt"] and "outside" in reasons["elsewhere"]
    assert "link loop" in reasons["loop.txt"]
    assert "named pipe (FIFO)" in reasons["pipe.txt"]

    store = ChromaStore(tmp_path / "data", "documents", FakeEmbedder.name)
    texts = " ".join(c.text for c in store.all_chunks())
    assert "ferry leaves at noon" in texts and "café de la gare" in texts and "rebuilt in 1987" in texts
    assert "root:" not in texts and "4711" not in texts
    assert sorted(f.source for f in store.files()) == ["good.txt", "latin1.txt", "utf16.txt"]


def test_chunks_of_a_deleted_link_are_removed_on_the_next_run(assistant: Assistant, tmp_path: Path) -> None:
    docs = tmp_path / "linked"
    (docs / "data").mkdir(parents=True)
    (docs / "data" / "notes.log").write_text("The lighthouse keeper logs every ship.\n", encoding="utf-8")
    (docs / "notes.txt").symlink_to(docs / "data" / "notes.log")  # a link inside the folder is followed
    first = assistant.index([docs])
    assert first.added == ["notes.txt"] and [f.source for f in assistant.documents()] == ["notes.txt"]
    (docs / "notes.txt").unlink()
    second = assistant.index([docs])
    assert second.removed == ["notes.txt"] and assistant.documents() == []


def _store(tmp_path: Path, max_batch: int | None = None) -> ChromaStore:
    return ChromaStore(tmp_path / "data", "documents", FakeEmbedder.name, max_batch=max_batch)


def test_more_chunks_than_chromas_largest_batch_are_stored(tmp_path: Path) -> None:
    store = _store(tmp_path)
    limit = store.max_batch
    assert limit == store._client.get_max_batch_size()
    chunks = [Chunk(chunk_id("/d/long.txt", i, f"Crate {i} held apples."), "long.txt", "/d/long.txt", "Long",
                    f"Crate {i} held apples.", i, i + 1, "sha-long") for i in range(limit + 200)]
    store.add(chunks, FakeEmbedder().embed([c.text for c in chunks]))
    assert store.count() == limit + 200
    assert store.indexed_files() == {"/d/long.txt": "sha-long"}
    assert store.delete_path("/d/long.txt") == limit + 200 and store.count() == 0


class _Killed(BaseException):
    """Like SIGKILL, nothing in the indexing flow catches it."""


class _DiesAfter(ChromaStore):
    """A store whose process 'dies' (raises) after a number of batch writes."""

    def __init__(self, folder: Path, writes: int, max_batch: int) -> None:
        super().__init__(folder, "documents", FakeEmbedder.name, max_batch=max_batch)
        self.writes = writes

    def _call(self, action: Any, write: bool = False) -> Any:
        if write:
            if self.writes == 0:
                raise _Killed
            self.writes -= 1
        return super()._call(action, write)


@pytest.mark.parametrize("writes", [1, 2, 4, 7])
def test_a_run_stopped_between_batches_is_completed_by_the_next(corpus: Path, tmp_path: Path, writes: int) -> None:
    chunker = Chunker(TiktokenCounter(), 16, 4)  # several chunks a file, two a batch: files span batches
    clean = _store(tmp_path / "clean", max_batch=2)
    clean_terms = LexicalIndex(tmp_path / "clean" / "data")
    index_paths([corpus], clean, clean_terms, FakeEmbedder(), chunker)
    assert all(n > 2 for n in Counter(c.path for c in clean.all_chunks()).values())

    dying = _DiesAfter(tmp_path / "torn" / "data", writes, max_batch=2)
    with pytest.raises(_Killed):
        index_paths([corpus], dying, LexicalIndex(tmp_path / "torn" / "data"), FakeEmbedder(), chunker,
                    group_chunks=1)
    kept = dying.indexed_files()
    assert len(kept) < len(clean.indexed_files()) and dying.count() > 0
    rerun = _store(tmp_path / "torn", max_batch=2)
    terms = LexicalIndex(tmp_path / "torn" / "data")
    report = index_paths([corpus], rerun, terms, FakeEmbedder(), chunker)
    assert sorted(report.unchanged) == sorted(Path(p).name for p in kept)
    assert sorted(c.id for c in rerun.all_chunks()) == sorted(c.id for c in clean.all_chunks())
    assert rerun.indexed_files() == clean.indexed_files()
    assert terms.files() == clean_terms.files()
    assert index_paths([corpus], rerun, terms, FakeEmbedder(), chunker).summary().startswith("nothing to do")


@pytest.mark.parametrize("question", ["x" * 2001, "Who built it?\udcff", "\ud800"])
def test_a_question_over_the_limit_or_not_valid_text_is_refused_before_any_work(
    assistant: Assistant, question: str
) -> None:
    with pytest.raises(QuestionError) as caught:
        assistant.ask(question)
    assert "max_question_chars" in str(caught.value) or "not valid text" in str(caught.value)
    assert assistant.generator.calls == []  # type: ignore[attr-defined]


def test_the_question_limit_is_a_setting(tmp_path: Path) -> None:
    assert load_settings().max_question_chars == 2000
    assert load_settings(max_question_chars=10).max_question_chars == 10
