"""What the index holds, for people: each document's title and what it opens with, a few
questions to start from, and whether a message asks for that rather than for a fact.

Read from the chunks the store holds (no file is opened again), and read again only when
the store's generation moves, whoever wrote to it:

>>> Overview(store).documents()[0].title      # doctest: +SKIP
'Kestrel Point lighthouse'
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from assistant.sentences import sentence_spans
from assistant.store import VectorStore
from assistant.types import Chunk

_OPENING_WORDS = 6  # a shorter first paragraph is a date, a byline or a label, not what the document says
_OPENING_CHARS = 220
_SUBJECT_WORDS = 10  # a longer title makes a clumsy question


@dataclass(frozen=True)
class DocumentSummary:
    """One indexed file as a person sees it: ``title`` its first line (or its name), ``opening``
    its first sentence of some length, or else its first heading under the title ("" if none)."""

    source: str
    path: str
    title: str
    chunks: int
    opening: str


class Overview:
    """The indexed documents, summarised, cached until the store changes."""

    def __init__(self, store: VectorStore) -> None:
        self.store = store
        self._version: str | None = None
        self._documents: list[DocumentSummary] = []

    def generation(self) -> str:
        return self.store.generation()

    def documents(self) -> list[DocumentSummary]:
        version = self.store.generation()
        if version != self._version:
            self._documents = summarise(self.store.all_chunks())
            self._version = version
        return self._documents


def summarise(chunks: list[Chunk]) -> list[DocumentSummary]:
    """Each file's summary, by title then path."""
    by_path: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in chunks:
        by_path[chunk.path].append(chunk)
    found = []
    for path, own in by_path.items():
        first = min(own, key=lambda c: c.start)
        title = " ".join(first.title.split()) or first.source
        found.append(DocumentSummary(first.source, path, title, len(own), _opening(first, title)))
    return sorted(found, key=lambda d: (d.title.casefold(), d.path))


def _opening(chunk: Chunk, title: str) -> str:
    """The first sentence of the first real paragraph, else the first heading that is not the title
    (and not a "Label: value" line such as a date or a byline)."""
    headings = []
    for unit in chunk.units:
        text = " ".join(chunk.text[unit.start - chunk.start:unit.end - chunk.start].split()).lstrip("# ")
        if not text or text == title or unit.start == 0:  # the title's own line or paragraph
            continue
        if unit.evidence and len(text.split()) >= _OPENING_WORDS:
            spans = sentence_spans(text)
            start, end = spans[0] if spans else (0, len(text))
            return _shortened(text[start:end])
        if unit.kind == "heading" and len(text.split()) >= 2 and not _LABELLED.match(text):
            headings.append(text)
    return _shortened(headings[0]) if headings else ""


_LABELLED = re.compile(r"[\w -]{1,20}:\s")  # "Date: 2022-10-04", "Source: …", "Updated: …"


def _shortened(text: str) -> str:
    if len(text) <= _OPENING_CHARS:
        return text
    return text[:_OPENING_CHARS].rsplit(" ", 1)[0] + "…"


def suggested_questions(documents: list[DocumentSummary], count: int = 3) -> list[str]:
    """A few questions to start from, one per document, about what its title names.

    Documents whose titles are short enough to ask about come first, in index order, so the
    suggestions are the same on every load of the same index.
    """
    subjects = []
    for d in documents:
        subject = _subject(d.title)
        if subject and subject not in subjects:
            subjects.append(subject)
    return [f"What do the documents say about {s}?" for s in subjects[:count]]


def _subject(title: str) -> str:
    """The title, or its head before a colon, dash or bracket, when that is a short phrase, in quotes
    (the title's own capitals kept: whether its first word is a name cannot be told in general)."""
    for candidate in (title, re.split(r"\s[-–—:|]\s|:\s|\s\(", title)[0]):
        candidate = candidate.strip(" \"'“”.")
        if 2 <= len(candidate.split()) <= _SUBJECT_WORDS and not _PLAIN_NAME.fullmatch(candidate):
            return f"“{candidate}”"
    return ""


_PLAIN_NAME = re.compile(r"[\w.-]+\.[A-Za-z0-9]{1,5}")  # a file name used as a title says nothing

# English only: what a first message says when it greets or asks what the assistant holds.
# Whole messages only, so "What is in the 2024 release?" or "Hello, who founded Acme?" is a question.
_GREETING = re.compile(r"(hello|hi|hey|hiya|howdy|greetings|good (morning|afternoon|evening|day))"
                       r"( there| assistant| everyone)?")
_DOCS = r"(the |these |those |your |all the |all |my )?(documents|docs|files|texts|sources|index)"
_ABOUT_THE_DOCUMENTS = re.compile(
    "|".join([
        rf"what( i|')s (in )?(here|there|this|{_DOCS})( about)?",
        rf"what (are|were) {_DOCS} (about|on)",
        rf"what (do|does|did) {_DOCS} (cover|contain|say|hold|discuss)",
        rf"what (is|are) (covered|discussed|indexed)( in {_DOCS})?",
        rf"(which|what) {_DOCS} (are|do you have|have you got|are there|are indexed|can you see)( indexed| here)?",
        r"what (do you|can you) (know|know about|have|cover|answer|help with)",
        r"what can (i|you) ask( about| you| you about)?",
        rf"(summari[sz]e|describe|list|show( me)?|give me an overview of) {_DOCS}",
        r"(help|what can you do)",
    ]))


def asks_for_overview_english(message: str) -> str | None:
    """"greeting" for a bare greeting, "contents" for a question about what the documents hold,
    None for anything else (English only; the whole message must be one of these, nothing more).

    >>> asks_for_overview_english("Hello!"), asks_for_overview_english("What are these documents about?")
    ('greeting', 'contents')
    >>> asks_for_overview_english("What is in the 2024 release?") is None
    True
    """
    text = " ".join(re.sub(r"[^\w\s']", " ", message.casefold().replace("’", "'")).split())
    text = re.sub(r"^(hello|hi|hey|ok|okay|so|please)\s+(?=\w)", "", text) if not _GREETING.fullmatch(text) else text
    text = re.sub(r"\s+please$", "", text)
    if _GREETING.fullmatch(text):
        return "greeting"
    if _ABOUT_THE_DOCUMENTS.fullmatch(text):
        return "contents"
    return None
