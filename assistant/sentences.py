"""Sentence spans with character offsets, shared by chunking and evidence selection.

pysbd does the sentence boundary work (abbreviations, decimals, quotes); it runs
per line because these documents use line breaks as paragraph breaks and a
heading has no full stop.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

_LINE = re.compile(r"[^\n]+")


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, shifted by ``offset``, trimmed of spaces.

    >>> sentence_spans("It rained. We left.\\nNext line")
    [(0, 10), (11, 19), (20, 29)]
    """
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        cursor = line.start()
        for sentence in _segmenter().segment(line.group()):
            piece = sentence.strip()
            if not piece:
                continue
            start = text.find(piece, cursor, line.end())
            if start < 0:  # pysbd altered the text; keep the rest of the line whole
                rest = text[cursor : line.end()].strip()
                if rest:
                    start = text.index(rest, cursor)
                    spans.append((offset + start, offset + start + len(rest)))
                break
            cursor = start + len(piece)
            spans.append((offset + start, offset + cursor))
    return spans
