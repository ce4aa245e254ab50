"""ServerGenerator against a small fake OpenAI-compatible server on a real port: what it sends,
how it counts, how it stops, and the one line it says when the server fails it.

The real llama.cpp server is in tests/integration/test_model_server.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fake_model_server import FakeModelServer, free_port, running

from assistant.errors import ModelServerError
from assistant.llm import complete
from assistant.remote_llm import ServerGenerator, estimate
from assistant.settings import load_settings
from assistant.wiring import Assistant

GRAMMAR = 'root ::= [^\\n]+ "[1]." "\\n"'


@pytest.fixture()
def fake() -> Iterator[FakeModelServer]:
    with running(FakeModelServer()) as server:
        yield server


def test_streams_the_completion_and_sends_the_grammar_greedy(fake: FakeModelServer) -> None:
    generator = ServerGenerator(fake.url)
    pieces = list(generator.stream("Question: who?\nAnswer:", GRAMMAR, 24))
    assert "".join(pieces) == fake.reply
    assert len(pieces) > 1  # streamed, not in one piece
    body = fake.bodies[-1]
    assert body["model"] == "fake-model"  # no model_name: the first the server lists
    assert body["prompt"] == "Question: who?\nAnswer:"
    assert body["grammar"] == GRAMMAR
    assert (body["temperature"], body["max_tokens"], body["repeat_penalty"]) == (0.0, 24, 1.0)
    assert body["stream"] is True


def test_the_grammar_goes_in_the_field_named_or_nowhere(fake: FakeModelServer) -> None:
    complete(ServerGenerator(fake.url, model="named", grammar_field="guided_grammar"), "p", GRAMMAR, 8)
    assert fake.bodies[-1]["guided_grammar"] == GRAMMAR
    assert "grammar" not in fake.bodies[-1]
    assert fake.bodies[-1]["model"] == "named"
    complete(ServerGenerator(fake.url, grammar_field=""), "p", GRAMMAR, 8)
    assert "grammar" not in fake.bodies[-1] and "guided_grammar" not in fake.bodies[-1]


def test_counts_with_the_servers_tokenizer(fake: FakeModelServer) -> None:
    generator = ServerGenerator(fake.url)
    assert generator.count("one two three") == 4  # the fake's tokenizer: words + BOS
    assert "/extras/tokenize" in generator.counting


def test_without_a_tokenizer_counts_are_an_estimate_and_it_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with running(FakeModelServer(tokenizer=False)) as fake:
        generator = ServerGenerator(fake.url)
        text = "The harbour wall at Port Ellery was rebuilt in 1987 at a cost of 2,400,000 pounds."
        assert generator.count(text) == estimate(text) > len(text.split())
    assert "estimate" in generator.counting
    assert "no tokenizer endpoint" in capsys.readouterr().err


def test_closing_the_stream_closes_the_connection() -> None:
    with running(FakeModelServer(hold=True)) as fake:
        stream = ServerGenerator(fake.url).stream("p", None, 24)
        assert next(stream)
        assert not fake.closed.is_set()
        stream.close()  # what Stop does, through the answering flow
        assert fake.closed.wait(10), "the server went on streaming after the stream was closed"


def test_a_wrong_key_is_one_line() -> None:
    with running(FakeModelServer(key="right")) as fake:
        assert complete(ServerGenerator(fake.url, api_key="right"), "p", None, 8)
        with pytest.raises(ModelServerError, match=r"refused the key \(401\); set model_api_key"):
            ServerGenerator(fake.url, api_key="wrong")


def test_an_unreachable_server_is_one_line() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ModelServerError, match=r"cannot be reached; start it, or fix model_url") as caught:
        ServerGenerator(url)
    assert url in str(caught.value) and "\n" not in str(caught.value)


def test_a_rejected_request_says_what_the_server_said() -> None:
    with running(FakeModelServer(status=400)) as fake:
        generator = ServerGenerator(fake.url)
        with pytest.raises(ModelServerError, match=r"rejected the request: grammar: parse error at line 1"):
            complete(generator, "p", GRAMMAR, 8)


def test_model_url_chooses_the_server_generator(fake: FakeModelServer, data_dir: object) -> None:
    settings = load_settings(data_dir=data_dir, model_url=fake.url, model_api_key="k", model_name="m")
    generator = Assistant(settings).generator
    assert isinstance(generator, ServerGenerator)
    assert generator.name == f"m at {fake.url}"
    assert "k" not in str(settings.model_api_key)  # `assistant settings` shows it masked


def test_a_server_gone_after_the_start_is_one_line() -> None:
    with running(FakeModelServer()) as fake:
        generator = ServerGenerator(fake.url)
        assert generator.count("one two") == 3
    with pytest.raises(ModelServerError, match=r"cannot be reached"):
        generator.count("one two")
    with pytest.raises(ModelServerError, match=r"cannot be reached"):
        complete(generator, "p", None, 8)


def test_stop_on_the_page_closes_the_servers_stream(make_assistant: Callable[..., Assistant]) -> None:
    from assistant.web import Server, Stopped

    indexed = make_assistant()
    indexed.index()
    with running(FakeModelServer(reply=" The firm", endless=True)) as fake:
        remote = Assistant(indexed.settings, embedder=indexed.embedder, store=indexed.store,
                           generator=ServerGenerator(fake.url))
        server = Server(remote)
        answer = server.ask("Which firm designed the new breakwater at Port Ellery?", [], "visitor")
        assert isinstance(next(answer), str)  # the model is writing
        server.stop_flag("visitor").set()  # what the Stop button does
        with pytest.raises(Stopped):
            list(answer)
        assert fake.closed.wait(10), "the server went on streaming after Stop"
