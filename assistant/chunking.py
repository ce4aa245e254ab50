"""Documents → Chunks sized in tokens, ending on unit boundaries (sentences, list items, rows), overlapping.

A chunk id is a hash of the file's path, the chunk's offset and its text: the
same content always gets the same id, so re-indexing an unchanged file is a no-op.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right

from assistant.tokens import TokenCounter
from assistant.types import Chunk, Document, Unit
from assistant.units import units

_WORD = re.compile(r"\S+")


def chunk_id(path: str, start: int, text: str) -> str:
    return hashlib.sha256(f"{path}\x00{start}\x00{text}".encode()).hexdigest()[:32]


# Raised whenever the same file and settings would be cut into other chunks (a change to the
# sentence splitter, the loaders or this module), so that `assistant index` cuts old files again.
CHUNKING_VERSION = 40  # 3: PDF, Word and HTML; chunks name their pages. 4: "of 1. Other" is two sentences.
# 5: a PDF line that leaves its sentence open goes on over a wide gap. 6: running headers and page numbers left out.
# 7: a definition's later sentences name its term. 8: plain-text tables give rows named by their header;
# fields, bold labels, Sphinx objects, Debian sign-offs; underlines in text of long lines. 9: an HTML <pre>
# without <code> (Texinfo, DocBook) is a code block; HTML: permalink signs dropped, the page's <title> is the title;
# a Markdown title without badges or tags; HTML without <main> keeps its headings, <dl> terms open their text.
# 10: a numbered heading's level is its number's depth; a line without letters or digits is no heading;
# a PDF's tables are rows; a plain-text table with a "|---|" line under its header names its rows.
# 11: the text of an rST note or version directive (".. versionchanged:: 4.0") is prose, labelled by it.
# 12: rST titles under any adornment, levels in order of appearance; rST comments hidden; a PDF's bold or
# large short lines are headings; a bracketed aside goes with the sentence after it; no cut inside a web address.
# 13: HTML text set straight beside blocks is kept as paragraphs; a sentence ending in a colon takes the code under
# an rST code directive; a role with a domain (":std:doc:") shows its title. 14: in a PDF whose headings were found
# by their fonts, a short plain line heads nothing. 15: rST link targets (".. _name:") and what is set in under a
# comment are markup, never evidence, not even for a question asking for code; an FAQ's labelled question ("Q:")
# heads its answer also when it ends without a question mark; a line with "{" or ending in "(" or "[" is no title;
# "2. Data Types" heads the sections numbered "2.1." under it; a PDF page's own "=====" rules underline no title;
# HTML inline code broken over two source lines stays inline (it was fenced, and later fences paired wrongly).
# 16: a sentence going on after the example it took ("... look like: <code> and the nowait version ...") is one unit;
# no sentence is cut inside an rST literal ("``trio.WouldBlock``"); HTML tags in Markdown text ("<sup>", "</a>")
# are not shown. 17: rST's auto-numbered "#." items are items; a table's long rows do not make hard-wrapped prose
# one paragraph a line. 18: an rST directive's line (".. sourcecode:: python", ".. note::") is markup, not code.
# 19: a tab sets text in to the next multiple of 8 (a man page saved without `col -x`); "-p --pid=PID..." over its
# text is a term; a colon takes examples of one kind; an FAQ's "Q)" and "A1)" are a question and its answer; HTML
# links hidden from screen readers (Texinfo's "TOC" by each heading) are dropped. 20: a definition's later paragraphs
# carry its term; a definition whose text ends asking is no question; "Default: ``True``" set in is prose; a sample
# configuration's settings are items with their comments; a Markdown heading that is an image is titled by its alt text.
# 21: a one-character name set out before its text is a term; an HTML heading broken over source lines is one heading;
# a title alone between rules is a heading; adornments inside a literal block are no titles. 22: a plain-text file
# whose lines are mostly "#" comments (a sample configuration) is read as the text of its comments. 23: an option
# right under a man page's section title is a term; an HTML paragraph half link is kept, its links as text.
# 24: a one-word line or a command line set in as prose goes with the sentence ending in a colon before it.
# 25: an HTML code block set after words in a list item opens on its own line. 27: a PDF page going on in
# brackets ("| (major, minor, patch) and ...") goes on with the sentence before; a title that is all a literal
# ("``SIGUSR2``", "## `timeout`") heads its text as a named thing under the section; a Word paragraph opening
# with "<" is text, not HTML. 28: Word paragraphs in a monospaced font or a code style are code blocks, their
# lines kept, and monospaced words code spans; a Markdown list item opening with a name in code ("* `Mail` -
# string") names its later paragraphs (and those set in after it). 29: a command's --help shown as code is read as
# a manual: each option with its text. 30: in a configuration file explained in comments, a line setting something
# is an item of its own, and the comment right above it is labelled with its name.
# 31: a sentence with one line of code set out inside it ("add the line" / code / "to /boot/loader.conf") is one unit;
# a Markdown file's YAML front matter is markup (it made a heading of its keys); a title over two lines keeps a space;
# in reStructuredText a line of five or more plain words alone is text, not a title (titles there are adorned);
# a line opening with "- " after a long line broken mid-sentence is a dash going on with it, not a list item.
# 32: a sentence stopping before its object ("The TRANS() macro is defined as") takes a fenced line of code too.
# 33: a plain-text title set between runs of dashes ("---- Frequently Asked Questions ----") heads without them.
# 34: a sample configuration's setting lines ("Port 8888", "#Listen 192.168.0.1") are no titles.
# 35: a man page's names level with its options' are terms; a title right under indented text heads.
# 36: a sentence ending in a colon takes the command line a PDF set out as text ("lpstat -p -d").
# 37: a release's title ending in a colon ("1.0.3: Nov 18 2010:") alone over its changes heads them.
# 38: an HTML definition's bare text before an empty paragraph (LaTeX2HTML's "<dd>G. Mohanty, ...<p></p>") is kept,
# after its term; a line of patterns ending in question marks ("years?, yea?, yy?") is no question heading the text;
# a man page's section or subsection over paragraphs set in at 7 heads them also where its tags' text is most of
# the page ("Action Tags" at 3), a title in capitals may name something in brackets ("THE [options] STANZA"), and a
# tag with its text on its line, that text where the other tags' text starts ("ip     IPv4 address ..."), is a term.
# 39: a sample configuration's comment is labelled by the setting in force under it ("port 1194"), a setting left
# commented out with ";" is one too, each commented-out setting is a sentence of its own, a question is no heading.
# 40: a Markdown paragraph that is an FAQ's question set in bold ("**Q13**. Record nodes ...", "**How do I ...?**")
# heads its answer; an HTML anchor without a link keeps its text.


class Chunker:
    """Groups a document's sentences into chunks of about ``size`` tokens."""

    def __init__(self, counter: TokenCounter, size: int, overlap: int) -> None:
        if overlap >= size:
            raise ValueError("overlap must be smaller than size")
        self.counter, self.size, self.overlap = counter, size, overlap

    @property
    def recipe(self) -> str:
        """What decides the chunks besides the file: stored with them, compared on re-indexing."""
        return f"v{CHUNKING_VERSION} size={self.size} overlap={self.overlap}"

    def chunk(self, document: Document) -> list[Chunk]:
        """The document's chunks, each carrying the units (see :mod:`assistant.units`) inside it."""
        pieces = self._units(document)
        units = [(u.start, u.end, tokens) for u, tokens in pieces]
        chunks: list[Chunk] = []
        i = 0
        while i < len(units):
            j = i + 1  # a chunk holds at least one unit; the text between sentences counts too
            while j < len(units) and self._tokens(document.text, units[i][0], units[j][1]) <= self.size:
                j += 1
            start, end = units[i][0], units[j - 1][1]
            text = document.text[start:end]
            inside = tuple(u for u, _ in pieces[i:j])
            chunks.append(
                Chunk(chunk_id(document.path, start, text), document.source, document.path,
                      document.title, text, start, end, document.sha256, inside, _pages(document, start, end))
            )
            if j >= len(units):
                break
            i = self._overlap_start(units, i, j)
        return chunks

    def _overlap_start(self, units: list[tuple[int, int, int]], i: int, j: int) -> int:
        """First unit of the next chunk: back off from j while the overlap fits and the
        next chunk still has room for unit j, so every chunk brings something new."""
        k, carried = j, 0
        while (k - 1 > i and carried + units[k - 1][2] <= self.overlap
               and carried + units[k - 1][2] + units[j][2] <= self.size):
            k -= 1
            carried += units[k][2]
        return k

    def _tokens(self, text: str, start: int, end: int) -> int:
        return self.counter.count(text[start:end])

    def _units(self, document: Document) -> list[tuple[Unit, int]]:
        """The document's units with their token counts; a unit longer than a chunk is split on words."""
        text = document.text
        out: list[tuple[Unit, int]] = []
        for unit in units(text, markdown=is_markdown(document.source), wrapped=is_wrapped(document.source),
                          underlined=is_underlined(document.source)):
            tokens = self.counter.count(text[unit.start : unit.end])
            if tokens <= self.size:
                out.append((unit, tokens))
            else:
                out.extend((Unit(s, e, unit.kind, unit.heading, unit.label), n)
                           for s, e, n in self._split_long(text, unit.start, unit.end))
        return out

    def _split_long(self, text: str, start: int, end: int) -> list[tuple[int, int, int]]:
        pieces: list[tuple[int, int, int]] = []
        piece_start = piece_end = start
        for word in _WORD.finditer(text, start, end):
            if piece_end > piece_start and self.counter.count(text[piece_start : word.end()]) > self.size:
                pieces.append((piece_start, piece_end, self.counter.count(text[piece_start:piece_end])))
                piece_start = word.start()
            piece_end = word.end()
        pieces.append((piece_start, piece_end, self.counter.count(text[piece_start:piece_end])))
        return pieces


def _pages(document: Document, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """(page, its start offset) for the page holding ``start`` and every page starting before ``end``."""
    starts = document.pages
    if not starts:
        return ()
    first = max(bisect_right(starts, start) - 1, 0)
    return tuple((i + 1, starts[i]) for i in range(first, len(starts)) if i == first or starts[i] < end)


def is_markdown(name: str) -> bool:
    """Whether a file's text is Markdown: a Markdown file, or a Word or HTML file, which the loaders
    turn into Markdown (:mod:`assistant.formats`)."""
    return name.lower().endswith((".md", ".markdown", ".docx", ".html", ".htm"))


def is_underlined(name: str) -> bool:
    """Whether a file's titles are all underlined (or overlined): reStructuredText's are."""
    return name.lower().endswith((".rst", ".rest"))


def is_wrapped(name: str) -> bool | None:
    """True for a PDF, whose lines break wherever the page ran out of width, so a line break inside
    a paragraph is only a space; None: let the text's line lengths tell (:func:`assistant.units.units`)."""
    return True if name.lower().endswith(".pdf") else None
