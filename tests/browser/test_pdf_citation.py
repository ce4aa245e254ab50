"""A PDF uploaded on the page, asked about, and its citation clicked: the passage names its page, and a
link opens the original PDF at that page in a new tab, in Chromium's own PDF viewer."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from assistant.http_safety import HEADERS
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

    link = opened.locator("a.original")
    assert link.inner_text() == "open harbour-report.pdf at p. 3"
    href = str(link.get_attribute("href"))
    assert href.endswith("#page=3") and href.startswith("/files/"), href
    assert link.get_attribute("target") == "_blank"
    fetched = page.evaluate(FETCH, href)  # as the page itself fetches it: same origin, with its cookies
    assert (fetched["status"], fetched["type"]) == (200, "application/pdf"), fetched
    assert fetched["disposition"].startswith('inline; filename="harbour-report.pdf"'), fetched
    assert fetched["sha256"] == hashlib.sha256(report.read_bytes()).hexdigest()
    assert fetched["policy"] == HEADERS["content-security-policy"]  # the page's own policy, nothing loosened

    with page.context.expect_page() as opening:
        link.click()
    original = opening.value
    original.wait_for_load_state()
    assert original.url == served_empty.url.rstrip("/") + href
    # Chromium's PDF viewer (an extension, in a frame of its own) shows it: the policy let it load.
    for _ in range(240):
        if [f for f in original.frames if f.url.startswith(PDF_VIEWER)]:
            break
        original.wait_for_timeout(250)
    viewer = [f for f in original.frames if f.url.startswith(PDF_VIEWER)]
    assert viewer, [f.url for f in original.frames]
    # The viewer's own toolbar: the file's name from Content-Disposition, and the page the link asked for.
    expect(viewer[0].locator("#title")).to_have_text("harbour-report.pdf", timeout=60_000)
    expect(viewer[0].locator("#pageSelector")).to_have_value("3", timeout=60_000)
    screenshot(original, "08b-pdf-opened-at-page-3")
    original.close()


PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"  # Chromium's built-in PDF viewer
FETCH = """async (href) => {
  const response = await fetch(href);
  const digest = await crypto.subtle.digest("SHA-256", await response.arrayBuffer());
  return {status: response.status, type: response.headers.get("content-type"),
          disposition: response.headers.get("content-disposition"),
          policy: response.headers.get("content-security-policy"),
          sha256: Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, "0")).join("")};
}"""
