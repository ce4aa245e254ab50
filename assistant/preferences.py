"""Settings a visitor of the chat page may change for themselves: the model and top-k.

A visitor's choice lives in their page's session, never in the server's settings, so one visitor
cannot switch everyone else to another (or a broken) model. The server keeps one Assistant per
choice in use, all sharing the index and the embedder, and loads each model file at most once:

>>> pool = Assistants(Assistant(load_settings()))              # doctest: +SKIP
>>> pool.get(Choice(model=None, top_k=6)).settings.top_k       # doctest: +SKIP
6
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from assistant.errors import SettingsError
from assistant.llm import Generator
from assistant.wiring import Assistant

TOP_K_MIN, TOP_K_MAX = 1, 20
_KEPT_ASSISTANTS = 8  # choices remembered; one not used for a while is built again when needed
_LOADED_MODELS = 2  # model files held in memory at once: the server's own and one other


@dataclass(frozen=True)
class Choice:
    """What one visitor chose: a GGUF file name in models/ (None: the bundled model) and top-k."""

    model: str | None
    top_k: int


def default_choice(assistant: Assistant) -> Choice:
    return Choice(assistant.settings.model or None, assistant.settings.top_k)


def validated(model: str | None, top_k: Any, available: list[str]) -> Choice:
    """The visitor's choice, or SettingsError saying in plain words what is wrong with it.

    >>> validated("", 50, [])
    Traceback (most recent call last):
    assistant.errors.SettingsError: top-k must be a whole number from 1 to 20; 50 is not
    """
    try:
        number = float(top_k)
    except (TypeError, ValueError):
        raise SettingsError(f"top-k must be a whole number from {TOP_K_MIN} to {TOP_K_MAX}; "
                            f"{top_k!r} is not a number") from None
    if not number.is_integer() or not TOP_K_MIN <= number <= TOP_K_MAX:
        shown = int(number) if number.is_integer() else number
        raise SettingsError(f"top-k must be a whole number from {TOP_K_MIN} to {TOP_K_MAX}; {shown} is not")
    if model and model not in available:
        raise SettingsError(f"there is no model called {model} in the models folder any more; choose another")
    return Choice(model or None, int(number))


class Assistants:
    """One Assistant per visitor's choice over the same index; model files loaded once, a few at a time."""

    def __init__(self, default: Assistant) -> None:
        self.default = default
        self._lock = threading.Lock()
        self._assistants: OrderedDict[Choice, Assistant] = OrderedDict({default_choice(default): default})
        self._generators: OrderedDict[str | None, Generator] = OrderedDict()

    def get(self, choice: Choice) -> Assistant:
        """The assistant for ``choice`` (its model loads on first use, as the default's does)."""
        with self._lock:
            found = self._assistants.get(choice)
            if found is None:
                generator = self._generators.get(choice.model) or self._loaded(choice.model)
                found = self.default.reconfigured(model=choice.model, top_k=choice.top_k)
                if generator is not None:
                    found.__dict__["generator"] = generator
                self._assistants[choice] = found
            self._assistants.move_to_end(choice)
            self._trim()
            return found

    def load(self, choice: Choice) -> Assistant:
        """The assistant for ``choice`` with its model loaded (call it holding the model lock);
        ModelError, and nothing kept, if the model cannot be loaded."""
        assistant = self.get(choice)
        # The server's own model is loaded through the default assistant, so it is never loaded twice.
        owner = self.default if choice.model == default_choice(self.default).model else assistant
        try:
            generator = owner.generator
        except Exception:
            with self._lock:
                if assistant is not self.default:
                    self._assistants.pop(choice, None)
            raise
        with self._lock:
            assistant.__dict__["generator"] = generator
            self._generators[choice.model] = generator
            self._generators.move_to_end(choice.model)
            self._trim()
        return assistant

    def _loaded(self, model: str | None) -> Generator | None:
        """A model another choice already loaded."""
        for choice, assistant in self._assistants.items():
            if choice.model == model and "generator" in assistant.__dict__:
                return assistant.__dict__["generator"]  # type: ignore[no-any-return]
        return None

    def _trim(self) -> None:
        """Forget the least recently used choices and models beyond the limits (never the default)."""
        keep = default_choice(self.default)
        while len(self._assistants) > _KEPT_ASSISTANTS:
            oldest = next(c for c in self._assistants if c != keep)
            del self._assistants[oldest]
        while len(self._generators) > _LOADED_MODELS:
            model = next((m for m in self._generators if m != keep.model), None)
            if model is None:
                break
            del self._generators[model]
            for choice in [c for c in self._assistants if c.model == model and c != keep]:
                del self._assistants[choice]
