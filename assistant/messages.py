"""What the page says to people, in plain words: about uploads, removals and the documents.

Every name or text that came from a file or a person passes through ``rendering.inert``, so the
Markdown these messages are shown with cannot turn it into markup. No server paths, no code.
"""

from __future__ import annotations

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
