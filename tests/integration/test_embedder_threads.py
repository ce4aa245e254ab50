"""The real embedder used from two threads at once, as the page does while a file is added.

A question's embedding and an upload's slices meet in one SentenceTransformerEmbedder: each must
get the vectors it would get alone, and neither may fail.
"""

from __future__ import annotations

import threading

import pytest

from assistant.embedding import Reporting, SentenceTransformerEmbedder

pytestmark = pytest.mark.integration

LONG = [f"On day {i} the harbour master recorded {i * 37} crates of timber unloaded at berth {i % 41}. " * (1 + i % 5)
        for i in range(64)]
SHORT = ["Who keeps the Kestrel Point lighthouse?", "How many doses of its Covid-19 vaccine has Sinovac shipped?"]


def test_two_threads_get_the_vectors_each_gets_alone() -> None:
    embedder = SentenceTransformerEmbedder()
    alone_long, alone_short = embedder.embed(LONG), embedder.embed(SHORT)
    indexing = Reporting(embedder, lambda done, total: None, slice_size=8)
    problems: list[str] = []
    results: dict[str, list[list[list[float]]]] = {"long": [], "short": []}

    def run(name: str, texts: list[str], times: int, embed: object) -> None:
        for _ in range(times):
            try:
                results[name].append(embed(texts))  # type: ignore[operator]
            except Exception as exc:  # noqa: BLE001  (any failure of either thread is the finding)
                problems.append(repr(exc))

    threads = [threading.Thread(target=run, args=("long", LONG, 4, indexing.embed)),
               threading.Thread(target=run, args=("short", SHORT, 40, embedder.embed))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    assert len(results["long"]) == 4 and len(results["short"]) == 40

    def apart(a: list[list[float]], b: list[list[float]]) -> float:
        return max(abs(x - y) for u, v in zip(a, b, strict=True) for x, y in zip(u, v, strict=True))

    assert max(apart(got, alone_short) for got in results["short"]) == 0.0
    # Embedded in slices of 8 rather than at once: the same vectors up to float rounding.
    assert max(apart(got, alone_long) for got in results["long"]) < 1e-5
