"""Templates from prompts/, and prompt assembly within the model's token budget.

A template is a text file with ``{name}`` fields (``{{`` for a literal brace).
Rendering with a missing or an unknown variable raises PromptError, so a typo in
a template fails loudly instead of sending the model a hole.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import PromptError
from assistant.tokens import TokenCounter
from assistant.types import Passage

_MARKERS = re.compile(r"\s*(\[\d+\])+")
Turn = tuple[str, str]


@dataclass(frozen=True)
class Template:
    name: str
    text: str

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(f for _, f, _, _ in string.Formatter().parse(self.text) if f)

    @property
    def head(self) -> str:
        """The fixed text before the first variable: the same at the start of every rendering."""
        literal = next(iter(string.Formatter().parse(self.text)), ("", None, None, None))[0]
        return literal if "{" not in self.text[: len(literal)] else ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def render(self, **values: str) -> str:
        missing, unknown = self.fields - values.keys(), values.keys() - self.fields
        if missing or unknown:
            raise PromptError(
                f"template {self.name}: missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        return self.text.format(**values)


class Templates:
    """Loads templates by name from a folder, once each."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[str, Template] = {}

    def __getitem__(self, name: str) -> Template:
        if name not in self._cache:
            path = self.folder / f"{name}.txt"
            if not path.is_file():
                raise PromptError(f"prompt template {path} is missing; restore it (prompts/ of the repository, "
                                  "or reinstall the package) or set prompts_dir to a folder that has it")
            # Editors end files with a newline; a completion prompt must end at "Answer:".
            self._cache[name] = Template(name, path.read_text(encoding="utf-8").rstrip("\n"))
        return self._cache[name]

    def refusal(self) -> str:
        return self["refusal"].text.strip()


def render_sources(passages: list[Passage]) -> str:
    return "\n".join(f"[{p.n}] {p.text}" for p in passages)


def sources_in(prompt: str, passages: list[Passage]) -> list[Passage]:
    """The ``passages`` ``prompt`` shows the model (:func:`fit` drops whole passages, never part of one)."""
    return [p for p in passages if f"[{p.n}] {p.text}" in prompt]


def render_history(history: list[Turn]) -> str:
    lines = []
    for user, assistant in history:
        lines.append(f"User: {user.strip()}")
        lines.append(f"Assistant: {_MARKERS.sub('', assistant).strip()}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Fitted:
    prompt: str
    passages: list[Passage]
    history: list[Turn]
    tokens: int


def fit(
    template: Template,
    counter: TokenCounter,
    budget: int,
    question: str,
    passages: list[Passage] | None = None,
    history: list[Turn] | None = None,
) -> Fitted:
    """Render ``template`` within ``budget`` tokens of the model's own tokenizer.

    The oldest history goes first, then the weakest passages (the last ones), then
    the tail of the question: the result never exceeds the budget.
    """
    passages, history = list(passages or []), list(history or [])
    uses_sources, uses_history = "sources" in template.fields, "history" in template.fields

    def render(q: str) -> str:
        values = {"question": q}
        if uses_sources:
            values["sources"] = render_sources(passages)
        if uses_history:
            values["history"] = render_history(history)
        return template.render(**values)

    prompt = render(question)
    tokens = counter.count(prompt)
    while tokens > budget and (history or len(passages) > 1):
        if history:
            history.pop(0)
        else:
            passages.pop()
        prompt = render(question)
        tokens = counter.count(prompt)
    while tokens > budget and question:
        question = question[: len(question) * 3 // 4]
        prompt = render(question)
        tokens = counter.count(prompt)
    if tokens > budget:
        raise PromptError(
            f"template {template.name} alone needs {tokens} tokens, over the budget of {budget}; "
            "raise n_ctx or shorten the template"
        )
    return Fitted(prompt, passages, history, tokens)
