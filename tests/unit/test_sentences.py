"""sentence_spans: offsets that slice the text back into its sentences."""

from __future__ import annotations

from itertools import pairwise

import pytest

from assistant.sentences import sentence_spans


def _pieces(text: str, offset: int = 0) -> list[str]:
    return [text[start - offset : end - offset] for start, end in sentence_spans(text, offset)]


def test_docstring_example_offsets() -> None:
    assert sentence_spans("It rained. We left.\nNext line") == [(0, 10), (11, 19), (20, 29)]


def test_abbreviations_and_decimals_do_not_end_a_sentence() -> None:
    text = "Dr. Smith paid $3.50 for 2.5 kg of apples. He left at 5 p.m. on Monday. Then he slept."
    assert _pieces(text) == [
        "Dr. Smith paid $3.50 for 2.5 kg of apples.",
        "He left at 5 p.m. on Monday.",
        "Then he slept.",
    ]


def test_multi_line_text_splits_per_line_and_trims_spaces() -> None:
    text = (
        "Mr. Jones met Ms. Lee at 10 a.m. in the U.S. office. The deal was worth 1.8 million dollars.\n"
        "\n"
        "  Second paragraph here.  It has two sentences!\n"
        "Heading without stop\n"
    )
    assert _pieces(text) == [
        "Mr. Jones met Ms. Lee at 10 a.m. in the U.S. office.",
        "The deal was worth 1.8 million dollars.",
        "Second paragraph here.",
        "It has two sentences!",
        "Heading without stop",
    ]


def test_spans_are_ordered_disjoint_and_never_start_or_end_with_space() -> None:
    text = "One.  Two?\n\n\tThree!  \nFour, with 1,000.50 euros. Five"
    spans = sentence_spans(text)
    assert len(spans) == 5
    for (s1, e1), (s2, _) in pairwise(spans):
        assert s1 < e1 <= s2
    for start, end in spans:
        piece = text[start:end]
        assert piece == piece.strip() and piece


def test_offset_shifts_every_span() -> None:
    text = "It rained. We left.\nNext line"
    assert sentence_spans(text, offset=100) == [(100, 110), (111, 119), (120, 129)]
    document = "x" * 100 + text
    pieces = [document[s:e] for s, e in sentence_spans(text, offset=100)]
    assert pieces == ["It rained.", "We left.", "Next line"]


@pytest.mark.parametrize("text", ["", "\n\n", "   "])
def test_blank_text_has_no_sentences(text: str) -> None:
    assert sentence_spans(text) == []


def test_repeated_sentences_get_their_own_offsets() -> None:
    text = "Yes. Yes. Yes."
    assert sentence_spans(text) == [(0, 4), (5, 9), (10, 14)]


def test_lower_case_after_a_company_abbreviation_continues_the_sentence() -> None:
    text = "At the meeting, Beijing Holdings co.,Ltd. shared the topic of growth. It ended at noon."
    assert _pieces(text) == [
        "At the meeting, Beijing Holdings co.,Ltd. shared the topic of growth.", "It ended at noon."]


def test_a_full_stop_with_no_space_after_it_still_ends_a_sentence() -> None:
    text = "It set up offices in Japan, Germany, etc.In terms of health, it hired experts."
    assert _pieces(text) == ["It set up offices in Japan, Germany, etc.", "In terms of health, it hired experts."]


def test_a_dotted_name_in_a_code_span_is_no_glued_stop() -> None:
    text = "The ``nowait`` version raises ``trio.WouldBlock`` and `decimal.Decimal` stays whole."
    assert _pieces(text) == [text]


def test_lower_case_sentences_are_not_merged() -> None:
    assert _pieces("w0 w1. w2 w3. w4.") == ["w0 w1.", "w2 w3.", "w4."]


def test_glued_sentences_deep_in_a_text_keep_their_offsets() -> None:
    text = "Intro line.\n" + "Filler words here. " * 5 + "It grew, etc.Then it ended. Done.\n"
    spans = sentence_spans(text)
    assert all(a[1] <= b[0] for a, b in pairwise(spans))
    assert _pieces(text)[-3:] == ["It grew, etc.", "Then it ended.", "Done."]


def test_a_number_ending_a_sentence_is_not_the_next_ones_list_number() -> None:
    text = "It should be specified with a fs_passno of 1. Other filesystems should have 2. Done."
    assert _pieces(text) == [
        "It should be specified with a fs_passno of 1.", "Other filesystems should have 2.", "Done."]


def test_a_numbered_step_after_a_full_sentence_keeps_its_number() -> None:
    assert _pieces("Steps: 1. Open it. 2. Close it.") == ["Steps:", "1. Open it.", "2. Close it."]


def test_a_bracketed_aside_goes_with_the_sentence_after_it() -> None:
    text = '(string, default "coverage.lcov") Where to write the LCOV file. (Previously, it was required.) Now not.'
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        '(string, default "coverage.lcov") Where to write the LCOV file.', "(Previously, it was required.)", "Now not."]


def test_a_web_address_is_never_cut_into_sentences() -> None:
    text = ("Use the [status](https://rich.readthedocs.io/en/latest/reference/console.html"
            "#rich.console.Console.status) method to show a spinner. It works.")
    assert [text[a:b] for a, b in sentence_spans(text)] == [text[: text.index(" It")], "It works."]
