"""The original PDF behind a citation, opened in the browser at the cited page.

A cited passage from a PDF carries a link, ``/files/<id>#page=3``, that the chat page's server
answers with the PDF itself, so the browser's own viewer opens it at that page (in a new tab: the
page allows no frames). What may be served is decided here, never by the browser:

* The id is the sha256 the index stored for the file, not a path: a request names no file,
  it names indexed content. An id the index does not hold is a 404.
* Only a PDF the index holds (its stored path, a file under an indexed folder or the uploads
  folder) is served, and only if it still is what was indexed: its bytes must hash to the id.
* The stored path is followed to the real file only inside the folder the path is in: a link
  that leads out of its folder (to /etc/passwd, to another user's files) is never read, and the
  file is opened without following a link put in its place meanwhile.

Word, HTML, text and Markdown files get no link: the cited passage is all of them the page
shows (an HTML file served from the page's own origin could run its scripts there).

>>> link_path("ab" * 32, 3)
'/files/abababababababababababababababababababababababababababababababab#page=3'
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from assistant.store import VectorStore

ROUTE = "/files"
_ID = re.compile(r"[0-9a-f]{64}")
SERVED_SUFFIXES = (".pdf",)  # what has a link and is served


@dataclass(frozen=True)
class Original:
    """A file as it will be sent: its name (as citations show it) and its bytes."""

    name: str
    data: bytes


def served(path: str) -> bool:
    """Whether a stored file of this path gets a link to its original (a PDF)."""
    return path.lower().endswith(SERVED_SUFFIXES)


def valid_id(file_id: str) -> bool:
    """Whether ``file_id`` has the form of an id (a sha256 in lower-case hex)."""
    return bool(_ID.fullmatch(file_id))


def link_path(file_id: str, page: int) -> str:
    """The page's link to an original at ``page``; the fragment is for the browser's PDF viewer."""
    return f"{ROUTE}/{file_id}#page={page}"


def read_inside_folder(path: Path) -> bytes | None:
    """The bytes of ``path``, or None if it is not a regular file, or leads out of its own folder.

    The path is followed to the file it really is (a link inside the folder is followed), then
    that file is opened without following any link in its place, so a link swapped in between
    the check and the open is refused too.
    """
    try:
        folder = os.path.realpath(path.parent)
        real = os.path.realpath(path)
    except (OSError, ValueError):
        return None
    if os.path.commonpath([folder, real]) != folder or real == folder:
        return None
    try:
        # O_NONBLOCK: a FIFO put in the file's place must not hang the request (opening one waits for a writer).
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except (OSError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    except OSError:
        return None
    finally:
        os.close(fd)


class Originals:
    """The indexed files that may be served, by id, read from the store again when it changes."""

    def __init__(self, store: VectorStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._version: str | None = None
        self._paths: dict[str, list[str]] = {}

    def paths(self, file_id: str) -> list[str]:
        """The stored paths of the complete indexed files whose sha256 is ``file_id``."""
        with self._lock:
            version = self.store.generation()
            if version != self._version:
                found: dict[str, list[str]] = {}
                for path, state in sorted(self.store.file_states().items()):
                    if state.complete:
                        found.setdefault(state.sha256, []).append(path)
                self._paths, self._version = found, version
            return list(self._paths.get(file_id, []))

    def get(self, file_id: str) -> Original | None:
        """The original PDF the index holds under ``file_id``, as it was indexed; None if there is none."""
        if not valid_id(file_id):
            return None
        for path in self.paths(file_id):
            if not served(path):
                continue
            data = read_inside_folder(Path(path))
            if data is not None and hashlib.sha256(data).hexdigest() == file_id:
                return Original(Path(path).name, data)
        return None


def content_disposition(name: str) -> str:
    """``inline`` (shown, not downloaded) with the file's name, in plain ASCII and as UTF-8 (RFC 6266)."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name)
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


NOT_FOUND = ("No such file: the index holds no PDF under this link, or the file changed or moved since it "
             "was indexed (run `assistant index` again).\n")


def create(originals: Originals) -> Any:
    """An ASGI app answering ``GET /<id>`` (mounted at :data:`ROUTE`) with the original PDF.

    It has no protection of its own: mount it on :func:`assistant.http_safety.protected_app`.
    """
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    async def original(request: Request) -> Response:
        found = await run_in_threadpool(originals.get, str(request.path_params["file_id"]))
        if found is None:
            return PlainTextResponse(NOT_FOUND, status_code=404)
        return Response(found.data, media_type="application/pdf", headers={
            "content-disposition": content_disposition(found.name), "cache-control": "no-store"})

    return Starlette(routes=[Route("/{file_id}", original, methods=["GET", "HEAD"])])
