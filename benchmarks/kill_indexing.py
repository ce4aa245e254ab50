"""Kill `assistant index` with SIGKILL at random moments and check that each rerun ends equal to a
clean index (the vectors and the lexical index), printing the work kept at each kill.

    python benchmarks/kill_indexing.py [--trials 20] [--files 300] [--seed 0]

The indexer is the real command line with the fake embedder (tests/fake_cli.py), so a trial takes
seconds, not minutes; what is measured is the store and the indexing flow, which are the real ones.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(1, str(ROOT))

from fakes import FakeEmbedder  # noqa: E402

from assistant.lexical import LexicalFile, LexicalIndex  # noqa: E402
from assistant.store import ChromaStore  # noqa: E402

FAKE_CLI = [sys.executable, str(ROOT / "tests" / "fake_cli.py")]


def _corpus(folder: Path, files: int, rng: random.Random) -> None:
    folder.mkdir(parents=True)
    words = ["harbour", "wall", "crate", "apples", "ferry", "noon", "mill", "flour", "lighthouse",
             "keeper", "ship", "granite"]
    for i in range(files):
        sentences = [f"Record {i}.{j}: the {rng.choice(words)} held {rng.randint(1, 999)} {rng.choice(words)}."
                     for j in range(rng.randint(3, 40))]
        (folder / f"doc{i:04}.txt").write_text("\n\n".join(sentences) + "\n", encoding="utf-8")


def _state(data: Path) -> tuple[dict[str, str], list[str], dict[str, LexicalFile], list[str]]:
    """The files and chunks in the vectors and in the lexical index (with what BM25 finds)."""
    store = ChromaStore(data, "documents", FakeEmbedder.name)
    lexical = LexicalIndex(data)
    found = sorted(cid for word in ("harbour", "lighthouse", "granite") for cid, _ in lexical.search(word, 10_000))
    state = store.indexed_files(), sorted(c.id for c in store.all_chunks()), lexical.files(), found
    lexical.close()
    return state


def _index(data: Path, docs: Path) -> None:
    subprocess.run([*FAKE_CLI, "index", "--data-dir", str(data), str(docs)], check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="kill-indexing-"))
    try:
        docs = work / "docs"
        _corpus(docs, args.files, rng)
        started = time.monotonic()
        _index(work / "clean", docs)
        full = time.monotonic() - started
        clean = _state(work / "clean")
        clean_files, clean_chunks = clean[0], clean[1]
        print(f"clean index: {len(clean_files)} files, {len(clean_chunks)} chunks, {full:.1f} s")
        equal = 0
        for trial in range(1, args.trials + 1):
            data = work / f"trial{trial}"
            if trial % 4 == 0:  # every fourth trial kills an update run: a quarter of the files changed
                _index(data, docs)
                for path in sorted(docs.iterdir())[::4]:
                    path.write_text(path.read_text(encoding="utf-8") + "An added line.\n", encoding="utf-8")
            at = rng.uniform(0.5, full)
            writer = subprocess.Popen([*FAKE_CLI, "index", "--data-dir", str(data), str(docs)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                writer.wait(timeout=at)
                killed = "finished before the kill"
            except subprocess.TimeoutExpired:
                writer.send_signal(signal.SIGKILL)
                writer.wait()
                killed = f"killed at {at:4.1f} s"
            kept_files = _state(data)[0] if (data / "chroma.sqlite3").exists() else {}
            _index(data, docs)
            got = _state(data)
            if trial % 4 == 0:  # compare with a clean index of the changed files, then undo the change
                _index(work / "clean-changed", docs)
                want = _state(work / "clean-changed")
                shutil.rmtree(work / "clean-changed")
                for path in sorted(docs.iterdir())[::4]:
                    path.write_text(path.read_text(encoding="utf-8").removesuffix("An added line.\n"),
                                    encoding="utf-8")
            else:
                want = clean
            same = got == want
            equal += same
            print(f"trial {trial:2}{' (update)' if trial % 4 == 0 else '         '}: {killed}; "
                  f"kept {len(kept_files):3}/{len(clean_files)} files complete; "
                  f"rerun {'equal to' if same else 'DIFFERS from'} a clean index")
            shutil.rmtree(data)
        print(f"{equal} of {args.trials} reruns equal to a clean index")
        return 0 if equal == args.trials else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
