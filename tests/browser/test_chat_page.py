"""The chat page in a real browser, on the real bundled models."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import PROJECT_ROOT
from tests.browser.conftest import CLI, Served, screenshot, serve_seeds

pytestmark = pytest.mark.integration

FINISHED = "#conversation .answer, #conversation .refusal, #conversation .stopped, #conversation .problem"
WATCH_STREAM = """() => {
  window.__streamed = [];
  new MutationObserver(() => {
    const s = document.querySelectorAll('#conversation .streaming');
    if (s.length) window.__streamed.push(s[s.length - 1].textContent);
  }).observe(document.querySelector('#conversation'), {subtree: true, childList: true, characterData: true});
}"""


def ask(page: Any, question: str) -> Any:
    """Type a question, press Ask, and wait for the checked answer; the last bot message."""
    before = page.locator(FINISHED).count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(f"document.querySelectorAll({FINISHED!r}).length > {before}", timeout=180_000)
    page.wait_for_selector("#ask:not([disabled])")
    return page.locator(FINISHED).last


def sources_of(page: Any) -> Any:
    return page.locator("#conversation .sources").last


def test_streamed_answer_with_a_citation_that_opens_its_passage(served: Served, new_page: Any) -> None:
    page = new_page(served.url)
    page.wait_for_selector("#status:has-text('Ready')")
    page.evaluate(WATCH_STREAM)
    answer = ask(page, "Which publication does the Pakistani editor Rao Abdul work for?")
    streamed = [t for t in page.evaluate("window.__streamed") if t.strip()]
    assert len(set(streamed)) >= 2, f"the answer did not arrive in pieces: {streamed}"
    assert "Express Tribune" in answer.inner_text()
    passage = page.locator("#conversation details.source").last
    assert not passage.evaluate("d => d.open")
    answer.locator("a.cite").first.click()
    page.wait_for_function("document.querySelector('#conversation details.source[open]') !== null")
    opened = page.locator("#conversation details.source[open]").first
    assert "003_67ffcfc3e0323f3a.txt" in opened.locator("summary").inner_text()
    assert "Express Tribune" in opened.locator("mark").inner_text()
    assert len(opened.locator("blockquote").inner_text()) > len(opened.locator("mark").inner_text())
    screenshot(page, "01-answer-with-citation-opened")


def test_follow_up_uses_the_conversation(served: Served, new_page: Any) -> None:
    page = new_page(served.url)
    first = ask(page, "Which publication does the Pakistani editor Rao Abdul work for?")
    assert "Express Tribune" in first.inner_text()
    second = ask(page, "What did he say about Beijing's economy?")
    assert second.locator("a.cite").count() >= 1
    assert "003_67ffcfc3e0323f3a.txt" in sources_of(page).inner_text()
    assert page.locator("#conversation .answer").count() == 2
    shown = page.locator("#conversation").inner_text()
    assert shown.count("What did he say about Beijing's economy?") == 1
    assert "Waiting for the model" not in shown
    screenshot(page, "02-follow-up")
    page.click("#new")
    page.wait_for_function("document.querySelectorAll('#conversation .answer').length === 0")


def test_question_the_documents_do_not_cover_is_refused(served: Served, new_page: Any) -> None:
    page = new_page(served.url)
    answer = ask(page, "What is the recipe for a good sourdough bread?")
    assert answer.evaluate("e => e.classList.contains('refusal')")
    assert answer.inner_text().startswith("The documents do not say.")
    assert "(Why: the best evidence scores under the relevance floor.)" in answer.inner_text()
    assert answer.locator("a.cite").count() == 0
    screenshot(page, "03-refusal")


def _documents(page: Any) -> str:
    """The rows of the Documents table as shown, without Gradio's progress timer ("0.0s"), which
    stands over the table while it is being updated."""
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_function("!document.querySelector('#documents .pending')")
    return "\n".join(page.locator("#documents [role=row]").all_inner_texts())


def _upload(page: Any, *files: Path) -> str:
    page.get_by_role("tab", name="Documents").click()
    page.locator("#upload input[type=file]").set_input_files([str(f) for f in files])
    page.wait_for_timeout(500)
    page.click("#add-files")
    page.wait_for_function(
        "document.querySelector('#library-notice') && document.querySelector('#library-notice').innerText.trim()"
        " && !document.querySelector('#library-notice .pending')"
    )
    page.wait_for_selector("#add-files:not([disabled])")
    page.wait_for_function("!document.querySelector('#documents .pending, #library-notice .pending')")
    time.sleep(0.5)
    return str(page.locator("#library-notice").inner_text())


def remove_row(page: Any, text: str) -> None:
    """Press the Remove action on the Documents row that shows ``text``; wait for the question it asks."""
    page.get_by_role("tab", name="Documents").click()
    row = page.locator("#documents [role=row]", has_text=text)
    row.locator("[role=gridcell]", has_text="Remove").click()
    page.wait_for_selector("#remove-confirm", state="visible")


def test_upload_a_document_and_ask_about_it(served: Served, new_page: Any, tmp_path: Path) -> None:
    page = new_page(served.url)
    note = tmp_path / "kestrel_point.md"
    note.write_text("# Kestrel Point lighthouse\n\nThe keeper of the Kestrel Point lighthouse is Imogen Varga. "
                    "She has kept its lamp burning since 2011 and logs about 212 storms every year.\n",
                    encoding="utf-8")
    assert "kestrel_point.md" not in _documents(page)
    notice = _upload(page, note)
    assert "Added kestrel_point.md." in notice, notice
    listed = _documents(page)
    assert "kestrel_point.md" in listed
    screenshot(page, "04-documents-after-upload")

    again = _upload(page, note)
    assert "kestrel_point.md is already in the index" in again, again
    binary = tmp_path / "broken.txt"
    binary.write_bytes(b"\x00\x01binary\x00")
    before = _documents(page)
    refused = _upload(page, binary)
    assert "Not added" in refused and "broken.txt" in refused, refused
    assert _documents(page) == before
    screenshot(page, "05-unreadable-upload")

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "Who keeps the Kestrel Point lighthouse?")
    assert "Imogen Varga" in answer.inner_text()
    assert "kestrel_point.md" in sources_of(page).inner_text()
    screenshot(page, "06-answer-from-uploaded-file")

    remove_row(page, "kestrel_point.md")
    page.click("#remove-yes")
    page.wait_for_function("document.querySelector('#library-notice').innerText.includes('Removed')")
    # the table follows the notice in the next step; it must drop the file without a reload
    page.wait_for_function("!document.querySelector('#documents').innerText.includes('kestrel_point.md')")


class _Beacon(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802  (the http.server name)
        _Beacon.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_markup_from_documents_cannot_load_images_or_run_scripts(
    served: Served, new_page: Any, tmp_path: Path
) -> None:
    beacon = ThreadingHTTPServer(("127.0.0.1", 0), _Beacon)
    threading.Thread(target=beacon.serve_forever, daemon=True).start()
    remote = f"http://127.0.0.1:{beacon.server_address[1]}"
    hostile = tmp_path / "zorblax.md"
    hostile.write_text(
        f"The Zorblax relay station transmits on channel 7781. ![tracker]({remote}/markdown.png) "
        f"<img src=\"{remote}/tag.png\" onerror=\"window.__pwned = 1\"> <script>window.__pwned = 2</script> "
        f"[click](javascript:window.__pwned=3) The Zorblax relay station is staffed by three engineers.\n",
        encoding="utf-8")
    page = new_page(served.url)
    _upload(page, hostile)
    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "On which channel does the Zorblax relay station transmit?")
    for link in answer.locator("a.cite").all():
        link.click()
    page.wait_for_timeout(1500)
    shown = page.locator("#conversation").inner_html()
    beacon.shutdown()
    beacon.server_close()
    assert "zorblax.md" in sources_of(page).inner_text()
    assert page.evaluate("window.__pwned") is None
    assert _Beacon.hits == []
    assert page.locator("#conversation img[src*='127.0.0.1']").count() == 0
    assert "javascript:" not in page.evaluate(
        "[...document.querySelectorAll('#conversation a')].map(a => a.href).join(' ')")
    assert "<script" not in shown
    screenshot(page, "07-hostile-markup-shown-as-text")


def test_save_the_exchange_and_export_markdown(served: Served, new_page: Any) -> None:
    page = new_page(served.url)
    ask(page, "Which province was described as one of the birthplaces of China's modern pharmaceutical industry?")
    page.locator("#more").get_by_text("More").click()  # advanced actions sit in a closed section
    page.click("#save-case")
    page.wait_for_function("document.querySelector('#notice').innerText.includes('Saved')")
    saved = [json.loads(line) for line in served.saved_cases.read_text(encoding="utf-8").splitlines()]
    assert saved[-1]["question"].startswith("Which province")
    assert [c["source"] for c in saved[-1]["citations"]] == ["004_82b1c8eb0c802c48.txt"]
    replayed = subprocess.run([*CLI, "replay", str(served.saved_cases), "--mode", "rescore"], cwd=PROJECT_ROOT,
                              env=served.env, capture_output=True, text=True, timeout=300)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "identical" in replayed.stdout
    with page.expect_download() as download:
        page.click("#export")
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## 1. Which province" in exported
    assert "004_82b1c8eb0c802c48.txt" in exported


def test_settings_change_top_k(served: Served, new_page: Any) -> None:
    page = new_page(served.url)
    page.get_by_role("tab", name="Settings").click()
    assert page.locator("#model input").input_value().startswith("bundled")
    _apply_top_k(page, served, 3)
    screenshot(page, "08-settings")
    _apply_top_k(page, served, 4)


def _apply_top_k(page: Any, served: Served, k: int) -> None:
    """Type k into the top-k box, press Apply, see the status say so."""
    box = page.locator("#top-k input[type=number]")
    for _ in range(3):
        # A page still loading on a busy server can draw the box again with the server's value (CI saw
        # '5' once after typing 3): type again, as a person would who saw their number go.
        box.fill(str(k))
        box.press("Enter")
        page.wait_for_timeout(300)  # the box's value reaches the page's state before Apply reads it
        if box.input_value() == str(k):
            break
    assert box.input_value() == str(k), box.input_value()
    notice = "#settings-notice [data-testid=markdown]"
    page.evaluate(f"window.__before = (document.querySelector({notice!r}) || {{}}).innerText || ''")
    page.click("#apply")
    try:
        # Apply waits its turn behind any answer still being made on the shared server ("model" queue).
        page.wait_for_function(f"() => {{ const n = document.querySelector({notice!r});"
                               " return !!n && n.innerText.trim() && n.innerText !== window.__before; }",
                               timeout=120_000)
        page.wait_for_function("k => document.querySelector('#status').innerText.includes(`top-k ${k}`)", arg=k,
                               timeout=60_000)
    except Exception as exc:
        log = (served.folder / "serve.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        said = page.locator(notice).all_inner_texts()
        raise AssertionError(f"status never said top-k {k}; it says {page.locator('#status').inner_text()!r}; "
                             f"Apply said {said!r}; toasts: {page.locator('.toast-body').all_inner_texts()!r}; "
                             f"server log:\n{log}") from exc


def test_visitors_wait_their_turn_and_see_it(served: Served, new_page: Any) -> None:
    first, second = new_page(served.url), new_page(served.url)
    for page, question in ((first, "Which publication does the Pakistani editor Rao Abdul work for?"),
                          (second, "Which province was described as one of the birthplaces of China's modern "
                                   "pharmaceutical industry?")):
        page.wait_for_selector("#status:has-text('Ready')")  # a click before the page is wired does nothing
        page.fill("#question textarea", question)
    first.click("#ask")
    # the second question is sent once the first holds the model: sent at once, it could reach the queue first
    first.wait_for_function("document.querySelector('#conversation').innerText.includes('Searching the documents')"
                            f" || document.querySelectorAll({FINISHED!r}).length > 0")
    second.click("#ask")
    second.wait_for_selector("#conversation :text('Waiting for the model')")
    screenshot(second, "09-waiting-in-the-queue")
    for page in (first, second):
        page.wait_for_function(f"document.querySelectorAll({FINISHED!r}).length > 0", timeout=180_000)
    assert "Express Tribune" in first.locator("#conversation").inner_text()
    assert "Hebei" in second.locator("#conversation").inner_text()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s


def test_stop_ends_generation_and_the_cpu_goes_idle(tmp_path: Path, new_page: Any) -> None:
    # Long answers, so that there is something to stop.
    server = serve_seeds(tmp_path / "long", max_sentences="8", max_sentence_chars="400",
                         max_answer_tokens="600").wait()
    try:
        page = new_page(server.url)
        page.wait_for_selector("#status:has-text('Ready')")
        page.fill("#question textarea", "What did the foreign journalists see and say during their visits?")
        page.click("#ask")
        page.wait_for_selector("#conversation .streaming")
        page.click("#stop")
        stopped_at = time.monotonic()
        page.wait_for_selector("#conversation .stopped")
        stopped = page.locator("#conversation .stopped")
        # No fragment reads as the answer: the unchecked words are struck and folded away.
        assert stopped.inner_text().startswith("Stopped before the answer was checked, so there is no answer.")
        assert "(stopped)" not in stopped.inner_text()
        time.sleep(max(0.0, stopped_at + 2 - time.monotonic()))
        before = _cpu_seconds(server.process.pid)
        time.sleep(1.0)
        busy = _cpu_seconds(server.process.pid) - before
        assert busy < 0.25, f"the server used {busy:.2f} s of CPU in the second after Stop settled"
        screenshot(page, "10-stopped")
        answer = ask(page, "Which publication does the Pakistani editor Rao Abdul work for?")
        assert answer.locator("a.cite").count() >= 1
    finally:
        server.stop()


def test_banners_say_what_to_fix(tmp_path: Path, new_page: Any) -> None:
    (tmp_path / "empty").mkdir()
    empty = Served(tmp_path / "empty")
    (tmp_path / "nomodel").mkdir()
    missing = Served(tmp_path / "nomodel", model="no-such-model.gguf")
    try:
        page = new_page(empty.wait().url)
        page.wait_for_selector("#status:has-text('The index is empty')")
        screenshot(page, "11-banner-empty-index")
        page = new_page(missing.wait().url)
        page.wait_for_selector("#status:has-text('could not be loaded')")
        assert "no-such-model.gguf" in page.locator("#status").inner_text()
        screenshot(page, "12-banner-missing-model")
        assert "Traceback" not in (tmp_path / "nomodel" / "serve.log").read_text()
    finally:
        empty.stop()
        missing.stop()
