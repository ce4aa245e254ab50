"""Time to the first text on the chat page: the stage line, the draft's first words, the checked answer.

    .venv/bin/python benchmarks/chat_first_text.py [--runs N]

Serves seeds/ (indexed into a temporary folder) with the bundled models, opens the page in Debian's
Chromium, asks the seed questions below one at a time in fresh conversations, and prints, per
question and as medians, the seconds from the click on Ask to each of the three. Wall-clock times on
a shared machine: compare runs made on the same machine at the same load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.conftest import CHROMIUM, FLAGS, serve_seeds  # noqa: E402

QUESTIONS = [
    "How many doses of its Covid-19 vaccine has Sinovac shipped worldwide?",
    "Which publication does the Pakistani editor Rao Abdul work for?",
    "Which province was described as one of the birthplaces of China's modern pharmaceutical industry?",
]
# Seconds after RESET at which the last reply first showed a stage, draft words, an answer.
WATCH = """() => new MutationObserver(() => {
  const bots = document.querySelectorAll('#conversation .bot .message-content');
  if (!bots.length || !window.__firsts) return;
  const bot = bots[bots.length - 1], seen = window.__firsts, now = (performance.now() - window.__t0) / 1000;
  const words = bot.querySelector('.draft .streaming');
  if (bot.querySelector('.stage') && !seen.stage) seen.stage = now;
  if (words && words.textContent.trim() && !seen.draft) seen.draft = now;
  if (bot.querySelector('.answer, .refusal') && !seen.answer) seen.answer = now;
}).observe(document.querySelector('#conversation'), {subtree: true, childList: true, characterData: true})"""
RESET = "() => { window.__firsts = {}; window.__t0 = performance.now(); }"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="times each question is asked")
    runs = parser.parse_args().runs
    from playwright.sync_api import sync_playwright

    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        served = serve_seeds(Path(folder)).wait()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
                page = browser.new_page()
                page.set_default_timeout(300_000)
                page.goto(served.url)
                page.wait_for_selector("#status:has-text('Ready')")
                page.evaluate(WATCH)
                for _ in range(runs):
                    for question in QUESTIONS:
                        page.click("#new")
                        page.fill("#question textarea", question)
                        page.evaluate(RESET)
                        page.click("#ask")
                        page.wait_for_function("window.__firsts.answer !== undefined")
                        page.wait_for_selector("#ask:not([disabled])")
                        firsts = dict(page.evaluate("window.__firsts"))
                        rows.append(firsts)
                        print(f"{question[:60]:60}  stage {firsts.get('stage', float('nan')):5.1f} s  "
                              f"draft {firsts.get('draft', float('nan')):5.1f} s  "
                              f"answer {firsts['answer']:5.1f} s", flush=True)
                browser.close()
        finally:
            served.stop()
    for key in ("stage", "draft", "answer"):
        values = [r[key] for r in rows if key in r]
        if values:
            print(f"median time to {key}: {statistics.median(values):.1f} s over {len(values)} answers")


if __name__ == "__main__":
    main()
