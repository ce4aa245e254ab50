"""A PDF answered on the real bundled models: the answer is on page 3 and the citation says "p. 3"."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from assistant.settings import load_settings
from assistant.wiring import Assistant

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import documents  # noqa: E402

pytestmark = pytest.mark.integration

PAGES = [
    [("h1", "Port Ellery Harbour Report 2024"), ("h2", "Summary"),
     ("p", "The harbour authority publishes this report every spring for the town council. "
           "It covers traffic, works and the accounts of the year.")],
    [("h2", "Traffic"), ("p", "Ferries made 4,120 crossings to the islands during the year."),
     ("table", [["Vessel", "Crossings"], ["Islander", "2,300"], ["Gull", "1,820"]])],
    [("h2", "Works"), ("p", "The lighthouse lens was replaced by the firm Marlow Optics in October."),
     ("p", "Dredging of the inner basin is planned for the summer of 2026.")],
    [("h2", "Accounts"), ("p", "Harbour dues brought in 310,000 pounds, slightly more than the year before.")],
]


def test_an_answer_on_page_3_is_cited_p_3(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "harbour-report.pdf").write_bytes(documents.pdf(PAGES))
    real = Assistant(load_settings(data_dir=tmp_path / "data", docs=[folder]))
    assert real.index().added == ["harbour-report.pdf"]
    answer = real.ask("Which firm replaced the lighthouse lens?")
    assert not answer.refused, answer.notes
    assert "Marlow Optics" in answer.text
    assert all(answer.supported)
    assert [(c.source, c.page_label) for c in answer.citations] == [("harbour-report.pdf", "p. 3")]
