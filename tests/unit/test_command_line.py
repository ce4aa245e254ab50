"""The command line, in process: help texts, errors, and commands run with the fake models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import FakeEmbedder, FakeGenerator, source_number

from assistant import cli
from assistant.settings import Settings

SUBCOMMANDS = {
    "index": "Unchanged files are skipped, changed files replaced, deleted files removed.",
    "ask": "Answer one question from the index, with citations.",
    "chat": "follow-ups use the conversation",
    "serve": "It listens on 127.0.0.1 unless told otherwise.",
    "eval": "write one result line per case",
    "settings": "--data-dir",
}


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 0
    out, _ = capsys.readouterr()
    return " ".join(out.split())  # argparse wraps lines


def test_top_level_help_describes_the_tool_and_lists_every_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _help(["--help"], capsys)
    assert out.startswith("usage: assistant")
    assert "answers questions from your documents, citing the passage behind every sentence" in out
    assert "ASSISTANT_<NAME> environment variables" in out
    for command in SUBCOMMANDS:
        assert f" {command} " in out


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_each_subcommand_help_exits_zero_and_describes_it(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _help([command, "--help"], capsys)
    assert out.startswith(f"usage: assistant {command}")
    assert SUBCOMMANDS[command] in out
    for flag in ("--data-dir", "--model", "--top-k"):
        assert flag in out


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main([])
    assert exit_.value.code == 2
    assert "required: COMMAND" in capsys.readouterr().err


def test_invalid_setting_returns_2_with_an_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["ask", "Who?", "--top-k", "0"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: invalid settings (top_k: Input should be greater than or equal to 1)")
    assert "Traceback" not in err


def test_invalid_env_setting_returns_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_FUSION", "bm25")
    assert cli.main(["settings"]) == 2
    assert capsys.readouterr().err.startswith("error: invalid settings (fusion:")


def test_settings_command_prints_every_setting_with_flags_applied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["settings", "--top-k", "6", "--data-dir", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "top_k = 6\n" in out
    assert f"data_dir = {tmp_path / 'd'}\n" in out
    assert "    Chunks kept after fusing dense and lexical ranks." in out
    for name in Settings.model_fields:
        assert f"\n{name} = " in "\n" + out, name


@pytest.fixture()
def fake_models(monkeypatch: pytest.MonkeyPatch) -> FakeGenerator:
    """What the CLI's Assistant builds, swapped for the fakes."""
    generator = FakeGenerator()
    monkeypatch.setattr("assistant.wiring.make_embedder", lambda *a, **k: FakeEmbedder())
    monkeypatch.setattr("assistant.wiring.LlamaCppGenerator", lambda *a, **k: generator)
    monkeypatch.setattr("assistant.wiring.resolve_model", lambda *a, **k: Path("fake.gguf"))
    return generator


def test_ask_on_an_empty_index_says_to_index_first(
    tmp_path: Path, fake_models: FakeGenerator, capsys: pytest.CaptureFixture[str]
) -> None:
    # Unpatched, this path would load the real sentence-transformers model (see fake_models).
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["ask", "x", "--data-dir", str(empty)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: the index in {empty} is empty; run `assistant index` first\n"
    assert fake_models.calls == []


def test_index_then_ask_through_the_cli(
    tmp_path: Path, corpus: Path, fake_models: FakeGenerator, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "cli-data")
    assert cli.main(["index", str(corpus), "--data-dir", data]) == 0
    assert capsys.readouterr().out.startswith("added 3, updated 0, removed 0, unchanged 0 file(s)")
    assert cli.main(["index", str(corpus), "--data-dir", data]) == 0
    assert capsys.readouterr().out == "nothing to do: 3 file(s) unchanged, nothing embedded\n"

    reply = lambda prompt, grammar: (  # noqa: E731
        f" Calloway and Finch designed the breakwater [{source_number(prompt, 'Calloway')}].\n"
    )
    fake_models.queue(reply, reply)
    assert cli.main(["ask", "Which firm designed the breakwater?", "--data-dir", data]) == 0
    lines = capsys.readouterr().out.splitlines()
    # The sentence the answer was copied from, whole (in bold on a terminal: "Calloway and Finch"),
    # with the sentence after it, which the model read too.
    widened = ("The engineering firm Calloway and Finch designed the new breakwater. "
               "Fishing boats land about 300 tonnes of crab there each year")
    assert lines[0] == f"{widened} [1]."
    assert lines[1].startswith("  [1] harbour.txt (")
    assert lines[1].endswith(f"): {widened}.")

    assert cli.main(["ask", "Who is the treasurer of Calloway and Finch?", "--data-dir", data]) == 0
    assert capsys.readouterr().out.splitlines() == ["The documents do not say.",
                                                    "  (why: nothing retrieved mentions 'treasurer')"]

    assert cli.main(["ask", "Which firm designed the breakwater?", "--json", "--data-dir", data]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["answer"] == f"{widened} [1]."
    assert record["sentences"][0]["highlight"] is None  # the reply is not a span of its source as written
    assert record["citations"][0]["source"] == "harbour.txt"


def test_eval_through_the_cli_writes_results_and_a_summary(
    tmp_path: Path, corpus: Path, fake_models: FakeGenerator, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "cli-data")
    assert cli.main(["index", str(corpus), "--data-dir", data]) == 0
    cases = tmp_path / "cases.jsonl"
    case = {"id": "u", "question": "What do penguins eat in Antarctica?", "unanswerable": True}
    cases.write_text(json.dumps(case) + "\n", encoding="utf-8")
    out = tmp_path / "out" / "results.jsonl"
    capsys.readouterr()
    assert cli.main(["eval", str(cases), "--out", str(out), "--data-dir", data]) == 0
    summary = capsys.readouterr().out
    assert "correct_refusals" in summary and "100%" in summary
    (line,) = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["refused"] is True
    assert fake_models.calls == []  # the warm-up and the case were both below the floor


def test_chat_answers_follow_ups_and_starts_over(
    tmp_path: Path, corpus: Path, fake_models: FakeGenerator, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = str(tmp_path / "cli-data")
    assert cli.main(["index", str(corpus), "--data-dir", data]) == 0
    typed = iter(["", "When was the harbour wall at Port Ellery rebuilt?", "How much did it cost?", "/new",
                  "/quit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
    fake_models.queue(
        lambda prompt, grammar: f" It was rebuilt in 1987 [{source_number(prompt, '1987')}].\n",
        lambda prompt, grammar: f" It cost 2400000 pounds [{source_number(prompt, '2,400,000')}].\n",
    )
    capsys.readouterr()
    assert cli.main(["chat", "--data-dir", data]) == 0
    out = capsys.readouterr().out
    # Each answer is the source sentence it was copied from, quoted whole, with the ones after it that
    # the model read (its words are not the source's, so no unit of it is known to hold the answer).
    assert out.count("The harbour wall at Port Ellery was rebuilt in 1987 at a cost of 2,400,000 pounds. "
                     "The engineering firm Calloway and Finch designed the new breakwater. Fishing boats land "
                     "about 300 tonnes of crab there each year [1].") == 2
    assert "(new conversation)" in out
    # Retrieval used the follow-up joined to the question before; the model is asked it as typed,
    # beside the evidence that found.
    follow_up = fake_models.calls[1].prompt
    assert follow_up.endswith("there each year.\nQuestion: How much did it cost?\nAnswer:")


def test_chat_leaves_on_end_of_input(
    tmp_path: Path, corpus: Path, fake_models: FakeGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def eof(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    assert cli.main(["chat", "--data-dir", str(tmp_path / "d")]) == 0
