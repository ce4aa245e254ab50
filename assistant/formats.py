"""Text out of PDF, Word and HTML files, each read by a well-kept library; a file that cannot be
read raises :class:`DocumentError` with a one-line reason.

* PDF (pypdfium2): the text layer as plain text, page after page, each page starting on a new line,
  with the offset where each page starts, so any span of the text names its page(s). A wide gap
  between lines becomes a blank line, so the plain-text reader sees paragraphs and headings;
  running headers, footers and page numbers are left out. Lines whose cells stand apart in
  columns that line up are a table, written as rows ``| 0x0A | 32 bytes | SHA-256 |`` (under
  ``|---|---|---|`` when the first row names columns of figures).
* Word .docx (python-docx): Markdown, body paragraphs and tables in order: the title and headings
  as ``#`` lines, list paragraphs as ``- `` items, tables as Markdown tables (first row the header).
* HTML (trafilatura): the page's main content as Markdown (headings, lists, tables); navigation,
  ads, scripts and footers are left out. The page's ``<title>`` is the document's title.

Word and HTML come out as Markdown so that their units are cut by the Markdown parser and keep
their heading path (see :func:`assistant.chunking.is_markdown`).
"""

from __future__ import annotations

import io
import itertools
import re
import statistics
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.errors import DocumentError


@dataclass(frozen=True)
class Extracted:
    """A file's text; ``pages[i]`` is the offset in ``text`` where page i + 1 starts (empty: no pages);
    the title the file gives itself, if it has one (an HTML page's ``<title>``)."""

    text: str
    pages: tuple[int, ...] = ()
    title: str = ""


# ---------------------------------------------------------------- PDF

def pdf(data: bytes, name: str) -> Extracted:
    """The text layer of every page. A page that goes on with the sentence of the page before is
    joined to it by a line break, not a blank line: the sentence stays one, and names both pages."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise DocumentError(f"{name}: encrypted PDF (it needs a password); "
                                "save a copy without a password and index that") from None
        raise DocumentError(f"{name}: not a readable PDF ({_pdfium_reason(exc)}); the file may be damaged") from None
    try:
        read = [_page_lines(document[i]) for i in range(len(document))]
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"{name}: not a readable PDF ({_pdfium_reason(exc)}); the file may be damaged") from None
    finally:
        document.close()
    if not read:
        raise DocumentError(f"{name}: a PDF with no pages; skipped")
    body = _body_size(read)
    texts = [_page_text(page, body) for page in read]
    if not any(t.strip() for t in texts):
        raise DocumentError(f"{name}: no text layer; OCR is not supported (a scanned PDF? "
                            "run it through OCR, for example ocrmypdf, and index the result)")
    joined, starts = "", []
    for text in _without_running_lines(texts):
        if joined:
            joined += "\n" if _runs_on(joined, text) else "\n\n"
        starts.append(len(joined))
        joined += text
    return Extracted(joined, tuple(starts))


# A line at a page's top or bottom is a running header or footer when it recurs, digits aside, on
# at least this share of the pages ("Shared MIME-info Database"), or on three or more pages with a
# page number at its start or end ("Chapter 4: Function reference 17", a bare "17"). Of two pages,
# both must have it, and it must be a page number or a label (a few words, no sentence's end).
RUNNING_SHARE = 0.5
_EDGE_LINES = 2  # lines read at each end of a page
_PAGE_NUMBER = re.compile(r"^\d{1,4}\b|\b\d{1,4}$")
_LABEL_WORDS = 8


def _without_running_lines(pages: list[str]) -> list[str]:
    """The pages without their running headers, footers and page numbers, which would otherwise
    stand inside a sentence that runs over a page break."""

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.split()).lower())

    def edges(lines: list[str]) -> list[int]:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        return sorted({*filled[:_EDGE_LINES], *filled[-_EDGE_LINES:]})

    split = [page.split("\n") for page in pages]
    counts: dict[str, int] = {}
    for lines in split:
        for k in {key(lines[i]) for i in edges(lines)}:
            counts[k] = counts.get(k, 0) + 1

    def label(line: str) -> bool:
        words = line.split()
        return bool(_PAGE_NUMBER.search(line.strip())) or (
            0 < len(words) <= _LABEL_WORDS and not line.rstrip().endswith((".", "!", "?", ":", ";", ",")))

    def running(line: str) -> bool:
        n = counts.get(key(line), 0)
        if len(pages) == 2:
            return n == 2 and label(line)
        return n >= max(3, RUNNING_SHARE * len(pages)) or (n >= 3 and bool(_PAGE_NUMBER.search(line.strip())))

    numbered = _numbered_headers(split, edges)
    out = []
    for page, lines in enumerate(split):
        drop = {i for i in edges(lines) if running(lines[i]) or (page, i) in numbered}
        out.append("\n".join(line for i, line in enumerate(lines) if i not in drop).strip("\n"))
    return out


def _numbered_headers(split: list[list[str]], edges: Callable[[list[str]], list[int]]) -> set[tuple[int, int]]:
    """(page, line) of the headers that end with the page's printed number ("Chapter 2: ASN.1 structure
    handling 3"): their text changes with each chapter, so they recur on too few pages to be found as
    repeated lines, but their numbers run with the pages. A number counts when it is the page's index
    plus the offset that at least three pages share."""
    found: dict[int, list[tuple[int, int]]] = {}
    for page, lines in enumerate(split):
        for i in edges(lines):
            line = lines[i].strip()
            if (m := _ENDING_NUMBER.search(line)) and len(line.split()) > 1:
                found.setdefault(int(m.group()) - page, []).append((page, i))
    offset, places = max(found.items(), key=lambda kv: len({p for p, _ in kv[1]}), default=(0, []))
    return set(places) if len({p for p, _ in places}) >= 3 else set()


_ENDING_NUMBER = re.compile(r"(?<=\s)\d{1,4}$")


def _runs_on(before: str, after: str) -> bool:
    """Whether a page goes on with the sentence the page before left open: it ends with no
    closing punctuation and the next page starts in lower case ("... was rebuilt | in 1987."),
    also inside a bracket ("... contains the release type | (major, minor, patch) and ...").

    >>> _runs_on("the release type", "(major, minor, patch) and"), _runs_on("the release.", "(Minor) and")
    (True, False)
    """
    end, start = before.rstrip()[-1:], after.lstrip().lstrip("([{\"'‘“")[:1]
    return bool(end) and end not in ".!?:;" and start.islower()


# PDFium gives lines, not paragraphs: a gap between two lines taller than this share of the
# taller line's height is read as a paragraph break (a blank line), so headings, paragraphs and
# table rows stay apart, unless the line above leaves its sentence open and the next goes on in
# lower case. Lines of one paragraph are set closer (leading adds ~20-70% of a line).
PARAGRAPH_GAP = 0.8


@dataclass(frozen=True)
class _PageLines:
    lines: list[tuple[float, float, list[_Cell]]]  # (bottom, top, cells), top of the page first
    faces: list[_Face]  # each line's: bold only if all of it is, its largest size


def _page_lines(page: object) -> _PageLines:
    """A page's text layer, line by line as PDFium segments it; pieces side by side share a line."""
    textpage = page.get_textpage()  # type: ignore[attr-defined]
    lines: list[tuple[float, float, list[_Cell]]] = []
    faces: list[_Face] = []
    try:
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            first = textpage.get_index(left + 0.5, (bottom + top) / 2, 2.0, 2.0)
            cells = _cells(textpage, first, left, bottom, right, top)
            if not cells:
                continue
            face = _face(textpage, first, [c.text for c in cells])
            if lines and lines[-1][0] <= (bottom + top) / 2 <= lines[-1][1]:
                line = lines[-1][2]
                near = cells[0].left - line[-1].right <= CELL_GAP * 0.5 * (top - bottom)
                if near or _BULLET.fullmatch(line[-1].text):
                    line[-1] = _Cell(line[-1].left, cells[0].right, f"{line[-1].text} {cells[0].text}")
                    cells = cells[1:]
                line.extend(cells)
                faces[-1] = _Face(faces[-1].bold and face.bold, max(faces[-1].size, face.size))
            else:
                lines.append((bottom, top, cells))
                faces.append(face)
    finally:
        textpage.close()
        page.close()  # type: ignore[attr-defined]
    return _PageLines(lines, faces)


# A size that sets at least this share of a document's characters is a size of its text, not of headings.
BODY_SHARE = 0.1


def _body_size(pages: list[_PageLines]) -> float:
    """The largest size that a good share of the document's characters are set in: its text, where
    examples may be set smaller and more often."""
    sizes: dict[float, int] = {}
    for page in pages:
        for (*_, cells), face in zip(page.lines, page.faces, strict=True):
            sizes[round(face.size, 1)] = sizes.get(round(face.size, 1), 0) + sum(len(c.text) for c in cells)
    total = sum(sizes.values())
    return max((size for size, n in sizes.items() if n >= BODY_SHARE * total), default=0.0)


def _page_text(page: _PageLines, body: float) -> str:
    """A page's lines as text: a wide vertical gap becomes a blank line. Lines whose cells stand apart,
    in columns that line up, as many on each line of a run, are a table: "| 0x0A | 32 bytes | SHA-256 |".
    A heading (a short line set in bold or larger than the document's text, ``body``) stands alone,
    its lines joined, underlined."""
    lines, faces = page.lines, page.faces
    # A line's box is as tall as its letters: "season." has no ascender, so its top sits lower than
    # its neighbours'. Each line is taken at least as tall as the page's usual line.
    usual = statistics.median(top - bottom for bottom, top, _ in lines) if lines else 0.0
    texts = _as_tables([cells for *_, cells in lines], usual)
    heads = _headings(texts, faces, body)
    if any(heads):  # the page's own rules ("=====" under a command's output header) would underline as titles do
        texts = [t if h or not _RULE.fullmatch(t.strip()) else "" for t, h in zip(texts, heads, strict=True)]
    out: list[str] = []
    opened = 0  # where the heading being written starts in ``out``
    for i, (bottom, top, _) in enumerate(lines):
        if i:
            above_bottom, above_top = lines[i - 1][0], lines[i - 1][1]
            top = max(top, bottom + usual)
            gap = above_bottom - top
            # A sentence left open goes on, however wide the gap ("... the result from the | magic sniffing").
            wide = gap > PARAGRAPH_GAP * max(top - bottom, above_top - above_bottom)
            if texts[i].startswith("|") and texts[i - 1].startswith("|"):
                wide = False  # a table's rows stay together
            elif texts[i].startswith("|") != texts[i - 1].startswith("|"):
                wide = True  # and apart from the text around them
            if heads[i] and heads[i] == heads[i - 1]:
                out.append(" ")  # a heading set on two lines is one
            elif heads[i] or heads[i - 1]:
                out.append("\n\n")
            else:
                out.append("\n\n" if wide and not _runs_on(out[-1], texts[i]) else "\n")
        if heads[i] and (not i or heads[i - 1] != heads[i]):
            opened = len(out)
        out.append(texts[i])
        if heads[i] and (i + 1 == len(lines) or heads[i + 1] != heads[i]):
            # underlined, as plain text marks a title: "1. Overview" is a heading, not a list's item
            out.append("\n" + "=" * len("".join(out[opened:]).strip()))
    # PDFium ends lines inside a piece with \r\n and marks a hyphen it found at a line's end as \x02.
    text = "".join(out).replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "-").replace("\x00", "")
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


_RULE = re.compile(r"={3,}")


@dataclass(frozen=True)
class _Face:
    bold: bool
    size: float


# A heading is set in bold (weight from 600) or at least this much larger than the document's text, and
# is short: a line of up to HEADING_WORDS words, or a run of up to three such lines in the same face.
HEADING_SIZE = 1.15
HEADING_WORDS = 15
_BOLD_WEIGHT = 600


def _face(textpage: Any, first: int | None, pieces: list[str]) -> _Face:
    """Bold or not (asked only of a piece short enough to be a heading), and the size, of a piece of
    text starting at character ``first``, from its first, middle and last characters."""
    import pypdfium2.raw as pdfium_c

    if first is None:
        return _Face(False, 0.0)
    length = sum(map(len, pieces))
    picks = sorted({first, first + length // 2, first + max(length - 1, 0)})
    size = max(pdfium_c.FPDFText_GetFontSize(textpage.raw, k) for k in picks)
    short = sum(len(p.split()) for p in pieces) <= HEADING_WORDS
    return _Face(short and all(_bold(textpage, k) for k in picks), size)


_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


def _bold(textpage: Any, index: int) -> bool:
    """Whether a character is set in bold: by its font's weight, or (a standard font such as
    Helvetica-Bold, which states none) by its font's name."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    weight = pdfium_c.FPDFText_GetFontWeight(textpage.raw, index)
    if weight > 0:
        return bool(weight >= _BOLD_WEIGHT)
    name = ctypes.create_string_buffer(128)
    pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, name, len(name), None)
    return bool(_BOLD_NAME.search(name.value.decode("latin-1")))


def _headings(texts: list[str], faces: list[_Face], body: float) -> list[int]:
    """For each line, 0, or the number of the heading it is (a line or a run of lines in one face,
    counted from 1): short, not a table row, and set in bold or in a size larger than the document's
    text (``body``). A page that is bold throughout has no headings."""

    def marked(text: str, face: _Face) -> bool:
        return (not text.startswith("|") and any(c.isalpha() for c in text) and len(text.split()) <= HEADING_WORDS
                and (face.bold or face.size >= HEADING_SIZE * body > 0))

    flags = [marked(t, f) for t, f in zip(texts, faces, strict=True)]
    if sum(len(t) for t, f in zip(texts, flags, strict=True) if f) * 2 > sum(map(len, texts)):
        return [0] * len(texts)
    numbers, n, i = [0] * len(texts), 0, 0
    while i < len(texts):
        j = i + 1
        if flags[i]:
            while j < len(texts) and j - i < 3 and flags[j] and faces[j] == faces[i]:
                j += 1
            if len(" ".join(texts[i:j]).split()) <= HEADING_WORDS + 10:
                n += 1
                numbers[i:j] = [n] * (j - i)
        i = j
    return numbers


def _header(rows: list[list[_Cell]]) -> bool:
    """Whether the first row names the columns: it holds no figure, and in some column every row
    below holds one ("ID | Size | Check name" over "0x0A | 32 bytes | SHA-256"). Options and their
    meanings ("-flip horizontal | Mirror image") have no such column."""
    def figure(text: str) -> bool:
        return any(ch.isdigit() for ch in text)

    return not any(figure(c.text) for c in rows[0]) and any(
        all(figure(row[k].text) for row in rows[1:]) for k in range(len(rows[0])))


@dataclass(frozen=True)
class _Cell:
    left: float
    right: float
    text: str


# Two pieces of a line, or two words of a piece, further apart than this many average character widths
# stand in different cells (a word space is about one wide; a justified line's, under two).
CELL_GAP = 2.5
_BULLET = re.compile(r"[•◦▪‣·*–-]")


def _cells(textpage: Any, first: int | None, left: float, bottom: float, right: float, top: float) -> list[_Cell]:
    """The text of a box as cells: one, unless a space in it spans a wide gap (a table set in a
    monospace font keeps its blanks, and PDFium reads a run of them as one space)."""
    piece = str(textpage.get_text_bounded(left, bottom, right, top)).strip()
    if not piece:
        return []
    whole = [_Cell(left, right, piece)]
    if " " not in piece:
        return whole
    if first is None or str(textpage.get_text_range(first, len(piece))) != piece:
        return whole
    boxes = [textpage.get_charbox(first + k) for k in range(len(piece))]
    widths = [b[2] - b[0] for ch, b in zip(piece, boxes, strict=True) if ch.isalnum()]
    if not widths:
        return whole
    em = statistics.median(widths)
    cells, start = [], 0
    for k in range(1, len(piece) - 1):
        if piece[k] == " " and boxes[k + 1][0] - boxes[k - 1][2] > CELL_GAP * em:
            cells.append(_Cell(boxes[start][0], boxes[k - 1][2], piece[start:k].strip()))
            start = k + 1
    cells.append(_Cell(boxes[start][0], right, piece[start:].strip()))
    return [c for c in cells if c.text]


def _as_tables(lines: list[list[_Cell]], usual: float) -> list[str]:
    """Each run of two or more lines of as many cells (two or more), each cell starting where the
    one above it starts, written as table rows, the first marked as the header (over "|---|---|")
    when it names columns of figures. Any other line is its cells' text. (Sentences that happen to
    leave a wide gap on two lines do not line up.)"""
    out = [" ".join(c.text for c in cells) for cells in lines]

    def aligned(a: list[_Cell], b: list[_Cell]) -> bool:
        return len(a) == len(b) > 1 and all(abs(x.left - y.left) <= usual for x, y in zip(a, b, strict=True))

    i = 0
    while i < len(lines):
        j = i + 1
        while j < len(lines) and aligned(lines[i], lines[j]):
            j += 1
        if j - i >= 2:
            rows = [f"| {' | '.join(c.text for c in cells)} |" for cells in lines[i:j]]
            if _header(lines[i:j]):
                rows[0] += "\n|" + "---|" * len(lines[i])
            out[i:j] = rows
        i = j
    return out


def _pdfium_reason(exc: Exception) -> str:
    """PDFium's own words for what failed ("Data format error"), without pypdfium2's wrapping."""
    found = re.search(r"PDFium: ([^)]*)", str(exc))
    return found.group(1).lower() if found else str(exc)


# ---------------------------------------------------------------- Word

def docx(data: bytes, name: str) -> Extracted:
    """The body of a .docx as Markdown."""
    import docx as python_docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        document = python_docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DocumentError(f"{name}: not a Word .docx file (not a zip archive; an old .doc or a damaged "
                            "file? save it as .docx)") from None
    except (KeyError, ValueError, PackageNotFoundError):
        raise DocumentError(f"{name}: a zip archive but not a Word document (no Word body inside); "
                            "save it from Word as .docx") from None
    blocks: list[str] = []
    code: list[str] = []  # the lines of the code paragraphs read in a row: one block
    for item in document.iter_inner_content():
        lines = None if isinstance(item, Table) else _code_lines(item)
        if lines is not None:
            code.extend(lines)
            continue
        if code and (fenced := _fenced(code)):
            blocks.append(fenced)
        code = []
        block = _table(item) if isinstance(item, Table) else _paragraph(item)
        if block:
            blocks.append(block)
    if code and (fenced := _fenced(code)):
        blocks.append(fenced)
    return Extracted("\n\n".join(blocks) + "\n" if blocks else "")


# Word has no code blocks: code is set in a monospaced font or a code style. Read as Markdown's code,
# it is what the same text is in a .md or .html file (an example, not a statement), keeps its lines,
# and "<policy ... />" or "**kwargs" stay as written.
_MONOSPACED = re.compile(r"courier|mono|consolas|menlo|monaco|lucida console|source code|fixed", re.IGNORECASE)
_CODE_STYLE = re.compile(r"code|preformatted|plain text|macro|verbatim|source", re.IGNORECASE)


def _monospaced(run: object) -> bool:
    font, style = run.font.name or "", run.style.name if run.style is not None else ""  # type: ignore[attr-defined]
    return bool(_MONOSPACED.search(font) or _CODE_STYLE.search(style))


def _code_lines(paragraph: object) -> list[str] | None:
    """A paragraph's lines when it is code (a code style, or every run with text monospaced), else None."""
    from docx.text.paragraph import Paragraph

    assert isinstance(paragraph, Paragraph)
    style = paragraph.style.name if paragraph.style is not None else ""
    runs = [r for r in paragraph.runs if r.text.strip()]
    if style == "Title" or _HEADING_STYLE.fullmatch(style or "") or (style or "").startswith("List"):
        return None  # a heading or list item is one, whatever its font
    if _CODE_STYLE.search(style or "") or (runs and all(map(_monospaced, runs))):
        return [line.rstrip() for line in paragraph.text.split("\n")]  # an empty one: a blank line in the code
    return None


def _fenced(lines: list[str]) -> str:
    while lines and not lines[-1]:
        lines = lines[:-1]
    while lines and not lines[0]:
        lines = lines[1:]
    if not lines:
        return ""
    fence = "~~~~" if any(line.lstrip().startswith("```") for line in lines) else "```"
    return "\n".join([fence, *lines, fence])


_HEADING_STYLE = re.compile(r"Heading (\d)")
# A paragraph's own text must not turn into Markdown structure ("# 1", "- x", "1. x", "> x"), nor into
# HTML that is never shown ('<policy domain="cache" name="synchronize" value="True"/>' is text in Word).
_MARKDOWN_START = re.compile(r"^(?=[#>*+<-]|\d+[.)]\s)")


def _paragraph(paragraph: object) -> str:
    from docx.text.paragraph import Paragraph

    assert isinstance(paragraph, Paragraph)
    text = " ".join(_with_code_spans(paragraph).split())
    if not text:
        return ""
    style = paragraph.style.name if paragraph.style is not None else ""
    style = style or ""
    if style == "Title":
        return f"# {text}"
    heading = _HEADING_STYLE.fullmatch(style)
    if heading:
        return "#" * min(int(heading.group(1)) + 1, 6) + " " + text
    text = _MARKDOWN_START.sub("\\\\", text)
    # python-docx has no public word for numbering; a list paragraph has a list style or numPr.
    p_pr = paragraph._p.pPr
    if style.startswith("List") or (p_pr is not None and p_pr.numPr is not None):
        return f"- {text}"
    return text


def _with_code_spans(paragraph: object) -> str:
    """A paragraph's text with its monospaced runs as code spans ("run `make check` first"), as
    Markdown would write them; a paragraph of hyperlinks or fields python-docx reads no runs of
    keeps its plain text."""
    runs = list(paragraph.runs)  # type: ignore[attr-defined]
    if "".join(r.text for r in runs) != paragraph.text:  # type: ignore[attr-defined]
        return str(paragraph.text)  # type: ignore[attr-defined]
    out: list[str] = []
    for run in runs:
        if run.text.strip() and "\n" not in run.text and _monospaced(run):
            ticks = "`" * (max((len(t) for t in re.findall(r"`+", run.text)), default=0) + 1)
            pad = " " if run.text.strip().startswith("`") or run.text.strip().endswith("`") else ""
            lead, body, trail = re.match(r"(\s*)(.*?)(\s*)$", run.text, re.DOTALL).groups()  # type: ignore[union-attr]
            out.append(f"{lead}{ticks}{pad}{body}{pad}{ticks}{trail}")
        else:
            out.append(run.text)
    return re.sub(r"`([^`\s]*)``([^`\s]*)`", r"`\1\2`", "".join(out))  # runs split mid-word: one span


def _table(table: object) -> str:
    from docx.table import Table

    assert isinstance(table, Table)
    rows = [[" ".join(cell.text.split()).replace("|", "\\|") for cell in row.cells] for row in table.rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    lines = ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * width)
    return "\n".join(lines)


# ---------------------------------------------------------------- HTML

def html(text: str, name: str) -> Extracted:
    """The main content of a page as Markdown; a page with nothing but navigation and boilerplate
    is refused (trafilatura, favouring precision, finds no main text in it)."""
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(text)
    if tree is None:
        raise DocumentError(f"{name}: not readable as HTML; skipped")
    tree = _pre_as_code(_definitions_as_paragraphs(_loose_text_as_paragraphs(_layout_tables_as_sections(
        _with_main(_links_in_sentences_as_text(_without_link_lines(_headings_on_one_line(_without_permalinks(tree)))))))))
    found = trafilatura.extract(tree, output_format="markdown", include_tables=True, include_formatting=True,
                                include_links=False, include_images=False, include_comments=False,
                                favor_precision=True)
    if not found or not found.strip():
        raise DocumentError(f"{name}: no main text found (the page holds only navigation, links or "
                            "boilerplate); skipped")
    # trafilatura ends a table row with "| "; a clean row reads the same and cites cleaner.
    lines = [line.rstrip() for line in found.strip().split("\n")]
    return Extracted(_code_spans_apart(lines) + "\n", title=_page_title(tree, lines[0]))


def _page_title(tree: Any, first: str) -> str:
    """The page's ``<title>``, after the main text's opening heading when the title leaves that out.

    Not the main text's first line alone: a page may open on "Last modified: March 24, 2025". A
    document's title is read as part of each of its units (see :mod:`assistant.evidence`) and shown
    with its citations. A ``<title>`` often names the site only ("Harbour Times"), and the heading the
    article ("The harbour bridge"): then both."""
    from assistant.lexical import words

    page = " ".join((tree.findtext(".//title") or "").split())
    heading = first.lstrip("#").strip() if first.startswith("#") else ""
    if heading and not set(words(heading.lower())) <= set(words(page.lower())):
        return f"{heading} · {page}" if page else heading
    return page


# Two code spans trafilatura wrote side by side: "`-a``--append`" for <dt><code>-a</code></dt><dt><code>--append
# </code></dt>, which Markdown reads as one span "-a``--append".
_ADJACENT_SPANS = re.compile(r"(?<=[^`\s])``(?=[^`\s])")


def _code_spans_apart(lines: list[str]) -> str:
    """The lines joined, two code spans side by side set apart by a space, and a table without a header
    given an empty one; code blocks left as they are."""
    out, fenced = [], False
    lines = [part for line in lines for part in _fence_on_its_line(line)]
    for n, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if fenced or line.lstrip().startswith("```"):
            out.append(line)
            continue
        if _starts_headerless_table(lines, n):
            # trafilatura writes a table with no <th> as rows alone, which Markdown reads as a paragraph
            # of pipes ("| `query` | dump the inputs ... | | `browse` | ..."): no row was a unit of its own.
            columns = len(_TABLE_CELL_SEPARATOR.findall(line)) - 1
            out += ["|" + " |" * columns, "|" + "---|" * columns]
        out.append(_ADJACENT_SPANS.sub("` `", line))
    return "\n".join(out)


def _fence_on_its_line(line: str) -> list[str]:
    """The line, or its text and the code fence trafilatura set after it ("An example would be ```" for a
    ``<pre>`` inside a list item after words): a fence opens only at a line's start, so that one was read
    as text, and the fence closing its block opened one that ran to the end of GCC 12's release notes."""
    text = line.rstrip()
    if text.endswith("```") and not text.lstrip().startswith("`") and text.count("`") == 3:
        return [text[:-3].rstrip(), "```"]
    return [line]


_TABLE_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
_DELIMITER_ROW = re.compile(r"\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*")


def _starts_headerless_table(lines: list[str], n: int) -> bool:
    """Whether line ``n`` opens a run of table rows ("| a | b |") that has no delimiter row under its first."""
    def row(i: int) -> bool:
        return 0 <= i < len(lines) and lines[i].startswith("|") and lines[i].rstrip().endswith("|")
    return (row(n) and not row(n - 1) and not (n + 1 < len(lines) and _DELIMITER_ROW.fullmatch(lines[n + 1]))
            and not _DELIMITER_ROW.fullmatch(lines[n]))


_PERMALINK_SIGNS = frozenset("¶#§🔗∞")


def _without_permalinks(tree: Any) -> Any:
    """Without the links whose whole text is a sign (Sphinx's and MkDocs' "¶" after each heading, Texinfo's
    after each term): they were read as words of every heading ("3. Python Packaging¶ › ..."). Nor the
    empty anchors that only mark a place (``<a id="TRANSOpenCOTSClient"></a>``): trafilatura dropped the
    paragraph after one, a DocBook page's function signatures among them. An anchor around text is that
    text (``<a name=Q15><b>Q. When I have a red edge ...</b></a>``, which trafilatura dropped as a link)."""
    for link in list(tree.iter("a")):
        text = link.text_content().strip()
        if text in _PERMALINK_SIGNS or (not text and link.find(".//img") is None) or link.get("aria-hidden") == "true":
            _remove(link)  # a link hidden from screen readers is decoration: Texinfo's "#" and "TOC" by each heading
        elif link.get("href") is None:
            link.drop_tag()  # an anchor around text only marks its place (Graphviz FAQ questions were dropped)
    # A heading that is a link to itself (mdBook's, Texinfo's) is text: trafilatura dropped such headings
    # as links, so the Rust book's and GNU time's pages had no sections.
    for heading in tree.xpath("//h1|//h2|//h3|//h4|//h5|//h6"):
        for link in list(heading.iter("a")):
            link.drop_tag()
    return tree


def _layout_tables_as_sections(tree: Any) -> Any:
    """A table of one column, which only lays a page out, as the blocks it holds: Dillo's help page sets each
    topic as a one-column table (a heading over its text), and trafilatura kept each cell as a table row,
    its lists and the text after them dropped. (w3m's manual sets headings in the rows of its key table: a
    table of more columns is data.)"""
    for table in reversed(list(tree.iter("table"))):  # the innermost first
        rows = [row for row in table.iter("tr") if _table_of(row) is table]
        one_column = all(len([c for c in row if c.tag in ("td", "th")]) <= 1 for row in rows)
        if rows and one_column:
            for element in [table, *table.iter("thead", "tbody", "tfoot", "tr", "td", "th", "caption")]:
                if element is table or _table_of(element) is table:
                    element.tag = "div"
    return tree


def _table_of(element: Any) -> Any:
    """The table ``element`` is part of: its nearest ``<table>`` ancestor."""
    return next(element.iterancestors("table"), None)


def _headings_on_one_line(tree: Any) -> Any:
    """Headings whose source breaks a line (lynx's ``<h2>The <em>news</em>,\n<em>nntp</em> ...``) on one
    line: a Markdown heading ends at its line's end, and the rest was read as a paragraph."""
    for heading in tree.xpath("//h1|//h2|//h3|//h4|//h5|//h6"):
        for element in heading.iter():
            if element.text:
                element.text = _SPACES.sub(" ", element.text)
            if element.tail and element is not heading:
                element.tail = _SPACES.sub(" ", element.tail)
    return tree


_SPACES = re.compile(r"\s+")


def _remove(element: Any) -> None:
    """``element`` out of the tree, the text after it kept."""
    tail = element.tail or ""
    parent, previous = element.getparent(), element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    elif parent is not None:
        parent.text = (parent.text or "") + tail
    if parent is not None:
        parent.remove(element)


_BLOCKS = frozenset({"p", "div", "ul", "ol", "dl", "pre", "table", "blockquote"})


def _definitions_as_paragraphs(tree: Any) -> Any:
    """Each term of a definition list (``<dt>``) put before its definition's first paragraph, as
    "`-a`, `--append`: Append the resource use ...": trafilatura dropped a ``<dd>``'s bare text (of
    Ninja's "%s" / "The number of started edges." only the terms were left) and otherwise gave the term
    and its definition as two list items, the term apart from what it means."""
    from lxml import etree

    for dl in list(tree.iter("dl")):
        terms: list[Any] = []
        for child in list(dl):
            if child.tag == "dt":
                text = " ".join(child.text_content().split())
                if text:
                    term = etree.Element("code" if child.find(".//code") is not None else "span")
                    term.text = text
                    terms.append(term)
                dl.remove(child)
            elif child.tag == "dd":
                # bare text before any block (all of it, or before LaTeX2HTML's empty "<p></p>" ending
                # each definition): into a paragraph of its own, first
                leading = list(itertools.takewhile(lambda c: c.tag not in _BLOCKS, child))
                if (child.text or "").strip() or any("".join(c.itertext()).strip() for c in leading):
                    paragraph = etree.Element("p")
                    paragraph.text, child.text = child.text, None
                    for c in leading:
                        paragraph.append(c)
                    child.insert(0, paragraph)
                first = next((c for c in child if c.tag == "p" and "".join(c.itertext()).strip()), None)
                if terms and first is not None:
                    for n, term in enumerate(terms):
                        term.tail = ", " if n < len(terms) - 1 else ": " + (first.text or "")
                        first.insert(n, term)
                    first.text = None
                terms = []
                child.tag = "div"
        dl.tag = "div"
    return tree


def _links_in_sentences_as_text(tree: Any) -> Any:
    """The links inside a paragraph that says something of its own made plain text: trafilatura, favouring
    precision, drops a short paragraph that is half link ("POSIXLY_CORRECT: This is the same as the -s
    option (see Command Line Options).") as it drops a menu. Links are never shown, only their text."""
    for paragraph in tree.iter("p", "dd", "li", "td"):
        links = paragraph.findall(".//a")
        linked = sum(len(a.text_content().split()) for a in links)
        if links and len(paragraph.text_content().split()) - linked >= _OWN_WORDS:
            for link in links:
                link.drop_tag()
    return tree


_OWN_WORDS = 4


def _without_link_lines(tree: Any) -> Any:
    """Without the paragraphs that are links and little else ("Next: Redirecting Output, Previous: ...,
    Up: ... [Contents][Index]" atop each section of a Texinfo page): navigation, not text."""
    for paragraph in list(tree.iter("p")):
        links = paragraph.findall(".//a")
        linked = sum(len(a.text_content().split()) for a in links)
        if len(links) >= 2 and len(paragraph.text_content().split()) - linked <= 4:
            parent = paragraph.getparent()
            if parent is not None:
                parent.remove(paragraph)
    return tree


def _with_main(tree: Any) -> Any:
    """A page with no ``<main>`` or ``<article>`` gets its body wrapped in one. trafilatura finds the main
    content by such elements; without one it gathered the page's paragraphs only, and every heading of a
    Texinfo or DocBook manual (GNU time's, Ninja's) was lost with the sections they name."""
    from lxml import etree

    body = tree.find(".//body")
    if body is None or tree.xpath("//main|//article"):
        return tree
    main = etree.Element("main")
    main.text, body.text = body.text, None
    for child in list(body):
        main.append(child)
    body.append(main)
    return tree


_SECTIONING = _BLOCKS | {"h1", "h2", "h3", "h4", "h5", "h6", "hr", "section", "article", "main", "header", "footer",
                         "nav", "aside", "form", "center", "address", "figure", "details", "menu", "dir"}
_CONTAINERS = ("body", "main", "article", "section", "div", "center", "blockquote", "td", "th")


def _loose_text_as_paragraphs(tree: Any) -> Any:
    """Text set straight into a container beside blocks (an old page's ``<H2>Installation.</H2> To
    compile ... is enough. <PRE>make install</PRE> You might want to ...``), with the inline elements
    amid it, put into paragraphs of its own: trafilatura dropped such text or glued it to the block
    next to it ("is enough.```"), so dnsmasq's setup guide lost half its sentences."""
    for parent in list(tree.iter(*_CONTAINERS)):
        children = list(parent)
        if any(isinstance(c.tag, str) and c.tag.lower() in _SECTIONING for c in children):
            parent.extend(_paragraphed(parent, children))
    return tree


def _paragraphed(parent: Any, children: list[Any]) -> list[Any]:
    """``parent``'s children taken out of it, its loose text and inline children gathered into ``<p>``s
    between its blocks."""
    from lxml import etree

    out: list[Any] = []
    texts = [(parent.text, None)]
    parent.text = None
    for child in children:
        texts.append((None, child))
        texts.append((child.tail, None))
        child.tail = None
        parent.remove(child)
    current: Any = None
    for text, child in texts:
        if child is not None and (not isinstance(child.tag, str) or child.tag.lower() in _SECTIONING):
            out.append(child)
            current = None
            continue
        blank = child.text_content().strip() == "" if child is not None else not (text or "").strip()
        if current is None and blank:
            continue  # space between blocks; a space between two inline elements stays
        if text is None and child is None:
            continue
        if current is None:
            current = etree.Element("p")
            out.append(current)
        if child is not None:
            current.append(child)
        elif len(current):
            current[-1].tail = (current[-1].tail or "") + text
        else:
            current.text = (current.text or "") + text
    return out


def _pre_as_code(tree: Any) -> Any:
    """Every ``<pre>`` holds a ``<code>``, and every ``<code>`` only its plain text.

    trafilatura fences only ``<pre><code>``: the ``<pre class="example">`` of Texinfo, DocBook and AsciiDoc
    pages (a command's output, a sample file) came out as prose lines, read as sentences and quoted as
    answers. And markup inside code (Sphinx's ``<code><span>python</span><em>X</em>.<em>Y</em></code>``)
    was torn apart: "`python` shall provide ... *X*.*Y*". Inline code is one line."""
    from lxml import etree

    for pre in tree.iter("pre"):
        if pre.find(".//code") is None:
            _as_text(pre)
            etree.SubElement(pre, "code").text, pre.text = pre.text, None
    for code in tree.iter("code"):
        _as_text(code)
        text = code.text or ""
        if "\n" in text and next(code.iterancestors("pre"), None) is None:
            # inline code broken over two source lines: trafilatura fenced it mid-sentence, and every
            # fence after it in the page paired the wrong way ("using the syntax ```", "import module")
            code.text = " ".join(text.split())
    return tree


def _as_text(element: Any) -> None:
    """``element`` with its plain text in place of its children."""
    text = element.text_content()
    for child in list(element):
        element.remove(child)
    element.text = text
