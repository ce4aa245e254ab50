"""Question → ranked Hits: dense search in the store fused with BM25.

Names and numbers matter in news text, and embeddings blur them; BM25 keeps
them sharp. Reciprocal-rank fusion needs no score calibration between the two.
"""

from __future__ import annotations

from assistant.embedding import Embedder, Vector
from assistant.lexical import LexicalIndex
from assistant.store import VectorStore
from assistant.types import Chunk, Hit


class Retriever:
    """Hybrid retrieval over one store. The lexical index is rebuilt when the store changes, whoever
    changed it (the store's generation moves with every write, from any process)."""

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        top_k: int = 4,
        candidates: int = 20,
        fusion: str = "rrf",
        rrf_k: int = 60,
    ) -> None:
        self.store, self.embedder = store, embedder
        self.top_k, self.candidates, self.fusion, self.rrf_k = top_k, candidates, fusion, rrf_k
        self._chunks: list[Chunk] = []
        self._lexical = LexicalIndex([])
        self._version: str | None = None

    @property
    def lexical(self) -> LexicalIndex:
        self._refresh()
        return self._lexical

    def _refresh(self) -> None:
        version = self.store.generation()
        if version != self._version:
            self._chunks = self.store.all_chunks()
            self._lexical = LexicalIndex(c.text for c in self._chunks)
            self._version = version

    def retrieve(self, question: str, vector: Vector | None = None) -> list[Hit]:
        """The top_k chunks for ``question``, best first."""
        self._refresh()
        if vector is None:
            vector = self.embedder.embed([question])[0]
        dense = self.store.query(vector, self.candidates)
        dense_rank = {c.id: r for r, (c, _) in enumerate(dense)}
        scores = self._lexical.scores(question)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[: self.candidates]
        lexical = [self._chunks[i] for i in order if scores[i] > 0]
        lexical_rank = {c.id: r for r, c in enumerate(lexical)}
        by_id = {c.id: c for c, _ in dense} | {c.id: c for c in lexical}

        def fused(cid: str) -> float:
            dense, lexical = dense_rank.get(cid), lexical_rank.get(cid)
            if self.fusion == "dense":
                return -float(dense) if dense is not None else float("-inf")
            if self.fusion == "lexical":
                return -float(lexical) if lexical is not None else float("-inf")
            return sum(1.0 / (self.rrf_k + 1 + r) for r in (dense, lexical) if r is not None)

        # Ties (common under RRF: ranks 1+3 fuse like 3+1) are broken by file name and offset, not by
        # the chunk id, which hashes the absolute path: another checkout must rank the same way.
        ranked = sorted(by_id, key=lambda cid: (-fused(cid), by_id[cid].source, by_id[cid].start, cid))
        return [
            Hit(by_id[cid], fused(cid), dense_rank.get(cid), lexical_rank.get(cid))
            for cid in ranked[: self.top_k]
            if fused(cid) != float("-inf")
        ]
