"""The indexing flow: load → chunk → embed → store, idempotent per file.

A file whose sha256 is already in the store is skipped; a changed file has all
its old chunks deleted before its new ones go in; an indexed file that is gone
from a folder being indexed has its chunks removed. A file that fails to load is
reported and whatever the index held for it stays.

Work is committed as it goes, a group of files at a time (about ``group_chunks``
chunks, so the embedder sees full batches and the store few calls): the group is
embedded, the old chunks of its files go out, then its chunks go in, in batches
the store accepts. A run killed at any moment keeps every file written before the
kill; a file caught half-written does not count as indexed (the store checks each
file's chunk count), so the next run writes it again and ends equal to a clean run.
When the store refuses a group, its files are written one by one, so only the file
it refuses is reported and the rest kept.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from assistant.chunking import Chunker
from assistant.embedding import Embedder
from assistant.errors import DocumentError, StorageError
from assistant.loaders import find_files, load_file
from assistant.store import VectorStore
from assistant.types import Chunk, Document


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what a user should know that is not a problem
    chunks_added: int = 0
    chunks_removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        if not self.changed:
            head = f"nothing to do: {len(self.unchanged)} file(s) unchanged, nothing embedded"
        else:
            head = (
                f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
                f"unchanged {len(self.unchanged)} file(s); "
                f"{self.chunks_added} chunk(s) embedded, {self.chunks_removed} removed"
            )
        lines = [head] + [f"skipped: {p}" for p in self.problems] + self.notes
        return "\n".join(lines)


@dataclass
class _Pending:
    document: Document
    chunks: list[Chunk]
    replaces: bool  # the store holds a complete older version of the file
    stored: bool  # the store holds chunks of the file, complete or not


def index_paths(
    paths: list[Path],
    store: VectorStore,
    embedder: Embedder,
    chunker: Chunker,
    progress: bool = False,
    max_file_mb: float | None = None,
    group_chunks: int = 256,
) -> IndexReport:
    """Bring the store in line with the files under ``paths``.

    ``max_file_mb``: a larger file is reported and skipped (what the index held for it stays).
    """
    report = IndexReport()
    states = store.file_states()
    pending: list[_Pending] = []
    seen: set[str] = set()
    for path in find_files(paths, report.problems):
        seen.add(str(path))
        try:
            _check_size(path, max_file_mb)
            # Stored under the path it was found at: a link inside a folder keeps its own name, so
            # deleting the link removes its chunks on the next run.
            document = dataclasses.replace(load_file(path), path=str(path))
        except DocumentError as exc:
            report.problems.append(str(exc))
            continue
        state = states.get(str(path))
        # A file cut with other chunk settings, or by an older version, is cut again.
        if state and state.complete and state.sha256 == document.sha256 and state.recipe == chunker.recipe:
            report.unchanged.append(document.source)
            continue
        pending.append(_Pending(document, chunker.chunk(document), bool(state and state.complete), state is not None))
        if sum(len(p.chunks) for p in pending) >= group_chunks:
            _commit(pending, store, embedder, chunker.recipe, report, progress)
            pending = []
    _commit(pending, store, embedder, chunker.recipe, report, progress)

    for folder in (p.resolve() for p in paths if p.is_dir()):
        for gone in sorted(set(states) - seen):
            if Path(gone).is_relative_to(folder):
                report.chunks_removed += store.delete_path(gone)
                report.removed.append(Path(gone).name)
    return report


def _check_size(path: Path, max_file_mb: float | None) -> None:
    if max_file_mb is None:
        return
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot be read ({exc.strerror})") from None
    if size > max_file_mb * 1_000_000:
        raise DocumentError(
            f"{path.name}: {size / 1_000_000:.1f} MB, over the {max_file_mb:g} MB limit (max_file_mb); skipped"
        )


def _commit(pending: list[_Pending], store: VectorStore, embedder: Embedder, recipe: str,
            report: IndexReport, progress: bool) -> None:
    """Embed a group of files at once, then write them; each file counts as indexed only when whole."""
    texts = [c.text for p in pending for c in p.chunks]
    if not texts:
        return
    vectors = embedder.embed(texts, progress=progress)
    try:
        _write(pending, vectors, store, recipe, report)
        return
    except StorageError:
        raise  # the folder cannot be written at all: every file would fail the same way
    except Exception:  # find the file the store refuses: the others are kept
        pass
    at = 0
    for p in pending:
        mine, at = vectors[at : at + len(p.chunks)], at + len(p.chunks)
        try:
            _write([dataclasses.replace(p, stored=True)], mine, store, recipe, report)
        except StorageError:
            raise
        except Exception as exc:
            report.problems.append(f"{p.document.source}: could not be stored ({exc}); index it again")


def _write(pending: list[_Pending], vectors: list[list[float]], store: VectorStore, recipe: str,
           report: IndexReport) -> None:
    # Old (or half-written) chunks out first: a kill between the two leaves the file absent, which
    # the next run sees as new, never as indexed.
    removed = {p.document.path: store.delete_path(p.document.path) for p in pending if p.stored}
    store.add([c for p in pending for c in p.chunks], vectors, recipe)
    for p in pending:
        if p.replaces:
            report.chunks_removed += removed[p.document.path]
            report.updated.append(p.document.source)
        else:
            report.added.append(p.document.source)
        report.chunks_added += len(p.chunks)
