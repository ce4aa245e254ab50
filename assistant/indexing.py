"""The indexing flow: load → chunk → embed → store (terms, then vectors), idempotent per file.

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

Each file goes into two places, the vector store and the lexical index (its terms, for BM25),
in an order that a kill at any moment cannot turn into a disagreement the next run keeps:
old vectors out, then the group's terms in (one transaction, replacing what the lexical index
held of those files), then the new vectors. Removal takes the vectors out before the terms. So
whenever the vectors of a file are whole, its terms are there; a file counts as indexed only
when both hold the same version (:func:`file_states`). A file whose vectors are whole but whose
terms are missing (a folder indexed before the lexical index existed) has its terms copied in
from the stored chunks, with nothing embedded.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from assistant.chunking import Chunker
from assistant.embedding import Embedder
from assistant.errors import DocumentError, StorageError
from assistant.lexical import LexicalIndex
from assistant.loaders import find_files, load_file
from assistant.store import FileState, VectorStore
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
    terms_copied: list[str] = field(default_factory=list)  # files whose terms came from the stored chunks
    loaded: list[str] = field(default_factory=list)  # paths of the files read (indexed, updated or unchanged)
    skipped: dict[str, str] = field(default_factory=dict)  # path → why a file found was not indexed

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
        if self.terms_copied:
            lines.append(f"lexical index: terms of {len(self.terms_copied)} file(s) copied from the stored chunks")
        return "\n".join(lines)


@dataclass
class _Pending:
    document: Document
    chunks: list[Chunk]
    replaces: bool  # the store holds a complete older version of the file
    stored: bool  # the store holds chunks of the file, complete or not


def file_states(store: VectorStore, lexical: LexicalIndex, report: IndexReport | None = None) -> dict[str, FileState]:
    """What the store and the lexical index hold of each file, as one state per path.

    A file is complete when its vectors are whole and the lexical index holds the same version
    with as many chunks. Terms of a file with whole vectors that the lexical index lacks or holds
    at another version are copied in from the stored chunks first (named in ``report``). A file
    that only the lexical index holds (a run killed between removing its vectors and its terms)
    counts as stored and incomplete, so that it is written again or removed.
    """
    vectors = store.file_states()
    held = lexical.files()
    stale = {path: state for path, state in vectors.items() if state.complete and (
        path not in held or (held[path].sha256, held[path].chunks) != (state.sha256, state.chunks))}
    for path, state in sorted(stale.items()):
        lexical.replace({path: (state.sha256, store.file_chunks(path))})
        if report is not None:
            report.terms_copied.append(Path(path).name)
    orphans = {path: FileState(f.sha256, "", complete=False) for path, f in held.items() if path not in vectors}
    return vectors | orphans


def index_paths(
    paths: list[Path],
    store: VectorStore,
    lexical: LexicalIndex,
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
    states = file_states(store, lexical, report)
    pending: list[_Pending] = []
    seen: set[str] = set()
    for path in find_files(paths, report.problems, report.skipped):
        seen.add(str(path))
        try:
            _check_size(path, max_file_mb)
            # Stored under the path it was found at: a link inside a folder keeps its own name, so
            # deleting the link removes its chunks on the next run.
            document = dataclasses.replace(load_file(path), path=str(path))
        except DocumentError as exc:
            report.problems.append(str(exc))
            report.skipped[str(path)] = str(exc)
            continue
        report.loaded.append(str(path))
        state = states.get(str(path))
        # A file cut with other chunk settings, or by an older version, is cut again.
        if state and state.complete and state.sha256 == document.sha256 and state.recipe == chunker.recipe:
            report.unchanged.append(document.source)
            continue
        pending.append(_Pending(document, chunker.chunk(document), bool(state and state.complete), state is not None))
        if sum(len(p.chunks) for p in pending) >= group_chunks:
            _commit(pending, store, lexical, embedder, chunker.recipe, report, progress)
            pending = []
    _commit(pending, store, lexical, embedder, chunker.recipe, report, progress)

    for folder in (p.resolve() for p in paths if p.is_dir()):
        for gone in sorted(set(states) - seen):
            if Path(gone).is_relative_to(folder):
                report.chunks_removed += store.delete_path(gone)
                lexical.remove(gone)
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


def _commit(pending: list[_Pending], store: VectorStore, lexical: LexicalIndex, embedder: Embedder, recipe: str,
            report: IndexReport, progress: bool) -> None:
    """Embed a group of files at once, then write them; each file counts as indexed only when whole."""
    texts = [c.text for p in pending for c in p.chunks]
    if not texts:
        return
    vectors = embedder.embed(texts, progress=progress)
    try:
        _write(pending, vectors, store, lexical, recipe, report)
        return
    except StorageError:
        raise  # the folder cannot be written at all: every file would fail the same way
    except Exception:  # find the file the store refuses: the others are kept
        pass
    at = 0
    for p in pending:
        mine, at = vectors[at : at + len(p.chunks)], at + len(p.chunks)
        try:
            _write([dataclasses.replace(p, stored=True)], mine, store, lexical, recipe, report)
        except StorageError:
            raise
        except Exception as exc:
            report.problems.append(f"{p.document.source}: could not be stored ({exc}); index it again")
            report.skipped[p.document.path] = report.problems[-1]


def _write(pending: list[_Pending], vectors: list[list[float]], store: VectorStore, lexical: LexicalIndex,
           recipe: str, report: IndexReport) -> None:
    # Old (or half-written) vectors out first: a kill between this and the last new vector leaves the
    # file's vectors absent or partial, which the next run sees as new or incomplete, never as indexed.
    # The terms go in before the vectors, so that whole vectors always have their terms.
    removed = {p.document.path: store.delete_path(p.document.path) for p in pending if p.stored}
    lexical.replace({p.document.path: (p.document.sha256, p.chunks) for p in pending})
    store.add([c for p in pending for c in p.chunks], vectors, recipe)
    for p in pending:
        if p.replaces:
            report.chunks_removed += removed[p.document.path]
            report.updated.append(p.document.source)
        else:
            report.added.append(p.document.source)
        report.chunks_added += len(p.chunks)
