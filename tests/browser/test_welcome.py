"""The first thing a visitor sees (issue 13 item 9), in a real browser on the real models: the documents
and questions to start from, the cursor in the question box, and a useful reply to "hello" or
"what is in here?" rather than a refusal. Messages in plain words, advanced actions out of the way.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Served, screenshot
from tests.browser.test_chat_page import FINISHED

pytestmark = pytest.mark.integration

TITLES = ["Fifty high-end projects signed with Daxing district",
          "Industry-speakers talk about the development of Beijing-Tianjin-Hebei bio-pharmaceutical industry"]


def _reply(page: Any, message: str) -> Any:
    """Send ``message`` and wait for the reply that says what the documents are."""
    before = page.locator("#conversation .overview").count()
    page.fill("#question textarea", message)
    page.click("#ask")
    page.wait_for_function(f"document.querySelectorAll('#conversation .overview').length > {before}")
    return page.locator("#conversation .overview").last


def test_first_load_shows_the_documents_and_questions_to_start_from(served: Served, new_page: Any) -> None:
    page = new_page(served.url)
    page.wait_for_selector("#status:has-text('Ready')")
    welcome = page.locator("#conversation")
    for title in TITLES:
        welcome.get_by_text(title, exact=False).first.wait_for()
    # As many as the status line counts (other tests of the session may have added some).
    count = re.search(r"(\d+) documents", page.locator("#status").inner_text())
    assert count and f"Ask about the {count.group(1)} documents indexed here" in welcome.inner_text()
    assert page.evaluate("document.activeElement === document.querySelector('#question textarea')")
    suggestions = welcome.locator("button.example")
    assert 1 <= suggestions.count() <= 3, welcome.inner_html()[:2000]
    assert all(s.startswith("What do the documents say about") for s in suggestions.all_inner_texts())
    assert page.locator("#save-case").is_hidden(), "advanced actions stand among the main buttons"
    screenshot(page, "13-first-load")
    suggestions.first.click()  # asked as if typed, and answered from the documents
    page.wait_for_function(f"document.querySelectorAll({FINISHED!r}).length > 0", timeout=180_000)
    assert page.locator("#conversation .user").count() == 1
    assert page.locator("#conversation .user").first.inner_text().startswith("What do the documents say about")


@pytest.mark.parametrize("message", ["hello", "What are these documents about?", "what is in here?"])
def test_a_greeting_or_what_is_in_here_gets_the_list_of_documents(served: Served, new_page: Any,
                                                                   message: str) -> None:
    page = new_page(served.url)
    page.wait_for_selector("#status:has-text('Ready')")
    reply = _reply(page, message)
    text = reply.inner_text()
    for title in TITLES:
        assert title in text, text
    assert "Beijing Foreign Affairs Office" in text or "September 30" in text or "Daxing" in text  # what they cover
    assert "do not say" not in text
    assert page.locator("#conversation .refusal").count() == 0
    page.wait_for_selector("#ask:not([disabled])")
    if message == "hello":
        screenshot(page, "13-hello")
