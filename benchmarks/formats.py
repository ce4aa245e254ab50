"""Extraction and indexing speed per format, and how much text each loader keeps.

    .venv/bin/python benchmarks/formats.py [--pdf 90] [--docx 60] [--html 60] [--bad 5]

Writes a mixed folder of generated files (multi-page PDFs made with fpdf2, .docx made with
python-docx, saved news pages with navigation, adverts and scripts around the article; plus a
few bad files of each kind) into a temporary folder, then for each format:

* pages per second extracted: ``load_file`` on every file (PDF pages are real pages; a Word
  file or an HTML page counts as one page), and the same in files per second;
* chunks per second indexed: ``assistant index`` on that format's files alone (cutting, the
  real MiniLM embedder, Chroma), chunks added over wall time;
* the share of text: the words of what the loader keeps over the words of the library's own
  plain-text output (PDF: pypdfium2's ``get_text_range``; Word: python-docx's paragraph and
  table cell text; HTML: trafilatura's default plain-text extraction). Words are runs of
  letters and digits, so Markdown markers (``#``, ``|``, ``-``) do not count.

Timings are wall-clock on whatever the machine is doing; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout's package, not an installed one

import documents  # noqa: E402

from assistant import offline  # noqa: E402,F401  (offline switches before any model loads)
from assistant.loaders import load_file, load_paths  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from assistant.wiring import Assistant  # noqa: E402

_WORD = re.compile(r"\w+")
SUBJECTS = ["The harbour authority", "The ferry company", "The town council", "The lighthouse keeper",
            "The engineering firm", "The fishing cooperative", "The port museum", "The coast guard"]
VERBS = ["reported", "approved", "inspected", "replaced", "planned", "financed", "repaired", "measured"]
OBJECTS = ["the north quay", "the inner basin", "the slipway", "the breakwater", "the crane rails",
           "the ticket office", "the tide gauge", "the signal mast"]
WHEN = ["in March", "before the summer", "during the storm season", "in 2019", "after the audit",
        "within budget", "for 120,000 pounds", "with two divers"]


def _sentence(rng: random.Random) -> str:
    return (f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(WHEN)}, "
            f"and {rng.choice(SUBJECTS).lower()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(WHEN)}.")


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))


def _section(rng: random.Random, n: int) -> list[documents.Block]:
    blocks: list[documents.Block] = [("h2", f"Section {n}: {rng.choice(OBJECTS).title()}")]
    blocks += [("p", _paragraph(rng)) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.4:
        blocks.append(("table", [["Item", "Cost", "Year"]] +
                       [[rng.choice(OBJECTS), f"{rng.randint(1, 900)},000", str(rng.randint(1990, 2024))]
                        for _ in range(rng.randint(2, 5))]))
    if rng.random() < 0.4:
        blocks += [("item", _sentence(rng)) for _ in range(rng.randint(2, 4))]
    return blocks


def make_folder(folder: Path, pdfs: int, docxs: int, htmls: int, bad: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    for i in range(pdfs):
        pages = [[("h1", f"Report {i}")] + _section(rng, 1)]
        pages += [_section(rng, n) + _section(rng, n + 1) for n in range(2, 2 * rng.randint(2, 8), 2)]
        (folder / f"report-{i:03d}.pdf").write_bytes(documents.pdf(pages))
    for i in range(docxs):
        blocks = [b for n in range(rng.randint(3, 10)) for b in _section(rng, n)]
        (folder / f"minutes-{i:03d}.docx").write_bytes(documents.docx(blocks, title=f"Minutes {i}"))
    for i in range(htmls):
        blocks = [("h1", f"News {i}")] + [b for n in range(rng.randint(2, 6)) for b in _section(rng, n)]
        (folder / f"news-{i:03d}.html").write_text(documents.html(blocks), encoding="utf-8")
    for i in range(bad):
        (folder / f"scan-{i}.pdf").write_bytes(documents.scanned_pdf())
        (folder / f"locked-{i}.pdf").write_bytes(documents.encrypted_pdf())
        (folder / f"broken-{i}.pdf").write_bytes(b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(400)))
        (folder / f"archive-{i}.docx").write_bytes(documents.zip_not_docx())
        (folder / f"menu-{i}.html").write_text(documents.navigation_only_html(), encoding="utf-8")


def plain_text(path: Path) -> str:
    """The library's own plain text of a file."""
    data = path.read_bytes()
    if path.suffix == ".pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
        return "\n".join(str(page.get_textpage().get_text_range()) for page in pdf)
    if path.suffix == ".docx":
        import docx

        d = docx.Document(io.BytesIO(data))
        cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in d.paragraphs] + cells)
    import trafilatura

    return trafilatura.extract(data.decode("utf-8")) or ""


def pages_of(path: Path) -> int:
    if path.suffix != ".pdf":
        return 1
    import pypdfium2 as pdfium

    return len(pdfium.PdfDocument(path.read_bytes()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdf", type=int, default=90)
    parser.add_argument("--docx", type=int, default=60)
    parser.add_argument("--html", type=int, default=60)
    parser.add_argument("--bad", type=int, default=5, help="bad files of each of the five kinds")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="formats-bench-") as scratch:
        root = Path(scratch)
        folder = root / "mixed"
        folder.mkdir()
        made = time.perf_counter()
        make_folder(folder, args.pdf, args.docx, args.html, args.bad)
        files = sorted(folder.iterdir())
        print(f"{len(files)} files generated in {time.perf_counter() - made:.1f} s in {folder}")

        loaded, problems = load_paths([folder])
        print(f"load_paths: {len(loaded)} loaded, {len(problems)} reported, e.g.:")
        for kind in ("scan-0", "locked-0", "broken-0", "archive-0", "menu-0"):
            print("   ", next(p for p in problems if p.startswith(kind)))

        assistant = Assistant(load_settings(data_dir=root / "data"))
        assistant.embedder.embed(["warm up"])  # the model's one-off load is not indexing
        rows = []
        for suffix, name in ((".pdf", "PDF"), (".docx", "Word"), (".html", "HTML")):
            good = [f for f in files if f.suffix == suffix and f.name.split("-")[0] in ("report", "minutes", "news")]
            pages = sum(pages_of(f) for f in good)
            start = time.perf_counter()
            texts = [load_file(f).text for f in good]
            extract_s = time.perf_counter() - start
            kept = sum(len(_WORD.findall(t)) for t in texts)
            plain = sum(len(_WORD.findall(plain_text(f))) for f in good)
            sub = root / name
            sub.mkdir()
            for f in good:
                (sub / f.name).write_bytes(f.read_bytes())
            start = time.perf_counter()
            report = assistant.index([sub])
            index_s = time.perf_counter() - start
            rows.append((name, len(good), pages, pages / extract_s, len(good) / extract_s,
                         report.chunks_added, report.chunks_added / index_s, kept / plain))

        print()
        print("| format | files | pages | pages/s extracted | files/s extracted | chunks | chunks/s indexed "
              "| words kept / library plain text |")
        print("|---|---|---|---|---|---|---|---|")
        for name, n, pages, pps, fps, chunks, cps, share in rows:
            print(f"| {name} | {n} | {pages} | {pps:.1f} | {fps:.1f} | {chunks} | {cps:.1f} | {share:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
