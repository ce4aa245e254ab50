"""Limits on what a question carries (max_history_chars), and a damaged index named as such."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fakes import FakeGenerator, source_number

from assistant.errors import IndexStateError, QuestionError
from assistant.settings import load_settings
from assistant.store import ChromaStore
from assistant.wiring import Assistant

QUESTION = "Which firm designed the new breakwater at Port Ellery?"


def test_a_conversation_over_the_history_limit_is_refused_before_any_work(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(max_history_chars=100)
    assistant.index()
    long = [("Where is the harbour?" + " really" * 10, "In Port Ellery."), ("Who built it?", "Calloway.")]
    with pytest.raises(QuestionError) as caught:
        assistant.ask(QUESTION, long)
    assert str(caught.value) == ("the conversation this question carries is 128 characters long (its last 2 "
                                 "exchanges), over the limit of 100 (max_history_chars); start a new conversation")
    assert generator.calls == []


def test_at_the_history_limit_and_for_turns_no_longer_kept_the_question_is_answered(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(max_history_chars=30, max_history_turns=1)
    assistant.index()
    old = ("x" * 5000, "an old, long exchange no longer kept")
    last = ("Where is the harbour?", "Port Ellery")  # 21 + 11 = 32 characters, over by two
    with pytest.raises(QuestionError, match="32 characters long"):
        assistant.ask(QUESTION, [old, last])
    generator.queue(lambda p, g: f" Calloway and Finch designed it [{source_number(p, 'Calloway')}].\n")
    answer = assistant.ask(QUESTION, [old, ("Where is the harbour?", "Port Elle")])  # 30: at the limit
    assert "Calloway" in answer.text


def test_the_history_limit_is_a_setting() -> None:
    assert load_settings().max_history_chars == 16000
    assert load_settings(max_history_chars=0).max_history_chars == 0


@pytest.mark.parametrize("damage", ["not a database", "truncated"])
def test_a_damaged_index_says_how_to_rebuild_it(indexed: Assistant, data_dir: Path, damage: str) -> None:
    sqlite = data_dir / "chroma.sqlite3"
    if damage == "not a database":
        data = bytearray(sqlite.read_bytes())
        data[:100] = b"x" * 100
        sqlite.write_bytes(bytes(data))
    else:
        with sqlite.open("r+b") as f:
            f.truncate(8192)
    with pytest.raises(IndexStateError) as caught:
        ChromaStore(data_dir, "documents", "fake-embedder")
    message = str(caught.value)
    assert message.startswith(f"the index in {data_dir} is damaged and cannot be read (")
    assert message.endswith(f"rebuild it: delete {data_dir} (move any uploads/ in it out first) and run "
                            "`assistant index` again")
    assert "\n" not in message
