"""Retrieved chunks → the few sentences the model reads, numbered [1]..[n].

A 270M model answers well from a few focused sentences and badly from pages, so
each sentence of the retrieved chunks is scored by embedding similarity to the
question blended with IDF-weighted term overlap, and only the best are kept.
The best score is also the relevance signal the refusal decision uses.
"""

from __future__ import annotations

from assistant.embedding import Embedder, Vector
from assistant.lexical import LexicalIndex
from assistant.sentences import sentence_spans
from assistant.types import Chunk, Hit, Passage

_CACHE_LIMIT = 100_000


def _candidates(hits: list[Hit]) -> list[tuple[Chunk, int, int]]:
    """Every sentence of the hits as (chunk, start, end) in document offsets, once each.

    A Markdown heading names a topic and states nothing, so it is never evidence.
    """
    seen: set[tuple[str, int]] = set()
    out: list[tuple[Chunk, int, int]] = []
    for hit in hits:
        chunk = hit.chunk
        for start, end in sentence_spans(chunk.text, offset=chunk.start):
            heading = chunk.text[start - chunk.start:end - chunk.start].startswith("#")
            if not heading and (chunk.path, start) not in seen:
                seen.add((chunk.path, start))
                out.append((chunk, start, end))
    return out


class EvidenceSelector:
    def __init__(self, embedder: Embedder, count: int = 3, lexical_weight: float = 0.5) -> None:
        self.embedder, self.count, self.lexical_weight = embedder, count, lexical_weight
        self._vectors: dict[str, Vector] = {}  # sentence text -> its vector; sentences recur across questions

    def _embed(self, texts: list[str]) -> list[Vector]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            if len(self._vectors) + len(missing) > _CACHE_LIMIT:
                self._vectors.clear()
            self._vectors.update(zip(missing, self.embedder.embed(missing), strict=True))
        return [self._vectors[t] for t in texts]

    def select(
        self, question: str, vector: Vector, hits: list[Hit], lexical: LexicalIndex
    ) -> list[Passage]:
        """The ``count`` best sentences, best first, numbered from 1.

        With ``count`` 0 the retrieved chunks are the passages, whole and in
        retrieval order, each scored by its best sentence: the naive baseline.
        """
        candidates = _candidates(hits)
        if not candidates:
            return []
        texts = [c.text[s - c.start : e - c.start] for c, s, e in candidates]
        vectors = self._embed(texts)
        scored = []
        for (chunk, start, end), text, v in zip(candidates, texts, vectors, strict=True):
            dense = sum(a * b for a, b in zip(vector, v, strict=True))
            lex = lexical.overlap(question, text)
            score = (1 - self.lexical_weight) * dense + self.lexical_weight * lex
            scored.append((score, chunk, start, end, text))
        if self.count == 0:
            best = {c.id: max(sc for sc, ch, *_ in scored if ch.id == c.id) for c, _, _ in candidates}
            return [Passage(n, h.chunk, h.chunk.text, h.chunk.start, h.chunk.end, best[h.chunk.id])
                    for n, h in enumerate((h for h in hits if h.chunk.id in best), start=1)]
        scored.sort(key=lambda s: (-s[0], s[1].source, s[2]))
        return [
            Passage(n, chunk, text, start, end, score)
            for n, (score, chunk, start, end, text) in enumerate(scored[: self.count], start=1)
        ]
