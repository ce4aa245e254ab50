"""index_paths with the real ChromaStore and the FakeEmbedder: idempotent per file."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from assistant.indexing import IndexReport
from assistant.wiring import Assistant


def _ids_by_path(assistant: Assistant) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for c in assistant.store.all_chunks():
        out.setdefault(Path(c.path).name, set()).add(c.id)
    return out


def test_first_run_embeds_every_chunk_once(assistant: Assistant, embedder: FakeEmbedder) -> None:
    report = assistant.index()
    assert sorted(report.added) == ["harbour.txt", "observatory.txt", "orchard.md"]
    assert report.updated == report.removed == report.unchanged == report.problems == []
    assert len(embedder.calls) == 1
    assert report.chunks_added == len(embedder.embedded) == assistant.store.count()
    assert sorted(embedder.embedded) == sorted(c.text for c in assistant.store.all_chunks())
    assert report.summary().startswith("added 3, updated 0, removed 0, unchanged 0 file(s); ")


def test_second_run_embeds_nothing_and_says_so(indexed: Assistant, embedder: FakeEmbedder) -> None:
    calls, before = len(embedder.calls), _ids_by_path(indexed)
    report = indexed.index()
    assert len(embedder.calls) == calls
    assert not report.changed
    assert sorted(report.unchanged) == ["harbour.txt", "observatory.txt", "orchard.md"]
    assert report.chunks_added == report.chunks_removed == 0
    assert report.summary() == "nothing to do: 3 file(s) unchanged, nothing embedded"
    assert _ids_by_path(indexed) == before


def test_other_chunk_settings_cut_every_file_again_once(
    indexed: Assistant, make_assistant: Callable[..., Assistant], monkeypatch: pytest.MonkeyPatch
) -> None:
    smaller = make_assistant(chunk_tokens=24, chunk_overlap_tokens=8)
    report = smaller.index()
    assert sorted(report.updated) == ["harbour.txt", "observatory.txt", "orchard.md"]
    assert smaller.store.count() > indexed.store.count() or report.chunks_added > 0
    assert set(smaller.store.recipes().values()) == {smaller.chunker.recipe}
    assert not smaller.index().changed
    # An index cut by an older chunker (or one that stored no recipe) is cut again too.
    monkeypatch.setattr("assistant.chunking.CHUNKING_VERSION", 99)
    again = make_assistant(chunk_tokens=24, chunk_overlap_tokens=8).index()
    assert sorted(again.updated) == ["harbour.txt", "observatory.txt", "orchard.md"]


def test_changed_file_replaces_all_its_chunks(
    indexed: Assistant, embedder: FakeEmbedder, corpus: Path
) -> None:
    before = _ids_by_path(indexed)
    calls = len(embedder.calls)
    path = corpus / "harbour.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("1987", "1989"), encoding="utf-8")

    report = indexed.index()
    after = _ids_by_path(indexed)
    assert report.updated == ["harbour.txt"]
    assert report.added == report.removed == []
    assert sorted(report.unchanged) == ["observatory.txt", "orchard.md"]
    assert report.chunks_removed == len(before["harbour.txt"])
    assert not before["harbour.txt"] & after["harbour.txt"], "an old chunk id survived"
    assert {k: v for k, v in after.items() if k != "harbour.txt"} == {
        k: v for k, v in before.items() if k != "harbour.txt"
    }
    new_texts = [t for call in embedder.calls[calls:] for t in call]
    assert new_texts and all("Calloway" in t or "1989" in t or "crab" in t for t in new_texts)
    assert "1989" in " ".join(c.text for c in indexed.store.all_chunks())
    assert "1987" not in " ".join(c.text for c in indexed.store.all_chunks())
    assert indexed.index().summary().startswith("nothing to do")


def test_deleted_file_chunks_are_removed(indexed: Assistant, embedder: FakeEmbedder, corpus: Path) -> None:
    before = _ids_by_path(indexed)
    calls = len(embedder.calls)
    (corpus / "orchard.md").unlink()
    report = indexed.index()
    assert report.removed == ["orchard.md"]
    assert report.chunks_removed == len(before["orchard.md"])
    assert len(embedder.calls) == calls
    assert "orchard.md" not in _ids_by_path(indexed)
    assert str((corpus / "orchard.md").resolve()) not in indexed.store.indexed_files()
    assert "removed 1" in report.summary()


def test_indexing_one_file_does_not_remove_other_files(indexed: Assistant, corpus: Path) -> None:
    (corpus / "orchard.md").unlink()
    report = indexed.index([corpus / "harbour.txt"])
    assert report.unchanged == ["harbour.txt"]
    assert report.removed == []
    assert "orchard.md" in _ids_by_path(indexed)


def test_bad_files_are_skipped_and_reported_while_the_others_index(
    assistant: Assistant, corpus: Path
) -> None:
    (corpus / "broken.txt").write_bytes(b"PK\x03\x04\x00\x00binary")
    (corpus / "empty.md").write_bytes(b"")
    report = assistant.index()
    assert sorted(report.added) == ["harbour.txt", "observatory.txt", "orchard.md"]
    assert len(report.problems) == 2
    assert report.problems[0].startswith("broken.txt:") and "binary" in report.problems[0]
    assert report.problems[1].startswith("empty.md:") and "empty" in report.problems[1]
    summary = report.summary().splitlines()
    assert summary[1:] == [f"skipped: {p}" for p in report.problems]
    assert set(_ids_by_path(assistant)) == {"harbour.txt", "observatory.txt", "orchard.md"}


@pytest.mark.parametrize("damage", [b"\x00\x01\x02 overwritten", b""], ids=["binary", "empty"])
def test_indexed_file_that_becomes_unreadable_keeps_its_old_chunks(
    indexed: Assistant, embedder: FakeEmbedder, corpus: Path, damage: bytes
) -> None:
    before = _ids_by_path(indexed)
    calls = len(embedder.calls)
    (corpus / "harbour.txt").write_bytes(damage)
    report = indexed.index()
    assert len(report.problems) == 1 and report.problems[0].startswith("harbour.txt:")
    assert report.removed == report.updated == []
    assert len(embedder.calls) == calls
    assert _ids_by_path(indexed) == before


def test_new_file_is_added_alone(indexed: Assistant, embedder: FakeEmbedder, corpus: Path) -> None:
    calls = len(embedder.calls)
    (corpus / "sub").mkdir()
    (corpus / "sub" / "mill.txt").write_text("The old mill ground flour until 1952.\n", encoding="utf-8")
    report = indexed.index()
    assert report.added == ["mill.txt"]
    assert len(report.unchanged) == 3
    assert [t for call in embedder.calls[calls:] for t in call] == ["The old mill ground flour until 1952."]


def test_report_changed_and_summary_counts() -> None:
    report = IndexReport(added=["a"], removed=["b"], unchanged=["c", "d"], problems=["x.txt: empty"],
                         chunks_added=4, chunks_removed=2)
    assert report.changed
    assert report.summary() == (
        "added 1, updated 0, removed 1, unchanged 2 file(s); 4 chunk(s) embedded, 2 removed\n"
        "skipped: x.txt: empty"
    )


def test_identical_copies_in_two_folders_both_index(assistant: Assistant, corpus: Path) -> None:
    (corpus / "backup").mkdir()
    shutil.copy(corpus / "harbour.txt", corpus / "backup" / "harbour.txt")
    report = assistant.index()
    assert len(report.added) == 4
    assert len(assistant.store.indexed_files()) == 4


def test_a_file_named_twice_is_indexed_once(assistant: Assistant, corpus: Path) -> None:
    report = assistant.index([corpus, corpus / "harbour.txt"])
    assert sorted(report.added) == ["harbour.txt", "observatory.txt", "orchard.md"]
