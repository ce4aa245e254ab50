"""What the assistant costs over the raw libraries it calls, and what the ONNX encoders change.

    .venv/bin/python benchmarks/overhead.py [--questions 8] [--corpus port_marren] [--hit-corpora seeds port_marren]
                                            [--backends torch onnx onnx-int8] [--repeats 1] [--threads N]
                                            [--no-answers] [--profile]

(a) Answer latency: ``Assistant.ask`` (bundled GGUF and MiniLM, an index of seeds/ and of one corpus of
tests/eval/, questions from their case files) against raw llama-cpp-python's ``create_completion`` on
exactly the prompts the assistant sent the model (recorded, with the same grammar, max_tokens, seed,
temperature, threads and batch) plus one raw ``SentenceTransformer.encode`` (torch, whichever backend
the assistant runs) of the question. The
assistant may ask the model twice (model_tries) and embeds the evidence units it has not seen before
(cached across questions): the table counts both. Timed question by question, assistant then raw, so
both run under the same load. ``--profile`` runs the questions a second time under cProfile and prints
where the assistant's own time goes.

(b) Indexing throughput: ``Assistant.index`` of one corpus into a fresh folder (models loaded and the
store opened before the clock starts) in chunks per second, against the raw torch encoder's ``encode``
on the very same chunk texts, timed right after it so both run under the same load; for each embedding
backend, ``--repeats`` times over (backends in turn), the median of the ratios printed. The same texts are
also embedded by the backend's encoder alone (``embed``, no chunking or store), against the raw torch
encoder timed right after: what the encoder itself gains. ``--threads N`` runs torch and ONNX Runtime on N
threads each (both default to one a core): on a machine that other work keeps busy, torch's two threads
waiting on each other took 2 to 10 times as long from run to run, and one thread each gives steadier ratios.

(c) Retrieval hit@k for each backend: the gold file among the top_k hybrid hits (and among the top_k
dense hits alone), for the answerable cases of each corpus named, each corpus indexed on its own.
The cosine between the torch and each ONNX backend's vectors of the same chunks is printed too.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.embedding import Embedder, Vector  # noqa: E402
from assistant.evaluation import Case, load_cases  # noqa: E402
from assistant.llm import Generator  # noqa: E402


class CountingEmbedder:
    """An embedder that counts its calls and texts."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name = inner, inner.name
        self.calls = self.texts = 0

    def embed(self, texts: list[str], progress: bool = False) -> list[Vector]:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed(texts, progress)


class RecordingGenerator:
    """A generator that keeps every (prompt, grammar, max_tokens) it is asked to complete."""

    def __init__(self, inner: Generator) -> None:
        self.inner, self.name = inner, inner.name
        self.calls: list[tuple[str, str | None, int]] = []

    def count(self, text: str) -> int:
        return self.inner.count(text)

    def stream(self, prompt: str, grammar: str | None, max_tokens: int, head: str = "") -> Iterator[str]:
        self.calls.append((prompt, grammar, max_tokens))
        return self.inner.stream(prompt, grammar, max_tokens, head)


def _cases(path: Path, n: int) -> list[Case]:
    return [c for c in load_cases(path) if not c.history][:n]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def answers(args: argparse.Namespace, work: Path) -> None:
    from llama_cpp import Llama
    from llama_cpp.llama_grammar import LlamaGrammar

    from assistant.settings import load_settings
    from assistant.wiring import Assistant

    eval_dir = ROOT / "tests" / "eval"
    base = load_settings()
    first = Assistant(base.model_copy(update={"data_dir": work / "a-seeds"}))
    embedder = CountingEmbedder(first.embedder)
    generator = RecordingGenerator(first.generator)
    from sentence_transformers import SentenceTransformer

    from assistant.embedding import bundled_embedding_path

    # The raw side embeds with the library itself (torch), whichever backend the assistant runs.
    raw_encoder = SentenceTransformer(str(bundled_embedding_path()), device="cpu", local_files_only=True)
    raw_encoder.encode(["warm up"], normalize_embeddings=True, convert_to_numpy=True)
    s = base
    raw_llm = Llama(model_path=str(first.model_path), n_ctx=s.n_ctx, n_threads=s.n_threads,
                    n_threads_batch=s.n_threads, n_batch=s.n_batch, seed=s.seed, verbose=False, use_mmap=False)
    half = max(1, args.questions // 2)
    plan = [("seeds", ROOT / "seeds", _cases(eval_dir / "dev.jsonl", half)),
            (args.corpus, eval_dir / args.corpus / "docs", _cases(eval_dir / args.corpus / "cases.jsonl",
                                                                   args.questions - half))]
    rows: list[dict[str, Any]] = []
    asked: list[tuple[Any, Case]] = []
    for name, docs, cases in plan:
        assistant = Assistant(base.model_copy(update={"data_dir": work / f"a-{name}"}), embedder, None, generator)
        assistant.index([docs])
        for case in cases:
            before_calls, before_embeds, before_texts = len(generator.calls), embedder.calls, embedder.texts
            t0 = time.perf_counter()
            answer = assistant.ask(case.question)
            ask_s = time.perf_counter() - t0
            prompts = generator.calls[before_calls:]
            t0 = time.perf_counter()
            raw_encoder.encode([case.question], normalize_embeddings=True, convert_to_numpy=True)
            raw_embed_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            for prompt, grammar, max_tokens in prompts:
                raw_llm.create_completion(prompt, max_tokens=max_tokens, temperature=s.temperature, seed=s.seed,
                                          grammar=LlamaGrammar.from_string(grammar, verbose=False) if grammar else None)
            raw_gen_s = time.perf_counter() - t0
            rows.append(dict(corpus=name, ask=ask_s, raw=raw_gen_s + raw_embed_s, raw_embed=raw_embed_s,
                             model_calls=len(prompts), embeds=embedder.calls - before_embeds,
                             texts=embedder.texts - before_texts, refused=answer.refused))
            asked.append((assistant, case))
            print(f"  {name} {case.id}: ask {ask_s:.2f}s raw {raw_gen_s + raw_embed_s:.2f}s "
                  f"({len(prompts)} model call(s), {embedder.calls - before_embeds} embed call(s))", file=sys.stderr)

    print("\n(a) answer latency: assistant.ask vs raw llama-cpp-python on the same prompt(s) + one raw query "
          "embedding")
    print(f"{'questions':>9} {'ask p50':>8} {'ask p95':>8} {'raw p50':>8} {'raw p95':>8} {'ratio p50':>9} "
          f"{'ratio p95':>9} {'model calls':>11} {'embed calls':>11} {'texts embedded':>14} {'refused':>7}")
    ratios = [r["ask"] / r["raw"] for r in rows]
    asks, raws = [r["ask"] for r in rows], [r["raw"] for r in rows]
    print(f"{len(rows):>9} {statistics.median(asks):>7.2f}s {_pct(asks, 0.95):>7.2f}s "
          f"{statistics.median(raws):>7.2f}s {_pct(raws, 0.95):>7.2f}s {statistics.median(ratios):>8.2f}x "
          f"{_pct(ratios, 0.95):>8.2f}x {sum(r['model_calls'] for r in rows):>11} "
          f"{sum(r['embeds'] for r in rows):>11} {sum(r['texts'] for r in rows):>14} "
          f"{sum(r['refused'] for r in rows):>7}")
    print("(raw: only the model calls the assistant made; a refused question made none, its raw figure is the "
          "query embedding alone)")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for assistant, case in asked:
            assistant.ask(case.question)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(r"assistant/|llama_cpp/llama.py|sentence_transformers", 30)
        print("\ncProfile of the same questions asked again (evidence vectors now cached), cumulative:")
        print(out.getvalue()[-6000:])


def _raw_torch_encoder(texts: list[str]) -> Any:
    from sentence_transformers import SentenceTransformer

    from assistant.embedding import bundled_embedding_path

    model = SentenceTransformer(str(bundled_embedding_path()), device="cpu", local_files_only=True)
    model.encode(texts[:4])
    return model


def _raw_torch_rate(model: Any, texts: list[str], batch: int) -> float:
    t0 = time.perf_counter()
    model.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True)
    return len(texts) / (time.perf_counter() - t0)


def encoders(args: argparse.Namespace, work: Path) -> None:
    from assistant.settings import load_settings
    from assistant.wiring import Assistant

    eval_dir = ROOT / "tests" / "eval"
    docs = {"seeds": ROOT / "seeds", **{p.parent.name: p for p in eval_dir.glob("*/docs")}}
    cases = {"seeds": [c for f in ("dev.jsonl", "seeds_blind.jsonl") for c in load_cases(eval_dir / f)],
             **{n: load_cases(eval_dir / n / "cases.jsonl") for n in docs if n != "seeds"}}
    base = load_settings()
    rows = []
    texts: list[str] = []
    torch_vectors: list[Vector] = []
    raw_model: Any = None
    embedders: dict[str, tuple[Embedder, float]] = {}
    timings: dict[str, list[tuple[float, float, float, float]]] = {b: [] for b in args.backends}
    chunks: dict[str, int] = {}
    indexed: dict[str, Any] = {}
    for repeat in range(args.repeats):
        for backend in args.backends:
            settings = base.model_copy(update={"embedding_backend": backend,
                                               "data_dir": work / f"b-{backend}-{args.corpus}-{repeat}"})
            if backend not in embedders:
                t0 = time.perf_counter()
                loaded = Assistant(settings).embedder
                loaded.embed(["warm up"])
                embedders[backend] = (loaded, time.perf_counter() - t0)
            embedder = embedders[backend][0]
            assistant = Assistant(settings, embedder)
            assistant.store.count()  # the store opened (importing chromadb) before the clock, as the models are
            t0 = time.perf_counter()
            report = assistant.index([docs[args.corpus]])
            index_s = time.perf_counter() - t0
            if not texts:
                texts = [c.text for c in sorted(assistant.store.all_chunks(), key=lambda c: c.id)]
                raw_model = _raw_torch_encoder(texts)
            raw_rate = _raw_torch_rate(raw_model, texts, base.embedding_batch_size)
            t0 = time.perf_counter()
            embedder.embed(texts)
            embed_rate = len(texts) / (time.perf_counter() - t0)
            raw_rate_2 = _raw_torch_rate(raw_model, texts, base.embedding_batch_size)
            timings[backend].append((report.chunks_added / index_s, raw_rate, embed_rate, raw_rate_2))
            chunks[backend], indexed[backend] = report.chunks_added, assistant
            print(f"  {backend} ({repeat + 1}/{args.repeats}): indexed {report.chunks_added} chunks in {index_s:.1f}s, "
                  f"{report.chunks_added / index_s / raw_rate:.2f}x raw torch; encoder alone "
                  f"{embed_rate / raw_rate_2:.2f}x (load average {os.getloadavg()[0]:.1f})", file=sys.stderr)
    for backend in args.backends:
        embedder, load_s = embedders[backend]
        assistant = indexed[backend]
        settings = assistant.settings
        vectors = embedder.embed(texts)
        if backend == "torch":
            torch_vectors = vectors
        cosines = ([sum(a * b for a, b in zip(u, v, strict=True)) for u, v in zip(torch_vectors, vectors, strict=True)]
                   if torch_vectors else [float("nan")])  # torch not run first: nothing to compare with
        hits: dict[str, tuple[int, int, int]] = {}
        for name in args.hit_corpora:
            if name == args.corpus:
                one = assistant  # indexed above
            else:
                one = Assistant(settings.model_copy(update={"data_dir": work / f"b-{backend}-{name}"}), embedder)
                one.index([docs[name]])
            dense = one.retriever.__class__(one.store, one.lexical, embedder, settings.top_k, settings.candidates,
                                            "dense", settings.rrf_k)
            found = hybrid = total = 0
            for case in cases[name]:
                if case.unanswerable or not case.gold or case.history:
                    continue
                total += 1
                vector = embedder.embed([case.question])[0]
                hybrid += any(h.chunk.source.startswith(g) for h in one.retriever.retrieve(case.question, vector)
                              for g in case.gold)
                found += any(h.chunk.source.startswith(g) for h in dense.retrieve(case.question, vector)
                             for g in case.gold)
            hits[name] = (hybrid, found, total)
        rows.append((backend, load_s, chunks[backend], timings[backend], cosines, hits))

    print(f"\n(b) indexing throughput on {args.corpus} (chunks/s) against the raw torch encoder on the same texts, "
          f"medians of {args.repeats} run(s), each ratio taken within one run")
    print(f"{'backend':<10} {'load s':>7} {'chunks':>6} {'index /s':>8} {'raw torch /s':>12} {'ratio':>6} "
          f"{'ratios':>18} {'encoder /s':>10} {'ratio':>6} {'cos to torch min/median':>24}")
    for backend, load_s, n, runs, cos, _ in rows:
        index_ratios = [r[0] / r[1] for r in runs]
        embed_ratios = [r[2] / r[3] for r in runs]
        print(f"{backend:<10} {load_s:>7.1f} {n:>6} {statistics.median(r[0] for r in runs):>8.2f} "
              f"{statistics.median(r[1] for r in runs):>12.2f} {statistics.median(index_ratios):>5.2f}x "
              f"{' '.join(f'{x:.2f}' for x in index_ratios):>18} {statistics.median(r[2] for r in runs):>10.2f} "
              f"{statistics.median(embed_ratios):>5.2f}x {min(cos):>11.6f} / {statistics.median(cos):.6f}")
    print(f"\n(c) hit@{base.top_k}: gold file among the top {base.top_k} hybrid hits (dense alone), answerable cases")
    print(f"{'backend':<10} " + " ".join(f"{n:>18}" for n in args.hit_corpora))
    for backend, *_, hits in rows:
        print(f"{backend:<10} " + " ".join(f"{h:>5}/{t:<3} ({d:>3}/{t:<3})" for h, d, t in
                                           (hits[n] for n in args.hit_corpora)))


def _limit_threads(n: int) -> None:
    """torch and every ONNX Runtime session made from now on run on ``n`` threads."""
    import onnxruntime
    import torch

    torch.set_num_threads(n)
    made = onnxruntime.SessionOptions

    def options() -> Any:
        o = made()
        o.intra_op_num_threads = n
        return o

    onnxruntime.SessionOptions = options


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--corpus", default="port_marren", help="the tests/eval corpus beside seeds/")
    parser.add_argument("--hit-corpora", nargs="+", default=["seeds", "port_marren"])
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx", "onnx-int8"])
    parser.add_argument("--repeats", type=int, default=1, help="(b) runs of every backend in turn; medians printed")
    parser.add_argument("--threads", type=int, default=0, help="threads for torch and ONNX Runtime (0: their own)")
    parser.add_argument("--no-answers", action="store_true", help="skip (a)")
    parser.add_argument("--no-encoders", action="store_true", help="skip (b) and (c)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.threads:
        _limit_threads(args.threads)
    print(f"load average at start: {os.getloadavg()}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="overhead-") as tmp:
        if not args.no_answers:
            answers(args, Path(tmp))
        if not args.no_encoders:
            encoders(args, Path(tmp))
    print(f"\nload average at the end (1, 5, 15 min): {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
