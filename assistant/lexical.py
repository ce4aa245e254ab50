"""Words, stems and IDF: the lexical side of retrieval and of the support check."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer
from rank_bm25 import BM25Okapi
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*|\d+(?:[.,]\d+)*")
_STEMMER = snowballstemmer.stemmer("english")
# scikit-learn's list, less the number words and ordinals in it: "six" or "third" is an answer.
_COUNTING = frozenset({"one", "two", "three", "four", "five", "six", "eight", "nine", "ten", "eleven", "twelve",
                       "fifteen", "twenty", "forty", "fifty", "sixty", "hundred", "first", "third"})
STOP_WORDS = (frozenset(ENGLISH_STOP_WORDS) - _COUNTING) | {"did", "does", "according", "said", "say", "says"}


def normalise_number(token: str) -> str:
    """'1,000' and '1000' compare equal; a trailing '.0' does not matter."""
    plain = token.replace(",", "")
    return plain[:-2] if plain.endswith(".0") else plain


def words(text: str) -> list[str]:
    return [m.group().lower() for m in _WORD.finditer(text)]


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """The stem of ``word``: the same few thousand words recur in every question, and the
    pure-Python stemmer costs more than all the rest of the evidence ranking."""
    return str(_STEMMER.stemWord(word.replace("’", "'")))


def terms(text: str) -> list[str]:
    """Content terms: stems of non-stop words, and numbers normalised."""
    out: list[str] = []
    for w in words(text):
        if w[0].isdigit():
            out.append(normalise_number(w))
        elif w not in STOP_WORDS and len(w) > 1:
            out.append(_stem(w))
    return out


def numbers(text: str) -> set[str]:
    return {normalise_number(w) for w in words(text) if w[0].isdigit()}


class LexicalIndex:
    """BM25 over a fixed list of texts, plus the IDF of each term among them."""

    def __init__(self, texts: Iterable[str]) -> None:
        docs = [terms(t) for t in texts]
        self._bm25 = BM25Okapi(docs) if docs else None
        df: Counter[str] = Counter(t for d in docs for t in set(d))
        n = max(len(docs), 1)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)

    def scores(self, query: str) -> list[float]:
        if self._bm25 is None:
            return []
        return [float(s) for s in self._bm25.get_scores(terms(query))]

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._unseen_idf)

    def overlap(self, query: str, text: str) -> float:
        """IDF-weighted share of the query's terms that ``text`` contains, in [0, 1]."""
        wanted = set(terms(query))
        if not wanted:
            return 0.0
        have = set(terms(text))
        total = sum(self.idf(t) for t in wanted)
        return sum(self.idf(t) for t in wanted & have) / total
