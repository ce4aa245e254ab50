"""Compare a recorded case with its replay, in tiers, cheapest first.

1. Byte-identical: the answer, raw output, prompt, citations, passages and the
   order of the retrieved chunks (scores and timings are left out: wall-clock and
   float noise are not behaviour).
2. Structural checks: every sentence cites, every citation names a supplied
   source, refusals cite nothing, every sentence passed the support check.
3. The case's own expectations: must contain, must cite a file, should refuse.
4. Meaning: the similarity of old and new answers under the project's embedder,
   and the overlap of the cited passages.

The outcome, with its reasons:

* ``identical``: tier 1 holds.
* ``regressed``: a check of tier 2 or 3 that held before fails now.
* ``improved``: a check that failed before holds now, and none newly fails.
* ``equivalent``: the answer a reader sees is the same or says the same thing: same
  refusal, same citations (number and passage), meaning similarity at least
  ``threshold``; something underneath (the prompt, the raw output, retrieval,
  wording) differs, and the reasons say what.
* ``changed``: anything else; the answer differs in substance.

Chunks are compared by source, offsets and text hash rather than chunk id, since
an id includes the absolute path of the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant import citations
from assistant.evaluation import is_correct
from assistant.fingerprint import differences

Line = dict[str, Any]
Similarity = Callable[[str, str], float]
OUTCOMES = ("identical", "equivalent", "changed", "improved", "regressed")
THRESHOLD = 0.9


@dataclass(frozen=True)
class Comparison:
    outcome: str
    reasons: tuple[str, ...]
    nondeterministic: bool = False
    fingerprint_changes: tuple[str, ...] = ()
    similarity: float | None = None
    cited_overlap: float | None = None
    checks: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # name: (before, now)


def _passage_key(p: dict[str, Any]) -> tuple[Any, ...]:
    # Not the chunk: a sentence in the overlap of two chunks is the same passage from either.
    return (p["n"], p["chunk"]["source"], p["start"], p["end"], p["text"])


def _citation_key(c: dict[str, Any]) -> tuple[Any, ...]:
    return (c["n"], c["source"], c["start"], c["end"])


def _retrieved_key(h: dict[str, Any]) -> tuple[Any, ...]:
    return (h["source"], h["start"], h["end"], h["text_sha256"])


def trace_differences(old: Line, new: Line) -> list[str]:
    """What differs between two lines, in words; empty when they are byte-identical."""
    out = []
    if old["answer"] != new["answer"]:
        out.append("answer text differs")
    if old["refused"] != new["refused"]:
        out.append("refused before" if old["refused"] else "refuses now")
    if [_citation_key(c) for c in old["citations"]] != [_citation_key(c) for c in new["citations"]]:
        out.append("citations differ")
    elif [c.get("pages", []) for c in old["citations"]] != [c.get("pages", []) for c in new["citations"]]:
        out.append("citations differ in their pages")  # a line recorded before pages has none
    if old["sentences"] != new["sentences"]:
        out.append("sentences or their support differ")
    if old["raw_output"] != new["raw_output"]:
        out.append("raw model output differs")
    if old["prompt"] != new["prompt"]:
        out.append("prompt differs")
    if [_passage_key(p) for p in old["passages"]] != [_passage_key(p) for p in new["passages"]]:
        out.append("passages given to the model differ")
    if [_retrieved_key(h) for h in old["retrieved"]] != [_retrieved_key(h) for h in new["retrieved"]]:
        out.append("retrieved chunks differ")
    if old.get("standalone_question") != new.get("standalone_question"):
        out.append("standalone question differs")
    return out


def structural_checks(line: Line) -> dict[str, bool]:
    """Tier 2: what every answer must satisfy, whatever the question."""
    supplied = {(p["n"], p["chunk"]["source"], p["start"], p["end"]) for p in line["passages"]}
    markers = [n for _, ms in citations.parse(line["answer"]) for n in ms]
    if line["refused"]:
        return {"refusal cites nothing": not line["citations"] and not markers}
    parsed = citations.parse(line["answer"])
    return {
        "every sentence cites": bool(parsed) and all(ms for _, ms in parsed),
        "every citation names a supplied source": all(_citation_key(c) in supplied for c in line["citations"])
        and set(markers) <= {n for n, *_ in supplied},
        "every sentence is supported by its source": all(s["supported"] for s in line["sentences"]),
    }


def expectation_checks(line: Line, expect: dict[str, Any] | None) -> dict[str, bool]:
    """Tier 3: the case's own expectations, where it has them."""
    if not expect:
        return {}
    out: dict[str, bool] = {}
    if expect.get("unanswerable"):
        out["refuses (the documents do not say)"] = bool(line["refused"])
        return out
    if expect.get("answer_any"):
        out["contains the expected answer"] = not line["refused"] and is_correct(line["answer"], expect["answer_any"])
    if expect.get("gold"):
        out["cites an expected file"] = any(
            c["source"].startswith(g) for c in line["citations"] for g in expect["gold"]
        )
    return out


def _checks(line: Line, expect: dict[str, Any] | None) -> dict[str, bool]:
    return structural_checks(line) | expectation_checks(line, expect)


def cited_overlap(old: Line, new: Line) -> float:
    """Jaccard overlap of the passages the two answers cite (1.0 when neither cites any)."""
    a = {(c["source"], c["start"], c["end"]) for c in old["citations"]}
    b = {(c["source"], c["start"], c["end"]) for c in new["citations"]}
    return len(a & b) / len(a | b) if a | b else 1.0


def compare(old: Line, new: Line, similarity: Similarity, threshold: float = THRESHOLD,
            rescored: bool = False) -> Comparison:
    """Judge the replay ``new`` of the recorded case ``old``; expectations come from ``old``.

    ``rescored``: ``new`` is ``old`` checked again without running the model, so a
    difference under the same fingerprint is not non-determinism.
    """
    changes = tuple(differences(old["fingerprint"], new["fingerprint"]))
    trace = trace_differences(old, new)
    if not trace:
        return Comparison("identical", ("byte-identical",), fingerprint_changes=changes)
    nondeterministic = not changes and not rescored
    expect = old.get("expect")
    before, now = _checks(old, expect), _checks(new, expect)
    # A refusal and an answer have different structural checks; only shared ones compare.
    checks = {k: (before[k], now[k]) for k in before.keys() & now.keys()}
    lost = sorted(k for k, (b, n) in checks.items() if b and not n)
    gained = sorted(k for k, (b, n) in checks.items() if n and not b)
    fingerprint_note = ("fingerprint differs: " + ", ".join(changes) if changes
                        else "rescored: the recorded output checked again" if rescored
                        else "non-deterministic: same fingerprint, different output")
    if lost or gained:
        outcome = "regressed" if lost else "improved"
        reasons = (*(f"no longer: {k}" for k in lost), *(f"now: {k}" for k in gained), *trace, fingerprint_note)
        return Comparison(outcome, reasons, nondeterministic, changes, checks=checks)
    # Tier 4 only when the checks do not decide: the embedder is the costly part.
    overlap = cited_overlap(old, new)
    sim = 1.0 if old["answer"] == new["answer"] else similarity(old["answer"], new["answer"])
    same_citations = "citations differ" not in trace and old["refused"] == new["refused"]
    outcome = "equivalent" if same_citations and sim >= threshold else "changed"
    reasons = (*trace, f"meaning similarity {sim:.2f}", f"cited-passage overlap {overlap:.2f}", fingerprint_note)
    return Comparison(outcome, reasons, nondeterministic, changes, sim, overlap, checks)
