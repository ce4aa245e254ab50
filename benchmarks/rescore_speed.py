"""Seconds per case of `replay --mode rescore` on a 40-case recording (the target is under 1 s).

    .venv/bin/python benchmarks/rescore_speed.py [RECORDING] [--cases 40]

Two passes over the first 40 cases of the recording (default: the shipped one):

* as recorded: every case re-checked, answers unchanged (no model loads at all);
* worst case: each recorded answer reworded first, so every case also goes
  through the meaning tier, which loads the embedding model and embeds both answers.

Each pass is timed from the start of the replay to the last comparison, model
loading included. It also checks that the language model was never loaded.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recording", nargs="?", type=Path, default=ROOT / "tests/recordings/seeds.jsonl")
    parser.add_argument("--cases", type=int, default=40)
    args = parser.parse_args()

    from assistant import recording
    from assistant.replay import Replayer
    from assistant.settings import load_settings
    from assistant.wiring import Assistant

    lines = recording.read(args.recording)[: args.cases]
    reworded = copy.deepcopy(lines)
    for line in reworded:
        line["answer"] = "In short: " + line["answer"]
    for label, batch in (("as recorded", lines), ("worst case (meaning tier on every case)", reworded)):
        assistant = Assistant(load_settings())
        replayer = Replayer(assistant, "rescore")
        start = time.perf_counter()
        outcomes = [replayer.replay(line).outcome for line in batch]
        elapsed = time.perf_counter() - start
        tally = {o: outcomes.count(o) for o in sorted(set(outcomes))}
        print(f"{label}: {len(batch)} cases in {elapsed:.2f} s = {elapsed / len(batch):.3f} s/case {tally}")
        assert "generator" not in assistant.__dict__, "rescore loaded the language model"
    loaded = "llama_cpp" in sys.modules
    print(f"llama_cpp imported: {loaded} (the GGUF was {'OPENED' if loaded else 'never opened'})")
    return 1 if loaded else 0


if __name__ == "__main__":
    sys.exit(main())
