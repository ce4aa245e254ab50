"""A small fake OpenAI-compatible model server on a real port, for the unit tests of ServerGenerator.

It lists one model, streams a queued completion word by word, records every request body, and
asks for a key or offers llama-cpp-python's tokenizer endpoint when told to. A stream it is
told to hold sends its first piece and then waits until the client goes away, which it records.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class FakeModelServer:
    reply: str = " Calloway and Finch [1].\n"
    key: str | None = None
    tokenizer: bool = True
    status: int = 200  # anything else: completions answer this status with an error message
    hold: bool = False
    endless: bool = False  # after the reply, a word every 20 ms until the client goes away (or 1000 words)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    closed: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/v1/models", self._models),
            Route("/v1/completions", self._completions, methods=["POST"]),
            Route("/extras/tokenize", self._tokenize, methods=["POST"]),
        ])

    def _refused(self, request: Request) -> Response | None:
        if self.key and request.headers.get("authorization") != f"Bearer {self.key}":
            return JSONResponse({"detail": "Invalid API Key"}, 401)
        return None

    async def _models(self, request: Request) -> Response:
        return self._refused(request) or JSONResponse({"object": "list", "data": [
            {"id": "fake-model", "object": "model", "created": 0, "owned_by": "me"}]})

    async def _tokenize(self, request: Request) -> Response:
        if not self.tokenizer:
            return JSONResponse({"detail": "Not Found"}, 404)
        body = await request.json()
        return self._refused(request) or JSONResponse({"tokens": [0] * (len(body["input"].split()) + 1)})

    async def _completions(self, request: Request) -> Response:
        refused = self._refused(request)
        if refused:
            return refused
        body = await request.json()
        self.bodies.append(body)
        if self.status != 200:
            return JSONResponse({"error": {"message": "grammar: parse error at line 1", "type": "bad"}},
                                self.status)
        return StreamingResponse(self._pieces(), media_type="text/event-stream")

    async def _pieces(self) -> AsyncIterator[str]:
        try:
            for piece in re.findall(r"\s*\S+|\s+$", self.reply):
                yield f"data: {json.dumps(self._chunk(piece))}\n\n"
                if self.hold:
                    await anyio.sleep_forever()
            for _ in range(1000 if self.endless else 0):
                await anyio.sleep(0.02)
                yield f"data: {json.dumps(self._chunk(' more'))}\n\n"
            yield "data: [DONE]\n\n"
        finally:
            self.closed.set()

    @staticmethod
    def _chunk(piece: str) -> dict[str, Any]:
        return {"id": "c", "object": "text_completion", "created": 0, "model": "fake-model",
                "choices": [{"index": 0, "text": piece, "finish_reason": None, "logprobs": None}]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(fake: FakeModelServer) -> Iterator[FakeModelServer]:
    """Serve ``fake`` on a free loopback port for the block; ``fake.url`` is its API root."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(fake.app(), host="127.0.0.1", port=port, log_level="error",
                                           lifespan="off", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the fake model server did not start"
        time.sleep(0.01)
    fake.url = f"http://127.0.0.1:{port}/v1"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join()
