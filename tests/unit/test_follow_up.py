"""is_follow_up: only a question that points back is joined to the one before it."""

from __future__ import annotations

import pytest

from assistant.follow_up import answer_names, is_follow_up, points_back_past


@pytest.mark.parametrize("question", [
    "When was it released?",
    "What is its default value?",
    "And in which release was it removed?",
    "How many countries were they from?",
    "What does that option do?",
    "Who founded that company?",
    "Why is that?",
    "How many people work there?",
    "What about the server?",
    "Which of these is the default?",
    "Why?",
    "How can I switch that off?",
    "In which release had that feature first appeared?",
    "How do I stop that file from growing forever?",
    "How do I pick that one on the command line?",
])
def test_questions_that_point_back(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize("question", [
    "What is the capital of France?",
    "Who won the 2018 World Cup?",
    "Is there a way to limit memory per user?",
    "Which option deletes files that are not in the source?",
    "Is it possible to compress a directory with gzip?",
    "How many journalists toured Haidian in March 2023?",
    "What is the default port of the server?",
    "For the Requests fix that stops stripping leading slashes, which urllib3 version is needed?",
    "How do I make sure that the service starts at boot?",
])
def test_questions_that_stand_alone(question: str) -> None:
    assert not is_follow_up(question)


@pytest.mark.parametrize(("question", "subjects", "points_back"), [
    ("which facility does dnsmasq use for its debugging output?", {"dnsmasq"}, False),
    ("how much has the council set aside in its 2025-26 budget?", {"council"}, False),
    ("which encoding did the charset-normalizer CLI report for its sample file?", {"charset-normalizer"}, False),
    ("by what percentage did its ridership rise?", {"ridership"}, True),  # "its" before any subject
    ("since which dnsmasq release is it available?", {"dnsmasq"}, True),  # "it" is the subject
    ("which facility does dnsmasq use for its debugging output?", set(), True),  # dnsmasq said before
    ("and when was that option added to dnsmasq?", {"dnsmasq"}, True),  # "that" still points back
])
def test_a_pronoun_after_a_new_subject_stands_for_it(question: str, subjects: set[str], points_back: bool) -> None:
    assert points_back_past(question, subjects) is points_back


@pytest.mark.parametrize(("answer", "said", "names"), [
    ("That was 0.40.0 [1].", "Which wheel release added the tags command? And what backend in that same release?",
     ["0.40.0"]),
    ("Run ./configure --debug and then make -j4.", "How do I build it with --debug? Where does that binary go?",
     ["./configure", "-j4"]),  # the question says "--debug" itself
    ("Call conn.start_next_cycle().", "Which method readies the connection? What state does that put it in?",
     ["conn.start_next_cycle()"]),
    ("It was rebuilt in 1987 [1].", "When was the wall rebuilt? How much did it cost?", []),  # a year is no name
    ("It switched to the SFTP protocol by default.", "Which protocol? And which flag turns it off?", []),
])
def test_the_names_an_answer_gives_that_the_questions_do_not(answer: str, said: str, names: list[str]) -> None:
    assert answer_names(answer, said) == names
