"""web.Server without a browser: the status banner, streamed answers, Stop.

The generator here is a GatedGenerator: the worker thread gets each piece only when
the test releases it, so "stop after the first piece" happens at exactly that point.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path

import pytest
from fakes import FakeEmbedder, GatedGenerator, source_number

from assistant.errors import IndexStateError, ModelError
from assistant.settings import load_settings
from assistant.types import Answer
from assistant.web import BUNDLED, SEARCHING, Server, Stage, Stopped
from assistant.wiring import Assistant

QUESTION = "Which firm designed the breakwater?"
SESSION = "visitor-1"
WAIT = 10.0  # seconds a thread may take before a test gives up on it


def _reply(prompt: str, grammar: str | None) -> str:
    n = source_number(prompt, "Calloway")
    return f" The engineering firm Calloway and Finch designed the new breakwater [{n}].\n"


def _eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)


@pytest.fixture()
def generator() -> GatedGenerator:  # replaces the FakeGenerator of conftest for every Assistant here
    return GatedGenerator()


class _SlowFlag(threading.Event):
    """A stop flag whose clear() is slow on both sides, as if its thread were descheduled there."""

    def clear(self) -> None:
        time.sleep(0.1)
        super().clear()
        time.sleep(0.1)


class _SlowFlagServer(Server):
    def __init__(self, assistant: Assistant) -> None:
        super().__init__(assistant)
        self._slow: dict[str, _SlowFlag] = {}

    def stop_flag(self, session: str) -> threading.Event:
        return self._slow.setdefault(session, _SlowFlag())


@pytest.fixture(params=["flag", "slow-flag"])
def server(request: pytest.FixtureRequest, indexed: Assistant) -> Server:
    """A Server over the indexed corpus; every stop test runs again with a flag that clears slowly."""
    return Server(indexed) if request.param == "flag" else _SlowFlagServer(indexed)


def _answers(server: Server, generator: GatedGenerator, session: str = SESSION) -> list[str | Answer]:
    """Ask QUESTION and let every piece through; what ``ask`` yielded."""
    generator.queue(_reply)
    generator.release(1000)
    return list(server.ask(QUESTION, [], session))


# --- status ---------------------------------------------------------------------------


def test_status_says_the_index_is_empty(assistant: Assistant) -> None:
    status = Server(assistant).status()
    assert status.startswith("**The index is empty.**")
    assert "Documents" in status and "assistant index" in status


def test_status_says_ready_with_the_model_and_the_index_size(indexed: Assistant) -> None:
    chunks = indexed.store.count()
    assert Server(indexed).status() == (
        f"**Ready** · model: {BUNDLED} · 3 documents, {chunks} chunks · top-k {indexed.settings.top_k}"
    )
    other = Server(indexed.reconfigured(model="Tiny <b>Model</b>.gguf", top_k=2)).status()
    assert other.startswith("**Ready** · model: Tiny &#60;b&#62;Model&#60;/b&#62;.gguf · 3 documents")
    assert other.endswith("· top-k 2")


def test_status_shows_loading_then_the_model_problem(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, corpus: Path, embedder: FakeEmbedder
) -> None:
    def broken(model: str | None, models_dir: Path) -> Path:
        raise ModelError(f"{model}: truncated <script>alert(1)</script>; download it again")

    monkeypatch.setattr("assistant.wiring.resolve_model", broken)
    assistant = Assistant(load_settings(data_dir=data_dir, docs=[corpus], model="broken.gguf"), embedder=embedder)
    assistant.index()
    server = Server(assistant)
    with server.model_lock:  # the loader waits for the lock, so the banner says it is loading
        server.load_model()
        assert server.status() == "**Loading the model** (broken.gguf)…"
    _eventually(lambda: server.busy is None, "the model load ends")
    status = server.status()
    assert status.startswith("**Problem: the model could not be loaded.** broken.gguf: truncated ")
    assert "&#60;script&#62;alert&#40;1&#41;&#60;/script&#62;" in status and "<script" not in status
    assert "models/" in status and "Settings" in status


def test_status_is_ready_once_the_model_loads(indexed: Assistant) -> None:
    server = Server(indexed)
    server.load_model()
    _eventually(lambda: server.busy is None, "the model load ends")
    assert server.model_problem is None
    assert server.status().startswith("**Ready**")


# --- ask ------------------------------------------------------------------------------


def test_ask_yields_the_pieces_then_the_checked_answer(server: Server, generator: GatedGenerator) -> None:
    items = _answers(server, generator)
    *pieces, answer = items
    assert isinstance(answer, Answer)
    assert len(pieces) > 1 and all(isinstance(p, str) for p in pieces)
    assert "".join(str(p) for p in pieces) == answer.raw_output
    assert [c.source for c in answer.citations] == ["harbour.txt"]
    assert len(generator.calls) == 1


def test_answer_leaves_the_flag_clear_so_the_next_question_runs(server: Server, generator: GatedGenerator) -> None:
    assert isinstance(_answers(server, generator)[-1], Answer)
    assert not server.stop_flag(SESSION).is_set()
    assert isinstance(_answers(server, generator)[-1], Answer)
    assert len(generator.calls) == 2


def test_ask_passes_on_the_assistants_error(assistant: Assistant, generator: GatedGenerator) -> None:
    server = Server(assistant)  # nothing indexed
    with pytest.raises(IndexStateError, match="empty"):
        list(server.ask(QUESTION, [], SESSION))
    assert generator.calls == []
    assert not server.stop_flag(SESSION).is_set()


def test_stop_while_the_model_writes_stops_it_and_clears_the_flag(
    server: Server, generator: GatedGenerator
) -> None:
    generator.queue(_reply)
    generator.release(1)
    answer = server.ask(QUESTION, [], SESSION)
    first = next(answer)
    assert isinstance(first, str) and first
    server.stop_flag(SESSION).set()
    generator.release(1)  # the second piece meets the flag
    with pytest.raises(Stopped):
        next(answer)
    assert generator.sent == 2  # the model was not asked for a third piece
    assert not server.stop_flag(SESSION).is_set()
    assert isinstance(_answers(server, generator)[-1], Answer)  # the next question in the session runs


def test_stop_before_the_worker_takes_the_model_stops_it_without_generating(
    server: Server, generator: GatedGenerator
) -> None:
    generator.release(1000)
    outcome: list[BaseException | list[str | Answer]] = []

    def visitor() -> None:
        try:
            outcome.append(list(server.ask(QUESTION, [], SESSION)))
        except BaseException as exc:
            outcome.append(exc)

    with server.model_lock:  # another visitor's answer holds the model
        waiting = threading.Thread(target=visitor)
        waiting.start()
        server.stop_flag(SESSION).set()
    waiting.join(WAIT)
    assert not waiting.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Stopped)
    assert generator.calls == []
    assert not server.stop_flag(SESSION).is_set()
    assert isinstance(_answers(server, generator)[-1], Answer)


def test_stop_pressed_before_asking_stops_the_question(server: Server, generator: GatedGenerator) -> None:
    server.stop_flag(SESSION).set()
    with pytest.raises(Stopped):
        list(server.ask(QUESTION, [], SESSION))
    assert generator.calls == []
    assert not server.stop_flag(SESSION).is_set()


def test_stop_in_one_session_leaves_another_alone(server: Server, generator: GatedGenerator) -> None:
    server.stop_flag("someone-else").set()
    assert isinstance(_answers(server, generator, SESSION)[-1], Answer)
    assert server.stop_flag("someone-else").is_set()


def test_leaving_mid_answer_stops_the_model(server: Server, generator: GatedGenerator) -> None:
    generator.queue(_reply)
    generator.release(1)
    answer = server.ask(QUESTION, [], SESSION)
    assert isinstance(answer, Generator)
    assert isinstance(next(answer), str)
    answer.close()  # the page went away
    assert server.stop_flag(SESSION).is_set()
    total = len(_reply("[1] Calloway", None)) // generator.piece_chars
    generator.release(1000)
    _eventually(lambda: not server.stop_flag(SESSION).is_set(), "the worker stops and clears the flag")
    assert generator.sent <= 2 < total  # the piece it was writing at most, not the rest
    assert isinstance(_answers(server, generator)[-1], Answer)


def test_with_stages_the_model_taken_comes_first_then_the_pieces(server: Server, generator: GatedGenerator) -> None:
    generator.queue(_reply)
    generator.release(1000)
    first, *pieces, answer = list(server.ask(QUESTION, [], SESSION, stages=True))
    assert isinstance(first, Stage) and first == SEARCHING
    assert isinstance(answer, Answer) and "".join(map(str, pieces)) == answer.raw_output
    assert not any(isinstance(p, Stage) for p in pieces)


# --- conversations: New conversation during an answer, a second send ------------------


def test_a_question_belongs_to_the_conversation_it_was_sent_in(server: Server) -> None:
    assert server.start_question(SESSION) == 0
    assert server.new_conversation(SESSION) == 1
    assert server.conversation(SESSION) == 1  # the answer for conversation 0 is not shown
    assert server.conversation("someone-else") == 0


def test_new_conversation_during_an_answer_stops_it(server: Server, generator: GatedGenerator) -> None:
    generator.queue(_reply)
    generator.release(1)
    assert server.start_question(SESSION) == 0
    answer = server.ask(QUESTION, [], SESSION)
    assert isinstance(next(answer), str)
    server.new_conversation(SESSION)
    generator.release(1)
    with pytest.raises(Stopped):
        next(answer)
    server.end_question(SESSION)
    assert server.start_question(SESSION) == 1
    server.end_question(SESSION)
    assert isinstance(_answers(server, generator)[-1], Answer)


def test_new_conversation_with_no_answer_running_stops_nothing(server: Server, generator: GatedGenerator) -> None:
    server.new_conversation(SESSION)
    assert not server.stop_flag(SESSION).is_set()
    assert isinstance(_answers(server, generator)[-1], Answer)


def test_a_second_question_waits_until_the_first_is_done(server: Server) -> None:
    assert server.start_question(SESSION) == 0
    assert server.start_question(SESSION) is None  # Enter pressed again while the answer is made
    assert server.start_question("someone-else") == 0
    server.end_question(SESSION)
    assert server.start_question(SESSION) == 0


def test_sending_a_question_clears_a_stop_left_from_before(server: Server) -> None:
    server.stop_flag(SESSION).set()
    server.start_question(SESSION)
    assert not server.stop_flag(SESSION).is_set()


# --- Regenerate and Edit: a question that replaces the last one ----------------------------


def test_a_replacing_question_stops_the_answer_being_made_and_the_old_end_leaves_it_running(
    indexed: Assistant, generator: GatedGenerator
) -> None:
    server = Server(indexed)
    generator.queue(_reply)
    generator.release(1)
    assert server.start_question(SESSION) == 0
    old = server.ask(QUESTION, [], SESSION)
    assert isinstance(next(old), str)
    assert server.restart_question(SESSION) == 1  # allowed while the old answer is being made
    assert server.conversation(SESSION) == 1  # the old answer is for a conversation no longer shown
    generator.release(1)
    with pytest.raises(Stopped):
        next(old)
    server.end_question(SESSION, 0)  # the old answer's end
    assert server.asking(SESSION), "the old answer's end ended the question that replaced it"
    assert server.start_question(SESSION) is None
    assert isinstance(_answers(server, generator)[-1], Answer)  # its own stop flag is not set
    server.end_question(SESSION, 1)
    assert not server.asking(SESSION)
    assert server.start_question(SESSION) == 1


def test_a_replacing_question_with_nothing_running_starts_at_once(indexed: Assistant) -> None:
    server = Server(indexed)
    assert server.restart_question(SESSION) == 1
    assert server.asking(SESSION) and not server.stop_flag(SESSION).is_set()
