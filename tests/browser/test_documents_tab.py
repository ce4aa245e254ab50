"""The Documents tab (issue 13, items 3 and 4) in a real browser on the real models: current on every
load and in every open tab, whoever changed the index; readable titles; removal per row, confirmed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Served, screenshot, serve_seeds
from tests.browser.test_chat_page import _upload, remove_row

pytestmark = pytest.mark.integration

SEED_TITLE = "Fifty high-end projects signed with Daxing district"  # the first line of seeds/001_….txt


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server of its own: these tests add and remove files."""
    server = serve_seeds(tmp_path_factory.mktemp("library")).wait()
    yield server
    server.stop()


def _note(folder: Path, name: str, title: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
    return path


def _rows(page: Any) -> list[str]:
    """The Documents table's rows as text (the header row left out)."""
    return [r for r in page.locator("#documents [role=row]:not([aria-rowindex='1'])").all_inner_texts() if r.strip()]


def _status_count(page: Any) -> int:
    found = re.search(r"(\d+) documents?", page.locator("#status").inner_text())
    assert found, page.locator("#status").inner_text()
    return int(found.group(1))


def _shows(page: Any, text: str, present: bool = True) -> None:
    """Wait until the Documents table lists (or no longer lists) ``text``."""
    page.wait_for_function(
        "([text, present]) => { const t = document.querySelector('#documents');"
        " return !!t && t.innerText.includes(text) === present; }", arg=[text, present], timeout=60_000)


def test_documents_are_current_on_load_and_in_every_open_tab(library: Served, new_page: Any,
                                                             tmp_path: Path) -> None:
    first, second = new_page(library.url), new_page(library.url)
    for page in (first, second):
        page.get_by_role("tab", name="Documents").click()
        _shows(page, SEED_TITLE)  # a readable title, not only the file name
    assert "/" not in "".join(_rows(first)), "a server path is shown"

    _upload(first, _note(tmp_path, "kestrel_point.md", "Kestrel Point lighthouse",
                         "The keeper of the Kestrel Point lighthouse is Imogen Varga."))
    _shows(second, "Kestrel Point lighthouse")  # the other tab follows without a reload
    library.index(_note(tmp_path, "harbour_log.txt", "Port Ellery harbour log",
                        "The harbour wall at Port Ellery was rebuilt in 1987."))
    for page in (first, second):
        _shows(page, "Port Ellery harbour log")  # indexed from the command line
    first.reload()
    first.wait_for_selector("#status:has-text('Ready')")
    first.get_by_role("tab", name="Documents").click()
    _shows(first, "Kestrel Point lighthouse")
    _shows(first, "Port Ellery harbour log")
    assert len(_rows(first)) == 7 == _status_count(first) == _status_count(second)
    screenshot(first, "13-documents-current")


def test_remove_asks_first_and_cancel_keeps_the_file(library: Served, new_page: Any, tmp_path: Path) -> None:
    page = new_page(library.url)
    page.get_by_role("tab", name="Documents").click()
    _shows(page, SEED_TITLE)
    assert page.locator("#remove-confirm").count() == 0 or not page.locator("#remove-confirm").is_visible()
    assert page.locator("#remove-choice").count() == 0, "a file is offered for removal before anyone chose one"
    _upload(page, _note(tmp_path, "orchard.md", "Hillside Orchard", "Hillside Orchard grows 42 varieties of apple."))
    copy = library.folder / "data" / "uploads" / "orchard.md"
    assert copy.is_file()

    remove_row(page, "Hillside Orchard")
    question = page.locator("#remove-confirm").inner_text()
    assert "orchard.md" in question and "Hillside Orchard" in question, question
    screenshot(page, "13-remove-asks-first")
    page.click("#remove-no")
    page.wait_for_selector("#remove-confirm", state="hidden")
    _shows(page, "Hillside Orchard")
    assert copy.is_file()

    remove_row(page, "Hillside Orchard")
    page.click("#remove-yes")
    page.wait_for_function("document.querySelector('#library-notice').innerText.includes('Removed')")
    _shows(page, "Hillside Orchard", present=False)
    assert "Removed orchard.md" in page.locator("#library-notice").inner_text()
    assert not copy.exists(), "the uploaded copy was left behind"
    _shows(page, SEED_TITLE)  # nothing else went
