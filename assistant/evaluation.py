"""`assistant eval`: run a JSONL of cases, write one result line each, and summarise.

A case: ``id``, ``question``, optional ``history`` ([[user, assistant], ...]),
``answer_any`` (alternatives, each a list of strings that must all appear),
``gold`` (file names or their prefixes) and ``unanswerable``.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import EvalError
from assistant.records import answer_record
from assistant.types import Answer

Ask = Callable[[str, list[tuple[str, str]]], Answer]


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    history: list[tuple[str, str]]
    answer_any: list[list[str]]
    gold: list[str]
    unanswerable: bool


def load_cases(path: Path) -> list[Case]:
    if not path.is_file():
        raise EvalError(f"{path}: no such cases file")
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            _check_shape(raw)
            cases.append(Case(
                id=str(raw["id"]), question=str(raw["question"]),
                history=[(str(u), str(a)) for u, a in raw.get("history") or []],
                answer_any=[[str(s) for s in alt] for alt in raw.get("answer_any") or []],
                gold=[str(g) for g in raw.get("gold") or []],
                unanswerable=bool(raw.get("unanswerable", False)),
            ))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise EvalError(f"{path}:{number}: not a valid case ({exc!r})") from None
    return cases


def _check_shape(raw: Any) -> None:
    if not isinstance(raw, dict):
        raise TypeError("a case is a JSON object")
    for key in ("history", "answer_any", "gold"):
        value = raw.get(key) or []
        if not isinstance(value, list):
            raise TypeError(f"{key} must be a list")
        if key != "gold" and not all(isinstance(v, list) for v in value):
            raise TypeError(f"{key} must be a list of lists")


def is_correct(answer: str, answer_any: list[list[str]]) -> bool:
    """Whether every string of one alternative is in the answer, case and spacing aside."""
    def norm(s: str) -> str:
        return " ".join(s.lower().split())
    text = norm(answer)
    return any(all(norm(s) in text for s in alt) for alt in answer_any)


# Words a complete sentence or phrase does not end on.
_DANGLING = frozenset([
    "a", "an", "the", "to", "of", "and", "or", "but", "nor", "by", "with", "for", "in", "on", "at", "from",
    "as", "that", "which", "who", "whose", "is", "are", "was", "were", "be", "been", "its", "their", "his",
    "her", "our", "your", "my", "this", "these", "those", "than", "into", "onto"
])


def looks_cut(sentence: str) -> bool:
    """Whether an answer sentence reads as a piece cut out of a longer one: it stops on a comma or on
    a word that needs more after it ("... now raises a", "The 50 projects fall into the five
    categories of platforms,"), or it opens in the middle of a word.

    >>> looks_cut("The 50 projects fall into the five categories of platforms,"), looks_cut("It opened in 1998.")
    (True, False)
    >>> looks_cut("The second one is named ?2 and so on."), looks_cut("It is named ?2 and so on")
    (False, True)
    >>> looks_cut("-P max-procs: Run up to max-procs processes at a time."), looks_cut("-procs at a time.")
    (False, True)
    >>> looks_cut("-no-cookie: neither use stored cookies nor accept new ones")
    False

    A sentence may end on a pronoun or on a verb after a modal: "... much larger than that.", "...
    what the chunk size should be."

    >>> looks_cut("All screens are larger than that."), looks_cut("It says what the size should be.")
    (False, False)

    Nor is a verb's particle a preposition left hanging: "... until the next time you log in."

    >>> looks_cut("This will not take effect until the next time you log in."), looks_cut("It is logged in the")
    (False, True)
    """
    text = sentence.strip()
    if re.search(r"\b(?:and|or) so (?:on|forth)\.$", text):
        return False  # "The second one is named ?2 and so on." ends there
    said = text.rstrip(".").split()
    last = said[-1].lower().strip("\"'”’") if said else ""
    before = said[-2].lower() if len(said) > 1 else ""
    ended = text.endswith(".") and (last in _PRONOUNS or (last in ("be", "been") and before in _MODALS)
                                    or (last in ("in", "on") and _PHRASAL.fullmatch(before) is not None))
    # "-P max-procs: ..." and "-no-cookie: ..." open on an option's name, not in the middle of a word.
    opens_cut = text[:1] in "‐-,;)" and not re.match(r"-[A-Za-z0-9](?:[\s,=:]|$)|-[A-Za-z][\w-]*[:=,]|--[A-Za-z]",
                                                      text)
    return text.endswith((",", ";", "-", "\u2010")) or (last in _DANGLING and not ended) or opens_cut


_PRONOUNS = frozenset(["that", "this", "these", "those"])
# verbs whose "in" or "on" closes them: "log in", "signed on", "plugs in"
_PHRASAL = re.compile(r"(?:log|sign|plug|opt|check|turn|switch|carry|go|come|move|hold|keep|read|weigh|fill|chime|step"
                      r"|drop|lock|phase|join|tune)(?:s|g?ed|ging|ing)?")
_MODALS = frozenset(["should", "would", "could", "will", "must", "can", "may", "might", "shall", "to", "not"])


def _matches_gold(source: str, gold: list[str]) -> bool:
    return any(source.startswith(g) for g in gold)


def result_line(case: Case, answer: Answer) -> dict[str, Any]:
    record = answer_record(answer)
    return {
        "id": case.id, "question": case.question, "answer": record["answer"],
        "refused": record["refused"], "fallback": record["fallback"],
        "citations": [{k: c[k] for k in ("n", "source", "chunk_id")} for c in record["citations"]],
        "supplied": record["supplied"], "sentences": record["sentences"],
        "retrieved": [{k: r[k] for k in ("source", "chunk_id")} for r in record["retrieved"]],
        "standalone_question": record["standalone_question"],
        "latency_s": record["latency_s"],
        "retrieval_s": record["timings"]["retrieval_s"],
        "notes": list(answer.notes),
    }


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def summarise(cases: list[Case], results: list[dict[str, Any]]) -> dict[str, float | int | None]:
    answerable = [(c, r) for c, r in zip(cases, results, strict=True) if not c.unanswerable]
    unanswerable = [(c, r) for c, r in zip(cases, results, strict=True) if c.unanswerable]
    cited = [(c, cit, r) for c, r in zip(cases, results, strict=True) for cit in r["citations"]]
    supplied_ok = sum(
        any(s["n"] == cit["n"] and s["chunk_id"] == cit["chunk_id"] for s in r["supplied"])
        for _, cit, r in cited
    )
    gold_cited = [(c, cit) for c, cit, _ in cited if c.gold]
    sentences = [s for _, r in answerable for s in r["sentences"] if not r["refused"]]
    return {
        "cases": len(cases),
        "answer_accuracy": _share(sum(is_correct(r["answer"], c.answer_any) and not r["refused"]
                                      for c, r in answerable), len(answerable)),
        "correct_refusals": _share(sum(r["refused"] for _, r in unanswerable), len(unanswerable)),
        "false_refusals": _share(sum(r["refused"] for _, r in answerable), len(answerable)),
        "citation_validity": _share(supplied_ok, len(cited)),
        "cited_doc_precision": _share(sum(_matches_gold(cit["source"], c.gold) for c, cit in gold_cited),
                                      len(gold_cited)),
        "supported_sentences": _share(sum(s["supported"] for s in sentences), len(sentences)),
        "retrieval_hit_at_k": _share(sum(any(_matches_gold(h["source"], c.gold) for h in r["retrieved"])
                                         for c, r in answerable), len(answerable)),
        "fallbacks": sum(r["fallback"] for r in results),
        "median_latency_s": statistics.median(r["latency_s"] for r in results) if results else None,
    }


def run(cases: Iterable[Case], ask: Ask) -> list[dict[str, Any]]:
    return [result_line(case, ask(case.question, case.history)) for case in cases]


def format_summary(summary: dict[str, float | int | None]) -> str:
    def fmt(key: str, value: float | int | None) -> str:
        if value is None:
            return "n/a"
        if key.endswith("_s"):
            return f"{value:.2f} s"
        return f"{value:.0%}" if isinstance(value, float) else str(value)

    width = max(len(k) for k in summary)
    return "\n".join(f"{k.ljust(width)}  {fmt(k, v)}" for k, v in summary.items())
