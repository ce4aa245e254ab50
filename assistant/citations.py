"""Forced citations: the grammar each answer must follow, parsing it, and the support check.

The grammar admits exactly two shapes of output:

* one to ``max_sentences`` sentences, each of bounded length and ending with one
  or more markers ``[n]`` that name only the passages given to the model;
* the refusal sentence, verbatim.

The support check then asks of every sentence: do all its numbers and key terms
appear in the passages it cites?
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from assistant.lexical import numbers, terms
from assistant.types import Passage, Sentence

MAX_SENTENCE_CHARS = 120
# Besides brackets and newlines, a sentence may not contain "<", ">" or ":": this
# stops a base model from echoing prompt labels ("Answer:", "Source:") or special
# tokens such as <start_of_image> into the answer.
_TEXT = r"[^\[\]\n<>:]"
_FIRST = r"[^ \[\]\n<>:]"
_SENTENCE = re.compile(r"\s*([^\[\]]+?)\s*((?:\[\d+\]\s*)+)\.?")
_MARKER = re.compile(r"\[(\d+)\]")
_CLOSED = re.compile(r"\]\.")


def grammar(
    passages: list[Passage],
    refusal: str,
    max_sentences: int,
    allow_refusal: bool = True,
    max_chars: int = MAX_SENTENCE_CHARS,
) -> str:
    """GBNF for one answer over ``passages``; with no passages only the refusal is possible.

    >>> print(grammar([], "No.", 2).splitlines()[0])
    root ::= refusal
    """
    lines = [f"refusal ::= \" \"? {json.dumps(refusal)} \"\\n\""]
    if not passages:
        return "\n".join(["root ::= refusal", *lines])
    markers = " | ".join(json.dumps(f"[{p.n}]") for p in passages)
    lines = [
        "root ::= answer | refusal" if allow_refusal else "root ::= answer",
        *lines,
        f'answer ::= " "? sentence (" " sentence){{0,{max_sentences - 1}}} "\\n"',
        f'sentence ::= {_FIRST} {_TEXT}{{0,{max_chars}}} " " cites "."',
        "cites ::= marker marker{0,2}",
        f"marker ::= {markers}",
    ]
    return "\n".join(lines)


def finished(text: str, max_sentences: int) -> bool:
    """Whether ``text`` already holds the most sentences :func:`grammar` allows, each closed by
    its markers and a full stop: the grammar allows nothing after it but the line's end, so the
    model need not be asked for it.

    >>> finished(" In 1998 [1]", 1), finished(" In 1998 [1].", 1), finished(" In 1998 [1].", 2)
    (False, True, False)
    """
    return len(_CLOSED.findall(text)) >= max_sentences


def parse(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """Split an answer into (sentence, markers); trailing text with no marker gets none.

    >>> parse("It opened in 1998 [1][2]. Later [3].")
    [('It opened in 1998', (1, 2)), ('Later', (3,))]
    """
    out: list[tuple[str, tuple[int, ...]]] = []
    pos = 0
    for m in _SENTENCE.finditer(text):
        if m.start() != pos:
            break
        out.append((m.group(1).strip(), tuple(int(n) for n in _MARKER.findall(m.group(2)))))
        pos = m.end()
    rest = text[pos:].strip()
    if rest:
        out.append((rest, ()))
    return out


def check(
    sentence: str, markers: tuple[int, ...], passages: list[Passage], given: frozenset[str] = frozenset()
) -> Sentence:
    """Whether the passages named by ``markers`` support ``sentence``. The terms in ``given``
    (the question's: the reader's own words, not a claim) need no source; figures always do."""
    by_n = {p.n: p for p in passages}
    cited = [by_n[n] for n in markers if n in by_n]
    if not markers:
        return Sentence(sentence, markers, False, "no citation")
    if len(cited) < len(markers):
        return Sentence(sentence, markers, False, "cites a source that was not supplied")
    evidence = " ".join(p.text for p in cited)
    missing_numbers = numbers(sentence) - numbers(evidence)
    if missing_numbers:
        return Sentence(sentence, markers, False, f"numbers not in the source: {sorted(missing_numbers)}")
    missing_terms = set(terms(sentence)) - set(terms(evidence)) - given
    if missing_terms:
        return Sentence(sentence, markers, False, f"terms not in the source: {sorted(missing_terms)}")
    return Sentence(sentence, markers, True)


def supported_by(
    sentence: str, markers: tuple[int, ...], passages: list[Passage], given: frozenset[str] = frozenset(),
    movable: set[int] | None = None,
) -> Sentence | None:
    """``sentence`` with the markers that support it: its own if they do, else the first
    single passage that does (of those numbered ``movable``, when given); None when no passage
    supports it. The ``given`` terms are excused only in the passages the sentence cites: a
    sentence made of the question's words and one other word would otherwise find a home in any
    passage that has that word."""
    own = check(sentence, markers, passages, given)
    if own.supported:
        return _fewest_markers(own, passages, given)
    for p in passages:
        if movable is not None and p.n not in movable:
            continue
        other = check(sentence, (p.n,), passages)
        if other.supported:
            return other
    return None


def _fewest_markers(sentence: Sentence, passages: list[Passage], given: frozenset[str]) -> Sentence:
    """Drop every marker the sentence stays supported without: a small model cites all it saw."""
    markers = list(dict.fromkeys(sentence.markers))
    for n in list(markers):
        rest = tuple(m for m in markers if m != n)
        if rest and check(sentence.text, rest, passages, given).supported:
            markers.remove(n)
    return check(sentence.text, tuple(markers), passages, given)


def render(sentences: list[Sentence], mark: Callable[[str], str] | None = None) -> str:
    """Sentences back into answer text, each ending with its markers; ``mark`` wraps a highlight."""
    parts = []
    for s in sentences:
        body = highlighted(s, mark) if mark else s.text.rstrip(" .")
        marks = "".join(f"[{n}]" for n in s.markers)
        parts.append(f"{body} {marks}." if marks else f"{body}.")
    return " ".join(parts)


def highlighted(sentence: Sentence, mark: Callable[[str], str], escape: Callable[[str], str] = str) -> str:
    """The sentence (closing stop dropped) with its highlight wrapped by ``mark``, every part
    passed through ``escape`` first."""
    body = sentence.text.rstrip(" .")
    if not sentence.highlight:
        return escape(body)
    a, b = sentence.highlight[0], min(sentence.highlight[1], len(body))
    return escape(body[:a]) + mark(escape(body[a:b])) + escape(body[b:])
