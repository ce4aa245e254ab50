"""Evaluation: reading cases, judging answers, and the summary figures."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeGenerator, source_number

from assistant.errors import EvalError
from assistant.evaluation import Case, format_summary, is_correct, load_cases, looks_cut, run, summarise
from assistant.loaders import load_file
from assistant.settings import PROJECT_ROOT
from assistant.wiring import Assistant


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- load_cases -------------------------------------------------------------------------


def test_load_cases_reads_every_field_and_skips_blank_lines(tmp_path: Path) -> None:
    path = _write(tmp_path / "cases.jsonl", [
        json.dumps({"id": 1, "question": "Who?", "history": [["Q0", "A0"]],
                    "answer_any": [["Calloway", "Finch"]], "gold": ["harbour"], "unanswerable": False}),
        "",
        "   ",
        json.dumps({"id": "u1", "question": "Penguins?", "unanswerable": True}),
    ])
    assert load_cases(path) == [
        Case("1", "Who?", [("Q0", "A0")], [["Calloway", "Finch"]], ["harbour"], False),
        Case("u1", "Penguins?", [], [], [], True),
    ]


@pytest.mark.parametrize("bad", [
    '{"id": "x", "question": ',  # not JSON
    '{"id": "x"}',  # no question
    '["id", "question"]',  # not an object
    '{"id": "x", "question": "q", "history": [["only the user"]]}',  # history pairs
    '{"id": "x", "question": "q", "answer_any": 5}',  # not a list
])
def test_load_cases_names_the_malformed_line(tmp_path: Path, bad: str) -> None:
    good = json.dumps({"id": "a", "question": "q"})
    path = _write(tmp_path / "cases.jsonl", [good, "", bad, good])
    with pytest.raises(EvalError, match=r"cases\.jsonl:3: not a valid case"):
        load_cases(path)


def test_load_cases_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match="no such cases file"):
        load_cases(tmp_path / "nope.jsonl")


@pytest.mark.parametrize("field", ['"gold": "harbour.txt"', '"answer_any": ["six"]'],
                         ids=["gold", "answer_any"])
def test_load_cases_rejects_a_string_where_a_list_belongs(tmp_path: Path, field: str) -> None:
    path = _write(tmp_path / "cases.jsonl", ['{"id": "a", "question": "q", ' + field + "}"])
    with pytest.raises(EvalError, match=":1:"):
        load_cases(path)


EVAL = PROJECT_ROOT / "tests" / "eval"
CORPORA = sorted(p.name for p in EVAL.iterdir() if (p / "cases.jsonl").is_file())


@pytest.mark.parametrize(("cases_file", "docs"), [
    ("dev.jsonl", PROJECT_ROOT / "seeds"),
    ("seeds_blind.jsonl", PROJECT_ROOT / "seeds"),
    *((f"{name}/cases.jsonl", EVAL / name / "docs") for name in CORPORA),
], ids=["dev", "seeds_blind", *CORPORA])
def test_shipped_cases_are_sound(cases_file: str, docs: Path) -> None:
    """Ids unique; every answer string in a gold file (spacing aside: a hard-wrapped answer
    runs over a line break) as the assistant reads it (a PDF's text layer, an HTML page's main
    content, Markdown's backslash escapes and code marks read: "ADDR\\_IN\\_USE" is shown "ADDR_IN_USE"); unanswerable
    cases expect nothing; 30 cases or more."""
    cases = load_cases(EVAL / cases_file)
    assert len(cases) >= 30 and len({c.id for c in cases}) == len(cases)
    texts = {p.name: " ".join(_read(load_file(p).text, p.name).lower().split()) for p in docs.iterdir()}
    for case in cases:
        assert case.unanswerable != bool(case.answer_any), case.id
        assert case.unanswerable != bool(case.gold), case.id
        gold = [name for g in case.gold for name in texts if name.startswith(g)]
        assert len(gold) == len(case.gold), (case.id, case.gold)
        for alternative in case.answer_any:
            for needed in alternative:
                assert any(" ".join(needed.lower().split()) in texts[name] for name in gold), (case.id, needed)


def _read(text: str, name: str) -> str:
    """Markup's escapes and code marks dropped, as a unit is shown: an HTML page's ``<kbd>Alt</kbd>+<kbd>a</kbd>``
    is read as "`Alt`+`a`" and shown "Alt+a". A plain-text file's backslash is a backslash ("^\\ (Ctrl-\\).")."""
    if name.lower().endswith((".txt", ".pdf")):
        return re.sub(r"`([^`\n]+)`", r"\1", text)
    return re.sub(r"`([^`\n]+)`", r"\1", re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text))


# --- is_correct ---------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "answer_any", "ok"), [
    ("Calloway and Finch designed it [1].", [["calloway", "FINCH"]], True),  # case-insensitive, all of
    ("Calloway designed it [1].", [["Calloway", "Finch"]], False),  # one missing
    ("It was C&F [1].", [["Calloway", "Finch"], ["C&F"]], True),  # any alternative
    ("It cost 2,400,000 pounds.", [["2,400,000"]], True),
    ("It cost 2400000 pounds.", [["2,400,000"]], False),  # a substring test, not a number test
    ("Anything at all.", [], False),  # nothing to match
    ("It raises a\nValueError  now.", [["raises a ValueError"]], True),  # spacing aside
])
def test_is_correct(answer: str, answer_any: list[list[str]], ok: bool) -> None:
    assert is_correct(answer, answer_any) is ok


# --- summarise ------------------------------------------------------------------------------


def _result(
    answer: str, refused: bool, citations: list[tuple[int, str, str]], supplied: list[tuple[int, str]],
    supported: list[bool], retrieved: list[str], latency: float, fallback: bool = False,
) -> dict[str, Any]:
    return {
        "id": "x", "question": "q", "answer": answer, "refused": refused, "fallback": fallback,
        "citations": [{"n": n, "source": s, "chunk_id": c} for n, s, c in citations],
        "supplied": [{"n": n, "source": "?", "chunk_id": c, "score": 0.5} for n, c in supplied],
        "sentences": [{"text": "s", "markers": [1], "supported": ok, "reason": ""} for ok in supported],
        "retrieved": [{"source": s, "chunk_id": "?"} for s in retrieved],
        "standalone_question": "q", "latency_s": latency,
    }


CASES = [
    Case("c1", "Who designed it?", [], [["calloway", "finch"]], ["harbour"], False),
    Case("c2", "When?", [], [["1987"]], ["harbour.txt"], False),
    Case("c3", "How many?", [], [["42"]], ["orchard"], False),
    Case("c4", "Penguins?", [], [], [], True),
    Case("c5", "Moon?", [], [], [], True),
]
RESULTS = [
    # correct, one valid citation of a gold file, supported, gold retrieved
    _result("Calloway and Finch designed it [1].", False, [(1, "harbour.txt", "h1")], [(1, "h1"), (2, "o1")],
            [True], ["harbour.txt", "orchard.md"], 1.0),
    # wrong; cites a non-gold file validly and a gold file with an unsupplied marker; one supported sentence
    _result("It was 1988 [2]. Then [3].", False, [(2, "orchard.md", "o1"), (3, "harbour.txt", "zz")],
            [(1, "h1"), (2, "o1")], [False, True], ["orchard.md", "harbour.txt"], 3.0, fallback=True),
    # false refusal, gold not retrieved
    _result("The documents do not say.", True, [], [(1, "v1")], [], ["observatory.txt"], 2.0),
    # correct refusal
    _result("The documents do not say.", True, [], [], [], ["observatory.txt"], 5.0),
    # answered an unanswerable question, with a valid citation (no gold, so no precision figure)
    _result("The moon is near [1].", False, [(1, "observatory.txt", "v1")], [(1, "v1")], [True],
            ["observatory.txt"], 4.0),
]


def test_summarise_computes_each_figure() -> None:
    summary = summarise(CASES, RESULTS)
    assert summary == {
        "cases": 5,
        "answer_accuracy": pytest.approx(1 / 3),  # c1 only; c3 refused
        "correct_refusals": pytest.approx(1 / 2),  # c4 refused, c5 answered
        "false_refusals": pytest.approx(1 / 3),  # c3
        "citation_validity": pytest.approx(3 / 4),  # (3, zz) was not supplied
        "cited_doc_precision": pytest.approx(2 / 3),  # "harbour" prefix and "harbour.txt" hit; orchard not
        "supported_sentences": pytest.approx(2 / 3),  # answerable, not refused: [T] and [F, T]
        "retrieval_hit_at_k": pytest.approx(2 / 3),  # c3 retrieved no orchard file
        "fallbacks": 1,
        "median_latency_s": 3.0,
    }


def test_summarise_nothing_gives_no_figures() -> None:
    summary = summarise([], [])
    assert summary["cases"] == 0 and summary["fallbacks"] == 0
    assert all(v is None for k, v in summary.items() if k not in {"cases", "fallbacks"})


def test_summarise_median_of_an_even_count() -> None:
    assert summarise(CASES[:4], RESULTS[:4])["median_latency_s"] == 2.5


def test_format_summary() -> None:
    text = format_summary({"cases": 5, "answer_accuracy": 1 / 3, "cited_doc_precision": None,
                           "fallbacks": 1, "median_latency_s": 3.0})
    assert text.splitlines() == [
        "cases                5",
        "answer_accuracy      33%",
        "cited_doc_precision  n/a",
        "fallbacks            1",
        "median_latency_s     3.00 s",
    ]


# --- run with the fakes ---------------------------------------------------------------------


def test_run_and_summarise_with_the_fake_models(indexed: Assistant, generator: FakeGenerator) -> None:
    cases = [
        Case("a", "Which firm designed the breakwater?", [], [["Calloway", "Finch"]], ["harbour"], False),
        Case("u", "What do penguins eat in Antarctica?", [], [], [], True),
    ]
    generator.queue(lambda prompt, grammar: (
        f" Calloway and Finch designed the breakwater [{source_number(prompt, 'Calloway')}].\n"
    ))
    results = run(cases, indexed.ask)
    assert [r["id"] for r in results] == ["a", "u"]
    assert results[0]["citations"][0]["source"] == "harbour.txt"
    assert set(results[0]["citations"][0]) == {"n", "source", "chunk_id"}
    assert results[1]["refused"] is True
    summary = summarise(cases, results)
    assert summary["answer_accuracy"] == 1.0
    assert summary["correct_refusals"] == 1.0 and summary["false_refusals"] == 0.0
    assert summary["citation_validity"] == 1.0 and summary["cited_doc_precision"] == 1.0
    assert summary["retrieval_hit_at_k"] == 1.0 and summary["supported_sentences"] == 1.0
    json.dumps(results)  # the result lines are plain JSON


@pytest.mark.parametrize(("sentence", "cut"), [
    ("The 50 projects fall into the five categories of platforms,", True),
    ("It opened in 1998.", False),
    ("A password longer than 72 bytes now raises a", True),
    ("However, it does define some special ones which are", True),
    ("-procs at a time.", True),  # opens in the middle of a word
    ("-P max-procs: Run up to max-procs processes at a time.", False),
    ("-no-cookie: neither use stored cookies nor accept new ones", False),  # an option's name opens it
    ("All of today's screens should be much larger than that.", False),  # a pronoun ends it
    ("This option specifies what the chunk size should be.", False),  # a verb after a modal ends it
    ("The option that", True),
    ("Leave a day so that other members have a chance to weigh in.", False),  # a verb's particle ends it
    ("It is stored in", True),
])
def test_a_cut_phrase_is_told_from_a_whole_sentence(sentence: str, cut: bool) -> None:
    assert looks_cut(sentence) is cut
