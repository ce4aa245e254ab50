"""Recording cases with the fakes: what a line keeps, its fingerprint, reading bad files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeEmbedder, FakeGenerator

from assistant import fingerprint, recording
from assistant.errors import RecordingError
from assistant.recording import Recorder, record_exchange
from assistant.settings import PROJECT_ROOT, load_settings
from assistant.wiring import Assistant


def test_a_line_keeps_the_exchange_the_evidence_and_the_fingerprint(recorded: dict[str, Any]) -> None:
    line = recorded
    assert line["id"] == "harbour-1" and line["history"] == []
    assert line["expect"] == {"answer_any": [["Calloway"]], "gold": ["harbour"], "unanswerable": False}
    assert line["answer"].startswith("The engineering firm Calloway and Finch designed the new breakwater [")
    assert line["citations"][0]["source"] == "harbour.txt"
    assert all(s["supported"] for s in line["sentences"])
    assert line["prompt"].endswith("Answer:") and line["raw_output"].startswith(" Calloway")
    assert [h["rank"] for h in line["retrieved"]] == list(range(1, len(line["retrieved"]) + 1))
    assert all(len(h["text_sha256"]) == 64 and "score" in h for h in line["retrieved"])
    assert all(p["chunk"]["text"] and p["text"] in p["chunk"]["text"] for p in line["passages"])
    parts = line["fingerprint"]
    assert parts["model"] == "fake-generator.gguf" and parts["model_sha256"] is None
    assert parts["embedding_model"] == "fake-embedder"
    assert set(parts["prompts"]) == {"answer", "condense", "refusal", "short"}
    assert parts["grammar_sha256"] and parts["index_sha256"]
    assert parts["generation"]["temperature"] == 0.0 and parts["chunking"]["chunk_tokens"] == 160
    assert line["fingerprint_sha256"] == fingerprint.key(parts)
    json.dumps(line)  # plain JSON data


def test_fingerprint_changes_with_a_prompt_template(
    make_assistant: Callable[..., Assistant], tmp_path: Path, generator: FakeGenerator, recorded: dict[str, Any]
) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", prompts)
    (prompts / "answer.txt").write_text((prompts / "answer.txt").read_text() + "\n", encoding="utf-8")
    other = make_assistant(prompts_dir=prompts)
    generator.queue("Calloway and Finch designed it [1].\n")
    answer = other.ask(recorded["question"])
    parts = Recorder(other).fingerprint(answer)
    assert fingerprint.differences(recorded["fingerprint"], parts) == ["prompts.answer"]


def test_index_hash_ignores_where_the_documents_live(
    indexed: Assistant, embedder: FakeEmbedder, generator: FakeGenerator, corpus: Path, tmp_path: Path
) -> None:
    moved = tmp_path / "elsewhere" / "docs"
    shutil.copytree(corpus, moved)
    settings = load_settings(data_dir=tmp_path / "other-data", docs=[moved])
    other = Assistant(settings, embedder=embedder, generator=generator)
    other.index()
    assert {c.id for c in other.store.all_chunks()} != {c.id for c in indexed.store.all_chunks()}
    assert fingerprint.index_sha256(other.store) == fingerprint.index_sha256(indexed.store)


def test_model_sha256_is_cached_by_path_size_and_mtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 100)
    first = fingerprint.file_sha256(model)
    cache = json.loads((tmp_path / "cache" / "assistant" / "file-sha256.json").read_text())
    assert list(cache.values()) == [first]
    fingerprint._file_sha256.cache_clear()
    key = next(iter(cache))
    (tmp_path / "cache" / "assistant" / "file-sha256.json").write_text(json.dumps({key: "from-cache"}))
    assert fingerprint.file_sha256(model) == "from-cache"  # not read again
    model.write_bytes(b"GGUF" + b"\1" * 100)
    assert fingerprint.file_sha256(model) not in {first, "from-cache"}


def test_record_exchange_appends_numbered_cases(indexed: Assistant, generator: FakeGenerator, tmp_path: Path) -> None:
    path = tmp_path / "saved.jsonl"
    for _ in range(2):
        generator.queue("Calloway and Finch designed it [1].\n")
        history = [("Where is the harbour?", "Port Ellery [1].")]
        answer = indexed.ask("Who designed it?", history)
        record_exchange(indexed, "Who designed it?", history, answer, path)
    lines = recording.read(path)
    assert [x["id"] for x in lines] == ["case-1", "case-2"]
    assert lines[0]["history"] == [["Where is the harbour?", "Port Ellery [1]."]]
    assert lines[0]["expect"] is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", "rec.jsonl:1: not JSON"),
        ("[1, 2]\n", "rec.jsonl:1: a recorded case is a JSON object"),
        ('\n{"id": "x"}\n', "rec.jsonl:2: not a recorded case (missing question"),
    ],
)
def test_malformed_recordings_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "rec.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RecordingError, match=message.replace("(", r"\(")):
        recording.read(path)


def test_missing_recording_and_duplicate_ids(tmp_path: Path, recorded: dict[str, Any]) -> None:
    with pytest.raises(RecordingError, match="no such recording"):
        recording.read(tmp_path / "absent.jsonl")
    path = tmp_path / "rec.jsonl"
    recording.write(path, [recorded, recorded])
    with pytest.raises(RecordingError, match="rec.jsonl:2: case id 'harbour-1' appears twice"):
        recording.read(path)
