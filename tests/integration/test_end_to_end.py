"""The whole answering path on the real bundled models and a real Chroma folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation import is_correct
from assistant.loaders import load_file
from assistant.settings import load_settings
from assistant.wiring import Assistant

pytestmark = pytest.mark.integration


def test_second_index_run_adds_nothing(assistant: Assistant) -> None:
    before = assistant.store.count()
    report = assistant.index()
    assert not report.changed
    assert report.chunks_added == 0
    assert len(report.unchanged) == 5
    assert assistant.store.count() == before


def test_changed_and_removed_files_leave_no_old_chunks(seeds_copy: Path, tmp_path: Path) -> None:
    real = Assistant(load_settings(data_dir=tmp_path / "data", docs=[seeds_copy]))
    real.index()
    first = seeds_copy / "000_e935aa2152395e49.txt"
    first.write_text(first.read_text(encoding="utf-8") + "\nA new closing line was added.\n", encoding="utf-8")
    (seeds_copy / "004_82b1c8eb0c802c48.txt").unlink()
    report = real.index()
    assert report.updated == [first.name]
    assert report.removed == ["004_82b1c8eb0c802c48.txt"]
    chunks = real.store.all_chunks()
    expected = {c.id for c in real.chunker.chunk(load_file(first))}
    assert {c.id for c in chunks if c.source == first.name} == expected
    new_text = first.read_text(encoding="utf-8")
    assert all(new_text[c.start : c.end] == c.text for c in chunks if c.source == first.name)
    assert "004_82b1c8eb0c802c48.txt" not in {c.source for c in chunks}
    assert any("A new closing line" in c.text for c in chunks)


@pytest.mark.parametrize(
    ("question", "fact", "source"),
    [
        ("Who are the two academicians heading the life and health expert committee of the "
         "Daxing airport economic zone?", [["Chen Runsheng"]], "002_a186494978dddfeb.txt"),
        ("Which publication does the Pakistani editor Rao Abdul work for?",
         [["Express Tribune"]], "003_67ffcfc3e0323f3a.txt"),
        ("When did Daxing host the Fourth Collaborative Innovation Workshop for the "
         "biomedicine industry clusters of national high-tech zones?", [["27", "2018"]],
         "001_9233055a185b96a4.txt"),
    ],
)
def test_answer_states_the_fact_and_cites_the_right_file(
    assistant: Assistant, question: str, fact: list[list[str]], source: str
) -> None:
    answer = assistant.ask(question)
    assert not answer.refused
    assert is_correct(answer.text, fact), answer.text
    assert answer.citations
    assert {c.source for c in answer.citations} == {source}
    for c in answer.citations:
        text = (assistant.settings.docs[0] / c.source).read_text(encoding="utf-8")
        # the quote is the cited span as a reader sees it: line breaks and
        # no-break spaces read as spaces
        assert text[c.start : c.end].split() == c.text.split()
    assert all(answer.supported)


def test_unanswerable_question_is_refused(assistant: Assistant) -> None:
    answer = assistant.ask("Who won the 2022 FIFA World Cup final?")
    assert answer.refused
    assert answer.text == assistant.templates.refusal()
    assert answer.citations == ()


def test_follow_up_is_resolved_with_history(assistant: Assistant) -> None:
    history = [("How many foreign journalists toured Haidian District in March 2023?",
                "57 journalists toured Haidian District [1].")]
    answer = assistant.ask("And how many countries were they from?", history)
    assert "Haidian" in answer.standalone_question
    assert not answer.refused
    assert "50" in answer.text
    assert {c.source for c in answer.citations} == {"003_67ffcfc3e0323f3a.txt"}


def test_same_question_gives_the_same_answer(assistant: Assistant) -> None:
    question = "Which province was described as one of the birthplaces of China's modern pharmaceutical industry?"
    assert assistant.ask(question).text == assistant.ask(question).text


def test_prompt_fits_the_context_of_the_model(assistant: Assistant) -> None:
    answer = assistant.ask("Which company's investment promotion unit gave the talk?")
    s = assistant.settings
    assert assistant.generator.count(answer.prompt) <= s.n_ctx - s.max_answer_tokens
