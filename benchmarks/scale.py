"""How cost grows with the corpus: a synthetic corpus at 1k, 10k and 100k chunks, one table.

    .venv/bin/python benchmarks/scale.py [--sizes 1000 10000 100000] [--queries 200] [--base 2000]

For each size: the time to write the chunks (lexical index and vectors, as the indexing flow writes
them), the start-up time of a fresh process to its first retrieval and to its first answer (importing,
loading the embedding model and the GGUF, opening the index), retrieval p50/p95 (lexical: BM25 in the
lexical index plus fetching its chunks; dense: the vector query; hybrid: both fused, as a question is
retrieved; the question's embedding is timed apart), and the resident memory of that process.

The chunks are synthetic: sentences of the evaluation corpora (tests/eval/*/docs, seeds/) shuffled
into ~160-token chunks, each with a record line of its own (a made-up name and numbers), 20 chunks a
file. Embedding 100k chunks with all-MiniLM-L6-v2 takes long on 2 cores, so only the first --base
chunks (1000) are embedded with the real model; chunk i gets the vector of chunk i % base plus a little
noise (renormalised). The embedding rate of that run is printed, so the full indexing time can be
estimated; chunking is not part of the timing (the chunks are made, not cut from files).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

FILE_CHUNKS = 20
_SENTENCE = re.compile(r"[^.!?\n]{40,300}[.!?]")
_SYLLABLES = ["ka", "lo", "mir", "dan", "vel", "to", "ris", "ben", "sha", "qu", "or", "zel", "pra", "ni", "ud"]


def _sentences() -> list[str]:
    folders = [ROOT / "seeds", *sorted((ROOT / "tests" / "eval").glob("*/docs"))]
    found: list[str] = []
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if path.suffix in (".txt", ".md"):
                text = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
                found.extend(m.group().strip() for m in _SENTENCE.finditer(text))
    return found


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def corpus(size: int, seed: int = 0) -> list[tuple[str, str]]:
    """``size`` (file name, chunk text) pairs, the same for the same size and seed."""
    rng = random.Random(seed)
    pool = _sentences()
    chunks = []
    for i in range(size):
        record = (f"Record {i}: {_name(rng)} {_name(rng)} paid {rng.randint(10, 99_999)} crowns "
                  f"for lot {rng.randint(1, 9_999)} in {rng.randint(1900, 2030)}.")
        body = []
        while sum(len(s) for s in body) < 700:
            body.append(rng.choice(pool))
        chunks.append((f"file{i // FILE_CHUNKS:06}.txt", " ".join([record, *body])))
    return chunks


def questions(texts: list[str], count: int, seed: int = 1) -> list[str]:
    """Questions made of a chunk's record line or of words from one of its sentences."""
    rng = random.Random(seed)
    asked = []
    for _ in range(count):
        text = rng.choice(texts)
        if rng.random() < 0.5:
            who = text.split(":", 1)[1].split(" paid")[0].strip()
            asked.append(f"How much did {who} pay for the lot?")
        else:
            words = text.split(". ", 1)[-1].split()
            start = rng.randrange(max(len(words) - 8, 1))
            asked.append("What does the text say about " + " ".join(words[start : start + 7]) + "?")
    return asked


def _vectors(texts: list[str], base: int, cache: Path) -> tuple[list[list[float]], float]:
    """Real embeddings of the first ``base`` texts (cached in ``cache``), reused with noise for the rest;
    and the embedding rate in chunks a second."""
    import numpy as np

    from assistant.embedding import SentenceTransformerEmbedder

    if cache.exists():
        saved = json.loads(cache.read_text())
        real, rate = np.array(saved["vectors"], dtype=np.float32), float(saved["rate"])
    else:
        embedder = SentenceTransformerEmbedder()
        started = time.perf_counter()
        real = np.array(embedder.embed(texts[:base]), dtype=np.float32)
        rate = len(real) / (time.perf_counter() - started)
        cache.write_text(json.dumps({"vectors": real.tolist(), "rate": rate}))
    rng = np.random.default_rng(0)
    picked = real[np.arange(len(texts)) % len(real)]
    noisy = picked + rng.normal(0, 0.02, picked.shape).astype(np.float32)
    noisy[: len(real)] = real[: len(texts)]
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return noisy.tolist(), rate


def build(size: int, data: Path, base: int, cache: Path) -> dict[str, float]:
    """Write ``size`` synthetic chunks into ``data`` as the indexing flow does (terms, then vectors, a
    group of files at a time) and time it."""
    from assistant.chunking import chunk_id
    from assistant.embedding import bundled_embedding_path
    from assistant.lexical import LexicalIndex
    from assistant.store import ChromaStore
    from assistant.types import Chunk

    made = corpus(size)
    vectors, rate = _vectors([t for _, t in made], base, cache)
    chunks, at = [], {}
    for name, text in made:
        start = at.get(name, 0)
        at[name] = start + len(text) + 1
        path = f"/synthetic/{name}"
        chunks.append(Chunk(chunk_id(path, start, text), name, path, name, text, start, start + len(text),
                            f"sha-{name}"))
    store = ChromaStore(data, "documents", bundled_embedding_path().name)
    lexical = LexicalIndex(data)
    started = time.perf_counter()
    group = 256
    for i in range(0, len(chunks), group):
        part = chunks[i : i + group]
        files: dict[str, tuple[str, list[Chunk]]] = {}
        for c in part:
            files.setdefault(c.path, (c.doc_sha256, []))[1].append(c)
        lexical.replace(files)
        store.add(part, vectors[i : i + group], recipe="synthetic")
    written = time.perf_counter() - started
    lexical.close()
    return {"write_s": written, "embed_rate": rate}


def probe(data: Path, asked: list[str], answer: bool) -> dict[str, float]:
    """Run in a fresh process: start up, first retrieval (and answer), then timed retrievals."""
    started = time.perf_counter()
    from assistant.settings import load_settings
    from assistant.wiring import Assistant

    assistant = Assistant(load_settings(data_dir=data))
    assistant.retriever.retrieve(asked[0])
    result = {"first_retrieval_s": time.perf_counter() - started}
    if answer:
        assistant.ask(asked[0])
        result["first_answer_s"] = time.perf_counter() - started
    retriever, store, lexical = assistant.retriever, assistant.store, assistant.lexical
    embed_ms, lexical_ms, dense_ms, hybrid_ms = [], [], [], []
    for q in asked[1:]:
        t0 = time.perf_counter()
        vector = assistant.embedder.embed([q])[0]
        t1 = time.perf_counter()
        ids = [cid for cid, _ in lexical.search(q, retriever.candidates)]
        store.get(ids)
        t2 = time.perf_counter()
        store.query(vector, retriever.candidates)
        t3 = time.perf_counter()
        retriever.retrieve(q, vector)
        t4 = time.perf_counter()
        embed_ms.append((t1 - t0) * 1000)
        lexical_ms.append((t2 - t1) * 1000)
        dense_ms.append((t3 - t2) * 1000)
        hybrid_ms.append((t4 - t3) * 1000)
    for name, values in (("embed", embed_ms), ("lexical", lexical_ms), ("dense", dense_ms), ("hybrid", hybrid_ms)):
        ordered = sorted(values)
        result[f"{name}_p50"] = statistics.median(ordered)
        result[f"{name}_p95"] = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    result["rss_mb"] = _rss_mb()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--base", type=int, default=1000, help="chunks embedded with the real model")
    parser.add_argument("--no-answer", action="store_true", help="skip the first answer (no GGUF loaded)")
    parser.add_argument("--out", type=Path, default=None, help="folder for the indexes (default: a temp folder)")
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        asked = json.loads((args.probe / "questions.json").read_text())
        print(json.dumps(probe(args.probe, asked, not args.no_answer)))
        return 0

    out = args.out or Path(tempfile.mkdtemp(prefix="assistant-scale-"))
    out.mkdir(parents=True, exist_ok=True)
    cache = out / f"vectors-{args.base}.json"
    rows = []
    for size in args.sizes:
        data = out / f"data-{size}"
        built = build(size, data, args.base, cache)
        asked = questions([t for _, t in corpus(size)], args.queries + 1)
        (data / "questions.json").write_text(json.dumps(asked))
        command = [sys.executable, __file__, "--probe", str(data)]
        started = time.perf_counter()
        done = subprocess.run([*command, *(["--no-answer"] if args.no_answer else [])], capture_output=True,
                              text=True, cwd=ROOT, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        probed = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append({"size": size, **built, **probed, "process_s": time.perf_counter() - started})
        print(f"done {size:,} chunks", file=sys.stderr, flush=True)

    rate = rows[0]["embed_rate"]
    print(f"Synthetic chunks (~160 tokens); vectors: {args.base} embedded with all-MiniLM-L6-v2 at "
          f"{rate:.0f} chunks/s on this machine, reused with noise beyond that; {args.queries} questions; "
          f"times in ms unless marked s; index write = lexical index + Chroma, without embedding.\n")
    head = ["chunks", "index write s", "+embedding s (est.)", "first retrieval s", "first answer s",
            "lexical p50/p95", "dense p50/p95", "hybrid p50/p95", "question embed p50", "RSS MB (peak)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        cells = [f"{r['size']:,}", f"{r['write_s']:.1f}", f"{r['size'] / rate:.0f}", f"{r['first_retrieval_s']:.1f}",
                 f"{r['first_answer_s']:.1f}" if "first_answer_s" in r else "-",
                 f"{r['lexical_p50']:.1f} / {r['lexical_p95']:.1f}", f"{r['dense_p50']:.1f} / {r['dense_p95']:.1f}",
                 f"{r['hybrid_p50']:.1f} / {r['hybrid_p95']:.1f}", f"{r['embed_p50']:.1f}",
                 f"{r['rss_mb']:.0f} ({r['peak_rss_mb']:.0f})"]
        print("| " + " | ".join(cells) + " |")
    print(f"\nindexes kept in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
