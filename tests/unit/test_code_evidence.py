"""A code block is evidence only for a question that asks for code, or for what code gives back."""

from __future__ import annotations

from fakes import FakeEmbedder

from assistant.evidence import EvidenceSelector
from assistant.lexical import TextWeights
from assistant.types import Chunk, Hit

TEXT = (
    "# Sizes\n\n"
    "Human-readable file sizes are written by naturalsize.\n\n"
    "```python\n"
    "humanize.naturalsize(1_000_000, binary=True)\n"
    "'976.6 KiB'\n"
    "```\n"
)


def _evidence(question: str) -> list[str]:
    chunk = Chunk("c1", "humanize.md", "/docs/humanize.md", "humanize", TEXT, 0, len(TEXT), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=3, lexical_weight=1.0)
    passages = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([TEXT]))
    return [p.text for p in passages]


def test_a_question_about_what_a_call_returns_reads_the_example_that_shows_it() -> None:
    got = _evidence("What string does naturalsize return for one million bytes in binary units?")
    assert any("976.6 KiB" in text for text in got), got


def test_a_prose_question_does_not_read_code() -> None:
    got = _evidence("How are human-readable file sizes written?")
    assert got and not any("976.6 KiB" in text for text in got), got


HELPERS = (
    "# Extensions\n\n"
    "Put your own helper functions in a file that is loaded before every project file.\n\n"
    "```sh\n"
    "# helper functions go here\n"
    "export HELPERS_PATH=~/.config/helpers\n"
    "```\n"
)


def _read(question: str, text: str) -> list[str]:
    chunk = Chunk("c1", "helpers.md", "/docs/helpers.md", "helpers", text, 0, len(text), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=3, lexical_weight=1.0)
    passages = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text]))
    return [p.text for p in passages]


def test_a_question_that_only_mentions_functions_does_not_read_code() -> None:
    got = _read("Where can I put a file with my own helper functions?", HELPERS)
    assert got and not any("HELPERS_PATH" in text for text in got), got


def test_a_question_asking_for_a_name_written_as_code_reads_code() -> None:
    got = _read("Which environment variable points to the helper functions?", HELPERS)
    assert any("HELPERS_PATH" in text for text in got), got
