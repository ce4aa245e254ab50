"""A document's text → its units: the pieces that can be evidence, cut along the document's structure.

A unit is a sentence of a paragraph, a list item, a table row, or a term with its definition (a
man page's ``-v, --verbose`` above its indented text). Headings, code blocks and HTML are units too,
so that chunks cover the whole text, but they are never evidence. Every unit keeps its character
offsets in the document and the path of the headings above it.

Markdown is parsed with markdown-it-py. Plain text is read the way people write it: a blank line ends
a paragraph and a hard-wrapped line goes on with the one before, so a sentence is never cut at a
line's end; a line opening a list item starts a new unit; a short line with no closing punctuation
(or one underlined with ``===``) is a heading.

:func:`display` is the unit as a reader and the model see it: one line, lines re-joined (hyphenation
undone), Markdown markers dropped, a term followed by a colon.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from assistant.sentences import sentence_spans
from assistant.types import EVIDENCE_KINDS, Unit

MAX_WHOLE_WORDS = 80  # a list item, row or definition up to this long stays one unit

_LINE = re.compile(r"[^\n]*\n?")
_ITEM = re.compile(r"[^\S\n]*(?:[-*+•·]|\d{1,3}[.)]|#\.|\(?[a-zA-Z0-9]{1,3}\)|o(?=\s))[^\S\n]+(?=\S)")  # "#." rST
_OPTION = re.compile(r"[^\S\n]*--?[A-Za-z0-9]")  # a command-line option opening a line: "-p", "--pid=PID"
_TERM_WITH_TEXT = re.compile(r"([^\S\n]*)(\S[^\t]{0,23}?)(?:[^\S\n]{2,}|\t)(?=\S)")
_OUTLINE = re.compile(r"\*\*+ |\* .*\b\d+\.\d+")  # at the line's start, as Emacs outline mode writes them
_LABEL = re.compile(r"\s*[A-Z][\w ]{0,30}:\s+\S")
_OBJECT_LEVEL = 50  # below the sections, above an FAQ's questions
_QUESTION_LEVEL = 99  # under every heading; the next question takes its place
_QUESTION_LABEL = re.compile(r"^(?:Q|Question)\s*\d{0,3}\s*[:.)]\s*", re.IGNORECASE)
_ANSWER_LABEL = re.compile(r"A|Answer", re.IGNORECASE)
_QUESTION_MARK = re.compile(r"^[^\S\n]*Q\d{0,2}\)[^\S\n]", re.MULTILINE)  # an FAQ's "Q) Can I ...?"
_QA_MARK = re.compile(r"[^\S\n]*[QA]\d{0,2}\)[^\S\n]")  # and its answers' "A)", "A1)"
_INLINE_ANSWER = re.compile(r"\s(?:A|Answer)\s*[:.)]\s")  # "Q: Why? A: Because." is a question and its answer
_UNDERLINE = re.compile(r"[^\S\n]*(?:={3,}|-{3,}|~{3,}|\*{3,})[^\S\n]*\n?")
# The other characters reStructuredText underlines titles with ("[html] directory" over "................"):
# a heading only under a line of as many characters at the same indentation.
_ADORNMENT = re.compile(r"([^\S\n]*)([=\-~*^\"'.+#:_])\2{2,}[^\S\n]*\n?")
_CLOSERS = ")]}\"'”’"  # after a sentence's end: "(Previously, it was required.)"
_CLOSING = frozenset(".!?:;\"'”’")  # a title may end in a bracket: "Version 2.3 (2024-01-05)"


def units(text: str, markdown: bool = False, wrapped: bool | None = None, underlined: bool = False) -> list[Unit]:
    """Every unit of ``text`` in order, its offsets trimmed of surrounding space. ``wrapped`` says
    whether a line break inside a plain-text paragraph is only a space (True for a PDF's text);
    None: the text's line lengths tell. ``underlined``: only a line underlined (or overlined) is a title,
    as in reStructuredText, where a short line alone ("The app will be at http://localhost:5000/") is text."""
    commented = not markdown and _commented(text)
    original = text
    if commented:
        text = _MARKER.sub(lambda m: " " * len(m.group()), text)  # read as the text its comments hold
    settings = frozenset(m.start() for m in _LINE.finditer(original) if commented and _setting_line(m.group()))
    blocks = _markdown_blocks(text) if markdown else _plain_blocks(text, wrapped, underlined, settings)
    out: list[Unit] = []
    for block in blocks:
        out.extend((block.kind == "code" and (_settings(text, block) or _help_text(text, block)))
                   or _split(text, block))
    found = _with_examples(text, [u for u in out if u.end > u.start])
    return _named_by_setting(text, _settings_apart(original, found)) if commented else found


def _settings_apart(original: str, found: list[Unit]) -> list[Unit]:
    """In a commented sample configuration, each line that sets something ("logfile /var/log/redis/
    redis-sentinel.log" under its comment) as a unit of its own, an item: read with the comment as one
    paragraph, it had ended the comment's last sentence ("... logs will be sent to /dev/null logfile
    /var/log/redis/redis-sentinel.log"), and a short one had been taken for a title. One left commented
    out (``;push "route 192.168.10.0 255.255.255.0"``) is a sentence of its own."""
    lines = sorted([(m.start(), m.end(), "item") for m in _ACTIVE_LINE.finditer(original)]
                   + [(m.start(), m.end(), "prose") for m in _LINE.finditer(original)
                      if _COMMENTED_SETTING.fullmatch(m.group().strip())])
    out: list[Unit] = []
    for unit in found:
        inside = [(s, e, kind) for s, e, kind in lines if unit.start <= s and e <= unit.end + 1]
        if not inside:
            out.append(unit)
            continue
        at = unit.start
        if unit.kind == "term":  # the setting was its term ("#Log notice file ...: Send every ..."); the rest is said
            unit = Unit(unit.start, unit.end, "prose", unit.heading, unit.label)
        for s, e, kind in inside:
            out.extend(_trimmed(original, at, s, unit))
            end = len(original[:e].rstrip())
            out.append(Unit(s + _indent(original[s:e]), end, kind, unit.heading))
            at = e
        out.extend(_trimmed(original, at, unit.end, unit))
    return out


def _trimmed(text: str, start: int, end: int, unit: Unit) -> list[Unit]:
    """``unit`` cut to ``text[start:end]`` without the space around it; none when that is blank."""
    piece = text[start:end]
    if not piece.strip():
        return []
    lead = len(piece) - len(piece.lstrip())
    return [Unit(start + lead, start + len(piece.rstrip()), unit.kind, unit.heading, unit.label)]


_ACTIVE_LINE = re.compile(r"^[^\S\n]*[A-Za-z_][^\n#]*$", re.MULTILINE)  # a line neither blank nor a comment


def _named_by_setting(text: str, found: list[Unit]) -> list[Unit]:
    """The sentences of a comment right above a setting ("Defaults to 20." over ``max_inflight_messages
    20``), or one left commented out (``#max_inflight_messages 20``, ``;proto tcp``), labelled by that
    setting: they are about it. A setting in force among the lines under the comment labels them with its
    value: "Which TCP/UDP port should OpenVPN listen on?" is answered by the ``port 1194`` under it, "TCP
    or UDP server?" by the ``proto udp`` after ``;proto tcp``."""
    said = [text[u.start : u.end] for u in found]
    setting = [m.group(1) if (m := _COMMENTED_SETTING.fullmatch(s) or (
        _ACTIVE_SETTING.fullmatch(s) if u.kind == "item" else None)) else "" for s, u in zip(said, found, strict=True)]
    out = list(found)
    for i in range(1, len(found)):
        if not setting[i] or setting[i - 1]:
            continue
        run = [i]
        while run[-1] + 1 < len(found) and setting[run[-1] + 1] and not _BLANK_LINE.search(
                text, found[run[-1]].end, found[run[-1] + 1].start):
            run.append(run[-1] + 1)
        label = next((" ".join(said[k].split()) for k in run if said[k][0] not in "#;"), setting[i])
        if said[i - 1].split()[-1].lower() in _RUNS_ON:
            label = setting[i]  # "The port this sentinel will run on" runs on into "port 26379": read with it
        j = i - 1
        while j >= 0 and out[j].kind == "prose" and not out[j].label and not setting[j] and not _BLANK_LINE.search(
                text, out[j].end, out[j + 1].start):
            out[j] = Unit(out[j].start, out[j].end, "prose", out[j].heading, label)
            j -= 1
    return out


# A comment ending on one of these goes on into the setting under it.
_RUNS_ON = frozenset(["on", "in", "at", "to", "for", "from", "with", "of", "by", "into", "onto", "as", "than"])
_COMMENTED_SETTING = re.compile(r"[#;]([A-Za-z_][\w.-]*)(?:[^\S\n]+\S[^\n]*)?")


def _setting_line(line: str) -> bool:
    """Whether a line of a sample configuration sets something, or would if it were not commented out:
    ``Port 8888``, ``#Listen 192.168.0.1``; not a comment's "# General configuration"."""
    said = line.strip()
    return bool(_COMMENTED_SETTING.fullmatch(said) or (_ACTIVE_LINE.fullmatch(line.rstrip("\n"))
                                                       and _ACTIVE_SETTING.fullmatch(said)))
_ACTIVE_SETTING = re.compile(r"([A-Za-z_][\w.-]*)(?:[^\S\n]*=[^\S\n]*|[^\S\n]+)\S[^\n]*")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


MAX_EXAMPLE_WORDS = 40  # what a sentence ending in a colon may take with it
_MARKER = re.compile(r"^[^\S\n]*#+(?:[^\S\n]|$)", re.MULTILINE)  # a comment's "# ", not "#port 1883"


def _commented(text: str) -> bool:
    """Whether ``text`` is a sample configuration file explained in comments (mosquitto.conf): most of its
    lines start with "#". Its comments are its prose, "# this must be set manually." a sentence's end."""
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) >= 10 and sum(line.lstrip().startswith("#") for line in lines) >= 0.7 * len(lines)


def _settings(text: str, block: _Block) -> list[Unit]:
    """A sample configuration file's settings, each with the comment above it, as items: a README's
    ``btop.conf`` ("#* Update time in milliseconds ..." over ``update_ms = 1500``) answers questions
    about its settings in its comments' words. Empty unless at least two of the block's groups (lines
    between blank ones) are a comment of some words over settings; the other groups stay code."""
    groups: list[list[tuple[int, int]]] = [[]]
    for s, e in _lines(text[block.start : block.end]):
        line = text[block.start + s : block.start + e]
        if not line.strip() or _FENCE.fullmatch(line.strip()):
            groups.append([])
        else:
            groups[-1].append((block.start + s, block.start + e))
    found = [(g[0][0], g[-1][1], _annotated(text, g)) for g in groups if g]
    if sum(annotated for _, _, annotated in found) < 2:
        return []
    return [Unit(s, e, "item" if annotated else "code", block.heading) for s, e, annotated in found]


def _help_text(text: str, block: _Block) -> list[Unit]:
    """A command's ``--help`` shown as code ("-i --increment [<level>]" over "Increment a version by the
    specified level. ... Default level is 'patch'."), read as a manual is: each option with the sentences
    on it. Empty unless at least two options are defined in it; other code stays code."""
    lines = text[block.start : block.end].splitlines(keepends=True)
    fenced = bool(lines) and _FENCE.fullmatch(lines[0].strip()) is not None
    start = block.start + (len(lines[0]) if fenced else 0)
    end = block.end - (len(lines[-1]) if fenced and len(lines) > 1 and _FENCE.fullmatch(lines[-1].strip()) else 0)
    inner = text[start:end]
    if len(_OPTION_LINE.findall(inner)) < 2:
        return []
    found = [Unit(u.start + start, u.end + start, u.kind, " › ".join(h for h in (block.heading, u.heading) if h),
                  u.label)
             for b in _plain_blocks(inner) if b.kind != "heading" for u in _split(inner, b)]
    options = sum(u.kind == "term" and text[u.start : u.end].lstrip().startswith("-") for u in found)
    return found if options >= 2 else []


# an option, and its text set in on the line below
_OPTION_LINE = re.compile(r"^[^\S\n]*--?[A-Za-z][^\n]*\n[^\S\n]{2,}\S", re.MULTILINE)


def _annotated(text: str, group: list[tuple[int, int]]) -> bool:
    """Whether lines are a comment of at least four words and the settings it explains."""
    lines = [text[s:e] for s, e in group]
    comments = 0
    while comments < len(lines) and _COMMENT.match(lines[comments]):
        comments += 1
    said = " ".join(_COMMENT.sub("", line, count=1) for line in lines[:comments])
    return (comments > 0 and len(said.split()) >= 4 and comments < len(lines)
            and all(_SETTING.fullmatch(line.strip()) for line in lines[comments:]))


_COMMENT = re.compile(r"[^\S\n]*(?:#+[*?!:]?|;+|//)(?:[^\S\n]|$)")
_SETTING = re.compile(r"[A-Za-z_][\w.\-\[\]]*[^\S\n]*[=:][^\S\n]*\S.*|[A-Za-z_][\w.\-]*[^\S\n]+[^\s=:]+")


def _with_examples(text: str, found: list[Unit]) -> list[Unit]:
    r"""A sentence that ends in a colon ("add this to ssh_config:") and the short example or list
    right after it are one unit: the colon promises what follows, and the answer is often there.
    So are a sentence cut off before its object and the one line of code that completes it.

    >>> text = "You may obtain a copy of the License at\n\n    http://www.apache.org/licenses/\n\nNext."
    >>> [text[u.start : u.end] for u in units(text, wrapped=False)][:1]
    ['You may obtain a copy of the License at\n\n    http://www.apache.org/licenses/']
    """
    found = _code_inside_sentences(text, found)
    out: list[Unit] = []
    took: list[bool] = []  # whether each unit of ``out`` ends in the example it took
    i = 0
    while i < len(found):
        unit, j = found[i], i + 1
        said = text[unit.start : unit.end].rstrip()
        if unit.kind in EVIDENCE_KINDS and said.endswith(":"):
            words = 0
            while j < len(found) and _RST_CODE.match(text, found[j].start):  # ".. code-block:: python"
                j += 1
            first = j
            while (j < len(found) and _example(text, found[j]) and found[j].kind == found[first].kind
                   and words + len(text[found[j].start : found[j].end].split()) <= MAX_EXAMPLE_WORDS):
                # examples of one kind: "Examples:" takes its two commands, not the option defined after them
                words += len(text[found[j].start : found[j].end].split())
                j += 1
            if j > i + 1 and not _example(text, found[j - 1]):
                j = i + 1  # only the directive: no example to take
        elif (unit.kind == "prose" and said.split()[-1].lower() in _GOES_ON and j < len(found)
              and found[j].kind == "code" and len(_code_lines(text, found[j])) == 1):
            j += 1
        if out and took[-1] and unit.kind == "prose" and _CONTINUES.match(said):
            # "... they look like: <code> and the nowait version raises trio.WouldBlock": one sentence
            last = out[-1]
            out[-1] = Unit(last.start, found[j - 1].end, last.kind, last.heading, last.label)
            took[-1] = j > i + 1
        else:
            out.append(Unit(unit.start, found[j - 1].end, unit.kind, unit.heading, unit.label) if j > i + 1 else unit)
            took.append(j > i + 1)
        i = j
    return out


def _code_inside_sentences(text: str, found: list[Unit]) -> list[Unit]:
    r"""A sentence with a line of code set out in the middle of it ("If you have ATA, add the line" over
    ``hw.ata.wc="0"`` over "to /boot/loader.conf.local and reboot.") as one unit of prose: read apart,
    the first part was taken for a title and the last named nothing. The sentence's first part ends
    without closing punctuation, its last part opens in lower case and ends as a sentence does.

    >>> text = "If you have ATA, add the line

  hw.ata.wc=0

to /boot/loader.conf.local and reboot.

Next."
    >>> [(u.kind, u.heading, text[u.start : u.end]) for u in units(text, wrapped=False)][0]
    ('prose', '', 'If you have ATA, add the line

  hw.ata.wc=0

to /boot/loader.conf.local and reboot.')
    """
    out: list[Unit] = []
    i = 0
    while i < len(found):
        unit = found[i]
        if i + 2 < len(found) and _opens_sentence(text, unit) and _code_line(text, found[i + 1]) and \
                _closes_sentence(text, found[i + 2]):
            parent = out[-1].heading if out else ""  # the headings over the text before it
            heading = parent if unit.kind == "heading" else unit.heading
            out.append(Unit(unit.start, found[i + 2].end, "prose", heading, unit.label))
            if unit.kind == "heading":  # the units it had headed are under the heading above it again
                for j in range(i + 3, len(found)):
                    under = found[j].heading
                    if under != unit.heading and not under.startswith(f"{unit.heading} › "):
                        break
                    rest = under[len(unit.heading) :].removeprefix(" › ")
                    found[j] = Unit(found[j].start, found[j].end, found[j].kind,
                                    " › ".join(h for h in (parent, rest) if h), found[j].label)
            i += 3
        else:
            out.append(unit)
            i += 1
    return out


def _opens_sentence(text: str, unit: Unit) -> bool:
    said = text[unit.start : unit.end].strip()
    return (unit.kind in ("prose", "heading") and "\n\n" not in said and len(said.split()) <= 30
            and said.rstrip(_CLOSERS)[-1:] not in ".!?:;" and said[:1].isalnum())


def _code_line(text: str, unit: Unit) -> bool:
    lines = _code_lines(text, unit)
    return unit.kind == "code" and len(lines) == 1 and len(lines[0].strip()) <= 80


def _code_lines(text: str, unit: Unit) -> list[str]:
    """The lines of a code block, without a Markdown fence's ("```", the way HTML's <pre> is read)."""
    said = text[unit.start : unit.end].splitlines()
    return [line for line in said if line.strip() and not _FENCE.fullmatch(line.strip())]


def _closes_sentence(text: str, unit: Unit) -> bool:
    said = text[unit.start : unit.end].strip()
    return unit.kind == "prose" and said[:1].islower() and said.rstrip(_CLOSERS)[-1:] in ".!?"


# A sentence going on after the example it took: "... they look like: <code> and the nowait version ..."
# (a new sentence opens in upper case, or with a name: "nc is now listening ...", never with "to" or "if")
_CONTINUES = re.compile(r"(?:and|or|but|which|where|whereas|while|then|so|to|for|if|when|in|into|with|as|from|on|by"
                        r"|before|after|until|unless|because|since|instead)\b")


def _example(text: str, unit: Unit) -> bool:
    """Whether ``unit`` may go with the sentence ending in a colon before it: code, a list item, a
    term, a row of a table without a header (a headed row names its columns and stands alone) or a
    line set in as the text around it is that no sentence could be ("--rsh-command=/usr/bin/ssh" in
    tar's manual), never a directive (".. note::")."""
    said = text[unit.start : unit.end]
    if unit.kind == "row":
        return not unit.label
    if unit.kind == "prose":
        return ("\n" not in said and not said.endswith((".", ":")) and said[:3] not in ("---", ":::")
                and (len(said.split()) == 1 or said[:1] in "-$/~" or _command_line(said)))
    return unit.kind in ("code", "item", "term") and not _RST_DIRECTIVE.match(said)


def _command_line(said: str) -> bool:
    """Whether a line is a command with its options, as a PDF's text sets an example out ("lpstat -p -d"
    under "Use the lpstat(1) command to see a list of available printers:"): a lowercase program name,
    an option among a few words after it.

    >>> _command_line("lpstat -p -d"), _command_line("lp -d printer filename"), _command_line("see -d below")
    (True, True, True)
    >>> _command_line("The -p option lists printers"), _command_line("lpstat")
    (False, False)
    """
    found = said.split()
    return (2 <= len(found) <= 6 and _PROGRAM.fullmatch(found[0]) is not None
            and any(_OPTION_WORD.fullmatch(w) for w in found[1:]))


_PROGRAM = re.compile(r"[a-z][\w.+-]*")
_OPTION_WORD = re.compile(r"--?[A-Za-z][\w=-]*")


def display(text: str, unit: Unit, markdown: bool = False) -> str:
    """The unit as one clean line: what the reader sees and the model reads. Markdown's markup
    (quote marks, emphasis, links, code marks) is dropped from a Markdown file's units only."""
    raw = text[unit.start : unit.end]
    inline = _inline if markdown else _plain_inline
    if unit.kind == "row":
        return _row(raw, unit.label, inline)
    lines = [line.strip() for line in raw.splitlines()]
    if not markdown and unit.kind != "code":  # the example a sentence took with it, without its directive
        lines = [line for line in lines if not _RST_CODE.match(line)]
    if markdown:
        lines = [re.sub(r"^(?:>\s?)+", "", line) for line in lines if not _FENCE.fullmatch(line.strip())]
    if unit.kind != "code":  # list markers go, also those of a list a sentence with a colon took in
        lines = [line[m.end():] if (m := _ITEM.match(line)) and not (i and _dash_going_on(lines[i - 1], line))
                 else line for i, line in enumerate(lines)]
    if unit.kind == "item" and lines and _COMMENT.match(lines[0]):  # a sample configuration's setting
        lines = [_COMMENT.sub("", line, count=1) for line in lines]
    elif not markdown and unit.kind != "code" and len(lines) > 1 and all(line.startswith("#") for line in lines[1:]):
        lines = [_MARKER.sub("", line, count=1) for line in lines]  # a commented configuration file's prose
    if unit.kind == "term" and lines:
        first = _TERM_WITH_TEXT.match(lines[0])
        if first and len(lines[0]) > first.end():
            label = first.group(2).strip().rstrip(":")
            rest = lines[0][first.end():]
            lines[0] = rest if _answer_label(label) else f"{label}: {rest}"
        elif len(lines) > 1:
            lines[0] = lines[0].rstrip(":") + ":"
    joined = _join(lines)
    return inline(joined) if unit.kind != "code" else joined


def title_line(line: str, markdown: bool = False) -> str:
    """A line as a document's title: its words as the reader sees them, without a Markdown badge
    or image, an HTML tag ("<p align="center">") or an Emacs mode line ("-*- outline -*-").

    >>> title_line("[![Black Logo](https://x.org/logo.png)](https://x.org)", markdown=True)
    ''
    >>> title_line("## The *Uncompromising* Code Formatter", True), title_line("GNU sed NEWS    -*- outline -*-")
    ('The Uncompromising Code Formatter', 'GNU sed NEWS')
    """
    line = _MODE_LINE.sub(" ", line).strip()
    if markdown:
        line = _inline(_HTML_TAG.sub(" ", _IMAGE.sub(" ", line)).strip().lstrip("#").strip())
    else:
        line = _plain_inline(line)
    return " ".join(line.split())


_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_MODE_LINE = re.compile(r"-\*-.*?-\*-")


def _join(lines: list[str]) -> str:
    """Hard-wrapped lines back into one: a word hyphenated at a line's end is mended, and so is a name
    broken after an underscore (a typeset manual's "ASN1_MAX_" + "NAME_SIZE")."""
    out = ""
    for line in lines:
        if not line:
            continue
        if out.endswith("\u2010"):  # groff's hyphenation mark: "WATCH_INTER‐" + "VAL"
            out = out[:-1] + line
        elif (out.endswith("-") and out[-2:-1].isalpha() and line[:1].islower()) or (
                out.endswith("_") and out[-2:-1].isalnum() and line[:1].isalnum()):
            out += line
        else:
            out = f"{out} {line}" if out else line
    return " ".join(out.split())


def _inline(line: str) -> str:
    """Markdown's inline markup out of a line, as CommonMark reads it: links and images keep their
    text, emphasis and code marks go, escapes are resolved, and what only looks like markup stays
    ("arg_", "2 * 3", an escaped "\\*").

    >>> _inline("Set **`__version__`** in [`__init__.py`](x) or *see* <https://a.org/b>, not arg_ or 2 * 3")
    'Set __version__ in __init__.py or see https://a.org/b, not arg_ or 2 * 3'
    >>> _inline("Built from the [`docs` directory][docs directory], not from `m[i][j]`.")
    'Built from the docs directory, not from m[i][j].'
    """
    code = [m.span() for m in _CODE_SPAN_MARKS.finditer(line)]
    line = _REFERENCE.sub(lambda m: m.group(0) if any(a < m.start() < b for a, b in code) else m.group(1), line)
    parsed = _parser().parseInline(line)
    pieces = [token.content for token in (parsed[0].children or () if parsed else ())
              if token.type in _INLINE_TEXT and not (token.type == "html_inline" and _is_html_tag(token.content))]
    return " ".join("".join(pieces).split())


def _is_html_tag(markup: str) -> bool:
    """Whether inline markup is an HTML element's tag ("<sup>", "</a>", "<br>"), not a placeholder the text
    names ("postgresql-*-<version>", "<your-test-data>") or an XML example ("<PERSONA>")."""
    name = re.match(r"</?([A-Za-z][\w-]*)", markup)
    return name is not None and name.group(1).lower() in _HTML_ELEMENTS


_HTML_ELEMENTS = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "blink", "br", "button", "center", "cite", "code", "data", "del",
    "details", "dfn", "div", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "iframe", "img",
    "input", "ins", "kbd", "label", "li", "mark", "nobr", "ol", "p", "picture", "pre", "q", "s", "samp",
    "small", "source", "span", "strike", "strong", "sub", "summary", "sup", "svg", "table", "tbody", "td", "th",
    "thead", "time", "tr", "tt", "u", "ul", "var", "video", "wbr"
})


_INLINE_TEXT = frozenset({"text", "code_inline", "html_inline", "image"})  # an image: its alt text
# A reference link ("[Mangum][mangum]", "[`docs` directory][docs]") whose definition, elsewhere in the
# file, one line does not hold; not inside a code span ("`m[i][j]`").
_REFERENCE = re.compile(r"\[((?:[^\[\]`]|`[^`]*`)+)\]\[[^\]]*\]")
_CODE_SPAN_MARKS = re.compile(r"(`+).+?\1")


def _plain_inline(line: str) -> str:
    """reStructuredText's inline markup out of a plain-text line (Python projects write their
    READMEs and changelogs in it): a link or role keeps its text, a literal its words.

    >>> _plain_inline("`#556 <https://x.org/556>`_: see :func:`~pluggy.hook` and ``tox -e docs``::")
    '#556: see hook and tox -e docs:'
    """
    line = _RST_ROLE.sub(lambda m: _role_text(m.group(1)), line)
    line = _RST_LINK.sub(r"\1", line)
    line = _RST_LITERAL.sub(r"\1", line)
    line = _RST_REFERENCE.sub(r"\1", line)
    line = _RST_STRONG.sub(r"\1", line)
    line = re.sub(r"^:([\w .-]{1,30}):(?=\s)", r"\1:", line.strip())
    return re.sub(r"(?<=\w)::(?=\s|$)", ":", line.strip())  # "Install it::" introduces a literal block


# A table's rule: a grid table's "+-----+----+", "+=====+" or "|-----+----|", a simple table's "=====  =====".
_PIPE_DELIMITER = re.compile(r"[^\S\n]*\|(?:[^\S\n]*:?-{3,}:?[^\S\n]*\|)+[^\S\n]*\n?")
_TABLE_RULE = re.compile(r"[^\S\n]*(?:[+|](?:[-=:]{3,}[+|])+|={2,}(?:[^\S\n]+={2,})+)[^\S\n]*")
# A field ("  :Default: gnutar") or a bold label ("**Default** - ``1000``"): a name and its value.
_FIELD = re.compile(r"[^\S\n]*(?::[\w .-]{1,30}:|\*\*[^*\n]{1,30}\*\*[^\S\n]*[-:\u2013\u2014])[^\S\n]+\S")
# A Sphinx object's description: ".. variable:: CPACK_DEBIAN_ARCHIVE_TYPE", ".. py:function:: f(x)".
_RST_OBJECT = re.compile(r"[^\S\n]*\.\.[^\S\n]+(?:\w+:)?(?:variable|function|class|method|attribute|data|"
                         r"envvar|option|cmdoption|confval|describe|object|exception|decorator|command|macro|"
                         r"member|property|setting|type|genex|prop_\w+|module|program)::[^\S\n]+(?=\S)")
_SIGN_OFF = re.compile(r"[^\S\n]*-- \S[^<>\n]*<[^<>@\s]+@[^<>\s]+>[^\S\n]+\S")
_RST_CODE = re.compile(r"[^\S\n]*\.\.[^\S\n]+(?:code|code-block|code-tab|sourcecode|literalinclude|parsed-literal|"
                       r"doctest|highlight|math|productionlist)::")
# A comment: ".." not followed by a directive ("name::"), a target ("_name:"), a footnote or citation
# ("[1]", "[#]", "[label]") or a substitution ("|name|"); it and the lines set in under it are hidden.
_RST_COMMENT = re.compile(r"[^\S\n]*\.\.(?:[^\S\n]*$|[^\S\n]+(?![\w.+:-]+::|_|\[[#*\w.-]+\](?:[^\S\n]|$)|\|))")
_RST_DIRECTIVE = re.compile(r"\s*\.\.(?:\s|$)")
_RST_TARGET = re.compile(r"[^\S\n]*\.\.[^\S\n]+_")  # ".. _follow-imports:": a link target, no statement
_RST_ROLE = re.compile(r"(?::[\w.+-]+)+:`([^`]+)`")  # ":ref:`...`", with a domain ":std:doc:`...`"
_RST_LINK = re.compile(r"`([^`<]+?)\s*<[^`>]*>`__?")
_RST_STRONG = re.compile(r"\*\*([^*\n]+)\*\*")
_RST_LITERAL = re.compile(r"``(.+?)``")
_RST_REFERENCE = re.compile(r"`([^`]+)`__?(?!\w)")


def _role_text(target: str) -> str:
    """A role's shown text: "Title <target>" shows the title, "~pkg.mod.f()" its last name."""
    if "<" in target:
        return target.split("<", 1)[0].strip()
    return target[1:].rsplit(".", 1)[-1] if target.startswith("~") else target


_FENCE = re.compile(r"(?:```|~~~)(?:[\w+-]*|\{[\w-]+\}.*)")  # MyST's "```{doctest}" too
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _row(raw: str, header: str, inline: Callable[[str], str]) -> str:
    cells = _cells(raw)
    names = _cells(header)
    if any(names) and len(names) == len(cells):
        return "; ".join(f"{inline(n)}: {inline(c)}" for n, c in zip(names, cells, strict=True) if c)
    if len(cells) == 2 and all(cells):  # a table without a header, of a name and what it is
        return f"{inline(cells[0])}: {inline(cells[1])}"
    return "; ".join(inline(c) for c in cells if c)


def _cells(row: str, columns: list[tuple[int, int]] | None = None) -> list[str]:
    """A table row's cells: split at "|" (a grid table's row of several lines joined cell by cell),
    else at the ``columns`` given, else at gaps of two spaces or more (a simple table's row)."""
    lines = [line for line in row.split("\n") if line.strip() and not _TABLE_RULE.fullmatch(line)]
    if not lines:
        return []
    if "|" not in lines[0]:
        if columns and len(lines) == 1:
            cut = [b for _, b in columns[:-1]]
            return [lines[0][a:b].strip() for a, b in zip([0, *cut], [*cut, len(lines[0])], strict=True)]
        return [" ".join(c.split()) for c in re.split(r"\s{2,}", " ".join(line.strip() for line in lines))]
    split = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
    width = max(len(cells) for cells in split)
    return [" ".join(cells[n] for cells in split if n < len(cells) and cells[n]) for n in range(width)]


# --- blocks -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    kind: str
    heading: str
    label: str = ""


_MARKED_TITLES = 2  # underlined titles that show a PDF's headings were found by their fonts


def _underlined_titles(text: str, lines: list[tuple[int, int]]) -> int:
    """How many lines are underlined with "=" exactly as long as they are, as a PDF's headings are written."""
    return sum(1 for (s, e), (a, b) in zip(lines, lines[1:], strict=False)
               if b - a == len(text[s:e].strip()) > 0 and text[a:b] == "=" * (b - a))


def _adorns(text: str, paragraph: list[tuple[int, int]], line: str) -> bool:
    """Whether ``line`` underlines the one-line ``paragraph`` above it (a rule of "=", "-", "~" or "*"
    under anything or alone; of reStructuredText's other characters, as long as the title above it and
    at its indentation), so reStructuredText's levels of sections come out.

    >>> _adorns("[run] branch\n", [(0, 12)], "............"), _adorns("A long sentence.\n", [(0, 16)], "...")
    (True, False)
    """
    if _UNDERLINE.fullmatch(line):
        return True
    rule = _ADORNMENT.fullmatch(line)
    if not rule or len(paragraph) != 1:
        return False
    title = text[slice(*paragraph[0])]
    return _column(title) == _column(line) and len(line.strip()) >= len(title.strip())


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, without its newline."""
    out, pos = [], 0
    for m in _LINE.finditer(text):
        if m.start() == len(text) and not m.group():
            break
        line = m.group().rstrip("\n")
        out.append((pos, pos + len(line)))
        pos = m.end()
    return out


def _indent(line: str) -> int:
    """How many characters of whitespace open ``line`` (an offset into it)."""
    return len(line) - len(line.lstrip())


def _column(line: str) -> int:
    """The column ``line``'s text starts at, a tab reaching the next multiple of 8 (a man page saved
    without ``col -x`` sets its text in with tabs, its options' names with spaces).

    >>> _column("\t      Delay between updates"), _column("       -d --delay=DELAY")
    (14, 7)
    """
    return _indent(line.expandtabs(8))


def _is_title(line: str, words: int = 12) -> bool:
    """A short line that does not end as a sentence, or mid-phrase ("... was the cowboy,", "... name to")."""
    s = line.strip()
    if not s or s[-1] in _CLOSING or s[-1] in ",([" or len(s.split()) > words or _ITEM.match(line):
        return False
    if "{" in s:  # "PRESENTNOTIFY {", "PRESENTEVENTID { XID }": a structure's code
        return False
    if s[0].islower() and ", " in s and max(len(part.split()) for part in s.split(", ")) >= 3:
        # a clause, "without the leading slash, -p4 gives"; not names, "up, down, j, k"
        return False
    if not any(c.isalnum() for c in s):  # a rule or a diagram's border: "+-------+-------+"
        return False
    if s[-1] in ")]" and s[-2:-1] in (".", "!", "?"):  # "(sorry, no pseudonyms.)": a sentence ended inside
        return False
    return s.split()[-1].lower() not in _GOES_ON


_GOES_ON = frozenset([
    "a", "an", "the", "to", "of", "and", "or", "but", "by", "with", "for", "in", "on", "at", "from", "as",
    "that", "which", "is", "are", "was", "were", "be", "than", "into"
])


# The rules a plain-text title is set between: "------ Frequently Asked Questions ------"
_RULED = re.compile(r"^([-=*#~_+])\1{2,}\s*|\s*([-=*#~_+])\2{2,}$")


class _Headings:
    """The heading path: a new heading replaces those at its level and below."""

    def __init__(self, underlined_only: bool = False, chapters: frozenset[str] = frozenset(),
                 adorned: bool = False, settings: frozenset[int] = frozenset()) -> None:
        self.stack: list[tuple[int, str]] = []
        # Where the lines of a sample configuration that set something start ("Port 8888", "#Listen
        # 192.168.0.1" left commented out): short and alone between comments, they are no titles.
        self.settings = settings
        # A PDF whose headings were found by their fonts comes with them underlined: a short line of it
        # that is not is no heading ("allow 192.168.1.0/24", "flags : must be zero", "BEGIN").
        self.underlined_only = underlined_only
        # reStructuredText adorns every title: a short line of plain words alone is text ("The example
        # app will be accessible at http://localhost:5000/"), though it may still be code set in
        self.adorned = adorned
        # The numbers N of the sections "N.1. ..." a text has: a line "N. Title" of its own heads them.
        self.chapters = chapters

    def push(self, level: int, title: str) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, " ".join(_RULED.sub("", title.strip()).lstrip("*#").split())))

    @property
    def path(self) -> str:
        return " › ".join(t for _, t in self.stack)


def _plain_blocks(text: str, wrapped: bool | None = None, underlined: bool = False,
                  settings: frozenset[int] = frozenset()) -> Iterator[_Block]:
    """Paragraphs split at list items, terms and rows; headings tracked by their indentation.
    ``settings``: where the lines of a sample configuration that set something start."""
    paragraph: list[tuple[int, int]] = []
    lines = _lines(text)
    headings = _Headings(underlined_only=wrapped is True and _underlined_titles(text, lines) >= _MARKED_TITLES,
                         chapters=frozenset(m.group(1) for m in _SUBSECTION.finditer(text)), adorned=underlined,
                         settings=settings)
    if wrapped is None:
        wrapped = _hard_wrapped(text, lines)
    body = _body_indent(text, lines)
    literal = _Literal(text, headings, body, faq=len(_QUESTION_MARK.findall(text)) >= 2)
    styles: dict[tuple[str, bool], int] = {}  # a title's adornment (its character, overlined): its level
    ruled = ""  # the character of a rule standing alone right before the paragraph being read
    i = 0
    while i < len(lines):
        s, e = lines[i]
        line = text[s:e]
        i += 1
        if _PIPE_DELIMITER.fullmatch(line) and paragraph and text[slice(*paragraph[-1])].lstrip()[:1] == "|":
            # "| ID | Size |" over "|---|---|": the rows below are named by that header (a Markdown
            # table in plain text, or a table read out of a PDF)
            hs, he = paragraph.pop()
            header = text[hs:he]
            if paragraph:
                yield from literal.read(paragraph)
            paragraph = []
            yield _Block(hs + _indent(header), he, "row", headings.path)
            while i < len(lines) and text[lines[i][0] : lines[i][1]].lstrip()[:1] == "|":
                s, e = lines[i]
                i += 1
                if i < len(lines) and _PIPE_DELIMITER.fullmatch(text[lines[i][0] : lines[i][1]]):
                    header, i = text[s:e], i + 1  # a header further down starts a table of its own
                    yield _Block(s + _indent(text[s:e]), e, "row", headings.path)
                else:
                    yield _Block(s + _indent(text[s:e]), e, "row", headings.path, header)
            continue
        if _TABLE_RULE.fullmatch(line):  # a grid or simple table: its rows, each under its header
            if paragraph:
                yield from literal.read(paragraph)
                paragraph = []
            rows, i = _table(text, lines, i - 1)
            yield from (_Block(a, b, "row", headings.path, header) for a, b, header in rows)
            continue
        # a title's adornment, unless set in inside a literal block ("Use these title styles::" over them)
        adorns = _adorns(text, paragraph, line) and not (literal.under is not None and _column(line) > literal.under)
        if paragraph and not wrapped and not adorns and not _goes_on(text, paragraph, line):
            yield from literal.read(paragraph)  # each line a paragraph of its own
            paragraph = []
        if adorns:  # "Title" over "=====": a heading; a rule alone: nothing
            if len(paragraph) == 1:
                over = i >= 3 and text[slice(*lines[i - 3])].strip() == line.strip()
                level = _number_depth(text[slice(*paragraph[0])])
                if level is None:
                    level = styles.setdefault((line.strip()[0], over), len(styles))
                yield _heading(text, paragraph[0], headings, level)
            elif paragraph:
                yield from literal.read(paragraph)
            ruled = "" if paragraph else line.strip()[0]
            paragraph = []
        elif line.strip():
            paragraph.append((s, e))
        elif paragraph:
            if ruled and len(paragraph) == 1 and _is_title(text[slice(*paragraph[0])]):
                # a title line alone under a rule: less's NEWS sets each release's title in with a tab
                # between lines of "====", where a set-in line would be read as an example
                yield _heading(text, paragraph[0], headings, styles.setdefault((ruled, True), len(styles)))
            else:
                yield from literal.read(paragraph)
            ruled = ""
            paragraph = []
    if paragraph:
        yield from literal.read(paragraph)


class _Literal:
    """Paragraphs in order, and the literal blocks among them: the block set in under a paragraph that
    ends in "::" or under a ``.. code::`` directive is code, whatever its lines end with (JSON's ",")."""

    def __init__(self, text: str, headings: _Headings, body: int, faq: bool = False) -> None:
        self.text, self.headings, self.body, self.faq = text, headings, body, faq
        self.under: int | None = None  # the indentation of the line that opened a literal block
        self.noted: tuple[int, str] | None = None  # a note directive's indentation and its label
        self.hidden = False  # what is set in under the opening line is a comment's, not code
        self.defined: tuple[int, str] | None = None  # the last term's indentation and its label

    def read(self, paragraph: list[tuple[int, int]]) -> Iterator[_Block]:
        first = self.text[paragraph[0][0] : paragraph[0][1]]
        if (self.under is not None and _column(first) > self.under) or first.strip() == "::":
            kind = "markup" if self.hidden else "code"
            yield _Block(paragraph[0][0] + _indent(first), paragraph[-1][1], kind, self.headings.path)
            return
        self.hidden = False
        if self.noted and _column(first) > self.noted[0]:  # the text of ".. versionchanged:: 4.0" below it
            yield _Block(paragraph[0][0] + _indent(first), paragraph[-1][1], "prose", self.headings.path,
                         self.noted[1])
            return
        self.noted = None
        if _RST_COMMENT.match(first) or _RST_TARGET.match(first):  # hidden, with what is set in under it
            self.under, self.hidden = _column(first), True
            yield _Block(paragraph[0][0] + _indent(first), paragraph[-1][1], "markup", self.headings.path)
            return
        if note := _RST_NOTE.match(first):
            self.under, self.noted = None, (_column(first), _note_label(note.group(1), note.group(2)))
            yield _Block(paragraph[0][0] + _indent(first), paragraph[0][1], "markup", self.headings.path)
            if len(paragraph) > 1:
                yield from self.read(paragraph[1:])
            return
        last = self.text[paragraph[-1][0] : paragraph[-1][1]].rstrip()
        # ".. note::" ends in "::" too, but its text is prose
        opens = (last.endswith("::") and not _RST_DIRECTIVE.match(first)) or _RST_CODE.match(first)
        self.under = _column(first) if opens else None
        if self.defined and _column(first) <= self.defined[0]:
            self.defined = None
        going_on = self.defined is not None  # a later paragraph of a definition ("Default: ``False``")
        for block in _paragraph(self.text, paragraph, self.headings, self.body, self.faq):
            if block.kind == "term":
                label = _term_label(self.text, block)
                # a name, not an FAQ's "A:", an org-mode "#+begin_example" or a sentence's end
                names = (label[:1].isalnum() or label[:1] in "-<._$%@") and not label.endswith(".")
                at = self.text.rfind("\n", 0, block.start) + 1  # the term's own line, not its paragraph's first
                self.defined = (_column(self.text[at : block.end]), label) \
                    if names and not _answer_label(label.rstrip(":")) else None
                going_on = False
            elif going_on and self.defined and block.kind == "prose" and not block.label:
                block = _Block(block.start, block.end, "prose", block.heading, self.defined[1])
            yield block


# reStructuredText directives whose text is prose about what is around them, labelled by what they say
# ("Changed in nbformat 4.0: pyout renamed to execute_result"), not a literal block.
_RST_NOTE = re.compile(r"[^\S\n]*\.\.[^\S\n]+(note|warning|versionadded|versionchanged|deprecated|important|tip|hint|"
                       r"caution|attention|danger|seealso|todo)::[^\S\n]*([^\n]*)")
_NOTE_LABELS = {"versionadded": "New in", "versionchanged": "Changed in", "deprecated": "Deprecated since",
                "seealso": "See also"}


def _note_label(name: str, argument: str) -> str:
    """"Changed in nbformat 4.0", "Note"."""
    label = _NOTE_LABELS.get(name, name.capitalize())
    return f"{label} {argument.strip()}" if name in _NOTE_LABELS and argument.strip() else label


def _table(text: str, lines: list[tuple[int, int]], at: int) -> tuple[list[tuple[int, int, str]], int]:
    """The rows of the table whose first rule is ``lines[at]`` as (start, end, header), and the index
    of the line after the table. A grid table's rows are "|" lines between "+---+" rules (a row of
    several lines is one), its header the row above a "+===+" rule; a simple table's columns are the
    runs of its "===  ===" rules, its header the lines between the first two of three rules."""
    end = at + 1
    while end < len(lines) and text[lines[end][0] : lines[end][1]].strip():
        end += 1  # a table ends at a blank line
    rules = [n for n in range(at, end) if _TABLE_RULE.fullmatch(text[lines[n][0] : lines[n][1]])]
    grid = text[lines[at][0] : lines[at][1]].strip()[:1] in "+|"
    if not grid and len(rules) > 3:  # a simple table's rows may stand apart: it ends at its third rule
        end = rules[2] + 1
        while end < len(lines) and not text[lines[end][0] : lines[end][1]].strip():
            end += 1
        rules = rules[:3]
    segments = [(a + 1, b) for a, b in zip(rules, rules[1:], strict=False) if b > a + 1]
    header = ""
    if len(segments) > 1 and (grid and "=" in text[lines[segments[0][1]][0] : lines[segments[0][1]][1]]
                              or not grid and len(rules) == 3):
        first, last = segments.pop(0)
        header = " | ".join(_cells(text[lines[first][0] : lines[last - 1][1]], _columns(text, lines, rules[0])))
    rows: list[tuple[int, int, str]] = []
    for first, last in segments:
        spans = [lines[n] for n in range(first, last)] if not grid else [(lines[first][0], lines[last - 1][1])]
        for a, b in spans:
            if text[a:b].strip():
                rows.append((a + _indent(text[a:b]), b, header))
    return rows, max(end, rules[-1] + 1)


def _columns(text: str, lines: list[tuple[int, int]], rule: int) -> list[tuple[int, int]]:
    """The column spans a simple table's rule sets out ("=====  ======" → (0, 5), (7, 13))."""
    return [m.span() for m in re.finditer(r"[=-]+", text[lines[rule][0] : lines[rule][1]])]


def _goes_on(text: str, paragraph: list[tuple[int, int]], line: str) -> bool:
    """Whether ``line`` carries on the list item ``paragraph`` opens, in text whose paragraphs are
    otherwise one line each: set in to the item's text (deeper is an example) and opening nothing of
    its own, as a wrapped item's later lines are in a changelog whose other items run on one line.

    >>> _goes_on("- Fixed a crash when\\n", [(0, 20)], "  a hook is removed.")
    True
    """
    first = text[paragraph[0][0] : paragraph[0][1]]
    item = _ITEM.match(first)
    return bool(item and line.strip() and _column(first) < _column(line) <= len(first[: item.end()].expandtabs(8))
                and not _ITEM.match(line))


def _body_indent(text: str, lines: list[tuple[int, int]]) -> int:
    """The indentation most of the text has (7 in a man page, 0 in most files)."""
    counts = Counter(_column(text[s:e]) for s, e in lines if text[s:e].strip())
    return counts.most_common(1)[0][0] if counts else 0


def _hard_wrapped(text: str, lines: list[tuple[int, int]]) -> bool:
    """Whether the text wraps its lines at a fixed width (a man page, most plain-text docs), so
    that a line break inside a paragraph is only a space; otherwise each line is a paragraph."""
    # a table's rows ("| a | b |", "crc-8     0x107     False") are as long as their columns make them
    lengths = [e - s for s, e in lines if not _TABLE_LINE.search(text, s, e)]
    return sum(n for n in lengths if n > 100) * 2 < sum(lengths)  # most of the text in short lines


_TABLE_LINE = re.compile(r"^[^\S\n]*[|+]|\S[^\S\n]{3,}\S", re.MULTILINE)


# "3.1.7. CRC32", "2.1 ASN.1 syntax"; not a version heading such as "1.0.3 2009-06-05" or "2.31.0 (2023-05-22)"
_SECTION_NUMBER = re.compile(r"\s*(\d{1,3}(?:\.\d{1,3})+)\.?\s+[^\W\d_]")


_CHAPTER_NUMBER = re.compile(r"\s*(\d{1,3})\.\s+[^\W\d_]")
_SUBSECTION = re.compile(r"^[^\S\n]*(\d{1,3})\.\d{1,3}\.?[^\S\n]+[^\W\d_]", re.MULTILINE)  # "2.1. Data Types ..."


def _number_depth(title: str) -> int | None:
    """The depth of a title's section number: 0 for "2. Configuration", 1 for "2.5. Security"; None
    for a title without one."""
    if number := _SECTION_NUMBER.match(title):
        return number.group(1).count(".")
    return 0 if _CHAPTER_NUMBER.match(title) else None


# A title that is all a literal, "``SIGUSR2``" or "`timeout`", names a thing in code; its heading keeps
# the backquotes, so that the text under it is shown with the name (see assistant.evidence.shown).
_CODE_TITLE = re.compile(r"(`{1,2})([^`\n]+)\1:?")


def _heading(text: str, line: tuple[int, int], headings: _Headings, level: int | None = None) -> _Block:
    """A heading line; a numbered one's level is its number's depth, an unnumbered one's comes from
    its indentation, capitals ranking higher."""
    s, e = line
    title = text[s:e]
    if directive := _RST_OBJECT.match(title):  # headed by the object's name
        s, title = s + directive.end(), title[directive.end() :]
    if level is None and _OUTLINE.match(title):
        level = len(title) - len(title.lstrip("*")) - 1
    if level is None and (number := _SECTION_NUMBER.match(title)):
        level = number.group(1).count(".")  # "4.3.1. Unpadded Size" sits under "4.3. List of Records", level 1
    code = _CODE_TITLE.fullmatch(title.strip())
    if level is None and code:
        level = _OBJECT_LEVEL  # "``SIGUSR2``" over its text: a thing the section describes, not a section
    if level is None:
        # capitals, but for a name in brackets: "JAIL CONFIGURATION FILE(S) (jail.conf)", "THE [options] STANZA"
        named = _BRACKETED.sub("", title).strip()
        upper = named.upper() == named and any(c.isalpha() for c in named)
        level = 1 + 2 * _column(title) - (1 if upper else 0)
    if not _LABEL.match(title):  # "Date: 2024-02-12" labels the document; it heads no section
        named = title.rstrip().removesuffix(":") if _RELEASE_TITLE.fullmatch(title) else title  # shown with ": "
        headings.push(level, f"`{code.group(2)}`" if code else _plain_inline(named))
    return _Block(s + _indent(title), e, "heading", headings.path)


def _paragraph(text: str, lines: list[tuple[int, int]], headings: _Headings, body: int,
               faq: bool = False) -> Iterator[_Block]:
    groups: list[tuple[str, list[tuple[int, int]]]] = []
    for n, (s, e) in enumerate(lines):
        line = text[s:e]
        previous = text[lines[n - 1][0] : lines[n - 1][1]] if n else ""
        following = text[lines[n + 1][0] : lines[n + 1][1]] if n + 1 < len(lines) else ""
        kind = _starts(line, previous, following, n, headed=bool(groups) and groups[-1][0] == "heading")
        if kind == "item" and faq and _QA_MARK.match(line):
            kind = "prose"  # an FAQ's "Q) Can I ...?" and "A1) Yes, ...": a question and its answer, not a list
        if kind == "heading" and max(1, body - 3) <= _column(line) <= body and _column(following) > _column(line) \
                and following.strip():
            # a man page's "ADD_EXTRA_GROUPS" above its text, level with the paragraphs, or with the options'
            # names where their text is most of the page (patch's "QUOTING_STYLE" at 7, its text at 10)
            kind = "term"
        if kind == "term" and body >= _MAN_TAG and _column(line) < _MAN_TAG and _column(following) == _MAN_TAG \
                and _is_title(line, words=6) and not _term_with_text(line, following, alone=n == 0):
            # a man page's section or subsection over its paragraphs, set in at 7 ("ACTION CONFIGURATION FILES
            # (action.d/*.conf)" at 0, "Action Tags" at 3), where most of the text is its tags' descriptions, set
            # in deeper; not a name over its description set in further ("root" at 3 over "Root is ..." at 10)
            kind = "heading"
        elif kind == "heading" and _tag_with_text(line, body):
            kind = "term"  # "ip     IPv4 IP address to be banned.": a tag, its text level with the other tags' text
        if kind or not groups or groups[-1][0] == "heading":
            groups.append((kind or "prose", [(s, e)]))
        else:
            groups[-1][1].append((s, e))
    for kind, group in groups:
        first = text[group[0][0] : group[0][1]]
        if _RST_OBJECT.match(first):
            yield _heading(text, group[0], headings, _OBJECT_LEVEL)
            continue
        if (kind == "item" and len(group) == 1 and (chapter := _CHAPTER_NUMBER.match(first))
                and chapter.group(1) in headings.chapters and _is_title(first[chapter.end(1) + 1 :], words=8)):
            yield _heading(text, group[0], headings, 0)  # "2. Data Types" over "2.1. Data Types proposed ..."
            continue
        if kind == "heading" and headings.adorned and (first.strip()[:1].isalnum() or first.strip()[:1] == "(") \
                and len(first.split()) >= 5:
            # words, not a name set out in bold or as code ("**0.48.0** (2026-08-12)", "``HOST``", "-c FILE")
            # nor a command over its text set in ("help <action>")
            kind = "prose"
        if headings.underlined_only:
            kind = "prose" if kind == "heading" else kind
        elif kind == "heading" or (kind == "term" and len(group) == 1 and not _term_with_text(first, "")
                                   and not _FIELD.match(first) and not _tag_with_text(first, body)):
            # A title is set out to the left of the text: one deeper is an example, one level with it a line
            kind = "code" if _column(first) > body else "heading" if _column(first) < body or not body else "prose"
            if kind == "heading" and _column(first) and _LABEL.match(first):
                kind = "prose"  # "Default: ``True``" set in under a definition states a value
        elif kind == "prose" and _column(first) > body and not any(
                text[s:e].rstrip().rstrip(_CLOSERS)[-1:] in ".!?:;," for s, e in group) and not _reads_on(
                text[group[0][0] : group[-1][1]]):
            kind = "code"  # set in, and no line of it ends like a sentence: an example
        elif kind in ("prose", "term") and not headings.settings and (_asks(text, group, kind) or (
                _QUESTION_LABEL.match(first.strip()) and not _INLINE_ANSWER.search(text[group[0][0] : group[-1][1]]))):
            # A question ("Q: How do I ...?", "Q: Seteuid() does not work in AIX.") states nothing: it
            # heads the answer below it. Not in a sample configuration: "# TCP or UDP server?" is about the
            # setting under it.
            asked = _join([line.strip() for line in text[group[0][0] : group[-1][1]].splitlines()])
            headings.push(_QUESTION_LEVEL, _QUESTION_LABEL.sub("", asked))
            yield _Block(group[0][0] + _indent(first), group[-1][1], "heading", headings.path)
            continue
        if kind == "heading" and group[0][0] not in headings.settings:
            yield _heading(text, group[0], headings)
        else:
            yield _Block(group[0][0] + _indent(first), group[-1][1], "prose" if kind == "heading" else kind,
                         headings.path)


_BRACKETED = re.compile(r"\([^()\n]*\)|\[[^][\n]*\]")
_MAN_TAG = 7  # where a man page sets its tags (.TP), under sections at 0 and subsections at 3


def _tag_with_text(line: str, body: int) -> bool:
    """Whether ``line`` is a man page's tag with its text on the same line, that text starting where the
    page's other descriptions start ("ip     IPv4 IP address to be banned." among tags set over their text)."""
    term = _TERM_WITH_TEXT.match(line)
    return bool(term and body > _column(line) and len(line[: term.end()].expandtabs(8)) == body
                and len(term.group(2).split()) == 1)


def _asks(text: str, group: list[tuple[int, int]], kind: str) -> bool:
    """Whether a paragraph is a question; a term is one when its own line asks ("How do I ...?" over its
    answer), not when its text ends asking ("log_untrusted_proxy_headers" over "Should waitress log ...?")."""
    end = group[0][1] if kind == "term" else group[-1][1]
    asked = text[group[0][0] : end].strip()
    # a question opens with a capital, after any number or label ("3.1) How ...?", "Q: Can ...?"); not a
    # list of patterns ("years?, yea?, yy?")
    opening = _QUESTION_LABEL.sub("", _NUMBERED.sub("", asked))
    return asked.endswith("?") and opening[:1].isupper()


_NUMBERED = re.compile(r"^\(?\d+(?:\.\d+)*[.):]?\s*")


def _answer_label(label: str) -> bool:
    """Whether a term is an FAQ's "A:" or "Answer:" before its answer, not a key named "a"."""
    return _ANSWER_LABEL.fullmatch(label) is not None and label[:1].isupper()


def _reads_on(text: str) -> bool:
    """Whether set-in lines read as sentences going on past a line's end, as a list item's second
    paragraph does ("The ``fifo`` and ``lfu`` submodules have been deleted.  Therefore, statements
    like"), not as an example: a sentence ends inside them and they have words enough."""
    return len(text.split()) >= 8 and _SENTENCE_INSIDE.search(text) is not None


_SENTENCE_INSIDE = re.compile(r"[a-z)\]`'\"][.!?][^\S\n]+[A-Z][a-z]")


def _term_with_text(line: str, following: str, alone: bool = True) -> bool:
    """"-C     list entries by columns": a term, a gap, its text (the next line, if any, under that text);
    ``alone`` when the line opens its paragraph (a one-letter name ends a table's column otherwise)."""
    term = _TERM_WITH_TEXT.match(line)
    if not term:
        return False
    if following.strip():
        return _column(following) == len(line[: term.end()].expandtabs(8))
    # "-C  list by columns", "A:  No.", an exit status's "127    if the command is not found", a flag's
    # "!   An error occurred while reading this directory."
    name = term.group(2)
    return name.startswith("-") or name.endswith(":") or name.isdigit() or (len(name) == 1 and alone)


def _goes_on_sentence(previous: str, line: str) -> bool:
    """Whether ``line`` carries on the sentence ``previous`` left open: a paragraph whose first line
    is set in ("  The licenses for most software are designed to take away your" over "freedom to
    share and change it.") is one paragraph, not an example and the prose after it."""
    return line.strip()[:1].islower() and previous.rstrip().rstrip(_CLOSERS)[-1:] not in ".!?:;"


def _dash_going_on(previous: str, line: str) -> bool:
    """Whether a line opening with "- " is a dash in a sentence the line before broke off ("These versions
    are supported (with all patches applied" over "- if using a packaged version, ..."), not a list item:
    that line is long, no item, level with it, and stops mid-sentence."""
    return (line.lstrip().startswith("- ") and _column(line) == _column(previous) and not _ITEM.match(previous)
            and len(previous.strip()) > 40 and previous.rstrip()[-1:] not in ".:;!?,)")


# A release's title ending in a colon, alone over its changes: "1.0.3: Nov 18 2010:", "Version 2.1 (2024-03-01):";
# not a sentence naming a version ("3.79.1 have this bug, see this:")
_RELEASE_TITLE = re.compile(r"[^\S\n]*(?:v|version[^\S\n]+|release[^\S\n]+)?\d+(?:\.\d+)+:?"
                            r"(?:[^\S\n]+(?=[^:\n]*\d)[\w,()/-]+){0,4}:[^\S\n]*", re.IGNORECASE)


def _starts(line: str, previous: str, following: str, n: int, headed: bool = False) -> str:
    """The kind of block ``line`` opens (the ``n``-th line of its paragraph, ``headed`` when the line
    before it is a heading), or "" when it goes on."""
    if line.lstrip().startswith("|"):
        return "row"
    if _RST_OBJECT.match(line):
        return "heading"  # ".. variable:: NAME" heads NAME's description
    if _FIELD.match(line):
        return "term"
    if _RST_DIRECTIVE.match(line):
        return "markup"  # ".. contents::", ".. image:: logo.png", ".. sourcecode:: python": no statement, no code
    if _SIGN_OFF.match(line):
        return "prose"  # a Debian changelog entry's " -- Name <mail>  date": who signed it, under it
    if _OUTLINE.match(line) and _is_title(line.lstrip("*"), words=16) and (
            not following.strip() or _OUTLINE.match(following)):
        # a GNU NEWS file's "* Noteworthy changes in release 4.9", "** Bug fixes", a line of its own;
        # "* With GCC 3.2.2 and later, you should export" going on in the next line is a list item
        return "heading"
    if n and _dash_going_on(previous, line):
        return ""
    if _ITEM.match(line):
        return "item"
    if _term_with_text(line, following, alone=n == 0):
        return "term"
    if (n == 0 or (line[:1].isalpha() and _column(previous) > 0)) \
            and _is_title(line, words=6) and line.strip().upper() == line.strip():
        # a man page's section: "DESCRIPTION", also right under the last one's text (watch's "BUGS")
        return "heading"
    deeper = bool(following.strip()) and _column(following) > _column(line)
    if deeper and (_is_title(line, words=6) or (_OPTION.match(line) and len(line.split()) <= 6)) and not (
            n and _column(previous) < _column(line)
            and not (headed and (_OPTION.match(line) or len(line.split()) == 1))):
        # "-a, --all" above its indented text; "-p --pid=PID,PID..." too, also an option or a name right
        # under its section's title (pv's "GENERAL OPTIONS" over "-P FILE, --pidfile FILE")
        return "term"
    if n == 0 and not following.strip() and (_is_title(line) or _RELEASE_TITLE.fullmatch(line)):
        return "heading"
    if n == 0 and _is_title(line, words=8) and len(following.strip()) > 2 * len(line.strip()):
        return "heading"  # a title straight above its text
    if n and _column(line) < _column(previous) and not _ITEM.match(previous) and not _goes_on_sentence(previous, line):
        return "prose"  # back out of an indented block
    return ""


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def front_matter(text: str) -> re.Match[str] | None:
    """A Markdown file's YAML front matter ("---" / "title: Developers" / "---" opening the file), which
    static site generators read and readers never see; group 1 is its title, if it gives one."""
    found = _FRONT_MATTER.match(text)
    return found if found and _YAML_KEY.search(found.group()) else None


_FRONT_MATTER = re.compile(r"---[^\S\n]*\n(?:(?!---|\.\.\.).*\n)*?(?:---|\.\.\.)[^\S\n]*(?:\n|\Z)")
_YAML_KEY = re.compile(r"^[A-Za-z_][\w-]*:(?:\s|$)", re.MULTILINE)
_YAML_TITLE = re.compile(r"^title:[^\S\n]*(['\"]?)(.+?)\1[^\S\n]*$", re.MULTILINE)


def front_matter_title(text: str) -> str:
    """The title a Markdown file's front matter gives ("title: 'Setup'"), or ""."""
    found = front_matter(text)
    title = _YAML_TITLE.search(found.group()) if found else None
    return title.group(2).strip() if title else ""


def _markdown_blocks(text: str) -> Iterator[_Block]:
    """Blocks from markdown-it-py's token stream: each token's line map gives its offsets. Front
    matter is markup: read as Markdown, its closing "---" made a heading of its keys."""
    lines = _lines(text)
    headings = _Headings()
    in_item, header = 0, ""
    matter = front_matter(text)
    if matter:
        yield _Block(0, len(matter.group().rstrip()), "markup", "")
        text = re.sub(r"[^\n]", " ", matter.group()) + text[matter.end() :]  # same offsets, nothing to parse
    tokens = _parser().parse(text)

    def span(m: list[int]) -> tuple[int, int]:
        first, last = lines[m[0]], lines[max(m[0], min(m[1], len(lines)) - 1)]
        line = text[first[0] : first[1]]
        return first[0] + _indent(line), last[1]

    # each open list item's term: "`Acquire::http::Dl-Limit` - integer (default:0)" opening it names
    # what its later paragraphs say; None until its first paragraph is read
    terms: list[str | None] = []
    # the term of an item just closed, and its marker's column: a paragraph set in after it, though not
    # far enough to be inside the item (" Use apt bandwidth limit ..." under "* `Acquire::http::Dl-Limit`
    # - integer"), goes on with it as its writer meant
    after: tuple[str, int] | None = None
    for i, token in enumerate(tokens):
        if token.type == "list_item_open":
            in_item += 1
            terms.append(None)
            after = None
        elif token.type == "list_item_close":
            in_item -= 1
            term = terms.pop()
            after = (term, _indent(text[slice(*lines[token.map[0]])]) if token.map else 0) if term else None
        if not token.map or token.nesting < 0:
            continue
        if token.type == "paragraph_open" and terms and i + 1 < len(tokens):
            if terms[-1] is None:
                terms[-1] = _item_term(tokens[i + 1])
            elif terms[-1]:
                yield _Block(*span(token.map), "prose", headings.path, terms[-1])
                continue
        elif token.type == "paragraph_open" and after:
            if _indent(text[slice(*lines[token.map[0]])]) > after[1]:
                yield _Block(*span(token.map), "prose", headings.path, after[0])
                continue
            after = None
        elif token.type == "heading_open":
            after = None
        if token.type == "heading_open":
            headings.push(int(token.tag[1:]), _plain(tokens[i + 1], code=True) if i + 1 < len(tokens) else "")
            yield _Block(*span(token.map), "heading", headings.path)
        elif token.type == "paragraph_open" and not in_item and i + 1 < len(tokens) and _bold_question(tokens[i + 1]):
            # an FAQ's question set in bold ("**Q. When I have a red edge it shows up ...**") heads its answer
            headings.push(_QUESTION_LEVEL, _QUESTION_LABEL.sub("", _plain(tokens[i + 1])))
            yield _Block(*span(token.map), "heading", headings.path)
        elif token.type == "paragraph_open":
            kind = "links" if i + 1 < len(tokens) and _only_links(tokens[i + 1]) else "item" if in_item else "prose"
            yield _Block(*span(token.map), kind, headings.path)
        elif token.type == "tr_open":
            start, end = span(token.map)
            if tokens[i - 1].type == "thead_open":
                header = text[start:end]
                yield _Block(start, end, "heading", headings.path)
            else:
                yield _Block(start, end, "row", headings.path, header)
        elif token.type in ("fence", "code_block"):
            yield _Block(*span(token.map), "code", headings.path)
        elif token.type == "html_block":
            yield _Block(*span(token.map), "html", headings.path)


def _item_term(inline: Token) -> str:
    """The name a list item opens with when its first paragraph is a name set as code, with at most a
    few words after it ("`Unattended-Upgrade::Mail` - string (default:"")"), else ""."""
    children = [c for c in inline.children or () if c.type not in ("softbreak", "hardbreak")]
    opens = next((c for c in children if c.type != "text" or c.content.strip()), None)
    text = _plain(inline).strip()
    if opens is None or opens.type != "code_inline" or len(text.split()) > 8:
        return ""
    return text.rstrip(":")


def _plain(inline: Token, code: bool = False) -> str:
    """An inline token's text without its markup or HTML: a heading's title; with ``code``, one that
    is all a code span keeps its backquotes ("### `timeout`" names a setting)."""
    # an image stands for its alt text: "# ![btop++](Img/logo.png)" is titled "btop++"
    shown = ("text", "code_inline", "image")
    children = [c for c in inline.children or () if c.type in shown and c.content.strip()]
    if code and len(children) == 1 and children[0].type == "code_inline":
        return f"`{children[0].content}`"
    # a title over two lines ("Keeping files" / "out of a package" over "---") keeps the space between them
    return "".join(" " if c.type in ("softbreak", "hardbreak") else c.content if c.type in shown else ""
                   for c in inline.children or ()).strip() or inline.content


def _bold_question(inline: Token) -> bool:
    """Whether a paragraph is an FAQ's question set in bold: all of it, ending in a question mark or opening
    with "Q." ("**Q. When I have a red edge ...**"), or its number ("**Q13**. Record nodes are drawn ...")."""
    children = [c for c in inline.children or () if not (c.type == "text" and not c.content.strip())]
    if len(children) < 3 or children[0].type != "strong_open":
        return False
    asked = _plain(inline)
    if children[1].type == "text" and _QUESTION_NUMBER.fullmatch(children[1].content.strip()) and (
            children[2].type == "strong_close"):
        return _QUESTION_LABEL.match(asked) is not None
    whole = children[-1].type == "strong_close" and sum(c.type == "strong_open" for c in children) == 1
    return whole and (asked.endswith("?") or _QUESTION_LABEL.match(asked) is not None)


_QUESTION_NUMBER = re.compile(r"(?:Q|Question)\s*\d+[.:)]?", re.IGNORECASE)


def _only_links(inline: Token) -> bool:
    """A paragraph or list item that is only links or images (badges, a table of contents) states nothing."""
    depth, bare = 0, False
    for child in inline.children or ():
        depth += child.type == "link_open"
        depth -= child.type == "link_close"
        if child.type in ("text", "code_inline") and child.content.strip() and depth == 0:
            bare = True
    return bool(inline.children) and not bare


# --- blocks → units -----------------------------------------------------------------------------

def _term_label(text: str, block: _Block) -> str:
    """The term a definition explains: "-a, --all" over its text, "-C" before it on its line."""
    first_line = text[block.start : block.end].split("\n", 1)[0]
    term = _TERM_WITH_TEXT.match(first_line)
    return (term.group(2) if term else first_line).strip()


def _split(text: str, block: _Block) -> list[Unit]:
    """A block as one unit, or as its sentences when it is prose or too long to read as one."""
    start, end = block.start, len(text[: block.end].rstrip())
    whole = Unit(start, end, block.kind, block.heading, block.label)
    if block.kind not in EVIDENCE_KINDS or block.kind == "row":
        return [whole]
    if block.kind != "prose" and len(text[start:end].split()) <= MAX_WHOLE_WORDS:
        return [whole]
    flat = text[start:end].replace("\n", " ").replace("\t", " ")
    spans = sentence_spans(flat, offset=start)
    if block.kind != "term" or not spans:
        return [Unit(s, e, block.kind, block.heading, block.label) for s, e in spans]
    # The term stays with its first sentence; the others are its text's prose, under the term.
    label = _term_label(text, block)
    under = f"{block.heading} › {label}" if block.heading else label
    named = "" if _answer_label(label.rstrip(":")) else label  # an FAQ's "A:" names nothing
    return [Unit(start, spans[0][1], "term", block.heading),
            *(Unit(s, e, "prose", under, named) for s, e in spans[1:])]
