"""The page's upload handler (web.add_uploads) and conversation export, over a real Chroma folder.

Gradio puts a browser's upload in its cache folder (``cache/<hash>/<name>``) and hands the
handler that path. Once the file is added or refused, that copy is not needed: nothing of it
may stay there, and nothing outside the cache is ever deleted.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from assistant import rendering
from assistant.types import Answer, Timings
from assistant.uploads import discard
from assistant.web import Server, add_uploads, build, export_conversation, export_path, forget_export
from assistant.wiring import Assistant

MILL = "The old mill at Brackwater ground flour until 1952. Its wheel is eleven metres across.\n"
OTHER_MILL = "The old mill at Brackwater was painted red in 1961.\n"


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    folder = tmp_path / "gradio-cache"
    folder.mkdir()
    return folder


def _uploaded(cache: Path, folder: str, name: str, data: bytes | str) -> str:
    """A file as Gradio's upload route leaves it: in a folder of its own in the cache."""
    path = cache / folder / name
    path.parent.mkdir()
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def test_added_and_refused_uploads_leave_nothing_in_the_cache(indexed: Assistant, cache: Path) -> None:
    files = [_uploaded(cache, "a1", "mill.txt", MILL), _uploaded(cache, "b2", "tool.txt", b"\x00\x01ELF\x02"),
             _uploaded(cache, "c3", "report.pdf", b"MZ\x90\x00 a Windows program named .pdf")]
    seen: list[tuple[int, str]] = []
    notice = add_uploads(Server(indexed), files, cache, lambda i, name: seen.append((i, name)))
    lines = notice.splitlines()
    assert lines[0] == "- Added mill.txt."
    assert lines[1] == "- **Not added:** tool.txt: looks binary &#40;contains NUL bytes&#41;; skipped. " \
                       "Nothing in the index changed."
    assert lines[2].startswith("- **Not added:** report.pdf: not a readable PDF")
    assert seen == [(0, "mill.txt"), (1, "tool.txt"), (2, "report.pdf")]
    assert list(cache.iterdir()) == []
    assert sorted(p.name for p in indexed.settings.upload_folder.iterdir()) == ["mill.txt"]


def test_the_pages_add_handler_refuses_with_a_reason_and_deletes_gradios_copy_at_once(
    make_assistant: Callable[..., Assistant], cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As Gradio runs the Add button's handler, with what a client that does not filter by type sends:
    a file of a type the page does not take, one over the upload limit and one that cannot be read are
    each refused with the reason, and Gradio's copy of each is deleted at once, as an added one's is
    (nothing is left in the cache, not even an empty scratch file). A refused file outside the cache
    is left alone."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    server = Server(make_assistant(max_upload_mb=0.001))  # 1,000 bytes
    outside = tmp_path / "setup.exe"
    outside.write_bytes(b"MZ\x90\x00 a program")
    files = [_uploaded(cache, "a1", "mill.txt", MILL), _uploaded(cache, "b2", "tool.exe", b"MZ\x90\x00 a program"),
             _uploaded(cache, "c3", "big.txt", "The mill. " * 200),  # 2,000 bytes
             _uploaded(cache, "d4", "report.pdf", b"MZ not a pdf"), str(outside)]
    payload = [{"path": name, "orig_name": Path(name).name, "meta": {"_type": "gradio.FileData"}} for name in files]

    async def press_add() -> list[Any]:
        page = build(server)  # in a running event loop, where Gradio makes none of its own
        add = next(fn for fn in page.fns.values() if fn.name == "add_files")
        return list((await page.process_api(add, [payload]))["data"])

    # In a thread of its own: a browser test run before in this process leaves an event loop running in
    # the main thread (Playwright's), where asyncio.run refuses to start another.
    with ThreadPoolExecutor(1) as pool:
        notice, cleared = pool.submit(lambda: asyncio.run(press_add())).result()
    lines = notice.splitlines()
    assert lines[0] == "- Added mill.txt."
    assert lines[1].startswith("- **Not added:** tool.exe: unsupported format .exe; supported: ")
    assert lines[2] == ("- **Not added:** big.txt: larger than the 0.001 MB upload limit "
                        "&#40;max&#95;upload&#95;mb&#41;. Nothing in the index changed.")
    assert lines[3].startswith("- **Not added:** report.pdf: not a readable PDF")
    assert lines[4].startswith("- **Not added:** setup.exe: unsupported format .exe")
    assert cleared is None
    assert list(cache.iterdir()) == []
    assert outside.read_bytes() == b"MZ\x90\x00 a program"


def test_a_second_visitors_file_of_the_same_name_is_kept_and_the_notice_says_so(
    indexed: Assistant, cache: Path
) -> None:
    server = Server(indexed)
    add_uploads(server, [_uploaded(cache, "a1", "mill.txt", MILL)], cache)
    notice = add_uploads(server, [_uploaded(cache, "b2", "mill.txt", OTHER_MILL)], cache)
    assert "kept as mill &#40;2&#41;.txt: a different file named mill.txt was uploaded before" in notice
    folder = indexed.settings.upload_folder
    assert (folder / "mill.txt").read_text(encoding="utf-8") == MILL
    assert (folder / "mill (2).txt").read_text(encoding="utf-8") == OTHER_MILL
    assert {"mill.txt", "mill (2).txt"} <= {d.source for d in indexed.documents()}


def test_a_file_outside_the_cache_is_indexed_but_never_deleted(indexed: Assistant, cache: Path,
                                                               tmp_path: Path) -> None:
    own = tmp_path / "mine.txt"
    own.write_text(MILL, encoding="utf-8")
    add_uploads(Server(indexed), [str(own)], cache)
    assert own.read_text(encoding="utf-8") == MILL
    assert (indexed.settings.upload_folder / "mine.txt").exists()


def test_discard_deletes_only_inside_the_cache(cache: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    link = Path(_uploaded(cache, "a1", "x.txt", "x")).with_name("link.txt")
    link.symlink_to(outside)
    for path in (outside, link, cache / ".." / "outside.txt", cache, cache / "a1"):
        discard(path, cache)
    assert outside.read_text(encoding="utf-8") == "keep" and link.is_symlink()
    discard(cache / "a1" / "x.txt", cache)
    assert not (cache / "a1" / "x.txt").exists() and (cache / "a1").exists()  # the link is still in it


def _exchange(n: int) -> tuple[str, Answer]:
    question = f"Question {n}?"
    return question, Answer(f"Answer {n}.", (), False, (), Timings(), question, question)


def test_each_session_has_one_export_however_many_answers(
    monkeypatch: pytest.MonkeyPatch, cache: Path, tmp_path: Path
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    done = []
    for n in range(5):
        done.append(_exchange(n))
        path = export_conversation(done, "session-a", cache)
    other = export_conversation(done[:1], "session-b", cache)
    assert path == export_path("session-a", cache) and other != path
    assert path.read_text(encoding="utf-8") == rendering.conversation_markdown(done)
    assert "session-a" not in str(path)
    assert sorted(p.relative_to(cache) for p in cache.rglob("*") if p.is_file()) == sorted(
        [path.relative_to(cache), other.relative_to(cache)])
    assert list(temp.iterdir()) == []  # nothing in the temp folder
    forget_export("session-a", cache)
    assert not path.parent.exists() and other.exists()
