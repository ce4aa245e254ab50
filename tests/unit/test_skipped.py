"""data_dir/skipped.json: what each index run found but could not read, for the page's Documents tab.

Real bad files (a scanned PDF, an encrypted one, a corrupt one, a zip renamed .docx, a page of
navigation only), fake models and a real Chroma folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import documents
import pytest

from assistant import skipped
from assistant.store import read_generation
from assistant.wiring import Assistant

BAD = {
    "scan.pdf": (documents.scanned_pdf(), "no text layer; OCR is not supported"),
    "locked.pdf": (documents.encrypted_pdf(), "encrypted PDF (it needs a password)"),
    "broken.pdf": (b"%PDF-1.7\n" + b"\x00garbage" * 40, "not a readable PDF"),
    "archive.docx": (documents.zip_not_docx(), "a zip archive but not a Word document"),
    "menu.html": (documents.navigation_only_html().encode(), "no main text found"),
}
T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 12, 4, 13, 30, tzinfo=UTC)


@pytest.fixture()
def with_bad_files(corpus: Path) -> Path:
    for name, (data, _) in BAD.items():
        (corpus / name).write_bytes(data)
    return corpus


def _recorded(data_dir: Path) -> dict[str, skipped.Entry]:
    return {e.name: e for e in skipped.read(data_dir)}


def test_an_index_run_records_each_bad_file_with_its_reason(
        with_bad_files: Path, make_assistant: Callable[..., Assistant], data_dir: Path) -> None:
    assistant = make_assistant()
    report = assistant.index()
    recorded = _recorded(data_dir)
    assert sorted(recorded) == sorted(BAD), report.summary()
    for name, (_, reason) in BAD.items():
        assert recorded[name].reason.startswith(reason), recorded[name]
        assert recorded[name].path == str(with_bad_files.resolve() / name)
        assert f"skipped: {name}: {recorded[name].reason}" in report.summary()  # what the command line says
    assert "harbour.txt" not in recorded and "harbour.txt" in report.added
    raw = json.loads((data_dir / skipped.SKIPPED_FILE).read_text(encoding="utf-8"))
    assert {e["name"] for e in raw} == set(BAD) and all(e["since"] for e in raw)


def test_a_file_indexed_later_or_deleted_drops_out_and_a_file_not_looked_at_stays(
        with_bad_files: Path, make_assistant: Callable[..., Assistant], data_dir: Path, tmp_path: Path) -> None:
    assistant = make_assistant()
    assistant.index()
    (with_bad_files / "scan.pdf").write_bytes(documents.pdf([[("p", "The scan was redone with a text layer.")]]))
    (with_bad_files / "menu.html").unlink()
    other = tmp_path / "other"
    other.mkdir()
    (other / "note.txt").write_text("The other folder holds a note.\n", encoding="utf-8")
    report = assistant.index([other])  # a run that does not look at the first folder keeps its files there
    assert report.added == ["note.txt"]
    assert sorted(_recorded(data_dir)) == ["archive.docx", "broken.pdf", "locked.pdf", "scan.pdf"]  # menu.html: gone
    report = assistant.index()
    assert "scan.pdf" in report.added
    assert sorted(_recorded(data_dir)) == ["archive.docx", "broken.pdf", "locked.pdf"]


def test_the_generation_moves_when_the_list_changes_and_only_then(
        with_bad_files: Path, make_assistant: Callable[..., Assistant], data_dir: Path) -> None:
    assistant = make_assistant()
    assistant.index()
    before = read_generation(data_dir)
    assistant.index()  # the same files, the same reasons: nothing to tell a page
    assert read_generation(data_dir) == before
    (with_bad_files / "archive.docx").unlink()  # the store is not written: only the list changes
    report = assistant.index()
    assert not report.changed
    assert read_generation(data_dir) != before  # so every open page reads the list again


def test_a_file_skipped_again_keeps_its_time_unless_the_reason_changed(tmp_path: Path) -> None:
    scan, locked = tmp_path / "scan.pdf", tmp_path / "locked.pdf"
    scan.write_bytes(b"x")
    locked.write_bytes(b"x")
    first = skipped.updated([], [], {str(scan): "scan.pdf: no text layer", str(locked): "locked.pdf: encrypted"}, T0)
    again = skipped.updated(first, [], {str(scan): "scan.pdf: no text layer", str(locked): "locked.pdf: damaged"}, T1)
    by_name = {e.name: e for e in again}
    assert by_name["scan.pdf"] == first[1] and by_name["scan.pdf"].when == "2026-12-04 12:00 UTC"
    assert (by_name["locked.pdf"].reason, by_name["locked.pdf"].when) == ("damaged", "2026-12-04 13:30 UTC")
    assert skipped.updated(again, [str(scan)], {}, T1) == [by_name["locked.pdf"]]  # read now: out


def test_a_file_indexed_before_and_broken_now_is_recorded(corpus: Path, make_assistant: Callable[..., Assistant],
                                                           data_dir: Path) -> None:
    assistant = make_assistant()
    assistant.index()
    (corpus / "harbour.txt").write_bytes(b"\x00\x01binary now\x00")
    report = assistant.index()
    assert "harbour.txt" in _recorded(data_dir), report.summary()
    assert any(p.endswith("harbour.txt") for p in assistant.store.indexed_files())  # its old version stays


def test_a_damaged_list_reads_as_empty_and_the_next_run_writes_it_afresh(
        with_bad_files: Path, make_assistant: Callable[..., Assistant], data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / skipped.SKIPPED_FILE).write_text("[{not json", encoding="utf-8")
    assert skipped.read(data_dir) == []
    make_assistant().index()
    assert sorted(_recorded(data_dir)) == sorted(BAD)


def test_the_page_shows_names_and_reasons_as_text_never_a_path(tmp_path: Path) -> None:
    hostile = tmp_path / "<img src=x onerror=alert(1)>.pdf"
    hostile.write_bytes(b"x")
    entries = skipped.updated([], [], {str(hostile): f"{hostile.name}: no text layer; OCR is not supported"}, T0)
    shown = skipped.markdown(entries)
    assert "<img" not in shown and "&#60;img src=x onerror=alert&#40;1&#41;&#62;.pdf" in shown
    assert "no text layer; OCR is not supported" in shown and "since 2026-12-04 12:00 UTC" in shown
    assert str(tmp_path) not in shown
    assert skipped.markdown([]) == ""


def test_what_the_folder_walk_does_not_take_is_recorded_too_without_a_path_outside(
        corpus: Path, make_assistant: Callable[..., Assistant], data_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("A file outside the indexed folder.\n", encoding="utf-8")
    (corpus / "secret.txt").symlink_to(secret)
    (corpus / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(corpus / "pipe.txt")
    report = make_assistant().index()
    recorded = _recorded(data_dir)
    assert recorded["secret.txt"].reason == "a link to a file outside the indexed folder; not followed"
    assert recorded["gone.txt"].reason == "a broken link or a link loop; skipped"
    assert recorded["pipe.txt"].reason == "a named pipe (FIFO), not a file; skipped"
    shown = skipped.markdown(skipped.read(data_dir))
    assert str(secret) not in shown and "outside" in shown
    assert f"{secret}" in report.summary()  # the command line names the link's target
    (corpus / "gone.txt").unlink()  # a link deleted drops out at the next run
    make_assistant().index()
    assert "gone.txt" not in _recorded(data_dir)
