"""Assistant.documents, add_upload, remove and reconfigured, over a real Chroma folder.

An upload that cannot be indexed must leave everything as it was: the uploads
folder, the index, and the folder the upload came from.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import documents
import pytest
from fakes import FakeEmbedder, FakeGenerator, source_number

from assistant.errors import DocumentError, StorageError
from assistant.llm import Generator
from assistant.store import ChromaStore, StoredFile
from assistant.uploads import clean_name
from assistant.wiring import Assistant

MILL = "The old mill at Brackwater ground flour until 1952. Its wheel is eleven metres across.\n"
MILL_AGAIN = "The old mill at Brackwater ground flour until 1961. Its wheel was painted red.\n"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def _state(assistant: Assistant) -> tuple[dict[str, bytes], dict[str, str], list[str]]:
    """Everything an upload may change: the uploads folder, the index, the chunk ids."""
    ids = sorted(c.id for c in assistant.store.all_chunks())
    return _files(assistant.settings.upload_folder), assistant.store.indexed_files(), ids


@pytest.fixture()
def incoming(tmp_path: Path) -> Path:
    """Where the browser's upload lands before it is added (Gradio's temporary folder)."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    return folder


def _upload(incoming: Path, name: str, data: bytes | str) -> Path:
    path = incoming / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# --- documents ------------------------------------------------------------------------


def test_documents_lists_each_indexed_file_with_its_chunks(indexed: Assistant, corpus: Path) -> None:
    documents = indexed.documents()
    assert [d.source for d in documents] == ["harbour.txt", "observatory.txt", "orchard.md"]
    assert [d.path for d in documents] == [str((corpus / d.source).resolve()) for d in documents]
    assert all(d.chunks >= 1 for d in documents)
    assert sum(d.chunks for d in documents) == indexed.store.count()


def test_documents_of_an_empty_index(assistant: Assistant) -> None:
    assert assistant.documents() == []


# --- add_upload -----------------------------------------------------------------------


def test_upload_is_kept_in_the_uploads_folder_and_indexed(
    indexed: Assistant, incoming: Path, embedder: FakeEmbedder
) -> None:
    calls = len(embedder.calls)
    report = indexed.add_upload(_upload(incoming, "mill.txt", MILL), "mill.txt")
    kept = indexed.settings.upload_folder / "mill.txt"
    assert report.added == ["mill.txt"] and report.problems == []
    assert kept.read_text(encoding="utf-8") == MILL
    assert [t for call in embedder.calls[calls:] for t in call] == [MILL.strip()]
    assert StoredFile("mill.txt", str(kept.resolve()), 1) in indexed.documents()
    assert len(indexed.documents()) == 4


def test_upload_is_kept_under_the_name_given_not_its_temporary_one(indexed: Assistant, incoming: Path) -> None:
    temporary = _upload(incoming, "tmp8f3a2c", MILL)  # no suffix: only the given name says .md
    report = indexed.add_upload(temporary, "mill.md")
    assert report.added == ["mill.md"]
    assert _files(indexed.settings.upload_folder) == {"mill.md": MILL.encode()}
    assert _files(incoming) == {"tmp8f3a2c": MILL.encode()}  # nothing left beside the upload


def test_upload_never_writes_over_a_file_beside_it(indexed: Assistant, incoming: Path) -> None:
    _upload(incoming, "notes.txt", "The user's own notes, not to be touched.\n")
    indexed.add_upload(_upload(incoming, "draft.txt", MILL), "notes.txt")
    assert (incoming / "notes.txt").read_text(encoding="utf-8") == "The user's own notes, not to be touched.\n"
    assert (indexed.settings.upload_folder / "notes.txt").read_text(encoding="utf-8") == MILL


def test_a_path_in_the_name_cannot_leave_the_uploads_folder(indexed: Assistant, incoming: Path) -> None:
    report = indexed.add_upload(_upload(incoming, "mill.txt", MILL), "../../outside/mill.txt")
    assert report.added == ["mill.txt"]
    assert _files(indexed.settings.upload_folder) == {"mill.txt": MILL.encode()}
    assert not (indexed.settings.data_dir.parent / "outside").exists()


def test_the_same_upload_twice_adds_nothing(indexed: Assistant, incoming: Path, embedder: FakeEmbedder) -> None:
    indexed.add_upload(_upload(incoming, "mill.txt", MILL), "mill.txt")
    before, calls = _state(indexed), len(embedder.calls)
    again = indexed.add_upload(_upload(incoming, "mill.txt", MILL), "mill.txt")
    assert not again.changed and again.unchanged == ["mill.txt"]
    assert len(embedder.calls) == calls
    assert _state(indexed) == before


def test_a_different_file_with_the_same_name_is_kept_beside_the_first(indexed: Assistant, tmp_path: Path) -> None:
    first, second, third = tmp_path / "first", tmp_path / "second", tmp_path / "third"
    for folder in (first, second, third):
        folder.mkdir()
    indexed.add_upload(_upload(first, "mill.txt", MILL), "mill.txt")
    old = {c.id for c in indexed.store.all_chunks() if c.source == "mill.txt"}
    report = indexed.add_upload(_upload(second, "mill.txt", MILL_AGAIN), "mill.txt")
    assert report.added == ["mill (2).txt"] and report.updated == [] and report.chunks_removed == 0
    assert "kept as mill (2).txt: a different file named mill.txt was uploaded before" in report.summary()
    assert _files(indexed.settings.upload_folder) == {"mill.txt": MILL.encode(), "mill (2).txt": MILL_AGAIN.encode()}
    assert {c.id for c in indexed.store.all_chunks() if c.source == "mill.txt"} == old  # the first is untouched
    second_chunks = [c for c in indexed.store.all_chunks() if c.source == "mill (2).txt"]
    assert " ".join(c.text for c in second_chunks) == MILL_AGAIN.strip()
    third_text = "The mill pond froze in 1963.\n"
    assert indexed.add_upload(_upload(third, "mill.txt", third_text), "mill.txt").added == ["mill (3).txt"]
    again = indexed.add_upload(_upload(third, "mill.txt", MILL_AGAIN), "mill.txt")  # the second one, again
    assert not again.changed and again.unchanged == ["mill (2).txt"]
    assert sorted(d.source for d in indexed.documents() if d.source.startswith("mill")) == [
        "mill (2).txt", "mill (3).txt", "mill.txt"]


def test_the_second_file_of_a_name_is_cited_under_its_kept_name(indexed: Assistant, incoming: Path,
                                                                generator: FakeGenerator) -> None:
    indexed.add_upload(_upload(incoming, "mill.txt", MILL), "mill.txt")
    other = incoming / "other"
    other.mkdir()
    indexed.add_upload(_upload(other, "mill.txt", MILL_AGAIN), "mill.txt")
    generator.queue(lambda p, g: f" The wheel was painted red [{source_number(p, 'painted red')}].\n")
    answer = indexed.ask("What colour was the wheel of the old mill at Brackwater painted?")
    cited = answer.citations[0]
    assert cited.source == "mill (2).txt" and "painted red" in cited.text


def test_a_file_left_unindexed_in_the_uploads_folder_is_taken_over(indexed: Assistant, incoming: Path) -> None:
    folder = indexed.settings.upload_folder
    folder.mkdir(parents=True)
    (folder / "mill.txt").write_text("Left by a process killed before it indexed this.\n", encoding="utf-8")
    report = indexed.add_upload(_upload(incoming, "mill.txt", MILL), "mill.txt")
    assert report.added == ["mill.txt"]
    assert _files(folder) == {"mill.txt": MILL.encode()}


def test_a_start_indexes_the_uploads_an_earlier_stop_left_unindexed(indexed: Assistant, incoming: Path,
                                                                     tmp_path: Path) -> None:
    indexed.add_upload(_upload(incoming, "kept.txt", MILL), "kept.txt")
    folder = indexed.settings.upload_folder
    (folder / "mill.txt").write_text(MILL_AGAIN, encoding="utf-8")  # copied, then the server was killed
    (folder / ".part-cut.txt").write_text("The old mill at Brack", encoding="utf-8")  # killed mid-copy
    outside = tmp_path / "outside.txt"
    outside.write_text("Not an upload.\n", encoding="utf-8")
    (folder / "link.txt").symlink_to(outside)
    report = indexed.index_left_uploads()
    assert report is not None and report.added == ["mill.txt"]
    assert sorted(Path(p).name for p in indexed.store.indexed_files()) == [
        "harbour.txt", "kept.txt", "mill.txt", "observatory.txt", "orchard.md"]
    assert sorted(p.name for p in folder.iterdir()) == ["kept.txt", "link.txt", "mill.txt"]
    assert indexed.index_left_uploads() is None  # nothing left the second time


def test_no_uploads_folder_means_nothing_left_to_index(indexed: Assistant) -> None:
    assert indexed.index_left_uploads() is None
    assert not indexed.settings.upload_folder.exists()


def test_an_upload_is_never_seen_half_written(indexed: Assistant, incoming: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    folder = indexed.settings.upload_folder
    seen: list[list[str]] = []

    def link_and_look(source: str, target: str) -> None:
        seen.append(sorted(p.name for p in folder.iterdir()))
        real_link(source, target)

    real_link = os.link
    monkeypatch.setattr(os, "link", link_and_look)
    indexed.add_upload(_upload(incoming, "mill.txt", MILL), "mill.txt")
    assert seen == [[".part-mill.txt"]]  # the name appears only once the bytes are all there
    assert _files(folder) == {"mill.txt": MILL.encode()}


def test_a_link_in_the_uploads_folder_is_never_written_through(indexed: Assistant, incoming: Path,
                                                               tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("Not the uploads folder's to change.\n", encoding="utf-8")
    folder = indexed.settings.upload_folder
    folder.mkdir(parents=True)
    (folder / "mill.txt").symlink_to(outside)
    report = indexed.add_upload(_upload(incoming, "mill.txt", MILL), "mill.txt")
    assert report.added == ["mill (2).txt"]
    assert outside.read_text(encoding="utf-8") == "Not the uploads folder's to change.\n"
    assert (folder / "mill.txt").is_symlink()


HOSTILE_NAMES = {
    "parent folders": ("../../outside/mill.txt", "mill.txt"),
    "backslashes": ("..\\..\\windows\\mill.txt", "mill.txt"),
    "absolute": ("/etc/mill.txt", "mill.txt"),
    "nul byte": ("mill\x00.txt", "mill.txt"),
    "newline": ("mill\nsecond line.txt", "millsecond line.txt"),
    "right-to-left override": ("mill\u202etxt.md", "milltxt.md"),
    "hidden": (".mill.txt", "mill.txt"),
    "dots and spaces at the ends": ("  ..mill.txt. ", "mill.txt"),
    "characters Windows refuses": ('mi:ll*?"<>|.txt', "mi_ll______.txt"),
    "decomposed accent": ("mu\u0308hle.txt", "m\u00fchle.txt"),
    "very long": ("m" * 400 + ".txt", "m" * 196 + ".txt"),
}


@pytest.mark.parametrize("case", list(HOSTILE_NAMES.values()), ids=list(HOSTILE_NAMES))
def test_a_hostile_name_is_kept_as_a_plain_name_in_the_uploads_folder(
    indexed: Assistant, incoming: Path, tmp_path: Path, case: tuple[str, str]
) -> None:
    sent, kept = case
    upload = _upload(incoming, "upload.bin.txt", MILL)
    before = sorted(p for p in tmp_path.rglob("*") if "uploads" not in p.parts and "data" not in p.parts)
    report = indexed.add_upload(upload, sent)
    assert report.added == [kept]
    assert _files(indexed.settings.upload_folder) == {kept: MILL.encode()}
    after = sorted(p for p in tmp_path.rglob("*") if "uploads" not in p.parts and "data" not in p.parts)
    assert after == before  # nothing written anywhere else


@pytest.mark.parametrize("name", ["..", "", "/", "\x00", "...", " . ", "\u202e", "a/b/"])
def test_clean_name_refuses_what_is_not_a_name(name: str) -> None:
    with pytest.raises(DocumentError, match="not a file name"):
        clean_name(name)


def test_an_upload_that_fails_to_index_is_not_left_in_the_uploads_folder(
    make_assistant: Callable[..., Assistant], incoming: Path
) -> None:
    assistant = make_assistant(max_file_mb=0.0001)  # 100 bytes: the upload limit lets it in, indexing not
    assistant.index()
    before = _state(assistant)
    with pytest.raises(DocumentError, match=r"^mill\.txt: 0\.0 MB, over the 0\.0001 MB limit \(max_file_mb\)"):
        assistant.add_upload(_upload(incoming, "mill.txt", MILL * 3), "mill.txt")
    assert _state(assistant) == before


class _FullStore:
    """The real store, except that writing chunks fails as on a full disk."""

    def __init__(self, store: ChromaStore) -> None:
        self._store = store

    def add(self, chunks: list[Any], vectors: list[Any], recipe: str = "") -> None:
        raise StorageError("the data folder is full (no space left on its disk)")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_an_upload_the_store_cannot_write_is_removed_and_the_reason_passed_on(
    indexed: Assistant, incoming: Path, embedder: FakeEmbedder
) -> None:
    before = _state(indexed)
    full = Assistant(indexed.settings, embedder=embedder, store=_FullStore(indexed.store))  # type: ignore[arg-type]
    with pytest.raises(StorageError, match="full"):
        full.add_upload(_upload(incoming, "mill.txt", MILL), "mill.txt")
    assert _state(indexed) == before


BAD_UPLOADS = {
    "empty": ("notes.txt", b"", "empty"),
    "blank": ("notes.txt", b"  \n\t\n", "empty"),
    "binary": ("notes.txt", b"PK\x03\x04\x00\x00\x08\x00binary", "binary"),
    "unsupported": ("report.odt", b"PK\x03\x04 The old mill ground flour.", "unsupported format .odt"),
    "corrupt pdf": ("report.pdf", b"%PDF-1.7 The old mill ground flour.", "not a readable PDF"),
    "scanned pdf": ("scan.pdf", documents.scanned_pdf(), "no text layer; OCR is not supported"),
    "encrypted pdf": ("locked.pdf", documents.encrypted_pdf(), "encrypted PDF"),
    "zip as docx": ("minutes.docx", documents.zip_not_docx(), "a zip archive but not a Word document"),
    "navigation only": ("menu.html", documents.navigation_only_html().encode(), "no main text found"),
    "no suffix": ("mill-notes", b"The old mill ground flour.", "unsupported format (none)"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS.values()), ids=list(BAD_UPLOADS))
def test_a_bad_upload_raises_and_changes_nothing(
    indexed: Assistant, incoming: Path, embedder: FakeEmbedder, case: tuple[str, bytes, str]
) -> None:
    name, data, reason = case
    indexed.add_upload(_upload(incoming, "kept.md", MILL), "kept.md")  # the uploads folder is not empty
    before, calls = _state(indexed), len(embedder.calls)
    upload = _upload(incoming, "upload.bin", data)
    with pytest.raises(DocumentError) as err:
        indexed.add_upload(upload, name)
    assert str(err.value).startswith(f"{name}: ") and reason in str(err.value)
    assert _state(indexed) == before
    assert len(embedder.calls) == calls
    assert sorted(_files(incoming)) == ["kept.md", "upload.bin"]


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_an_unreadable_upload_raises_and_changes_nothing(indexed: Assistant, incoming: Path, kind: str) -> None:
    upload = incoming / "gone.txt"
    if kind == "folder":
        upload.mkdir()
    before = _state(indexed)
    with pytest.raises(DocumentError, match=r"^notes\.txt: cannot be read"):
        indexed.add_upload(upload, "notes.txt")
    assert _state(indexed) == before


@pytest.mark.parametrize("name", ["..", "", "/"])
def test_an_upload_without_a_file_name_raises_and_changes_nothing(
    indexed: Assistant, incoming: Path, name: str
) -> None:
    before = _state(indexed)
    with pytest.raises(DocumentError, match="not a file name"):
        indexed.add_upload(_upload(incoming, "mill.txt", MILL), name)
    assert _state(indexed) == before


def test_a_bad_new_version_keeps_the_old_one(indexed: Assistant, incoming: Path) -> None:
    indexed.add_upload(_upload(incoming, "mill.txt", MILL), "mill.txt")
    before = _state(indexed)
    with pytest.raises(DocumentError, match="binary"):
        indexed.add_upload(_upload(incoming, "broken.txt", b"\x00\x01\x02"), "mill.txt")
    assert _state(indexed) == before
    assert (indexed.settings.upload_folder / "mill.txt").read_text(encoding="utf-8") == MILL


def test_an_upload_over_the_size_limit_is_refused_at_the_limit_accepted(
    make_assistant: Callable[..., Assistant], incoming: Path
) -> None:
    assistant = make_assistant(max_upload_mb=0.001)  # 1,000 bytes
    line = "The old mill ground flour until 1952.\n"
    text = (line * 30)[:999] + "\n"
    assert len(text.encode()) == 1000
    assert assistant.add_upload(_upload(incoming, "fits.txt", text), "fits.txt").added == ["fits.txt"]
    before = _state(assistant)
    with pytest.raises(DocumentError, match=r"^big\.txt: larger than the 0\.001 MB upload limit \(max_upload_mb\)$"):
        assistant.add_upload(_upload(incoming, "big.txt", text + "x"), "big.txt")
    assert _state(assistant) == before


def test_uploads_folder_may_be_set(make_assistant: Callable[..., Assistant], incoming: Path, tmp_path: Path) -> None:
    assistant = make_assistant(uploads_dir=tmp_path / "kept-uploads")
    assistant.add_upload(_upload(incoming, "mill.txt", MILL), "mill.txt")
    assert _files(tmp_path / "kept-uploads") == {"mill.txt": MILL.encode()}


# --- remove ---------------------------------------------------------------------------


def test_removing_an_upload_deletes_its_chunks_and_its_file(indexed: Assistant, incoming: Path) -> None:
    indexed.add_upload(_upload(incoming, "mill.txt", MILL), "mill.txt")
    kept = indexed.settings.upload_folder / "mill.txt"
    count = indexed.store.count()
    assert indexed.remove(str(kept.resolve())) == 1
    assert not kept.exists()
    assert indexed.store.count() == count - 1
    assert "mill.txt" not in [d.source for d in indexed.documents()]
    assert (incoming / "mill.txt").exists()  # the browser's copy is not ours to delete


def test_removing_another_file_keeps_it_on_disk(indexed: Assistant, corpus: Path) -> None:
    path = str((corpus / "harbour.txt").resolve())
    chunks = next(d.chunks for d in indexed.documents() if d.path == path)
    assert indexed.remove(path) == chunks
    assert (corpus / "harbour.txt").read_text(encoding="utf-8").startswith("Port Ellery Harbour")
    assert [d.source for d in indexed.documents()] == ["observatory.txt", "orchard.md"]
    assert indexed.remove(path) == 0


def test_removing_a_path_that_is_not_indexed_changes_nothing(indexed: Assistant, tmp_path: Path) -> None:
    before = _state(indexed)
    assert indexed.remove(str(tmp_path / "never-indexed.txt")) == 0
    assert _state(indexed) == before


# --- reconfigured ---------------------------------------------------------------------


def test_reconfigured_shares_the_index_and_keeps_the_same_model(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    indexed.generator  # noqa: B018  (loaded)
    other = indexed.reconfigured(top_k=1)
    assert other.settings.top_k == 1 and indexed.settings.top_k == 5
    assert other.store is indexed.store and other.embedder is indexed.embedder
    assert other.generator is generator
    assert len(other.retriever.retrieve("harbour wall orchard telescope")) == 1
    assert len(indexed.retriever.retrieve("harbour wall orchard telescope")) == 3


def test_reconfigured_with_another_model_loads_that_one(
    monkeypatch: pytest.MonkeyPatch, indexed: Assistant, generator: FakeGenerator, tmp_path: Path
) -> None:
    loaded: list[tuple[Path, int]] = []

    def resolve(model: str | None, models_dir: Path) -> Path:
        return models_dir / (model or "bundled.gguf")

    def load(path: Path, n_ctx: int, *args: object) -> Generator:
        loaded.append((path, n_ctx))
        return FakeGenerator(name=path.name)

    monkeypatch.setattr("assistant.wiring.resolve_model", resolve)
    monkeypatch.setattr("assistant.wiring.LlamaCppGenerator", load)
    other = indexed.reconfigured(model="other.gguf", models_dir=tmp_path)
    assert other.store is indexed.store
    assert other.generator is not generator and other.generator.name == "other.gguf"
    assert loaded == [(tmp_path / "other.gguf", indexed.settings.n_ctx)]
    assert indexed.generator is generator  # the one in use is untouched
    same_name_elsewhere = other.reconfigured(models_dir=tmp_path / "elsewhere")
    assert same_name_elsewhere.generator is not other.generator
    assert loaded[-1] == (tmp_path / "elsewhere" / "other.gguf", indexed.settings.n_ctx)
