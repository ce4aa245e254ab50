"""The answer grammar, parsing answers, and the per-sentence support check."""

from __future__ import annotations

import json
import re

import pytest

from assistant import citations
from assistant.lexical import terms
from assistant.types import Chunk, Passage, Sentence

REFUSAL = "The documents do not say."


def _passage(n: int, text: str) -> Passage:
    chunk = Chunk(f"id{n}", f"doc{n}.txt", f"/docs/doc{n}.txt", "Doc", text, 0, len(text), "sha")
    return Passage(n, chunk, text, 0, len(text), 0.5)


PASSAGES = [
    _passage(1, "The harbour wall at Port Ellery was rebuilt in 1987 at a cost of 2,400,000 pounds."),
    _passage(2, "The engineering firm Calloway and Finch designed the new breakwater."),
    _passage(4, "Hillside Orchard grows 42 varieties of apple and sells 1000 bottles of cider."),
]


def _rules(grammar: str) -> dict[str, str]:
    rules = {}
    for line in grammar.splitlines():
        name, _, body = line.partition(" ::= ")
        assert name and body, line
        rules[name] = body
    return rules


def _reachable(grammar: str) -> set[str]:
    rules = _rules(grammar)
    seen, todo = set(), ["root"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        # Drop string literals and character classes, keep rule names.
        body = re.sub(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]', " ", rules[name])
        todo.extend(w for w in re.findall(r"[a-z][a-z-]*", body) if w in rules)
    return seen


# --- grammar --------------------------------------------------------------------


def test_grammar_markers_are_exactly_the_supplied_passages() -> None:
    rules = _rules(citations.grammar(PASSAGES, REFUSAL, 1))
    assert rules["marker"] == '"[1]" | "[2]" | "[4]"'
    assert set(re.findall(r"\[(\d+)\]", rules["marker"])) == {"1", "2", "4"}
    assert "[3]" not in citations.grammar(PASSAGES, REFUSAL, 1)


def test_grammar_offers_the_refusal_only_when_allowed() -> None:
    allowed = citations.grammar(PASSAGES, REFUSAL, 1, allow_refusal=True)
    assert _rules(allowed)["root"] == "answer | refusal"
    assert _reachable(allowed) >= {"answer", "refusal", "sentence", "cites", "marker"}
    assert f'"{REFUSAL}"' in _rules(allowed)["refusal"]

    forbidden = citations.grammar(PASSAGES, REFUSAL, 1, allow_refusal=False)
    assert _rules(forbidden)["root"] == "answer"
    assert "refusal" not in _reachable(forbidden)


def test_grammar_without_passages_can_only_refuse() -> None:
    for allow in (True, False):
        grammar = citations.grammar([], REFUSAL, 3, allow_refusal=allow)
        assert _rules(grammar)["root"] == "refusal"
        assert _reachable(grammar) == {"root", "refusal"}
        assert "marker" not in grammar


@pytest.mark.parametrize(("max_sentences", "repeat"), [(1, "{0,0}"), (3, "{0,2}")])
def test_grammar_bounds_the_number_of_sentences(max_sentences: int, repeat: str) -> None:
    answer = _rules(citations.grammar(PASSAGES, REFUSAL, max_sentences))["answer"]
    assert answer == f'" "? sentence (" " sentence){repeat} "\\n"'


def _language(grammar: str) -> re.Pattern[str]:
    """The grammar as a Python regex: it is regular (no recursion), so this is exact."""
    rules = _rules(grammar)

    def translate(name: str) -> str:
        body, out, i = rules[name], [], 0
        while i < len(body):
            c = body[i]
            if c == '"':
                j = i + 1
                while body[j] != '"':
                    j += 2 if body[j] == "\\" else 1
                out.append(re.escape(json.loads(body[i : j + 1])))
                i = j + 1
            elif c == "[":
                j = i + 1
                while body[j] != "]":
                    j += 2 if body[j] == "\\" else 1
                out.append(body[i : j + 1])  # GBNF and Python character classes agree here
                i = j + 1
            elif c.isalpha():
                word = re.match(r"[a-z-]+", body[i:])
                assert word is not None
                out.append(f"(?:{translate(word.group())})")
                i += len(word.group())
            else:
                out.append("" if c == " " else c)
                i += 1
        return "".join(out)

    return re.compile(translate("root"))


@pytest.mark.parametrize(("output", "ok"), [
    (" Calloway and Finch designed the breakwater [2].\n", True),
    ("It cost 2,400,000 pounds [1][2].\n", True),
    ("It cost 2,400,000 pounds [1][2][4].\n", True),
    ("It cost 2,400,000 pounds [1][2][4][1].\n", False),  # at most three markers
    ("Calloway and Finch designed it [3].\n", False),  # 3 was not supplied
    ("Calloway and Finch designed it.\n", False),  # no marker
    ("Answer: Calloway [2].\n", False),  # prompt label
    ("Calloway <end_of_turn> [2].\n", False),  # special token
    ("Calloway [2]. Finch [1].\n", False),  # one sentence only
    ("Calloway [2]\n", False),  # no full stop
    (" The documents do not say.\n", False),  # refusal not allowed here
    ("A" + "b" * citations.MAX_SENTENCE_CHARS + " [1].\n", True),
    ("A" + "b" * (citations.MAX_SENTENCE_CHARS + 1) + " [1].\n", False),  # too long
])
def test_grammar_admits_exactly_cited_bounded_sentences(output: str, ok: bool) -> None:
    language = _language(citations.grammar(PASSAGES, REFUSAL, 1, allow_refusal=False))
    assert bool(language.fullmatch(output)) is ok


def test_grammar_language_with_refusal_and_more_sentences() -> None:
    language = _language(citations.grammar(PASSAGES, REFUSAL, 2, allow_refusal=True))
    assert language.fullmatch(" The documents do not say.\n")
    assert language.fullmatch("Calloway [2]. Finch [1].\n")
    assert not language.fullmatch("Calloway [2]. Finch [1]. Port [4].\n")
    only_refusal = _language(citations.grammar([], REFUSAL, 2, allow_refusal=False))
    assert only_refusal.fullmatch("The documents do not say.\n")
    assert not only_refusal.fullmatch("Calloway [1].\n")


def test_grammar_escapes_the_refusal_as_a_string() -> None:
    grammar = citations.grammar(PASSAGES, 'Say "no".', 1)
    assert '"Say \\"no\\"."' in grammar


# --- parse ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("It opened in 1998 [1][2]. Later [3].", [("It opened in 1998", (1, 2)), ("Later", (3,))]),
    (" Calloway and Finch designed it [2].\n", [("Calloway and Finch designed it", (2,))]),
    ("No marker at all.", [("No marker at all.", ())]),
    ("Cited [1]. Then a tail", [("Cited", (1,)), ("Then a tail", ())]),
    ("Run on. Still the same [12].", [("Run on. Still the same", (12,))]),
    ("", []),
])
def test_parse(text: str, expected: list[tuple[str, tuple[int, ...]]]) -> None:
    assert citations.parse(text) == expected


# --- check ----------------------------------------------------------------------


def test_check_supported_sentence() -> None:
    s = citations.check("Calloway and Finch designed the breakwater", (2,), PASSAGES)
    assert s == Sentence("Calloway and Finch designed the breakwater", (2,), True, "")


def test_check_numbers_compare_with_and_without_separators() -> None:
    assert citations.check("It cost 2400000 pounds", (1,), PASSAGES).supported
    assert citations.check("The orchard sells 1,000 bottles of cider", (4,), PASSAGES).supported


def test_check_flags_a_number_missing_from_the_source() -> None:
    s = citations.check("The harbour wall was rebuilt in 1988", (1,), PASSAGES)
    assert not s.supported
    assert s.reason == "numbers not in the source: ['1988']"


def test_check_flags_a_key_term_missing_from_the_source() -> None:
    s = citations.check("Brunel designed the breakwater", (2,), PASSAGES)
    assert not s.supported
    assert s.reason == "terms not in the source: ['brunel']"


def test_check_only_counts_the_cited_passages() -> None:
    # True of passage 2, but the sentence cites passage 1.
    s = citations.check("Calloway and Finch designed the breakwater", (1,), PASSAGES)
    assert not s.supported and "terms not in the source" in s.reason
    assert citations.check("Calloway and Finch rebuilt the harbour wall", (1, 2), PASSAGES).supported


def test_check_flags_an_unsupplied_marker() -> None:
    s = citations.check("Calloway and Finch designed the breakwater", (2, 3), PASSAGES)
    assert not s.supported
    assert s.reason == "cites a source that was not supplied"


def test_check_flags_a_sentence_without_markers() -> None:
    s = citations.check("Calloway and Finch designed the breakwater", (), PASSAGES)
    assert (s.supported, s.reason) == (False, "no citation")


def test_check_ignores_stop_words_and_inflection() -> None:
    assert citations.check("The breakwaters were designed by the firm", (2,), PASSAGES).supported


# --- supported_by and render ----------------------------------------------------------


def test_supported_by_keeps_its_own_markers_when_they_hold() -> None:
    s = citations.supported_by("Calloway and Finch designed the breakwater", (2,), PASSAGES)
    assert s is not None and s.markers == (2,) and s.supported


def test_supported_by_repairs_a_wrong_marker() -> None:
    s = citations.supported_by("Calloway and Finch designed the breakwater", (1,), PASSAGES)
    assert s is not None
    assert s.markers == (2,) and s.supported


def test_supported_by_repairs_an_unsupplied_marker() -> None:
    s = citations.supported_by("Hillside Orchard grows 42 varieties of apple", (3,), PASSAGES)
    assert s is not None and s.markers == (4,)


def test_supported_by_returns_none_when_no_passage_supports() -> None:
    assert citations.supported_by("Brunel designed the breakwater in 1850", (2,), PASSAGES) is None


def test_render_puts_markers_before_the_full_stop() -> None:
    sentences = [Sentence("First claim.", (2,), True), Sentence("Second claim", (1, 4), True),
                 Sentence("Bare", (), False)]
    assert citations.render(sentences) == "First claim [2]. Second claim [1][4]. Bare."


def test_supported_by_drops_markers_the_sentence_does_not_need() -> None:
    s = citations.supported_by("Calloway and Finch designed the breakwater", (1, 2, 4), PASSAGES)
    assert s is not None and s.markers == (2,) and s.supported


def test_supported_by_keeps_every_marker_a_combined_sentence_needs() -> None:
    sentence = "Calloway and Finch designed the breakwater and it was rebuilt in 1987"
    s = citations.supported_by(sentence, (1, 2, 4), PASSAGES)
    assert s is not None and s.markers == (1, 2)


def test_words_of_the_question_need_no_source_in_the_cited_passage() -> None:
    given = frozenset(terms("Which sea wall firm designed the breakwater?"))
    assert not citations.check("the sea wall firm Calloway and Finch", (2,), PASSAGES).supported
    assert citations.check("the sea wall firm Calloway and Finch", (2,), PASSAGES, given).supported
    # Figures are claims even when the question has them.
    assert not citations.check("Calloway and Finch in 1999", (2,), PASSAGES,
                               frozenset(terms("Who designed it in 1999?"))).supported


def test_words_of_the_question_do_not_move_a_citation_to_another_passage() -> None:
    # "apple" is the only word not from the question; it is in [4], but the answer cited [2].
    given = frozenset(terms("Which firm designed the breakwater?"))
    assert citations.supported_by("the firm apple", (2,), PASSAGES, given) is None


def test_a_number_word_is_an_answer_not_a_stop_word() -> None:
    assert "six" in terms("It has six major sectors.") and "third" in terms("the third event")
    passage = [_passage(1, "It has witnessed the development of six major sectors.")]
    assert citations.supported_by("Six", (1,), passage, frozenset(terms("How many sectors?"))) is not None
    assert citations.supported_by("Seven", (1,), passage, frozenset(terms("How many sectors?"))) is None
