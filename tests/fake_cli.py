"""Run the real command line in this process with the fake models: ``python tests/fake_cli.py index ...``.

Tests that need a second process on a data folder (a writer beside a reader, two writers,
a kill) start this instead of ``assistant``: the same code path, without loading MiniLM or
the GGUF. The fake generator answers every question by copying the first word of source [1].
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from fakes import FakeEmbedder, FakeGenerator  # noqa: E402

import assistant.wiring as wiring  # noqa: E402
from assistant.cli import main  # noqa: E402


def _first_word(prompt: str, grammar: str | None) -> str:
    found = re.findall(r"^\[1\] (\w+)", prompt, re.M)
    return f"{found[-1] if found else 'Nothing'} [1]."


class _Generator(FakeGenerator):
    def __init__(self, *args: object) -> None:
        super().__init__([_first_word] * 100)


wiring.make_embedder = lambda *args, **kwargs: FakeEmbedder()  # type: ignore[assignment]
wiring.LlamaCppGenerator = _Generator  # type: ignore[assignment,misc]
wiring.resolve_model = lambda *args: Path("fake-generator.gguf")  # type: ignore[assignment]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
