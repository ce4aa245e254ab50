"""A PDF uploaded on the page, asked about, and its citation clicked: the passage names its page."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Served, screenshot
from tests.browser.test_chat_page import _upload as upload
from tests.browser.test_chat_page import ask, sources_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import documents  # noqa: E402

pytestmark = pytest.mark.integration

PAGES = [
    [("h1", "Port Ellery Harbour Report 2024"), ("h2", "Summary"),
     ("p", "The harbour authority publishes this report every spring for the town council.")],
    [("h2", "Traffic"), ("p", "Ferries made 4,120 crossings to the islands during the year.")],
    [("h2", "Works"), ("p", "The lighthouse lens was replaced by the firm Marlow Optics in October.")],
]


@pytest.fixture(scope="module")
def served_empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("served-pdf")).wait()
    yield server
    server.stop()


def test_upload_a_pdf_and_click_its_citation_to_see_the_page(
    served_empty: Served, new_page: Any, tmp_path: Path
) -> None:
    page = new_page(served_empty.url)
    report = tmp_path / "harbour-report.pdf"
    report.write_bytes(documents.pdf(PAGES))
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(documents.scanned_pdf())
    notice = upload(page, report)
    assert "Added harbour-report.pdf." in notice, notice
    refused = upload(page, scan)
    assert "Not added" in refused and "scan.pdf: no text layer; OCR is not supported" in refused, refused
    screenshot(page, "07-pdf-upload-and-scanned-pdf-refused")

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "Which firm replaced the lighthouse lens?")
    assert "Marlow Optics" in answer.inner_text()
    answer.locator("a.cite").first.click()
    page.wait_for_function("document.querySelector('#conversation details.source[open]') !== null")
    opened = page.locator("#conversation details.source[open]").first
    summary = opened.locator("summary").inner_text()
    assert "harbour-report.pdf, p. 3" in summary, summary
    assert "Marlow Optics" in opened.locator("mark").inner_text()
    assert "p. 3" in sources_of(page).inner_text()
    screenshot(page, "08-pdf-citation-with-page")
