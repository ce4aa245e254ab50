"""Templates and fit(): loud failures on variable mismatches, and prompts within the budget."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeGenerator

from assistant.errors import PromptError
from assistant.prompting import Template, Templates, fit, render_history, render_sources
from assistant.settings import PROJECT_ROOT
from assistant.types import Chunk, Passage

COUNTER = FakeGenerator()  # count() = whitespace words + 1


def _passage(n: int, text: str) -> Passage:
    chunk = Chunk(f"id{n}", "doc.txt", "/docs/doc.txt", "Doc", text, 0, len(text), "sha")
    return Passage(n, chunk, text, 0, len(text), 1.0 / n)


PASSAGES = [_passage(n, f"passage{n} " + " ".join(f"p{n}w{i}" for i in range(9))) for n in range(1, 5)]
HISTORY = [(f"question{t} " + "q " * 8, f"answer{t} " + "a " * 8 + f"[{t}]") for t in range(1, 4)]
QUESTION = "Which firm designed the breakwater at Port Ellery in the end?"
TEMPLATE = Template("test", "Conversation:\n{history}\nSources:\n{sources}\nQuestion: {question}\nAnswer:")


# --- Template -------------------------------------------------------------------


def test_template_fields_ignore_literal_braces() -> None:
    t = Template("t", "A {question} and {{literal}} and {sources}.")
    assert t.fields == frozenset({"question", "sources"})
    assert t.render(question="Q?", sources="S") == "A Q? and {literal} and S."


def test_rendered_values_are_not_reparsed() -> None:
    assert Template("t", "<{question}>").render(question="{sources}") == "<{sources}>"


def test_missing_variable_raises_prompt_error_naming_it() -> None:
    with pytest.raises(PromptError, match=r"template t: missing \['sources'\], unknown \[\]"):
        Template("t", "{question} {sources}").render(question="Q")


def test_unknown_variable_raises_prompt_error_naming_it() -> None:
    with pytest.raises(PromptError, match=r"missing \[\], unknown \['history'\]"):
        Template("t", "{question}").render(question="Q", history="H")


def test_missing_template_file_raises_prompt_error(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match=r"answer\.txt is missing"):
        Templates(tmp_path)["answer"]


def test_templates_strip_trailing_newlines_and_cache(tmp_path: Path) -> None:
    (tmp_path / "answer.txt").write_text("Question: {question}\nAnswer:\n\n", encoding="utf-8")
    (tmp_path / "refusal.txt").write_text("  No idea.  \n", encoding="utf-8")
    templates = Templates(tmp_path)
    first = templates["answer"]
    assert first.text == "Question: {question}\nAnswer:"
    (tmp_path / "answer.txt").write_text("changed {question}", encoding="utf-8")
    assert templates["answer"] is first
    assert templates.refusal() == "No idea."
    assert first.sha256 == Template("x", "Question: {question}\nAnswer:").sha256


def test_render_sources_and_history() -> None:
    assert render_sources(PASSAGES[:2]).splitlines() == [f"[1] {PASSAGES[0].text}", f"[2] {PASSAGES[1].text}"]
    assert render_history([(" Who? ", "Calloway and Finch [2][3]. Then more [1] ")]) == (
        "User: Who?\nAssistant: Calloway and Finch. Then more"
    )


# --- fit ------------------------------------------------------------------------


def _full_tokens() -> int:
    return fit(TEMPLATE, COUNTER, 10_000, QUESTION, PASSAGES, HISTORY).tokens


def test_fit_keeps_everything_when_it_fits() -> None:
    fitted = fit(TEMPLATE, COUNTER, 10_000, QUESTION, PASSAGES, HISTORY)
    assert fitted.passages == PASSAGES and fitted.history == HISTORY
    assert fitted.tokens == COUNTER.count(fitted.prompt)
    assert f"Question: {QUESTION}\nAnswer:" in fitted.prompt
    assert "[4] passage4" in fitted.prompt and "User: question1" in fitted.prompt
    assert "[1]" not in fitted.prompt.split("Sources:")[0], "history markers are stripped"


def test_fit_does_not_modify_the_callers_lists() -> None:
    passages, history = list(PASSAGES), list(HISTORY)
    fit(TEMPLATE, COUNTER, 40, QUESTION, passages, history)
    assert passages == PASSAGES and history == HISTORY


def test_fit_drops_the_oldest_history_first() -> None:
    fitted = fit(TEMPLATE, COUNTER, _full_tokens() - 1, QUESTION, PASSAGES, HISTORY)
    assert fitted.history == HISTORY[1:]
    assert fitted.passages == PASSAGES
    assert QUESTION in fitted.prompt


def test_fit_then_drops_the_weakest_last_passages() -> None:
    no_history = fit(TEMPLATE, COUNTER, 10_000, QUESTION, PASSAGES).tokens
    fitted = fit(TEMPLATE, COUNTER, no_history - 1, QUESTION, PASSAGES, HISTORY)
    assert fitted.history == []
    assert fitted.passages == PASSAGES[:3]
    assert QUESTION in fitted.prompt


def test_fit_truncates_the_question_only_as_a_last_resort() -> None:
    one_passage = fit(TEMPLATE, COUNTER, 10_000, QUESTION, PASSAGES[:1]).tokens
    fitted = fit(TEMPLATE, COUNTER, one_passage - 3, QUESTION, PASSAGES, HISTORY)
    assert fitted.history == [] and fitted.passages == PASSAGES[:1]
    asked = fitted.prompt.split("Question: ", 1)[1].removesuffix("\nAnswer:")
    assert asked and QUESTION.startswith(asked) and asked != QUESTION
    assert fitted.tokens <= one_passage - 3


def test_fit_never_exceeds_the_budget_and_drops_in_order() -> None:
    alone = COUNTER.count(TEMPLATE.render(question="", sources=render_sources(PASSAGES[:1]), history=""))
    for budget in range(alone, _full_tokens() + 2):
        fitted = fit(TEMPLATE, COUNTER, budget, QUESTION, PASSAGES, HISTORY)
        assert fitted.tokens <= budget
        assert fitted.tokens == COUNTER.count(fitted.prompt)
        assert fitted.history == HISTORY[len(HISTORY) - len(fitted.history) :]  # newest kept
        assert fitted.passages == PASSAGES[: len(fitted.passages)]  # strongest kept
        if fitted.history:
            assert fitted.passages == PASSAGES
        if QUESTION not in fitted.prompt:
            assert fitted.history == [] and len(fitted.passages) == 1


def test_fit_raises_when_the_template_alone_is_over_budget() -> None:
    with pytest.raises(PromptError, match="over the budget of 3"):
        fit(TEMPLATE, COUNTER, 3, QUESTION, PASSAGES, HISTORY)


def test_fit_without_sources_or_history_fields() -> None:
    fitted = fit(Template("q", "Q: {question}"), COUNTER, 100, "Where?", PASSAGES, HISTORY)
    assert fitted.prompt == "Q: Where?"


# --- the shipped prompts ----------------------------------------------------------


@pytest.fixture()
def shipped() -> Templates:
    return Templates(PROJECT_ROOT / "prompts")


def test_shipped_answer_prompt_renders_with_what_the_answerer_passes(shipped: Templates) -> None:
    template = shipped["answer"]
    assert template.fields == frozenset({"sources", "question"})
    fitted = fit(template, COUNTER, 2000, "Which firm designed the breakwater?", PASSAGES[:3])
    assert fitted.passages == PASSAGES[:3]
    assert fitted.prompt.endswith(
        f"Sources:\n{render_sources(PASSAGES[:3])}\nQuestion: Which firm designed the breakwater?\nAnswer:"
    )


def test_shipped_condense_prompt_renders_with_what_condense_passes(shipped: Templates) -> None:
    template = shipped["condense"]
    assert template.fields == frozenset({"history", "question"})
    history = [("When was the harbour wall rebuilt?", "It was rebuilt in 1987 [1].")]
    fitted = fit(template, COUNTER, 2000, "How much did it cost?", history=history)
    assert fitted.prompt.endswith(
        "Conversation:\nUser: When was the harbour wall rebuilt?\nAssistant: It was rebuilt in 1987.\n"
        "Last question: How much did it cost?\nStandalone question:"
    )


def test_shipped_refusal_is_one_sentence_the_answer_prompt_teaches(shipped: Templates) -> None:
    refusal = shipped.refusal()
    assert refusal == "The documents do not say."
    assert "\n" not in refusal
    assert f"write exactly: {refusal}" in shipped["answer"].text
    assert f"Answer: {refusal}" in shipped["answer"].text
