"""Files that `assistant index` (another process) could not read are listed on the open page's Documents
tab with their reasons, without a reload, and drop out once they are fixed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Served, screenshot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import documents  # noqa: E402

pytestmark = pytest.mark.integration

SCAN = "scan.pdf: no text layer; OCR is not supported"
ZIP = "archive.docx: a zip archive but not a Word document"


@pytest.fixture(scope="module")
def served_empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("served-skipped")).wait()
    yield server
    server.stop()


def _skipped_shows(page: Any, text: str, present: bool = True) -> None:
    """Wait until the Documents tab's list of skipped files shows (or no longer shows) ``text``."""
    page.wait_for_function(
        "([text, present]) => { const s = document.querySelector('#skipped');"
        " return !!s && s.innerText.replace(/\\s+/g, ' ').includes(text) === present; }",
        arg=[text, present], timeout=120_000)


def test_files_the_command_line_skipped_show_on_the_open_page(served_empty: Served, new_page: Any,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(documents.scanned_pdf())
    (folder / "archive.docx").write_bytes(documents.zip_not_docx())
    (folder / "minutes.md").write_text("# Harbour minutes\n\nThe council met on the quay in May.\n", encoding="utf-8")
    page = new_page(served_empty.url)
    page.get_by_role("tab", name="Documents").click()
    assert "scan.pdf" not in page.locator("#skipped").inner_text()

    served_empty.index(folder)  # `assistant index` in another process, the page open meanwhile
    _skipped_shows(page, SCAN)
    _skipped_shows(page, ZIP)
    page.wait_for_function("document.querySelector('#documents').innerText.includes('Harbour minutes')")
    shown = page.locator("#skipped").inner_text()
    assert "Not indexed (2 files)" in shown, shown
    assert str(folder) not in shown, "a server path is shown"
    screenshot(page, "14-skipped-files-listed")

    (folder / "scan.pdf").write_bytes(documents.pdf([[("h1", "Scanned again"), ("p", "Now with a text layer.")]]))
    (folder / "archive.docx").unlink()
    served_empty.index(folder)
    _skipped_shows(page, "scan.pdf", present=False)
    _skipped_shows(page, "archive.docx", present=False)
    page.wait_for_function("document.querySelector('#documents').innerText.includes('Scanned again')")
