"""The comparison tiers and outcomes, on a recorded line and edited copies of it."""

from __future__ import annotations

import copy
from typing import Any

from assistant.comparing import compare, structural_checks

Line = dict[str, Any]


def _never(a: str, b: str) -> float:
    raise AssertionError("the meaning tier ran although a cheaper tier decided")


def _edit(line: Line, **changes: Any) -> Line:
    new = copy.deepcopy(line)
    new.update(changes)
    return new


def _renumbered(line: Line) -> Line:
    """The same answer with its citation numbered [2] instead of [n], passages renumbered to match."""
    new = copy.deepcopy(line)
    n = new["citations"][0]["n"]
    swap = {n: 2, 2: n} if n != 2 else {2: 1, 1: 2}
    for p in new["passages"]:
        p["n"] = swap.get(p["n"], p["n"])
    for c in new["citations"]:
        c["n"] = swap.get(c["n"], c["n"])
    for s in new["sentences"]:
        s["markers"] = [swap.get(m, m) for m in s["markers"]]
    new["answer"] = new["answer"].replace(f"[{n}]", f"[{swap[n]}]")
    return new


def test_an_unchanged_replay_is_identical(recorded: Line) -> None:
    result = compare(recorded, copy.deepcopy(recorded), _never)
    assert result.outcome == "identical" and not result.nondeterministic


def test_timings_and_scores_do_not_count_as_differences(recorded: Line) -> None:
    new = _edit(recorded, timings={"retrieval_s": 9.0, "prompt_s": 9.0, "generation_s": 9.0})
    new["retrieved"][0]["score"] = 0.123
    assert compare(recorded, new, _never).outcome == "identical"


def test_same_answer_over_another_prompt_is_equivalent_and_says_why(recorded: Line) -> None:
    new = _edit(recorded, prompt="Answer briefly.\n" + recorded["prompt"])
    new["fingerprint"] = {**new["fingerprint"], "prompts": {**new["fingerprint"]["prompts"], "answer": "x"}}
    result = compare(recorded, new, _never)
    assert result.outcome == "equivalent"
    assert "prompt differs" in result.reasons
    assert result.fingerprint_changes == ("prompts.answer",)
    assert not result.nondeterministic


def test_reworded_answer_with_the_same_citation_is_equivalent_when_close_in_meaning(recorded: Line) -> None:
    new = _edit(recorded, answer=recorded["answer"].replace("engineering firm", "firm"))
    assert new["answer"] != recorded["answer"]
    assert compare(recorded, new, lambda a, b: 0.95).outcome == "equivalent"
    low = compare(recorded, new, lambda a, b: 0.5)
    assert low.outcome == "changed" and "meaning similarity 0.50" in low.reasons


def test_renumbered_citations_are_a_change(recorded: Line) -> None:
    renumbered = _renumbered(recorded)
    assert all(structural_checks(renumbered).values())
    result = compare(renumbered, recorded, lambda a, b: 1.0)
    assert result.outcome == "changed"
    assert "citations differ" in result.reasons


def test_losing_the_expected_answer_is_a_regression_and_gaining_it_an_improvement(recorded: Line) -> None:
    wrong = _edit(recorded, answer=recorded["answer"].replace("Calloway and Finch", "Tomas Reyes"))
    regressed = compare(recorded, wrong, _never)
    assert regressed.outcome == "regressed"
    assert regressed.reasons[0] == "no longer: contains the expected answer"
    assert compare(wrong, recorded, _never).outcome == "improved"


def test_an_uncited_sentence_is_a_structural_regression_without_expectations(recorded: Line) -> None:
    old = _edit(recorded, expect=None)
    new = _edit(old, answer=old["answer"] + " It was rebuilt.")
    result = compare(old, new, _never)
    assert result.outcome == "regressed"
    assert "no longer: every sentence cites" in result.reasons


def test_a_new_refusal_without_expectations_is_a_change_not_a_false_alarm(recorded: Line) -> None:
    old = _edit(recorded, expect=None)
    new = _edit(old, answer="The documents do not say.", refused=True, citations=[], sentences=[])
    result = compare(old, new, lambda a, b: 0.1)
    assert result.outcome == "changed" and "refuses now" in result.reasons


def test_a_refusal_that_cites_fails_the_structural_check(recorded: Line) -> None:
    refusal = _edit(recorded, answer="The documents do not say.", refused=True, sentences=[])
    assert structural_checks(refusal) == {"refusal cites nothing": False}


def test_different_output_under_the_same_fingerprint_is_non_determinism(recorded: Line) -> None:
    new = _edit(recorded, raw_output=recorded["raw_output"] + "x")
    result = compare(recorded, new, _never)
    assert result.nondeterministic
    assert "non-deterministic: same fingerprint, different output" in result.reasons
    other = _edit(new, fingerprint={**new["fingerprint"], "model_sha256": "0" * 64})
    assert not compare(recorded, other, _never).nondeterministic
