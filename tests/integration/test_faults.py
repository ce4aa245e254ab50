"""Faults a user meets with the real models and a real Chroma folder: a damaged index, a model file
that is truncated or deleted while the page is served."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.llm import bundled_model_path
from assistant.settings import PROJECT_ROOT
from tests.browser.conftest import Served, serve_seeds

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "assistant.cli"]


def _cli(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data), "GRADIO_TEMP_DIR": str(data.parent / "gradio")}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT, env=env)


def test_a_damaged_index_gives_one_line_for_ask_index_and_serve(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "mill.txt").write_text("The old mill at Brackwater ground flour until 1952.\n", encoding="utf-8")
    data = tmp_path / "data"
    assert _cli(["index", str(docs)], data).returncode == 0
    sqlite = data / "chroma.sqlite3"
    damaged = bytearray(sqlite.read_bytes())
    damaged[:100] = b"\x00" * 100
    sqlite.write_bytes(bytes(damaged))
    for args in (["ask", "Until when did the mill grind flour?"], ["index", str(docs)], ["serve", "--port", "0"]):
        result = _cli(args, data)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1, (args, result.stderr[-2000:])
        assert lines[0].startswith(f"error: the index in {data} is damaged and cannot be read (")
        assert lines[0].endswith(f"rebuild it: delete {data} (move any uploads/ in it out first) and run "
                                 "`assistant index` again")


def _ask(served: Served, question: str) -> str:
    from gradio_client import Client

    messages, *_ = Client(served.url, verbose=False).predict(question, [], api_name="/ask")
    return str(messages[-1])


def test_the_model_file_truncated_or_deleted_while_serving(tmp_path: Path) -> None:
    model = tmp_path / "models" / "copy.gguf"
    model.parent.mkdir()
    shutil.copyfile(bundled_model_path(), model)
    served = serve_seeds(tmp_path / "served", model=str(model)).wait()
    try:
        question = "Which publication does the Pakistani editor Rao Abdul work for?"
        assert "Express Tribune" in _ask(served, question)
        os.truncate(model, 0)  # a new download begun over it: a mapped model would die of SIGBUS here
        assert "Express Tribune" in _ask(served, question)
        model.unlink()
        assert "Express Tribune" in _ask(served, question)
        assert served.process.poll() is None
    finally:
        served.stop()
    assert "Traceback" not in (served.folder / "serve.log").read_text()
