"""http_safety.HttpSafety on a small Starlette app: headers on every response, no cross-site access.

The same rules are checked against a real `assistant serve` in tests/browser/test_served_safety.py.
"""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from assistant.http_safety import HEADERS, POLICY, HttpSafety, made_by, refusal

OWN = "127.0.0.1:7860"


def _app(*middleware: Middleware) -> Starlette:
    async def page(request: Request) -> PlainTextResponse:
        # What Gradio's CORS middleware does for a localhost origin: the middleware must drop it.
        return PlainTextResponse("the page", headers={"x-kept": "yes", "access-control-allow-origin": "*",
                                                      "access-control-allow-credentials": "true",
                                                      "x-frame-options": "SAMEORIGIN"})

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    routes = [Route("/", page, methods=["GET", "POST", "OPTIONS"]), WebSocketRoute("/ws", socket)]
    return Starlette(routes=routes, middleware=list(middleware))


@pytest.fixture()
def client() -> TestClient:
    return TestClient(_app(Middleware(HttpSafety)), base_url=f"http://{OWN}")


def _has_our_headers(headers: object) -> None:
    for name, value in HEADERS.items():
        assert headers.get_list(name) == [value], name  # type: ignore[attr-defined]
    assert not [k for k in headers if k.lower().startswith("access-control-")]  # type: ignore[attr-defined]


def test_headers_on_every_response_and_cors_grants_dropped(client: TestClient) -> None:
    page, missing = client.get("/"), client.get("/nowhere")
    assert page.status_code == 200 and page.text == "the page" and page.headers["x-kept"] == "yes"
    assert missing.status_code == 404
    for response in (page, missing):
        _has_our_headers(response.headers)
    with client.websocket_connect(f"ws://{OWN}/ws") as ws:
        assert ws.receive_text() == "hello"


def test_without_the_middleware_there_is_no_policy() -> None:
    with TestClient(_app()) as client:
        assert "content-security-policy" not in client.get("/").headers


def test_policy_loads_images_media_and_frames_from_the_page_only() -> None:
    directives = dict(d.strip().split(" ", 1) for d in POLICY.split(";"))
    for kind in ("img-src", "media-src", "connect-src"):
        assert set(directives[kind].split()) <= {"'self'", "data:", "blob:"}
    assert directives["object-src"] == "'none'" and directives["frame-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


OTHER_ORIGINS = ["http://localhost:9999", "http://127.0.0.1:7861", "http://evil.example", "null",
                 "https://127.0.0.1:7860.evil.example", "http://127.0.0.1"]


@pytest.mark.parametrize("origin", OTHER_ORIGINS)
@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS"])
def test_another_origin_is_refused(client: TestClient, origin: str, method: str) -> None:
    headers = {"origin": origin, "access-control-request-method": "POST"}
    response = client.request(method, "/", headers=headers)
    assert response.status_code == 403 and response.text.startswith("Refused: requests from ")
    _has_our_headers(response.headers)


def test_the_pages_own_origin_is_served(client: TestClient) -> None:
    response = client.post("/", headers={"origin": f"http://{OWN}", "sec-fetch-site": "same-origin"})
    assert response.status_code == 200 and response.text == "the page"


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_request_from_another_sites_page_is_refused_but_a_link_opens_the_page(client: TestClient, site: str) -> None:
    fetch = {"sec-fetch-site": site, "sec-fetch-mode": "cors", "sec-fetch-dest": "empty"}
    assert client.post("/", headers=fetch).status_code == 403
    assert client.get("/", headers=fetch).status_code == 403
    assert client.get("/", headers={**fetch, "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image"}).status_code == 403
    navigate = {"sec-fetch-site": site, "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"}
    assert client.get("/", headers=navigate).status_code == 200
    assert client.post("/", headers=navigate).status_code == 403  # a form posted from another site
    assert client.get("/", headers={**navigate, "sec-fetch-dest": "iframe"}).status_code == 403


@pytest.mark.parametrize("host", ["evil.example", "evil.example:7860", "127.0.0.1.evil.example:7860", "10.0.0.1:7860"])
def test_on_loopback_another_host_name_is_refused(client: TestClient, host: str) -> None:
    response = client.get("/", headers={"host": host})
    assert response.status_code == 403 and "is not this server's loopback address" in response.text


def test_served_on_all_addresses_any_host_name_is_served() -> None:
    client = TestClient(_app(Middleware(HttpSafety, loopback_only=False)))
    assert client.get("/", headers={"host": "my-laptop.lan:7860"}).status_code == 200
    assert client.get("/", headers={"host": "my-laptop.lan:7860", "origin": "http://evil.example"}).status_code == 403


def test_a_websocket_from_another_origin_is_closed(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(f"ws://{OWN}/ws", headers={"origin": "http://evil.example"}):
        pass


@pytest.mark.parametrize(("host", "origin"), [("127.0.0.1:7860", "http://127.0.0.1:7860"),
                                              ("localhost:7860", "http://LOCALHOST:7860"),
                                              ("[::1]:7860", "http://[::1]:7860")])
def test_refusal_lets_the_own_origin_through(host: str, origin: str) -> None:
    assert refusal("POST", {"host": host, "origin": origin, "sec-fetch-site": "same-origin"}, True) is None


def test_file_routes_serve_only_what_the_page_made(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    made, planted = folder / "made.txt", folder / "planted.txt"
    made.write_text("made", encoding="utf-8")
    planted.write_text("planted", encoding="utf-8")
    (folder / "link.txt").symlink_to(made)
    app = Starlette(routes=[Route("/gradio_api/file={path:path}", lambda r: PlainTextResponse("served")),
                            Route("/file={path:path}", lambda r: PlainTextResponse("served"))],
                    middleware=[Middleware(HttpSafety, may_serve=made_by(lambda: [str(made)]))])
    client = TestClient(app, base_url=f"http://{OWN}")
    assert client.get(f"/gradio_api/file={made}").text == "served"
    assert client.get(f"/gradio_api/file={folder / 'link.txt'}").text == "served"  # the same file
    for path in (planted, folder / ".." / folder.name / "planted.txt", "made.txt", f"{made}%00", "/etc/passwd"):
        for route in ("/gradio_api/file=", "/file="):
            response = client.get(f"{route}{path}")
            assert response.status_code == 403 and "not a file this page made" in response.text, (route, path)
