"""The indexing progress every page shows, and the embedder wrapper that reports it."""

from __future__ import annotations

from fakes import FakeEmbedder

from assistant.embedding import Reporting
from assistant.progress import Indexing


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_each_file_of_a_run_has_one_line_from_waiting_to_done() -> None:
    clock = Clock()
    now = Indexing(clock)
    assert not now.active() and now.lines() == [] and now.html() == ""
    now.begin(["a.txt", "b.md"])
    assert now.lines() == ["a.txt: waiting", "b.md: waiting"]
    now.reading(0)
    assert now.lines()[0] == "a.txt: reading the file…"
    clock.now += 300  # reading and cutting a large file: not counted in the rate
    now.embedded(0, 0, 400)
    assert now.lines()[0] == "a.txt: 0% · estimating the time left…"
    clock.now += 20
    now.embedded(0, 100, 400)
    assert now.lines()[0] == "a.txt: 25% · about 60 s left"
    clock.now += 400
    now.embedded(0, 200, 400)
    assert now.lines()[0] == "a.txt: 50% · about 7 min left"
    now.embedded(0, 399, 400)
    assert now.lines()[0].startswith("a.txt: 99% · about 2 s left")
    now.embedded(0, 400, 400)
    assert now.lines()[0] == "a.txt: 100% · writing to the index…"
    now.finished(0)
    now.reading(1)
    assert now.lines() == ["a.txt: done", "b.md: reading the file…"]
    now.end()
    assert not now.active() and now.html() == ""


def test_the_html_escapes_the_names_and_holds_one_bar_per_file() -> None:
    now = Indexing(Clock())
    now.begin(["<img src=x onerror=alert(1)>.txt", "two.txt"])
    now.reading(0)
    now.embedded(0, 1, 4)
    shown = now.html()
    assert "<img" not in shown and "&#60;img" in shown
    assert shown.count("<progress") == 2 and 'value="25"' in shown and 'value="0"' in shown


def test_a_reporter_is_bound_to_its_file() -> None:
    now = Indexing(Clock())
    now.begin(["a.txt", "b.txt"])
    now.reading(1)
    now.reporter(1)(0, 6)
    now.reporter(1)(3, 6)
    assert now.lines() == ["a.txt: waiting", "b.txt: 50% · less than a second left"]


def test_the_reporting_embedder_embeds_in_slices_and_gives_the_same_vectors() -> None:
    inner, seen = FakeEmbedder(), []
    texts = [f"text number {i}" for i in range(7)]
    reporting = Reporting(inner, lambda done, total: seen.append((done, total)), slice_size=3)
    assert reporting.name == inner.name
    assert reporting.embed(texts) == FakeEmbedder().embed(texts)
    assert [len(call) for call in inner.calls] == [3, 3, 1]
    assert seen == [(0, 7), (3, 7), (6, 7), (7, 7)]
    assert Reporting(inner, lambda d, t: seen.append((d, t))).embed([]) == [] and seen[-1] == (0, 0)


def test_the_time_left_follows_an_embedder_that_speeds_up() -> None:
    """The first slices of a run are often the slowest: the rate is read over the last few seconds."""
    clock = Clock()
    now = Indexing(clock)
    now.begin(["big.txt"])
    now.reading(0)
    now.embedded(0, 0, 400)
    clock.now += 20  # a slow start: 40 chunks in 20 s
    now.embedded(0, 40, 400)
    for done in (80, 120, 160):  # then 40 chunks every 2 s
        clock.now += 2
        now.embedded(0, done, 400)
    # 240 left at 20 a second: 12 s (the rate since the start, 160 in 26 s, would say 39 s)
    assert now.lines() == ["big.txt: 40% · about 12 s left"]
    clock.now += 5  # no report for 5 s: they count as spent
    assert now.lines() == ["big.txt: 40% · about 7 s left"]
