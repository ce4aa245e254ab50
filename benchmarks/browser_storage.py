"""How much of the browser's storage the kept conversations take, against what Chromium allows.

    .venv/bin/python benchmarks/browser_storage.py [--questions 12] [--exchanges 5 10 20]

The page keeps up to ``conversations.KEPT`` conversations in the browser's localStorage, encrypted
(``gr.BrowserState``). A write past the origin's quota fails in the page's script with only a console
message, so what is kept must stay well under it. This answers seed questions with the bundled models
(seeds/ indexed into a temporary folder), builds the messages and records the page builds from those
answers, keeps ``KEPT`` conversations of each length, and prints the stored size: the JSON, and the
encrypted string as ``gr.BrowserState`` writes it (AES-CBC, base64, a base64 IV before it). It then
measures the quota itself in Debian's Chromium: how many characters one origin's localStorage takes
before it refuses a write.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant import conversations, rendering  # noqa: E402
from assistant.evaluation import load_cases  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from assistant.wiring import Assistant  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# Fill one origin's localStorage in 64K-character values until a write is refused; the characters stored.
FILL = """() => {
  localStorage.clear();
  const block = 'x'.repeat(65536);
  let stored = 0, i = 0;
  try { for (;;) { localStorage.setItem('k' + i, block); stored += block.length + ('k' + i).length; i++; } }
  catch (e) { localStorage.clear(); return stored; }
}"""


def encrypted_chars(plain: str) -> int:
    """Characters of ``gr.BrowserState``'s stored value for ``plain``: base64(IV) ":" base64(AES-CBC)."""
    padded = (len(plain.encode("utf-8")) // 16 + 1) * 16
    return 24 + 1 + 4 * -(-padded // 3)


def quota_chars() -> int:
    """Characters one origin's localStorage holds in Debian's Chromium (as the browser tests start it)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, FLAGS

    with tempfile.TemporaryDirectory() as folder:
        handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=folder)  # noqa: E731
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
                filled = int(page.evaluate(FILL))
                browser.close()
                return filled
        finally:
            server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=12, help="seed questions answered (their answers recur)")
    parser.add_argument("--exchanges", type=int, nargs="+", default=[5, 10, 20, 40],
                        help="questions per kept conversation")
    args = parser.parse_args()

    cases = [c for c in load_cases(ROOT / "tests/eval/dev.jsonl") if not c.history][: args.questions]
    with tempfile.TemporaryDirectory() as folder:
        assistant = Assistant(load_settings(data_dir=Path(folder)))
        assistant.index([ROOT / "seeds"])
        answers = [(c.question, assistant.ask(c.question)) for c in cases]
    per_exchange = [len(json.dumps(conversations._exchange_record(q, a))) for q, a in answers]
    per_message = [len(rendering.question_html(q)) + len(rendering.checked_html(a, 1)) for q, a in answers]
    print(f"{len(answers)} seed questions answered ({sum(a.refused for _, a in answers)} refused)")
    print(f"per exchange: page messages {sum(per_message) / len(answers):,.0f} characters, "
          f"export record {sum(per_exchange) / len(answers):,.0f} characters (means)")

    quota = quota_chars()
    print(f"Chromium's localStorage quota for one origin: {quota:,} characters")
    print(f"\n{'exchanges':>9} {'conversations':>13} {'JSON chars':>12} {'stored chars':>13} {'of quota':>9}")
    for length in args.exchanges:
        stored: list[dict[str, object]] = []
        for k in range(conversations.KEPT):
            messages: list[dict[str, str]] = []
            turns: list[tuple[str, str]] = []
            done = []
            for i in range(length):
                question, answer = answers[(k + i) % len(answers)]
                messages += [{"role": "user", "content": rendering.question_html(question)},
                             {"role": "assistant", "content": rendering.checked_html(answer, i + 1)}]
                turns = [*turns, (question, answer.text)][-4:]
                done.append((question, answer))
            last = conversations.Last(done[-1][0], turns[:-1], len(done) - 1)
            stored = conversations.kept(stored, f"c{k}", messages, turns, last, done, now=float(k))
        plain = json.dumps(stored, ensure_ascii=False, separators=(",", ":"))  # as JSON.stringify writes it
        chars = encrypted_chars(plain)
        print(f"{length:>9} {len(stored):>13} {len(plain):>12,} {chars:>13,} {chars / quota:>8.0%}")


if __name__ == "__main__":
    main()
