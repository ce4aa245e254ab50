"""What the page says to people, in plain words: about uploads, removals and the documents.

Every name or text that came from a file or a person passes through ``rendering.inert``, so the
Markdown these messages are shown with cannot turn it into markup. No server paths, no code.
"""

from __future__ import annotations

import re

from assistant.indexing import IndexReport
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


EDITING = ("Editing your last question: **Ask** replaces the last question and its answer "
           "(**New chat** starts over instead).")

DELETED_ELSEWHERE = "That conversation was deleted in another tab of this page."

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


def problem(reason: str) -> str:
    """An error as the page shows it: no server paths, no code marks."""
    return inert(_plain(reason).replace("`", ""))


def upload_result(name: str, report: IndexReport) -> str:
    """What adding one uploaded file did, in a sentence ("Added report.pdf.")."""
    if report.problems:
        reasons = "; ".join(_plain(p).removeprefix(f"{name}: ") for p in report.problems)
        return f"**Not added:** {inert(name)}: {inert(reasons)}. Nothing in the index changed."
    kept = f" ({inert('; '.join(report.notes))})" if report.notes else ""  # kept under another name
    if report.added:
        return f"Added {inert(name)}{kept}."
    if report.updated:
        return f"Updated {inert(name)}{kept}: the index now holds the new version."
    return f"{inert(name)} is already in the index, unchanged{kept}."


def upload_refused(reason: str) -> str:
    return f"**Not added:** {problem(reason)}. Nothing in the index changed."


_SHOWN_DOCUMENTS = 8  # listed in the welcome and in the reply to "what is in here?"; the rest counted


def _listed(documents: list[DocumentSummary], html: bool) -> str:
    items = []
    for d in documents[:_SHOWN_DOCUMENTS]:
        opening = f": {inert(d.opening)}" if d.opening else ""
        if html:
            items.append(f'<li><strong>{inert(d.title)}</strong> <span class="file">({inert(d.source)})</span>'
                         f"{opening}</li>")
        else:
            items.append(f"- **{inert(d.title)}** ({inert(d.source)}){opening}")
    more = len(documents) - _SHOWN_DOCUMENTS
    if more > 0:
        items.append(f"<li>and {more} more (see Documents)</li>" if html else f"- and {more} more (see Documents)")
    return f'<ul>{"".join(items)}</ul>' if html else "\n".join(items)


def welcome(documents: list[DocumentSummary]) -> str:
    """What the empty conversation shows (Markdown): the documents, and where to start."""
    if not documents:
        return ("**Nothing to ask about yet: the index is empty.**\n\n"
                "Add documents (text, Markdown, PDF, Word, HTML) under **Documents**, then ask here.")
    count = f"{len(documents)} document{'s' if len(documents) != 1 else ''}"
    return (f"**Ask about the {count} indexed here.** Every answer quotes the sentence it rests on.\n\n"
            f"{_listed(documents, html=False)}\n\nType a question below, or start from one of these:")


def overview_reply(documents: list[DocumentSummary], kind: str, suggestions: list[str]) -> str:
    """The reply (HTML) to a greeting or to "what is in here?": the documents and what they cover."""
    if not documents:
        return ('<div class="overview">The index is empty, so there is nothing to answer from yet. '
                "Add documents under <strong>Documents</strong>, then ask about them.</div>")
    hello = "Hello. " if kind == "greeting" else ""
    count = f"{len(documents)} document{'s' if len(documents) != 1 else ''}"
    tip = (f' <div class="overview-tip">For example: <em>{inert(suggestions[0])}</em></div>'
           if suggestions else "")
    return (f'<div class="overview">{hello}I answer questions from the {count} indexed here, quoting the '
            f"sentence each answer rests on. They are:{_listed(documents, html=True)}"
            f"Ask about any of them.{tip}</div>")
