"""Replay recorded cases, compare each with its recording, and accept new baselines.

Three modes:

* ``live``: retrieval and generation both run again;
* ``frozen-context``: the recorded passages are reused, so only prompting and
  generation are tested (the index plays no part);
* ``rescore``: no model runs: the recorded raw output goes through the citation
  check again, and the checks are recomputed. Only the embedding model loads, and
  only when an answer's text differs (for the meaning tier).

A replay writes its new lines beside the recording (``seeds.jsonl`` →
``seeds.new.jsonl``); :func:`accept` makes them the recording, for chosen cases
or all, as snapshot-testing tools do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from assistant import citations
from assistant.answering import AnswerConfig, checked
from assistant.comparing import Comparison, Similarity, compare
from assistant.embedding import Embedder
from assistant.errors import RecordingError
from assistant.prompting import sources_in
from assistant.recording import Line, Recorder, passages_of, read, recording_line, write
from assistant.types import Answer, Citation, Timings

if TYPE_CHECKING:
    from assistant.wiring import Assistant

MODES = ("live", "frozen-context", "rescore")


@dataclass(frozen=True)
class CaseResult:
    old: Line
    new: Line
    comparison: Comparison

    @property
    def id(self) -> str:
        return str(self.old["id"])

    @property
    def outcome(self) -> str:
        return self.comparison.outcome


def embedding_similarity(embedder: Embedder) -> Similarity:
    """Cosine similarity of two texts under ``embedder`` (its vectors are unit length)."""
    def similarity(a: str, b: str) -> float:
        va, vb = embedder.embed([a, b])
        return float(sum(x * y for x, y in zip(va, vb, strict=True)))

    return similarity


def rescored(line: Line, config: AnswerConfig) -> Line:
    """``line`` with its answer rebuilt from the recorded raw output by the checks after generation."""
    if line["refused"] or not line["prompt"]:
        return dict(line)
    passages = passages_of(line)
    sentences, fallback = checked(line["raw_output"], passages, line["question"], line["standalone_question"],
                                  config, sources_in(line["prompt"], passages))
    by_n = {p.n: p for p in passages}
    cited = dict.fromkeys(n for s in sentences for n in s.markers if n in by_n)
    answer = Answer(citations.render(sentences), tuple(Citation.of(by_n[n]) for n in cited), False,
                    tuple(sentences), Timings(), line["question"], line["standalone_question"],
                    passages=tuple(passages), prompt=line["prompt"], raw_output=line["raw_output"],
                    fallback=fallback)
    new = recording_line(line["question"], [tuple(t) for t in line["history"]], answer, line["fingerprint"],
                         line["id"], line.get("expect"))
    return new | {"retrieved": line["retrieved"], "timings": line["timings"]}


class Replayer:
    """Replays lines in one mode against one assistant (whose models load only when needed)."""

    def __init__(self, assistant: Assistant, mode: str = "live", similarity: Similarity | None = None) -> None:
        if mode not in MODES:
            raise RecordingError(f"unknown replay mode {mode!r}; choose one of {', '.join(MODES)}")
        self.assistant, self.mode = assistant, mode
        self._similarity = similarity

    @cached_property
    def recorder(self) -> Recorder:
        return Recorder(self.assistant)

    def similarity(self, a: str, b: str) -> float:
        if self._similarity is None:
            self._similarity = embedding_similarity(self.assistant.embedder)
        return self._similarity(a, b)

    def answer(self, line: Line) -> Line:
        """The new line for a recorded one, made the way the mode says."""
        history = [(str(u), str(a)) for u, a in line["history"]]
        if self.mode == "rescore":
            return rescored(line, self.assistant.answer_config)
        if self.mode == "live":
            answer = self.assistant.ask(line["question"], history)
        else:
            answer = self.assistant.answerer.answer_from(line["question"], line["standalone_question"],
                                                         passages_of(line))
        new = recording_line(line["question"], history, answer, self.recorder.fingerprint(answer),
                             line["id"], line.get("expect"))
        return new | {"retrieved": line["retrieved"]} if self.mode == "frozen-context" else new

    def replay(self, line: Line) -> CaseResult:
        new = self.answer(line)
        return CaseResult(line, new, compare(line, new, self.similarity, rescored=self.mode == "rescore"))

    def replay_all(self, lines: Iterable[Line]) -> Iterator[CaseResult]:
        for line in lines:
            yield self.replay(line)


def new_path(recording: Path) -> Path:
    """Where a replay leaves its new lines: ``x.jsonl`` → ``x.new.jsonl``."""
    return recording.with_name(recording.name.removesuffix(".jsonl") + ".new.jsonl")


def accept(recording: Path, case_ids: list[str] | None = None, log: Callable[[str], None] = print) -> list[str]:
    """Take the last replay's lines as the new baseline, for ``case_ids`` or (None) all.

    The recording keeps its order; accepted lines leave the ``.new`` file, which is
    removed once empty.
    """
    pending_path = new_path(recording)
    if not pending_path.is_file():
        raise RecordingError(f"{pending_path}: nothing to accept; run `assistant replay {recording}` first")
    current, pending = read(recording), {line["id"]: line for line in read(pending_path)}
    chosen = list(pending) if case_ids is None else case_ids
    unknown = [c for c in chosen if c not in pending]
    if unknown:
        raise RecordingError(f"case {', '.join(map(repr, unknown))} not in {pending_path}; "
                             f"it holds: {', '.join(pending) or 'nothing'}")
    known = {line["id"] for line in current}
    merged = [pending[line["id"]] if line["id"] in chosen else line for line in current]
    merged += [pending[c] for c in chosen if c not in known]
    write(recording, merged)
    left = [line for cid, line in pending.items() if cid not in chosen]
    if left:
        write(pending_path, left)
    else:
        pending_path.unlink()
    for cid in chosen:
        log(f"accepted {cid}")
    return chosen
