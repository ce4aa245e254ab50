"""A large file being added (issue 13, item 7), in Chromium on the real models.

Every open tab shows one line for the file, with its name, a bar and the time left (not Gradio's
progress bars over the page), and a question asked in another tab meanwhile is answered before
the file is done: indexing has a queue of its own and does not hold the model's.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import screenshot, serve_seeds
from tests.browser.test_chat_like_an_app import VACCINE
from tests.browser.test_chat_page import ask

pytestmark = pytest.mark.integration

NAME = "harbour-ledger.txt"
GOODS = ["timber", "copper wire", "salted fish", "wool bales", "olive oil", "roof slate", "tea chests"]


# Gradio's progress bars and texts that can be seen: the component each covers (its id or class).
GRADIO_BARS = """() => [...document.querySelectorAll('.eta-bar, .progress-text, .progress-level')].filter(e => {
  const box = e.getBoundingClientRect();
  if (!box.width || !box.height) return false;
  for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
    const style = getComputedStyle(n);
    if (style.display === 'none' || style.visibility === 'hidden' || style.opacity === '0') return false;
  }
  return true;
}).map(e => { const c = e.closest('[id]'); return (c ? c.id : '') + ' ' + e.className; })"""


def ledger(path: Path, megabytes: float = 2.5) -> Path:
    """A long plain-text ledger of distinct sentences: minutes of embedding on the shared cores."""
    lines, size, day = [], 0, 0
    while size < megabytes * 1_000_000:
        day += 1
        line = (f"On day {day} the harbour master recorded {day * 37 % 900 + 12} crates of "
                f"{GOODS[day % len(GOODS)]} unloaded at berth {day % 41 + 1} from the ship number {day * 13 % 700}.")
        lines.append(line if day % 9 else f"{line}\n")
        size += len(line) + 1
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _indexing(page: Any) -> str:
    return str(page.locator("#indexing").inner_text())


def test_another_tab_sees_the_file_and_its_questions_are_answered_meanwhile(
    tmp_path: Path, new_page: Any
) -> None:
    big = ledger(tmp_path / NAME)
    server = serve_seeds(tmp_path / "served").wait()
    try:
        adding, asking = new_page(server.url), new_page(server.url)
        for page in (adding, asking):
            page.wait_for_selector("#status:has-text('Ready')")
        adding.get_by_role("tab", name="Documents").click()
        adding.locator("#upload input[type=file]").set_input_files(str(big))
        adding.wait_for_timeout(500)
        adding.click("#add-files")
        started = time.monotonic()

        asking.wait_for_function(f"document.querySelector('#indexing').innerText.includes({NAME!r})",
                                 timeout=120_000)
        seen = time.monotonic()
        answer = ask(asking, VACCINE)  # asked while the file is being indexed
        answered = time.monotonic()
        assert "Sinovac" in answer.inner_text()
        meanwhile = " ".join(_indexing(asking).split())
        assert NAME in meanwhile, "the file was done before the question: make the ledger longer"
        print(f"\nwhen the other tab's answer was shown: {meanwhile}")
        assert "Added" not in adding.locator("#library-notice").inner_text()

        estimated = "/\\d+% · (about|less than) .* left/.test(document.querySelector('#indexing').innerText)"
        asking.wait_for_function(estimated, timeout=300_000)
        assert asking.locator("#indexing .indexing-file").count() == 1
        assert adding.locator("#indexing .indexing-file").count() == 1  # the tab that adds sees the same line
        # Gradio's own progress bars (one per output, over the page) are not shown.
        assert adding.evaluate(GRADIO_BARS) == [], "Gradio's progress bars cover the page"
        print(" ".join(_indexing(asking).split()))
        screenshot(asking, "13-indexing-progress-in-another-tab")

        adding.wait_for_function("document.querySelector('#library-notice').innerText.includes('Added')",
                                 timeout=1_800_000)  # minutes on two cores shared with other work
        done = time.monotonic()
        asking.wait_for_function("!document.querySelector('#indexing').innerText.trim()", timeout=30_000)
        print(f"{big.stat().st_size / 1e6:.1f} MB indexed in {done - started:.0f} s; the other tab showed it "
              f"after {seen - started:.1f} s; its question was answered {answered - seen:.1f} s after it was asked, "
              f"{done - answered:.0f} s before the file was done")
    finally:
        server.stop()
