"""The OpenAI-compatible API of a real `assistant serve` (bundled models, the seeds' index), asked with
the official openai client: answers and citations, streamed and not, refusals, follow-ups, the key."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from assistant.openai_api import MODEL_ID
from assistant.wiring import Assistant

pytestmark = pytest.mark.integration
KEY = "api-key-for-tests"
ROOT = Path(__file__).resolve().parents[2]
RAO = "Which publication does the Pakistani editor Rao Abdul work for?"
RAO_FILE = "003_67ffcfc3e0323f3a.txt"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def api_url(assistant: Assistant, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`assistant serve` over the indexed seeds, with an API key; its API root."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_API_KEY": KEY}
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)], cwd=ROOT,
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    probe = openai.OpenAI(base_url=url, api_key=KEY, max_retries=0, timeout=5)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, log.read_text()
            try:
                probe.models.list()
                break
            except openai.APIConnectionError:
                assert time.monotonic() < deadline, f"assistant serve did not start:\n{log.read_text()}"
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture()
def client(api_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=api_url, api_key=KEY, max_retries=0, timeout=300)


def test_models_lists_the_assistant(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == [MODEL_ID]


def test_an_answer_carries_markers_and_citations(client: openai.OpenAI, assistant: Assistant) -> None:
    reply = client.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": RAO}])
    message = reply.choices[0].message
    assert reply.choices[0].finish_reason == "stop"
    assert message.content and "Express Tribune" in message.content and "[1]" in message.content
    extra = message.model_extra or {}
    assert extra["refused"] is False
    [citation] = extra["citations"]
    assert citation["document"] == RAO_FILE and "The Express Tribune" in citation["quote"]
    here = assistant.ask(RAO)  # the same answer as in this process, citation for citation
    assert [(c.source, c.start, c.end, c.text) for c in here.citations] == [
        (c["document"], c["start"], c["end"], c["quote"]) for c in extra["citations"]]
    assert f"- [1] {RAO_FILE}, characters {citation['start']}–{citation['end']}" in message.content


def test_a_stream_ends_with_the_same_answer(client: openai.OpenAI) -> None:
    whole = client.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": RAO}])
    chunks = list(client.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": RAO}],
                                                 stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole.choices[0].message.content
    cited = [(c.choices[0].delta.model_extra or {}).get("citations") for c in chunks]
    assert [c for c in cited if c is not None] == [(whole.choices[0].message.model_extra or {})["citations"]]
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_a_refusal_is_an_ordinary_answer(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model=MODEL_ID, messages=[{"role": "user", "content": "How many employees work at Sinovac's Daxing factory?"}])
    message = reply.choices[0].message
    assert message.content == "The documents do not say."
    assert (message.model_extra or {})["citations"] == [] and (message.model_extra or {})["refused"] is True


def test_a_follow_up_reads_the_conversation(client: openai.OpenAI) -> None:
    first = "How many journalists toured Haidian in March 2023?"
    answer = client.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": first}])
    content = answer.choices[0].message.content or ""
    follow = client.chat.completions.create(model=MODEL_ID, messages=[
        {"role": "user", "content": first}, {"role": "assistant", "content": content},
        {"role": "user", "content": "How many countries were they from?"}])
    message = follow.choices[0].message
    assert (message.model_extra or {})["refused"] is False
    assert "countries" in (message.content or "")


def test_a_closed_stream_leaves_the_model_free(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": RAO}], stream=True)
    first = next(iter(stream))
    assert first.choices[0].delta.role == "assistant"
    stream.close()  # the client goes away before the answer
    reply = client.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": RAO}])
    assert "Express Tribune" in (reply.choices[0].message.content or "")


def test_without_the_key_it_is_401(api_url: str) -> None:
    client = openai.OpenAI(base_url=api_url, api_key="wrong-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="missing or wrong API key"):
        client.models.list()
    with pytest.raises(openai.AuthenticationError, match="missing or wrong API key"):
        client.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": RAO}])
    # The openai client always sends a key; without any header at all:
    bare = httpx.post(f"{api_url}/chat/completions", json={"messages": [{"role": "user", "content": RAO}]})
    assert bare.status_code == 401 and bare.json()["error"]["code"] == "invalid_api_key"
