"""Past conversations as the browser keeps them: saved, listed newest first, opened, exported, deleted."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fakes import FakeGenerator, source_number

from assistant import rendering
from assistant.conversations import (
    DELETE,
    FORGOTTEN,
    KEPT,
    KEPT_BYTES,
    Last,
    Reopened,
    browser_secret,
    find,
    kept,
    merged,
    newest_first,
    opened,
    rows,
    stored_in_browser,
    title,
    without,
)
from assistant.types import Answer, Citation, Sentence, Timings
from assistant.web import Server, save_case
from assistant.wiring import Assistant


def _exchange(question: str, answer: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": rendering.question_html(question)}, {"role": "assistant", "content": answer}]


CITED = ('<div class="answer">The keeper is Imogen Varga <a class="cite" href="#src-2-1">[1]</a>.</div>'
         '<details class="source" id="src-2-1"><summary>[1] kestrel.md</summary></details>')


def test_a_conversation_is_kept_first_and_updated_in_place() -> None:
    one = kept([], "a", _exchange("Who keeps the lamp?", "Imogen."), [("Who keeps the lamp?", "Imogen.")],
               Last("Who keeps the lamp?"), now=1.0)
    two = kept(one, "b", _exchange("What is *Sinovac*?", "A firm."), [], None, now=2.0)
    assert rows(two) == [["What is *Sinovac*?", DELETE], ["Who keeps the lamp?", DELETE]]
    three = kept(two, "a", [*_exchange("Who keeps the lamp?", "Imogen."), *_exchange("Since when?", "2011.")],
                 [], None, now=3.0)
    assert [r["id"] for r in newest_first(three)] == ["a", "b"]
    assert len(three) == 2 and len(three[0]["messages"]) == 4


def test_an_empty_conversation_is_not_kept_and_only_the_newest_are() -> None:
    assert kept([], "a", [], [], None) == []
    stored: list = []
    for i in range(KEPT + 5):
        stored = kept(stored, f"c{i}", _exchange(f"question {i}", "answer"), [], None, now=float(i))
    assert len(stored) == KEPT
    assert rows(stored)[0][0] == f"question {KEPT + 4}" and rows(stored)[-1][0] == "question 5"


def test_the_oldest_go_first_when_the_list_would_outgrow_the_browsers_storage() -> None:
    long_answer = "Imogen Varga keeps the lamp. " * 4000  # about 116 kB of JSON, with its passages
    stored: list = []
    for i in range(KEPT):
        stored = kept(stored, f"c{i}", _exchange(f"question {i}", long_answer), [], None, now=float(i))
    size = len(json.dumps(stored, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    assert KEPT_BYTES - 120_000 < size <= KEPT_BYTES
    assert rows(stored)[0][0] == f"question {KEPT - 1}"
    assert [int(r["id"][1:]) for r in newest_first(stored)] == list(range(KEPT - 1, KEPT - 1 - len(stored), -1))
    huge = kept(stored, "big", _exchange("one more", "x" * (KEPT_BYTES + 1)), [], None, now=99.0)
    assert [r["id"] for r in huge] == ["big"]  # the conversation being kept stays, whatever its size


def test_the_title_is_the_first_question_as_plain_text_cut_to_a_line() -> None:
    messages = [*_exchange("Is 3 < 4 & \"true\"?", "yes"), *_exchange("second", "no")]
    assert title(messages) == 'Is 3 < 4 & "true"?'
    long = title(_exchange("word " * 40, "x"))
    assert len(long) == 80 and long.endswith("…")
    assert title([{"role": "user", "content": [{"type": "text", "text": "in parts"}]}]) == "in parts"


def test_opened_gives_the_messages_with_their_citations_renamed_the_turns_and_the_last_question() -> None:
    messages = [*_exchange("Who keeps the lamp?", CITED), *_exchange("Since when?", CITED.replace("src-2", "src-3"))]
    stored = kept([], "a", messages, [("Who keeps the lamp?", "Imogen [1]."), ("Since when?", "2011 [1].")],
                  Last("Since when?", [("Who keeps the lamp?", "Imogen [1].")], 1))
    shown, turns, done, last = opened(stored[0])
    assert 'href="#src-h1-1"' in shown[1]["content"] and 'id="src-h1-1"' in shown[1]["content"]
    assert 'href="#src-h3-1"' in shown[3]["content"] and 'id="src-h3-1"' in shown[3]["content"]
    assert "src-2-1" not in shown[1]["content"]  # an answer given after opening is numbered 1, 2, … again
    assert opened({"messages": shown, "turns": [], "last": None})[0] == shown  # opened again: the same ids
    assert turns == [("Who keeps the lamp?", "Imogen [1]."), ("Since when?", "2011 [1].")]
    assert done == [] and last == Last("Since when?", [("Who keeps the lamp?", "Imogen [1].")], 1)
    assert opened({"messages": [], "turns": []}) == ([], [], [], None)


def _reply(needle: str, words: str) -> Callable[[str, str | None], str]:
    return lambda prompt, grammar: f" {words} [{source_number(prompt, needle)}].\n"


def _asked(indexed: Assistant, generator: FakeGenerator) -> list[tuple[str, Answer]]:
    """Three checked answers as the page collects them: cited, cited, refused."""
    generator.queue(_reply("Calloway", "The engineering firm Calloway and Finch designed the new breakwater"))
    generator.queue(_reply("Reyes", "Its cider press was built by Tomas Reyes"))
    generator.queue(" The documents do not say.\n")
    done: list[tuple[str, Answer]] = []
    for question in ("Which firm designed the breakwater?", "Who built the cider press?",
                     "What colour are the penguins of Port Ellery?"):
        history = [(q, a.text) for q, a in done]
        done.append((question, indexed.ask(question, history)))
    assert [a.refused for _, a in done] == [False, False, True] and done[0][1].citations
    return done


PAGED = Answer("Marlow Optics replaced the lens. It cost 9 pounds.",
               (Citation(1, "report.pdf", "c1", "The lens was replaced by Marlow Optics.", 40, 79, (3, 4)),),
               False, (Sentence("Marlow Optics replaced the lens", (1,), True, highlight=(0, 13)),
                       Sentence("It cost 9 pounds", (1,), False, "numbers not in the source")),
               Timings(1.0, 2.0, 3.0), "Who replaced the lens?", "Who replaced the lens?")


def test_an_opened_conversation_exports_every_exchange_as_before(indexed: Assistant,
                                                                  generator: FakeGenerator) -> None:
    done = [*_asked(indexed, generator), ("Who replaced the lens?", PAGED)]
    messages = [m for q, a in done for m in _exchange(q, rendering.answer_html(a, 1))]
    turns = [(q, a.text) for q, a in done]
    stored = kept([], "a", messages, turns, Last(done[-1][0], turns[:-1], 3), done)
    in_browser = json.loads(json.dumps(stored))  # plain JSON, as the browser's storage holds it
    _, _, reopened, last = opened(in_browser[0])
    assert rendering.conversation_markdown(reopened) == rendering.conversation_markdown(done)
    assert [q for q, _ in reopened] == [q for q, _ in done]
    assert all(isinstance(a, Reopened) and not a.passages and not a.prompt for _, a in reopened)
    assert last is not None and last.exchanges == 3  # Edit and Regenerate keep the three answers before it
    kept_again = kept([], "a", messages, turns, last, reopened)  # kept again after opening: the same
    assert rendering.conversation_markdown(opened(kept_again[0])[2]) == rendering.conversation_markdown(done)


def test_a_record_kept_before_answers_were_still_opens() -> None:
    old = {"id": "a", "title": "Who keeps the lamp?", "at": 1.0, "messages": _exchange("Who keeps the lamp?", CITED),
           "turns": [["Who keeps the lamp?", "Imogen [1]."]],
           "last": {"text": "Who keeps the lamp?", "turns": []}}
    shown, turns, done, last = opened(old)
    assert len(shown) == 2 and turns == [("Who keeps the lamp?", "Imogen [1].")]
    assert done == [] and last == Last("Who keeps the lamp?", [], 0)  # its export holds what is asked next


def test_a_reopened_answer_is_not_saved_as_a_test_case_and_a_new_one_is(indexed: Assistant,
                                                                        generator: FakeGenerator) -> None:
    server = Server(indexed)
    done = _asked(indexed, generator)[:1]
    turns = [(q, a.text) for q, a in done]
    stored = kept([], "a", [m for q, a in done for m in _exchange(q, a.text)], turns, Last(done[0][0], [], 0), done)
    _, _, reopened, _ = opened(stored[0])
    target = indexed.settings.saved_cases
    assert save_case(server, reopened, turns).startswith("Not saved: this answer was given before")
    assert not target.exists()
    assert save_case(server, done, turns).startswith("Saved this exchange as test case")
    assert json.loads(target.read_text(encoding="utf-8"))["question"] == done[0][0]


def test_without_deletes_one() -> None:
    stored = kept([], "a", _exchange("one", "x"), [], None, now=1.0)
    stored = kept(stored, "b", _exchange("two", "y"), [], None, now=2.0)
    assert [r["id"] for r in newest_first(without(stored, "b", now=3.0))] == ["a"]
    assert rows(without(stored, "b", now=3.0)) == [["one", DELETE]]
    assert newest_first(without(stored, "nothing", now=3.0)) == newest_first(stored)


def _ids(stored: list) -> list[str]:
    return [r["id"] for r in newest_first(stored)]


def test_two_tabs_saving_in_turn_keep_both_and_a_deletion_outweighs_older_copies() -> None:
    tab_a: list = []  # both tabs loaded the empty list
    tab_b: list = []
    storage = tab_a = kept(merged(tab_a, []), "a", _exchange("one", "x"), [], None, now=1.0)
    storage = tab_b = kept(merged(tab_b, storage), "b", _exchange("two", "y"), [], None, now=2.0)
    assert _ids(storage) == ["b", "a"]  # the second tab's save kept the first tab's conversation

    storage = tab_a = without(merged(tab_a, storage), "a", now=3.0)  # deleted in the first tab
    assert _ids(tab_a) == ["b"] and rows(tab_a) == [["two", DELETE]]
    storage = tab_b = kept(merged(tab_b, storage), "c", _exchange("three", "z"), [], None, now=4.0)
    assert _ids(storage) == ["c", "b"], "the second tab's old copy brought the deleted conversation back"
    assert find(storage, "a") is None and find(storage, "b") is not None
    assert merged(storage, tab_a, [*tab_b, {"id": "b", "at": 0.5, "title": "an older copy"}]) == storage

    # Saved after its deletion (continued in a tab that had it open): the newer record wins.
    again = kept(merged(tab_b, storage), "a", _exchange("one", "x, again"), [], None, now=5.0)
    assert _ids(again) == ["a", "c", "b"] and find(again, "a") == again[0]


def test_merging_takes_the_newest_record_and_keeps_the_bounds() -> None:
    old = kept([], "a", _exchange("one", "old answer"), [], None, now=1.0)
    new = kept([], "a", _exchange("one", "new answer"), [], None, now=2.0)
    assert merged(old, new) == merged(new, old) == new
    many = [kept([], f"c{i}", _exchange(f"question {i}", "answer"), [], None, now=float(i))[0]
            for i in range(KEPT + 5)]
    assert _ids(merged(many[::2], many[1::2])) == [f"c{i}" for i in range(KEPT + 4, 4, -1)]
    deletions = [{"id": f"d{i}", "at": float(i), "deleted": True} for i in range(FORGOTTEN + 10)]
    remembered = merged(many[:3], deletions)
    assert _ids(remembered) == ["c2", "c1", "c0"]
    assert [r["id"] for r in remembered[3:]] == [f"d{i}" for i in range(FORGOTTEN + 9, 9, -1)]
    assert merged([{"title": "no id"}, "not a record", {"id": 3}], None) == []  # type: ignore[list-item]
    long_answer = "Imogen Varga keeps the lamp. " * 4000  # about 116 kB of JSON
    big = [kept([], f"c{i}", _exchange(f"question {i}", long_answer), [], None, now=float(i))[0]
           for i in range(KEPT)]
    bounded = merged(big[:15], big[15:])
    assert len(json.dumps(bounded).encode("utf-8")) <= KEPT_BYTES and _ids(bounded)[0] == f"c{KEPT - 1}"
    assert _ids(bounded) == [f"c{i}" for i in range(KEPT - 1, KEPT - 1 - len(bounded), -1)]


# As Chromium's Gradio page wrote [{"id": "c1", "title": "Wer hält die Lampe? ünïcödé ✓", "at": 1.5,
# "messages": [{"role": "user", "content": "x" * 100}]}, {"id": "c2", "at": 2.0, "deleted": True}] under
# the secret "s3cret-Key_value" (gr.BrowserState 6.31).
WRITTEN_BY_THE_PAGE = (
    "hR5kplzSfYUl1D4M0l71FA==:U2FsdGVkX1+B5Z1T1govz2A3edUb8vGtj+H52T2P7YQrbc/ED0jodipvsxx/9gfML5SWtAgsfJt0ZT/"
    "EL1RahLKNHAUi9tgCUqKbu2GzN0FIy6btxvQbYiY9gURL8pbtGrv+dz1v933201jfUCHYasLDZoTVimOHWsqdYknGJBxLnrRZB14hpe0w"
    "ogQCy0ObnFpOquWSwCw71VLJlFW/RXgyF3HanF1Xei7zuRPjXIfOBD9427+N3Adp859dgo6JLxmEzN37P40VsbX6gNfDiLqe2KLRguuCY3"
    "v6nCyjntM0+WCe5ABGSgy0o2WhofVLw539YkZzFX5Z2cjRd9rD3Uoj8lYaoE0bR0n56MqWrMM=")


def _sealed(plain: str, secret: str) -> str:
    """``plain`` as gr.BrowserState's script stores it (CryptoJS AES with a passphrase), for the test."""
    passphrase, salt = hashlib.sha256(secret.encode()).hexdigest().encode(), os.urandom(8)
    derived = block = b""
    while len(derived) < 48:
        block = hashlib.md5(block + passphrase + salt).digest()
        derived += block
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(derived[:32]), modes.CBC(derived[32:])).encryptor()
    body = encryptor.update(padder.update(plain.encode()) + padder.finalize()) + encryptor.finalize()
    return base64.b64encode(os.urandom(16)).decode() + ":" + base64.b64encode(b"Salted__" + salt + body).decode()


def test_the_list_is_read_from_the_string_the_page_stored() -> None:
    assert stored_in_browser(WRITTEN_BY_THE_PAGE, "s3cret-Key_value") == [
        {"id": "c1", "title": "Wer hält die Lampe? ünïcödé ✓", "at": 1.5,
         "messages": [{"role": "user", "content": "x" * 100}]},
        {"id": "c2", "at": 2.0, "deleted": True}]
    stored = kept([], "a", _exchange("Who keeps the lamp? ✓", CITED * 50), [], None, now=1.0)
    assert stored_in_browser(_sealed(json.dumps(stored), "key"), "key") == stored
    for unreadable in (None, "", "garbage", "a:b", WRITTEN_BY_THE_PAGE[:-8], _sealed('{"id": "a"}', "key"),
                       _sealed("not JSON", "key")):
        assert stored_in_browser(unreadable, "key") == []
    assert stored_in_browser(WRITTEN_BY_THE_PAGE, "another secret") == []


def test_the_browser_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = browser_secret(tmp_path / "data")
    assert len(first) >= 24 and browser_secret(tmp_path / "data") == first
    assert stat.S_IMODE((tmp_path / "data" / "browser-state.key").stat().st_mode) == 0o600
