"""A pytest plugin: recorded answers run as ordinary tests, one per case.

    pytest --answers tests/recordings/                 # every *.jsonl recording in the folder
    pytest --answers rec.jsonl --answers-mode rescore  # no language model
    pytest --answers tests/recordings/ --answers-docs seeds/   # index seeds/ afresh first

A case fails when it regressed; every other outcome passes, and the terminal
summary lists them with their reasons (and says when the fingerprint differs
from the recording's). One exception: when nothing differs from the recording but
the CPU features of the llama.cpp build (llama-cpp-python is compiled for the
machine it is installed on; a build for other vector instructions sums in another
order, and a close call between two tokens can go the other way), up to one case in
twenty may regress without failing; they are listed in the summary, and more fail.
Settings come from the environment and assistant.toml as for the CLI. The replayed
lines are written beside each recording (``x.new.jsonl``), so ``assistant accept`` can take them as the baseline.

Registered through the ``pytest11`` entry point in pyproject.toml.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from assistant.errors import AssistantError
from assistant.recording import Line
from assistant.replay import MODES, CaseResult, Replayer, new_path

if TYPE_CHECKING:
    from assistant.wiring import Assistant


class _State:
    """The session's assistant and results, built on the first case that needs them."""

    def __init__(self, mode: str, docs: list[Path]) -> None:
        self.mode, self.docs = mode, docs
        self.results: dict[Path, list[CaseResult]] = {}
        self.excused: dict[Path, list[CaseResult]] = {}
        self._replayer: Replayer | None = None
        self._tmp: str | None = None

    def replayer(self) -> Replayer:
        if self._replayer is None:
            self._replayer = Replayer(self._assistant(), self.mode)
        return self._replayer

    def _assistant(self) -> Assistant:
        from assistant.settings import load_settings
        from assistant.wiring import Assistant

        if not self.docs:
            return Assistant(load_settings())
        self._tmp = tempfile.mkdtemp(prefix="answers-index-")
        assistant = Assistant(load_settings(data_dir=Path(self._tmp), docs=self.docs))
        assistant.index()
        return assistant

    def close(self) -> None:
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)


_STATE = pytest.StashKey[_State]()
ANOTHER_BUILD_SHARE = 0.05
"""The share of a recording's cases that may regress on another CPU build of llama.cpp without failing."""


def another_build_only(result: CaseResult) -> bool:
    """Whether the replay differs from the recording in nothing but the llama.cpp build's CPU features
    (a recording made before they were recorded does not say, and counts as another build)."""
    return set(result.comparison.fingerprint_changes) == {"llama_cpp_system"}


def allowance(cases: int) -> int:
    """How many of ``cases`` may regress on another CPU build without failing: one in twenty, rounded up."""
    return math.ceil(ANOTHER_BUILD_SHARE * cases)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("answers", "replay recorded answers (assistant)")
    group.addoption("--answers", action="append", default=[], metavar="PATH",
                    help="a recording (.jsonl) or a folder of them; each recorded case runs as a test")
    group.addoption("--answers-mode", choices=MODES, default="live",
                    help="live (default), frozen-context or rescore; see `assistant replay --help`")
    group.addoption("--answers-docs", action="append", default=[], metavar="PATH",
                    help="index these documents into a fresh temporary folder before replaying "
                    "(default: replay against the configured index)")


def _answer_paths(config: pytest.Config) -> list[Path]:
    return [Path(p).resolve() for p in config.getoption("answers")]


def pytest_configure(config: pytest.Config) -> None:
    paths = _answer_paths(config)
    if not paths:
        return
    for path in paths:
        if not path.exists():
            raise pytest.UsageError(f"--answers {path}: no such file or folder")
    docs = [Path(p) for p in config.getoption("answers_docs")]
    config.stash[_STATE] = _State(config.getoption("answers_mode"), docs)
    given = [Path(a.split("::")[0]).resolve() for a in config.args]
    # Recordings outside the paths pytest collects anyway are added to them.
    config.args = [*config.args, *(str(p) for p in paths if not any(p.is_relative_to(g) for g in given))]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _STATE in config.stash:
        config.stash[_STATE].close()


def _is_recording(path: Path, roots: list[Path]) -> bool:
    if path.suffix != ".jsonl" or path.name.endswith(".new.jsonl"):
        return False
    path = path.resolve()
    return any(path == r or (r.is_dir() and path.is_relative_to(r)) for r in roots)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if _STATE in parent.config.stash and _is_recording(file_path, _answer_paths(parent.config)):
        return RecordingFile.from_parent(parent, path=file_path)
    return None


class RecordingFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from assistant import recording

        try:
            lines = recording.read(self.path)
        except AssistantError as exc:
            raise self.CollectError(str(exc)) from None
        for line in lines:
            yield AnswerCase.from_parent(self, name=str(line["id"]), line=line, cases=len(lines))


class RegressedError(Exception):
    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.id)
        self.result = result


class AnswerCase(pytest.Item):
    """One recorded case, replayed and compared."""

    def __init__(self, *, line: Line, cases: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.line, self.cases = line, cases

    def runtest(self) -> None:
        state = self.config.stash[_STATE]
        result = state.replayer().replay(self.line)
        state.results.setdefault(self.path, []).append(result)
        if result.outcome == "regressed":
            excused = state.excused.setdefault(self.path, [])
            if another_build_only(result) and len(excused) < allowance(self.cases):
                excused.append(result)
                return
            raise RegressedError(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, RegressedError):
            r = excinfo.value.result
            hint = []
            if r.comparison.fingerprint_changes:
                hint = [f"  the recording was made with another {', '.join(r.comparison.fingerprint_changes)}; "
                        "if that change is intended, record again or `assistant accept` the new answers"]
            return "\n".join([f"case {r.id} regressed: {r.old['question']}",
                              f"  recorded: {r.old['answer']}", f"  replayed: {r.new['answer']}",
                              *(f"  - {reason}" for reason in r.comparison.reasons), *hint])
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"recorded case {self.name}"


def pytest_sessionfinish(session: pytest.Session) -> None:
    from assistant import recording

    if _STATE in session.config.stash:
        for path, results in session.config.stash[_STATE].results.items():
            recording.write(new_path(path), [r.new for r in results])


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    from assistant import reports

    if _STATE not in config.stash:
        return
    state = config.stash[_STATE]
    for path, results in state.results.items():
        terminalreporter.write_sep("=", f"recorded answers: {path.name}")
        terminalreporter.write_line(reports.summary(results, state.mode))
        if excused := state.excused.get(path):
            terminalreporter.write_line(
                f"not failed: {', '.join(r.id for r in excused)} regressed on a llama.cpp build for other CPU "
                f"features than the recording's (up to {allowance(len(results))} of {len(results)} may); "
                "record again on this machine to judge every case")
        terminalreporter.write_line(f"replayed answers: {new_path(path)} (`assistant accept {path} --all` "
                                    "takes them as the baseline)")
