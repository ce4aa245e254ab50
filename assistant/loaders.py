"""Files → Documents, through a registry of loaders keyed by file suffix.

Add a format by registering a function that turns bytes into text (or into
:class:`~assistant.formats.Extracted`, text with the offsets where its pages start)::

    @register(".rtf")
    def _rtf(data: bytes, path: Path) -> str: ...

PDF, Word and HTML are read in :mod:`assistant.formats`.

A file that cannot be loaded raises :class:`DocumentError` with the reason;
:func:`load_paths` reports it and goes on with the rest of the batch.

:func:`find_files` reads only what a user named: inside a folder, a link is followed
only to a file in that same folder (so a link to /etc/passwd is reported, not read),
and FIFOs, sockets and devices are skipped before anything opens them (opening a
FIFO waits forever for a writer).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol

from charset_normalizer import from_bytes

from assistant import formats
from assistant.chunking import is_markdown
from assistant.errors import DocumentError
from assistant.formats import Extracted
from assistant.types import Document
from assistant.units import front_matter, front_matter_title, title_line

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


# UTF-32's little-endian mark begins with UTF-16's, so it is tried first.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, path: Path) -> str:
    """Decode UTF-16 or UTF-32 with a byte-order mark, UTF-8 (with or without BOM), otherwise a
    confidently detected encoding."""
    for mark, codec in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise DocumentError(
                    f"{path.name}: starts with a {codec.upper()} byte-order mark but is not valid "
                    f"{codec.upper()}; save it as UTF-8 and index it again"
                ) from None
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


# Text as it is: plain text and the lightweight markups, and configuration files (a commented sample
# configuration is often the only reference of its settings).
@register(".txt", ".text", ".md", ".markdown", ".rst", ".adoc", ".asciidoc", ".org",
          ".conf", ".cfg", ".ini", ".toml", ".yaml", ".yml")
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


# A project's or a system's documentation names some files for what they are, with no format's
# suffix: "README", "NEWS", "copyright", "README.Debian", "changelog.Debian". They are plain text.
_TEXT_NAMES = frozenset({"readme", "news", "changes", "changelog", "history", "install", "copying", "license",
                         "licence", "authors", "contributors", "thanks", "todo", "faq", "bugs", "copyright",
                         "notice", "hacking"})
_COMPRESSED = frozenset({".gz", ".bz2", ".xz", ".zst", ".zip", ".z"})


def _loader(path: Path) -> TextLoader | None:
    """The loader of ``path``'s format: by its suffix, or plain text for a documentation file named
    for what it is ("NEWS", "README.Debian"); None for a format it has no loader for.

    >>> [_loader(Path(n)) is _plain for n in ("NEWS", "README.Debian", "notes.txt", "NEWS.gz", "run")]
    [True, True, True, False, False]
    """
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None and path.name.split(".", 1)[0].lower() in _TEXT_NAMES and path.suffix.lower() not in _COMPRESSED:
        return _plain
    return loader


def _title(text: str, fallback: str, markdown: bool) -> str:
    """The first line with words as the reader sees them (:func:`assistant.units.title_line`): not a
    reStructuredText target or directive (".. _usage:"), a rule over the title ("====="), nor a README's
    badges. A Markdown file's front matter may name it ("title: Developers")."""
    matter = front_matter(text) if markdown else None
    if matter:
        return front_matter_title(text)[:200] or _title(text[matter.end() :], fallback, markdown)
    for line in text.splitlines():
        line = title_line(line.strip(), markdown)
        if line and not line.startswith("..") and any(c.isalnum() for c in line):
            return line[:200]
    return fallback


def load_file(path: Path) -> Document:
    """Load one file into a Document, or raise DocumentError saying why not."""
    loader = _loader(path)
    if loader is None:
        raise DocumentError(
            f"{path.name}: unsupported format {path.suffix or '(none)'}; "
            f"supported: {', '.join(supported_suffixes())}, and text files named README, NEWS, copyright "
            "and the like"
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
        title=extracted.title[:200] or _title(extracted.text, path.stem, is_markdown(path.name)),
        text=extracted.text,
        sha256=hashlib.sha256(data).hexdigest(),
        pages=extracted.pages,
    )


Problems = list[str]


class Report(Protocol):
    """Where :func:`find_files` reports a path it does not take: the line, and the file it is about."""

    def __call__(self, problem: str, found: Path | None = None, reason: str = "") -> None: ...


def find_files(paths: Iterable[Path], problems: Problems | None = None,
               skipped: dict[str, str] | None = None) -> Iterator[Path]:
    """Every file named, and every supported file under each folder named, sorted, once each.

    A file under a folder comes as that folder's real path joined to the file's path in it (a
    link keeps its own name); a file named directly, as its real path. What is skipped, with the
    reason, goes to ``problems``; without that list the first problem raises DocumentError.
    A file found but not taken (a link out of its folder, a broken link, a FIFO, one that cannot be
    read) also goes to ``skipped``, path → "name: reason", as a loader's refusal does: the page lists
    it under Documents. The reason there names no path outside the folder (a link's target).
    """

    def report(problem: str, found: Path | None = None, reason: str = "") -> None:
        if problems is None:
            raise DocumentError(problem)
        problems.append(problem)
        if skipped is not None and found is not None:
            skipped[str(found)] = f"{found.name}: {reason or problem.removeprefix(f'{found}: ')}"

    seen: set[Path] = set()
    for path in paths:
        try:
            if path.is_dir():
                found = _walk(path, report)
            elif path.exists() or path.is_symlink():
                found = _named(path, report)
            else:
                report(f"{path}: no such file or folder")
                continue
        except OSError as exc:  # is_dir() on a path we may not look into, a loop in a named link
            report(f"{path}: cannot be read ({exc.strerror or exc}); skipped", path)
            continue
        for shown, real in found:
            if real not in seen:
                seen.add(real)
                yield shown


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def _named(path: Path, report: Report) -> list[tuple[Path, Path]]:
    """A path the user named: followed wherever it points, but only read if it is a regular file."""
    try:
        real = path.resolve(strict=True)
        mode = real.stat().st_mode
    except (OSError, RuntimeError):
        report(f"{path}: a broken link or a link loop; skipped", path)
        return []
    if not stat.S_ISREG(mode):
        report(f"{path}: {_kind(mode)}, not a file; skipped", path)
        return []
    return [(real, real)]


def _walk(folder: Path, report: Report) -> list[tuple[Path, Path]]:
    """Supported files under ``folder`` as (path shown, real path): regular files first, then links
    to files inside the folder; links out of it, broken links, loops and special files reported."""
    root = folder.resolve()
    files: list[tuple[Path, Path]] = []
    links: list[tuple[Path, Path]] = []

    def unreadable(exc: OSError) -> None:
        report(f"{exc.filename}: cannot be read ({exc.strerror}); skipped", Path(exc.filename))

    for top, dirs, names in os.walk(folder, onerror=unreadable):  # links to folders are listed, never entered
        here = Path(top)
        for name in sorted(dirs):
            sub = here / name
            if sub.is_symlink() and not _inside(sub, root):
                report(f"{sub}: a link to a folder outside {folder}; not followed")
        for name in names:
            if name.startswith(".") or _loader(Path(name)) is None:
                continue
            entry = here / name
            shown = root / entry.relative_to(folder)
            if entry.is_symlink():
                try:
                    real = entry.resolve(strict=True)
                except (OSError, RuntimeError):
                    report(f"{entry}: a broken link or a link loop; skipped", entry)
                    continue
                if not real.is_relative_to(root):
                    report(f"{entry}: a link to {real}, outside {folder}; not followed", entry,
                           "a link to a file outside the indexed folder; not followed")
                    continue
            else:
                real = shown
            try:
                mode = os.stat(entry).st_mode
            except OSError as exc:
                report(f"{entry}: cannot be read ({exc.strerror}); skipped", entry)
                continue
            if not stat.S_ISREG(mode):
                report(f"{entry}: {_kind(mode)}, not a file; skipped", entry)
                continue
            (links if entry.is_symlink() else files).append((shown, real))
    return sorted(files) + sorted(links)


def _inside(link: Path, root: Path) -> bool:
    try:
        return link.resolve(strict=True).is_relative_to(root)
    except (OSError, RuntimeError):
        return False


def load_paths(paths: Iterable[Path]) -> tuple[list[Document], list[str]]:
    """Load every file; return the documents and one problem line per skipped file."""
    documents: list[Document] = []
    problems: list[str] = []
    for path in find_files(paths, problems):
        try:
            documents.append(load_file(path))
        except DocumentError as exc:
            problems.append(str(exc))
    return documents, problems
