"""Past conversations as the browser keeps them: saved, listed newest first, opened, deleted."""

from __future__ import annotations

import stat
from pathlib import Path

from assistant import rendering
from assistant.conversations import DELETE, KEPT, Last, browser_secret, kept, newest_first, opened, rows, title, without


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
    shown, turns, last = opened(stored[0])
    assert 'href="#src-h1-1"' in shown[1]["content"] and 'id="src-h1-1"' in shown[1]["content"]
    assert 'href="#src-h3-1"' in shown[3]["content"] and 'id="src-h3-1"' in shown[3]["content"]
    assert "src-2-1" not in shown[1]["content"]  # an answer given after opening is numbered 1, 2, … again
    assert opened({"messages": shown, "turns": [], "last": None})[0] == shown  # opened again: the same ids
    assert turns == [("Who keeps the lamp?", "Imogen [1]."), ("Since when?", "2011 [1].")]
    assert last == Last("Since when?", [("Who keeps the lamp?", "Imogen [1].")], 0)
    assert opened({"messages": [], "turns": []}) == ([], [], None)


def test_without_deletes_one() -> None:
    stored = kept([], "a", _exchange("one", "x"), [], None, now=1.0)
    stored = kept(stored, "b", _exchange("two", "y"), [], None, now=2.0)
    assert [r["id"] for r in without(stored, "b")] == ["a"]
    assert without(stored, "nothing") == stored


def test_the_browser_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = browser_secret(tmp_path / "data")
    assert len(first) >= 24 and browser_secret(tmp_path / "data") == first
    assert stat.S_IMODE((tmp_path / "data" / "browser-state.key").stat().st_mode) == 0o600
