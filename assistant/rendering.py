"""Answers as HTML for the chat page, and a conversation as Markdown.

Everything that came from a document, the model or the person typing passes
through ``inert`` first: HTML and the characters Markdown acts on become
entities, so no text can open a tag, load an image or run a script. The only
markup on the page is the markup written here.
"""

from __future__ import annotations

import re

from assistant import citations, originals
from assistant.types import Answer, Citation, Passage

# Characters that start Markdown syntax (links, images, emphasis, code, maths, headings, tables),
# and line breaks: a blank line would end the HTML block an answer is, and what follows would be
# read as Markdown (an indented line as code, showing our closing tags as text).
_MARKDOWN = re.compile(r"[\\`*_{}\[\]()#+\-!|~$<>&\"'\n\r]")
_CONTEXT_CHARS = 320


def inert(text: str) -> str:
    """``text`` as characters only: safe inside HTML and inert under a Markdown renderer."""
    return _MARKDOWN.sub(lambda m: f"&#{ord(m.group())};", text)


def source_id(turn: int, n: int) -> str:
    return f"src-{turn}-{n}"


def question_html(text: str) -> str:
    return inert(text)


def streaming_html(partial: str) -> str:
    """The model's words as they arrive, before the answer is checked."""
    return f'<span class="streaming">{inert(partial)}</span><span class="cursor">▍</span>'


def stage_html(stage: str) -> str:
    """What the assistant is doing before any words of the answer exist ("Searching the documents…")."""
    return f'<span class="stage">{inert(stage)}</span>'


def draft_html(partial: str, checking: bool = False) -> str:
    """The model's words as they arrive, in a box that says they are an unchecked draft.

    ``checking``: the draft is complete and the checks are running on it.
    """
    label = ("Checking the draft against its sources…" if checking
             else "Draft, not checked yet: the checked answer will replace it")
    return f'<div class="draft"><div class="draft-label">{label}</div>{streaming_html(partial)}</div>'


def checked_html(answer: Answer, turn: int, draft: str = "") -> str:
    """The checked answer that replaces the ``draft`` the reader saw, saying so when it differs.

    Copy on the message gives :func:`answer_markdown`: the page's script reads it from the hidden
    ``copy-text`` element's title (the page's sanitizer keeps ``title`` but drops ``data-`` attributes).
    """
    return (f'<div class="reply">{_draft_note(answer, draft)}{answer_html(answer, turn)}'
            f'<span class="copy-text" title="{inert(answer_markdown(answer))}"></span></div>')


def draft_replaced(answer: Answer, draft: str) -> bool:
    """Whether the checked ``answer`` says something other than the ``draft`` streamed before it."""
    return " ".join(draft.split()) != " ".join(answer.text.split())


def _draft_note(answer: Answer, draft: str) -> str:
    if not draft.strip():
        return ""
    if not draft_replaced(answer, draft):
        return '<div class="draft-note kept">Checked: the answer is the draft as it was written.</div>'
    return ('<details class="draft-note replaced"><summary>The checks replaced the unchecked draft with the '
            f'answer below (show the draft)</summary><del class="draft-text">{inert(draft)}</del></details>')


def stopped_html(draft: str) -> str:
    """Stopped before the checks: no answer, and the unchecked fragment kept out of sight, struck through."""
    kept = (f'<details class="draft-note"><summary>Show the unchecked draft</summary>'
            f'<del class="draft-text">{inert(draft)}</del></details>') if draft.strip() else ""
    return ('<div class="stopped"><strong>Stopped</strong> before the answer was checked, '
            f"so there is no answer.{kept}</div>")


def answer_html(answer: Answer, turn: int) -> str:
    """The checked answer: each [n] a link to its passage, unsupported sentences marked, then the sources."""
    if answer.refused:
        why = "".join(f' <span class="why">(Why: {inert(note.removeprefix("refused: "))}.)</span>'
                      for note in answer.notes)
        return (f'<div class="refusal"><strong>{inert(answer.text)}</strong> '
                f"Try other words, or add a document that covers it.{why}</div>")
    parts = []
    for sentence in answer.sentences:
        body = citations.highlighted(sentence, lambda t: f"<mark>{t}</mark>", inert)
        links = "".join(
            f'<a class="cite" href="#{source_id(turn, n)}" title="Show passage {n}">[{n}]</a>'
            for n in sentence.markers
        )
        if sentence.supported:
            parts.append(f'<span class="sentence">{body} {links}.</span>')
        else:
            reason = inert(f"Not supported by its source: {sentence.reason}")
            parts.append(f'<span class="sentence unsupported" title="{reason}">'
                         f'<strong class="flag">Unsupported:</strong> {body} {links}.'
                         f' <em class="reason">({reason})</em></span>')
    return f'<div class="answer">{" ".join(parts)}</div>{sources_html(answer, turn)}'


def sources_html(answer: Answer, turn: int) -> str:
    """Every cited passage: its file, its offsets, and the cited span marked in its surrounding text."""
    if not answer.citations:
        return ""
    by_n = {p.n: p for p in answer.passages}
    items = []
    for c in answer.citations:
        before, span, after = _in_context(c, by_n.get(c.n))
        items.append(
            f'<details class="source" id="{source_id(turn, c.n)}">'
            f'<summary>[{c.n}] <span class="file">{inert(c.source)}</span>{_page(c)} '
            f'<span class="where">characters {c.start}–{c.end}</span></summary>'
            f'<blockquote class="passage">{inert(before)}<mark>{inert(span)}</mark>{inert(after)}</blockquote>'
            f"{_original(c, by_n.get(c.n))}</details>"
        )
    return f'<div class="sources"><div class="sources-title">Sources</div>{"".join(items)}</div>'


def _page(citation: Citation) -> str:
    return f', <span class="page">{inert(citation.page_label)}</span>' if citation.pages else ""


def _original(citation: Citation, passage: Passage | None) -> str:
    """For a PDF, a link that opens the original at the cited page in a new tab (see :mod:`originals`)."""
    if passage is None or not citation.pages or not originals.served(passage.chunk.path):
        return ""
    file_id, page = passage.chunk.doc_sha256, citation.pages[0]
    if not originals.valid_id(file_id):
        return ""
    return (f'<a class="original" href="{originals.link_path(file_id, page)}" target="_blank" '
            f'rel="noopener noreferrer">open {inert(citation.source)} at p. {page}</a>')


def _where(citation: Citation) -> str:
    """ "p. 3, characters 120–300" for a PDF; "characters 120–300" for a file without pages."""
    offsets = f"characters {citation.start}–{citation.end}"
    return f"{citation.page_label}, {offsets}" if citation.pages else offsets


def _in_context(citation: Citation, passage: Passage | None) -> tuple[str, str, str]:
    """The text before the cited span, the span, and the text after, within its chunk."""
    if passage is None:
        return "", citation.text, ""
    chunk = passage.chunk
    start = citation.start - chunk.start
    end = citation.end - chunk.start
    if not (0 <= start <= end <= len(chunk.text)) or chunk.text[start:end] != citation.text:
        found = chunk.text.find(citation.text)
        if found < 0:
            return "", citation.text, ""
        start, end = found, found + len(citation.text)
    before = chunk.text[max(0, start - _CONTEXT_CHARS):start]
    after = chunk.text[end:end + _CONTEXT_CHARS]
    return ("…" if start > _CONTEXT_CHARS else "") + before, citation.text, after + (
        "…" if end + _CONTEXT_CHARS < len(chunk.text) else "")


def answer_markdown(answer: Answer) -> str:
    """One answer as Markdown: its text, then the passages it cites (what Copy on an answer gives):
    ``The wall was rebuilt in **1987** [1].`` then ``- [1] harbour.txt, characters 120–157: "…"``.
    """
    shown = citations.render(list(answer.sentences), lambda t: f"**{t}**") if not answer.refused else answer.text
    lines = [shown, ""]
    for c in answer.citations:
        quoted = " ".join(c.text.split())
        lines.append(f"- [{c.n}] {c.source}, {_where(c)}: \"{quoted}\"")
    if answer.citations:
        lines.append("")
    lines += [f"- (not supported by its source: {s.text})" for s in answer.sentences if not s.supported]
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(exchanges: list[tuple[str, Answer]]) -> str:
    """The conversation for export: each question, its answer, and the passages it cites."""
    lines = ["# Conversation", ""]
    for i, (question, answer) in enumerate(exchanges, start=1):
        lines += [f"## {i}. {question}", "", answer_markdown(answer)]
    return "\n".join(lines).rstrip() + "\n"

