"""preferences: a visitor's model and top-k, checked, and kept apart from the server's and other visitors'."""

from __future__ import annotations

import pytest
from fakes import FakeGenerator, source_number

from assistant.errors import SettingsError
from assistant.preferences import Assistants, Choice, default_choice, validated
from assistant.wiring import Assistant


@pytest.mark.parametrize(("top_k", "said"), [(0, "0 is not"), (50, "50 is not"), (2.5, "2.5 is not"),
                                             ("many", "'many' is not a number"), (None, "None is not a number")])
def test_top_k_out_of_range_or_not_whole_is_refused_in_words(top_k: object, said: str) -> None:
    with pytest.raises(SettingsError, match="top-k must be a whole number from 1 to 20") as caught:
        validated("", top_k, [])
    assert said in str(caught.value)


def test_a_valid_choice() -> None:
    assert validated("", 7.0, []) == Choice(None, 7)
    assert validated("tiny.gguf", "3", ["tiny.gguf"]) == Choice("tiny.gguf", 3)
    with pytest.raises(SettingsError, match="no model called gone.gguf"):
        validated("gone.gguf", 3, ["tiny.gguf"])


def test_each_choice_has_its_own_assistant_over_the_same_index(indexed: Assistant, generator: FakeGenerator) -> None:
    pool = Assistants(indexed)
    mine = pool.load(Choice(None, 2))
    assert mine.settings.top_k == 2 and indexed.settings.top_k == 5
    assert mine.store is indexed.store and mine.embedder is indexed.embedder
    assert mine.generator is indexed.generator  # the same model is loaded once
    assert pool.load(default_choice(indexed)) is indexed
    assert pool.get(Choice(None, 2)) is mine
    generator.queue(lambda prompt, grammar: f" Calloway and Finch [{source_number(prompt, 'Calloway')}].\n")
    answer = mine.ask("Which firm designed the new breakwater at Port Ellery?")
    assert not answer.refused and answer.citations
