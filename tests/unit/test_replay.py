"""Replay in its three modes with the fakes, accept, the reports and the CLI's errors."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeEmbedder, FakeGenerator, source_number

from assistant import cli, recording, reports
from assistant.answering import AnswerConfig
from assistant.comparing import compare
from assistant.errors import RecordingError
from assistant.replay import CaseResult, Replayer, accept, new_path
from assistant.wiring import Assistant

Line = dict[str, Any]


def _calloway(prompt: str, grammar: str | None) -> str:
    return f" Calloway and Finch designed it [{source_number(prompt, 'Calloway')}].\n"


def test_live_replay_of_the_same_reply_is_identical(indexed: Assistant, generator: FakeGenerator,
                                                    recorded: Line) -> None:
    generator.queue(_calloway)
    result = Replayer(indexed, "live").replay(recorded)
    assert result.outcome == "identical", result.comparison.reasons


def test_live_replay_of_a_wrong_reply_regresses(indexed: Assistant, generator: FakeGenerator,
                                                recorded: Line) -> None:
    generator.queue(lambda p, g: f" The harbour wall was rebuilt in 1987 [{source_number(p, '1987')}].\n")
    result = Replayer(indexed, "live", similarity=lambda a, b: 0.2).replay(recorded)
    assert result.outcome == "regressed"
    assert "no longer: contains the expected answer" in result.comparison.reasons
    assert "non-deterministic: same fingerprint, different output" in result.comparison.reasons


def test_frozen_context_reuses_the_recorded_passages(indexed: Assistant, generator: FakeGenerator,
                                                     recorded: Line, corpus: Path) -> None:
    (corpus / "harbour.txt").unlink()
    indexed.index()  # the passages the recording used are no longer in the index
    generator.queue(_calloway)
    result = Replayer(indexed, "frozen-context").replay(recorded)
    assert result.outcome == "identical", result.comparison.reasons
    assert "Calloway and Finch" in generator.calls[-1].prompt
    assert result.comparison.fingerprint_changes == ("index_sha256",)


def test_rescore_runs_no_language_model(recorded: Line, data_dir: Path) -> None:
    class Untouchable:
        answer_config = AnswerConfig()

        @property
        def generator(self) -> Any:
            raise AssertionError("rescore loaded the language model")

    replayer = Replayer(Untouchable(), "rescore")  # type: ignore[arg-type]
    assert replayer.replay(recorded).outcome == "identical"
    edited = copy.deepcopy(recorded)
    edited["answer"] = "Calloway designed it [1]."
    replayer = Replayer(Untouchable(), "rescore", similarity=lambda a, b: 0.5)  # type: ignore[arg-type]
    result = replayer.replay(edited)
    assert result.outcome == "changed"
    assert result.new["answer"] == recorded["answer"]  # rebuilt from the raw output
    assert not result.comparison.nondeterministic
    assert "rescored: the recorded output checked again" in result.comparison.reasons


def test_rescore_embeds_only_to_compare_meaning(indexed: Assistant, embedder: FakeEmbedder, recorded: Line) -> None:
    edited = copy.deepcopy(recorded)
    edited["answer"] = edited["answer"].replace("engineering firm", "firm")
    assert edited["answer"] != recorded["answer"]
    before = len(embedder.calls)
    result = Replayer(indexed, "rescore").replay(edited)
    assert len(embedder.calls) == before + 1  # one call: both answers, for the meaning tier
    assert result.comparison.similarity is not None and result.comparison.similarity > 0.7


def test_unknown_mode_is_an_error(indexed: Assistant) -> None:
    with pytest.raises(RecordingError, match="unknown replay mode 'fast'"):
        Replayer(indexed, "fast")


def _two_cases(recorded: Line, tmp_path: Path) -> tuple[Path, Line, Line]:
    second = copy.deepcopy(recorded) | {"id": "harbour-2"}
    path = tmp_path / "rec.jsonl"
    recording.write(path, [recorded, second])
    new1 = copy.deepcopy(recorded) | {"answer": "new one"}
    new2 = copy.deepcopy(second) | {"answer": "new two"}
    recording.write(new_path(path), [new1, new2])
    return path, new1, new2


def test_accept_chosen_cases_then_the_rest(recorded: Line, tmp_path: Path) -> None:
    path, _, _ = _two_cases(recorded, tmp_path)
    assert new_path(path).name == "rec.new.jsonl"
    accept(path, ["harbour-2"], log=lambda s: None)
    assert [x["answer"] for x in recording.read(path)] == [recorded["answer"], "new two"]
    assert [x["id"] for x in recording.read(new_path(path))] == ["harbour-1"]
    accept(path, None, log=lambda s: None)
    assert [x["answer"] for x in recording.read(path)] == ["new one", "new two"]
    assert not new_path(path).exists()


def test_accept_errors(recorded: Line, tmp_path: Path) -> None:
    path, _, _ = _two_cases(recorded, tmp_path)
    with pytest.raises(RecordingError, match="case 'nope' not in .*rec.new.jsonl; it holds: harbour-1, harbour-2"):
        accept(path, ["nope"])
    new_path(path).unlink()
    with pytest.raises(RecordingError, match="nothing to accept; run `assistant replay"):
        accept(path, None)


def _results(recorded: Line) -> list[CaseResult]:
    hostile = copy.deepcopy(recorded) | {"id": "x<1>", "question": "<script>alert(1)</script>?"}
    wrong = copy.deepcopy(hostile) | {"answer": "Tomas & Reyes <b>did</b> [1]."}
    class ChecksOnly:
        answer_config = AnswerConfig()

    return [Replayer(ChecksOnly(), "rescore").replay(recorded),  # type: ignore[arg-type]
            CaseResult(hostile, wrong, compare(hostile, wrong, lambda a, b: 0.0))]


def test_summary_counts_outcomes_and_lists_what_differs(recorded: Line) -> None:
    text = reports.summary(_results(recorded), "live")
    assert text.splitlines()[0] == ("replayed 2 cases (live): 1 identical, 0 equivalent, 0 changed, "
                                    "0 improved, 1 regressed")
    assert "regressed  x<1>: no longer: contains the expected answer" in text
    assert "non-deterministic (same fingerprint, different output): 1 cases: x<1>" in text


def test_html_report_is_self_contained_escaped_and_highlights(recorded: Line) -> None:
    page = reports.html_report(_results(recorded), "live")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&amp;" in page and "&lt;b&gt;did&lt;/b&gt;" in page and "<b>did</b>" not in page
    assert "http://" not in page and "https://" not in page and " src=" not in page
    assert '<span class="cite">[1]</span>' in page
    assert "<del>" in page and "<ins>" in page


def test_junit_xml_parses_and_fails_only_regressions(recorded: Line) -> None:
    root = ET.fromstring(reports.junit_xml(_results(recorded), "seeds"))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["harbour-1"].find("failure") is None
    failure = cases["x<1>"].find("failure")
    assert failure is not None and failure.get("message", "").startswith("regressed: no longer:")


def test_word_diff_marks_removed_and_added_words() -> None:
    left, right = reports.word_diff("It cost 5 pounds [1].", "It cost 6 pounds [2].")
    assert "<del>5</del>" in left and "<ins>6</ins>" in right
    assert '<span class="cite">[2]</span>' in right


# --- the CLI -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["record", "replay", "accept"])
def test_regression_commands_have_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    assert "example:" in capsys.readouterr().out or command == "replay"


@pytest.mark.parametrize(
    ("argv", "content", "message"),
    [
        (["replay", "{p}"], None, "no such recording"),
        (["replay", "{p}", "--mode", "rescore"], "{oops\n", "rec.jsonl:1: not JSON"),
        (["accept", "{p}", "--all"], None, "nothing to accept"),
        (["record", "{p}", "--out", "{p}.out"], None, "no such cases file"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(
    argv: list[str], content: str | None, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rec.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert cli.main([a.format(p=path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1


def test_replay_through_the_cli_writes_reports_and_exits_1_on_a_regression(
    recorded: Line, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = copy.deepcopy(recorded)
    n = next(p["n"] for p in wrong["passages"] if "1987" in p["text"])
    wrong["raw_output"] = f" The harbour wall was rebuilt in 1987 [{n}].\n"  # rescore rebuilds the answer from it
    path = tmp_path / "rec.jsonl"
    recording.write(path, [wrong])
    monkeypatch.setattr("assistant.wiring.make_embedder", lambda *a, **k: FakeEmbedder())
    html, junit = tmp_path / "r.html", tmp_path / "r.xml"
    code = cli.main(["replay", str(path), "--mode", "rescore", "--html", str(html), "--junit", str(junit)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "1 regressed" in out and html.is_file() and junit.is_file()
    assert json.loads(new_path(path).read_text().splitlines()[0])["id"] == "harbour-1"
    assert cli.main(["accept", str(path), "--case", "harbour-1"]) == 0
    assert "accepted harbour-1" in capsys.readouterr().out
