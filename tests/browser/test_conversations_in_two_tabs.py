"""Two tabs of the page open at once keep their past conversations in one browser storage (issue 13).

Each tab saves, and uses its list, from what the storage holds at that moment, so neither loses
what the other kept, and a conversation deleted in one does not come back from the other: not when
the other saves, nor when it is clicked in the other's list, which then shows the list as it is.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Served
from tests.browser.test_chat_history import ECONOMY, _past, _row
from tests.browser.test_chat_like_an_app import EDITOR, VACCINE
from tests.browser.test_chat_page import ask

pytestmark = pytest.mark.integration


def _listed(page: Any, question: str) -> None:
    page.wait_for_function(f"document.querySelector('#past-list').innerText.includes({question[:30]!r})")


def _ready(page: Any) -> None:
    page.wait_for_selector("#status:has-text('Ready')")
    page.wait_for_timeout(500)  # the list read from the browser's storage is shown by now


def test_two_tabs_keep_each_others_conversations_and_deletions(served: Served, new_page: Any) -> None:
    first = new_page(served.url)
    first.evaluate("localStorage.clear()")  # the browser is shared with the other tests, which keep theirs
    first.reload()
    _ready(first)
    second = new_page(served.url)  # both tabs open now, both with the empty list
    _ready(second)
    assert _past(first) == [] and _past(second) == []

    ask(first, EDITOR)
    _listed(first, EDITOR)
    ask(second, VACCINE)  # the second tab saves after the first, from the list it loaded
    _listed(second, VACCINE)
    _listed(second, EDITOR)  # it picked up the first tab's conversation when it saved
    for page in (first, second):
        page.reload()
        _ready(page)
        listed = _past(page)
        assert EDITOR in listed and VACCINE in listed, listed

    _row(second, EDITOR).locator("[role=gridcell]").last.click()  # Delete, in the second tab
    second.wait_for_function(f"!document.querySelector('#past-list').innerText.includes({EDITOR[:30]!r})")
    ask(first, ECONOMY)  # the first tab still lists it, and saves a new conversation
    _listed(first, ECONOMY)
    assert EDITOR not in _past(first), "the conversation deleted in the other tab came back"

    _row(first, VACCINE).locator("[role=gridcell]").last.click()  # Delete, in the first tab
    first.wait_for_function(f"!document.querySelector('#past-list').innerText.includes({VACCINE[:30]!r})")
    _row(second, VACCINE).locator("[role=gridcell]").first.click()  # the second tab still lists it: open it
    second.wait_for_function("document.querySelector('#notice').innerText.includes('deleted in another tab')")
    assert _past(second) == [ECONOMY], "the list used did not pick up the other tab's changes"
    assert second.locator("#conversation .user").count() == 0  # nothing was opened
    for page in (first, second):
        page.reload()
        _ready(page)
        assert _past(page) == [ECONOMY]
