"""Answers as plain JSON records: one shape for `ask --json`, eval output and recordings."""

from __future__ import annotations

from typing import Any

from assistant.types import Answer


def answer_record(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "standalone_question": answer.standalone_question,
        "answer": answer.text,
        "refused": answer.refused,
        "fallback": answer.fallback,
        "citations": [
            {"n": c.n, "source": c.source, "chunk_id": c.chunk_id, "text": c.text,
             "start": c.start, "end": c.end, "pages": list(c.pages), "page_label": c.page_label}
            for c in answer.citations
        ],
        "sentences": [
            {"text": s.text, "markers": list(s.markers), "supported": s.supported, "reason": s.reason,
             "highlight": list(s.highlight) if s.highlight else None}
            for s in answer.sentences
        ],
        "supplied": [
            {"n": p.n, "source": p.chunk.source, "chunk_id": p.chunk.id, "score": round(p.score, 4)}
            for p in answer.passages
        ],
        "retrieved": [
            {"source": h.chunk.source, "chunk_id": h.chunk.id, "score": round(h.score, 6)}
            for h in answer.hits
        ],
        "timings": {
            "retrieval_s": round(answer.timings.retrieval_s, 4),
            "prompt_s": round(answer.timings.prompt_s, 4),
            "generation_s": round(answer.timings.generation_s, 4),
        },
        "latency_s": round(answer.timings.total_s, 4),
    }

