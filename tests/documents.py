"""Real PDF, Word and HTML files made by real writers (fpdf2, python-docx), for tests and benchmarks.

A document is a list of blocks: ``("h1", text)``, ``("h2", text)``, ``("p", text)``,
``("item", text)``, ``("table", rows)``; a PDF is a list of pages, each a list of blocks.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

import docx as python_docx
from fpdf import FPDF
from PIL import Image, ImageDraw

Block = tuple[str, Any]
FONT = "Helvetica"  # a core font: plain Latin-1 text, no font file needed


def _pdf_blocks(pdf: FPDF, blocks: Sequence[Block]) -> None:
    for kind, content in blocks:
        if kind in ("h1", "h2"):
            pdf.set_font(FONT, "B", 18 if kind == "h1" else 14)
            pdf.multi_cell(0, 9, content, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif kind == "table":
            pdf.set_font(FONT, size=11)
            with pdf.table() as table:
                for cells in content:
                    row = table.row()
                    for cell in cells:
                        row.cell(cell)
            pdf.ln(3)
        else:
            pdf.set_font(FONT, size=11)
            text = f"- {content}" if kind == "item" else content
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)


def pdf(pages: Sequence[Sequence[Block]], flowing: Sequence[Block] = ()) -> bytes:
    """A PDF with one page per entry of ``pages``; then ``flowing`` blocks that run over as many
    pages as they need (so a paragraph can run over a page break)."""
    out = FPDF()
    out.set_auto_page_break(True, margin=20)
    for blocks in pages:
        out.add_page()
        _pdf_blocks(out, blocks)
    if flowing:
        out.add_page()
        _pdf_blocks(out, flowing)
    return bytes(out.output())


def scanned_pdf() -> bytes:
    """Two pages that are only pictures of text, as a scanner makes them: no text layer."""
    out = FPDF()
    for n in (1, 2):
        picture = Image.new("RGB", (600, 200), "white")
        ImageDraw.Draw(picture).text((20, 80), f"Scanned page {n}: the harbour wall was rebuilt.", fill="black")
        out.add_page()
        out.image(picture, x=10, y=10, w=180)
    return bytes(out.output())


def encrypted_pdf() -> bytes:
    out = FPDF()
    out.set_encryption(owner_password="owner", user_password="secret")
    out.add_page()
    out.set_font(FONT, size=11)
    out.multi_cell(0, 6, "The harbour wall was rebuilt in 1987.")
    return bytes(out.output())


def docx(blocks: Sequence[Block], title: str = "") -> bytes:
    """A .docx with real heading, list and table styles."""
    document = python_docx.Document()
    if title:
        document.add_heading(title, 0)
    for kind, content in blocks:
        if kind in ("h1", "h2"):
            document.add_heading(content, 1 if kind == "h1" else 2)
        elif kind == "item":
            document.add_paragraph(content, style="List Bullet")
        elif kind == "code":  # as writers set code in Word: a paragraph in Courier New, its lines kept
            run = document.add_paragraph().add_run(content)
            run.font.name = "Courier New"
        elif kind == "table":
            table = document.add_table(rows=len(content), cols=len(content[0]))
            for r, cells in enumerate(content):
                for c, cell in enumerate(cells):
                    table.cell(r, c).text = cell
        else:
            document.add_paragraph(content)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_not_docx() -> bytes:
    """A zip archive that is not a Word document (a renamed .zip)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "The harbour wall was rebuilt in 1987.")
    return out.getvalue()


_NAV = """<header><a href="/">Harbour Times</a></header>
<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/weather">Weather</a></li>
<li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li></ul></nav>"""
_AD = """<div class="advert" id="ad-top">Buy cheap watches now! Limited offer, click here today.</div>
<script>window.tracker = {id: "UA-000", events: ["scroll", "click"]}; document.write("Sponsored story");</script>"""
_FOOTER = """<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/1">Ferry fares rise</a></li>
<li><a href="/2">Storm warning</a></li></ul><p>Subscribe to our newsletter for more stories.</p></aside>
<footer><p>Copyright 2024 Harbour Times. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
<script src="/analytics.js"></script>"""


def html(blocks: Sequence[Block], title: str = "Harbour Times") -> str:
    """A saved news page: navigation, an advert and scripts around an <article> holding ``blocks``."""
    body = []
    for kind, content in blocks:
        if kind in ("h1", "h2"):
            body.append(f"<{kind}>{content}</{kind}>")
        elif kind == "item":
            body.append(f"<ul><li>{content}</li></ul>")
        elif kind == "pre":  # as Texinfo and DocBook write an example: no <code> inside
            body.append(f'<pre class="example">{content}</pre>')
        elif kind == "table":
            rows = "".join(
                "<tr>" + "".join(f"<{'th' if r == 0 else 'td'}>{c}</{'th' if r == 0 else 'td'}>" for c in cells)
                + "</tr>" for r, cells in enumerate(content))
            body.append(f"<table>{rows}</table>")
        else:
            body.append(f"<p>{content}</p>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{_AD}</head><body>"
            f"{_NAV}{_AD}<main><article>{''.join(body)}</article></main>{_FOOTER}</body></html>")


def navigation_only_html() -> str:
    return f"<!DOCTYPE html><html><head><title>Harbour Times</title></head><body>{_NAV}{_FOOTER}</body></html>"
