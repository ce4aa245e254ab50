"""units: evidence units follow the document's structure, never a line's end."""

from __future__ import annotations

import pytest

from assistant.types import Unit
from assistant.units import display, units

MAN_PAGE = """\
LS(1)                            User Commands                           LS(1)

NAME
       ls - list directory contents

DESCRIPTION
       List  information  about  the FILEs (the current directory by default).
       Sort entries alphabetically if none of -cftuvSUX nor --sort  is  speci\u2010
       fied.

       -a, --all
              do not ignore entries starting with .

       --block-size=SIZE
              with  -l,  scale  sizes  by  SIZE  when  printing  them;   e.g.,
              '--block-size=M'; see SIZE format below

       -c     with -lt: sort by, and show, ctime (time of last modification of
              file status information); with -l: show ctime and sort by  name;
              otherwise: sort by ctime, newest first

       -C     list entries by columns
"""

WRAPPED = """\
Password hashing
================

Since release 4.1, a password longer than 72 bytes now raises a
ValueError instead of being silently truncated. Older releases cut
it at 72 bytes.

Install it with pip.
"""

MARKDOWN = """\
# Tool

Some *intro* text that is
wrapped in the source. A second sentence with `code`.

## Options

- `--fast`: skips the
  slow checks.
- `--out DIR` writes the report to DIR.

| Option | Default |
|--------|---------|
| retries | 3 |

```sh
tool --fast
```
"""

CHANGELOG = """\
Version 2.3.1 (2024-01-05)
--------------------------

- Fixed a crash when the configuration file
  is empty.
- Dropped support for Python 3.7.

Version 2.3.0 (2023-11-20)
--------------------------

- Added the --quiet option.
"""


def shown(text: str, markdown: bool = False, kinds: frozenset[str] | None = None) -> list[tuple[str, str, str]]:
    return [(u.kind, u.heading, display(text, u, markdown)) for u in units(text, markdown)
            if kinds is None or u.kind in kinds]


EVIDENCE = frozenset({"prose", "item", "row", "term"})


def test_man_page_sentences_run_over_line_ends_and_hyphenation_is_mended() -> None:
    got = shown(MAN_PAGE, kinds=EVIDENCE)
    assert ("prose", "DESCRIPTION", "List information about the FILEs (the current directory by default).") in got
    assert ("prose", "DESCRIPTION",
            "Sort entries alphabetically if none of -cftuvSUX nor --sort is specified.") in got


def test_a_short_line_whose_sentence_ends_inside_brackets_is_prose_not_a_heading() -> None:
    text = ("Signing off\n\nThe sign-off line certifies that you wrote the patch.\n\n"
            "Use your real name (sorry, no pseudonyms or anonymous contributions.)\n\n"
            "Version 2.3 (2024-01-05)\n\nThe release fixes two bugs.\n")
    kinds = {display(text, u): u.kind for u in units(text)}
    assert kinds["Use your real name (sorry, no pseudonyms or anonymous contributions.)"] == "prose"
    assert kinds["Version 2.3 (2024-01-05)"] == "heading"


def test_a_name_broken_after_an_underscore_at_a_line_end_is_one_name() -> None:
    text = ("Returns ASN1_SUCCESS on success, or ASN1_ELEMENT_NOT_FOUND if the name is an identifier with\n"
            "more than ASN1_MAX_\nNAME_SIZE characters, and CPACK_DEBIAN_ is left as it is.\n")
    (unit,) = units(text, wrapped=True)
    assert "more than ASN1_MAX_NAME_SIZE characters, and CPACK_DEBIAN_ is left" in display(text, unit)


def test_man_page_options_are_terms_with_their_text() -> None:
    got = [text for kind, _, text in shown(MAN_PAGE, kinds=frozenset({"term"}))]
    assert got == [
        "-a, --all: do not ignore entries starting with .",
        "--block-size=SIZE: with -l, scale sizes by SIZE when printing them; e.g., '--block-size=M'; "
        "see SIZE format below",
        "-c: with -lt: sort by, and show, ctime (time of last modification of file status information); "
        "with -l: show ctime and sort by name; otherwise: sort by ctime, newest first",
        "-C: list entries by columns",
    ]


def test_man_page_section_names_are_headings_not_evidence() -> None:
    headings = [text for kind, _, text in shown(MAN_PAGE) if kind == "heading"]
    assert "NAME" in headings and "DESCRIPTION" in headings
    assert all(text not in ("NAME", "DESCRIPTION") for kind, _, text in shown(MAN_PAGE, kinds=EVIDENCE))


def test_a_hard_wrapped_sentence_is_one_unit_with_its_heading() -> None:
    got = shown(WRAPPED, kinds=EVIDENCE)
    assert got[0] == ("prose", "Password hashing", "Since release 4.1, a password longer than 72 bytes now "
                      "raises a ValueError instead of being silently truncated.")
    assert got[1][2] == "Older releases cut it at 72 bytes."
    assert got[2][2] == "Install it with pip."


def test_offsets_slice_the_document() -> None:
    for text, markdown in ((MAN_PAGE, False), (WRAPPED, False), (MARKDOWN, True), (CHANGELOG, False)):
        previous_end = 0
        for unit in units(text, markdown):
            assert 0 <= unit.start < unit.end <= len(text)
            assert unit.start >= previous_end, unit
            assert text[unit.start : unit.end] == text[unit.start : unit.end].strip()
            previous_end = unit.end


def test_markdown_structure_comes_from_the_parser() -> None:
    got = shown(MARKDOWN, markdown=True)
    assert ("heading", "Tool", "Tool") in got or got[0][0] == "heading"
    prose = [t for k, _, t in got if k == "prose"]
    assert prose == ["Some intro text that is wrapped in the source.", "A second sentence with code."]
    items = [(h, t) for k, h, t in got if k == "item"]
    assert items == [("Tool › Options", "--fast: skips the slow checks."),
                     ("Tool › Options", "--out DIR writes the report to DIR.")]
    assert [t for k, _, t in got if k == "row"] == ["Option: retries; Default: 3"]
    assert [k for k, _, t in got if "tool --fast" in t] == ["code"]


def test_changelog_items_sit_under_their_release() -> None:
    items = [(h, t) for k, h, t in shown(CHANGELOG) if k == "item"]
    assert items == [
        ("Version 2.3.1 (2024-01-05)", "Fixed a crash when the configuration file is empty."),
        ("Version 2.3.1 (2024-01-05)", "Dropped support for Python 3.7."),
        ("Version 2.3.0 (2023-11-20)", "Added the --quiet option."),
    ]


def test_a_release_title_ending_in_a_colon_heads_its_changes() -> None:
    # xmlstarlet's NEWS: later releases are titled "1.1.0: Apr 3, 2011", older ones "1.0.3: Nov 18 2010:"
    text = ("1.1.0: Apr 3, 2011\n\n    - add --elif and --else options\n\n\n"
            "1.0.3: Nov 18 2010:\n\n   - Bug fixes:\n      c14n now includes default attributes (Bug 1505579)\n\n"
            "A sentence naming 3.79.1 has this bug, see this:\n\n    valgrind --tool=memcheck\n")
    got = shown(text)
    assert [h for k, h, t in got if "c14n" in t] == ["1.0.3: Nov 18 2010"]
    assert [k for k, h, t in got if t.startswith("A sentence")] == ["prose"]


def test_underlined_headings_and_wrapped_items_hold_in_text_of_long_lines() -> None:
    # Most items run on one long line, so each line is a paragraph; the underlines still make
    # a heading path (release above section) and a wrapped item's later line stays in the item.
    long = "Tracing no longer breaks hook execution when a traced object has a broken repr " * 4
    text = (f"pluggy 1.6.0 (2025-05-15)\n=========================\n\nDeprecations and Removals\n"
            f"-------------------------\n\n- #556: Python 3.8 is no longer supported.\n\n"
            f"- #424: {long.strip()}\n  or str. Such a value is now escaped.\n")
    items = [(h, t) for k, h, t in shown(text) if k == "item"]
    section = "pluggy 1.6.0 (2025-05-15) › Deprecations and Removals"
    assert items == [
        (section, "#556: Python 3.8 is no longer supported."),
        (section, f"#424: {long.strip()} or str. Such a value is now escaped."),
    ]


def test_restructured_text_markup_is_read_not_shown() -> None:
    text = ("Jinja\n=====\n\n.. contents::\n\n"
            "Jinja is a Japanese `Shinto shrine`_, and uses :func:`~markupsafe.escape` through "
            "`MarkupSafe <https://markupsafe.palletsprojects.com/>`_ and ``autoescape=True``.\n\n"
            ".. _Shinto shrine: https://en.wikipedia.org/wiki/Shinto_shrine\n")
    got = shown(text)
    assert [t for k, _, t in got if k == "prose"] == [
        "Jinja is a Japanese Shinto shrine, and uses escape through MarkupSafe and autoescape=True."]
    assert {t.split()[1]: k for k, _, t in got if t.startswith("..")} == {"contents:": "markup", "_Shinto": "markup"}


def test_a_paragraph_with_its_first_line_set_in_is_one_paragraph() -> None:
    text = ("                            Preamble\n\n"
            "  The licenses for most software are designed to take away your\n"
            "freedom to share and change it.  By contrast, the license is intended\n"
            "to guarantee your freedom.\n\n"
            "  When we speak of free software, we are referring to freedom, not\n"
            "price.\n")
    assert [t for k, _, t in shown(text) if k == "prose"] == [
        "The licenses for most software are designed to take away your freedom to share and change it.",
        "By contrast, the license is intended to guarantee your freedom.",
        "When we speak of free software, we are referring to freedom, not price.",
    ]


def test_a_man_pages_exit_statuses_are_terms_past_the_colon_sentences_share() -> None:
    statuses = "".join(f"              {n}    if the command exited with status {n} or failed badly\n\n"
                       for n in range(120, 127))
    text = (f"EXIT STATUS\n       xargs exits with the following status:\n\n{statuses}"
            "              127    if the command is not found\n\n")
    got = shown(text)
    assert ("term", "EXIT STATUS", "127: if the command is not found") in got
    assert not [t for k, _, t in got if k == "code"]


GRID_TABLE = """\
Timings
-------

+----------------+------------------+
| Keysize (bits) | single process   |
+================+==================+
| 1024           | 0.79 sec.        |
+----------------+------------------+
| 2048           | 6.55 sec. on a   |
|                | quad-core CPU    |
+----------------+------------------+

OpenSSL is faster.
"""

SIMPLE_TABLE = """\
Algorithms
==========

================  ===========  =========
Name              Polynomial   Reversed?
================  ===========  =========
``crc-32``        0x104C11DB7  True
``crc-32c``       0x11EDC6F41  True
================  ===========  =========
"""


@pytest.mark.parametrize(("text", "rows"), [
    (GRID_TABLE, ["Keysize (bits): 1024; single process: 0.79 sec.",
                  "Keysize (bits): 2048; single process: 6.55 sec. on a quad-core CPU"]),
    (SIMPLE_TABLE, ["Name: crc-32; Polynomial: 0x104C11DB7; Reversed?: True",
                    "Name: crc-32c; Polynomial: 0x11EDC6F41; Reversed?: True"]),
])
def test_a_plain_text_tables_rows_are_units_named_by_its_header(text: str, rows: list[str]) -> None:
    got = shown(text)
    assert [t for k, _, t in got if k == "row"] == rows
    assert {h for k, h, _ in got if k == "row"} == {text.split("\n")[0]}  # its rules head nothing
    assert not [t for k, _, t in got if k == "heading" and set(t) <= set("+-=| ")]


def test_a_field_or_a_bold_label_is_a_term_under_its_heading_not_a_heading() -> None:
    text = ("max_queue_size\n--------------\n\n**Default** - ``1000``\n\n"
            "The maximum number of tasks in the task queue.\n\n"
            "max_bandwidth\n-------------\n\n:Default: none\n")
    got = shown(text)
    assert ("term", "max_queue_size", "Default - 1000") in got
    assert ("prose", "max_queue_size", "The maximum number of tasks in the task queue.") in got
    assert ("term", "max_bandwidth", "Default: none") in got


def test_a_sphinx_object_description_is_headed_by_the_objects_name() -> None:
    text = ("Variables\n=========\n\n.. variable:: CPACK_DEBIAN_ARCHIVE_TYPE\n\n .. versionadded:: 3.7\n\n"
            " The archive format used for creating the Debian package.\n\n * Default   : \"gnutar\"\n")
    got = shown(text)
    assert ("heading", "Variables › CPACK_DEBIAN_ARCHIVE_TYPE", "CPACK_DEBIAN_ARCHIVE_TYPE") in got
    assert ("item", "Variables › CPACK_DEBIAN_ARCHIVE_TYPE", 'Default : "gnutar"') in got


def test_a_list_items_second_paragraph_set_in_is_prose_not_an_example() -> None:
    text = ("v5.0.0 (2021-12-21)\n===================\n\n"
            "- Remove deprecated submodules (breaking change).\n\n"
            "  The ``cache``, ``fifo``, ``lfu``, ``lru``, ``mru``, ``rr`` and\n"
            "  ``ttl`` submodules have been deleted.  Therefore, statements like\n\n"
            "  ``from cachetools.ttl import TTLCache``\n")
    got = shown(text)
    assert ("prose", "v5.0.0 (2021-12-21)",
            "The cache, fifo, lfu, lru, mru, rr and ttl submodules have been deleted.") in got
    assert [t for k, _, t in got if k == "code"] == ["``from cachetools.ttl import TTLCache``"]


def test_text_with_long_lines_keeps_each_line_a_paragraph() -> None:
    long = "A sentence that runs on " * 8
    text = f"A title with no stop\nDate: 2024-01-01\n\n{long.strip()}.\n"
    got = shown(text)
    assert [k for k, _, _ in got] == ["heading", "heading", "prose"]


@pytest.mark.parametrize("text", ["", "\n\n", "   \n"])
def test_empty_text_has_no_units(text: str) -> None:
    assert units(text) == []


def test_a_unit_outside_evidence_kinds_is_not_evidence() -> None:
    assert Unit(0, 1, "code").evidence is False
    assert Unit(0, 1, "item").evidence is True


FAQ = """\
Q:  I have installed xz, but my tar doesn't recognize .tar.xz files.
    How can I extract .tar.xz files?

A:  xz -dc foo.tar.xz | tar xf -


Q:  Can I recover parts of a broken .xz file?

A:  It may be possible if the file consists of multiple blocks, which
    typically is not the case.
"""


def test_a_faq_question_heads_its_answer_and_is_never_evidence() -> None:
    got = shown(FAQ)
    assert [k for k, _, _ in got] == ["heading", "term", "heading", "term"]
    assert got[1] == ("term", "I have installed xz, but my tar doesn't recognize .tar.xz files. "
                      "How can I extract .tar.xz files?", "xz -dc foo.tar.xz | tar xf -")
    assert got[3][1] == "Can I recover parts of a broken .xz file?"
    assert got[3][2] == "It may be possible if the file consists of multiple blocks, which typically is not the case."


def test_patterns_ending_in_question_marks_are_no_question() -> None:
    # fail2ban's jail.conf(5) lists the abbreviations its times accept as patterns: "years?, yea?, yy?"
    # set in under "Abbreviation tokens:" is no question, and heads none of the text after it
    text = ("TIME ABBREVIATION FORMAT\n"
            "       The time entries can be provided as integer in seconds or as string.\n\n"
            "       Abbreviation tokens:\n\n"
            "              years?, yea?, yy?\n"
            "              months?, mon?\n"
            "              minutes?, min?, mm?\n\n"
            "              The question mark (?) means the optional character.\n\n"
            "       You can combine multiple tokens in format, e. g.: 1y 6mo or 1d12h30m.\n")
    got = shown(text)
    assert all("?" not in heading for _, heading, _ in got), got


def test_a_man_pages_sections_over_text_set_in_at_seven_head_it_and_short_tags_keep_their_text() -> None:
    # fail2ban's jail.conf(5): most text is its tags' descriptions, set in at 14; a section named with a file in
    # brackets and a subsection ("Action Tags" at 3) were read as terms, "ip     IPv4 ..." as a title
    text = ("ACTION CONFIGURATION FILES (action.d/*.conf)\n"
            "       Action files specify which commands are executed to ban an IP.\n\n"
            "       actionban\n"
            "              command(s) that bans the IP address after maxretry log\n"
            "              lines match within the last findtime seconds.\n\n"
            "       actionunban\n"
            "              command(s) that unbans the IP address after bantime,\n"
            "              when its ban ends.\n\n"
            "   Action Tags\n"
            "       The following tags are substituted in the actionban command.\n\n"
            "       ip     IPv4 IP address to be banned. e.g. 192.168.0.2\n\n"
            "       failures\n"
            "              number of times the failure occurred in the log file,\n"
            "              counted since the jail started.\n\n"
            "       ipfailures\n"
            "              As per failures, but total of all failures for that ip\n"
            "              address across all jails from the persistent database,\n"
            "              which must be set for this tag to function.\n\n"
            "PYTHON ACTION FILES\n"
            "       Python based actions can also be used.\n")
    got = shown(text)
    assert [t for k, _, t in got if k == "heading"] == [
        "ACTION CONFIGURATION FILES (action.d/*.conf)", "Action Tags", "PYTHON ACTION FILES"]
    assert ("term", "ACTION CONFIGURATION FILES (action.d/*.conf) › Action Tags",
            "ip: IPv4 IP address to be banned. e.g. 192.168.0.2") in got
    # a name over its description set in further is a term, not a section ("root" at 3, its text at 10)
    names = "Users\n\n   root\n          Root is the superuser.\n\n   daemon\n          Some daemons run as it.\n"
    assert [k for k, _, _ in shown(names)] == ["heading", "term", "term"]


def test_an_rst_directive_line_is_markup_and_what_it_introduces_is_code() -> None:
    # ".. sourcecode:: python" was offered as the answer to a question about an output's type
    text = "The output looks so.\n\n.. sourcecode:: python\n\n    {\"output_type\": \"stream\"}\n\nNext.\n"
    assert [u.kind for u in units(text)] == ["prose", "markup", "code", "prose"]


def test_a_labelled_faq_question_heads_its_answer_also_without_a_question_mark() -> None:
    # screen's FAQ states its problems: the AIX patch was filed under the question before
    text = ("Q:   I cannot configure screen. Sed does not work.\n \nA:   Try an older release.\n\n"
            "Q:   Seteuid()  does not work as expected in AIX.  Attempting a multi-\n"
            "     user-attach results in a screen-panic.\n \nA:   You need the AIX patch PTF 423674.\n")
    got = shown(text)
    assert [k for k, _, _ in got] == ["heading", "term", "heading", "term"]
    assert got[3] == ("term", "Seteuid() does not work as expected in AIX. Attempting a multi-user-attach "
                      "results in a screen-panic.", "You need the AIX patch PTF 423674.")
    # a question and its answer on one line state something: evidence
    assert [k for k, _, _ in shown("Q: Is it fast. A: It copies 2 GB a second.\n")] != ["heading"]


def test_a_numbered_chapter_line_heads_its_numbered_sections_and_code_heads_nothing() -> None:
    # The Present extension's spec: "2. Data Types" had been a list item, and "PRESENTNOTIFY {" a
    # heading over the text after it
    text = ("1.2. Acknowledgments\n\nEric Anholt wrote much of it.\n\n2. Data Types\n\n"
            "PRESENTNOTIFY {\n\twindow: WINDOW\n\t}\n\nA list of these is passed to PresentPixmap.\n\n"
            "2.1. Data Types proposed for a later version\n\nNone yet.\n")
    got = shown(text)
    assert [(k, t) for k, _, t in got if k == "heading"] == [
        ("heading", "1.2. Acknowledgments"), ("heading", "Data Types"),
        ("heading", "2.1. Data Types proposed for a later version")]
    assert ("prose", "2. Data Types", "A list of these is passed to PresentPixmap.") in got
    assert got[-1][1] == "2. Data Types › 2.1. Data Types proposed for a later version"
    # without sections numbered under it, "2. Run configure" stays a step of a list
    assert [k for k, _, _ in shown("1. Download it\n\n2. Run configure\n")] == ["item", "item"]


def test_gnu_news_outline_headings_scope_the_changes_below() -> None:
    text = ("* Noteworthy changes in release 4.9 (2022-11-06) [stable]\n\n** Bug fixes\n\n"
            "  'sed -i' no longer loops forever when its operand is a\n  symbolic link cycle.\n")
    got = shown(text)
    assert got[-1] == ("prose", "Noteworthy changes in release 4.9 (2022-11-06) [stable] › Bug fixes",
                       "'sed -i' no longer loops forever when its operand is a symbolic link cycle.")


def test_a_star_item_naming_a_version_and_going_on_is_no_outline_heading() -> None:
    text = ("4.1. My program uses the C++ STL. How can I fix it?\n\n"
            "* With GCC 3.2.2 and later, you should export the environment variable\n"
            "GLIBCPP_FORCE_NEW before running your program.\n\n"
            "* With GCC 3.4 and later, that variable has changed name to\nGLIBCXX_FORCE_NEW.\n\n"
            "4.2. The stack traces given by Memcheck aren't helpful. How can I improve them?\n\n"
            "Make sure you are compiling with -g to add debug information.\n")
    got = shown(text)
    assert not [t for k, _, t in got if k == "heading" and "GCC" in t]
    assert ("item", "4.1. My program uses the C++ STL. How can I fix it?",
            "With GCC 3.2.2 and later, you should export the environment variable GLIBCPP_FORCE_NEW before "
            "running your program.") in got
    assert [h for k, h, _ in got if k == "prose"] == [
        "4.2. The stack traces given by Memcheck aren't helpful. How can I improve them?"]


def test_a_debian_changelog_sign_off_is_evidence_under_its_entry() -> None:
    text = ("apt (2.5.2) unstable; urgency=medium\n\n"
            "  Installing or upgrading a binary package now upgrades other binaries from\n"
            "  the same source package if they have the same candidate version.\n\n"
            " -- Julian Andres Klode <juliank@ubuntu.com>  Sun, 24 Jul 2022 15:45:15 +0200\n\n"
            "apt (2.4.0) unstable; urgency=medium\n\n"
            "  GPG verification now first tries only the trusted.gpg.d keys.\n\n"
            " -- Julian Andres Klode <jak@debian.org>  Tue, 22 Feb 2022 20:01:00 +0100\n")
    signed = [(k, h) for k, h, t in shown(text) if "Klode" in t]
    assert signed == [("prose", "apt (2.5.2) unstable; urgency=medium"),
                      ("prose", "apt (2.4.0) unstable; urgency=medium")]


def test_list_items_indented_with_no_break_spaces_are_items() -> None:
    text = ("Releases\n\n\u00a0\u00a0\u00a0 * lenny (Debian 5.0) was the toy binoculars,\n\n"
            "      * squeeze (Debian 6) was the aliens,\n")
    kinds = [(k, t) for k, _, t in shown(text)]
    assert kinds[-2:] == [("item", "lenny (Debian 5.0) was the toy binoculars,"),
                          ("item", "squeeze (Debian 6) was the aliens,")]


def test_markdown_links_alone_and_html_are_not_evidence() -> None:
    text = ("# Tool\n\n![Build](https://ci/badge.svg)\n\n- [Intro](#intro)\n- [Usage](#usage)\n\n<!-- toc -->\n\n"
            "It parses TOML.\n")
    assert [(k, t) for k, _, t in shown(text, markdown=True, kinds=EVIDENCE)] == [("prose", "It parses TOML.")]


def test_a_markdown_heading_is_its_text_without_html() -> None:
    text = '## Intro<a name="intro"></a>\n\nIt parses `decimal.Decimal` values.\n'
    assert shown(text, markdown=True)[-1] == ("prose", "Intro", "It parses decimal.Decimal values.")


def test_code_spans_keep_their_text_and_plain_text_keeps_its_underscores() -> None:
    md = "Its value is stored under `_click_default_help` from **now** on.\n"
    assert shown(md, markdown=True)[0][2] == "Its value is stored under _click_default_help from now on."
    assert shown("It calls __init__ with *args and **kwargs.\n")[0][2] == "It calls __init__ with *args and **kwargs."


def test_a_sentence_ending_in_a_colon_keeps_the_short_example_after_it() -> None:
    text = ("IPQoS defaults\n\nIf you want to restore the upstream default, add this to\n"
            "ssh_config and sshd_config:\n\n        IPQoS af21 cs1\n\nAnother sentence here.\n")
    got = shown(text, kinds=EVIDENCE)
    assert got[0][2] == ("If you want to restore the upstream default, add this to ssh_config and sshd_config: "
                         "IPQoS af21 cs1")
    md = "Install it:\n\n```sh\npip install tool\n```\n"
    assert shown(md, markdown=True, kinds=EVIDENCE)[0][2] == "Install it: pip install tool"


def test_a_sentence_ending_in_a_colon_takes_the_command_line_a_pdf_set_out_as_text() -> None:
    # CUPS's help as a PDF: the example lost its monospace and is a line of text of its own
    text = ("Command-Line Printing\n=====================\n\nPrinting Files\n==============\n\n"
            "Type this command to print a file:\n\nlp filename\n\nChoosing a Printer\n==================\n\n"
            "Use the lpstat(1) command to see a list of available printers:\n\n"
            "lpstat -p -d\n\nThe -p option specifies that you want to see a list of printers.\n")
    got = [display(text, u) for u in units(text, wrapped=True) if u.kind in EVIDENCE]
    assert "Use the lpstat(1) command to see a list of available printers: lpstat -p -d" in got


def test_a_sentence_ending_in_a_colon_takes_the_option_line_set_in_as_deep_as_it() -> None:
    # tar's manual: the option to give is a paragraph of its own, set in as the sentence is
    text = ("       -f, --file=ARCHIVE\n"
            "              Use archive file or device ARCHIVE.\n\n"
            "              Nowadays it is common to use ssh(1) instead.  You can do so by\n"
            "              giving the following command line option:\n\n"
            "              --rsh-command=/usr/bin/ssh\n\n"
            "              The remote machine should have the rmt(8) command installed.\n\n"
            "              Header:\n\n"
            "              ---\n")
    got = [t for _, _, t in shown(text, kinds=EVIDENCE)]
    assert "You can do so by giving the following command line option: --rsh-command=/usr/bin/ssh" in got
    assert "The remote machine should have the rmt(8) command installed." in got  # a sentence is no example
    assert not any("Header: ---" in t or "installed. Header" in t for t in got), got  # nor a label or a rule


def test_a_sentence_stopping_before_its_object_takes_the_line_set_apart_after_it() -> None:
    text = ("   you may not use this file except in compliance with the License.\n"
            "   You may obtain a copy of the License at\n\n"
            "       http://www.apache.org/licenses/LICENSE-2.0\n\n"
            "   Unless required by applicable law or agreed to in writing, software is given as is.\n")
    got = [t for _, _, t in shown(text, kinds=EVIDENCE)]
    assert "You may obtain a copy of the License at http://www.apache.org/licenses/LICENSE-2.0" in got
    # A sentence that ends as a sentence does not take the code after it.
    done = "Run the tests.\n\n    make test\n\nThen read the report.\n"
    assert [t for _, _, t in shown(done, kinds=EVIDENCE)][0] == "Run the tests."


def test_a_literal_block_is_code_whatever_its_lines_end_with() -> None:
    text = ("Main JSON Output\n----------------\n\nThe CLI prints JSON.\n\n.. code:: json\n\n"
            "   {\n       \"path\": \"sample.1.fr.srt\",\n       \"encoding\": \"cp1252\",\n   }\n\n"
            "Run it like this::\n\n   normalizer -m file.srt,\n\n.. note::\n\n   The output is one line.\n")
    got = shown(text)
    assert [k for k, _, t in got if "cp1252" in t] == ["code"]
    assert ("prose", "Main JSON Output", "Run it like this: normalizer -m file.srt,") in got  # with its example
    assert ("prose", "Main JSON Output", "The output is one line.") in got


@pytest.mark.parametrize(("source", "seen"), [
    # What only looks like emphasis stays: a name ending in an underscore, a product of figures.
    ("Prefix their names with arg_. It helps.", "Prefix their names with arg_."),
    ("The limit is 2 * 3 MiB by default.", "The limit is 2 * 3 MiB by default."),
    ("Escaped markers stay: \\*args and \\_private.", "Escaped markers stay: *args and _private."),
    # Markup goes: emphasis, code marks, links (also by reference), autolinks.
    ("Set **`__version__`** in [the module](x.py).", "Set __version__ in the module."),
    ("[Mangum][mangum] adapts ASGI apps; see <https://a.org/b>.", "Mangum adapts ASGI apps; see https://a.org/b."),
    # an HTML element's tags go, a placeholder the text names stays
    ("Voted by half of them<sup>[1]</sup>, see <b>postgresql-*-<version></b>.",
     "Voted by half of them[1], see postgresql-*-<version>."),
    # a reference whose text holds code (Python-Markdown's guide), but no code span's brackets
    ("Built from the [`docs` directory][docs directory], not `m[i][j]`.",
     "Built from the docs directory, not m[i][j]."),
])
def test_markdown_inline_markup_is_read_as_commonmark_reads_it(source: str, seen: str) -> None:
    assert shown(source + "\n", markdown=True)[0][2] == seen


NUMBERED = """\
The .xz File Format

3.1.7. CRC32

       The CRC32 is calculated over everything in the Block Header.

4.3. List of Records

       List of Records consists of as many Records as there are Blocks.

4.3.1. Unpadded Size

       This field indicates the size of the Block excluding the padding.
"""


def test_a_numbered_heading_sits_at_the_depth_of_its_number() -> None:
    # "CRC32" is all capitals, which ranks an unnumbered heading higher; its number says it is deeper
    # than "4.3.", which replaces it, and "4.3.1." goes under "4.3.". A two-part number is at the
    # level of an unnumbered heading at the margin, which it replaces.
    paths = [heading for kind, heading, _ in shown(NUMBERED, kinds=EVIDENCE)]
    assert paths == ["The .xz File Format › 3.1.7. CRC32", "4.3. List of Records",
                     "4.3. List of Records › 4.3.1. Unpadded Size"]


def test_a_diagram_border_is_no_heading() -> None:
    text = ("Stream Header\n\n+-+-+-+-+-+-+-+-+-+=======+ +=======+\n\nThe header is twelve bytes long.\n")
    assert [heading for _, heading, _ in shown(text, kinds=EVIDENCE)][-1] == "Stream Header"


def test_a_pipe_table_in_plain_text_gives_rows_named_by_its_header() -> None:
    text = ("Checks\n\nThe check is one of:\n\n| ID | Size | Check name |\n|---|---|---|\n| 0x01 | 4 bytes | CRC32 |\n"
            "| 0x0A | 32 bytes | SHA-256 |\n\nOther IDs are reserved.\n")
    rows = [shown_text for kind, _, shown_text in shown(text) if kind == "row"]
    assert "ID: 0x0A; Size: 32 bytes; Check name: SHA-256" in rows, rows
    assert ("prose", "Checks", "Other IDs are reserved.") in shown(text)


def test_the_text_of_an_rst_version_note_is_prose_labelled_by_the_note() -> None:
    # set in under its directive and ending without a stop, it read as a literal block, not evidence
    text = ("execute_result\n**************\n\nResults of executing a cell are stored in execute_result outputs.\n\n"
            ".. versionchanged:: nbformat 4.0\n\n    ``pyout`` renamed to ``execute_result``\n\n"
            "Package file name.\n")
    found = [(u.kind, u.label, display(text, u)) for u in units(text)]
    assert ("prose", "Changed in nbformat 4.0", "pyout renamed to execute_result") in found, found
    assert ("prose", "", "Package file name.") in found, found


def test_rst_titles_under_any_adornment_nest_in_order_of_appearance() -> None:
    # coverage.py's reference sets each setting's title over dots; they were sentences of prose
    text = ("Configuration reference\n=======================\n\n[html]\n------\n\nSettings for HTML.\n\n"
            "[html] directory\n................\n\n"
            "(string, default \"htmlcov\") Where to write the HTML report files.\n\n"
            "[xml]\n-----\n\nSettings for XML.\n")
    found = [(u.kind, u.heading, display(text, u)) for u in units(text)]
    assert ("prose", "Configuration reference › [html] › [html] directory",
            "(string, default \"htmlcov\") Where to write the HTML report files.") in found, found
    assert ("prose", "Configuration reference › [xml]", "Settings for XML.") in found, found
    # a line of dots shorter than the text above it underlines nothing
    short = "It went on and on\n...\n\nThe end came.\n"
    assert [u.kind for u in units(short)] == ["prose", "prose"], units(short)


def test_an_rst_comment_a_target_and_what_is_set_in_under_them_are_never_evidence() -> None:
    # cog's generator code sits in a comment: its strings were read as prose answers; a link target
    # (".. _follow-imports:") was given as the answer to "Which values can I pass to the flag?"
    text = ("Here is a sample:\n\n.. [[[cog\n    show_configs(\n        ini=r\"\"\"\n\n"
            "        [html]\n        directory = coverage_html_report\n        \"\"\")\n\n.. ]]]\n\n"
            ".. _config_run:\n\nThe run section.\n")
    found = units(text)
    assert [display(text, u) for u in found if u.evidence] == ["Here is a sample:", "The run section."]
    assert [u.kind for u in found] == ["prose", "markup", "markup", "markup", "markup", "prose"]


def test_an_rst_auto_numbered_item_is_an_item() -> None:
    text = ("Encodings fall into groups.\n\n#. Multi-byte encodings, where each character is\n   represented by "
            "several bytes.\n#. ``windows-1252``, which is used on Windows; its\n   subset is ISO-8859-1.\n")
    assert [(k, t) for k, _, t in shown(text)][1:] == [
        ("item", "Multi-byte encodings, where each character is represented by several bytes."),
        ("item", "windows-1252, which is used on Windows; its subset is ISO-8859-1.")]


def test_a_wide_table_does_not_make_hard_wrapped_prose_one_paragraph_a_line() -> None:
    # crcmod's reference: its table's rows of 134 characters outweighed the prose wrapped at 80
    row = "``crc-8``" + " " * 24 + "0x107" + " " * 19 + "False" + " " * 7 + "0x00" + " " * 18 + "0xF4" + " " * 50
    text = ("The function factory and the class are very similar to those defined in crcmod,\n"
            "except that the CRC algorithm is specified by a predefined name.\n\n"
            f"{'=' * 30}  {'=' * 20}\nName{' ' * 28}Polynomial\n{'=' * 30}  {'=' * 20}\n" + f"{row}\n" * 12
            + f"{'=' * 30}  {'=' * 20}\n")
    assert shown(text)[0] == ("prose", "", "The function factory and the class are very similar to those defined in "
                              "crcmod, except that the CRC algorithm is specified by a predefined name.")


def test_a_sentence_going_on_after_the_example_it_took_is_one_unit() -> None:
    # Trio's design notes: "and the nowait version raises trio.WouldBlock ..." was a unit of its own
    text = ("* If you want both versions of a function, they look like:\n\n  .. code-block:: python\n\n"
            "     def OPERATION_nowait(arg1):\n         ...\n\n"
            "  and the ``nowait`` version raises ``trio.WouldBlock`` if it would block.\n\n* Next item.\n")
    evidence = [display(text, u) for u in units(text) if u.evidence]
    assert evidence == ["If you want both versions of a function, they look like: def OPERATION_nowait(arg1): ... "
                        "and the nowait version raises trio.WouldBlock if it would block.", "Next item."], evidence


def test_a_myst_fence_is_no_part_of_the_example_a_sentence_takes_with_it() -> None:
    text = "The latter are type-sensitive:\n\n```{doctest}\n>>> C1(1) == C2(1)\nFalse\n```\n\nNext.\n"
    shown_ = [display(text, u, markdown=True) for u in units(text, markdown=True) if u.evidence]
    assert shown_[0] == "The latter are type-sensitive: C1(1) == C2(1) False", shown_


def test_a_colon_takes_the_code_under_its_rst_directive_and_a_domain_role_shows_its_title() -> None:
    text = ("``pytest`` provides :std:doc:`Builtin fixtures <builtin>` to request resources, like a temporary "
            "directory:\n\n.. code-block:: python\n\n    def test_needsfiles(tmp_path):\n        print(tmp_path)\n\n"
            "List the name in the signature.\n")
    evidence = [display(text, u) for u in units(text) if u.evidence]
    assert evidence[0] == ("pytest provides Builtin fixtures to request resources, like a temporary directory: "
                           "def test_needsfiles(tmp_path): print(tmp_path)"), evidence
    assert evidence[1] == "List the name in the signature.", evidence


def test_a_man_page_set_in_with_tabs_keeps_each_option_with_its_text() -> None:
    # htop's page saved without `col -x`: the options' names set in with spaces, their text with a tab
    text = ("COMMAND-LINE OPTIONS\n"
            "       Mandatory arguments to long options are mandatory for short options too.\n\n"
            "       -d --delay=DELAY\n"
            "\t      Delay between updates, in tenths of a second. If the delay value\n"
            "\t      is  less\tthan 1, it is increased to 1.\n\n"
            "       -p --pid=PID,PID...\n"
            "\t      Show only the given PIDs\n\n"
            "       -t --tree\n"
            "\t      Show processes in tree view.\n")
    assert [t for k, _, t in shown(text) if k == "term"] == [
        "-d --delay=DELAY: Delay between updates, in tenths of a second. If the delay value is less than 1, it is "
        "increased to 1.", "-p --pid=PID,PID...: Show only the given PIDs", "-t --tree: Show processes in tree view."]


def test_a_man_page_option_right_under_its_section_title_is_a_term() -> None:
    # pv's page: "GENERAL OPTIONS" and "-P FILE, --pidfile FILE" with no blank line between them; the option
    # ran into its text as a sentence, and "While pv is running, it will contain ..." stood alone.
    text = ("GENERAL OPTIONS\n"
            "       -P FILE, --pidfile FILE\n"
            "\t      Save  the\t process ID of pv in FILE.  While pv is running, it will\n"
            "\t      contain a single number.\n\n"
            "       -h, --help\n"
            "\t      Print a usage message and exit.\n\n"
            "SEE ALSO\n"
            "   Related tools\n"
            "       The tools below are the ones to read next.\n")
    got = shown(text)
    assert ("term", "GENERAL OPTIONS", "-P FILE, --pidfile FILE: Save the process ID of pv in FILE. While pv is "
            "running, it will contain a single number.") in got
    # a title of a few words set in under a section is still no term
    assert not any(kind == "term" and "Related tools" in t for kind, _, t in got)


def test_a_colon_takes_examples_of_one_kind_not_the_definition_after_them() -> None:
    # lsof's quick start: "Examples:" took its two commands and the option "-i" defined after them
    text = ("\t-g\tselects by process group ID. Examples:\n\n"
            "\t\t$ lsof -g\n\t\t$ lsof -g1234\n\n"
            "\t-i\ttells lsof to display Internet socket files.\n")
    evidence = [t for k, _, t in shown(text) if k in EVIDENCE]
    assert evidence[-1] == "-i: tells lsof to display Internet socket files.", evidence


def test_an_faq_with_q_and_a_marks_heads_each_answer_with_its_question() -> None:
    # vsftpd's FAQ: "Q)" and "A)" were read as lettered list items, the question a unit of its own
    text = ("Q) Can I restrict users to their home directories?\n"
            "A) Yes. You are probably after the setting:\nchroot_local_user=YES\n\n"
            "Q) Does vsftpd support a limit on the number of users connected?\n"
            "A1) Yes, indirectly.\n"
            "A2) If you run vsftpd in standalone mode, see max_clients.\n")
    got = shown(text, kinds=EVIDENCE)
    assert got[0] == ("prose", "Can I restrict users to their home directories?", "Yes.")
    assert got[-1] == ("prose", "Does vsftpd support a limit on the number of users connected?",
                       "If you run vsftpd in standalone mode, see max_clients."), got
    assert not any("?" in t for _, _, t in got)


def test_lettered_items_are_items_outside_an_faq() -> None:
    text = "Pick a door.\n\nA) the red door\nB) the blue door\n"
    assert [k for k, _, _ in shown(text, kinds=EVIDENCE)] == ["prose", "item", "item"]


def test_a_capitalised_name_level_with_the_text_above_its_own_is_a_term() -> None:
    # tar's and watch's pages: "TAR_MODE" over its set-in text was a paragraph "TAR_MODE" and another
    text = ("ENVIRONMENT\n"
            "       The following variables are set for the command, and describe the\n"
            "       file being processed, which is given on the command line too.\n\n"
            "       TAR_MODE\n              File mode, an octal number.\n\n"
            "       TAR_SIZE\n              Size of the file.\n")
    assert [t for k, _, t in shown(text) if k == "term"] == ["TAR_MODE: File mode, an octal number.",
                                                             "TAR_SIZE: Size of the file."]


def test_a_definition_whose_text_asks_is_no_question_and_its_later_paragraphs_name_it() -> None:
    # waitress's arguments: a definition ending "...?" became a question heading over the next ones, and
    # "Default: ``False``" stood alone, naming no argument (and, set in less, was taken for a heading)
    text = ("log_untrusted_proxy_headers\n"
            "    Should waitress log warning messages about proxy headers that are\n"
            "    cleared?\n\n"
            "    Default: ``False``\n\n"
            "clear_untrusted_proxy_headers\n"
            "    This tells Waitress to remove any untrusted proxy headers.\n\n"
            "   Default: ``True``\n")
    units_ = [u for u in units(text) if u.evidence]
    assert [(u.kind, u.heading, u.label, display(text, u)) for u in units_] == [
        ("term", "", "", "log_untrusted_proxy_headers: Should waitress log warning messages about proxy headers "
                         "that are cleared?"),
        ("prose", "", "log_untrusted_proxy_headers", "Default: False"),
        ("term", "", "", "clear_untrusted_proxy_headers: This tells Waitress to remove any untrusted proxy headers."),
        ("prose", "", "clear_untrusted_proxy_headers", "Default: True")]



def test_a_sample_configuration_gives_each_setting_with_its_comment() -> None:
    # btop's README: its btop.conf was one code block, never evidence, so "how often does it refresh?"
    # could not be answered from "#* Update time in milliseconds ..." over "update_ms = 1500"
    text = ("# ![btop++](logo.png)\n\n## Configurability\n\n```bash\n#? Config file for btop v. 1.2.2\n\n"
            "#* Update time in milliseconds, recommended 2000 ms or above.\nupdate_ms = 1500\n\n"
            "#* Show processes as a tree.\nproc_tree = False\n```\n\n"
            "```python\n# print the result of the sum\nprint(1 + 2)\n```\n")
    assert shown(text, markdown=True, kinds=frozenset({"item", "code"})) == [
        ("code", "btop++ › Configurability", "#? Config file for btop v. 1.2.2"),
        ("item", "btop++ › Configurability", "Update time in milliseconds, recommended 2000 ms or above. "
                                             "update_ms = 1500"),
        ("item", "btop++ › Configurability", "Show processes as a tree. proc_tree = False"),
        ("code", "btop++ › Configurability", "# print the result of the sum print(1 + 2)")]


def test_help_output_shown_as_code_gives_each_option_with_its_text() -> None:
    # semver's README shows `semver -h` in a fence: as code it was no evidence, so "what does -i bump when
    # no level is given?" could not be answered from "Default level is 'patch'."
    text = ("# semver\n\n## Usage\n\n```\n$ semver -h\n\nUsage: semver [options] <version>\n\n"
            "-i --increment [<level>]\n        Increment a version by the specified level.  Default level is\n"
            "        'patch'.\n\n-l --loose\n        Interpret versions and ranges loosely\n```\n\n"
            "```\n$ semver 1.2.3 -i minor\n1.3.0\n```\n")
    assert shown(text, markdown=True, kinds=frozenset({"term", "prose", "code"})) == [
        ("term", "semver › Usage › $ semver -h",
         "-i --increment [<level>]: Increment a version by the specified level. Default level is 'patch'."),
        ("term", "semver › Usage › $ semver -h", "-l --loose: Interpret versions and ranges loosely"),
        ("code", "semver › Usage", "$ semver 1.2.3 -i minor 1.3.0")]


def test_one_character_names_set_out_before_their_text_are_terms() -> None:
    # ncdu's FILE FLAGS and KEYS: "!", ">", "^", "a" over nothing read as prose ("> Directory ..."), and
    # the FAQ's "A:" rule dropped the key "a"
    text = ("FILE FLAGS\n       Entries may be prefixed by a one-character flag.\n\n"
            "       !   An error occurred while reading this directory.\n\n"
            "       >   Directory is on another filesystem.\n\n"
            "       a   Toggle between showing disk usage and showing apparent size.\n")
    assert [t for k, _, t in shown(text) if k == "term"] == [
        "!: An error occurred while reading this directory.", ">: Directory is on another filesystem.",
        "a: Toggle between showing disk usage and showing apparent size."]


def test_a_one_letter_column_of_a_table_makes_no_term() -> None:
    # tar's TAR_FILETYPE letters: the last row, with no line under it, was read as a term
    text = ("TAR_FILETYPE\n       Type of the file:\n\n"
            "               f           Regular file\n"
            "               d           Directory\n"
            "               c           Character device\n")
    assert not [t for k, _, t in shown(text) if k == "term" and t.startswith("c")]



def test_a_title_set_in_between_rules_is_a_heading() -> None:
    # less's NEWS: each release's title is set in with a tab between lines of "====", and was read as
    # an example, so its changes stood under no release
    text = ("  For the latest news about less, see the web site.\n\n" + "=" * 70 + "\n\n"
            '\tMajor changes between "less" versions 563 and 581\n\n'
            "* Add ESC-U command.\n\n* Add the --incsearch option.\n\n" + "=" * 70 + "\n\n"
            '\tMajor changes between "less" versions 551 and 563\n\n* Fix a bug.\n')
    got = shown(text, kinds=EVIDENCE)
    assert ("item", 'Major changes between "less" versions 563 and 581', "Add the --incsearch option.") in got
    assert got[-1] == ("item", 'Major changes between "less" versions 551 and 563', "Fix a bug.")


def test_a_title_set_between_runs_of_dashes_heads_without_them() -> None:
    # procmail's FAQ: every answer was shown under "-------- Frequently Asked Questions --------:"
    rule = "-" * 78
    text = (f"{rule}\n{'-' * 22} Frequently Asked Questions {'-' * 28}\n{rule}\n\n"
            "1. How do I set up a mailing list?\n\n\tLook in the SmartList directory first.\n")
    last = ("prose", "Frequently Asked Questions", "Look in the SmartList directory first.")
    assert shown(text, kinds=EVIDENCE)[-1] == last


def test_titles_inside_a_literal_block_head_nothing() -> None:
    # Docutils' policies show their title styles in a literal block: "Document Title" under "====" became
    # the heading of every later section
    text = ("Documentation Conventions\n=========================\n\n"
            "* Use the following section title adornment styles::\n\n"
            "      ================\n       Document Title\n      ================\n\n"
            "      Section\n      =======\n\n"
            "Copyrights and Licensing\n========================\n\n"
            "Using the 2-Clause BSD license is recommended.\n")
    assert shown(text, kinds=EVIDENCE)[-1] == (
        "prose", "Copyrights and Licensing", "Using the 2-Clause BSD license is recommended.")


def test_a_setting_under_its_comment_in_a_configuration_file_is_an_item_of_its_own() -> None:
    # Redis's sentinel.conf: "logfile /var/log/redis/redis-sentinel.log" under its comment ended the comment's
    # last sentence ("... logs will be sent to /dev/null logfile /var/log/...")
    text = ("# Example sentinel.conf\n\n"
            "# Specify the log file name. Note that if you use standard\n"
            "# output for logging but daemonize, logs will be sent to /dev/null\n"
            "logfile /var/log/redis/redis-sentinel.log\n\n"
            "# The port that this sentinel instance will run on\n"
            "port 26379\n\n" + "# A comment.\n" * 8)
    got = [(u.kind, u.label, display(text, u)) for u in units(text) if u.evidence]
    log = "logfile /var/log/redis/redis-sentinel.log"  # the setting in force labels its comment with its value
    assert got[1:6] == [
        ("prose", log, "Specify the log file name."),
        ("prose", log, "Note that if you use standard output for logging but daemonize, logs will be sent to "
                       "/dev/null"),
        ("item", "", log),
        ("prose", "port", "The port that this sentinel instance will run on"),  # it goes on into its setting
        ("item", "", "port 26379")]


def test_a_comment_over_settings_is_labelled_by_the_one_in_force() -> None:
    # OpenVPN's server.conf: "Which TCP/UDP port should OpenVPN listen on?" was shown as "port: ..." without
    # the "port 1194" under it; "# TCP or UDP server?" headed the rest of the file as a FAQ's question; the
    # settings left commented out with ";" ran together into one sentence
    text = ("#" * 40 + "\n# Sample OpenVPN config file for the server side.  #\n" + "#" * 40 + "\n\n"
            "# Which TCP/UDP port should OpenVPN listen on?\n# You will need to open up this port on your\n"
            "# firewall.\nport 1194\n\n"
            "# TCP or UDP server?\n;proto tcp\nproto udp\n\n"
            "# Push routes to the client to allow it\n# to reach other private subnets.\n"
            ';push "route 192.168.10.0 255.255.255.0"\n;push "route 192.168.20.0 255.255.255.0"\n\n'
            "# Limit the number of clients.\n;max-clients 100\n\n" + "# A comment.\n" * 8)
    got = [(u.kind, u.heading, u.label, display(text, u)) for u in units(text) if u.evidence]
    assert ("prose", "", "port 1194", "Which TCP/UDP port should OpenVPN listen on?") in got
    assert ("prose", "", "port 1194", "You will need to open up this port on your firewall.") in got
    assert ("prose", "", "proto udp", "TCP or UDP server?") in got
    assert ("prose", "", "", ';push "route 192.168.10.0 255.255.255.0"') in got
    assert ("prose", "", "", ';push "route 192.168.20.0 255.255.255.0"') in got
    assert ("prose", "", "max-clients", "Limit the number of clients.") in got  # none in force: the name
    assert not [g for g in got if g[1]]


def test_a_configuration_file_explained_in_comments_reads_as_its_comments() -> None:
    # mosquitto.conf: every line a "#" comment, so a sentence read "... is 8883, but # this must be set
    # manually." and the section titles between "# ====" rules headed nothing
    text = ("# " + "=" * 60 + "\n# Listeners\n# " + "=" * 60 + "\n\n"
            "# port : the port to listen on. The default is\n# 1883 unless TLS is used.\n#port 1883\n\n"
            "# The following options enable TLS for this\n# listener. Note that the recommended port for MQTT\n"
            "# over TLS is 8883, but\n# this must be set manually.\n#cafile\n") * 2
    got = shown(text)
    assert got[0] == ("heading", "Listeners", "Listeners")
    assert ("prose", "Listeners", "Note that the recommended port for MQTT over TLS is 8883, but this must be set "
                                  "manually.") in got
    assert ("prose", "Listeners", "#port 1883") in got  # a setting left commented out stays one
    # the sentences right above it are about it
    assert [(u.label, display(text, u)) for u in units(text) if u.label][:2] == [
        ("port", "port : the port to listen on."), ("port", "The default is 1883 unless TLS is used.")]


def test_a_sample_configurations_setting_lines_are_no_titles() -> None:
    # tinyproxy.conf: each setting alone between "#" lines, short and not ending as a sentence, had been
    # a title; every later unit sat under "Port 8888", and the comment above it read apart from its value
    text = ("#\n# Port: Specify the port which tinyproxy will listen on.\n#\nPort 8888\n\n"
            "#\n# Listen: If you have multiple interfaces this allows you to bind to\n# only one.\n#\n"
            "#Listen 192.168.0.1\n\n") * 3
    found = [(u.kind, u.heading, display(text, u)) for u in units(text)]
    assert not [f for f in found if f[0] == "heading" or f[1]]
    assert found[:4] == [("prose", "", "Port: Specify the port which tinyproxy will listen on."),
                         ("item", "", "Port 8888"),
                         ("prose", "", "Listen: If you have multiple interfaces this allows you to bind to only one."),
                         ("prose", "", "#Listen 192.168.0.1")]


def test_a_sentence_with_a_line_of_code_inside_it_is_one_unit() -> None:
    text = ("A.3 Switching the write cache off\n\nRead section A.1 first.\n\n"
            "If you have ATA, add the line\n\n  hw.ata.wc=\"0\"\n\n"
            "to /boot/loader.conf.local, shut down all applications and reboot.\n\n"
            "If you have SCSI, use camcontrol.\n")
    found = units(text, wrapped=False)
    shown = [(u.kind, u.heading, display(text, u)) for u in found]
    assert ("prose", "A.3 Switching the write cache off", 'If you have ATA, add the line hw.ata.wc="0" to '
            "/boot/loader.conf.local, shut down all applications and reboot.") in shown
    # the first part was no title: what follows is under the section's heading, as before it
    assert shown[-1] == ("prose", "A.3 Switching the write cache off", "If you have SCSI, use camcontrol.")


def test_a_sentence_around_a_markdown_code_block_is_one_unit() -> None:
    text = "# Keys\n\nFor example,\n\n```\nkeymap C-o NEXT_PAGE\n```\n\nbinds the command NEXT_PAGE to C-o.\n"
    assert [display(text, u, markdown=True) for u in units(text, markdown=True) if u.evidence] == [
        "For example, keymap C-o NEXT_PAGE binds the command NEXT_PAGE to C-o."]


def test_code_between_a_sentence_and_a_new_one_stays_apart() -> None:
    text = "Run the tests\n\n    make check\n\nThen install it.\n"  # the last part opens a sentence of its own
    assert [u.kind for u in units(text, wrapped=False)] == ["heading", "code", "prose"]


def test_front_matter_is_markup_and_heads_nothing() -> None:
    text = "---\ntitle: Developers\nsection: 7\n---\n\n### Description\n\nSo, you've decided to use npm.\n"
    found = [(u.kind, u.heading, display(text, u, markdown=True)) for u in units(text, markdown=True)]
    assert found[0][0] == "markup"
    assert found[1:] == [("heading", "Description", "### Description"),
                         ("prose", "Description", "So, you've decided to use npm.")]


def test_a_markdown_title_over_two_lines_keeps_the_space_between_them() -> None:
    text = "Keeping files\nout of a package\n---\n\nUse an ignore file.\n"
    assert [u.heading for u in units(text, markdown=True)] == ["Keeping files out of a package"] * 2


def test_in_restructuredtext_a_line_of_words_alone_is_text_not_a_title() -> None:
    text = ("Running the Example\n-------------------\n\n``cd`` into the directory and run the script::\n\n"
            "   python run_example.py\n\nThe example app will be accessible at http://localhost:5000/\n\n"
            "help <action>\n\n   Print help for <action>\n")
    found = [(u.kind, u.heading, text[u.start : u.end]) for u in units(text, underlined=True)]
    assert ("prose", "Running the Example", "The example app will be accessible at http://localhost:5000/") in found
    assert ("heading", "Running the Example › help <action>", "help <action>") in found  # a command over its text
    # in plain text, where titles need no underline, the same line alone is a title
    assert ("heading", "Running the Example › The example app will be accessible at http://localhost:5000/",
            "The example app will be accessible at http://localhost:5000/") in [
        (u.kind, u.heading, text[u.start : u.end]) for u in units(text)]


def test_a_dash_after_a_line_broken_mid_sentence_goes_on_with_it() -> None:
    text = ("These versions are supported (with all Sleepycat-posted patches applied\n"
            "- if using a pre-packaged Berkeley DB version, the packager should have\n"
            "applied the patches):\n\n  Berkeley DB 5.3.21: (May 11, 2012)\n\n"
            "The options are:\n- fast\n- safe\n")
    shown = [(u.kind, display(text, u)) for u in units(text)]
    assert shown[0] == ("prose", "These versions are supported (with all Sleepycat-posted patches applied - if using "
                        "a pre-packaged Berkeley DB version, the packager should have applied the patches): "
                        "Berkeley DB 5.3.21: (May 11, 2012)")
    assert shown[-1] == ("prose", "The options are: fast safe")  # a list's dashes are its items' markers


def test_a_sentence_going_on_after_the_command_its_colon_took_is_one_unit() -> None:
    text = ("Run this command, as yourself:\n\n  chmod g-w ~/\n\nto remove group write permissions.  If you use\n"
            "ssh-copy-id, it does this for you.\n\nnetworkd is not enabled by default; run\n\n"
            "  systemctl enable systemd-networkd\n\nif you want to use it.\n")
    assert [display(text, u) for u in units(text)] == [
        "Run this command, as yourself: chmod g-w ~/ to remove group write permissions.",
        "If you use ssh-copy-id, it does this for you.",
        "networkd is not enabled by default; run systemctl enable systemd-networkd if you want to use it."]


def test_a_sentence_stopping_before_its_object_takes_a_fenced_line_of_code() -> None:
    text = "All names are of the format TRANS(func)(). The TRANS() macro is defined as\n\n```\n" \
           "#define TRANS(func) _PROTOCOLTrans##func\n```\n\nPROTOCOL is defined in each directory.\n"
    assert [display(text, u, markdown=True) for u in units(text, markdown=True) if u.evidence] == [
        "All names are of the format TRANS(func)().",
        "The TRANS() macro is defined as #define TRANS(func) _PROTOCOLTrans##func",
        "PROTOCOL is defined in each directory."]


def test_a_man_pages_environment_names_are_terms_and_no_name_labels_the_next_ones_text() -> None:
    # patch(1): its options' text (at 10) is most of the page, so the names of ENVIRONMENT (at 7) are
    # set out to the left of the text; the first one's name had labelled every later one's text
    text = ("OPTIONS\n       -g num\n          Get the file from RCS or SCCS, as the value\n"
            "          num says; zero asks, a positive value gets it, and a\n          negative value ignores them.\n\n"
            "ENVIRONMENT\n       PATCH_GET\n          This specifies whether patch gets missing files.\n\n"
            "       QUOTING_STYLE\n          Default value of the --quoting-style option.\n\n"
            "       TMPDIR, TMP, TEMP\n          Directory to put temporary files in.\n")
    found = [(u.kind, u.heading, u.label, display(text, u)) for u in units(text)]
    assert ("term", "ENVIRONMENT", "", "QUOTING_STYLE: Default value of the --quoting-style option.") in found
    assert ("term", "ENVIRONMENT", "", "TMPDIR, TMP, TEMP: Directory to put temporary files in.") in found
    assert not any(label == "PATCH_GET" for _, _, label, _ in found)


def test_a_man_pages_section_title_right_under_the_last_sections_text_is_a_heading() -> None:
    # watch(1) has no blank line before "NOTES" and "BUGS": they had been terms under EXIT STATUS
    text = ("ENVIRONMENT\n       WATCH_INTERVAL\n              Update interval.\n"
            "NOTES\n       POSIX option processing is used.\nBUGS\n       Upon terminal resize, the screen is "
            "not repainted.\n")
    found = [(u.kind, u.heading, display(text, u)) for u in units(text)]
    assert ("heading", "NOTES", "NOTES") in found
    assert ("prose", "BUGS", "Upon terminal resize, the screen is not repainted.") in found


def test_a_lowercase_clause_over_an_example_is_no_heading() -> None:
    # patch(1)'s -p text: "without the leading slash, -p4 gives" over "blurfl/blurfl.c" headed the rest of OPTIONS
    text = ("OPTIONS\n       -p num\n          Strip num leading slashes, for example\n\n"
            "          /u/howard/src/blurfl/blurfl.c\n\n       without the leading slash, -p4 gives\n\n"
            "          blurfl/blurfl.c\n\n       -r file\n          Put rejects into file.\n")
    found = [(u.kind, u.heading) for u in units(text)]
    assert ("heading", "OPTIONS › without the leading slash, -p4 gives") not in found
    assert all(heading == "OPTIONS" for _, heading in found)


def test_a_markdown_faq_question_set_in_bold_heads_its_answer() -> None:
    # Graphviz's FAQ (HTML read as Markdown): "**Q13**. Record nodes are drawn ..." and "**Q. When I have a red
    # edge ...**" were sentences like the answers under them, and each answer stood apart from what it answers
    text = ("## Output features\n\n**Q13**. Record nodes are drawn differently in dot and neato.\n\n"
            "It's true. Another workaround is HTML-like records.\n\n"
            "**Q. When I have a red edge it shows up as a\nsolid red in PNG, but has a black border in JPEG.**\n\n"
            "This is an artifact of JPEG's lossy compression algorithm.\n\n"
            "**Note** that PNG is the bitmap format of choice.\n\n"
            "**Does it run on Windows?**\n\nYes.\n")
    got = shown(text, markdown=True)
    assert ("prose", "Output features › Record nodes are drawn differently in dot and neato.",
            "It's true.") in got
    assert ("prose", "Output features › When I have a red edge it shows up as a solid red in PNG, but has a black "
            "border in JPEG.", "This is an artifact of JPEG's lossy compression algorithm.") in got
    # a paragraph opening in bold is no question
    assert ("prose", "Output features › When I have a red edge it shows up as a solid red in PNG, but has a black "
            "border in JPEG.", "Note that PNG is the bitmap format of choice.") in got
    assert ("prose", "Output features › Does it run on Windows?", "Yes.") in got
