"""Seconds per case of `replay --mode rescore` on a 40-case recording (the target is under 1 s).

    .venv/bin/python benchmarks/rescore_speed.py [RECORDING] [--cases 40]

Two passes over the first 40 cases of the recording (default: the shipped one):

* as recorded: every case re-checked, answers unchanged (no model loads at all);
* worst case: each recorded answer reworded first, so every case also goes
  through the meaning tier, which loads the embedding model and embeds both answers.

Each pass is timed per case, and with the one-off loading of the embedding model
spread over the cases. It also checks that the language model was never loaded.
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
    parser.add_argument("--torch-threads", type=int,
                        help="torch intra-op threads; on a CPU shared with llama.cpp processes, 1 is much faster")
    args = parser.parse_args()
    if args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)

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
        load = 0.0
        if batch is reworded:  # load the embedding model first, to show its one-off cost apart
            start = time.perf_counter()
            assistant.embedder  # noqa: B018
            load = time.perf_counter() - start
        start = time.perf_counter()
        outcomes = [replayer.replay(line).outcome for line in batch]
        elapsed = time.perf_counter() - start
        tally = {o: outcomes.count(o) for o in sorted(set(outcomes))}
        print(f"{label}: {len(batch)} cases, {elapsed / len(batch):.3f} s/case; with the {load:.1f} s of "
              f"loading the embedding model, {(elapsed + load) / len(batch):.3f} s/case {tally}")
        assert "generator" not in assistant.__dict__, "rescore loaded the language model"
    loaded = "llama_cpp" in sys.modules
    print(f"llama_cpp imported: {loaded} (the GGUF was {'OPENED' if loaded else 'never opened'})")
    return 1 if loaded else 0


if __name__ == "__main__":
    sys.exit(main())
