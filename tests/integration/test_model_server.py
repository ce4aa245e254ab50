"""Answers through a real model server: llama-cpp-python's (`python -m llama_cpp.server`) on the
bundled GGUF, on a free port, with a key. The answers must be the in-process model's, word for word."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from assistant.errors import ModelServerError
from assistant.llm import bundled_model_path, complete
from assistant.remote_llm import ServerGenerator
from assistant.settings import load_settings
from assistant.wiring import Assistant

pytestmark = pytest.mark.integration
KEY = "model-server-key"
ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = [
    "Which publication does the Pakistani editor Rao Abdul work for?",
    "Who are the two academicians heading the life and health expert committee of the Daxing airport "
    "economic zone?",
    "When did Daxing host the Fourth Collaborative Innovation Workshop for the biomedicine industry "
    "clusters of national high-tech zones?",
    "How many journalists toured Haidian in March 2023?",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The server's API root and the file its output goes to; the same threads and batch as in-process."""
    port = _free_port()
    log = tmp_path_factory.mktemp("model-server") / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_model_path()), "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", "2048", "--n_threads", "2", "--n_threads_batch", "2",
             "--n_batch", "512", "--api_key", KEY], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    client = openai.OpenAI(base_url=url, api_key=KEY, max_retries=0, timeout=5)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, log.read_text()
            try:
                client.models.list()
                break
            except openai.APIConnectionError:
                assert time.monotonic() < deadline, f"the model server did not start:\n{log.read_text()}"
                time.sleep(0.5)
        yield url, log
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def remote(assistant: Assistant, data_dir: Path, model_server: tuple[str, Path]) -> Assistant:
    """The same index and embedder as ``assistant``, answering through the model server."""
    settings = load_settings(data_dir=data_dir, model_url=model_server[0], model_api_key=KEY)
    return Assistant(settings, embedder=assistant.embedder, store=assistant.store)


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_answer_is_the_in_process_models(assistant: Assistant, remote: Assistant, question: str) -> None:
    here, there = assistant.ask(question), remote.ask(question)
    assert there.prompt == here.prompt
    assert there.raw_output == here.raw_output
    assert (there.text, there.citations, there.refused) == (here.text, here.citations, here.refused)
    assert there.citations and not there.refused


def test_prompts_are_counted_by_the_servers_tokenizer(assistant: Assistant, remote: Assistant) -> None:
    prompt = assistant.ask(QUESTIONS[0]).prompt
    assert remote.generator.count(prompt) == assistant.generator.count(prompt)
    assert "/extras/tokenize" in getattr(remote.generator, "counting", "")


def test_the_server_follows_the_grammar(remote: Assistant) -> None:
    # No likely token starts this string: only a grammar makes the model write it.
    assert complete(remote.generator, "Once upon a time", 'root ::= "zqxv wkj" "\\n"', 16) == "zqxv wkj\n"


def test_closing_the_stream_stops_the_server(remote: Assistant, model_server: tuple[str, Path]) -> None:
    log = model_server[1]
    before = log.read_text().count("Disconnected from client")
    stream = remote.generator.stream("Once upon a time, in a city by the sea,", None, 400)
    assert next(stream)
    stream.close()  # what Stop does, through the answering flow
    deadline = time.monotonic() + 60
    while log.read_text().count("Disconnected from client") == before:
        assert time.monotonic() < deadline, "the server did not notice the closed stream"
        time.sleep(0.2)
    assert complete(remote.generator, "The sky is", None, 4)  # and it answers the next request


def test_a_wrong_key_or_no_server_is_one_line(model_server: tuple[str, Path]) -> None:
    with pytest.raises(ModelServerError, match=r"refused the key \(401\); set model_api_key to its key$"):
        ServerGenerator(model_server[0], "wrong-key")
    down = f"http://127.0.0.1:{_free_port()}/v1"
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", "Who?"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env={**os.environ, "ASSISTANT_MODEL_URL": down})
    assert result.returncode == 2
    assert result.stderr == f"error: the model server at {down} cannot be reached; start it, or fix model_url\n"
