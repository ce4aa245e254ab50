"""What the page's HTTP server enforces on every request and response, in front of Gradio.

The page is served to one person's browser, which has other sites open too, and other
pages on other localhost ports. None of them may read from the page or act on it:

* Every response carries :data:`HEADERS`: a Content-Security-Policy (images, media and
  connections to the page itself only, no plugins, no frames, and no framing of the page),
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
  ``X-Frame-Options: DENY`` and same-origin resource and opener policies.
* Cross-origin access is never granted: any ``Access-Control-Allow-*`` header (Gradio
  grants one to every localhost origin) is dropped from every response.
* A request that another origin's page makes is refused with 403 before Gradio sees it:
  an ``Origin`` header that is not the page's own, or a browser's ``Sec-Fetch-Site`` of
  ``cross-site`` or ``same-site`` (another port of localhost is the same site). Only a
  top-level navigation is let through, so a link to the page still opens it. This refuses
  cross-site uploads, questions and preflights alike. Under the ``own_only`` prefixes (the
  original PDFs, ``/files/``) a navigation from another site is refused too: only the page
  itself, a bookmark or the address bar opens them.
* Served on a loopback address, a ``Host`` header that is not a loopback name is refused,
  so a DNS-rebinding page cannot pass for the page itself.
* Gradio's file routes (``/gradio_api/file=``, ``/file=``) serve any file in its cache
  folder, whoever put it there; here they serve only files the page itself made (an
  upload, an export), as ``may_serve`` says, and refuse everything else with 403.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

POLICY = ("img-src 'self' data: blob:; media-src 'self' data: blob:; connect-src 'self' data: blob:; "
          "object-src 'none'; frame-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
HEADERS = {
    "content-security-policy": POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-resource-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
_ALLOWED_SITES = {"same-origin", "none"}  # "none": typed in the address bar, a bookmark


def _host_name(host: str) -> str:
    """``127.0.0.1:7860`` → ``127.0.0.1``; ``[::1]:7860`` → ``[::1]``."""
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def refusal(method: str, headers: dict[str, str], loopback_only: bool, navigation_ok: bool = True) -> str | None:
    """Why a request must be refused, or None. ``headers`` have lower-case names.

    ``navigation_ok``: whether another site's link may open the path (the page: yes).
    """
    host = headers.get("host", "")
    if loopback_only and _host_name(host).lower() not in LOOPBACK:
        return f"host {host!r} is not this server's loopback address"
    origin = headers.get("origin")
    if origin is not None and origin.lower() not in (f"http://{host}".lower(), f"https://{host}".lower()):
        return f"requests from {origin} are not accepted (another site)"
    site = headers.get("sec-fetch-site")
    if site is not None and site not in _ALLOWED_SITES:
        navigation = (navigation_ok and method in ("GET", "HEAD") and headers.get("sec-fetch-mode") == "navigate"
                      and headers.get("sec-fetch-dest", "document") == "document")
        if not navigation:
            return "requests made by another site's page are not accepted"
    return None


FILE_ROUTES = ("/gradio_api/file=", "/file=")


def made_by(files: Callable[[], Iterable[str]]) -> Callable[[str], bool]:
    """A ``may_serve`` that allows exactly ``files()`` (followed to where they really are)."""

    def may_serve(path: str) -> bool:
        wanted = os.path.realpath(path)
        return any(os.path.realpath(f) == wanted for f in files())

    return may_serve


class HttpSafety:
    """ASGI middleware: refuse cross-site requests, add :data:`HEADERS`, drop CORS grants.

    ``loopback_only``: refuse Host headers that are not a loopback name (serving on 127.0.0.1).
    ``may_serve``: whether a path asked for on a file route is one the page made (default: none).
    ``own_only``: path prefixes that no other site may open, not even by a link.
    """

    def __init__(self, app: Any, loopback_only: bool = True,
                 may_serve: Callable[[str], bool] | None = None, own_only: tuple[str, ...] = ()) -> None:
        self.app = app
        self.loopback_only = loopback_only
        self.may_serve = may_serve or (lambda path: False)
        self.own_only = own_only

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        navigation_ok = not str(scope.get("path", "")).startswith(self.own_only)
        why = (refusal(scope.get("method", "GET"), headers, self.loopback_only, navigation_ok)
               or self._file_refusal(scope))
        if why is not None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            body = f"Refused: {why}.\n".encode()
            await send({"type": "http.response.start", "status": 403, "headers": [
                *_encoded(HEADERS), (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return

        async def guarded(message: Any) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", [])
                        if k.lower() not in _OURS and not k.lower().startswith(b"access-control-")]
                message["headers"] = [*kept, *_encoded(HEADERS)]
            await send(message)

        await self.app(scope, receive, guarded)


    def _file_refusal(self, scope: Any) -> str | None:
        path = str(scope.get("path", ""))  # already percent-decoded by the server
        for route in FILE_ROUTES:
            if path.startswith(route):
                wanted = path[len(route):]
                if "\x00" in wanted or not os.path.isabs(wanted) or not self.may_serve(wanted):
                    return "not a file this page made"
        return None


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


_OURS = {k.encode("latin-1") for k in HEADERS}


def protected_app(host: str, may_serve: Callable[[str], bool], own_only: tuple[str, ...] = ()) -> Any:
    """A FastAPI app with :class:`HttpSafety` in front of everything mounted on it, and no routes of its own."""
    from fastapi import FastAPI
    from starlette.middleware import Middleware

    loopback = host.lower() in LOOPBACK
    return FastAPI(docs_url=None, redoc_url=None, openapi_url=None,
                   middleware=[Middleware(HttpSafety, loopback_only=loopback, may_serve=may_serve,
                                              own_only=own_only)])
