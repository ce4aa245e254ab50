"""rendering: answers as HTML for the chat page, and the conversation as Markdown.

Hostile text (markup in a document, the model's output, a file name or a question)
must come out as characters: no tag, image, link or script of its own, also after
a Markdown renderer (markdown-it, CommonMark, standing in for the page's) has run.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fakes import FakeGenerator, source_number
from markdown_it import MarkdownIt

from assistant import citations
from assistant.rendering import (
    _in_context,
    answer_html,
    answer_markdown,
    checked_html,
    conversation_markdown,
    draft_html,
    draft_replaced,
    inert,
    question_html,
    sources_html,
    stage_html,
    stopped_html,
    streaming_html,
)
from assistant.types import Answer, Chunk, Citation, Passage, Sentence, Timings
from assistant.wiring import Assistant

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![x](http://example.com/a.png)",
    "[link](javascript:alert(1))",
    "$$x$$",
    '<a href="javascript:alert(1)">click</a>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",  # already entity-encoded: must not be decoded into a tag
    "**bold** _em_ `code` ~~gone~~ # heading | a | b |",
]
HOSTILE_TEXT = " ".join(HOSTILE)
OUR_TAGS = {"div", "span", "a", "strong", "em", "details", "summary", "blockquote", "mark", "del"}
OUR_ATTRIBUTES = {"class", "href", "title", "id"}
MARKUP_CHARACTERS = set("<>&\"'[]()!`*_$#|~{}\\+-")


class _Markup(HTMLParser):
    """The tags, attributes and visible text of an HTML fragment."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.other: list[str] = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    def handle_comment(self, data: str) -> None:
        self.other.append(f"comment {data}")

    def handle_decl(self, decl: str) -> None:
        self.other.append(f"declaration {decl}")

    def handle_pi(self, data: str) -> None:
        self.other.append(f"processing instruction {data}")

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def names(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def _assert_only_our_markup(fragment: str, turn: int, rendered: bool = False) -> _Markup:
    """Every tag and attribute in ``fragment`` is one rendering writes; links only point inside the page.

    ``rendered``: the fragment is a Markdown renderer's output (final HTML, where brackets are
    plain characters), not the Markdown source that rendering hands the page.
    """
    markup = _Markup(fragment)
    assert markup.other == []
    for tag, attrs in markup.tags:
        assert tag in OUR_TAGS | ({"p"} if rendered else set()), (tag, attrs)
        assert set(attrs) <= OUR_ATTRIBUTES, (tag, attrs)
        if tag == "a":
            assert re.fullmatch(rf"#src-{turn}-\d+", attrs["href"] or ""), attrs
        else:
            assert "href" not in attrs, (tag, attrs)
        if "id" in attrs:
            assert re.fullmatch(rf"src-{turn}-\d+", attrs["id"] or ""), attrs
    lowered = fragment.lower()
    live = ["<script", "<img", "<a href=\"javascript"]
    if not rendered:
        live += ["](", "![", "$$", "(javascript:", "`", "**"]
    for syntax in live:
        assert syntax not in lowered, syntax
    return markup


def _markdown(fragment: str) -> str:
    """What a CommonMark renderer with raw HTML on (as the chat page's is) makes of ``fragment``."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(fragment)


# --- building answers by hand ---------------------------------------------------------


def _chunk(text: str, start: int = 100, source: str = "harbour.txt") -> Chunk:
    return Chunk(f"id-{source}-{start}", source, f"/docs/{source}", "Title", text, start, start + len(text), "sha")


def _passage(n: int, chunk: Chunk, span: str) -> Passage:
    at = chunk.start + chunk.text.index(span)
    return Passage(n, chunk, span, at, at + len(span), 0.9)


def _answer(sentences: list[Sentence], passages: list[Passage], refused: bool = False,
            text: str | None = None) -> Answer:
    cited = dict.fromkeys(n for s in sentences for n in s.markers)
    by_n = {p.n: p for p in passages}
    return Answer(
        text if text is not None else citations.render(sentences),
        tuple(Citation.of(by_n[n]) for n in cited if n in by_n), refused, tuple(sentences), Timings(),
        question="q", standalone_question="q", passages=tuple(passages),
    )


HARBOUR = _chunk("Port Ellery Harbour. The harbour wall was rebuilt in 1987. Calloway and Finch designed it. "
                 "Boats land crab there.")
ORCHARD = _chunk("Hillside Orchard grows 42 varieties of apple. Its press was built by Tomas Reyes.",
                 start=0, source="orchard.md")
P1 = _passage(1, HARBOUR, "The harbour wall was rebuilt in 1987.")
P2 = _passage(2, ORCHARD, "Hillside Orchard grows 42 varieties of apple.")
P3 = _passage(3, HARBOUR, "Boats land crab there.")  # supplied, never cited


# --- inert ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_inert_encodes_every_markup_character_and_decodes_back_to_the_text(text: str) -> None:
    out = inert(text)
    assert html.unescape(out) == text
    left = re.sub(r"&#\d+;", "", out)
    assert not set(left) & MARKUP_CHARACTERS, left


def test_inert_leaves_words_digits_and_other_letters_alone() -> None:
    text = "Port Ellery, 1987: café, naïve, Ωμέγα, 42 varieties. Done? Yes"
    assert inert(text) == text


def test_inert_does_not_turn_entities_in_the_text_into_markup() -> None:
    out = inert("&lt;script&gt; &amp; &#60;b&#62;")
    assert html.unescape(out) == "&lt;script&gt; &amp; &#60;b&#62;"  # shown as typed, once decoded
    assert "<" not in html.unescape(out)


@pytest.mark.parametrize("text", [*HOSTILE, HOSTILE_TEXT])
def test_inert_text_is_plain_text_under_markdown(text: str) -> None:
    rendered = _Markup(_markdown(inert(text)))
    assert [tag for tag, _ in rendered.tags] == ["p"]
    assert rendered.text.strip() == text


def test_inert_keeps_text_on_one_line_so_it_cannot_end_an_html_block() -> None:
    text = "First paragraph.\n\n    indented like code\n\n1. a list\r\nSetext\n===\n"
    out = inert(text)
    assert "\n" not in out and "\r" not in out
    assert html.unescape(out) == text


# --- answer_html ----------------------------------------------------------------------


def test_each_marker_is_a_link_to_its_passage_in_this_turn() -> None:
    answer = _answer([Sentence("The harbour wall was rebuilt in 1987", (1,), True),
                      Sentence("The orchard grows 42 varieties of apple", (2, 1), True)], [P1, P2, P3])
    out = answer_html(answer, turn=7)
    markup = _assert_only_our_markup(out, turn=7)
    links = markup.names("a")
    assert [a["href"] for a in links] == ["#src-7-1", "#src-7-2", "#src-7-1"]
    assert all(a["class"] == "cite" for a in links)
    assert "The harbour wall was rebuilt in 1987 [1]." in markup.text
    assert "The orchard grows 42 varieties of apple [2][1]." in markup.text
    assert [d["id"] for d in markup.names("details")] == ["src-7-1", "src-7-2"]  # P3 was not cited
    assert not any("unsupported" in (s["class"] or "") for s in markup.names("span"))


def test_every_link_has_a_passage_to_open() -> None:
    answer = _answer([Sentence("Wall rebuilt in 1987", (1,), True), Sentence("Apples", (2,), True)], [P1, P2])
    markup = _Markup(answer_html(answer, turn=2))
    targets = {a["href"] for a in markup.names("a")}
    assert targets == {f"#{d['id']}" for d in markup.names("details")}


def test_unsupported_sentence_is_flagged_with_its_reason() -> None:
    answer = _answer([Sentence("The wall was rebuilt in 1987", (1,), True),
                      Sentence("The wall cost 9 pounds", (1,), False, "numbers not in the source: ['9']")],
                     [P1])
    out = answer_html(answer, turn=1)
    markup = _assert_only_our_markup(out, turn=1)
    spans = [s for s in markup.names("span") if "sentence" in (s["class"] or "")]
    assert [s["class"] for s in spans] == ["sentence", "sentence unsupported"]
    assert spans[1]["title"] == "Not supported by its source: numbers not in the source: ['9']"
    assert "Unsupported: The wall cost 9 pounds [1]." in markup.text
    assert "(Not supported by its source: numbers not in the source: ['9'])" in markup.text
    assert markup.text.index("rebuilt in 1987") < markup.text.index("Unsupported:")


def test_refusal_is_plain_with_nothing_to_cite() -> None:
    answer = _answer([], [P1], refused=True, text="The documents do not say.")
    out = answer_html(answer, turn=3)
    markup = _assert_only_our_markup(out, turn=3)
    assert markup.tags[0] == ("div", {"class": "refusal"})
    assert markup.text == "The documents do not say. Try other words, or add a document that covers it."
    assert len(markup.names("strong")) == 1  # said once, not three times
    assert markup.names("a") == [] and markup.names("details") == [] and "Sources" not in markup.text
    assert "Why" not in markup.text


def test_a_refusal_says_which_check_made_it_as_text() -> None:
    answer = dataclasses.replace(_answer([], [P1], refused=True, text="The documents do not say."),
                                 notes=("refused: nothing retrieved mentions '<b>ceo</b>'",))
    markup = _assert_only_our_markup(answer_html(answer, turn=1), turn=1)
    assert markup.text.endswith("(Why: nothing retrieved mentions '<b>ceo</b>'.)")
    assert markup.names("b") == []  # the note is text, never markup


# --- sources_html and _in_context -----------------------------------------------------


def test_each_cited_passage_is_shown_with_its_span_marked_inside_its_chunk() -> None:
    answer = _answer([Sentence("Wall rebuilt in 1987", (1,), True), Sentence("Apples", (2,), True)], [P1, P2, P3])
    markup = _assert_only_our_markup(sources_html(answer, turn=4), turn=4)
    assert markup.text.startswith("Sources")
    assert len(markup.names("details")) == len(markup.names("mark")) == 2
    fragment = sources_html(answer, turn=4)
    first, second = fragment.split('<details class="source" id="src-4-2">')
    one, two = _Markup(first), _Markup(second)
    assert f"[1] harbour.txt characters {P1.start}–{P1.end}" in one.text
    assert one.text.endswith(HARBOUR.text)  # the whole chunk, in order, the span inside it
    assert re.search(r"<mark>The harbour wall was rebuilt in 1987\.</mark>", first)
    assert f"[2] orchard.md characters {P2.start}–{P2.end}" in two.text
    assert "<mark>Hillside Orchard grows 42 varieties of apple.</mark> Its press" in second


def test_no_citations_no_sources() -> None:
    assert sources_html(_answer([Sentence("Wall", (), False, "no citation")], [P1]), turn=1) == ""


def test_span_is_found_by_its_offsets_in_the_chunk() -> None:
    chunk = _chunk("Alpha one. Alpha one. Beta two.", start=50)
    second = Citation(1, chunk.source, chunk.id, "Alpha one.", 61, 71)  # the second "Alpha one."
    assert _in_context(second, Passage(1, chunk, "Alpha one.", 61, 71, 1.0)) == (
        "Alpha one. ", "Alpha one.", " Beta two.")


def test_span_with_stale_offsets_is_found_by_its_text() -> None:
    chunk = _chunk("Alpha one. Beta two. Gamma three.", start=50)
    stale = Citation(1, chunk.source, chunk.id, "Beta two.", 0, 9)
    assert _in_context(stale, Passage(1, chunk, "Beta two.", 0, 9, 1.0)) == (
        "Alpha one. ", "Beta two.", " Gamma three.")


def test_span_not_in_its_chunk_or_without_a_passage_is_shown_alone() -> None:
    chunk = _chunk("Alpha one. Beta two.", start=0)
    missing = Citation(1, chunk.source, chunk.id, "Delta four.", 0, 11)
    assert _in_context(missing, Passage(1, chunk, "Delta four.", 0, 11, 1.0)) == ("", "Delta four.", "")
    assert _in_context(missing, None) == ("", "Delta four.", "")
    answer = Answer("Delta [1].", (missing,), False, (Sentence("Delta", (1,), True),), Timings(), "q", "q")
    assert "<mark>Delta four.</mark></blockquote>" in sources_html(answer, turn=1)


def test_long_chunk_is_cut_to_the_context_around_the_span_with_ellipses() -> None:
    span = "The cited sentence."
    chunk = _chunk("a" * 1000 + span + "b" * 1000, start=0)
    before, got, after = _in_context(Citation(1, "x", chunk.id, span, 1000, 1000 + len(span)),
                                     Passage(1, chunk, span, 1000, 1000 + len(span), 1.0))
    assert got == span
    assert before == "…" + "a" * 320
    assert after == "b" * 320 + "…"


def test_context_that_reaches_the_chunk_ends_has_no_ellipsis() -> None:
    span = "The cited sentence."
    chunk = _chunk("a" * 320 + span + "b" * 320, start=0)
    before, _, after = _in_context(Citation(1, "x", chunk.id, span, 320, 320 + len(span)),
                                   Passage(1, chunk, span, 320, 320 + len(span), 1.0))
    assert (before, after) == ("a" * 320, "b" * 320)


def test_passage_with_paragraph_breaks_keeps_its_markup_under_markdown() -> None:
    chunk = _chunk("First paragraph.\n\n    An indented line.\n\n1. A numbered line.\nThe cited one.", start=0)
    answer = _answer([Sentence("Cited", (1,), True)], [_passage(1, chunk, "The cited one.")])
    out = answer_html(answer, turn=1)
    rendered = _markdown(out)
    markup = _assert_only_our_markup(rendered, turn=1, rendered=True)
    assert [t for t, _ in markup.tags if t in ("pre", "code", "ol", "li")] == []
    assert "&lt;/blockquote" not in rendered and "</blockquote>" in rendered
    assert "1. A numbered line.\nThe cited one." in markup.text


# --- hostile text everywhere ----------------------------------------------------------


def test_hostile_document_model_output_and_file_name_render_as_text() -> None:
    chunk = _chunk(f"Before {HOSTILE_TEXT}. The beacon prints {HOSTILE[0]} on start. After {HOSTILE_TEXT}.",
                   source="<img src=x onerror=alert(1)>.md")
    passage = _passage(1, chunk, f"The beacon prints {HOSTILE[0]} on start.")
    answer = _answer([Sentence(f"The beacon prints {HOSTILE[0]}", (1,), True),
                      Sentence(HOSTILE_TEXT, (1,), False, f"terms not in the source: {HOSTILE[3]}")], [passage])
    out = answer_html(answer, turn=5)
    for fragment, rendered in ((out, False), (_markdown(out), True)):
        markup = _assert_only_our_markup(fragment, turn=5, rendered=rendered)
        for text in HOSTILE:
            assert text in markup.text, text
        assert "<img src=x onerror=alert(1)>.md" in markup.text
        assert markup.names("mark") and HOSTILE[0] in _Markup(fragment.split("<mark>")[1]).text


def test_hostile_question_and_streamed_text_render_as_text() -> None:
    for fragment in (question_html(HOSTILE_TEXT), streaming_html(HOSTILE_TEXT), streaming_html("<scr")):
        for shown, rendered in ((fragment, False), (_markdown(fragment), True)):
            markup = _assert_only_our_markup(shown, turn=0, rendered=rendered)
            assert "<scr" not in shown.lower()
            assert markup.texts
    markup = _Markup(streaming_html(HOSTILE_TEXT))
    assert markup.tags == [("span", {"class": "streaming"}), ("span", {"class": "cursor"})]
    assert markup.text == HOSTILE_TEXT + "▍"


def test_hostile_document_through_the_assistant(
    make_assistant: Callable[..., Assistant], corpus: Path, generator: FakeGenerator
) -> None:
    (corpus / "zorblax.md").write_text(
        "# Zorblax beacon\n\n"
        f"The Zorblax beacon prints {HOSTILE[0]} when it starts. "
        f"The Zorblax manual shows {HOSTILE[1]} and {HOSTILE[2]} on one page. "
        f"The Zorblax help links {HOSTILE[3]} and writes {HOSTILE[4]} for maths.\n",
        encoding="utf-8",
    )
    assistant = make_assistant()
    assistant.index()
    generator.queue(lambda prompt, grammar: (
        f" The Zorblax beacon prints {HOSTILE[0]} [{source_number(prompt, 'Zorblax')}].\n"))
    answer = assistant.ask(f"What does the Zorblax beacon print? {HOSTILE[1]}")
    assert not answer.refused and answer.citations
    assert {c.source for c in answer.citations} == {"zorblax.md"}
    out = answer_html(answer, turn=1)
    for fragment, rendered in ((out, False), (_markdown(out), True)):
        markup = _assert_only_our_markup(fragment, turn=1, rendered=rendered)
        for text in HOSTILE[:5]:
            assert text in markup.text, text


# --- conversation_markdown ------------------------------------------------------------


def test_conversation_export_lists_each_question_answer_and_cited_passage() -> None:
    spread = _chunk("The harbour   wall\nwas rebuilt in 1987.", start=10)
    first = _answer([Sentence("The wall was rebuilt in 1987", (1,), True)], [_passage(1, spread, spread.text)])
    second = _answer([Sentence("Apples", (2,), True), Sentence("It cost 9 pounds", (2,), False, "numbers")], [P2])
    refused = _answer([], [], refused=True, text="The documents do not say.")
    out = conversation_markdown([("When was the wall rebuilt?", first), ("And apples?", second),
                                 ("Penguins?", refused)])
    assert out.startswith(
        "# Conversation\n"
        "\n"
        "## 1. When was the wall rebuilt?\n"
        "\n"
        "The wall was rebuilt in 1987 [1].\n"
        "\n"
        "- [1] harbour.txt, characters 10–49: \"The harbour wall was rebuilt in 1987.\"\n"
        "\n"
        "## 2. And apples?\n"
        "\n"
        "Apples [2]. It cost 9 pounds [2].\n"
        "\n"
        f"- [2] orchard.md, characters {P2.start}–{P2.end}: \"Hillside Orchard grows 42 varieties of apple.\"\n"
        "\n"
        "- (not supported by its source: It cost 9 pounds)\n"
    )
    assert out.endswith("## 3. Penguins?\n\nThe documents do not say.\n")
    assert out.count("- [") == 2  # the refusal cites nothing


def test_empty_conversation_exports_a_title_only() -> None:
    assert conversation_markdown([]) == "# Conversation\n"


# --- the draft, the checked answer that replaces it, a stop -------------------------------


def test_the_draft_says_it_is_not_checked_then_that_it_is_being_checked() -> None:
    writing, checking = _Markup(draft_html(" 1.9 billion doses")), _Markup(draft_html(" 1.9 billion doses [1].", True))
    assert writing.names("div")[0] == {"class": "draft"}
    assert "not checked yet" in writing.text and "1.9 billion doses" in writing.text
    assert "Checking the draft" in checking.text


def test_a_checked_answer_that_differs_from_the_draft_says_the_draft_was_replaced() -> None:
    answer = _answer([Sentence("The harbour wall was rebuilt in 1987", (1,), True)], [P1])
    out = checked_html(answer, turn=1, draft=" The wall was rebuilt in 1978 [1].")
    markup = _Markup(out)
    assert draft_replaced(answer, " The wall was rebuilt in 1978 [1].")
    assert "replaced the unchecked draft" in markup.text
    assert [a for t, a in markup.tags if t == "details"][0]["class"] == "draft-note replaced"
    struck = out.split("<del")[1].split("</del>")[0]
    assert "1978" in struck and "1978" not in out.split("</details>", 1)[1]  # shown only struck, tucked away
    assert markup.names("div")[1] == {"class": "answer"}  # the answer itself, as before


def test_a_checked_answer_equal_to_the_draft_says_the_draft_stands() -> None:
    answer = _answer([Sentence("The harbour wall was rebuilt in 1987", (1,), True)], [P1])
    out = checked_html(answer, turn=1, draft="  The harbour wall was rebuilt in 1987 [1].\n")
    assert not draft_replaced(answer, " The harbour wall was rebuilt in 1987 [1].")
    assert "the answer is the draft as it was written" in _Markup(out).text
    assert "<del" not in out


def test_no_draft_no_note() -> None:  # a refusal before the model wrote anything
    refused = _answer([], [], refused=True, text="The documents do not say.")
    assert "draft" not in checked_html(refused, turn=1)


def test_copy_text_of_an_answer_is_its_markdown_in_a_hidden_title() -> None:
    answer = _answer([Sentence("The harbour wall was rebuilt in 1987", (1,), True)], [P1])
    markup = _Markup(checked_html(answer, turn=1, draft="x"))
    hidden = [a for t, a in markup.tags if a.get("class") == "copy-text"]
    assert len(hidden) == 1 and hidden[0]["title"] == answer_markdown(answer)
    assert answer_markdown(answer) == (
        f"The harbour wall was rebuilt in 1987 [1].\n\n- [1] harbour.txt, characters {P1.start}–{P1.end}: "
        '"The harbour wall was rebuilt in 1987."\n')
    assert "<" not in answer_markdown(answer)


def test_stopped_shows_no_fragment_as_an_answer() -> None:
    out = stopped_html(" 1")
    markup = _Markup(out)
    assert markup.names("div")[0] == {"class": "stopped"}
    assert "there is no answer" in markup.text
    assert out.split("<del")[1].startswith(' class="draft-text"> 1</del>')
    assert "<del" not in stopped_html("  ")


def test_stage_draft_note_and_copy_text_render_hostile_text_as_text() -> None:
    answer = _answer([Sentence(HOSTILE_TEXT, (1,), True)], [P1])
    for fragment in (stage_html(HOSTILE_TEXT), draft_html(HOSTILE_TEXT), draft_html(HOSTILE_TEXT, True),
                     stopped_html(HOSTILE_TEXT), checked_html(answer, turn=2, draft=HOSTILE_TEXT)):
        for shown, rendered in ((fragment, False), (_markdown(fragment), True)):
            _assert_only_our_markup(shown, turn=2, rendered=rendered)
        assert HOSTILE_TEXT in _Markup(fragment).text
