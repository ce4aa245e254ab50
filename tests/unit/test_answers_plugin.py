"""The pytest plugin, run through pytester: one test per recorded case, failing on regressions."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from assistant import recording

Line = dict[str, Any]


def _regressing(line: Line) -> Line:
    """A copy whose raw output, checked again by rescore, no longer holds the expected answer."""
    wrong = copy.deepcopy(line) | {"id": "harbour-wrong"}
    n = next(p["n"] for p in wrong["passages"] if "1987" in p["text"])
    wrong["raw_output"] = f" The harbour wall was rebuilt in 1987 [{n}].\n"
    return wrong


def test_each_case_is_a_test_and_a_regression_fails(pytester: pytest.Pytester, recorded: Line) -> None:
    folder = pytester.path / "recordings"
    recording.write(folder / "harbour.jsonl", [recorded, _regressing(recorded)])
    recording.write(folder / "harbour.new.jsonl", [recorded])  # a replay's output is not a recording
    result = pytester.runpytest("--answers", str(folder), "--answers-mode", "rescore", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*case harbour-wrong regressed*",
        "*- no longer: contains the expected answer*",
        "*recorded answers: harbour.jsonl*",
        "replayed 2 cases (rescore): 1 identical, 0 equivalent, 0 changed, 0 improved, 1 regressed",
    ])
    assert [x["id"] for x in recording.read(folder / "harbour.new.jsonl")] == ["harbour-1", "harbour-wrong"]


def test_a_single_recording_outside_the_test_paths(pytester: pytest.Pytester, recorded: Line,
                                                   tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "one.jsonl"
    recording.write(path, [recorded])
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = pytester.runpytest("--answers", str(path), "--answers-mode", "rescore", "-p", "no:cacheprovider",
                                "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*one.jsonl::harbour-1 PASSED*"])


def test_a_malformed_recording_is_a_collection_error(pytester: pytest.Pytester) -> None:
    path = pytester.path / "bad.jsonl"
    path.write_text('{"id": "x"}\n', encoding="utf-8")
    result = pytester.runpytest("--answers", str(path), "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*bad.jsonl:1: not a recorded case (missing question*"])


def test_a_missing_path_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--answers", "nowhere.jsonl", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--answers *nowhere.jsonl: no such file or folder*"])


def test_without_answers_the_plugin_collects_nothing(pytester: pytest.Pytester, recorded: Line) -> None:
    recording.write(pytester.path / "harbour.jsonl", [recorded])
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


# --- another CPU build of llama.cpp ---------------------------------------------------------------


def _regressed_on(line: Line, system: str | None, **parts: Any) -> Any:
    """The comparison of ``line`` with a replay that lost its expected answer, made where llama.cpp
    reports ``system`` as its CPU features (and with other fingerprint ``parts``)."""
    from assistant.answering import AnswerConfig
    from assistant.comparing import compare
    from assistant.replay import CaseResult, rescored

    new = rescored(_regressing(line), AnswerConfig())
    new["fingerprint"] = copy.deepcopy(line["fingerprint"]) | {"llama_cpp_system": system, **parts}
    old = copy.deepcopy(line) | {"id": new["id"]}
    return CaseResult(old, new, compare(old, new, lambda a, b: 1.0))


def test_a_regression_with_only_the_cpu_build_changed_may_be_excused(recorded: Line) -> None:
    from assistant.pytest_plugin import allowance, another_build_only

    recorded = copy.deepcopy(recorded)
    recorded["fingerprint"]["llama_cpp_system"] = "CPU : AVX2 = 1 |"
    on_vnni = _regressed_on(recorded, "CPU : AVX2 = 1 | AVX512_VNNI = 1 |")
    assert on_vnni.outcome == "regressed" and another_build_only(on_vnni)
    same = _regressed_on(recorded, "CPU : AVX2 = 1 |")
    assert same.outcome == "regressed" and not another_build_only(same)  # the same build: a regression
    older = copy.deepcopy(recorded)
    del older["fingerprint"]["llama_cpp_system"]  # a recording from before builds were recorded
    assert another_build_only(_regressed_on(older, "CPU : AVX2 = 1 |"))
    other_prompt = _regressed_on(recorded, "CPU : AVX512 = 1 |", prompts={"short": "another template"})
    assert not another_build_only(other_prompt)  # not only the build
    assert [allowance(n) for n in (1, 20, 21, 55, 100)] == [1, 1, 2, 3, 5]

