"""Files → Documents: formats, titles, encodings, and files that cannot be loaded."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from assistant.errors import DocumentError
from assistant.loaders import decode_text, find_files, load_file, load_paths, supported_suffixes


def test_txt_loads_with_text_hash_source_and_first_line_as_title(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("  Harbour notes  \nThe wall was rebuilt in 1987.\n", encoding="utf-8")
    doc = load_file(path)
    assert doc.source == "notes.txt"
    assert doc.path == str(path.resolve())
    assert doc.title == "Harbour notes"
    assert doc.text == "  Harbour notes  \nThe wall was rebuilt in 1987.\n"
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_markdown_title_drops_heading_hashes_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "orchard.md"
    path.write_text("\n\n##  Hillside Orchard\n\nIt grows apples.\n", encoding="utf-8")
    doc = load_file(path)
    assert doc.title == "Hillside Orchard"
    assert "It grows apples." in doc.text


def test_readme_title_is_its_first_words_not_its_badges_or_tags(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text('<p align="center">\n  <img src="logo.png" alt="Orchard">\n</p>\n\n'
                    "[![Build status](https://ci.example/badge.svg)](https://ci.example) ![PyPI](https://x/v.svg)\n\n"
                    "## The *friendly* orchard planner\n\nIt plans apple orchards.\n", encoding="utf-8")
    assert load_file(path).title == "The friendly orchard planner"


def test_markdown_title_from_front_matter_or_after_it(tmp_path: Path) -> None:
    named, unnamed = tmp_path / "developers.md", tmp_path / "setup.md"
    named.write_text("---\ntitle: 'Developers'\nsection: 7\n---\n\n### Description\n\nSo, you want to use it.\n")
    unnamed.write_text("---\nlayout: page\n---\n\n# Setup\n\nRun it locally first.\n")
    assert (load_file(named).title, load_file(unnamed).title) == ("Developers", "Setup")


def test_plain_title_without_an_editors_mode_line(tmp_path: Path) -> None:
    path = tmp_path / "NEWS"
    path.write_text("GNU orchard NEWS                                    -*- outline -*-\n\n* Noteworthy\n")
    assert load_file(path).title == "GNU orchard NEWS"


def test_markdown_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "README.MD"
    path.write_text("# Title\nBody text.\n", encoding="utf-8")
    assert load_file(path).title == "Title"


def test_long_first_line_title_is_cut_to_200_characters(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("word " * 100 + "\nsecond line\n", encoding="utf-8")
    assert len(load_file(path).title) == 200


def test_utf8_with_bom_loses_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffCafé opens at 8.\n".encode())
    doc = load_file(path)
    assert doc.text == "Café opens at 8.\n"
    assert doc.title == "Café opens at 8."


CP1252_NEWS = (
    "The mayor of São Paulo, José Álvarez, opened the new café on Monday. "
    "Residents said the crème brûlée was excellent and the décor was naïve but charming. "
    "The project cost 1.2 million reais and took two years to complete, according to the city council. "
    "Critics from the neighbourhood association described the façade as a pastiche of Art Déco.\n"
) * 2


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_non_utf8_file_with_accented_words_is_decoded(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "news.txt"
    data = CP1252_NEWS.encode(encoding)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test really exercises the fallback
    path.write_bytes(data)
    doc = load_file(path)
    assert doc.text == CP1252_NEWS
    assert "crème brûlée" in doc.text and "São Paulo" in doc.text


@pytest.mark.parametrize("text", [
    "Señor Muñoz dijo que mañana el niño visitará la región.\n",
    "Café crème brûlée.\n",
], ids=["spanish", "french"])
def test_short_latin1_note_is_decoded_without_mojibake(tmp_path: Path, text: str) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(text.encode("cp1252"))
    assert load_file(path).text == text


def test_binary_file_raises_document_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    with pytest.raises(DocumentError, match=r"image\.txt") as err:
        load_file(path)
    assert "binary" in str(err.value)


@pytest.mark.parametrize("content", [b"", b"   \n\t\n"])
def test_empty_or_blank_file_raises_document_error_naming_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "blank.md"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=r"blank\.md") as err:
        load_file(path)
    assert "empty" in str(err.value)


@pytest.mark.parametrize(("name", "shown"), [("report.odt", ".odt"), ("Makefile", "(none)")])
def test_unsupported_suffix_raises_and_lists_supported_ones(tmp_path: Path, name: str, shown: str) -> None:
    path = tmp_path / name
    path.write_text("text", encoding="utf-8")
    with pytest.raises(DocumentError, match="unsupported format") as err:
        load_file(path)
    message = str(err.value)
    assert message.startswith(f"{name}:")
    assert shown in message
    for suffix in (".md", ".txt"):
        assert suffix in message


def test_supported_suffixes_include_text_and_markdown() -> None:
    assert {".txt", ".md", ".markdown"} <= set(supported_suffixes())


def test_restructured_text_is_read_as_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "README.rst"
    path.write_text(".. _intro:\n\n======\npluggy\n======\n\nA minimalist production ready plugin system.\n",
                    encoding="utf-8")
    document = load_file(path)
    assert ".rst" in supported_suffixes()
    assert (document.source, document.title) == ("README.rst", "pluggy")
    assert "plugin system" in document.text


def test_a_commented_configuration_file_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "sentinel.conf"
    path.write_text("# The port that this sentinel instance will run on\nport 26379\n", encoding="utf-8")
    document = load_file(path)
    assert {".conf", ".ini", ".toml", ".yaml", ".adoc"} <= set(supported_suffixes())
    assert (document.source, document.title) == ("sentinel.conf", "# The port that this sentinel instance will run on")
    assert "port 26379" in document.text


def test_documentation_files_named_for_what_they_are_are_read_as_text(tmp_path: Path) -> None:
    for name in ("NEWS", "README.Debian", "copyright", "run", "changelog.Debian.gz"):
        (tmp_path / name).write_bytes(b"\x1f\x8b\x08" if name.endswith(".gz") else f"{name} text\n".encode())
    found = [p.name for p in find_files([tmp_path])]
    assert found == ["NEWS", "README.Debian", "copyright"]
    assert load_file(tmp_path / "README.Debian").text == "README.Debian text\n"
    with pytest.raises(DocumentError, match="unsupported format"):
        load_file(tmp_path / "run")


def test_decode_text_rejects_nul_even_when_otherwise_utf8() -> None:
    with pytest.raises(DocumentError, match="x.txt"):
        decode_text(b"hello\x00world", Path("x.txt"))


def test_find_files_walks_folders_sorted_skipping_hidden_and_unsupported(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("b", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("a", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("h", encoding="utf-8")
    (tmp_path / "c.odt").write_text("c", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in find_files([tmp_path])]
    assert found == ["b.txt", "sub/a.md"]


def test_find_files_raises_for_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such file or folder"):
        list(find_files([tmp_path / "missing"]))


def test_load_paths_reports_each_problem_and_keeps_going(tmp_path: Path) -> None:
    (tmp_path / "a_good.txt").write_text("Good text.\n", encoding="utf-8")
    (tmp_path / "b_binary.txt").write_bytes(b"\x00\x01\x02\x03")
    (tmp_path / "c_empty.md").write_bytes(b"")
    (tmp_path / "d_good.md").write_text("# Second\nMore text.\n", encoding="utf-8")
    explicit = tmp_path / "e.odt"
    explicit.write_text("pdf", encoding="utf-8")
    documents, problems = load_paths([tmp_path, explicit])
    assert [d.source for d in documents] == ["a_good.txt", "d_good.md"]
    assert len(problems) == 3
    assert problems[0].startswith("b_binary.txt:")
    assert problems[1].startswith("c_empty.md:")
    assert problems[2].startswith("e.odt:")
