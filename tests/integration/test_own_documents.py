"""Documents nobody on the team wrote, on the real models: a hard-wrapped man page, a NEWS file, a
Markdown README. Answers show whole sentences (never a phrase cut at a line's end or mid-list), and a
question that stands on its own is not joined to the one before it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from assistant.evaluation import looks_cut
from assistant.settings import PROJECT_ROOT, load_settings
from assistant.wiring import Assistant

EVAL = PROJECT_ROOT / "tests" / "eval"
FILES = [EVAL / "manpages" / "docs" / "watch.txt", EVAL / "manpages" / "docs" / "gzip.txt",
         EVAL / "changelogs" / "docs" / "sed-news.txt", EVAL / "readmes" / "docs" / "uvicorn.md"]


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    folder = tmp_path_factory.mktemp("own-docs")
    for file in FILES:
        shutil.copy(file, folder / file.name)
    real = Assistant(load_settings(data_dir=tmp_path_factory.mktemp("own-index"), docs=[folder]))
    assert len(real.index().added) == len(FILES)
    yield real


QUESTIONS = [
    "Which environment variable changes the default update interval of watch?",
    "What does the --rsyncable option of gzip do?",
    "Which sed release made the 'r' command accept address 0?",
    "How do I install uvicorn with the Cython-based dependencies?",
    "What does gzip do with symbolic links?",
    "How long does watch wait between updates by default?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_answer_sentence_is_a_whole_unit_of_its_document(own: Assistant, question: str) -> None:
    answer = own.ask(question)
    if answer.refused:
        return
    passages = {p.text for p in answer.passages}
    for sentence in answer.sentences:
        assert sentence.text in passages, sentence.text  # quoted whole, not a phrase of the model's
        assert not looks_cut(sentence.text), sentence.text
        assert "\n" not in sentence.text and "  " not in sentence.text  # reflowed


def test_a_word_hyphenated_at_a_line_end_is_mended(own: Assistant) -> None:
    answer = own.ask(QUESTIONS[0])
    assert any("WATCH_INTERVAL" in p.text for p in answer.passages)


def test_a_release_note_carries_its_version(own: Assistant) -> None:
    answer = own.ask(QUESTIONS[2])
    assert not answer.refused and "4.9" in answer.text


def test_a_question_that_stands_alone_is_answered_on_its_own(own: Assistant) -> None:
    history = [(QUESTIONS[1], own.ask(QUESTIONS[1]).text)]
    answer = own.ask("What is the capital of France?", history)
    assert answer.standalone_question == "What is the capital of France?"
    assert answer.refused and not answer.citations


def test_a_follow_up_is_still_joined(own: Assistant) -> None:
    history = [("What does the --rsyncable option of gzip do?", own.ask(QUESTIONS[1]).text)]
    answer = own.ask("Is it slower with that option?", history)
    assert answer.standalone_question.startswith(QUESTIONS[1])
    assert {c.source for c in answer.citations} <= {"gzip.txt"}
