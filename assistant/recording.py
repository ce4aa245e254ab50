"""Recorded cases: one JSON line per answered question, with the fingerprint that produced it.

A line keeps the question and its history, the case's expectations (if any), the
retrieved chunks (rank, score, text hash), the passages given to the model (with
their text, so a replay can reuse them), the exact prompt, the raw output, the
answer with its citations and their support, the timings, and the fingerprint.

To save one exchange of a conversation as a recorded case (the web UI does)::

    answer = assistant.ask(question, history)
    record_exchange(assistant, question, history, answer, Path("tests/recordings/mine.jsonl"))
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import RecordingError
from assistant.evaluation import Case
from assistant.fingerprint import Fingerprint, fingerprint, index_sha256, key, sha256_text
from assistant.records import answer_record
from assistant.types import Answer, Chunk, Passage

if TYPE_CHECKING:
    from assistant.wiring import Assistant

FORMAT = 1
Line = dict[str, Any]


def expectations(case: Case) -> dict[str, Any] | None:
    """A case's expectations as a recording keeps them; None when it has none."""
    if not (case.answer_any or case.gold or case.unanswerable):
        return None
    return {"answer_any": case.answer_any, "gold": case.gold, "unanswerable": case.unanswerable}


def _chunk(chunk: Chunk) -> dict[str, Any]:
    return {"id": chunk.id, "source": chunk.source, "path": chunk.path, "title": chunk.title,
            "text": chunk.text, "start": chunk.start, "end": chunk.end, "doc_sha256": chunk.doc_sha256,
            "text_sha256": sha256_text(chunk.text), "pages": [list(p) for p in chunk.pages]}


def recording_line(
    question: str,
    history: list[tuple[str, str]],
    answer: Answer,
    parts: Fingerprint,
    case_id: str,
    expect: dict[str, Any] | None = None,
) -> Line:
    """One recorded case: the exchange, what answered it, and the fingerprint ``parts``.

    ``expect`` holds optional ``answer_any``, ``gold`` and ``unanswerable`` as in a
    cases file. The line is plain JSON data; :func:`write` saves a list of them.
    """
    record = answer_record(answer)
    return {
        "format": FORMAT,
        "id": case_id,
        "question": question,
        "history": [[u, a] for u, a in history],
        "expect": expect,
        "standalone_question": answer.standalone_question,
        "answer": answer.text,
        "refused": answer.refused,
        "fallback": answer.fallback,
        "citations": record["citations"],
        "sentences": record["sentences"],
        "passages": [{"n": p.n, "text": p.text, "start": p.start, "end": p.end, "score": round(p.score, 6),
                      "breaks": list(p.breaks),
                      "chunk": _chunk(p.chunk)} for p in answer.passages],
        "retrieved": [{"rank": rank, "chunk_id": h.chunk.id, "source": h.chunk.source, "start": h.chunk.start,
                       "end": h.chunk.end, "score": round(h.score, 6), "text_sha256": sha256_text(h.chunk.text)}
                      for rank, h in enumerate(answer.hits, start=1)],
        "prompt": answer.prompt,
        "raw_output": answer.raw_output,
        "timings": record["timings"],
        "fingerprint": parts,
        "fingerprint_sha256": key(parts),
    }


def passages_of(line: Line) -> list[Passage]:
    """The passages a line recorded, as the answering flow takes them."""
    out = []
    for p in line["passages"]:
        c = p["chunk"]
        pages = tuple((int(page), int(offset)) for page, offset in c.get("pages", ()))
        chunk = Chunk(c["id"], c["source"], c["path"], c["title"], c["text"], c["start"], c["end"], c["doc_sha256"],
                      pages=pages)
        out.append(Passage(p["n"], chunk, p["text"], p["start"], p["end"], p["score"], tuple(p.get("breaks", ()))))
    return out


class Recorder:
    """Fingerprints answers of one assistant; the index hash is taken once per recorder."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._index: str | None = None

    def fingerprint(self, answer: Answer) -> Fingerprint:
        a = self.assistant
        if self._index is None:
            self._index = index_sha256(a.store)
        path = getattr(a.generator, "path", None)
        grammar = a.answerer.grammar(list(answer.passages)) if answer.prompt else ""
        return fingerprint(a.settings, a.generator.name, path if isinstance(path, Path) else None,
                           a.embedder.name, self._index, grammar)

    def record(self, case: Case) -> Line:
        answer = self.assistant.ask(case.question, case.history)
        return recording_line(case.question, case.history, answer, self.fingerprint(answer), case.id,
                              expectations(case))


def record_exchange(
    assistant: Assistant,
    question: str,
    history: list[tuple[str, str]],
    answer: Answer,
    path: Path,
    case_id: str | None = None,
) -> Line:
    """Append one answered exchange to the recording at ``path`` (created if missing).

    The case id defaults to ``case-N``, N one more than the lines already there.
    Returns the line written.
    """
    existing = read(path) if path.exists() else []
    line = recording_line(question, history, answer, Recorder(assistant).fingerprint(answer),
                          case_id or f"case-{len(existing) + 1}")
    write(path, [*existing, line])
    return line


_REQUIRED = ("id", "question", "history", "answer", "refused", "citations", "sentences", "passages",
             "retrieved", "prompt", "raw_output", "fingerprint", "fingerprint_sha256")


def read(path: Path) -> list[Line]:
    """The lines of a recording; a missing file or malformed line raises RecordingError."""
    if not path.is_file():
        raise RecordingError(f"{path}: no such recording; make one with `assistant record CASES --out {path}`")
    lines: list[Line] = []
    seen: set[str] = set()
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            line = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RecordingError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(line, dict):
            raise RecordingError(f"{path}:{number}: a recorded case is a JSON object")
        missing = [k for k in _REQUIRED if k not in line]
        if missing:
            raise RecordingError(f"{path}:{number}: not a recorded case (missing {', '.join(missing)})")
        if line["id"] in seen:
            raise RecordingError(f"{path}:{number}: case id {line['id']!r} appears twice")
        seen.add(line["id"])
        lines.append(line)
    return lines


def write(path: Path, lines: Iterable[Line]) -> None:
    """Write a recording atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    os.chmod(tmp, 0o644)  # mkstemp makes it private; a recording is an ordinary file
    os.replace(tmp, path)
