"""The original PDF behind a citation, served behind the page's protection: what is served and what never is.

Fake models, real PDFs (fpdf2), a real Chroma folder, and the route mounted on
``http_safety.protected_app`` as ``web.serve`` mounts it, driven through Starlette's test client.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import documents
import pytest
from fakes import FakeGenerator, source_number
from starlette.testclient import TestClient

from assistant import http_safety, originals, rendering
from assistant.wiring import Assistant

PAGES = [
    [("h1", "Harbour Report 2024"), ("p", "The harbour authority publishes this report every spring.")],
    [("h2", "Traffic"), ("p", "Ferries made 4,120 crossings to the islands during the year.")],
    [("h2", "Works"), ("p", "The lighthouse lens was replaced by the firm Marlow Optics in October.")],
]
OWN = "127.0.0.1:7860"
PDF = documents.pdf(PAGES)
PDF_ID = hashlib.sha256(PDF).hexdigest()


def _client(assistant: Assistant) -> TestClient:
    safe = http_safety.protected_app("127.0.0.1", lambda path: False, own_only=(f"{originals.ROUTE}/",))
    safe.mount(originals.ROUTE, originals.create(originals.Originals(assistant.store)))
    return TestClient(safe, base_url=f"http://{OWN}")


@pytest.fixture()
def with_report(corpus: Path, make_assistant: Callable[..., Assistant]) -> Assistant:
    (corpus / "report.pdf").write_bytes(PDF)
    assistant = make_assistant()
    assert "report.pdf" in assistant.index().added
    return assistant


def _has_our_headers(response: object) -> None:
    for name, value in http_safety.HEADERS.items():
        assert response.headers.get_list(name) == [value], name  # type: ignore[attr-defined]


def test_the_cited_pdf_links_to_its_page_and_the_link_serves_the_pdf_inline(
        with_report: Assistant, generator: FakeGenerator) -> None:
    generator.queue(lambda p, g: f" Marlow Optics [{source_number(p, 'Marlow')}].\n")
    answer = with_report.ask("Which firm replaced the lighthouse lens?")
    html = rendering.sources_html(answer, 1)
    link = re.search(r'<a class="original" href="([^"]+)" target="_blank" rel="noopener noreferrer">([^<]*)</a>', html)
    assert link, html
    assert link.group(2) == "open report.pdf at p. 3"
    assert link.group(1) == f"/files/{PDF_ID}#page=3"
    response = _client(with_report).get(link.group(1).split("#")[0])
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('inline; filename="report.pdf"')
    _has_our_headers(response)  # the same policy as the page: Chromium's viewer needs nothing more


def test_a_text_file_has_no_link_and_its_id_is_not_served(indexed: Assistant, generator: FakeGenerator) -> None:
    generator.queue(lambda p, g: f" Calloway and Finch [{source_number(p, 'Calloway')}].\n")
    answer = indexed.ask("Which firm designed the new breakwater?")
    assert 'class="original"' not in rendering.sources_html(answer, 1)
    text_id = next(s.sha256 for p, s in indexed.store.file_states().items() if p.endswith("harbour.txt"))
    assert _client(indexed).get(f"/files/{text_id}").status_code == 404


def test_an_id_the_index_does_not_hold_is_404(with_report: Assistant, tmp_path: Path) -> None:
    outside = tmp_path / "outside.pdf"  # a real PDF on the same machine, never indexed
    outside.write_bytes(documents.pdf([[("p", "Not indexed: the vault code is 0451.")]]))
    client = _client(with_report)
    for file_id in (hashlib.sha256(outside.read_bytes()).hexdigest(), "0" * 64, PDF_ID.upper(), PDF_ID[:-1]):
        response = client.get(f"/files/{file_id}")
        assert response.status_code == 404 and b"0451" not in response.content, file_id
        _has_our_headers(response)


@pytest.mark.parametrize("asked", [
    "/files/../../../../etc/passwd", "/files/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/files/..%2f..%2f..%2fetc%2fpasswd",
    "/files//etc/passwd", "/files/{outside}", "/files/{outside_quoted}", "/files/{report}", "/files/report.pdf",
    "/files/{pdf_id}/../../{outside}", "/files/{pdf_id}%00.pdf", "/files/",
])
def test_a_path_from_the_browser_is_never_served(with_report: Assistant, tmp_path: Path, asked: str) -> None:
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(PDF.replace(b"Marlow", b"SECRET"))
    report = next(p for p in with_report.store.indexed_files() if p.endswith("report.pdf"))
    path = asked.format(outside=secret, outside_quoted=str(secret).replace("/", "%2F"), report=report,
                        pdf_id=PDF_ID)
    response = _client(with_report).get(path)
    assert response.status_code == 404, (path, response.status_code)
    assert b"SECRET" not in response.content and b"root:" not in response.content and b"%PDF" not in response.content


def test_a_link_out_of_its_folder_in_the_files_place_is_not_followed(with_report: Assistant, tmp_path: Path) -> None:
    stored = next(Path(p) for p in with_report.store.indexed_files() if p.endswith("report.pdf"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "report.pdf").write_bytes(PDF)  # the very bytes indexed, so only the link gives it away
    stored.unlink()
    stored.symlink_to(elsewhere / "report.pdf")
    assert _client(with_report).get(f"/files/{PDF_ID}").status_code == 404


def test_a_link_inside_its_folder_is_followed(corpus: Path, make_assistant: Callable[..., Assistant],
                                              tmp_path: Path) -> None:
    (corpus / "pdfs").mkdir()
    (corpus / "pdfs" / "report-2024.data").write_bytes(PDF)  # not a suffix that is indexed: only the link is
    (corpus / "pdfs" / "latest.pdf").symlink_to("report-2024.data")
    assistant = make_assistant()
    assistant.index()
    assert str(corpus.resolve() / "pdfs" / "latest.pdf") in assistant.store.indexed_files()
    response = _client(assistant).get(f"/files/{PDF_ID}")
    assert response.status_code == 200 and response.content == PDF


def test_a_file_changed_since_it_was_indexed_is_not_served(with_report: Assistant) -> None:
    stored = next(Path(p) for p in with_report.store.indexed_files() if p.endswith("report.pdf"))
    stored.write_bytes(documents.pdf([[("p", "Rewritten after indexing.")]]))
    assert _client(with_report).get(f"/files/{PDF_ID}").status_code == 404
    stored.unlink()
    assert _client(with_report).get(f"/files/{PDF_ID}").status_code == 404


def test_a_fifo_in_the_files_place_is_refused_without_waiting(with_report: Assistant) -> None:
    stored = next(Path(p) for p in with_report.store.indexed_files() if p.endswith("report.pdf"))
    stored.unlink()
    os.mkfifo(stored)
    assert _client(with_report).get(f"/files/{PDF_ID}").status_code == 404


@pytest.mark.parametrize("headers", [
    {"origin": "http://evil.example"},
    {"origin": "http://127.0.0.1:7861"},
    {"sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "embed"},
    {"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"},
    {"sec-fetch-site": "same-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"},
    {"host": "evil.example"},
])
def test_a_cross_site_request_is_refused_even_a_link(with_report: Assistant, headers: dict[str, str]) -> None:
    response = _client(with_report).get(f"/files/{PDF_ID}", headers=headers)
    assert response.status_code == 403 and response.content.startswith(b"Refused: ")
    assert b"%PDF" not in response.content
    _has_our_headers(response)


@pytest.mark.parametrize("headers", [
    {"sec-fetch-site": "same-origin", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"},  # the page's link
    {"sec-fetch-site": "none", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"},  # a bookmark
    {"origin": f"http://{OWN}", "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors"},  # the page's fetch
])
def test_the_page_itself_opens_it(with_report: Assistant, headers: dict[str, str]) -> None:
    assert _client(with_report).get(f"/files/{PDF_ID}", headers=headers).content == PDF


def test_a_link_from_another_site_still_opens_the_page_itself(with_report: Assistant) -> None:
    async def page(scope: object, receive: object, send: object) -> None:
        from starlette.responses import PlainTextResponse

        await PlainTextResponse("the page")(scope, receive, send)  # type: ignore[arg-type]

    safe = http_safety.protected_app("127.0.0.1", lambda path: False, own_only=(f"{originals.ROUTE}/",))
    safe.mount(originals.ROUTE, originals.create(originals.Originals(with_report.store)))
    safe.mount("/", page)
    navigation = {"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"}
    client = TestClient(safe, base_url=f"http://{OWN}")
    assert client.get("/", headers=navigation).text == "the page"
    assert client.get(f"/files/{PDF_ID}", headers=navigation).status_code == 403


def test_content_disposition_keeps_any_name_to_one_header() -> None:
    header = originals.content_disposition('Bericht "Hafen"\r\nX-Evil: 1 – Überblick.pdf')
    assert header.startswith('inline; filename="Bericht _Hafen___X-Evil: 1 _ _berblick.pdf"; filename*=UTF-8\'\'')
    assert "\r" not in header and "\n" not in header and "%C3%9Cberblick.pdf" in header
