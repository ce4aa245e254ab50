"""Past conversations, kept in the visitor's browser and listed by their first question, newest first.

The server keeps nothing: the page holds the list in the browser's storage (a ``gr.BrowserState``)
as plain JSON records, and these functions make the new list from the old one:

>>> stored = kept([], "c1", [{"role": "user", "content": "Who keeps the lamp?"},
...                          {"role": "assistant", "content": "Imogen Varga [1]."}],
...               [("Who keeps the lamp?", "Imogen Varga [1].")], Last("Who keeps the lamp?", [], 0), now=1.0)
>>> rows(stored)
[['Who keeps the lamp?', 'Delete']]

A record holds the messages as the page showed them (citations and passages included, so an opened
conversation looks as it did), the turns a follow-up needs, and the last question (for Regenerate
and Edit). Not the checked answers themselves: Save as test case and Export cover what is asked
after a conversation is opened again.
"""

from __future__ import annotations

import html
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEPT = 30  # conversations a browser keeps; the oldest goes first
TITLE_CHARS = 80
DELETE = "Delete"  # the action in each row of the list
_KEY_FILE = "browser-state.key"
_SOURCE_ID = re.compile(r'(id="|href="#)src-[^-"]+-(\d+)"')

Record = dict[str, Any]
Turns = list[tuple[str, str]]


@dataclass(frozen=True)
class Last:
    """The conversation's last question: its text, the turns before it, and the answers before it."""

    text: str
    turns: Turns = field(default_factory=list)
    exchanges: int = 0


def new_id() -> str:
    return uuid.uuid4().hex[:16]


def title(messages: list[dict[str, Any]]) -> str:
    """The first question, as plain text, cut to a line."""
    first = next((_text(m) for m in messages if m.get("role") == "user"), "")
    plain = " ".join(html.unescape(re.sub(r"<[^>]+>", "", first)).split())
    return plain if len(plain) <= TITLE_CHARS else plain[: TITLE_CHARS - 1].rstrip() + "…"


def kept(stored: list[Record] | None, key: str, messages: list[dict[str, Any]], turns: Turns,
         last: Last | None, now: float | None = None) -> list[Record]:
    """``stored`` with conversation ``key`` saved as it is now, first in the list.

    A conversation with no question yet is not kept; at most :data:`KEPT` are.
    """
    others = [r for r in stored or [] if r.get("id") != key]
    if not any(m.get("role") == "user" for m in messages):
        return others
    record = {"id": key, "title": title(messages), "at": time.time() if now is None else now,
              "messages": [{"role": m.get("role"), "content": _text(m)} for m in messages],
              "turns": [list(t) for t in turns],
              "last": None if last is None else {"text": last.text, "turns": [list(t) for t in last.turns]}}
    return [record, *others][:KEPT]


def rows(stored: list[Record] | None) -> list[list[str]]:
    """The list as the page shows it: each conversation's first question and its Delete action."""
    return [[str(r.get("title", "")), DELETE] for r in newest_first(stored)]


def newest_first(stored: list[Record] | None) -> list[Record]:
    return sorted(stored or [], key=lambda r: float(r.get("at", 0)), reverse=True)


def without(stored: list[Record] | None, key: str) -> list[Record]:
    return [r for r in stored or [] if r.get("id") != key]


def opened(record: Record) -> tuple[list[dict[str, Any]], Turns, Last | None]:
    """A kept conversation to show and continue: its messages, its turns, its last question.

    The ids its citations open are renamed after each message's place (``src-h3-1``), so they can
    never be those of an answer given after it is opened (numbered from 1 again).
    """
    messages = [{"role": m["role"], "content": _SOURCE_ID.sub(rf'\1src-h{i}-\2"', str(m["content"]))}
                for i, m in enumerate(record.get("messages", []))]
    turns = [(str(q), str(a)) for q, a in record.get("turns", [])]
    last = record.get("last")
    if not last:
        return messages, turns, None
    # The answers before the last question are not kept (see the module's docstring): none are counted.
    return messages, turns, Last(str(last["text"]), [(str(q), str(a)) for q, a in last["turns"]], 0)


def browser_secret(folder: Path) -> str:
    """The key the browser's copy is encrypted with: kept in the data folder, so a restart can read it.

    Made once (mode 0600). A folder that cannot be written gets a key for this run only: the
    conversations kept then are not readable after a restart, and nothing else breaks.
    """
    path = folder / _KEY_FILE
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        pass
    key = secrets.token_urlsafe(24)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(key, encoding="utf-8")
    except OSError:
        pass
    return key


def _text(message: dict[str, Any]) -> str:
    """A chat message's text, whether its content is a string or a list of parts (as Gradio hands it back)."""
    content = message.get("content")
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")
