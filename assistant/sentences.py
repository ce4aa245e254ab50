"""Sentence spans with character offsets, shared by chunking and evidence selection.

pysbd does the sentence boundary work (abbreviations, decimals, quotes); it runs
per line because these documents use line breaks as paragraph breaks and a
heading has no full stop. Two repairs follow it: a piece that starts in lower
case after a short capitalised abbreviation continues the sentence before it
("Holdings Co.,Ltd. shared the topic"),
a full stop with no space after it still ends a sentence ("etc.In terms") but not a
dotted name (".gz", "file.tar.gz"), which pysbd cuts; and a number that ends a sentence ("... a
fs_passno of 1. Other ...") stays with it, where pysbd takes it for the next one's list number.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

_LINE = re.compile(r"[^\n]+")
_ABBREVIATION = re.compile(r"\b[A-Z][a-z]{0,3}\.$")
_ENUMERATOR = re.compile(r"(\d{1,3}\.)(?:\s+|$)")
_STOP = re.compile(r"[.!?\u2026]")  # what pysbd may end a sentence at
_GLUED = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")  # "etc.In": a stop with no space after it


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    # pysbd builds its regular expressions by string formatting on each call, about a thousand
    # distinct ones, more than the 512 the re module caches: with the default every paragraph
    # compiled most of them again, two thirds of the time spent cutting a file into units.
    re._MAXCACHE = max(re._MAXCACHE, 4096)  # type: ignore[attr-defined]
    return pysbd.Segmenter(language="en", clean=False)


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, shifted by ``offset``, trimmed of spaces.

    >>> sentence_spans("It rained. We left.\\nNext line")
    [(0, 10), (11, 19), (20, 29)]
    >>> sentence_spans("Acme Co. shared it, etc.Then it ended.")
    [(0, 24), (24, 38)]
    """
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        line_spans = _line_spans(text, line.start(), line.end())
        for start, end in line_spans:
            if spans and spans[-1][1] >= line.start() and _continues(text, spans[-1][1], start):
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return [(offset + s, offset + e) for s, e in spans]


def _continues(text: str, previous_end: int, start: int) -> bool:
    """A piece in lower case after a capitalised abbreviation ("Co.,Ltd. shared") goes on."""
    return text[start].islower() and bool(_ABBREVIATION.search(text, 0, previous_end))


def _line_spans(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    if not _STOP.search(text, begin, end):
        # No full stop, "!", "?" or ellipsis: one sentence, as pysbd would say, without asking it (half
        # the lines of manuals and READMEs are headings, items and rows; pysbd took 40% of its time on them).
        line = text[begin:end]
        piece = line.strip()
        start = begin + len(line) - len(line.lstrip())
        return [(start, start + len(piece))] if piece else []
    cursor, spans = begin, []
    for sentence in _segmenter().segment(text[begin:end]):
        piece = sentence.strip()
        if not piece:
            continue
        start = text.find(piece, cursor, end)
        if start < 0:  # pysbd altered the text; keep the rest of the line whole
            rest = text[cursor:end].strip()
            if rest:
                start = text.index(rest, cursor)
                spans.append((start, start + len(rest)))
            break
        cursor = start + len(piece)
        if spans and spans[-1][1] == start:  # no space between: a dotted name (".gz", "v1.2"), not an end
            spans[-1] = (spans[-1][0], cursor)
        else:
            spans.append((start, cursor))
    return _asides_joined(text, [part for s, e in _numbers_kept(text, spans) for part in _unglued(text, s, e)])


# "(string, default "coverage.lcov")": no sentence of its own (a stop inside only in a dotted name)
_ASIDE = re.compile(r"\((?:[^()!?.]|\.(?=[^\s)]))*\)")


def _asides_joined(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A bracketed aside that pysbd cut off as a sentence of its own, without a stop inside it, goes
    with the sentence after it: "(string, default "htmlcov") Where to write the HTML report files." is
    one statement, and the aside alone says nothing."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and _ASIDE.fullmatch(text, *out[-1]):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _numbers_kept(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A number that pysbd took for a list's enumerator ("... a fs_passno of" | "1. Other ...") given
    back to the sentence it ends: a piece that stops without a stop of its own goes on."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        number = _ENUMERATOR.match(text, start, end)
        if out and number and text[out[-1][1] - 1] not in ".!?:;":
            out[-1] = (out[-1][0], number.end(1))
            start = number.end()
            if start >= end:
                continue
        out.append((start, end))
    return out


def _unglued(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start, *(m.start() for m in _GLUED.finditer(text, start, end)
                     if not _in_code(text, m.start()) and not _in_address(text, m.start())), end]
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if a < b]


def _in_code(text: str, at: int) -> bool:
    """Whether ``at`` is inside a `code span` of its line: "`decimal.Decimal`" is a name, not two sentences;
    so is reStructuredText's "``trio.WouldBlock``" (a span opens and closes with a run of backticks)."""
    line_start = text.rfind("\n", 0, at) + 1
    return len(_BACKTICKS.findall(text, line_start, at)) % 2 == 1


_BACKTICKS = re.compile(r"`+")


_ADDRESS = re.compile(r"\S*(?:://|\]\(|www\.)\S*$")


def _in_address(text: str, at: int) -> bool:
    """Whether ``at`` is inside a web address: "...console.html#rich.console.Console.status" is one."""
    return bool(_ADDRESS.search(text, max(0, text.rfind("\n", 0, at) + 1), at))
