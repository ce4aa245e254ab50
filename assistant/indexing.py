"""The indexing flow: load → chunk → embed → store, idempotent per file.

A file whose sha256 is already in the store is skipped; a changed file has all
its old chunks deleted before its new ones go in; an indexed file that is gone
from a folder being indexed has its chunks removed. A file that fails to load is
reported and whatever the index held for it stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.chunking import Chunker
from assistant.embedding import Embedder
from assistant.errors import DocumentError
from assistant.loaders import find_files, load_file
from assistant.store import VectorStore
from assistant.types import Chunk


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
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
        lines = [head] + [f"skipped: {p}" for p in self.problems]
        return "\n".join(lines)


def index_paths(
    paths: list[Path],
    store: VectorStore,
    embedder: Embedder,
    chunker: Chunker,
    progress: bool = False,
) -> IndexReport:
    """Bring the store in line with the files under ``paths``."""
    report = IndexReport()
    indexed = store.indexed_files()
    recipes = store.recipes()
    pending: list[Chunk] = []
    seen: set[str] = set()
    for path in find_files(paths):
        resolved = str(path.resolve())
        seen.add(resolved)
        try:
            document = load_file(path)
        except DocumentError as exc:
            report.problems.append(str(exc))
            continue
        old_sha = indexed.get(resolved)
        # A file cut with other chunk settings, or by an older version, is cut again.
        if old_sha == document.sha256 and recipes.get(resolved) == chunker.recipe:
            report.unchanged.append(document.source)
            continue
        if old_sha is not None:
            report.chunks_removed += store.delete_path(resolved)
            report.updated.append(document.source)
        else:
            report.added.append(document.source)
        pending.extend(chunker.chunk(document))

    for folder in (p.resolve() for p in paths if p.is_dir()):
        for gone in sorted(set(indexed) - seen):
            if Path(gone).is_relative_to(folder) and not Path(gone).exists():
                report.chunks_removed += store.delete_path(gone)
                report.removed.append(Path(gone).name)

    if pending:
        vectors = embedder.embed([c.text for c in pending], progress=progress)
        store.add(pending, vectors, chunker.recipe)
        report.chunks_added = len(pending)
    return report
