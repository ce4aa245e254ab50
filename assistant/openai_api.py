"""An OpenAI-compatible API of the assistant: ``/v1/chat/completions`` (streamed or not) and ``/v1/models``.

`assistant serve` mounts it at ``/v1`` on the app that serves the chat page, so one port and one
model queue serve both: a question through the API waits for the model like a visitor's does.

The last user message is the question; the messages before it are the conversation, and a
follow-up is read with it as in the chat. The reply is the checked answer, never the model's
draft: a stream sends the assistant's role at once and the checked answer when it is ready (a
client cannot take back streamed text, so the draft is not streamed). A refusal is an answer
like any other. What a reply holds beyond the usual fields:

    message.content    the answer with its markers ([1]), then a Markdown list of the cited passages
    message.citations  [{"n", "document", "quote", "start", "end", "pages", "chunk_id"}, ...]
    message.refused    true when the documents do not answer ("The documents do not say.")

Closing a stream stops the model at its next token. With the ``api_key`` setting, a request
without ``Authorization: Bearer <key>`` gets 401. Errors are OpenAI's shape:
``{"error": {"message", "type", "code"}}``.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant import rendering
from assistant.errors import AssistantError, IndexStateError, ModelError, QuestionError
from assistant.prompting import Turn
from assistant.types import Answer, Citation

if TYPE_CHECKING:
    from assistant.web import Server

MODEL_ID = "cited-docs-assistant"
_SOURCES = re.compile(r"\n\n- \[\d+\] ")  # where the list of cited passages starts in an answer's content


class ApiError(Exception):
    """A request the API answers with an error status and one line saying why."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code

    def response(self) -> JSONResponse:
        kind = "invalid_request_error" if self.status < 500 else "server_error"
        return JSONResponse({"error": {"message": self.message, "type": kind, "code": self.code}}, self.status)


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        """The message's text, whether its content is a string or a list of parts."""
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type", "text") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """What a chat completion request must hold; other OpenAI fields (temperature, ...) are ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = MODEL_ID
    messages: list[Message] = Field(min_length=1)
    stream: bool = False


def conversation(messages: list[Message]) -> tuple[str, list[Turn]]:
    """The question (the last message, the user's) and the exchanges before it.

    >>> conversation([Message(role="user", content="Who?"), Message(role="assistant", content="Ann [1]."),
    ...               Message(role="user", content="And when?")])
    ('And when?', [('Who?', 'Ann [1].')])
    """
    if messages[-1].role != "user":
        raise ApiError(400, f"the last message is the {messages[-1].role}'s; end with the user's question")
    question = messages[-1].text.strip()
    if not question:
        raise ApiError(400, "the last user message is empty; send a question")
    turns: list[Turn] = []
    asked: str | None = None
    for message in messages[:-1]:  # system and tool messages play no part
        if message.role == "user":
            if asked is not None:
                turns.append((asked, ""))
            asked = message.text.strip()
        elif message.role == "assistant" and asked is not None:
            turns.append((asked, answer_text(message.text)))
            asked = None
    if asked is not None:
        turns.append((asked, ""))
    return question, turns


def answer_text(content: str) -> str:
    """An earlier reply as the conversation remembers it: the answer, without its list of passages."""
    return _SOURCES.split(content, maxsplit=1)[0].replace("**", "").strip()


def citation_record(citation: Citation) -> dict[str, Any]:
    return {"n": citation.n, "document": citation.source, "quote": citation.text, "start": citation.start,
            "end": citation.end, "pages": list(citation.pages), "chunk_id": citation.chunk_id}


def reply(answer: Answer) -> dict[str, Any]:
    """The answer as an assistant message: text with markers and passages, and the structured list."""
    return {"role": "assistant", "content": rendering.answer_markdown(answer).rstrip(),
            "citations": [citation_record(c) for c in answer.citations], "refused": answer.refused}


def create(server: Server) -> FastAPI:
    """The API as an app to mount at ``/v1``, answering through ``server``'s model queue."""
    api = FastAPI(title="assistant (OpenAI-compatible)", openapi_url=None, docs_url=None, redoc_url=None)

    @api.exception_handler(ApiError)
    async def refused(request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @api.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"] if p != "body") or "body"
        return ApiError(400, f"bad request: {where}: {first['msg']}").response()

    def authorized(request: Request) -> None:
        key = server.assistant.settings.api_key
        if key is None:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(),
                                                                     key.get_secret_value().encode()):
            raise ApiError(401, "missing or wrong API key: send the api_key setting's value as "
                           "'Authorization: Bearer <key>'", "invalid_api_key")

    @api.get("/models", dependencies=[Depends(authorized)])
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [_model_card()]}

    @api.get("/models/{model}", dependencies=[Depends(authorized)])
    def model(model: str) -> dict[str, Any]:
        return _model_card()

    @api.post("/chat/completions", dependencies=[Depends(authorized)], response_model=None)
    async def chat(body: ChatRequest) -> dict[str, Any] | StreamingResponse:
        question, history = conversation(body.messages)
        assistant = server.assistant
        try:
            assistant.check_question(question, history)
            assistant.check_index()
        except AssistantError as exc:
            raise _api_error(exc) from None
        call = _Call(server, question, history)
        if body.stream:
            return StreamingResponse(call.events(), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache"})
        try:
            answer = await anyio.to_thread.run_sync(call.answer)
        except AssistantError as exc:
            raise _api_error(exc) from None
        return {**call.head("chat.completion"),
                "choices": [{"index": 0, "message": reply(answer), "finish_reason": "stop"}]}

    return api


class _Call:
    """One question through the server's model queue, under a session of its own (its own Stop)."""

    def __init__(self, server: Server, question: str, history: list[Turn]) -> None:
        self.server, self.question, self.history = server, question, history
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.session = f"api-{self.id}"

    def head(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": MODEL_ID}

    def answer(self) -> Answer:
        """The checked answer (blocking: run it in a worker thread)."""
        try:
            for item in self.server.ask(self.question, self.history, self.session):
                if isinstance(item, Answer):
                    return item
            raise AssertionError("the answering flow ended without an answer")
        finally:
            self.server.forget(self.session)

    async def events(self) -> AsyncIterator[str]:
        """Server-sent events: the role at once, then the checked answer, then the end."""
        stop = self.server.stop_flag(self.session)
        yield self._chunk({"role": "assistant", "content": ""})
        try:
            # abandon_on_cancel: when the client goes away the wait ends at once and ``finally``
            # stops the model, instead of waiting for the answer nobody reads.
            answer = await anyio.to_thread.run_sync(self.answer, abandon_on_cancel=True)
            yield self._chunk(reply(answer))
            yield self._chunk({}, "stop")
        except AssistantError as exc:
            error = _api_error(exc)
            yield f"data: {json.dumps({'error': {'message': error.message, 'type': 'server_error'}})}\n\n"
        finally:
            stop.set()  # a no-op once the answer is made: its flag is no longer the session's
        yield "data: [DONE]\n\n"

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return f"data: {json.dumps({**self.head('chat.completion.chunk'), 'choices': [choice]})}\n\n"


def _model_card() -> dict[str, Any]:
    return {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "assistant"}


def _api_error(exc: AssistantError) -> ApiError:
    if isinstance(exc, QuestionError):
        return ApiError(400, str(exc))
    if isinstance(exc, IndexStateError | ModelError):
        return ApiError(503, str(exc))
    return ApiError(500, str(exc))
