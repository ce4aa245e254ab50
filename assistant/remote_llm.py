"""A Generator that asks an OpenAI-compatible model server: llama.cpp's, vLLM, Ollama.

The prompts are completion templates, so the server is asked for a completion
(``/v1/completions``), never a chat. The grammar goes in the request field the
server reads one from (``grammar`` for llama.cpp's server and llama-cpp-python's);
a server that takes none writes freely, and the support check, which runs here
on every answer whichever generator wrote it, still holds the answer to its sources.

Prompts are fitted with the server's own tokenizer when it has an endpoint for it
(llama-cpp-python's ``/extras/tokenize``; llama.cpp's and vLLM's ``/tokenize``).
Otherwise a count is an estimate from cl100k with a margin (:func:`estimate`).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from typing import Any

import httpx2  # the openai client's HTTP library; its errors can surface while a stream is read
import openai

from assistant.errors import ModelServerError
from assistant.tokens import TiktokenCounter

# Gemma's tokenizer gave at most 1.21 tokens per cl100k token on the seeds, the prompts and the
# evaluation documents (manuals, changelogs, code); 1.3 and a few more leave room for digits,
# which it splits one by one.
ESTIMATE_RATIO = 1.3
ESTIMATE_MARGIN = 16
# llama-cpp-python's server penalises repeats by default (1.1), llama.cpp itself does not (1.0):
# 1.0 makes a greedy answer the one the in-process model writes.
SAMPLING = {"repeat_penalty": 1.0}

Counter = Callable[[str], int]


def estimate(text: str) -> int:
    """An upper estimate of a prompt's tokens for a server that cannot count them.

    >>> estimate("The harbour wall was rebuilt in 1987.")
    29
    """
    return math.ceil(TiktokenCounter().count(text) * ESTIMATE_RATIO) + ESTIMATE_MARGIN


class ServerGenerator:
    """Completions from an OpenAI-compatible server at ``url`` (its API root, e.g. ``http://host:8080/v1``).

    ``model`` empty takes the first model the server lists; ``grammar_field`` empty sends no grammar.
    """

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        model: str | None = None,
        grammar_field: str = "grammar",
        temperature: float = 0.0,
        seed: int = 0,
        timeout_s: float = 120.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.grammar_field, self.temperature, self.seed = grammar_field, temperature, seed
        self._client = openai.OpenAI(base_url=self.url, api_key=api_key or "none", timeout=timeout_s,
                                     max_retries=0)
        self._root = self.url.removesuffix("/v1")
        self._timeout = timeout_s
        self.model = model or self._first_model()
        self.name = f"{self.model} at {self.url}"
        self._counter: Counter | None = None
        self.counting = ""  # how prompts are counted, once the first one is

    def _first_model(self) -> str:
        try:
            models = [m.id for m in self._client.models.list()]
        except (openai.APIError, httpx2.HTTPError) as exc:
            raise self._error(exc) from None
        if not models:
            raise ModelServerError(f"the model server at {self.url} lists no model; load one into it, "
                                   "or name it with model_name")
        return models[0]

    def count(self, text: str) -> int:
        if self._counter is None:
            self._counter = self._find_counter()
        try:
            return self._counter(text)
        except (openai.APIError, httpx2.HTTPError) as exc:
            raise self._error(exc) from None

    def stream(self, prompt: str, grammar: str | None, max_tokens: int, head: str = "") -> Iterator[str]:
        extra: dict[str, Any] = dict(SAMPLING)
        if grammar and self.grammar_field:
            extra[self.grammar_field] = grammar
        try:
            response = self._client.completions.create(
                model=self.model, prompt=prompt, max_tokens=max_tokens, temperature=self.temperature,
                seed=self.seed, stream=True, extra_body=extra,
            )
        except (openai.APIError, httpx2.HTTPError) as exc:
            raise self._error(exc) from None
        # Leaving the block (the answer is done, or a Stop closed this generator) closes the
        # connection, and the server stops writing at its next token.
        with response:
            try:
                for part in response:
                    piece = part.choices[0].text if part.choices else ""
                    if piece:
                        yield piece
            except (openai.APIError, httpx2.HTTPError) as exc:
                raise self._error(exc) from None

    def _find_counter(self) -> Counter:
        """The server's tokenizer if it has one we know, else :func:`estimate`."""
        probes: list[tuple[str, Callable[[str], dict[str, Any]], Callable[[dict[str, Any]], int]]] = [
            # llama-cpp-python: adds BOS, as the in-process count does
            ("/extras/tokenize", lambda t: {"input": t, "model": self.model}, lambda r: len(r["tokens"])),
            # llama.cpp's server reads content and add_special, vLLM prompt and model (count)
            ("/tokenize", lambda t: {"content": t, "add_special": True, "prompt": t, "model": self.model},
             lambda r: int(r["count"]) if "count" in r else len(r["tokens"])),
        ]
        for path, body, tokens in probes:
            counter = self._tokenizer(path, body, tokens)
            try:
                counter("probe")
            except (openai.APIResponseValidationError, KeyError, TypeError, ValueError):
                continue  # not this server's tokenizer
            except openai.APIStatusError as exc:
                if exc.status_code in (401, 403) or exc.status_code >= 500:
                    raise self._error(exc) from None
                continue  # no such endpoint (404, 405) or not this body (400, 422)
            except (openai.APIError, httpx2.HTTPError) as exc:
                raise self._error(exc) from None
            self.counting = f"the server's tokenizer ({self._root}{path})"
            return counter
        self.counting = f"an estimate: cl100k tokens × {ESTIMATE_RATIO} + {ESTIMATE_MARGIN}"
        print(f"note: the model server at {self.url} has no tokenizer endpoint that this assistant knows; "
              f"prompt sizes are {self.counting}", file=sys.stderr, flush=True)
        return estimate

    def _tokenizer(
        self, path: str, body: Callable[[str], dict[str, Any]], tokens: Callable[[dict[str, Any]], int]
    ) -> Counter:
        def count(text: str) -> int:
            answer = self._client.post(self._root + path, cast_to=object, body=body(text))
            if not isinstance(answer, dict):
                raise TypeError(f"{path} answered {type(answer).__name__}, not an object")
            return tokens(answer)

        return count

    def _error(self, exc: Exception) -> ModelServerError:
        """One line that says what went wrong with the server and what to do."""
        where = f"the model server at {self.url}"
        if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
            return ModelServerError(f"{where} did not answer within {self._timeout:g} s (model_timeout_s)")
        if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
            return ModelServerError(f"{where} cannot be reached; start it, or fix model_url")
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return ModelServerError(f"{where} refused the key ({exc.status_code}); set model_api_key to its key")
        if isinstance(exc, openai.NotFoundError):
            return ModelServerError(f"{where} has no model {getattr(self, 'model', '')!r} or no completions "
                                    f"endpoint ({_message(exc)}); set model_name to one of its models")
        if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
            return ModelServerError(f"{where} rejected the request: {_message(exc)} (a server that takes no "
                                    "grammar needs model_grammar_field set empty)")
        if isinstance(exc, openai.APIStatusError):
            return ModelServerError(f"{where} answered {exc.status_code}: {_message(exc)}")
        return ModelServerError(f"{where} failed: {exc}")


def _message(exc: openai.APIStatusError) -> str:
    """The server's own words, on one line."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") or inner.get("detail") if isinstance(inner, dict) else inner
        if message:
            return " ".join(str(message).split())[:300]
    return " ".join(str(exc.message).split())[:300]
