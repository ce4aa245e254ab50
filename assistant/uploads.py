"""Files uploaded in the browser: a safe stored name, nobody's file replaced, nothing left behind.

An upload goes through these steps, each of which can refuse it with a DocumentError
that says why, leaving the uploads folder and the index as they were:

1. :func:`clean_name`: the name the browser sent becomes a plain file name (no folders,
   no control characters, no leading dots, at most ``MAX_NAME_BYTES``), so nothing is
   ever written outside the uploads folder.
2. The bytes are copied to a scratch folder of our own, checked against the size limit
   and loaded (a file that cannot be read is refused before anything is kept).
3. Under the writer lock, :func:`stored_path` picks where it is kept. The page is shared
   and has no accounts, so an upload never replaces a file of the same name: the same
   bytes again are the file already kept (nothing is added), different bytes are kept
   beside it as ``name (2).txt``, the name its citations then show.
4. It is indexed; if that fails, the copy just made is deleted again, so the uploads
   folder holds only indexed files.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

from assistant.errors import DocumentError
from assistant.indexing import IndexReport
from assistant.loaders import load_file
from assistant.store import storage_error

MAX_NAME_BYTES = 200  # file systems allow 255; room is left for " (99)" and a scratch prefix
_UNSAFE = re.compile(r"[\\/:*?\"<>|]")  # path separators and characters Windows refuses
_SPACES = re.compile(r"\s+")

Index = Callable[[Path], IndexReport]


def clean_name(sent: str) -> str:
    """The file name an upload is kept under, from the name the browser sent.

    >>> clean_name("../../etc/passwd.txt"), clean_name("C:\\\\Users\\\\me\\\\notes.md")
    ('passwd.txt', 'notes.md')
    """
    name = re.split(r"[\\/]", sent)[-1]
    name = unicodedata.normalize("NFC", name)
    # Control and format characters (NUL, newlines, a right-to-left override that shows
    # "exe.txt" as "txt.exe") have no place in a name shown on the page.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    name = _SPACES.sub(" ", _UNSAFE.sub("_", name)).strip(" .")  # ".." and hidden ".name" lose their dots
    if not Path(name).stem or not name.strip("_ "):
        raise DocumentError(f"{sent!r} is not a file name; upload the file under its own name")
    suffix = Path(name).suffix
    stem = name[: len(name) - len(suffix)]
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem.rstrip(" .") + suffix


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _variants(name: str) -> Iterator[str]:
    """``name``, then ``stem (2).suffix``, ``stem (3).suffix``, …"""
    path = Path(name)
    yield name
    n = 2
    while True:
        yield f"{path.stem} ({n}){path.suffix}"
        n += 1


def stored_path(folder: Path, name: str, data: Path, indexed: set[str]) -> tuple[Path, bool]:
    """Where an upload of ``data`` named ``name`` is kept, and whether that file is already there.

    The same bytes as a file already kept under the name or one of its variants: that file.
    Otherwise the first variant that is free, or that holds a file the index does not know
    (left by a process killed between copying and indexing; ``indexed`` are resolved paths).
    """
    sha = _sha256(data)
    free: Path | None = None
    for variant in _variants(name):
        target = folder / variant
        if not target.exists() and not target.is_symlink():
            return (free or target), False
        if target.is_symlink() or not target.is_file():
            continue  # never written through, never taken for ours
        if str(target.resolve()) not in indexed:
            free = free or target
        elif _sha256(target) == sha:
            return target, True
    raise AssertionError("unreachable: the variants never end")


PART = ".part-"  # prefix of a copy still being written; no clean name starts with a dot


def _write_new(staged: Path, target: Path) -> None:
    """Copy ``staged`` to ``target`` as a new file: a link put there meanwhile is never followed.

    The bytes go to a hidden scratch name first and appear under ``target`` whole, so a kill
    mid-copy never leaves a cut file under an upload's name (see :func:`left_unindexed`).
    """
    target.unlink(missing_ok=True)  # an orphan no index holds (see stored_path)
    part = target.with_name(PART + target.name)
    part.unlink(missing_ok=True)
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "wb") as out, staged.open("rb") as source:
            shutil.copyfileobj(source, out)
            out.flush()
            os.fsync(out.fileno())
        os.link(part, target)  # fails if anything appeared at target; never follows a link there
    finally:
        part.unlink(missing_ok=True)


def left_unindexed(folder: Path, indexed: set[str]) -> list[Path]:
    """The uploads in ``folder`` that the index does not hold, and delete copies cut off mid-write.

    A stop (a kill, a power cut) between keeping an upload and indexing it leaves such a file;
    ``indexed`` are resolved paths. Links are never taken for uploads.
    """
    if not folder.is_dir():
        return []
    left = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(PART) and not path.is_symlink():
            path.unlink(missing_ok=True)
        elif path.is_file() and not path.is_symlink() and str(path.resolve()) not in indexed:
            left.append(path)
    return left


def add_upload(file: Path, sent_name: str, folder: Path, limit_mb: float,
               writing: Callable[[], AbstractContextManager[None]], indexed: Callable[[], set[str]],
               index: Index) -> IndexReport:
    """Keep an uploaded file in ``folder`` and index it (``index``), or raise DocumentError.

    ``writing`` holds the data folder's writer lock; ``indexed`` gives the paths the index holds.
    """
    name = clean_name(sent_name)
    # Staged under its clean name (the suffix picks the loader) in a scratch folder of our own,
    # never beside the upload, where a file of that name may be someone else's.
    with tempfile.TemporaryDirectory(prefix="upload-") as scratch:
        staged = Path(scratch) / name
        try:
            if file.stat().st_size > limit_mb * 1_000_000:
                raise DocumentError(f"{name}: larger than the {limit_mb:g} MB upload limit (max_upload_mb)")
            shutil.copyfile(file, staged)
        except OSError as exc:
            raise DocumentError(f"{name}: cannot be read ({exc.strerror})") from None
        load_file(staged)  # refused here, before anything is kept, when it cannot be read
        with writing():
            try:
                folder.mkdir(parents=True, exist_ok=True)
                target, kept = stored_path(folder, name, staged, indexed())
                if not kept:
                    _write_new(staged, target)  # the bytes that were checked, not the upload again
            except OSError as exc:
                raise storage_error(exc, folder) or exc from None
            try:
                report = index(target)
            except BaseException:
                if not kept:
                    target.unlink(missing_ok=True)
                raise
            if target.name not in (*report.added, *report.updated, *report.unchanged):
                if not kept:
                    target.unlink(missing_ok=True)
                why = "; ".join(report.problems) or f"{target.name}: could not be indexed"
                raise DocumentError(why)
            if target.name != name:
                report.notes.append(f"kept as {target.name}: a different file named {name} was uploaded "
                                    f"before (remove that one under Documents if this replaces it)")
            return report


def discard(path: Path, cache: Path) -> None:
    """Delete an upload's copy in the web server's cache ``cache``, and its folder if now empty.

    Anything outside ``cache`` is left alone: the path came from a request.
    """
    try:
        real, root = path.resolve(), cache.resolve()
    except OSError:
        return
    if real == root or not real.is_relative_to(root) or not real.is_file():
        return
    real.unlink(missing_ok=True)
    parent = real.parent
    if parent != root and parent.parent == root and not any(parent.iterdir()):
        parent.rmdir()
