"""A PDF indexed, asked about and cited to its page: CLI, JSON, the page's sources, the Markdown
export, recordings and their replay. Fake models, real files and a real Chroma folder."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import documents
import pytest
from fakes import FakeEmbedder, FakeGenerator, source_number

from assistant import cli, rendering, reports
from assistant.answering import AnswerConfig
from assistant.evaluation import Case
from assistant.recording import Recorder
from assistant.replay import Replayer, rescored
from assistant.wiring import Assistant

PAGES = [
    [("h1", "Harbour Report 2024"), ("p", "The harbour authority publishes this report every spring.")],
    [("h2", "Traffic"), ("p", "Ferries made 4,120 crossings to the islands during the year.")],
    [("h2", "Works"), ("p", "The lighthouse lens was replaced by the firm Marlow Optics in October.")],
]
QUESTION = "Which firm replaced the lighthouse lens?"
LENS = "The lighthouse lens was replaced by the firm Marlow Optics in October."


def _marlow(prompt: str, grammar: str | None) -> str:
    return f" Marlow Optics [{source_number(prompt, 'Marlow')}].\n"


@pytest.fixture()
def report_folder(corpus: Path) -> Path:
    (corpus / "report.pdf").write_bytes(documents.pdf(PAGES))
    return corpus


@pytest.fixture()
def with_report(report_folder: Path, make_assistant: Callable[..., Assistant]) -> Assistant:
    assistant = make_assistant()
    report = assistant.index()
    assert "report.pdf" in report.added, report.summary()
    return assistant


def test_the_answer_cites_the_page(with_report: Assistant, generator: FakeGenerator) -> None:
    generator.queue(_marlow)
    answer = with_report.ask(QUESTION)
    assert not answer.refused
    (citation,) = answer.citations
    assert (citation.source, citation.pages, citation.page_label) == ("report.pdf", (3,), "p. 3")
    assert " ".join(citation.text.split()) == LENS


def test_the_page_shows_the_page_number_and_the_export_too(with_report: Assistant, generator: FakeGenerator) -> None:
    generator.queue(_marlow)
    answer = with_report.ask(QUESTION)
    html = rendering.sources_html(answer, 0)
    assert '<span class="file">report.pdf</span>, <span class="page">p. 3</span> ' in html
    exported = rendering.conversation_markdown([(QUESTION, answer)])
    assert f"- [1] report.pdf, p. 3, characters {answer.citations[0].start}–" in exported


def test_a_text_file_citation_names_no_page(indexed: Assistant, generator: FakeGenerator) -> None:
    generator.queue(lambda p, g: f" Calloway and Finch [{source_number(p, 'Calloway')}].\n")
    answer = indexed.ask("Which firm designed the new breakwater?")
    assert answer.citations[0].pages == ()
    assert 'class="page"' not in rendering.sources_html(answer, 0)
    assert "harbour.txt, characters " in rendering.conversation_markdown([("q", answer)])


@pytest.fixture()
def cli_models(monkeypatch: pytest.MonkeyPatch) -> FakeGenerator:
    generator = FakeGenerator()
    monkeypatch.setattr("assistant.wiring.make_embedder", lambda *a, **k: FakeEmbedder())
    monkeypatch.setattr("assistant.wiring.LlamaCppGenerator", lambda *a, **k: generator)
    monkeypatch.setattr("assistant.wiring.resolve_model", lambda *a, **k: Path("fake.gguf"))
    return generator


def test_cli_index_reports_bad_files_and_ask_cites_the_page(
    tmp_path: Path, report_folder: Path, cli_models: FakeGenerator, capsys: pytest.CaptureFixture[str]
) -> None:
    (report_folder / "scan.pdf").write_bytes(documents.scanned_pdf())
    (report_folder / "menu.html").write_text(documents.navigation_only_html(), encoding="utf-8")
    data = str(tmp_path / "cli-data")
    assert cli.main(["index", str(report_folder), "--data-dir", data]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("added 4, updated 0, removed 0, unchanged 0 file(s)")
    assert out[1:] == [
        "skipped: menu.html: no main text found (the page holds only navigation, links or boilerplate); skipped",
        "skipped: scan.pdf: no text layer; OCR is not supported (a scanned PDF? run it through OCR, "
        "for example ocrmypdf, and index the result)",
    ]
    cli_models.queue(_marlow, _marlow)
    assert cli.main(["ask", QUESTION, "--data-dir", data]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "The lighthouse lens was replaced by the firm Marlow Optics in October [1]."
    assert lines[1].startswith("  [1] report.pdf, p. 3 (")
    assert cli.main(["ask", QUESTION, "--json", "--data-dir", data]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["citations"][0]["pages"] == [3]
    assert record["citations"][0]["page_label"] == "p. 3"


def _recorded(assistant: Assistant, generator: FakeGenerator) -> dict[str, Any]:
    generator.queue(_marlow)
    return Recorder(assistant).record(Case("lens-1", QUESTION, [], [["Marlow"]], ["report.pdf"], False))


def test_a_recording_keeps_the_page_and_every_replay_mode_keeps_it(
    with_report: Assistant, generator: FakeGenerator
) -> None:
    line = _recorded(with_report, generator)
    assert line["citations"][0]["pages"] == [3]
    assert all(p["chunk"]["pages"] for p in line["passages"] if p["chunk"]["source"] == "report.pdf")
    line = json.loads(json.dumps(line))  # as read back from the file
    generator.queue(_marlow)
    live = Replayer(with_report, "live").replay(line)
    assert live.outcome == "identical", live.comparison.reasons
    generator.queue(_marlow)
    frozen = Replayer(with_report, "frozen-context").replay(line)
    assert frozen.outcome == "identical", frozen.comparison.reasons
    assert frozen.new["citations"][0]["page_label"] == "p. 3"
    again = rescored(line, AnswerConfig())
    assert again["citations"] == line["citations"]


def test_a_citation_that_moved_to_another_page_is_a_change(with_report: Assistant, generator: FakeGenerator) -> None:
    line = _recorded(with_report, generator)
    moved = copy.deepcopy(line)
    moved["citations"][0].update(pages=[2], page_label="p. 2")
    result = Replayer(with_report, "rescore", similarity=lambda a, b: 1.0).replay(moved)
    assert "citations differ in their pages" in result.comparison.reasons
    assert result.outcome != "identical"
    report = reports.html_report([result], "rescore")
    assert "<b>report.pdf, p. 2</b>" in report and "<b>report.pdf, p. 3</b>" in report
