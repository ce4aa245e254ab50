"""A question's terms count as held by a unit when the document's title or the headings above it say them."""

from __future__ import annotations

import pytest
from fakes import FakeEmbedder

from assistant.evidence import EvidenceSelector, shown
from assistant.lexical import TextWeights
from assistant.types import Chunk, Hit
from assistant.units import units

QUESTION = "What is the minimum Python version needed to run Black?"
README = (
    "# Black\n\n"
    "## Installation\n\n"
    "It requires Python 3.10+ to run.\n\n"
    "## Standalone\n\n"
    "If you want to run Black without installing Python, download a standalone executable.\n"
)


def _best(text: str, title: str, name: str = "README.md") -> str:
    chunk = Chunk("c1", name, f"/docs/{name}", title, text, 0, len(text), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0)
    passage, = selector.select(QUESTION, FakeEmbedder.vector(QUESTION), [Hit(chunk, 1.0)], TextWeights([text]))
    return passage.text


def test_a_sentence_that_says_it_is_read_under_its_documents_title() -> None:
    assert _best(README, "Black") == "It requires Python 3.10+ to run."


def test_without_the_title_the_sentence_naming_the_subject_wins() -> None:
    # The same README with neither a title nor a heading naming Black: nothing says what "it" is.
    text = README.replace("# Black\n\n", "# Tool\n\n")
    assert _best(text, "Tool").startswith("If you want to run Black without installing Python")


def test_a_sentence_that_says_it_is_read_under_its_files_name() -> None:
    # neither the title nor a heading names Black, the file does ("black-README.md")
    text = README.replace("# Black\n\n", "# Tool\n\n")
    assert _best(text, "Tool", name="black-README.md") == "It requires Python 3.10+ to run."


def test_a_sentence_under_a_heading_naming_code_is_shown_with_that_name() -> None:
    # fontconfig's manual: "This element removes ..." under "<reset-dirs />" named nothing the reader could use
    text = ("# Configuration File Format\n\n## <reset-dirs />\n\n"
            "This element removes all of fonts directories where added by <dir> elements.\n\n"
            "## Font matching\n\nFonts are matched by their properties.\n")
    chunk = Chunk("c1", "fonts.md", "/docs/fonts.md", "Fonts", text, 0, len(text), "sha")
    assert [shown(chunk, u) for u in units(text, markdown=True) if u.evidence] == [
        "Configuration File Format › <reset-dirs />: This element removes all of fonts directories where added by "
        "<dir> elements.",
        "Fonts are matched by their properties."]


def test_a_heading_ending_in_a_colon_is_shown_without_it() -> None:
    # Dillo's help: "Images-off mode:: You can set ..." under a title that ends in its own colon
    text = "#### Images-off mode:\n\n- You can set \"no images\" as the default mode in dillorc.\n- Or not.\n"
    chunk = Chunk("c1", "help.md", "/docs/help.md", "Help", text, 0, len(text), "sha")
    assert [shown(chunk, u) for u in units(text, markdown=True) if u.evidence][0] == (
        'Images-off mode: You can set "no images" as the default mode in dillorc.')


@pytest.mark.parametrize(("text", "markdown"), [
    ("Signals\n=======\n\n``SIGUSR2``\n\n  supervisord will close and reopen the main activity log.\n", False),
    ("# Signals\n\n## `SIGUSR2`\n\nsupervisord will close and reopen the main activity log.\n", True),
])
def test_text_under_a_title_that_is_all_a_literal_is_shown_with_that_name(text: str, markdown: bool) -> None:
    # supervisor's "Running" chapter sets each signal out as "``SIGUSR2``" over its text: the text alone
    # did not say which signal "Which signal makes supervisord reopen its logs?" asks for.
    name = "signals.md" if markdown else "signals.rst"
    chunk = Chunk("c1", name, f"/docs/{name}", "Signals", text, 0, len(text), "sha")
    assert [shown(chunk, u) for u in units(text, markdown=markdown) if u.evidence] == [
        "Signals › SIGUSR2: supervisord will close and reopen the main activity log."]


DESIGN = (
    "# Design\n\n"
    "## The law of responsiveness\n\n"
    "The shell should remain responsive to the user at all times, even when the filesystem is slow.\n"
)


def _design(question: str) -> str:
    chunk = Chunk("c1", "design.md", "/docs/design.md", "Design", DESIGN, 0, len(DESIGN), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0)
    passage, = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([DESIGN]))
    return passage.text


def test_a_question_asking_which_law_or_section_reads_the_sentence_under_its_heading() -> None:
    # The heading is the answer to "which law ...?"; a question about the shell itself needs none.
    assert _design("Which design law says the shell must stay usable when the filesystem is slow?") == (
        "The law of responsiveness: The shell should remain responsive to the user at all times, "
        "even when the filesystem is slow.")
    assert _design("Must the shell stay usable when the filesystem is slow?").startswith("The shell should")


@pytest.mark.parametrize("indent", ["  ", " "])
def test_later_paragraphs_of_a_list_item_opening_with_a_name_are_shown_with_it(indent: str) -> None:
    # unattended-upgrades' README sets each option out as "* `Name` - type (default)" over its text,
    # the text set in by one space only (so not inside the item as Markdown reads it, as its writer meant).
    text = ("# Options\n\n"
            f"* `Acquire::http::Dl-Limit` - integer (default:0)\n\n{indent}Use apt bandwidth limit feature.\n\n"
            "* `Dpkg::Options` - list of strings\n\n"
            "Unrelated text after the list.\n")
    chunk = Chunk("c1", "README.md", "/docs/README.md", "Options", text, 0, len(text), "sha")
    assert [shown(chunk, u) for u in units(text, markdown=True) if u.evidence] == [
        "Options: Acquire::http::Dl-Limit - integer (default:0)",
        "Acquire::http::Dl-Limit - integer (default:0): Use apt bandwidth limit feature.",
        "Options: Dpkg::Options - list of strings",
        "Unrelated text after the list."]


FAQ = (
    "FAQ\n===\n\n"
    "How do I enable gzip compression globally for my entire application?\n"
    "---------------------------------------------------------------------\n\n"
    "It's impossible.\n\n"
    "Or enable compression in your reverse proxy, in front of the application.\n\n"
    "How do I close sessions?\n------------------------\n\n"
    "Then\n\nCall close() on the session once the application is done with it.\n"
)


def test_a_faqs_answer_is_ranked_with_the_question_over_it() -> None:
    # aiohttp's FAQ: the two words right under the question answer it; the next sentence shares more of a
    # user's wording ("Does it let me turn on compression globally for my whole application?")
    chunk = Chunk("c1", "faq.rst", "/docs/faq.rst", "FAQ", FAQ, 0, len(FAQ), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=3, lexical_weight=0.5, following=0)
    question = "Does it let me turn on compression globally for my whole application?"
    passages = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([FAQ]))
    assert passages[0].text == "It's impossible."
    assert "Then" not in [p.text for p in passages]  # a word between two lines is no answer to anything


def test_the_row_naming_the_asked_identifier_exactly_outranks_its_neighbours() -> None:
    # crcmod's table: "crc-32c" and "crc-32d" share the words "crc" and "32"; the name as a whole tells them apart
    text = ("Predefined CRC algorithms\n\n- Name: crc-32d; Polynomial: 0x1A833982B; Reversed: True\n"
            "- Name: crc-32c; Polynomial: 0x11EDC6F41; Reversed: True\n"
            "- Name: crc-32-bzip2; Polynomial: 0x104C11DB7; Reversed: False\n")
    question = "What polynomial does the crc-32c algorithm use?"
    chunk = Chunk("c1", "crcmod.md", "/docs/crcmod.md", "crcmod", text, 0, len(text), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0)
    passage, = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text]))
    assert "0x11EDC6F41" in passage.text
