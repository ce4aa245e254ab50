"""The whole evaluation suite in one table: every corpus of tests/eval/, defaults and leave-one-corpus-out.

    .venv/bin/python benchmarks/eval_suite.py [--only NAME ...] [--set KEY=VALUE ...] [--out DIR]

(`make eval` runs it.) Each corpus is a folder of tests/eval/ holding docs/ and cases.jsonl; the
seeds corpus is seeds/ with tests/eval/dev.jsonl and tests/eval/seeds_blind.jsonl. Every corpus is
indexed into its own data folder under --out (again only where files changed), every case is
answered with the bundled models and the settings (plus any --set), and the results are written to
DIR/NAME.results.jsonl.

The relevance floor is the one threshold that refuses before anything else is decided, so the suite
answers every case with the floor at 0 and applies floors afterwards: the figures at the configured
floor are the ones a run with that floor gives (a case under the floor counts only its retrieval
time). Leave-one-corpus-out: for each corpus, the floor is chosen on all the other corpora (the
best mean of accuracy + correct refusals / 2 - false refusals) and the corpus is scored with it, so
no figure in that column rests on a threshold its own questions helped to choose.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FLOORS = [round(0.10 + 0.02 * i, 2) for i in range(16)]  # 0.10 .. 0.40


@dataclass(frozen=True)
class Corpus:
    name: str
    docs: Path
    case_files: tuple[Path, ...]


def corpora(eval_dir: Path) -> list[Corpus]:
    found = [Corpus("seeds", ROOT / "seeds", (eval_dir / "dev.jsonl", eval_dir / "seeds_blind.jsonl"))]
    for folder in sorted(p for p in eval_dir.iterdir() if (p / "cases.jsonl").is_file() and (p / "docs").is_dir()):
        found.append(Corpus(folder.name, folder / "docs", (folder / "cases.jsonl",)))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="run only this corpus (repeatable)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting for this run, e.g. --set evidence_sentences=2 (repeatable)")
    parser.add_argument("--out", type=Path, default=ROOT / ".eval-data", help="data and results folder")
    parser.add_argument("--eval-dir", type=Path, default=ROOT / "tests" / "eval")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from assistant.evaluation import load_cases, run
    from assistant.settings import load_settings
    from assistant.wiring import Assistant

    overrides: dict[str, Any] = {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = json.loads(value) if value[:1] in "0123456789-[{tf\"" and value not in ("-",) else value
    base = load_settings(**overrides)
    floor = base.relevance_floor
    shared: Assistant | None = None
    rows: dict[str, list[dict[str, Any]]] = {}
    for corpus in corpora(args.eval_dir):
        if args.only and corpus.name not in args.only:
            continue
        settings = base.model_copy(update={"data_dir": args.out / corpus.name, "relevance_floor": 0.0})
        assistant = Assistant(settings, *(() if shared is None else (shared.embedder, None, shared.generator)))
        report = assistant.index([corpus.docs])
        shared = shared or assistant
        lines: list[dict[str, Any]] = []
        for cases_file in corpus.case_files:
            cases = load_cases(cases_file)
            started = time.perf_counter()
            results = run(cases, assistant.ask)
            for case, result in zip(cases, results, strict=True):
                lines.append({"case": case.__dict__, "result": result, "set": cases_file.name})
            print(f"{corpus.name}/{cases_file.name}: {len(cases)} cases in {time.perf_counter() - started:.0f} s "
                  f"(index: {report.summary().splitlines()[0]})", file=sys.stderr)
        rows[corpus.name] = lines
        out = args.out / f"{corpus.name}.results.jsonl"
        out.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")

    print_table(rows, floor)
    return 0


def figures(lines: list[dict[str, Any]], floor: float) -> dict[str, float | None]:
    """The eval figures of ``lines`` (answered with no floor) as a run with ``floor`` gives them."""
    from assistant.evaluation import is_correct, looks_cut

    answerable = [ln for ln in lines if not ln["case"]["unanswerable"]]
    unanswerable = [ln for ln in lines if ln["case"]["unanswerable"]]

    def under(ln: dict[str, Any]) -> bool:
        supplied = ln["result"]["supplied"]
        return not supplied or max(s["score"] for s in supplied) < floor

    def refused(ln: dict[str, Any]) -> bool:
        return bool(ln["result"]["refused"]) or under(ln)

    def correct(ln: dict[str, Any]) -> bool:
        return not refused(ln) and is_correct(ln["result"]["answer"], ln["case"]["answer_any"])

    cited = [(ln, c) for ln in answerable if not refused(ln) for c in ln["result"]["citations"]]
    latencies = [ln["result"]["latency_s"] if not under(ln) else ln["result"].get("retrieval_s", 0.0)
                 for ln in lines]

    def share(hits: int, total: int) -> float | None:
        return hits / total if total else None

    return {
        "cases": len(lines),
        "accuracy": share(sum(map(correct, answerable)), len(answerable)),
        "correct_refusals": share(sum(map(refused, unanswerable)), len(unanswerable)),
        "false_refusals": share(sum(map(refused, answerable)), len(answerable)),
        "precision": share(sum(any(c["source"].startswith(g) for g in ln["case"]["gold"]) for ln, c in cited),
                           len(cited)),
        "cut": sum(any(looks_cut(s["text"]) for s in ln["result"]["sentences"]) for ln in lines if not refused(ln)),
        "median_s": statistics.median(latencies) if latencies else None,
        "p95_s": sorted(latencies)[int(0.95 * (len(latencies) - 1))] if latencies else None,
    }


def objective(f: dict[str, float | None]) -> float:
    """Accuracy, plus half the correct refusals, less the false refusals (a refused answerable
    question costs twice: it is also not answered)."""
    return (f["accuracy"] or 0.0) + 0.5 * (f["correct_refusals"] or 0.0) - (f["false_refusals"] or 0.0)


def loco_floor(rows: dict[str, list[dict[str, Any]]], held_out: str) -> float:
    """The floor that scores best on every corpus but ``held_out`` (mean objective; ties: the lower)."""
    others = [lines for name, lines in rows.items() if name != held_out]
    if not others:
        return FLOORS[0]
    return max(FLOORS, key=lambda fl: (statistics.mean(objective(figures(ls, fl)) for ls in others), -fl))


def print_table(rows: dict[str, list[dict[str, Any]]], floor: float) -> None:
    def pct(v: float | None) -> str:
        return "  n/a" if v is None else f"{v:5.0%}"

    head = (f"{'corpus':<12} {'cases':>5} | {'accuracy':>8} {'refusals':>8} {'false':>6} {'cited':>6} {'cut':>4} "
            f"{'median':>7} {'p95':>6} | {'LOCO floor':>10} {'accuracy':>8} {'refusals':>8} {'false':>6}")
    print(f"defaults (relevance floor {floor}) and leave-one-corpus-out (floor chosen on the other corpora)")
    print(head)
    print("-" * len(head))
    every: list[dict[str, Any]] = []
    for name, lines in rows.items():
        every.extend(lines)
        f = figures(lines, floor)
        held = loco_floor(rows, name)
        g = figures(lines, held)
        print(f"{name:<12} {f['cases']:>5} | {pct(f['accuracy']):>8} {pct(f['correct_refusals']):>8} "
              f"{pct(f['false_refusals']):>6} {pct(f['precision']):>6} {f['cut']:>4} {f['median_s'] or 0:>6.2f}s "
              f"{f['p95_s'] or 0:>5.2f}s | {held:>10.2f} {pct(g['accuracy']):>8} {pct(g['correct_refusals']):>8} "
              f"{pct(g['false_refusals']):>6}")
    if len(rows) > 1:
        f = figures(every, floor)
        print(f"{'all':<12} {f['cases']:>5} | {pct(f['accuracy']):>8} {pct(f['correct_refusals']):>8} "
              f"{pct(f['false_refusals']):>6} {pct(f['precision']):>6} {f['cut']:>4} {f['median_s'] or 0:>6.2f}s "
              f"{f['p95_s'] or 0:>5.2f}s |")


if __name__ == "__main__":
    sys.exit(main())
