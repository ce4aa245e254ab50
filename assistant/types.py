"""The small frozen records that flow between the stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One loaded file. ``source`` is the file name that citations show; ``pages[i]`` is the offset
    in ``text`` where page i + 1 starts (a PDF), empty for a file without pages."""

    source: str
    path: str
    title: str
    text: str
    sha256: str
    pages: tuple[int, ...] = ()


EVIDENCE_KINDS = frozenset({"prose", "item", "row", "term"})


@dataclass(frozen=True)
class Unit:
    """``text[start:end]`` of the document is the unit; ``kind`` is one of prose, item, row, term,
    heading, code, html; ``heading`` the headings above it, outermost first, joined by " › ";
    ``label`` a table's header row, for a row, and the term a definition's later sentences explain."""

    start: int
    end: int
    kind: str
    heading: str = ""
    label: str = ""

    @property
    def evidence(self) -> bool:
        return self.kind in EVIDENCE_KINDS


@dataclass(frozen=True)
class Chunk:
    """A token-sized span of a document; ``start``/``end`` are character offsets in it."""

    id: str
    source: str
    path: str
    title: str
    text: str
    start: int
    end: int
    doc_sha256: str
    units: tuple[Unit, ...] = ()  # in document offsets; empty for a chunk stored before units existed
    # (page, offset where it starts) for the page the chunk starts on and each page starting inside it
    pages: tuple[tuple[int, int], ...] = ()

    def pages_of(self, start: int, end: int) -> tuple[int, ...]:
        """The page of the span ``[start, end)`` in document offsets, or its first and last page;
        () for a file without pages.

        >>> Chunk("", "", "", "", "", 90, 300, "", pages=((2, 50), (3, 200))).pages_of(150, 250)
        (2, 3)
        """
        if not self.pages:
            return ()
        first = self.pages[0][0]
        last = first
        for page, offset in self.pages:
            if offset <= start:
                first = page
            if offset < end:
                last = page
        return (first,) if last <= first else (first, last)


@dataclass(frozen=True)
class Hit:
    """A chunk as retrieval ranked it. ``score`` is the fused score, higher is better."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclass(frozen=True)
class Passage:
    """A numbered source given to the model: a span of evidence units inside a retrieved chunk.
    ``breaks`` are where in ``text`` each unit after the first begins."""

    n: int
    chunk: Chunk
    text: str
    start: int
    end: int
    score: float
    breaks: tuple[int, ...] = ()


@dataclass(frozen=True)
class Citation:
    """A marker ``[n]`` resolved to the passage it names."""

    n: int
    source: str
    chunk_id: str
    text: str
    start: int
    end: int
    pages: tuple[int, ...] = ()  # its page, or its first and last page; () for a file without pages

    @classmethod
    def of(cls, passage: Passage) -> Citation:
        return cls(passage.n, passage.chunk.source, passage.chunk.id, passage.text, passage.start, passage.end,
                   passage.chunk.pages_of(passage.start, passage.end))

    @property
    def page_label(self) -> str:
        """ "p. 12", "pp. 12–13", or "" for a file without pages."""
        return page_label(self.pages)


def page_label(pages: tuple[int, ...] | list[int]) -> str:
    """How a citation names its pages.

    >>> page_label((12,)), page_label((12, 13)), page_label(())
    ('p. 12', 'pp. 12–13', '')
    """
    if not pages:
        return ""
    return f"p. {pages[0]}" if len(pages) == 1 or pages[0] == pages[-1] else f"pp. {pages[0]}–{pages[-1]}"


@dataclass(frozen=True)
class Sentence:
    """One answer sentence, the markers it carries, and whether its sources support it.

    A quoted evidence sentence may carry ``highlight``: where in it the model found the answer."""

    text: str
    markers: tuple[int, ...]
    supported: bool
    reason: str = ""
    highlight: tuple[int, int] | None = None  # the answer's span inside ``text``, a quoted sentence


@dataclass(frozen=True)
class Timings:
    retrieval_s: float = 0.0
    prompt_s: float = 0.0
    generation_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.retrieval_s + self.prompt_s + self.generation_s


@dataclass(frozen=True)
class Answer:
    """What ``Assistant.ask`` returns."""

    text: str
    citations: tuple[Citation, ...]
    refused: bool
    sentences: tuple[Sentence, ...]
    timings: Timings
    question: str
    standalone_question: str
    passages: tuple[Passage, ...] = ()
    hits: tuple[Hit, ...] = ()
    prompt: str = ""
    raw_output: str = ""
    fallback: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def supported(self) -> tuple[bool, ...]:
        return tuple(s.supported for s in self.sentences)
