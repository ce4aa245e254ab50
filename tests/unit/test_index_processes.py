"""A data folder shared by processes: `assistant index` in a subprocess (tests/fake_cli.py, the real
command line with the fake models) beside a reader in this process, two writers, read-only and full
folders. Real Chroma folders, real processes; no timings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from assistant.settings import load_settings
from assistant.store import writer_lock
from assistant.wiring import Assistant

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
FAKE_CLI = [sys.executable, str(TESTS / "fake_cli.py")]


def cli(*args: str | Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAKE_CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def _reader(data: Path) -> Assistant:
    return Assistant(load_settings(data_dir=data), embedder=FakeEmbedder())


def _dense_sources(reader: Assistant, question: str) -> list[str]:
    """Files the vector search (not BM25) finds among the hits, best first."""
    return [h.chunk.source for h in reader.retriever.retrieve(question) if h.dense_rank is not None]


def test_a_running_reader_sees_another_process_add_change_and_remove_files(tmp_path: Path) -> None:
    docs, data = tmp_path / "docs", tmp_path / "data"
    docs.mkdir()
    reader = _reader(data)
    assert reader.store.count() == 0 and reader.retriever.retrieve("breakwater") == []  # started empty

    (docs / "harbour.txt").write_text("The firm Calloway and Finch designed the breakwater.\n", encoding="utf-8")
    assert cli("index", "--data-dir", data, docs).returncode == 0
    assert _dense_sources(reader, "Who designed the breakwater?")[0] == "harbour.txt"

    (docs / "harbour.txt").write_text("The firm Dunmore Brothers designed the breakwater.\n", encoding="utf-8")
    (docs / "mill.txt").write_text("The old mill ground flour until 1952.\n", encoding="utf-8")
    done = cli("index", "--data-dir", data, docs)
    assert done.returncode == 0 and "added 1, updated 1" in done.stdout
    assert _dense_sources(reader, "Dunmore Brothers breakwater")[0] == "harbour.txt"
    assert _dense_sources(reader, "When did the mill grind flour?")[0] == "mill.txt"
    texts = " ".join(c.text for c in reader.store.all_chunks())
    assert "Dunmore" in texts and "Calloway" not in texts

    (docs / "harbour.txt").unlink()
    assert cli("index", "--data-dir", data, docs).returncode == 0
    assert "harbour.txt" not in [h.chunk.source for h in reader.retriever.retrieve("Who designed the breakwater?")]
    assert [f.source for f in reader.documents()] == ["mill.txt"]


def test_a_reader_asking_while_another_process_indexes_meets_no_error(tmp_path: Path) -> None:
    docs, data = tmp_path / "docs", tmp_path / "data"
    docs.mkdir()
    for i in range(120):
        (docs / f"note{i:03}.txt").write_text(f"Note {i} records that crate {i} held {i * 7} apples.\n" * 30,
                                             encoding="utf-8")
    reader = _reader(data)
    writer = subprocess.Popen([*FAKE_CLI, "index", "--data-dir", str(data), str(docs)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[int] = []
    while writer.poll() is None:  # no error may escape from any of these while the writer works
        reader.retriever.retrieve("How many apples did crate 7 hold?")
        seen.append(reader.store.count())
    out, err = writer.communicate()
    assert writer.returncode == 0, err
    assert seen == sorted(seen), "a reader saw chunks vanish during a run that only adds"
    assert len({f.source for f in reader.documents()}) == 120
    assert _dense_sources(reader, "Note 77 records that crate 77 held 539 apples")[0] == "note077.txt"


def test_a_second_writer_is_told_clearly_and_readers_are_not_blocked(tmp_path: Path) -> None:
    docs, data = tmp_path / "docs", tmp_path / "data"
    docs.mkdir()
    (docs / "a.txt").write_text("Apples grow on the hill.\n", encoding="utf-8")
    assert cli("index", "--data-dir", data, docs).returncode == 0
    reader = _reader(data)
    with writer_lock(data):
        second = cli("index", "--data-dir", data, docs)
        assert second.returncode == 2
        assert second.stderr.startswith("error: another process (pid ") and "is writing to the index" in second.stderr
        assert "Traceback" not in second.stderr
        assert reader.store.count() == 1 and reader.retriever.retrieve("apples")  # reading goes on

        waiting = subprocess.Popen([*FAKE_CLI, "index", "--data-dir", str(data), str(docs)],
                                   env={**os.environ, "ASSISTANT_WRITER_WAIT_S": "300"},
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert waiting.stderr is not None
        assert "waiting for it" in waiting.stderr.readline()  # it says so, then waits for the lock
    out, _ = waiting.communicate(timeout=300)
    assert waiting.returncode == 0 and out.startswith("nothing to do")


def _mount_namespace() -> list[str]:
    """A private mount namespace, where the test may mount without touching the machine's mounts."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-m", "mount", "-t", "tmpfs", "none", "/mnt"],
                                         capture_output=True).returncode != 0:
        pytest.skip("mounting in a private namespace (unshare -m) is not permitted here")
    return [unshare, "-m", "sh", "-c"]


def _in_namespace(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_mount_namespace(), script], capture_output=True, text=True, timeout=300)


def test_a_read_only_index_can_be_asked_but_not_written(tmp_path: Path) -> None:
    docs, data = tmp_path / "docs", tmp_path / "data"
    docs.mkdir()
    (docs / "harbour.txt").write_text("Calloway and Finch designed the breakwater.\n", encoding="utf-8")
    assert cli("index", "--data-dir", data, docs).returncode == 0
    run = " ".join(FAKE_CLI)
    # A read-only bind mount: chmod would not do, as tests may run as root, which ignores it.
    done = _in_namespace(f"mount --bind -o ro {data} {data} && "
                         f"{run} ask --data-dir {data} 'Who designed the breakwater?' && "
                         f"echo ---; {run} index --data-dir {data} {docs}; echo status $?")
    asked, indexed = done.stdout.split("---\n")
    assert "Calloway and Finch designed the breakwater" in asked and "[1] harbour.txt" in asked
    assert indexed == "status 2\n"
    assert done.stderr.strip().splitlines() == [
        f"error: the data folder {data} cannot be written (read-only or no permission); "
        "index into a folder you can write (--data-dir, or ASSISTANT_DATA_DIR)"]


def test_a_full_data_folder_stops_the_run_with_one_line(tmp_path: Path) -> None:
    docs, disk = tmp_path / "docs", tmp_path / "disk"
    docs.mkdir()
    disk.mkdir()
    for i in range(40):
        (docs / f"f{i}.txt").write_text(f"Sentence {i} about the harbour wall and its stones.\n" * 200,
                                        encoding="utf-8")
    run = " ".join(FAKE_CLI)
    done = _in_namespace(f"mount -t tmpfs -o size=400k none {disk} && "
                         f"{run} index --data-dir {disk}/data {docs}; echo status $?")
    assert done.stdout.endswith("status 2\n")
    assert done.stderr.strip().splitlines() == [
        f"error: the data folder {disk}/data is full (no space left on its disk); free some space and "
        "run `assistant index` again (what was indexed before is kept)"]
