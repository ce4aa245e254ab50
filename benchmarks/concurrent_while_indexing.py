"""Eight conversations of five turns at once against a running page while `assistant index` writes.

    .venv/bin/python benchmarks/concurrent_while_indexing.py [--conversations 8] [--turns 5] [--kb 1500]

Serves seeds/ (indexed into a temporary folder) with the bundled models. The 40 questions are the
first questions of tests/eval/dev.jsonl, five consecutive ones per conversation, each conversation
one gradio_client session (its history lives on the server). First every conversation is asked
alone, one after another (the reference); then all at once while `assistant index` adds a generated
text file of ``--kb`` KB to the same data folder in another process. Printed: per conversation the
answers that came back, those equal to the reference (no cross-talk: a conversation's answers do not
depend on the others running beside it), the errors, and the answer times; then p50/p95/max over all
answers of each phase and how long the index run overlapped the conversations. Wall-clock times on
a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.settings import PROJECT_ROOT  # noqa: E402
from tests.browser.conftest import CLI, serve_seeds  # noqa: E402

Result = tuple[list[str], list[float], list[str]]  # answers, seconds per answer, errors


def _questions(n: int) -> list[str]:
    lines = (PROJECT_ROOT / "tests" / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    return [c["question"] for c in cases if not c["history"]][:n]


def _converse(url: str, questions: list[str]) -> Result:
    from gradio_client import Client

    client = Client(url, verbose=False)
    answers, seconds, errors = [], [], []
    messages: list[object] = []
    for question in questions:
        start = time.monotonic()
        try:
            messages, *_ = client.predict(question, messages, api_name="/ask")
            answers.append(json.dumps(messages[-1], ensure_ascii=False, sort_keys=True))
        except Exception as exc:  # reported in the table, not raised: the run goes on
            answers.append("")
            errors.append(f"{type(exc).__name__}: {exc}")
        seconds.append(time.monotonic() - start)
    client.close()
    return answers, seconds, errors


def _filler(path: Path, kb: int) -> None:
    """Plain text about nothing in seeds/, so the new file does not change the reference answers."""
    words = ["lighthouse", "keeper", "lamp", "tide", "gull", "rope", "lantern", "storm", "cliff", "signal"]
    sentences = []
    i = 0
    while sum(len(s) for s in sentences) < kb * 1000:
        w = [words[(i * k + k) % len(words)] for k in range(1, 9)]
        sentences.append(f"The {w[0]} saw the {w[1]} near the {w[2]} after the {w[3]} number {i}. ")
        if i % 6 == 5:
            sentences.append("\n\n")
        i += 1
    path.write_text("".join(sentences), encoding="utf-8")


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=8)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--kb", type=int, default=1500, help="size of the file indexed meanwhile")
    args = parser.parse_args()
    questions = _questions(args.conversations * args.turns)
    plan = [questions[i * args.turns:(i + 1) * args.turns] for i in range(args.conversations)]
    with tempfile.TemporaryDirectory(prefix="concurrent-") as scratch:
        folder = Path(scratch)
        served = serve_seeds(folder / "served").wait()
        try:
            _converse(served.url, plan[0][:1])  # warm-up: the model loaded
            reference = [_converse(served.url, qs) for qs in plan]
            extra = folder / "extra" / "lighthouse.txt"
            extra.parent.mkdir()
            _filler(extra, args.kb)
            index_times: dict[str, float] = {}

            def index() -> None:
                index_times["start"] = time.monotonic()
                done = subprocess.run([*CLI, "index", str(extra)], cwd=PROJECT_ROOT, capture_output=True,
                                      text=True, env={**os.environ, **served.env}, timeout=3600)
                index_times["end"] = time.monotonic()
                index_times["ok"] = float(done.returncode == 0 and "added 1" in done.stdout)

            indexer = threading.Thread(target=index)
            start = time.monotonic()
            indexer.start()
            with ThreadPoolExecutor(max_workers=args.conversations) as pool:
                concurrent = list(pool.map(lambda qs: _converse(served.url, qs), plan))
            end = time.monotonic()
            indexer.join()
            alive = served.process.poll() is None
        finally:
            served.stop()
    _report(plan, reference, concurrent, start, end, index_times, alive, args.kb)


def _report(plan: list[list[str]], reference: list[Result], concurrent: list[Result], start: float, end: float,
            index_times: dict[str, float], alive: bool, kb: int) -> None:
    print(f"\n{len(plan)} conversations x {len(plan[0])} turns, at once, while `assistant index` adds a "
          f"{kb} KB text file\n")
    print("| conversation | answered | equal to asked alone | errors | median s | max s |")
    print("|---|---|---|---|---|---|")
    for i, ((ref, _, _), (got, seconds, errors)) in enumerate(zip(reference, concurrent, strict=True), 1):
        answered = sum(1 for a in got if a)
        equal = sum(1 for a, b in zip(ref, got, strict=True) if a and a == b)
        print(f"| {i} | {answered}/{len(got)} | {equal}/{len(got)} | {len(errors)} | "
              f"{statistics.median(seconds):.1f} | {max(seconds):.1f} |")
    for name, results in (("alone, one after another", reference), ("8 at once while indexing", concurrent)):
        times = [s for _, seconds, _ in results for s in seconds]
        print(f"\n{name}: {len(times)} answers, p50 {_percentile(times, 50):.1f} s, "
              f"p95 {_percentile(times, 95):.1f} s, max {max(times):.1f} s")
    total = sum(len(g) for g, _, _ in concurrent)
    answered = sum(1 for g, _, _ in concurrent for a in g if a)
    equal = sum(1 for (r, _, _), (g, _, _) in zip(reference, concurrent, strict=True)
                for a, b in zip(r, g, strict=True) if a and a == b)
    overlap = max(0.0, min(end, index_times.get("end", start)) - max(start, index_times.get("start", end)))
    print(f"\nanswered {answered}/{total}; equal to the conversation asked alone {equal}/{total}; "
          f"errors: {[e for _, _, es in concurrent for e in es][:3]}")
    print(f"index run: {index_times.get('end', 0) - index_times.get('start', 0):.1f} s, "
          f"{'added the file' if index_times.get('ok') else 'FAILED'}; overlapped the conversations for "
          f"{overlap:.1f} of their {end - start:.1f} s; server still up: {alive}")


if __name__ == "__main__":
    main()
