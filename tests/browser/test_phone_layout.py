"""The chat page on a phone's screen (issue 13, item 10), 390×844 CSS pixels, in a real browser: the
question box in the first screen, the chat buttons in one row, the documents table readable, the
welcome's list of documents above its suggestions, not under them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Served, screenshot

pytestmark = pytest.mark.integration

PHONE = {"width": 390, "height": 844}
ONE_LINE = "e => { const r = document.createRange(); r.selectNodeContents(e); return r.getClientRects().length === 1; }"


@pytest.fixture()
def phone(served: Served, new_page: Any) -> Any:
    page = new_page(served.url)
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("#status:has-text('Ready')")
    page.wait_for_selector("#conversation button.example")
    page.evaluate("window.scrollTo(0, 0)")
    return page


def test_the_question_box_and_the_buttons_fit_the_first_screen(phone: Any) -> None:
    box = phone.locator("#question textarea").bounding_box()
    assert phone.evaluate("scrollY") == 0
    assert box["y"] + box["height"] <= PHONE["height"], f"the question box is below the fold: {box}"
    buttons = [phone.locator(f"#{name}").bounding_box() for name in ("ask", "stop", "new")]
    assert len({round(b["y"]) for b in buttons}) == 1, f"the buttons are stacked: {buttons}"
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"] for b in buttons)
    for name in ("ask", "stop", "new"):
        assert phone.locator(f"#{name}").evaluate("b => b.scrollWidth <= b.clientWidth"), f"#{name} text overflows"
    frame = phone.locator("#conversation").bounding_box()
    listed = phone.locator("#conversation .placeholder").bounding_box()
    assert frame["y"] <= listed["y"] <= frame["y"] + 60, "the welcome does not start at its list of documents"
    opening = phone.locator("#conversation .placeholder p").first.bounding_box()
    assert opening["y"] >= listed["y"] - 1, "the start of the welcome is cut off above its box"
    first = phone.locator("#conversation button.example").first.bounding_box()
    assert listed["y"] + listed["height"] <= first["y"] + 1, "the suggestions cover the list of documents"
    assert phone.locator("#save-case").is_hidden()
    screenshot(phone, "13-phone-chat")


def test_the_documents_table_is_readable_on_a_phone(phone: Any) -> None:
    phone.get_by_role("tab", name="Documents").click()
    phone.wait_for_selector("#documents [role=gridcell]")
    grid = phone.locator("#documents [role=grid]")
    assert grid.evaluate("g => g.scrollWidth <= g.clientWidth + 1"), "the table is wider than the screen"
    rows = phone.locator("#documents [role=row]:not([aria-rowindex='1'])")
    assert rows.count() >= 5
    for i in range(rows.count()):
        cells = rows.nth(i).locator("[role=gridcell]")
        title, action = cells.first.bounding_box(), cells.last.bounding_box()
        assert title["width"] >= 120, f"the title column is squeezed: {title}"
        assert action["x"] + action["width"] <= PHONE["width"], "the Remove action is off the screen"
        assert cells.last.locator("span").first.evaluate(ONE_LINE), "'Remove' is broken over two lines"
    screenshot(phone, "13-phone-documents")
