"""overview: what the index holds, suggested questions, and which messages ask for that."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.overview import DocumentSummary, Overview, asks_for_overview_english, suggested_questions
from assistant.wiring import Assistant


def test_each_document_has_its_title_and_what_it_opens_with(indexed: Assistant) -> None:
    documents = {d.source: d for d in Overview(indexed.store).documents()}
    assert set(documents) == {"harbour.txt", "orchard.md", "observatory.txt"}
    assert documents["harbour.txt"].title == "Port Ellery Harbour"
    assert documents["harbour.txt"].opening.startswith("The harbour wall at Port Ellery was rebuilt in 1987")
    assert documents["orchard.md"].title == "Hillside Orchard"  # the Markdown heading, without its #
    assert documents["orchard.md"].opening.startswith("Hillside Orchard grows 42 varieties")
    assert documents["harbour.txt"].chunks >= 1
    assert all("\n" not in d.opening for d in documents.values())


def test_the_overview_follows_the_index(indexed: Assistant, tmp_path: Path) -> None:
    overview = Overview(indexed.store)
    assert len(overview.documents()) == 3
    extra = tmp_path / "lighthouse.md"
    extra.write_text("# Kestrel Point lighthouse\n\nThe keeper of the lighthouse is Imogen Varga.\n", encoding="utf-8")
    indexed.index([extra])
    assert "Kestrel Point lighthouse" in [d.title for d in overview.documents()]
    indexed.remove(str(extra.resolve()))
    assert "Kestrel Point lighthouse" not in [d.title for d in overview.documents()]


def test_suggested_questions_name_short_titles_or_their_heads() -> None:
    titles = ["Port Ellery Harbour", "The Kestrel Observatory sits on a ridge 900 metres above sea level, they say.",
              "report_2024.pdf", "Release notes: version 2.0 with the long list of every change made in it",
              "Port Ellery Harbour", "Hillside Orchard", "Fourth"]
    documents = [DocumentSummary(f"{i}.txt", f"/d/{i}.txt", t, 1, "") for i, t in enumerate(titles)]
    assert suggested_questions(documents) == ["What do the documents say about “Port Ellery Harbour”?",
                                              "What do the documents say about “Release notes”?",
                                              "What do the documents say about “Hillside Orchard”?"]
    assert suggested_questions(documents, count=1) == ["What do the documents say about “Port Ellery Harbour”?"]
    assert suggested_questions(documents[1:3]) == []  # a long sentence or a file name is no subject


@pytest.mark.parametrize("message", ["hello", "Hello!", "hi there", "Good morning", "hey"])
def test_greetings(message: str) -> None:
    assert asks_for_overview_english(message) == "greeting"


@pytest.mark.parametrize("message", [
    "What is in here?", "what's in here", "What are these documents about?", "What do the documents cover?",
    "Summarize the documents", "Summarise these files.", "Which documents do you have?", "help",
    "What can I ask?", "Hello, what is in here?", "list the documents please",
])
def test_questions_about_the_documents_themselves(message: str) -> None:
    assert asks_for_overview_english(message) == "contents"


@pytest.mark.parametrize("message", [
    "What is in the 2024 release?", "What is in the box?", "Hello, who founded Acme?", "Hi, when was it built?",
    "What are the documents required for a visa?", "Which documents must be signed?",
    "What do the files in /etc contain?", "What is here used for?", "Summarize the 2023 annual report",
    "help me find the keeper's name", "What is the help command?", "Say hello to the keeper",
    "What does the harbour document say about crab?", "What is covered by the warranty?",
])
def test_questions_that_are_not_about_the_documents_themselves(message: str) -> None:
    assert asks_for_overview_english(message) is None


def test_a_label_line_is_not_what_a_document_covers(indexed: Assistant, tmp_path: Path) -> None:
    news = tmp_path / "news.txt"
    news.write_text("Harbour reopens\nDate: 2022-10-04\nSource: Port Office\n\n"
                    "The harbour at Port Ellery reopened on Monday after two years of work. More follows.\n",
                    encoding="utf-8")
    manual = tmp_path / "manual.md"
    manual.write_text("# Tide tables\n\n## Reading the tables\n\nSee below.\n", encoding="utf-8")
    indexed.index([news, manual])
    documents = {d.source: d for d in Overview(indexed.store).documents()}
    assert documents["news.txt"].opening == "The harbour at Port Ellery reopened on Monday after two years of work."
    assert documents["manual.md"].opening == "Reading the tables"  # no sentence long enough: the heading
