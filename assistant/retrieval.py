"""Question → ranked Hits: dense search in the store fused with BM25 from the lexical index.

Names and numbers matter in news text, and embeddings blur them; BM25 keeps
them sharp. Reciprocal-rank fusion needs no score calibration between the two.
A third list holds the candidates that contain a thing the question names
exactly and few others contain (a version, an option, an identifier).
"""

from __future__ import annotations

from assistant.embedding import Embedder, Vector
from assistant.lexical import LexicalIndex
from assistant.names import asked_identifiers, identifier_in
from assistant.store import VectorStore
from assistant.types import Chunk, Hit


class Retriever:
    """Hybrid retrieval over one store and its lexical index, both read as they are on disk (or on
    the server) at each question: another process's writes count at once, and nothing is loaded
    before the first question."""

    def __init__(
        self,
        store: VectorStore,
        lexical: LexicalIndex,
        embedder: Embedder,
        top_k: int = 4,
        candidates: int = 20,
        fusion: str = "rrf",
        rrf_k: int = 60,
    ) -> None:
        self.store, self.lexical, self.embedder = store, lexical, embedder
        self.top_k, self.candidates, self.fusion, self.rrf_k = top_k, candidates, fusion, rrf_k

    def _lexical_hits(self, question: str, known: dict[str, Chunk]) -> list[Chunk]:
        """The BM25 candidates, best first, as stored chunks. Chunks the store does not hold (a writer
        in another process is between writing terms and vectors) are left out."""
        ids = [cid for cid, _ in self.lexical.search(question, self.candidates)]
        fetched = {c.id: c for c in self.store.get([cid for cid in ids if cid not in known])}
        return [chunk for cid in ids if (chunk := known.get(cid) or fetched.get(cid)) is not None]

    def retrieve(self, question: str, vector: Vector | None = None) -> list[Hit]:
        """The top_k chunks for ``question``, best first."""
        if vector is None:
            vector = self.embedder.embed([question])[0]
        dense = self.store.query(vector, self.candidates)
        dense_rank = {c.id: r for r, (c, _) in enumerate(dense)}
        by_id = {c.id: c for c, _ in dense}
        lexical = self._lexical_hits(question, by_id)
        lexical_rank = {c.id: r for r, c in enumerate(lexical)}
        by_id |= {c.id: c for c in lexical}
        named_rank: dict[str, int] = {}

        def fused(cid: str) -> float:
            dense, lexical = dense_rank.get(cid), lexical_rank.get(cid)
            if self.fusion == "dense":
                return -float(dense) if dense is not None else float("-inf")
            if self.fusion == "lexical":
                return -float(lexical) if lexical is not None else float("-inf")
            return sum(1.0 / (self.rrf_k + 1 + r) for r in (dense, lexical, named_rank.get(cid)) if r is not None)

        # Ties (common under RRF: ranks 1+3 fuse like 3+1) are broken by file name and offset, not by
        # the chunk id, which hashes the absolute path: another checkout must rank the same way.
        ranked = sorted(by_id, key=lambda cid: (-fused(cid), by_id[cid].source, by_id[cid].start, cid))
        if self.fusion == "rrf":
            # only in the documents the two lists found: a name held elsewhere is another document's matter
            found = {by_id[cid].source for cid in ranked[: self.top_k]}
            named = _naming(question, [*lexical, *(c for c, _ in dense if c.id not in lexical_rank)])
            named_rank.update((c.id, r) for r, c in enumerate(c for c in named if c.source in found))
            ranked = sorted(by_id, key=lambda cid: (-fused(cid), by_id[cid].source, by_id[cid].start, cid))
        return [
            Hit(by_id[cid], fused(cid), dense_rank.get(cid), lexical_rank.get(cid))
            for cid in ranked[: self.top_k]
            if fused(cid) != float("-inf")
        ]


# A name held by more of the candidates than this is the documents' subject ("Python 3", the
# release the notes are about), and singles out no chunk.
RARE = 4


def _naming(question: str, chunks: list[Chunk]) -> list[Chunk]:
    """Those of ``chunks`` that hold a thing ``question`` names exactly ("^0.2.3", "--maxdict", "gzip 1.13")
    and few other candidates hold, in the order given: a third list for the fusion. The chunk saying
    "`^0.2.3` := `>=0.2.3 <0.3.0-0`" was fifth by BM25 and nowhere by meaning, and fused from one list it
    fell under chunks both lists found."""
    texts = [" ".join(c.text.lower().split()) for c in chunks]
    holding = [{i for i, t in enumerate(texts) if identifier_in(n, t)} for n in asked_identifiers(question)]
    rare = set().union(*(h for h in holding if len(h) <= RARE))
    return [c for i, c in enumerate(chunks) if i in rare]
