"""The command line as a user runs it: offline, with bad model files, eval and serve."""

from __future__ import annotations

import html
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.llm import bundled_model_path
from assistant.wiring import Assistant

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "assistant.cli"]
ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], *, prefix: list[str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(prefix or []), *CLI, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def _no_network_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare is not installed")
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -n is not permitted here: {probe.stderr.decode().strip()}")
    return [unshare, "-n"]


def test_ask_answers_with_networking_disabled(assistant: Assistant, data_dir: Path) -> None:
    prefix = _no_network_prefix()
    probe = subprocess.run([*prefix, sys.executable, "-c",
                            "import socket; socket.create_connection(('1.1.1.1', 53), timeout=2)"],
                           capture_output=True)
    assert probe.returncode != 0, "the network namespace still reaches out"
    result = run(["ask", "Which publication does the Pakistani editor Rao Abdul work for?",
                  "--json", "--data-dir", str(data_dir)], prefix=prefix)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert "Express Tribune" in record["answer"]
    assert record["citations"][0]["source"] == "003_67ffcfc3e0323f3a.txt"
    for key in ("answer", "refused", "citations", "sentences", "timings"):
        assert key in record
    assert set(record["citations"][0]) >= {"n", "source", "chunk_id", "text", "start", "end"}


def test_index_offline_on_a_fresh_folder(tmp_path: Path) -> None:
    prefix = _no_network_prefix()
    result = run(["index", str(ROOT / "seeds"), "--data-dir", str(tmp_path / "d")], prefix=prefix)
    assert result.returncode == 0, result.stderr
    assert "added 5" in result.stdout


@pytest.mark.parametrize("damage", ["missing", "truncated", "not-gguf"])
def test_bad_model_file_gives_one_line_error(
    damage: str, assistant: Assistant, data_dir: Path, tmp_path: Path
) -> None:
    model = tmp_path / "broken.gguf"
    if damage == "truncated":
        with bundled_model_path().open("rb") as f:
            model.write_bytes(f.read(4 * 1024 * 1024))
    elif damage == "not-gguf":
        model.write_text("this is not a model\n")
    result = run(["ask", "What is Sinovac?", "--model", str(model), "--data-dir", str(data_dir)])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: model file") and str(model) in lines[0]
    assert "--model" in lines[0]
    assert "Traceback" not in result.stderr


def test_ask_on_an_empty_index_says_what_to_do(tmp_path: Path) -> None:
    result = run(["ask", "anything", "--data-dir", str(tmp_path / "empty")])
    assert result.returncode == 2
    assert "assistant index" in result.stderr


def test_eval_writes_results_and_reaches_the_baseline(
    assistant: Assistant, data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results.jsonl"
    result = run(["eval", str(ROOT / "tests/eval/dev.jsonl"), "--out", str(out),
                  "--data-dir", str(data_dir)], timeout=1800)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) >= 40
    for line in lines:
        assert {"id", "answer", "refused", "citations", "retrieved", "latency_s"} <= set(line)
    figures = dict(row.split(None, 1) for row in result.stdout.strip().splitlines())
    assert figures["citation_validity"] == "100%"
    assert figures["supported_sentences"] == "100%"
    assert figures["retrieval_hit_at_k"] == "100%"
    # Below these the answering path has regressed against what the README reports.
    assert int(figures["answer_accuracy"].rstrip("%")) >= 80
    assert int(figures["correct_refusals"].rstrip("%")) >= 80
    assert int(figures["false_refusals"].rstrip("%")) <= 5
    assert int(figures["cited_doc_precision"].rstrip("%")) >= 94


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_through_the_web_api(assistant: Assistant, data_dir: Path) -> None:
    from gradio_client import Client

    port = _free_port()
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)}
    server = subprocess.Popen([*CLI, "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.5)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        messages, *_ = client.predict(  # the conversation State is not part of the API
            "Which publication does the Pakistani editor Rao Abdul work for?", [], api_name="/ask"
        )
        shown = html.unescape(json.dumps(messages[-1]["content"]))
        assert "Express Tribune" in shown
        assert "003_67ffcfc3e0323f3a.txt" in shown
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()
