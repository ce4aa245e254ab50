"""Small deterministic stand-ins for the embedding model and the GGUF generator.

No MagicMock: each fake does just enough real work that a test can fail.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

DIMENSIONS = 64
_WORD = re.compile(r"[a-z0-9]+")


def _bucket(word: str) -> int:
    # hashlib, not hash(): Python salts str hashes per process.
    return int.from_bytes(hashlib.sha256(word.encode("utf-8")).digest()[:4], "big") % DIMENSIONS


class FakeEmbedder:
    """Bag of lower-cased words hashed into 64 buckets, L2-normalised.

    Texts that share words get a high cosine similarity; texts that share none
    only meet through bucket collisions.
    """

    name = "fake-embedder"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: list[str], progress: bool = False) -> list[list[float]]:
        self.calls.append(list(texts))
        return [self.vector(t) for t in texts]

    @property
    def embedded(self) -> list[str]:
        """Every text embedded so far, in order."""
        return [t for call in self.calls for t in call]

    @staticmethod
    def vector(text: str) -> list[float]:
        v = [0.0] * DIMENSIONS
        for word in _WORD.findall(text.lower()):
            v[_bucket(word)] += 1.0
        norm = math.sqrt(sum(x * x for x in v))
        if norm == 0.0:  # no words: a fixed unit vector, never a zero one
            v[0] = 1.0
            return v
        return [x / norm for x in v]


Reply = str | Callable[[str, str | None], str]


@dataclass(frozen=True)
class Call:
    prompt: str
    grammar: str | None
    max_tokens: int


class FakeGenerator:
    """Streams queued replies in small pieces and records every call.

    A reply is a string, or a function of (prompt, grammar) returning one, for a
    test that needs to see the numbered sources before it answers. Running out
    of replies is an error, so an unexpected call fails the test.
    """

    def __init__(self, replies: list[Reply] | None = None, name: str = "fake-generator.gguf",
                 piece_chars: int = 3) -> None:
        self.name = name
        self.replies: list[Reply] = list(replies or [])
        self.calls: list[Call] = []
        self.piece_chars = piece_chars

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def count(self, text: str) -> int:
        return len(text.split()) + 1

    def stream(self, prompt: str, grammar: str | None, max_tokens: int, head: str = "") -> Iterator[str]:
        self.calls.append(Call(prompt, grammar, max_tokens))
        if not self.replies:
            raise AssertionError(f"FakeGenerator called with no reply queued; prompt ends {prompt[-80:]!r}")
        reply = self.replies.pop(0)
        text = reply(prompt, grammar) if callable(reply) else reply
        for i in range(0, len(text), self.piece_chars):
            yield text[i : i + self.piece_chars]


def source_number(prompt: str, needle: str) -> int:
    """The n of the last ``[n] ...`` source line of ``prompt`` that contains ``needle``."""
    found = [int(m.group(1)) for m in re.finditer(r"^\[(\d+)\] (.*)$", prompt, re.M) if needle in m.group(2)]
    if not found:
        raise AssertionError(f"no source line contains {needle!r}")
    return found[-1]


class GatedGenerator(FakeGenerator):
    """A FakeGenerator that hands out each piece only when the test lets one through.

    The worker thread that streams blocks before every piece until ``release`` gives
    it a permit, so a test can stop the answer at an exact point. ``sent`` counts the
    pieces handed out. A piece never released fails the stream after ``timeout``
    seconds instead of hanging the test run.
    """

    def __init__(self, replies: list[Reply] | None = None, piece_chars: int = 3, timeout: float = 10.0) -> None:
        super().__init__(replies, name="gated-generator.gguf", piece_chars=piece_chars)
        self.timeout = timeout
        self.sent = 0
        self._permits = threading.Semaphore(0)

    def release(self, pieces: int = 1) -> None:
        for _ in range(pieces):
            self._permits.release()

    def stream(self, prompt: str, grammar: str | None, max_tokens: int, head: str = "") -> Iterator[str]:
        for piece in super().stream(prompt, grammar, max_tokens, head):
            if not self._permits.acquire(timeout=self.timeout):
                raise AssertionError(f"GatedGenerator: piece {self.sent + 1} was never released")
            self.sent += 1
            yield piece
