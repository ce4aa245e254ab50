"""A fingerprint of everything that produced an answer, so a recording says what made it.

The parts: the model file's sha256, the llama-cpp-python version and the CPU features its
build uses, the generation, retrieval and runtime settings, the prompt templates' and the case's grammar's
hashes, the embedding model, the chunking settings and a hash of the index.

The index hash is taken over (source, start, end, text hash) of every chunk, not
over chunk ids: an id includes the file's absolute path, so the same documents
indexed in another checkout would otherwise look like another index.

Hashing a 253 MB GGUF takes about a second; the result is kept in a small cache
file keyed by the file's path, size and modification time.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from assistant.store import VectorStore

Fingerprint = dict[str, Any]

GENERATION_SETTINGS = (
    "n_ctx", "max_answer_tokens", "max_sentences", "max_sentence_chars", "model_sentences",
    "model_tries", "retry_ratio", "model_may_refuse",
    "temperature", "seed", "n_threads", "n_batch", "condense", "max_history_turns",
    "answer_prompt", "fallback", "focus_check", "kind_check", "second_document_ratio", "quote_source",
    "names_check", "split_questions",
)
RETRIEVAL_SETTINGS = (
    "top_k", "candidates", "fusion", "rrf_k", "evidence_sentences", "lexical_weight", "evidence_idf",
    "evidence_headings", "evidence_shape_bonus", "evidence_title", "evidence_following",
    "follow_up_hits",
    "relevance_floor",
)
CHUNKING_SETTINGS = ("chunk_tokens", "chunk_overlap_tokens")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cache_file() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "assistant" / "file-sha256.json"


@lru_cache(maxsize=16)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    key = f"{path}|{size}|{mtime_ns}"
    cache = _cache_file()
    try:
        known = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if isinstance(known, dict) and isinstance(known.get(key), str):
        return str(known[key])
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()
    known = {k: v for k, v in (known if isinstance(known, dict) else {}).items() if not k.startswith(path + "|")}
    known[key] = value
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(known, indent=1), encoding="utf-8")
    except OSError:  # a read-only home only costs the next run a second
        pass
    return value


def file_sha256(path: Path) -> str:
    """The sha256 of a file, computed once per path, size and modification time."""
    stat = path.stat()
    return _file_sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def index_sha256(store: VectorStore) -> str:
    """A hash of the index contents that does not depend on where the documents live."""
    keys = sorted(f"{c.source}\x00{c.start}\x00{c.end}\x00{sha256_text(c.text)}" for c in store.all_chunks())
    return sha256_text("\n".join(keys))


def _llama_cpp_version() -> str | None:
    try:
        return metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        return None


def llama_cpp_system() -> str | None:
    """The CPU features the installed llama.cpp build uses ("AVX2 = 1 | AVX512_VNNI = 1 | ..."):
    llama-cpp-python is compiled on the machine it is installed on, and a build for other vector
    instructions adds floating-point sums in another order, so a close call between two tokens can
    go the other way on another CPU with everything else the same."""
    try:
        import llama_cpp

        info: bytes = llama_cpp.llama_print_system_info()
    except (ImportError, AttributeError, OSError):
        return None
    return " ".join(info.decode("utf-8", "replace").split())


def prompt_hashes(prompts_dir: Path) -> dict[str, str]:
    return {p.stem: sha256_text(p.read_text(encoding="utf-8")) for p in sorted(prompts_dir.glob("*.txt"))}


def fingerprint(
    settings: Settings,
    model: str,
    model_path: Path | None,
    embedding_model: str,
    index: str,
    grammar: str,
) -> Fingerprint:
    """Every part that produced one answer; ``model_path`` None for a generator with no file."""
    return {
        "model": model,
        "model_sha256": file_sha256(model_path) if model_path else None,
        "llama_cpp_python": _llama_cpp_version(),
        "llama_cpp_system": _llama_cpp_system() if model_path else None,
        "generation": {k: getattr(settings, k) for k in GENERATION_SETTINGS},
        "retrieval": {k: getattr(settings, k) for k in RETRIEVAL_SETTINGS},
        "prompts": prompt_hashes(settings.prompts_dir),
        "grammar_sha256": sha256_text(grammar) if grammar else None,
        "embedding_model": embedding_model,
        "chunking": {k: getattr(settings, k) for k in CHUNKING_SETTINGS},
        "index_sha256": index,
    }


@lru_cache(maxsize=1)
def _llama_cpp_system() -> str | None:
    return llama_cpp_system()


def key(parts: Fingerprint) -> str:
    """One hash of all the parts: equal keys mean the same inputs."""
    return sha256_text(json.dumps(parts, sort_keys=True, ensure_ascii=False))


def differences(old: Fingerprint, new: Fingerprint, prefix: str = "") -> list[str]:
    """The dotted names of the parts that differ, e.g. ``["prompts.answer", "model_sha256"]``."""
    out: list[str] = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(differences(a, b, f"{prefix}{name}."))
        elif a != b:
            out.append(prefix + name)
    return out
