"""What the page says to people, in plain words: about uploads, removals and the documents.

Every name or text that came from a file or a person passes through ``rendering.inert``, so the
Markdown these messages are shown with cannot turn it into markup. No server paths, no code.
"""

from __future__ import annotations

import re

from assistant.overview import DocumentSummary
from assistant.rendering import inert


def removal_question(document: DocumentSummary) -> str:
    """The question asked before a file leaves the index."""
    return (f"Remove **{inert(document.source)}** ({inert(document.title)}) from the index? "
            "Answers will no longer cite it; a copy uploaded here is deleted too.")


def removed(name: str, chunks: int) -> str:
    if not chunks:
        return f"{inert(name)} was no longer in the index; nothing changed."
    return f"Removed {inert(name)} from the index."


def not_removed(name: str, reason: str) -> str:
    return f"**{inert(name)} was not removed:** {inert(reason)}"


SETTINGS_SCOPE = ("These settings apply to this page only: other visitors, and your other tabs, keep their own. "
                  "A reload goes back to the server's settings.")


def _plain(reason: str) -> str:
    """An error's reason without server paths: a path is shown as its file name."""
    return re.sub(r"(?<![\w.])(?:/[^\s/;,:()]+)+/([^\s/;,:()]+)", r"\1", reason)


def settings_refused(reason: str) -> str:
    return f"**Not applied:** {inert(_plain(reason))}. Your settings are as they were."


def loading_model(model: str) -> str:
    return f"Loading {inert(model)}…"


def model_refused(model: str, reason: str) -> str:
    reason = reason.split("; ")[0]  # what is wrong; the fix that follows is the command line's
    return (f"**Not applied:** {inert(model)} could not be loaded ({inert(_plain(reason))}). "
            "Your settings are as they were.")


def settings_applied(model: str, top_k: int) -> str:
    return f"Applied: model {inert(model)}, top-k {top_k}, for this page."
