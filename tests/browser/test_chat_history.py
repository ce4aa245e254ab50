"""Regenerate, Edit, and past conversations kept in the browser (issue 13), in Chromium on the real models.

Regenerate asks the last question again in place of its answer; Edit puts it back in the box and,
sent, replaces the last exchange; both also while the answer is being made, and the old answer
never comes back. Conversations are kept in the browser's storage and listed by their first
question, newest first; one opened after a reload shows its citations as before and goes on, and
its export holds every exchange, those asked before the reload first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Served, screenshot
from tests.browser.test_chat_like_an_app import EDITOR, VACCINE, WATCH_REPLY, _running
from tests.browser.test_chat_page import FINISHED, ask

pytestmark = pytest.mark.integration

ECONOMY = "What did he say about Beijing's economy?"
USERS = "#conversation .user"


def _users(page: Any) -> list[str]:
    return [" ".join(t.split()) for t in page.locator(USERS).all_inner_texts()]


# Set when the conversation's last reply is seen under way (waiting, a stage, the draft) after it is installed:
# the question sent next was taken. Counting finished answers alone can pass before the page has taken it.
WATCH_TAKEN = f"""() => {{
  window.__taken = false;
  new MutationObserver(() => {{
    const bots = document.querySelectorAll('#conversation .bot .message-content');
    if (bots.length && !bots[bots.length - 1].querySelector({FINISHED!r})) window.__taken = true;
  }}).observe(document.querySelector('#conversation'), {{subtree: true, childList: true, characterData: true}});
}}"""


def _settled(page: Any, answers: int) -> None:
    """Wait until the question sent after :data:`WATCH_TAKEN` was installed is taken, then until ``answers``
    checked answers (or ends) are shown and the page takes questions again."""
    page.wait_for_function("window.__taken === true", timeout=180_000)
    page.wait_for_function(f"document.querySelectorAll({FINISHED!r}).length === {answers}", timeout=180_000)
    page.wait_for_selector("#ask:not([disabled])", timeout=180_000)
    page.wait_for_timeout(1500)  # anything still on its way from an old answer would show by now


def test_regenerate_replaces_the_last_answer(served: Served, new_page: Any) -> None:
    page = new_page(served.url)
    page.wait_for_selector("#status:has-text('Ready')")
    ask(page, EDITOR)
    ask(page, VACCINE)
    page.evaluate(WATCH_REPLY)
    page.evaluate(WATCH_TAKEN)
    page.click("#regenerate")
    _settled(page, 2)
    # the watcher records the last state after the page shows it: under load, later than the fixed wait
    page.wait_for_function("(window.__states || []).some(s => s.stage) && window.__states.at(-1).checked",
                           timeout=60_000)
    states = page.evaluate("window.__states")
    assert any(s["stage"] for s in states), "the last answer was not made again"
    assert states[-1]["checked"] and "Sinovac" in states[-1]["text"]
    assert _users(page) == [EDITOR, VACCINE], "the regenerated answer was appended, not put in place"
    assert page.locator(FINISHED).count() == 2
    screenshot(page, "13-regenerated")


def test_regenerate_while_the_answer_is_made(served: Served, new_page: Any) -> None:
    page = new_page(served.url)
    page.wait_for_selector("#status:has-text('Ready')")
    page.fill("#question textarea", VACCINE)
    page.click("#ask")
    _running(page)
    page.evaluate(WATCH_TAKEN)
    page.click("#regenerate")
    _settled(page, 1)
    assert _users(page) == [VACCINE]
    assert page.locator("#conversation .stopped").count() == 0, "the interrupted answer came back"
    assert "Sinovac" in page.locator(FINISHED).last.inner_text()


def test_edit_replaces_the_last_exchange(served: Served, new_page: Any) -> None:
    page = new_page(served.url)
    page.wait_for_selector("#status:has-text('Ready')")
    first = ask(page, EDITOR).inner_text()
    ask(page, ECONOMY)
    page.click("#edit")
    page.wait_for_function(f"document.querySelector('#question textarea').value === {ECONOMY!r}")
    page.fill("#question textarea", VACCINE)
    page.evaluate(WATCH_TAKEN)
    page.click("#ask")
    _settled(page, 2)
    assert _users(page) == [EDITOR, VACCINE], "the edited question was appended, not put in place"
    assert page.locator(FINISHED).first.inner_text() == first  # the exchange before it stays as it was
    assert "Sinovac" in page.locator(FINISHED).last.inner_text()


def test_edit_while_the_answer_is_made(served: Served, new_page: Any) -> None:
    page = new_page(served.url)
    page.wait_for_selector("#status:has-text('Ready')")
    page.fill("#question textarea", EDITOR)
    page.click("#ask")
    _running(page)
    page.click("#edit")
    page.wait_for_function(f"document.querySelector('#question textarea').value === {EDITOR!r}")
    page.fill("#question textarea", VACCINE)
    page.wait_for_selector("#ask:not([disabled])", timeout=180_000)  # the answer being made stops first
    page.evaluate(WATCH_TAKEN)
    page.click("#ask")
    _settled(page, 1)
    assert _users(page) == [VACCINE]
    shown = page.locator("#conversation").inner_text()
    assert "Rao Abdul" not in shown and "Stopped" not in shown, shown


def _past(page: Any) -> list[str]:
    """The first questions in the list of past conversations, as shown (newest first)."""
    page.wait_for_selector("#past-list")
    rows = page.locator("#past-list [role=row]:not([aria-rowindex='1'])")
    return [" ".join(rows.nth(i).locator("[role=gridcell]").first.inner_text().split())
            for i in range(rows.count())]


def _row(page: Any, title: str) -> Any:
    return page.locator("#past-list [role=row]", has_text=title).first


def _exported(page: Any) -> str:
    """The conversation as Export as Markdown downloads it (the More section open)."""
    with page.expect_download() as download:
        page.click("#export")
    return Path(download.value.path()).read_text(encoding="utf-8")


def test_conversations_are_kept_across_a_reload_and_go_on(served: Served, new_page: Any) -> None:
    page = new_page(served.url)
    page.evaluate("localStorage.clear()")  # the browser is shared with the other tests, which keep theirs
    page.reload()
    page.wait_for_selector("#status:has-text('Ready')")
    assert _past(page) == []
    ask(page, EDITOR)
    page.click("#new")  # the page clears when the server answers; ask() counts answers from then on
    page.wait_for_function(f"document.querySelectorAll({FINISHED!r}).length === 0")
    ask(page, VACCINE)
    page.wait_for_function(f"document.querySelector('#past-list').innerText.includes({VACCINE[:30]!r})")
    page.reload()
    page.wait_for_selector("#status:has-text('Ready')")
    page.wait_for_function(f"document.querySelector('#past-list').innerText.includes({EDITOR[:30]!r})")
    listed = _past(page)
    assert VACCINE in listed and EDITOR in listed, listed
    assert listed.index(VACCINE) < listed.index(EDITOR), f"not newest first: {listed}"
    assert page.locator(USERS).count() == 0  # a reload starts a new conversation; the old ones are listed

    _row(page, EDITOR).locator("[role=gridcell]").first.click()
    page.wait_for_function(f"document.querySelectorAll({FINISHED!r}).length === 1")
    assert _users(page) == [EDITOR]
    page.locator("#conversation a.cite").first.click()  # its citation opens its passage as before
    page.wait_for_selector("#conversation details.source[open]")
    page.locator("#more").get_by_text("More").click()
    exported = _exported(page)  # the exchange asked before the reload, with its cited passage
    assert f"## 1. {EDITOR}" in exported and "\n- [" in exported, exported
    page.click("#save-case")  # a reopened answer has no passages or prompt to make a test case of
    page.wait_for_function("document.querySelector('#notice').innerText.includes('Not saved')")
    ask(page, ECONOMY)  # the follow-up continues it
    assert _users(page) == [EDITOR, ECONOMY]
    page.locator("#conversation a.cite").last.click()
    opened = page.locator("#conversation details.source[open]")
    assert opened.count() >= 1
    exported = _exported(page)
    assert exported.index(f"## 1. {EDITOR}") < exported.index(f"## 2. {ECONOMY}"), exported
    screenshot(page, "13-past-conversation-opened")
    first = "#past-list [role=row]:not([aria-rowindex='1']) [role=gridcell]"
    page.wait_for_function(f"document.querySelector({first!r}).innerText.includes({EDITOR[:30]!r})")
    assert sum(t == EDITOR for t in _past(page)) == 1, "the conversation was kept twice"

    _row(page, VACCINE).locator("[role=gridcell]").last.click()  # Delete
    page.wait_for_function(f"!document.querySelector('#past-list').innerText.includes({VACCINE[:30]!r})")
    page.reload()
    page.wait_for_selector("#status:has-text('Ready')")
    page.wait_for_function(f"document.querySelector('#past-list').innerText.includes({EDITOR[:30]!r})")
    assert VACCINE not in _past(page)
