"""Past conversations, kept in the visitor's browser and listed by their first question, newest first.

The server keeps nothing: the page holds the list in the browser's storage (a ``gr.BrowserState``)
as plain JSON records, and these functions make the new list from the old one:

>>> stored = kept([], "c1", [{"role": "user", "content": "Who keeps the lamp?"},
...                          {"role": "assistant", "content": "Imogen Varga [1]."}],
...               [("Who keeps the lamp?", "Imogen Varga [1].")], Last("Who keeps the lamp?", [], 0), now=1.0)
>>> rows(stored)
[['Who keeps the lamp?', 'Delete']]

A record holds the messages as the page showed them (citations and passages included, so an opened
conversation looks as it did), the turns a follow-up needs, the last question (for Regenerate and
Edit), and of each checked answer what Export writes: its text, sentences and citations. An opened
conversation exports every exchange, in order, as before it was kept. A record kept before answers
were (no ``exchanges``) still opens; its export holds what is asked after it is opened.

Every tab of the page holds the list it loaded, and a save writes a whole list. So each save and
each use of the list starts from what the storage holds at that moment, whichever tab wrote it: the
page's script reads the stored string and the server decrypts it (:func:`stored_in_browser`), and
:func:`merged` takes of each conversation its newest record. A deleted conversation is remembered
by a small record of its deletion (the newest :data:`FORGOTTEN`), which outweighs every older copy,
so a tab that loaded it before cannot bring it back; a conversation saved after its deletion stays.

Save as test case still covers only what is answered after opening (Regenerate makes the last
answer again, to save it). A test case is made of the passages given to the model with their
chunks, the prompt and the raw output: 11 kB for the median case in tests/recordings/, against the
1.7 kB a record keeps of it, for every exchange of :data:`KEPT` conversations. And its
fingerprint, taken when it is saved, could not vouch for an answer made days before over another
index. A reopened answer is a :class:`Reopened`, so the page tells it from one it can save.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from assistant.types import Answer, Citation, Sentence, Timings

KEPT = 30  # conversations a browser keeps; the oldest goes first
# Bytes of JSON the kept list may take. gr.BrowserState stores it encrypted and in base64 (4/3 as many
# characters), and a write past the origin's quota (5.2 million characters in Chromium) fails in the
# page's script with only a console message, losing the conversation. 2.5 MB is 3.3 million characters:
# 30 conversations of 20 questions take 2.7 MB (benchmarks/browser_storage.py), of 30 they would not fit.
KEPT_BYTES = 2_500_000
FORGOTTEN = 100  # deletions remembered (about 60 bytes each), so no tab brings the conversation back
TITLE_CHARS = 80
STORAGE_KEY = "assistant-conversations"  # the browser storage's key for the list (gr.BrowserState's)
DELETE = "Delete"  # the action in each row of the list
_KEY_FILE = "browser-state.key"
_SOURCE_ID = re.compile(r'(id="|href="#)src-[^-"]+-(\d+)"')

Record = dict[str, Any]
Turns = list[tuple[str, str]]
Exchanges = list[tuple[str, Answer]]


@dataclass(frozen=True)
class Last:
    """The conversation's last question: its text, the turns before it, and the answers before it."""

    text: str
    turns: Turns = field(default_factory=list)
    exchanges: int = 0


@dataclass(frozen=True)
class Reopened(Answer):
    """A checked answer rebuilt from a kept record: what the page's export shows of it, no more.

    It has no passages, hits, prompt or raw output (the record does not keep them; see the module's
    docstring), so it can be exported and continued from, never saved as a test case.
    """


def new_id() -> str:
    return uuid.uuid4().hex[:16]


def title(messages: list[dict[str, Any]]) -> str:
    """The first question, as plain text, cut to a line."""
    first = next((_text(m) for m in messages if m.get("role") == "user"), "")
    plain = " ".join(html.unescape(re.sub(r"<[^>]+>", "", first)).split())
    return plain if len(plain) <= TITLE_CHARS else plain[: TITLE_CHARS - 1].rstrip() + "…"


def kept(stored: list[Record] | None, key: str, messages: list[dict[str, Any]], turns: Turns,
         last: Last | None, exchanges: Exchanges | None = None, now: float | None = None) -> list[Record]:
    """``stored`` with conversation ``key`` saved as it is now, first in the list.

    ``exchanges``: the checked answers, each with its question, as the export takes them.
    A conversation with no question yet is not kept; at most :data:`KEPT` are, and the oldest go
    first while the list takes more than :data:`KEPT_BYTES` (the one being kept always stays).
    """
    if not any(m.get("role") == "user" for m in messages):
        return [r for r in stored or [] if r.get("id") != key]
    record = {"id": key, "title": title(messages), "at": time.time() if now is None else now,
              "messages": [{"role": m.get("role"), "content": _text(m)} for m in messages],
              "turns": [list(t) for t in turns],
              "exchanges": [_exchange_record(q, a) for q, a in exchanges or []],
              "last": None if last is None else {"text": last.text, "turns": [list(t) for t in last.turns],
                                                 "exchanges": last.exchanges}}
    return merged([r for r in stored or [] if r.get("id") != key], [record], first=key)


def merged(*lists: list[Record] | None, first: str | None = None) -> list[Record]:
    """One list of what ``lists`` hold (each tab's copy, the browser's storage): of each conversation the
    newest of its records and its deletion (a deletion outweighs a record of the same time).

    The conversations come newest first (``first``, the one being kept, before them all, and always
    kept), then the newest :data:`FORGOTTEN` deletions; bounded by :data:`KEPT` and :data:`KEPT_BYTES`
    as :func:`kept` says.
    """
    newest: dict[str, Record] = {}
    for record in (r for listed in lists for r in listed or []):
        key = record.get("id") if isinstance(record, dict) else None
        if not isinstance(key, str):
            continue
        held = newest.get(key)
        if held is None or (_at(record), _deleted(record)) > (_at(held), _deleted(held)):
            newest[key] = record
    deletions = sorted((r for r in newest.values() if _deleted(r)), key=_at, reverse=True)[:FORGOTTEN]
    out = sorted((r for r in newest.values() if not _deleted(r)),
                 key=lambda r: (r["id"] != first, -_at(r)))[:KEPT]
    while len(out) > 1 and _size([*out, *deletions]) > KEPT_BYTES:
        out.pop()  # the oldest
    return [*out, *deletions]


def _size(stored: list[Record]) -> int:
    """Bytes of ``stored`` as the page's script writes it (``JSON.stringify``, then UTF-8)."""
    return len(json.dumps(stored, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _at(record: Record) -> float:
    try:
        return float(record.get("at", 0))
    except (TypeError, ValueError):
        return 0.0


def _deleted(record: Record) -> bool:
    return bool(record.get("deleted"))


def rows(stored: list[Record] | None) -> list[list[str]]:
    """The list as the page shows it: each conversation's first question and its Delete action."""
    return [[str(r.get("title", "")), DELETE] for r in newest_first(stored)]


def newest_first(stored: list[Record] | None) -> list[Record]:
    """The conversations listed (not the deletions remembered), newest first."""
    return sorted((r for r in stored or [] if not _deleted(r)), key=_at, reverse=True)


def without(stored: list[Record] | None, key: str, now: float | None = None) -> list[Record]:
    """``stored`` with conversation ``key`` deleted: its record gives way to a record of its deletion."""
    held = max((_at(r) for r in stored or [] if r.get("id") == key), default=0.0)
    deletion = {"id": key, "at": max(time.time() if now is None else now, held), "deleted": True}
    return merged(stored, [deletion])


def find(stored: list[Record] | None, key: str) -> Record | None:
    """Conversation ``key``'s record, or None if it is not kept (or was deleted)."""
    return next((r for r in stored or [] if r.get("id") == key and not _deleted(r)), None)


def stored_in_browser(stored: str | None, secret: str) -> list[Record]:
    """The list that the browser's storage holds: ``stored`` is the string ``gr.BrowserState`` wrote there.

    Gradio's page encrypts the JSON with CryptoJS (``AES.encrypt`` with a passphrase): AES-256-CBC,
    the key and IV made from the passphrase, the SHA-256 of ``secret`` in hex, and 8 random bytes of
    salt by OpenSSL's EVP_BytesToKey (MD5, one round); stored as base64 of ``Salted__``, the salt and
    the ciphertext, after a base64 IV and a colon that the derivation leaves unused. Nothing there,
    another secret's or damaged: an empty list.
    """
    _, _, sealed = (stored or "").partition(":")
    try:
        data = base64.b64decode(sealed, validate=True)
        if len(data) < 32 or data[:8] != b"Salted__" or len(data) % 16:
            return []
        salt, body = data[8:16], data[16:]
        passphrase = hashlib.sha256(secret.encode("utf-8")).hexdigest().encode("ascii")
        derived = block = b""
        while len(derived) < 48:
            block = hashlib.md5(block + passphrase + salt, usedforsecurity=False).digest()
            derived += block
        decryptor = Cipher(algorithms.AES(derived[:32]), modes.CBC(derived[32:48])).decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        plain = unpadder.update(decryptor.update(body) + decryptor.finalize()) + unpadder.finalize()
        value = json.loads(plain.decode("utf-8"))
    except ValueError:  # base64, padding (another secret), UTF-8 and JSON errors are all ValueErrors
        return []
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def opened(record: Record) -> tuple[list[dict[str, Any]], Turns, Exchanges, Last | None]:
    """A kept conversation to show, export and continue: its messages, turns, checked answers, last question.

    The ids its citations open are renamed after each message's place (``src-h3-1``), so they can
    never be those of an answer given after it is opened (numbered on from the answers kept, from 1
    for a record that kept none).
    """
    messages = [{"role": m["role"], "content": _SOURCE_ID.sub(rf'\1src-h{i}-\2"', str(m["content"]))}
                for i, m in enumerate(record.get("messages", []))]
    turns = [(str(q), str(a)) for q, a in record.get("turns", [])]
    exchanges: Exchanges = [_reopened(saved) for saved in record.get("exchanges") or []]
    last = record.get("last")
    if not last:
        return messages, turns, exchanges, None
    # A record kept before answers were has no count: none of its answers come back, none come before.
    before = int(last.get("exchanges", 0))
    return messages, turns, exchanges, Last(str(last["text"]), [(str(q), str(a)) for q, a in last["turns"]], before)


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


def _exchange_record(question: str, answer: Answer) -> Record:
    """What the export shows of one checked answer (``rendering.answer_markdown``), as plain JSON."""
    return {"question": question, "standalone_question": answer.standalone_question, "text": answer.text,
            "refused": answer.refused,
            "sentences": [{"text": s.text, "markers": list(s.markers), "supported": s.supported, "reason": s.reason,
                           "highlight": list(s.highlight) if s.highlight else None} for s in answer.sentences],
            "citations": [{"n": c.n, "source": c.source, "chunk_id": c.chunk_id, "text": c.text, "start": c.start,
                           "end": c.end, "pages": list(c.pages)} for c in answer.citations]}


def _reopened(saved: Record) -> tuple[str, Answer]:
    """An exchange as :func:`_exchange_record` kept it: its question and its answer, a :class:`Reopened`."""
    question = str(saved["question"])
    sentences = tuple(Sentence(str(s["text"]), tuple(int(n) for n in s["markers"]), bool(s["supported"]),
                               str(s.get("reason", "")), _span(s.get("highlight")))
                      for s in saved.get("sentences", []))
    cited = tuple(Citation(int(c["n"]), str(c["source"]), str(c.get("chunk_id", "")), str(c["text"]),
                           int(c["start"]), int(c["end"]), tuple(int(p) for p in c.get("pages", [])))
                  for c in saved.get("citations", []))
    answer = Reopened(str(saved["text"]), cited, bool(saved["refused"]), sentences, Timings(), question,
                      str(saved.get("standalone_question", question)))
    return question, answer


def _span(highlight: Any) -> tuple[int, int] | None:
    return (int(highlight[0]), int(highlight[1])) if highlight else None


def _text(message: dict[str, Any]) -> str:
    """A chat message's text, whether its content is a string or a list of parts (as Gradio hands it back)."""
    content = message.get("content")
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")
