"""A question asking two things is answered part by part, and the answers joined."""

from __future__ import annotations

import pytest
from fakes import FakeGenerator, source_number

from assistant.question_parts import naming_words, question_parts, split_between
from assistant.wiring import Assistant


@pytest.mark.parametrize(("question", "parts"), [
    ("Which library does Jinja rely on for HTML escaping, and which library does man-db use to run commands?",
     ["Which library does Jinja rely on for HTML escaping?", "which library does man-db use to run commands?"]),
    # a statement asking within it ("... under what size") asks as a question does
    ("Logrus skips locking when each write stays under what size, and which irssi setting keeps more lines?",
     ["Logrus skips locking when each write stays under what size?", "which irssi setting keeps more lines?"]),
    ("What does the MIME spec require after an install? And which command updates Rust?",
     ["What does the MIME spec require after an install?", "And which command updates Rust?"]),
    ("To get thousands separators, which function does humanize provide and which argument does tabulate take?",
     ["To get thousands separators, which function does humanize provide?", "which argument does tabulate take?"]),
    # a statement before the question stays with the first part
    ("My package needs a static user id. Whom must I ask for it, and which tool keeps passwd in sync?",
     ["My package needs a static user id. Whom must I ask for it?", "which tool keeps passwd in sync?"]),
    ("The council approved the plan; how much did the fund give, and how much towards the ferry?",
     ["The council approved the plan; how much did the fund give?", "how much towards the ferry?"]),
    ("How many days did the ban last; for how long were ferry sailings halted?",
     ["How many days did the ban last?", "for how long were ferry sailings halted?"]),
    # a clause before the first part's question word ("Apart from X, membership in which group")
    ("Apart from systemd-journal, membership in which group lets a user read the journal, and where does that "
     "group's name come from?",
     ["Apart from systemd-journal, membership in which group lets a user read the journal?",
      "where does that group's name come from?"]),
    # the second part leaves out what the first said: it is asked in full
    ("What is the default timeout in version 2, and in version 3?",
     ["What is the default timeout in version 2?", "What is the default timeout in version 3?"]),
    ("How many visitors came to the museum in 2023, and how many in 2024?",
     ["How many visitors came to the museum in 2023?", "How many visitors came to the museum in 2024?"]),
    ("Which licence covers the library according to its README, and according to the Debian copyright file?",
     ["Which licence covers the library according to its README?",
      "Which licence covers the library according to the Debian copyright file?"]),
    # the second part opens as the first and leaves out its noun: the noun is given back
    ("What minimum Autoconf version did libpipeline require, and what minimum did man-db require?",
     ["What minimum Autoconf version did libpipeline require?", "What minimum Autoconf version did man-db require?"]),
    ("How many ferry crossings were cancelled in 2023, and how many were cancelled in 2024?",
     ["How many ferry crossings were cancelled in 2023?", "How many ferry crossings were cancelled in 2024?"]),
    # or says "which one" for it
    ("Which C standard is zstd's library written to, and which one does systemd use for its own code?",
     ["Which C standard is zstd's library written to?", "Which C standard does systemd use for its own code?"]),
    # a part with a verb or a question word of its own is no gap
    ("What changed in gzip 1.12, and in which release was the zgrep bug introduced?",
     ["What changed in gzip 1.12?", "in which release was the zgrep bug introduced?"]),
])
def test_a_question_asking_two_things_is_cut_into_both(question: str, parts: list[str]) -> None:
    assert question_parts(question) == parts


@pytest.mark.parametrize("question", [
    "Does version 2 of the GPL allow me to ask for money, and if so, for what?",  # depends on the first
    "Which Requests release and which pluggy release each dropped Python 3.8?",  # one predicate for both
    "What are the release dates of gzip 1.12 and sed 4.9?",
    "Which fruit and which vegetables does the farm sell?",
    "Who founded the company, and when?",  # no question of its own after the cut
    "sed switched to fully-buffered output; how do I get the old behaviour back?",  # the statement is context
    "When the disk is full, which files are deleted first?",
    "Is it safe to run two index commands at once?",
    "What is the default port?",
])
def test_a_question_asking_one_thing_stays_whole(question: str) -> None:
    assert question_parts(question) == [question]


CHANGELOGS = ["requests-history.md", "pluggy-changelog.txt", "gzip-news.txt", "sed-news.txt", "man-db-news.md",
              "apt-debian-news.txt", "openssh-debian-news.txt"]


@pytest.mark.parametrize(("question", "parts"), [
    ("Under which licences are Requests and pluggy distributed?",
     ["Under which licences are Requests distributed?", "Under which licences are pluggy distributed?"]),
    # the words between a name and "and" stand after the other name too, and are said once of each
    ("Which Requests release and which pluggy release dropped Python 3.8?",
     ["Which Requests release dropped Python 3.8?", "Which pluggy release dropped Python 3.8?"]),
    ("What are the release dates of gzip 1.12 and sed 4.9?",
     ["What are the release dates of gzip 1.12?", "What are the release dates of sed 4.9?"]),
    ("Who signed the latest entry in the NEWS file of apt and of openssh, respectively?",
     ["Who signed the latest entry in the NEWS file of apt?",
      "Who signed the latest entry in the NEWS file of openssh?"]),
    ("What are the newest releases in the man-db and gzip NEWS files?",
     ["What are the newest releases in the man-db NEWS files?",
      "What are the newest releases in the gzip NEWS files?"]),
])
def test_one_question_of_two_named_documents_is_asked_of_each(question: str, parts: list[str]) -> None:
    assert split_between(question, CHANGELOGS) == parts


@pytest.mark.parametrize("question", [
    "What is the difference between Requests and pluggy?",  # one answer about the two together
    "Do both gzip and sed support long options?",
    "Which release of gzip fixed zgrep and dropped VMS?",  # "and" joins no second document
    "What do the NEWS files of debian packages say?",  # a word in many names names no one document
    "Which gzip option keeps the input file and which sed option edits in place?",  # names far from "and"
    "How do I install gzip and then configure the options of sed?",  # the second name is too far away
])
def test_a_question_not_about_two_named_documents_stays_whole(question: str) -> None:
    assert split_between(question, CHANGELOGS) == [question]


def test_the_words_naming_documents_are_those_of_few_file_names() -> None:
    files = ["logrotate.txt", "less-news.txt", "apt-news.txt", "gzip-news.txt"]
    # "news" names three of the four files: it singles out none
    assert naming_words("Which file does logrotate use, and what news does less bring?", files) == {"logrotate", "less"}


def test_numbers_name_no_document() -> None:
    question = "Were 3,000 visitors and 4,001 guests counted?"
    assert split_between(question, ["000_report.txt", "001_notes.txt"]) == [question]


def test_a_question_naming_two_documents_is_answered_from_each(indexed: Assistant, generator: FakeGenerator) -> None:
    generator.queue(_reply("Calloway", "Calloway and Finch"), _reply("Tomas Reyes", "Tomas Reyes"))
    answer = indexed.ask("Who designed or built the harbour and orchard works?")
    assert not answer.refused, answer.notes
    assert [c.prompt.split("Question: ")[-1].split("\n")[0] for c in generator.calls] == [
        "Who designed or built the harbour works?", "Who designed or built the orchard works?"]
    assert {c.source for c in answer.citations} == {"harbour.txt", "orchard.md"}


def _reply(needle: str, phrase: str):  # type: ignore[no-untyped-def]
    return lambda prompt, grammar: f"{phrase} [{source_number(prompt, needle)}]"


def test_each_part_is_answered_from_its_own_document(indexed: Assistant, generator: FakeGenerator) -> None:
    generator.queue(_reply("Calloway", "Calloway and Finch"), _reply("Tomas Reyes", "Tomas Reyes"))
    answer = indexed.ask("Which firm designed the breakwater at Port Ellery, and who built the cider press "
                         "of Hillside Orchard?")
    assert not answer.refused, answer.notes
    assert len(generator.calls) == 2  # one answer per part
    assert "Calloway and Finch" in answer.text and "Tomas Reyes" in answer.text
    sources = {c.source for c in answer.citations}
    assert sources == {"harbour.txt", "orchard.md"}
    numbers = [c.n for c in answer.citations]
    assert numbers == sorted(set(numbers))  # the second part's passages are numbered on, not reused
    for citation in answer.citations:  # each marker names the passage that holds its part's answer
        assert answer.passages[citation.n - 1].n == citation.n
        assert ("Calloway" if citation.source == "harbour.txt" else "Tomas Reyes") in citation.text


def test_a_part_the_documents_do_not_answer_is_said_to_be_so(indexed: Assistant, generator: FakeGenerator) -> None:
    generator.queue(_reply("Calloway", "Calloway and Finch"))
    answer = indexed.ask("Which firm designed the breakwater at Port Ellery, and what did the harbour wall "
                         "rebuilt in 1993 cost?")
    assert not answer.refused
    assert "Calloway and Finch" in answer.text
    assert 'The documents do not answer "what did the harbour wall rebuilt in 1993 cost?"' in answer.text
    assert any("never mention '1993'" in note for note in answer.notes)
    assert len(generator.calls) == 1  # the second part was refused before the model


def test_split_questions_can_be_turned_off(make_assistant, generator: FakeGenerator) -> None:  # type: ignore[no-untyped-def]
    assistant = make_assistant(split_questions=False)
    assistant.index()
    generator.queue(_reply("Calloway", "Calloway and Finch"))
    assistant.ask("Which firm designed the breakwater at Port Ellery, and who built the cider press of "
                  "Hillside Orchard?")
    assert len(generator.calls) == 1


def test_the_and_that_joined_two_questions_is_no_part_of_the_second(
        indexed: Assistant, generator: FakeGenerator) -> None:
    # "And" opens a follow-up in a conversation; here it only joins the questions: the second is
    # searched for and asked on its own, not joined to the first.
    generator.queue(_reply("Calloway", "Calloway and Finch"), _reply("Tomas Reyes", "Tomas Reyes"))
    answer = indexed.ask("Which firm designed the breakwater at Port Ellery? And who built the cider press "
                         "of Hillside Orchard?")
    assert not answer.refused, answer.notes
    asked = [c.prompt.split("Question: ")[-1].split("\n")[0] for c in generator.calls]
    assert asked == ["Which firm designed the breakwater at Port Ellery?",
                     "who built the cider press of Hillside Orchard?"]
    assert {c.source for c in answer.citations} == {"harbour.txt", "orchard.md"}
