"""The names check: a question naming something the documents never mention is refused."""

from __future__ import annotations

import pytest
from fakes import FakeGenerator

from assistant.names import named_identifiers, proper_names, unnamed
from assistant.wiring import Assistant

REFUSAL = "The documents do not say."


@pytest.mark.parametrize(("question", "names"), [
    ("When was gzip 1.13 released?", ["1.13"]),
    ("What is the codename of Debian 14?", ["14"]),
    ("Which flag makes asn1_der_decoding2 ignore padding?", ["asn1_der_decoding2"]),
    ("How do I convert a key to PKCS#8 format?", ["pkcs#8"]),
    ("How many bits is a usize on a 16-bit machine?", ["16-bit"]),
    ("Which option disables the 3 checks?", []),  # one character names nothing exactly
    ("What does -1..-9 set?", []),  # a range, not a name
    ("Which level does gzip use by default?", []),
    ("What is the highest level zstd accepts when --ultra is given?", ["--ultra"]),  # a long option
    ("Which variable builds it against static libxml2/libxslt?", ["libxml2", "libxslt"]),  # two names
])
def test_identifiers_are_words_with_a_figure_or_an_underscore(question: str, names: list[str]) -> None:
    assert named_identifiers(question) == names


@pytest.mark.parametrize(("question", "names"), [
    ("Who painted the Mona Lisa?", ["mona", "lisa"]),
    ("Which channel does the Filipino journalist work for?", ["filipino"]),
    ("What did Sinovac's exhibit show? How did Tristan react?", ["sinovac", "tristan"]),  # not "How"
    ("Where is it?", []),
])
def test_proper_names_are_capitalised_words_inside_a_sentence(question: str, names: list[str]) -> None:
    assert proper_names(question) == names


@pytest.mark.parametrize(("question", "documents", "refused"), [
    ("When was gzip 1.13 released?", "Changes in release 1.12 (2022-04-07) and in gzip-1.3.13.", True),
    ("When was gzip 1.12 released?", "Changes in release 1.12 (2022-04-07).", False),
    ("What changed in v1.12?", "Version v1.12 brought ...", False),
    ("What did Pillow 13 drop?", "Pillow 13.0.0 drops Python 3.10.", False),  # trailing zeros left out
    ("What did Pillow 13 drop?", "Pillow 13.1.0 drops Python 3.10.", True),
    ("What did gzip 1.1 change?", "gzip 1.10 and 1.1.5 changed ...", True),
    ("What is the codename of Debian 14?", "Debian 140 and Debian 12 bookworm.", True),
    ("How big is the 100 MB limit?", "A 100MB limit applies.", False),  # a unit after the figure
    ("What did the 12 members decide?", "The twelve members decided.", False),  # a figure spelled out
    ("Which CVE did extract_zipped_paths fix?", "requests.utils.extract_zipped_paths now ...", False),
    ("Which flag does asn1_der_decoding2 take?", "asn1_der_decoding() decodes.", True),
    ("What is the top level with --ultra?", "Levels go up to 19; --fast goes faster.", True),
    ("What does --fast do?", "Levels go up to 19; --fast goes faster.", False),
    # what a question asks about, after its last "of" or "for", must be somewhere in the documents
    ("What is the chemical symbol for gold?", "strip removes all unneeded symbols.", True),
    ("What is the default port for snews URLs?", "snews is the same as nntp, on port 563.", False),
    ("Which option is used for compressing?", "Use -z to compress files.", False),  # "compress" is there
    ("Which option keeps it quiet when the device for an entry is absent?", "nofail: no error.", False),  # a clause
    ("Which setting makes it fail instead of silently dropping it?", "check_paths: fail if not found.", False),
    # proper names: two or more missing refuse, one is let through (another form of the word may be there)
    ("Who painted the Mona Lisa?", "The harbour wall was rebuilt.", True),
    ("Which channel does the Filipino journalist work for?", "Tristan, from the Philippines, ...", False),
    ("What did he say China did for the Philippines?", "He thanked China; the Philippines ...", False),
])
def test_a_name_the_documents_never_mention_refuses(question: str, documents: str, refused: bool) -> None:
    assert (unnamed(question, documents) is not None) is refused


def test_answerer_refuses_a_question_about_a_release_the_documents_never_mention(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    answer = indexed.ask("What was the cost of the harbour wall rebuilt in 1993?")
    assert answer.refused and answer.text == REFUSAL and not answer.citations
    assert any("never mention '1993'" in note for note in answer.notes)
    assert not generator.calls  # refused before the model was asked


def test_a_name_elsewhere_in_the_same_document_counts(indexed: Assistant, generator: FakeGenerator) -> None:
    # "1987" is in harbour.txt; whichever passage of it is chosen, the document mentions the year
    generator.queue("2,400,000 pounds [1]")
    answer = indexed.ask("What did the harbour wall rebuilt in 1987 cost?")
    assert not answer.refused, answer.notes


def test_the_check_can_be_turned_off(make_assistant, generator: FakeGenerator) -> None:  # type: ignore[no-untyped-def]
    assistant = make_assistant(names_check=False)
    assistant.index()
    generator.queue("2,400,000 pounds [1]")
    answer = assistant.ask("What was the cost of the harbour wall rebuilt in 1993?")
    assert not any("never mention" in note for note in answer.notes)


@pytest.mark.parametrize(("question", "documents", "refused"), [
    # An example the asker gives is not what the question is about.
    ("Ninja prints a prefix like [3/120]. What is the default format string?", "NINJA_STATUS: [%f/%t]", False),
    ("How do I hold a package such as libc6?", "apt-mark hold package_name", False),
    # A sentence that sets the scene in the asker's words: the documents may name it otherwise.
    ("My editor wants a compile_commands.json. Which Ninja tool writes one?", "compdb: dump a database", False),
    # The sentence that asks still names what it is about.
    ("I use Debian. What is the codename of Debian 14?", "Debian 12 is called bookworm.", True),
])
def test_only_the_asking_sentence_names_what_must_be_there(question: str, documents: str, refused: bool) -> None:
    assert (unnamed(question, documents) is not None) is refused


def test_a_name_escaped_in_markdown_is_mentioned() -> None:
    # an HTML or Word file is read as Markdown, where "sg3_utils" is written "sg3\_utils"
    text = r"the author's **sg\_reassign** utility in the sg3\_utils package can be used"
    assert unnamed("Which sg3_utils program reassigns a bad block?", text) is None
    assert unnamed("Which sg4_utils program reassigns a bad block?", text) == "the documents never mention 'sg4_utils'"
