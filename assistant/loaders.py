"""Files → Documents, through a registry of loaders keyed by file suffix.

Add a format by registering a function that turns bytes into text (or into
:class:`~assistant.formats.Extracted`, text with the offsets where its pages start)::

    @register(".rtf")
    def _rtf(data: bytes, path: Path) -> str: ...

PDF, Word and HTML are read in :mod:`assistant.formats`.

A file that cannot be loaded raises :class:`DocumentError` with the reason;
:func:`load_paths` reports it and goes on with the rest of the batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from charset_normalizer import from_bytes

from assistant import formats
from assistant.errors import DocumentError
from assistant.formats import Extracted
from assistant.types import Document

TextLoader = Callable[[bytes, Path], str | Extracted]
_LOADERS: dict[str, TextLoader] = {}


def register(*suffixes: str) -> Callable[[TextLoader], TextLoader]:
    """Register a loader for the given suffixes (lower case, with the dot)."""

    def wrap(fn: TextLoader) -> TextLoader:
        for suffix in suffixes:
            _LOADERS[suffix.lower()] = fn
        return fn

    return wrap


def supported_suffixes() -> tuple[str, ...]:
    return tuple(sorted(_LOADERS))


def decode_text(data: bytes, path: Path) -> str:
    """Decode UTF-8 (with or without BOM); otherwise a confidently detected encoding."""
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{path.name}: looks binary (contains NUL bytes); skipped")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.chaos > 0.2:
        raise DocumentError(
            f"{path.name}: not UTF-8 and its encoding could not be detected; "
            "save it as UTF-8 and index it again"
        )
    if _single_byte(best.encoding):
        # Detection cannot tell one single-byte code page from another in a short text
        # (è in cp1252 is č in cp1250); Windows-1252 is by far the most common of them.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


_LATIN_CODE_PAGES = frozenset({
    "cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_1", "iso8859_2", "iso8859_9",
    "iso8859_3", "iso8859_4", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16",
    "mac_roman", "mac_latin2", "mac_iceland", "mac_turkish",
    "cp437", "cp775", "cp850", "cp852", "cp857", "cp858", "cp860", "cp861", "cp863", "cp865",
})


def _single_byte(encoding: str) -> bool:
    """A Latin-script single-byte code page (Cyrillic, Greek or CJK guesses are trusted)."""
    return encoding in _LATIN_CODE_PAGES


@register(".txt", ".md", ".markdown")
def _plain(data: bytes, path: Path) -> str:
    return decode_text(data, path)


@register(".pdf")
def _pdf(data: bytes, path: Path) -> Extracted:
    return formats.pdf(data, path.name)


@register(".docx")
def _docx(data: bytes, path: Path) -> Extracted:
    return formats.docx(data, path.name)


@register(".html", ".htm")
def _html(data: bytes, path: Path) -> Extracted:
    return formats.html(decode_text(data, path), path.name)


def _title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return fallback


def load_file(path: Path) -> Document:
    """Load one file into a Document, or raise DocumentError saying why not."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentError(
            f"{path.name}: unsupported format {path.suffix or '(none)'}; "
            f"supported: {', '.join(supported_suffixes())}"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot be read ({exc.strerror})") from None
    loaded = loader(data, path)
    extracted = loaded if isinstance(loaded, Extracted) else Extracted(loaded)
    if not extracted.text.strip():
        raise DocumentError(f"{path.name}: empty file; skipped")
    return Document(
        source=path.name,
        path=str(path.resolve()),
        title=_title(extracted.text, path.stem),
        text=extracted.text,
        sha256=hashlib.sha256(data).hexdigest(),
        pages=extracted.pages,
    )


def find_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file named, and every supported file under each folder named, sorted, once each."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in _LOADERS and not p.name.startswith(".")
            )
        elif path.exists():
            found = [path]
        else:
            raise DocumentError(f"{path}: no such file or folder")
        for p in found:
            if p.resolve() not in seen:
                seen.add(p.resolve())
                yield p


def load_paths(paths: Iterable[Path]) -> tuple[list[Document], list[str]]:
    """Load every file; return the documents and one problem line per skipped file."""
    documents: list[Document] = []
    problems: list[str] = []
    for path in find_files(paths):
        try:
            documents.append(load_file(path))
        except DocumentError as exc:
            problems.append(str(exc))
    return documents, problems
