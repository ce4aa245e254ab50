"""The shortlist grammar sampler chooses exactly what llama-cpp-python's full filtering chooses."""

from __future__ import annotations

import pytest

from assistant import citations
from assistant.llm import LlamaCppGenerator, complete
from assistant.types import Chunk, Passage
from assistant.wiring import Assistant

pytestmark = pytest.mark.integration

SOURCES = [
    ("[1] The plant makes 500 cars a day.\n[2] It opened in 2001.", "How many cars does the plant make?"),
    ("[1] The mill was built by John Smith.\n[2] It closed in 1950.", "Who built the mill?"),
    ("[1] Sales rose 4% in 2020 to 3.2 million units.\n[2] The firm is based in Lyon.", "Where is the firm based?"),
]


def _passages() -> list[Passage]:
    chunk = Chunk("c", "s.txt", "/s.txt", "t", "x", 0, 1, "h")
    return [Passage(n, chunk, "x", 0, 1, 1.0) for n in (1, 2)]


@pytest.mark.parametrize(("sources", "question"), SOURCES)
def test_shortlist_matches_full_grammar_filtering(assistant: Assistant, sources: str, question: str) -> None:
    generator = assistant.generator
    assert isinstance(generator, LlamaCppGenerator)
    prompt = assistant.templates["answer"].render(sources=sources, question=question)
    grammar = citations.grammar(_passages(), assistant.templates.refusal(), 1, allow_refusal=False)
    fast = complete(generator, prompt, grammar, 48)
    full = "".join(generator._stream(prompt, grammar, 48))  # llama-cpp-python's own grammar path
    assert fast == full
    assert citations.parse(fast)[0][1], fast  # it ends in a marker, as the grammar demands


def test_shortlist_falls_back_to_the_whole_vocabulary(assistant: Assistant) -> None:
    # No likely token starts this string, so every step goes past the shortlist.
    grammar = 'root ::= "zqxv wkj" "\\n"'
    out = complete(assistant.generator, "Once upon a time", grammar, 16)
    assert out == "zqxv wkj\n"
