"""PDF, Word and HTML files made by real writers: their text, pages and headings, and each kind of bad file."""

from __future__ import annotations

from pathlib import Path

import documents
import pytest

from assistant.chunking import Chunker, is_markdown
from assistant.errors import DocumentError
from assistant.loaders import load_file, load_paths, supported_suffixes
from assistant.tokens import TiktokenCounter
from assistant.types import Chunk, Citation, Passage
from assistant.units import display, units

REPORT_PAGES = [
    [("h1", "Harbour Report 2024"), ("h2", "Summary"),
     ("p", "The harbour authority publishes this report every spring for the town council.")],
    [("h2", "Traffic"), ("p", "Ferries made 4,120 crossings to the islands during the year."),
     ("table", [["Vessel", "Crossings"], ["Islander", "2,300"], ["Gull", "1,820"]])],
    [("h2", "Works"), ("p", "The lighthouse lens was replaced by the firm Marlow Optics in October."),
     ("p", "Dredging of the inner basin is planned for the summer of 2026.")],
]


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _chunker() -> Chunker:
    return Chunker(TiktokenCounter(), size=60, overlap=15)


def test_every_format_is_registered() -> None:
    assert {".pdf", ".docx", ".html", ".htm", ".txt", ".md"} <= set(supported_suffixes())
    assert all(is_markdown(f"a{s}") for s in (".md", ".docx", ".html", ".htm"))
    assert not is_markdown("a.pdf") and not is_markdown("a.txt")


# --- PDF -------------------------------------------------------------------------------


def test_pdf_text_keeps_where_each_page_starts(tmp_path: Path) -> None:
    doc = load_file(_write(tmp_path, "report.pdf", documents.pdf(REPORT_PAGES)))
    assert doc.title == "Harbour Report 2024"
    assert len(doc.pages) == 3 and doc.pages[0] == 0
    page_texts = [doc.text[a:b] for a, b in zip(doc.pages, [*doc.pages[1:], len(doc.text)], strict=True)]
    assert "4,120 crossings" in page_texts[1] and "Marlow Optics" in page_texts[2]
    assert "Marlow Optics" not in page_texts[1]
    # the table's cells are in the text layer, on their page
    assert "Islander" in page_texts[1] and "1,820" in page_texts[1]
    assert "\r" not in doc.text


def test_pdf_chunks_and_citations_name_the_page(tmp_path: Path) -> None:
    doc = load_file(_write(tmp_path, "report.pdf", documents.pdf(REPORT_PAGES)))
    chunks = _chunker().chunk(doc)
    start = doc.text.index("The lighthouse lens")
    end = doc.text.index("October.") + len("October.")
    chunk = next(c for c in chunks if c.start <= start and end <= c.end)
    assert chunk.pages_of(start, end) == (3,)
    citation = Citation.of(Passage(1, chunk, doc.text[start:end], start, end, 1.0))
    assert citation.pages == (3,) and citation.page_label == "p. 3"
    first = chunks[0]
    assert first.pages[0] == (1, 0)
    assert first.pages_of(0, 10) == (1,)
    # the heading structure of a PDF's plain text still comes through: a heading is never evidence
    headings = [u for u in units(doc.text, wrapped=True) if u.kind == "heading"]
    assert any(doc.text[u.start:u.end] == "Works" for u in headings)


def test_a_sentence_over_a_page_break_names_both_pages(tmp_path: Path) -> None:
    sentences = [f"Sentence number {i} of the long survey says the quay wall section {i} was inspected "
                 f"by the engineers and found sound in every respect." for i in range(60)]
    data = documents.pdf([], flowing=[("p", " ".join(sentences))])
    doc = load_file(_write(tmp_path, "survey.pdf", data))
    assert len(doc.pages) >= 2
    break_at = doc.pages[1]
    over = [u for u in units(doc.text, wrapped=True) if u.start < break_at < u.end]
    assert len(over) == 1, "the page break should fall inside a sentence"
    unit = over[0]
    chunk = next(c for c in _chunker().chunk(doc) if c.start <= unit.start and unit.end <= c.end)
    assert chunk.pages_of(unit.start, unit.end) == (1, 2)
    citation = Citation.of(Passage(1, chunk, doc.text[unit.start:unit.end], unit.start, unit.end, 1.0))
    assert citation.page_label == "pp. 1–2"


def test_a_sentence_going_on_in_brackets_over_a_page_break_is_one(tmp_path: Path) -> None:
    # Pelican's contributing guide as a PDF: "... contains the release type" | "(major, minor, patch) and ..."
    data = documents.pdf([[("p", "Add a RELEASE.md file in the root of the project that contains the release type")],
                          [("p", "(major, minor, patch) and a summary of the changes.")]])
    doc = load_file(_write(tmp_path, "contributing.pdf", data))
    assert [doc.text[u.start:u.end] for u in units(doc.text, wrapped=True) if u.evidence] == [
        "Add a RELEASE.md file in the root of the project that contains the release type\n"
        "(major, minor, patch) and a summary of the changes."]


def test_a_sentence_left_open_goes_on_over_a_wide_gap_between_lines(tmp_path: Path) -> None:
    """A wide gap after a line is a paragraph break only when the line ends its sentence or the
    next one starts anew: "... the result from the" + gap + "magic sniffing" is one sentence."""
    from fpdf import FPDF

    out = FPDF()
    out.add_page()
    out.set_font(documents.FONT, size=11)
    for y, line in ((20, "Summary"), (32, "If a glob matches a subclass of the result from the"),
                    (44, "magic sniffing, use this as the result."), (56, "Otherwise use the glob match.")):
        out.text(20, y, line)
    doc = load_file(_write(tmp_path, "spec.pdf", bytes(out.output())))
    assert "result from the\nmagic sniffing" in doc.text, doc.text
    assert "Summary\n\nIf a glob" in doc.text and "result.\n\nOtherwise" in doc.text, doc.text


def test_chapter_headers_ending_with_the_page_number_are_left_out(tmp_path: Path) -> None:
    """A typeset manual's header names the chapter and the page ("Chapter 2: Structures 3"): its text
    changes with each chapter, so it recurs on too few pages to be found as a repeated line, but its
    number runs with the pages."""
    from fpdf import FPDF

    chapters = {1: "Introduction", 2: "Structures", 3: "Structures", 4: "Utilities", 5: "Utilities"}
    out = FPDF()
    for page, chapter in chapters.items():
        out.add_page()
        out.set_font(documents.FONT, size=9)
        out.cell(0, 8, f"Chapter {1 + (page > 1) + (page > 3)}: {chapter} {page + 2}")
        out.ln(14)
        out.set_font(documents.FONT, size=11)
        out.multi_cell(0, 6, f"Page {page} explains the {chapter.lower()} of the library in some detail.")
    doc = load_file(_write(tmp_path, "manual.pdf", bytes(out.output())))
    assert "Chapter" not in doc.text, doc.text
    assert "Page 3 explains the structures of the library in some detail." in doc.text


@pytest.mark.parametrize(("sections", "pages"), [(150, 3), (70, 2)])
def test_running_headers_and_page_numbers_are_left_out(tmp_path: Path, sections: int, pages: int) -> None:
    """A header and a page number on every page would stand inside a sentence that runs over the
    page break; they are left out, and the sentence is one. Two pages are enough to tell."""
    from fpdf import FPDF

    class Report(FPDF):
        def header(self) -> None:
            self.set_font(documents.FONT, size=9)
            self.cell(0, 8, "Harbour Survey 2024")
            self.ln(12)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(documents.FONT, size=9)
            self.cell(0, 8, str(self.page_no()))

    out = Report()
    out.set_auto_page_break(True, margin=20)
    out.add_page()
    out.set_font(documents.FONT, size=11)
    sentences = [f"Section {i} of the quay wall was inspected by the engineers and found sound."
                 for i in range(sections)]
    out.multi_cell(0, 6, " ".join(sentences))
    doc = load_file(_write(tmp_path, "survey.pdf", bytes(out.output())))
    assert len(doc.pages) == pages
    assert "Harbour Survey" not in doc.text, doc.text[:300]
    assert not any(line.strip().isdigit() for line in doc.text.splitlines())
    break_at = doc.pages[1]
    assert doc.text[break_at - 1] == "\n" and doc.text[break_at - 2] != "\n"  # one paragraph goes on


def test_scanned_pdf_without_a_text_layer_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^scan\.pdf: no text layer; OCR is not supported"):
        load_file(_write(tmp_path, "scan.pdf", documents.scanned_pdf()))


def test_encrypted_pdf_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^locked\.pdf: encrypted PDF \(it needs a password\)"):
        load_file(_write(tmp_path, "locked.pdf", documents.encrypted_pdf()))


@pytest.mark.parametrize("data", [b"%PDF-1.7\nthis is not a PDF body", b"", b"\x89PNG\r\n\x1a\n" + b"\0" * 64])
def test_corrupt_pdf_is_refused_with_the_reason(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(DocumentError, match=r"^broken\.pdf: not a readable PDF \(.+\); the file may be damaged$"):
        load_file(_write(tmp_path, "broken.pdf", data))


def test_truncated_pdf_is_refused_or_read_never_crashes(tmp_path: Path) -> None:
    whole = documents.pdf(REPORT_PAGES)
    path = _write(tmp_path, "cut.pdf", whole[: len(whole) // 2])
    try:
        doc = load_file(path)
    except DocumentError as exc:
        assert str(exc).startswith("cut.pdf: ")
    else:  # PDFium repairs what it can; then the pages it read keep their numbers
        assert doc.pages and doc.pages[0] == 0


# --- Word ------------------------------------------------------------------------------

MINUTES = [
    ("h1", "Budget"), ("p", "The council approved a budget of 3.1 million pounds for the harbour."),
    ("h2", "Repairs"), ("item", "The slipway is to be resurfaced before Easter."),
    ("table", [["Item", "Cost"], ["Slipway", "120,000 | est."], ["Cranes", "450,000"]]),
    ("h1", "Staff"), ("p", "Mara Quill was appointed harbour master in May."),
]


def test_docx_becomes_markdown_with_headings_lists_and_tables(tmp_path: Path) -> None:
    doc = load_file(_write(tmp_path, "minutes.docx", documents.docx(MINUTES, title="Council Minutes")))
    assert doc.title == "Council Minutes"
    assert doc.pages == ()
    lines = doc.text.splitlines()
    assert lines[0] == "# Council Minutes"
    assert "## Budget" in lines and "### Repairs" in lines and "## Staff" in lines
    assert "- The slipway is to be resurfaced before Easter." in lines
    assert "| Item | Cost |" in lines and "|---|---|" in lines
    assert "| Slipway | 120,000 \\| est. |" in lines  # a bar in a cell stays in its cell


def test_docx_units_keep_their_heading_path(tmp_path: Path) -> None:
    doc = load_file(_write(tmp_path, "minutes.docx", documents.docx(MINUTES, title="Council Minutes")))
    found = {doc.text[u.start:u.end]: u for u in units(doc.text, markdown=is_markdown(doc.source))}
    quill = next(u for t, u in found.items() if "Mara Quill" in t)
    assert quill.kind == "prose" and quill.heading == "Council Minutes › Staff"
    slipway = next(u for t, u in found.items() if "resurfaced" in t)
    assert slipway.kind == "item" and slipway.heading == "Council Minutes › Budget › Repairs"
    row = next(u for t, u in found.items() if t.startswith("| Cranes"))
    assert row.kind == "row" and row.heading == "Council Minutes › Budget › Repairs"


def test_docx_paragraph_that_looks_like_markdown_stays_a_paragraph(tmp_path: Path) -> None:
    data = documents.docx([("h1", "Notes"), ("p", "# 1 is the berth nearest the gate."),
                           ("p", "- not a list, a dash the writer typed.")])
    doc = load_file(_write(tmp_path, "notes.docx", data))
    kinds = [u.kind for u in units(doc.text, markdown=True)]
    assert kinds == ["heading", "prose", "prose"]


def test_docx_paragraph_that_is_a_tag_is_shown_as_text(tmp_path: Path) -> None:
    # ImageMagick's security policy as Word: the policy that answers "which cache policy ...?" is a
    # paragraph reading like HTML, which Markdown would have made a hidden HTML block.
    data = documents.docx([("p", "To prevent a SIGBUS, use this security policy:"),
                           ("p", '<policy domain="cache" name="synchronize" value="True"/>')])
    doc = load_file(_write(tmp_path, "policy.docx", data))
    found = [(u.kind, display(doc.text, u, markdown=True)) for u in units(doc.text, markdown=True)]
    assert found == [("prose", "To prevent a SIGBUS, use this security policy:"),
                     ("prose", '<policy domain="cache" name="synchronize" value="True"/>')]


def test_docx_code_in_a_monospaced_font_is_a_code_block_with_its_lines(tmp_path: Path) -> None:
    # ImageMagick's policy.xml example as Word: Markdown had read it as hidden HTML, on one line.
    data = documents.docx([("p", "We provide this policy with reasonable limits:"),
                           ("code", '<policymap>\n  <policy domain="resource" name="disk" value="1GiB"/>'),
                           ("code", "</policymap>"),
                           ("p", "Set **kwargs as you like.")])
    doc = load_file(_write(tmp_path, "policy.docx", data))
    assert doc.text == ("We provide this policy with reasonable limits:\n\n"
                        '```\n<policymap>\n  <policy domain="resource" name="disk" value="1GiB"/>\n'
                        '</policymap>\n```\n\n'
                        "Set **kwargs as you like.\n")
    # as in Markdown, the sentence ending in a colon is read with the example it introduces
    assert [display(doc.text, u, markdown=True) for u in units(doc.text, markdown=True)][0] == (
        'We provide this policy with reasonable limits: <policymap> <policy domain="resource" name="disk" '
        'value="1GiB"/> </policymap>')


def test_docx_monospaced_words_in_a_sentence_are_code_spans(tmp_path: Path) -> None:
    import docx as python_docx

    document = python_docx.Document()
    paragraph = document.add_paragraph("Pass ")
    paragraph.add_run("**kwargs").font.name = "Courier New"
    paragraph.add_run(" to the hook.")
    out = tmp_path / "hooks.docx"
    document.save(str(out))
    doc = load_file(out)
    assert doc.text == "Pass `**kwargs` to the hook.\n"
    assert display(doc.text, units(doc.text, markdown=True)[0], markdown=True) == "Pass **kwargs to the hook."


def test_zip_renamed_docx_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^archive\.docx: a zip archive but not a Word document"):
        load_file(_write(tmp_path, "archive.docx", documents.zip_not_docx()))


def test_docx_that_is_not_a_zip_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^old\.docx: not a Word \.docx file \(not a zip archive"):
        load_file(_write(tmp_path, "old.docx", b"\xd0\xcf\x11\xe0 an old binary .doc body"))


# --- HTML ------------------------------------------------------------------------------

ARTICLE = [
    ("h1", "The harbour bridge"),
    ("p", "The harbour bridge was opened in 1932 by the mayor, who cut a ribbon before a large crowd."),
    ("h2", "Costs"), ("p", "The bridge cost 4.2 million pounds, paid over twenty years by a toll."),
    ("table", [["Year", "Crossings"], ["1933", "1.2 million"], ["1934", "1.5 million"]]),
    ("h2", "Upkeep"), ("item", "Painting every seven years keeps the steel from rusting."),
]


@pytest.mark.parametrize("name", ["bridge.html", "bridge.htm", "BRIDGE.HTML"])
def test_html_keeps_the_article_and_drops_navigation_ads_and_scripts(tmp_path: Path, name: str) -> None:
    doc = load_file(_write(tmp_path, name, documents.html(ARTICLE)))
    assert doc.title == "The harbour bridge · Harbour Times"  # the article's heading, then the page's <title>
    for kept in ("opened in 1932", "4.2 million pounds", "| 1934 | 1.5 million |", "- Painting every"):
        assert kept in doc.text
    for dropped in ("Buy cheap watches", "tracker", "Sponsored", "About us", "Copyright", "newsletter",
                    "<script", "<p>"):
        assert dropped not in doc.text


def test_html_units_keep_their_heading_path(tmp_path: Path) -> None:
    doc = load_file(_write(tmp_path, "bridge.html", documents.html(ARTICLE)))
    found = {doc.text[u.start:u.end]: u for u in units(doc.text, markdown=is_markdown(doc.source))}
    cost = next(u for t, u in found.items() if "4.2 million" in t)
    assert cost.heading == "The harbour bridge › Costs"
    row = next(u for t, u in found.items() if t.startswith("| 1933"))
    assert row.kind == "row" and row.label.startswith("| Year")


def test_html_example_in_pre_without_code_is_a_code_block_not_prose(tmp_path: Path) -> None:
    page = documents.html([("h1", "Timing a command"), ("p", "Here the search is timed."),
                           ("pre", "eg$ time grep <b>nobody</b> /etc/aliases\nnobody:/dev/null\n0.07user 0.50system"),
                           ("p", "Send bug reports to the maintainers of the package.")])
    doc = load_file(_write(tmp_path, "time.html", page))
    found = {doc.text[u.start:u.end].strip(): u.kind for u in units(doc.text, markdown=is_markdown(doc.source))}
    example = next(t for t in found if "grep" in t)
    assert found[example] == "code" and "nobody:/dev/null" in example and "**" not in example
    assert found["Send bug reports to the maintainers of the package."] == "prose"


def test_html_terms_side_by_side_stay_two_code_spans() -> None:
    # GNU time's manual as shipped: <dt><code>-a</code></dt><dt><code>--append</code></dt> came out as
    # "`-a``--append`", one code span reading "-a``--append".
    doc = load_file(Path(__file__).parents[1] / "eval" / "guides" / "docs" / "time.html")
    shown = [display(doc.text, u, markdown=True) for u in units(doc.text, markdown=True) if u.kind != "code"]
    assert any(s.startswith("-a, --append: Append the resource use") for s in shown)
    assert not any("``" in s for s in shown)


def test_html_title_is_the_pages_title_not_its_first_line(tmp_path: Path) -> None:
    page = documents.html([("p", "Last modified: March 24, 2025"), ("h2", "Section 1"),
                           ("p", "These terms apply to the use of the model and its outputs.")],
                          title="Model Terms of Use | Example Developers")
    assert load_file(_write(tmp_path, "terms.html", page)).title == "Model Terms of Use | Example Developers"


def test_html_permalink_signs_are_no_part_of_headings_or_terms(tmp_path: Path) -> None:
    page = documents.html([("h1", 'The harbour bridge<a class="headerlink" href="#bridge">¶</a>'),
                           ("h2", 'Costs<a class="headerlink" href="#costs" title="Permalink">¶</a>'),
                           ("p", "The bridge cost 4.2 million pounds, paid over twenty years by a toll."),
                           ("p", '<code>-v</code><a class="copiable-anchor" href="#v"> &para;</a> prints more.')])
    doc = load_file(_write(tmp_path, "bridge.html", page))
    assert "¶" not in doc.text and "-v` prints more." in doc.text
    cost = next(u for u in units(doc.text, markdown=True) if "4.2 million" in doc.text[u.start:u.end])
    assert cost.heading == "The harbour bridge › Costs"


GUIDES = Path(__file__).parents[1] / "eval" / "guides" / "docs"


def test_html_manual_without_main_element_keeps_its_sections_and_terms_with_their_meaning() -> None:
    # GNU time's manual as Texinfo makes it: no <main> or <article>, so trafilatura kept only the paragraphs
    # (no heading at all), definition lists gave a term and its text apart, and "Next: ..." lines stayed.
    doc = load_file(GUIDES / "time.html")
    shown = {display(doc.text, u, markdown=True): u for u in units(doc.text, markdown=True)}
    seconds = shown["e: Elapsed real (wall clock) time used by the process, in seconds."]
    assert seconds.heading.endswith("1.2 The Format String › 1.2.1 Time Resources")
    assert not any(text.startswith("Next:") for text in shown)


def test_html_definition_whose_text_is_bare_is_kept_with_its_term() -> None:
    # Ninja's manual (AsciiDoc's DocBook): <dd> with bare text was dropped, only "%s", "%t", ... were left.
    doc = load_file(GUIDES / "manual.html")
    shown = [display(doc.text, u, markdown=True) for u in units(doc.text, markdown=True)]
    assert "%s: The number of started edges." in shown
    assert "%t: The total number of edges that must be run to complete the build." in shown


def test_html_definition_with_bare_text_before_an_empty_paragraph_keeps_it_after_its_term(tmp_path: Path) -> None:
    # LaTeX2HTML's bibliography: "<dt>1<dd>G. Mohanty,<br>A practical primer ...<p></p>" lost its bare
    # text, and its term "1:" came after it, as if it opened the next entry
    entries = ('<dl compact><dd><p></p><dt><a name="xkb">1</a><dd>G. Mohanty,<br>A practical primer, v0.3, 2004,'
               '<br>Sec. 6.2 describes the layouts.<p></p><dt><a name="plan">2</a><dd>A plan for localization, v0.1,'
               '<br>2004.</dl>')
    page = documents.html([("h1", "Bibliography"), ("p", "The works this tutorial draws on are listed here."),
                           ("p", "ENTRIES")]).replace("<p>ENTRIES</p>", entries)
    text = load_file(_write(tmp_path, "tutorial.html", page)).text
    assert "G. Mohanty" in text
    assert text.index("1:") < text.index("G. Mohanty") < text.index("layouts") < text.index("2:") < text.index("plan")


def test_html_short_paragraph_that_is_half_link_is_kept_and_navigation_still_dropped(tmp_path: Path) -> None:
    # bc's manual (Texinfo): "POSIXLY_CORRECT: This is the same as the -s option (see Command Line
    # Options)." was dropped whole, its link text weighing as much as its own words.
    terms = ('<dl><dt><code>ZONE</code></dt><dd><p>This is the same as the -z option (see '
             '<a href="#opts">Command Line Options</a>).</p></dd>'
             '<dt><code>LINES</code></dt><dd><p>The number of lines the clock shows; 70 unless set.</p></dd></dl>')
    page = documents.html([("h1", "Environment variables"),
                           ("p", "The following environment variables are read by the harbour clock:"),
                           ("p", "TERMS")]).replace("<p>TERMS</p>", terms)
    doc = load_file(_write(tmp_path, "clock.html", page))
    assert "`ZONE`: This is the same as the -z option (see Command Line Options)." in doc.text
    assert "About us" not in doc.text  # the menu's links stay links, and out


def test_html_table_without_a_header_gives_a_row_per_unit() -> None:
    # Ninja's table of tools has no <th>: its rows came out as one paragraph of pipes.
    doc = load_file(GUIDES / "manual.html")
    rows = {display(doc.text, u, markdown=True): u for u in units(doc.text, markdown=True) if u.kind == "row"}
    assert "query: dump the inputs and outputs of a given target." in rows
    assert any(text.startswith("inputs: given a list of targets") and "Available since Ninja 1.11." in text
               for text in rows)


def test_html_paragraph_after_an_empty_anchor_and_code_with_markup_inside_are_kept_whole(tmp_path: Path) -> None:
    page = documents.html([("h1", "Transport API"), ("p", "The functions below open and close transports."),
                           ("p", '<a id="Open"></a><code class="funcdef">Conn <strong>Open</strong>(</code>'
                                 'const char *<var>address</var><code>)</code>;'),
                           ("p", "Installation of <code><span>python</span><em>X</em>.<em>Y</em></code> "
                                 "provides the modules.")])
    doc = load_file(_write(tmp_path, "api.html", page))
    shown = [display(doc.text, u, markdown=True) for u in units(doc.text, markdown=True)]
    assert "Conn Open(const char *address );" in shown
    assert "Installation of pythonX.Y provides the modules." in shown


def test_html_page_of_only_navigation_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^menu\.html: no main text found \(the page holds only navigation"):
        load_file(_write(tmp_path, "menu.html", documents.navigation_only_html()))


# --- a batch ---------------------------------------------------------------------------


def test_a_batch_reports_every_bad_file_in_one_line_and_loads_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    _write(folder, "a_report.pdf", documents.pdf(REPORT_PAGES))
    _write(folder, "b_scan.pdf", documents.scanned_pdf())
    _write(folder, "c_locked.pdf", documents.encrypted_pdf())
    _write(folder, "d_broken.pdf", b"%PDF-1.4 nothing else")
    _write(folder, "e_minutes.docx", documents.docx(MINUTES))
    _write(folder, "f_archive.docx", documents.zip_not_docx())
    _write(folder, "g_bridge.html", documents.html(ARTICLE))
    _write(folder, "h_menu.htm", documents.navigation_only_html())
    _write(folder, "i_notes.txt", "The wall was rebuilt in 1987.\n")
    loaded, problems = load_paths([folder])
    assert [d.source for d in loaded] == ["a_report.pdf", "e_minutes.docx", "g_bridge.html", "i_notes.txt"]
    assert len(problems) == 5
    assert all("\n" not in p for p in problems)
    assert [p.split(":")[0] for p in problems] == ["b_scan.pdf", "c_locked.pdf", "d_broken.pdf",
                                                   "f_archive.docx", "h_menu.htm"]


def test_pages_survive_the_store(tmp_path: Path) -> None:
    from assistant.store import ChromaStore

    doc = load_file(_write(tmp_path, "report.pdf", documents.pdf(REPORT_PAGES)))
    chunks = _chunker().chunk(doc)
    assert any(len(c.pages) > 1 for c in chunks)
    store = ChromaStore(tmp_path / "chroma", "test", "fake")
    store.add(chunks, [[1.0, 0.0] for _ in chunks], "recipe")
    back = {c.id: c for c in store.all_chunks()}
    assert [back[c.id].pages for c in chunks] == [c.pages for c in chunks]


def test_a_chunk_without_pages_names_none() -> None:
    chunk = Chunk("id", "a.txt", "/a.txt", "A", "text", 0, 4, "sha")
    assert chunk.pages_of(0, 4) == ()
    assert Citation.of(Passage(1, chunk, "text", 0, 4, 1.0)).page_label == ""


def test_pdf_table_rows_are_units_named_by_the_header(tmp_path: Path) -> None:
    """Cells set apart on lines that run alike are a table: each row is a unit of its own, named by
    the header row, not a run of short lines read as headings or one paragraph of cell text."""
    doc = load_file(_write(tmp_path, "report.pdf", documents.pdf(REPORT_PAGES)))
    rows = [(u.heading, display(doc.text, u)) for u in units(doc.text, wrapped=True) if u.kind == "row"]
    assert ("Traffic", "Vessel: Islander; Crossings: 2,300") in rows, rows
    assert ("Traffic", "Vessel: Gull; Crossings: 1,820") in rows, rows


def test_pdf_monospace_columns_set_apart_by_blanks_are_a_table(tmp_path: Path) -> None:
    """A plain-text table set in a monospace font keeps its blanks in the PDF; PDFium reads a run of
    blanks as one space, so the cells are found by how far apart the characters stand."""
    from fpdf import FPDF

    out = FPDF()
    out.add_page()
    out.set_font("Helvetica", size=11)
    out.text(20, 20, "The second byte of Stream Flags is a bit field:")
    out.set_font("Courier", size=9)
    for y, line in ((32, "ID      Size        Check name"), (37, "0x00     0 bytes    None"),
                    (42, "0x0A    32 bytes    SHA-256")):
        out.text(30, y, line)
    doc = load_file(_write(tmp_path, "format.pdf", bytes(out.output())))
    rows = [display(doc.text, u) for u in units(doc.text, wrapped=True) if u.kind == "row"]
    assert "ID: 0x0A; Size: 32 bytes; Check name: SHA-256" in rows, doc.text



def test_pdf_headings_set_in_bold_or_larger_stand_alone_and_nest_by_their_numbers(tmp_path: Path) -> None:
    """A question set in bold over two lines, straight above its answer, was the first line of its
    answer's paragraph; "1. Configuration" was a list item. Each is a heading of its own now."""
    from fpdf import FPDF

    out = FPDF()
    out.add_page()
    y = 20.0

    def line(text: str, style: str = "", size: int = 10, gap: float = 5.0) -> None:
        nonlocal y
        out.set_font(documents.FONT, style, size)
        out.text(20, y, text)
        y += gap

    line("1. Configuration", "B", 14, 8)
    line("1.1. Must I name servers by IP address if DNS is not available at the", "B", 11)
    line("start?", "B", 11)
    line("No, the names are resolved again until it succeeds, at growing intervals.")
    line("The online command makes it try at once.", gap=8)
    line("The sources command then prints:", gap=9)
    line("MS Name/IP address Stratum Poll Reach")  # the output's own rule under its header is no title's
    line("======================================", gap=8)
    line("1.2. How can I make it more secure?", "B", 11)
    line("Disable the command port by adding cmdport 0 to the configuration file.")
    doc = load_file(_write(tmp_path, "faq.pdf", bytes(out.output())))
    found = {(u.heading, doc.text[u.start:u.end]) for u in units(doc.text, wrapped=True) if u.evidence}
    assert ("1. Configuration › 1.1. Must I name servers by IP address if DNS is not available at the start?",
            "The online command makes it try at once.") in found, doc.text
    assert ("1. Configuration › 1.2. How can I make it more secure?",
            "Disable the command port by adding cmdport 0 to the configuration file.") in found, doc.text


def test_html_inline_code_broken_over_two_lines_stays_inline(tmp_path: Path) -> None:
    # Python's "What's New in 2.0": trafilatura fenced the span mid-sentence, and every code block after
    # it paired the wrong way: prose read as code, and a Python comment as a heading
    page = ("<html><body><h1>Imports</h1><p>Modules can now be renamed on importing them, using the syntax "
            "<code><span>import</span> <span>module</span>\n<span>as</span> <span>name</span></code>. "
            "The patch was submitted by Thomas Wouters.</p>\n<pre># Remove the first child\n"
            "root.removeChild(root.childNodes[0])\n</pre><p>Again, see the documentation.</p></body></html>")
    doc = load_file(_write(tmp_path, "whatsnew.html", page.encode()))
    found = [(u.kind, display(doc.text, u, markdown=True)) for u in units(doc.text, markdown=True)]
    assert ("prose", "Modules can now be renamed on importing them, using the syntax import module as name.") \
        in found, doc.text
    assert ("prose", "Again, see the documentation.") in found, doc.text
    assert [k for k, _ in found].count("heading") == 1, found


def test_html_code_block_after_words_in_a_list_item_ends_where_it_ends(tmp_path: Path) -> None:
    # GCC 12's release notes: "An example would be <pre>...</pre>" inside an <li>; trafilatura set the fence
    # after the words, and the fence closing the block opened one that ran to the end of the page
    page = ("<html><body><h1>Ada</h1><ul><li>Case exhaustion is supported for pattern matching. An example "
            "would be <pre>\ntype Sign is (Neg, Zero, Pos);\n</pre></li></ul><h2>Eliminating uninitialized "
            "variables</h2><ul><li>The new option <code>-ftrivial-auto-var-init=pattern</code> can be used to "
            "fill variables with a repeated <code>0xFE</code> pattern.</li></ul></body></html>")
    doc = load_file(_write(tmp_path, "changes.html", page.encode()))
    found = [(u.kind, display(doc.text, u, markdown=True)) for u in units(doc.text, markdown=True)]
    assert ("code", "type Sign is (Neg, Zero, Pos);") in found, doc.text
    assert ("item", "The new option -ftrivial-auto-var-init=pattern can be used to fill variables with a repeated "
            "0xFE pattern.") in found, found


def test_html_text_set_straight_into_the_body_beside_blocks_is_kept_as_paragraphs(tmp_path: Path) -> None:
    # dnsmasq's setup guide: text outside <p> between headings and <PRE> blocks was lost or glued to the code
    page = ("<html><body><H1>Dnsmasq setup</H1><H2>Installation.</H2>\nTo compile and install dnsmasq, the "
            "following command (as root) is enough.\n<PRE>\nmake install\n</PRE>\nYou might want to edit config.h. "
            "Put the binary in <TT>/usr/local/sbin/dnsmasq</TT> and arrange for it to be started at boot time.\n"
            "<H2>Configuration.</H2>\nSending SIGUSR1 to the dnsmasq process will cause it to write cache usage "
            "statistics to the log.\n</body></html>")
    doc = load_file(_write(tmp_path, "setup.html", page.encode()))
    found = {(u.kind, u.heading, display(doc.text, u, markdown=True)) for u in units(doc.text, markdown=True)}
    assert ("prose", "Dnsmasq setup › Installation.", "You might want to edit config.h.") in found, doc.text
    assert ("prose", "Dnsmasq setup › Configuration.", "Sending SIGUSR1 to the dnsmasq process will cause it to "
            "write cache usage statistics to the log.") in found, doc.text
    assert ("code", "Dnsmasq setup › Installation.", "make install") in found, doc.text


def test_in_a_pdf_whose_headings_are_set_in_bold_a_short_plain_line_heads_nothing(tmp_path: Path) -> None:
    # chrony's FAQ: "allow 192.168.1.0/24", an example line, became the heading of every answer after it
    from fpdf import FPDF

    out = FPDF()
    out.add_page()
    y = 20.0
    for text, style, gap in (("2.2. How do I make an NTP server?", "B", 9.0),
                             ("You need to add an allow directive to the chrony.conf file.", "", 9.0),
                             ("allow 192.168.1.0/24", "", 9.0),
                             ("An allow directive with no subnet allows access from all addresses.", "", 9.0),
                             ("2.3. Should all computers on a LAN be clients of an external server?", "B", 9.0),
                             ("It depends on the requirements.", "", 9.0)):
        out.set_font(documents.FONT, style, 11 if style else 10)
        out.text(20, y, text)
        y += gap
    doc = load_file(_write(tmp_path, "faq.pdf", bytes(out.output())))
    found = {doc.text[u.start:u.end]: u.heading for u in units(doc.text, wrapped=True) if u.evidence}
    assert found["An allow directive with no subnet allows access from all addresses."] == (
        "2.2. How do I make an NTP server?"), (found, doc.text)


def test_html_links_hidden_from_screen_readers_are_no_part_of_headings(tmp_path: Path) -> None:
    # Texinfo 7 (FFmpeg's developer guide): "#" and "TOC" after each heading, both aria-hidden
    page = documents.html([("h2", '3 Coding Rules<span class="pull-right"><a class="anchor" href="#Coding-Rules" '
                                  'aria-hidden="true">#</a> <a class="anchor" href="#toc-Coding-Rules" '
                                  'aria-hidden="true">TOC</a></span>'),
                           ("p", "K&amp;R coding style is used, with an indent of four spaces.")])
    doc = load_file(_write(tmp_path, "guide.html", page))
    rule = next(u for u in units(doc.text, markdown=True) if "K&R" in doc.text[u.start:u.end])
    assert rule.heading == "3 Coding Rules"


def test_an_html_heading_broken_over_lines_in_its_source_stays_one_heading(tmp_path: Path) -> None:
    # lynx's "<h2>The <em>news</em>,\n<em>nntp</em>, and <em>snews</em> URLs:</h2>": the words after the
    # line break were read as a paragraph, and the heading was "The news,"
    page = documents.html([("h1", "URL schemes"),
                           ("h2", "The <em>news</em>,\n  <em>nntp</em>, and <em>snews</em> URLs:"),
                           ("p", "The snews URL is the same as nntp, but the default port is 563.")])
    doc = load_file(_write(tmp_path, "urls.html", page))
    port = next(u for u in units(doc.text, markdown=True) if "563" in doc.text[u.start:u.end])
    assert port.heading == "URL schemes › The news, nntp, and snews URLs:"


def test_html_one_column_layout_tables_are_read_as_the_sections_they_hold(tmp_path: Path) -> None:
    # Dillo's help page: each topic a one-column table, its heading in one row and its text in the next;
    # the list inside the text's cell, and so the whole of what it said, was dropped
    topic = ('<table border="1"><tr><td><h4>{0}:</h4></td></tr><tr><td><p>{1} Please note that:\n'
             "<ul><li>It is a good idea to keep a backup of your <code>~/.dillo/{2}</code>\n"
             "<li>The server will stay alive after closing dillo.</ul></td></tr></table>\n")
    page = ("<html><head><title>Dillo help</title></head><body>"
            + topic.format("Bookmarks", "Bookmarks are handled by the plugin framework.", "bm.txt")
            + topic.format("Cookies", "Cookies are disabled by default.", "cookiesrc")
            + "<table><tr><th>Key</th><th>Action</th></tr><tr><td>F</td><td>find text</td></tr>"
              "<tr><td>Q</td><td>quit</td></tr></table></body></html>")
    doc = load_file(_write(tmp_path, "help.html", page))
    found = [(u.kind, u.heading, display(doc.text, u, markdown=True)) for u in units(doc.text, markdown=True)]
    assert ("prose", "Bookmarks:", "Please note that: It is a good idea to keep a backup of your ~/.dillo/bm.txt "
            "The server will stay alive after closing dillo.") in found
    assert ("heading", "Cookies:", "#### Cookies:") in found
    # a table of more columns stays a table
    assert ("row", "Cookies:", "Key: Q; Action: quit") in found


def test_html_text_inside_an_anchor_without_a_link_is_kept(tmp_path: Path) -> None:
    # Graphviz's FAQ: each question is "<A name=Q15><B>Q. When I have a red edge ...</B></A>", and
    # trafilatura dropped it as a link: the answers stood under no question
    page = ("<html><head><title>FAQ</title></head><body><h1>Graphviz FAQ</h1>"
            "<p>Alternatively, there are tools which will take a large picture apart.</p>"
            "<P><A name=Q15><B>Q. When I have a red edge it shows up as a solid red in PNG, but has a black border"
            " when rendered to JPEG.</B></A><P>This is an artifact of JPEG's lossy compression algorithm."
            " See <a href='https://www.graphviz.org/'>the site</a>.</body></html>")
    doc = load_file(_write(tmp_path, "faq.html", page))
    assert "**Q. When I have a red edge it shows up as a solid red in PNG" in doc.text
    assert "This is an artifact of JPEG's lossy compression algorithm. See the site." in doc.text
