"""A real `assistant serve` against hostile requests: what it serves, its headers, cross-site access, uploads.

One server for the module, over seeds/ with the real models, with its own Gradio cache
and temp folder so that what it leaves there can be counted. Requests go out through
http.client, which sends a path exactly as written (no normalising of ``..``).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.http_safety import HEADERS
from assistant.settings import PROJECT_ROOT
from tests.browser.conftest import Served, serve_seeds

pytestmark = pytest.mark.integration

MARKER = "SECRET-" + uuid.uuid4().hex  # in every file planted here: a response holding it leaked that file


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("safety")
    temp = folder / "temp"
    temp.mkdir()
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(temp)  # the server's temp folder, to count what answers leave there
    try:
        served = serve_seeds(folder, max_upload_mb="0.05").wait()
    finally:
        if saved is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = saved
    yield served
    served.stop()


def _request(server: Served, method: str, path: str, headers: dict[str, str] | None = None,
             body: bytes | None = None) -> tuple[int, dict[str, list[str]], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host="host" in {k.lower() for k in headers or {}},
                              skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        got: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            got.setdefault(name.lower(), []).append(value)
        return response.status, got, response.read()
    finally:
        connection.close()


def _multipart(name: str, data: bytes) -> tuple[dict[str, str], bytes]:
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: text/plain\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body


def _cache(server: Served) -> Path:
    return server.folder / "gradio"


def _files_holding(folder: Path, text: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink() and text.encode() in p.read_bytes()]


# --- files the server must never serve --------------------------------------------------


@pytest.fixture(scope="module")
def planted(server: Served) -> dict[str, Path]:
    """Files with MARKER in places an attacker would ask for, and links to them."""
    data = server.folder / "data"
    uploads = data / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    outside = server.folder / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(MARKER, encoding="utf-8")
    (uploads / "kept.txt").write_text(MARKER, encoding="utf-8")
    (uploads / "link-out.txt").symlink_to(secret)
    cache = _cache(server)
    (cache / "planted").mkdir(parents=True, exist_ok=True)
    (cache / "planted" / "secret.txt").write_text(MARKER, encoding="utf-8")  # in the cache, not made by it
    (cache / "planted" / "link-out.txt").symlink_to(secret)
    (data / "notes.txt").write_text(MARKER, encoding="utf-8")
    return {"secret": secret, "upload": uploads / "kept.txt", "upload link": uploads / "link-out.txt",
            "cache file": cache / "planted" / "secret.txt", "cache link": cache / "planted" / "link-out.txt",
            "data file": data / "notes.txt"}


def _payloads(server: Served, planted: dict[str, Path]) -> list[str]:
    cache, data = _cache(server), server.folder / "data"
    venv_file = Path(sys.prefix) / "pyvenv.cfg"
    up = "../" * 12
    targets = [*map(str, planted.values()), "/etc/passwd", str(data / "chroma.sqlite3"), str(venv_file),
               str(PROJECT_ROOT / "pyproject.toml"), str(PROJECT_ROOT / "seeds" / "000_e935aa2152395e49.txt"),
               "/proc/self/environ", "/proc/self/cmdline"]
    paths = []
    for target in targets:
        paths += [f"/gradio_api/file={target}", f"/file={target}"]
    secret = planted["secret"]
    relative = str(secret).lstrip("/")
    paths += [
        f"/gradio_api/file={cache}/{up}{relative}",
        f"/gradio_api/file={cache}/planted/../../outside/secret.txt",
        f"/gradio_api/file={cache}/%2e%2e/%2e%2e/outside/secret.txt",
        f"/gradio_api/file={cache}%2f..%2f..%2foutside%2fsecret.txt",
        f"/gradio_api/file={cache}/%252e%252e/%252e%252e/outside/secret.txt",
        f"/gradio_api/file=%2F{relative.replace('/', '%2F')}",
        f"/gradio_api/file=%252F{relative.replace('/', '%252F')}",
        f"/gradio_api/file={cache}\\..\\..\\outside\\secret.txt",
        f"/gradio_api/file=..\\..\\..\\..\\{relative.replace('/', chr(92))}",
        f"/gradio_api/file={secret}%00.txt",
        f"/gradio_api/file={cache}/planted/secret.txt%00",
        f"/gradio_api/file=file://{secret}",
        f"/gradio_api/file=//{relative}",
        f"/gradio_api/file=~/../../{relative}",
        f"/static/{up}{relative}",
        f"/static/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2f{relative}",
        f"/assets/{up}{relative}",
        f"/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/{relative}",
        f"/gradio_api/static/{up}{relative}",
        f"/theme.css/{up}{relative}",
        f"/favicon.ico/../{up}{relative}",
        f"/{up}{relative}",
        f"//{relative}",
        f"/gradio_api/stream/{up}{relative}",
        f"/gradio_api/proxy=file://{secret}",
        f"/gradio_api/proxy=http://127.0.0.1:{server.port}/gradio_api/file={secret}",
        f"/gradio_api/file={cache}/planted",
        f"/gradio_api/file={data}/uploads/",
        f"/gradio_api/file={secret}?download=true",
        f"/gradio_api/file={secret.as_posix().upper()}",
        # The route for a cited PDF's original: an id, never a path, and only what the index holds.
        f"/files/{hashlib.sha256(secret.read_bytes()).hexdigest()}",
        f"/files/{hashlib.sha256(planted['upload'].read_bytes()).hexdigest()}",
        f"/files/{up}{relative}", f"/files/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/{relative}",
        f"/files/{secret}", f"/files/{relative.replace('/', '%2F')}", f"/files//{relative}",
        f"/files/{_seed_id()}", f"/files/{_seed_id()}/../../{up}{relative}",
    ]
    return paths


def _seed_id() -> str:
    """The id /files/ would know a seed by (seeds are text: it serves none of them)."""
    return hashlib.sha256((PROJECT_ROOT / "seeds" / "000_e935aa2152395e49.txt").read_bytes()).hexdigest()


def test_no_file_outside_what_the_page_made_is_served(server: Served, planted: dict[str, Path]) -> None:
    payloads = _payloads(server, planted)
    assert len(payloads) >= 30
    served = []
    for path in payloads:
        for method in ("GET", "HEAD"):
            status, _, body = _request(server, method, path)
            leaked = MARKER.encode() in body or b"root:x:0:0" in body or b"SQLite format 3" in body \
                or b"home = " in body or b"[project]" in body or b"Sinovac" in body
            if status < 400 or leaked:
                served.append((method, path, status, body[:80]))
    print(f"{len(payloads)} payloads x GET and HEAD: {len(served)} served")
    assert served == []


def test_a_file_the_page_made_is_served_so_the_payloads_were_not_refused_for_another_reason(server: Served) -> None:
    headers, body = _multipart("control.txt", b"a control upload")
    status, _, answer = _request(server, "POST", "/gradio_api/upload", headers, body)
    assert status == 200
    path = answer.decode().strip('[]"')
    status, _, got = _request(server, "GET", f"/gradio_api/file={path}")
    assert (status, got) == (200, b"a control upload")


# --- headers and cross-site access ----------------------------------------------------------


def _assert_headers(headers: dict[str, list[str]], where: str) -> None:
    for name, value in HEADERS.items():
        assert headers.get(name) == [value], (where, name, headers.get(name))
    assert not [k for k in headers if k.startswith("access-control-")], (where, headers)


def test_security_headers_on_every_response(server: Served) -> None:
    upload_headers, upload_body = _multipart("headers.txt", b"checking headers")
    requests: list[tuple[str, str, dict[str, str], bytes | None]] = [
        ("GET", "/", {}, None), ("GET", "/config", {}, None), ("GET", "/gradio_api/info", {}, None),
        ("GET", "/theme.css", {}, None), ("GET", "/nowhere", {}, None), ("HEAD", "/", {}, None),
        ("GET", "/gradio_api/file=/etc/passwd", {}, None),
        ("POST", "/gradio_api/upload", upload_headers, upload_body),
        ("GET", "/config", {"Origin": "http://localhost:9999"}, None),
    ]
    for method, path, headers, body in requests:
        status, got, _ = _request(server, method, path, headers, body)
        _assert_headers(got, f"{method} {path} -> {status}")


OTHER_ORIGINS = ["http://localhost:9999", f"http://127.0.0.1:{1 + 7860}", "http://evil.example", "null"]


@pytest.mark.parametrize("origin", OTHER_ORIGINS)
def test_another_origin_gets_no_cross_origin_access(server: Served, origin: str) -> None:
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    for method, path, headers in [("OPTIONS", "/gradio_api/upload", preflight),
                                  ("OPTIONS", "/gradio_api/queue/join", preflight),
                                  ("GET", "/config", {"Origin": origin}),
                                  ("GET", "/gradio_api/info", {"Origin": origin}),
                                  ("POST", "/gradio_api/queue/join",
                                   {"Origin": origin, "Content-Type": "application/json"})]:
        status, got, body = _request(server, method, path, headers, b"{}" if method == "POST" else None)
        assert status == 403, (method, path, status, body[:80])
        _assert_headers(got, f"{method} {path}")


def test_a_cross_site_upload_is_refused_and_nothing_is_cached(server: Served) -> None:
    data = f"cross-site upload {uuid.uuid4().hex}"
    for extra in ({"Origin": "http://evil.example"}, {"Origin": "http://localhost:9999"},
                  {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
                  {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}):
        headers, body = _multipart("evil.txt", data.encode())
        status, _, answer = _request(server, "POST", "/gradio_api/upload", {**headers, **extra}, body)
        assert status == 403 and answer.startswith(b"Refused: "), (extra, status, answer)
    assert _files_holding(_cache(server), data) == []
    headers, body = _multipart("own.txt", data.encode())
    own = {**headers, "Origin": server.url.rstrip("/"), "Sec-Fetch-Site": "same-origin"}
    assert _request(server, "POST", "/gradio_api/upload", own, body)[0] == 200  # the page's own upload works


def test_a_link_from_another_site_opens_the_page(server: Served) -> None:
    status, _, body = _request(server, "GET", "/", {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
                                                      "Sec-Fetch-Dest": "document"})
    assert status == 200 and b"<html" in body


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{7860}", "attacker.localhost.evil.example"])
def test_a_dns_rebinding_host_is_refused(server: Served, host: str) -> None:
    status, got, body = _request(server, "GET", "/config", {"Host": host})
    assert status == 403 and b"loopback" in body
    _assert_headers(got, host)


# --- malicious uploads ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../../../../../tmp/escaped-{id}.txt", "..\\..\\..\\escaped-{id}.txt",
                                  "/tmp/escaped-{id}.txt", "%2e%2e%2f%2e%2e%2fescaped-{id}.txt",
                                  "....//....//escaped-{id}.txt"])
def test_an_upload_name_with_a_path_stays_in_the_cache(server: Served, name: str) -> None:
    unique = uuid.uuid4().hex
    headers, body = _multipart(name.format(id=unique), f"escape attempt {unique}".encode())
    status, _, answer = _request(server, "POST", "/gradio_api/upload", headers, body)
    if status == 200:
        assert Path(answer.decode().strip('[]"')).resolve().is_relative_to(_cache(server).resolve())
    written = [*Path("/tmp").glob(f"*{unique}*"), *server.folder.rglob(f"*{unique}*")]
    assert [p for p in written if not p.resolve().is_relative_to(_cache(server).resolve())] == []


def _documents_tab(page: Any) -> None:
    page.get_by_role("tab", name="Documents").click()


def _add(page: Any, files: list[dict[str, Any]]) -> str:
    """Upload ``files`` on the Documents tab, press Add, and return the notice once it changed."""
    _documents_tab(page)
    before = str(page.locator("#library-notice").inner_text())
    page.locator("#upload input[type=file]").set_input_files(files)
    page.wait_for_timeout(500)
    page.click("#add-files")
    # Done when the notice changed, is no longer "Indexing…" and Gradio shows no progress on it (its
    # timer, "0.2s", is text of its own that comes and goes before the result).
    page.wait_for_function("([before]) => { const n = document.querySelector('#library-notice');"
                           " const t = n.innerText; return t.trim() && t !== before && !t.includes('Indexing')"
                           " && !n.querySelector('.pending') && !n.classList.contains('pending'); }", arg=[before])
    page.wait_for_selector("#add-files:not([disabled])")
    return str(page.locator("#library-notice").inner_text())


def test_uploads_through_the_page(server: Served, new_page: Any) -> None:
    page = new_page(server.url)
    first = b"The Brackwater mill ground flour until 1952.\n"
    second = b"The Brackwater mill wheel was painted red in 1961.\n"
    notice = _add(page, [{"name": "mill.txt", "mimeType": "text/plain", "buffer": first}])
    assert "Added mill.txt." in notice, notice
    notice = _add(page, [{"name": "mill.txt", "mimeType": "text/plain", "buffer": second}])
    assert "kept as mill (2).txt: a different file named mill.txt was uploaded before" in notice
    notice = _add(page, [{"name": "tool.txt", "mimeType": "text/plain", "buffer": b"\x7fELF\x02\x01\x00\x00binary"},
                         {"name": "report.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00not a pdf"}])
    assert "Not added: tool.txt: looks binary" in notice and "Not added: report.pdf: not a readable PDF" in notice
    uploads = server.folder / "data" / "uploads"
    assert (uploads / "mill.txt").read_bytes() == first and (uploads / "mill (2).txt").read_bytes() == second
    assert not (uploads / "tool.txt").exists() and not (uploads / "report.pdf").exists()
    documents = str(page.locator("#documents").inner_text())
    assert "mill.txt" in documents and "mill (2).txt" in documents
    for data in (first, second, b"binary", b"not a pdf"):  # Gradio's copies are gone once added or refused
        assert _files_holding(_cache(server), data.decode("latin-1")) == []
    big = b"The mill. " * 6000  # 60 KB, over the 50 KB limit this server has
    page.locator("#upload input[type=file]").set_input_files(
        [{"name": "big.txt", "mimeType": "text/plain", "buffer": big}])
    page.wait_for_selector(".toast-body")
    toast = page.locator(".toast-wrap").first.inner_text()
    assert 'exceed the maximum allowed size' in toast and '"big.txt"' in toast
    assert not (uploads / "big.txt").exists() and _files_holding(_cache(server), "The mill. The mill.") == []


def test_answers_leave_nothing_in_the_temp_folder(server: Served) -> None:
    from gradio_client import Client

    temp = server.folder / "temp"
    before = sorted(temp.iterdir())
    client = Client(server.url, verbose=False)
    messages: list[object] = []
    for question in ("Which publication does the Pakistani editor Rao Abdul work for?",
                     "What did he say about Beijing's economy?",
                     "How many life and health companies have registered and set up in BDIAEZ so far?"):
        messages, *_ = client.predict(question, messages, api_name="/ask")
    assert sorted(temp.iterdir()) == before
    exports = [p for p in (_cache(server) / "conversation-exports").rglob("*") if p.is_file()]
    assert len(exports) <= 1  # this session's, written over at each answer
