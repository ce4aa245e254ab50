"""The OpenAI-compatible API over the fake models, through Starlette's test client.

The official openai client against a real `assistant serve` is in tests/integration/test_openai_api_served.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fakes import FakeGenerator, source_number
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from assistant import openai_api
from assistant.openai_api import Message, answer_text, conversation
from assistant.web import Server
from assistant.wiring import Assistant

QUESTION = "Which firm designed the new breakwater at Port Ellery?"


def _calloway(prompt: str, grammar: str | None) -> str:
    return f" Calloway and Finch designed it [{source_number(prompt, 'Calloway')}].\n"


def _client(assistant: Assistant) -> TestClient:
    app = Starlette(routes=[Mount("/v1", app=openai_api.create(Server(assistant)))])
    return TestClient(app)


def _ask(client: TestClient, *messages: tuple[str, str], **extra: Any) -> Any:
    body = {"model": "cited-docs-assistant", "messages": [{"role": r, "content": c} for r, c in messages], **extra}
    return client.post("/v1/chat/completions", json=body)


def _events(text: str) -> list[Any]:
    data = [line.removeprefix("data: ") for line in text.splitlines() if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    return [json.loads(d) for d in data[:-1]]


def test_an_answer_has_markers_in_its_text_and_a_list_of_citations(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    generator.queue(_calloway)
    response = _ask(_client(indexed), ("user", QUESTION))
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == openai_api.MODEL_ID
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop"
    message = choice["message"]
    assert message["role"] == "assistant" and message["refused"] is False
    text, _, sources = message["content"].partition("\n\n")
    assert "[1]" in text and "Calloway and Finch" in text
    assert sources.startswith('- [1] harbour.txt, characters ')
    [citation] = message["citations"]
    assert citation["n"] == 1 and citation["document"] == "harbour.txt"
    assert "Calloway and Finch designed the new breakwater" in citation["quote"]
    assert citation["end"] > citation["start"] and citation["pages"] == []


def test_a_stream_sends_the_role_at_once_then_the_checked_answer(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    generator.queue(_calloway, _calloway)
    client = _client(indexed)
    whole = _ask(client, ("user", QUESTION)).json()["choices"][0]["message"]
    response = _ask(client, ("user", QUESTION), stream=True)
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = _events(response.text)
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert deltas[0] == {"role": "assistant", "content": ""}
    assert "".join(d.get("content") or "" for d in deltas) == whole["content"]
    assert [d["citations"] for d in deltas if "citations" in d] == [whole["citations"]]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_a_refusal_is_an_ordinary_answer(indexed: Assistant) -> None:
    response = _ask(_client(indexed), ("user", "What is the capital of France?"))
    assert response.status_code == 200
    message = response.json()["choices"][0]["message"]
    assert message["content"] == indexed.templates.refusal()
    assert message["citations"] == [] and message["refused"] is True


def test_earlier_messages_are_the_conversation(indexed: Assistant, generator: FakeGenerator) -> None:
    client = _client(indexed)
    alone = _ask(client, ("user", "Why?")).json()["choices"][0]["message"]
    assert alone["refused"] is True  # nothing to search for on its own
    generator.queue(_calloway)
    earlier = "- [1] harbour.txt, characters 1–2: \"...\""
    followed = _ask(client, ("system", "Be brief."), ("user", QUESTION),
                    ("assistant", f"Calloway and Finch [1].\n\n{earlier}"), ("user", "Why?")).json()
    assert followed["choices"][0]["message"]["citations"][0]["document"] == "harbour.txt"


def test_conversation_pairs_questions_with_the_answers_without_their_sources() -> None:
    messages = [Message(role="system", content="Be brief."), Message(role="user", content="Who?"),
                Message(role="assistant", content="**Ann** did [1].\n\n- [1] a.txt, characters 1–9: \"Ann did.\""),
                Message(role="user", content=[{"type": "text", "text": "Where?"}]),
                Message(role="user", content="And when?")]
    assert conversation(messages) == ("And when?", [("Who?", "Ann did [1]."), ("Where?", "")])
    assert answer_text("The documents do not say.") == "The documents do not say."


def test_models_lists_the_assistant(indexed: Assistant) -> None:
    body = _client(indexed).get("/v1/models").json()
    assert [m["id"] for m in body["data"]] == [openai_api.MODEL_ID]


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic c2VjcmV0", "secret"])
def test_a_key_is_asked_when_set(make_assistant: Callable[..., Assistant], header: str | None) -> None:
    client = _client(make_assistant(api_key="secret"))
    headers = {"Authorization": header} if header else {}
    for response in (client.get("/v1/models", headers=headers),
                     client.post("/v1/chat/completions", headers=headers, json={})):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_api_key"
    assert client.get("/v1/models", headers={"Authorization": "Bearer secret"}).status_code == 200


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"messages": []}, "bad request: messages"),
        ({"model": "x"}, "bad request: messages: Field required"),
        ({"messages": [{"role": "assistant", "content": "Hi"}]}, "end with the user's question"),
        ({"messages": [{"role": "user", "content": "  "}]}, "the last user message is empty"),
        ({"messages": [{"role": "user", "content": "x" * 3000}]}, "over the limit"),
    ],
)
def test_a_bad_request_is_400_with_one_line(indexed: Assistant, body: dict[str, Any], says: str) -> None:
    response = _client(indexed).post("/v1/chat/completions", json=body)
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert says in message and "\n" not in message


def test_not_json_is_400(indexed: Assistant) -> None:
    response = _client(indexed).post("/v1/chat/completions", content=b"{not json",
                                     headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["message"].startswith("bad request")


def test_an_empty_index_is_503_before_any_stream(assistant: Assistant) -> None:
    response = _ask(_client(assistant), ("user", QUESTION), stream=True)
    assert response.status_code == 503
    assert "is empty; run `assistant index` first" in response.json()["error"]["message"]
