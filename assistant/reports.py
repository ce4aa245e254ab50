"""Reports of a replay: a terminal summary, a self-contained HTML page, JUnit XML.

The HTML page has no scripts and no remote assets: old and new answers side by
side, the words that differ struck out or underlined, citation markers and the
cited passages highlighted. Every recorded string is escaped.
"""

from __future__ import annotations

import difflib
import html
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence

from assistant.comparing import OUTCOMES
from assistant.replay import CaseResult

_TOKEN = re.compile(r"\s+|\S+")
_MARKER = re.compile(r"\[\d+\]")


def counts(results: Sequence[CaseResult]) -> Counter[str]:
    return Counter(r.outcome for r in results)


def fingerprint_changes(results: Sequence[CaseResult]) -> Counter[str]:
    """Each differing fingerprint part and the number of cases it differs for."""
    return Counter(part for r in results for part in r.comparison.fingerprint_changes)


def summary(results: Sequence[CaseResult], mode: str, show: int = 20) -> str:
    """The terminal summary: counts, what in the fingerprint changed, then the cases that differ."""
    tally = counts(results)
    lines = [f"replayed {len(results)} cases ({mode}): "
             + ", ".join(f"{tally[o]} {o}" for o in OUTCOMES)]
    changes = fingerprint_changes(results)
    if changes:
        lines.append("fingerprint differs from the recording: "
                     + ", ".join(f"{part} ({n} cases)" for part, n in sorted(changes.items()))
                     + "; if that change is intended, re-record or accept the new answers")
    flaky = [r.id for r in results if r.comparison.nondeterministic]
    lines.append(f"non-deterministic (same fingerprint, different output): "
                 f"{len(flaky)} cases{': ' + ', '.join(flaky) if flaky else ''}")
    order = {o: i for i, o in enumerate(reversed(OUTCOMES))}
    differing = sorted((r for r in results if r.outcome != "identical"), key=lambda r: order[r.outcome])
    for r in differing[:show]:
        lines.append(f"  {r.outcome:<10} {r.id}: {'; '.join(r.comparison.reasons)}")
    if len(differing) > show:
        lines.append(f"  ... and {len(differing) - show} more (see the HTML or JUnit report)")
    return "\n".join(lines)


def _marked(text: str) -> str:
    return _MARKER.sub(lambda m: f'<span class="cite">{m.group()}</span>', html.escape(text))


def word_diff(old: str, new: str) -> tuple[str, str]:
    """Both texts as HTML, removed words in <del> on the old side and added ones in <ins> on the new."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        before, after = _marked("".join(a[i1:i2])), _marked("".join(b[j1:j2]))
        if op == "equal":
            left.append(before)
            right.append(after)
            continue
        if before:
            left.append(f"<del>{before}</del>")
        if after:
            right.append(f"<ins>{after}</ins>")
    return "".join(left), "".join(right)


def _cited(line: dict[str, object]) -> str:
    items = []
    for c in line["citations"]:  # type: ignore[attr-defined]
        items.append(f'<li><span class="cite">[{c["n"]}]</span> <b>{html.escape(_cited_file(c))}</b> '
                     f'({c["start"]}-{c["end"]}): <q>{html.escape(str(c["text"]))}</q></li>')
    return f"<ul>{''.join(items)}</ul>" if items else "<p><i>no citations</i></p>"


def _side_by_side(title: str, old: str, new: str) -> str:
    if old == new:
        return ""
    left, right = word_diff(old, new)
    return (f"<details><summary>{html.escape(title)} differs</summary><table class=sbs><tr>"
            f"<td><pre>{left}</pre></td><td><pre>{right}</pre></td></tr></table></details>")


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}
table.sbs{width:100%;border-collapse:collapse;table-layout:fixed}
table.sbs td,table.sbs th{border:1px solid #ccc;padding:.5em;vertical-align:top}
del{background:#fdd;text-decoration:line-through}ins{background:#dfd;text-decoration:none}
.cite{background:#ffe58a;font-weight:bold}pre{white-space:pre-wrap;margin:0}
.regressed{color:#b00}.improved{color:#070}.changed{color:#a60}.equivalent{color:#456}.identical{color:#777}
section{border-top:2px solid #ddd;margin-top:1.5em}
"""


def html_report(results: Sequence[CaseResult], mode: str, title: str = "Replay report") -> str:
    """One self-contained page: the summary, then each case that is not identical, old beside new."""
    parts = [f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>",
             f"<pre>{html.escape(summary(results, mode, show=0))}</pre>"]
    for r in results:
        if r.outcome == "identical":
            continue
        old, new = r.old, r.new
        left, right = word_diff(str(old["answer"]), str(new["answer"]))
        reasons = "".join(f"<li>{html.escape(x)}</li>" for x in r.comparison.reasons)
        parts.append(
            f'<section id="case-{html.escape(r.id)}"><h2><span class="{r.outcome}">{r.outcome}</span> '
            f"{html.escape(r.id)}: {html.escape(str(old['question']))}</h2><ul>{reasons}</ul>"
            f"<table class=sbs><tr><th>recorded</th><th>replayed</th></tr>"
            f"<tr><td>{left}</td><td>{right}</td></tr>"
            f"<tr><td>{_cited(old)}</td><td>{_cited(new)}</td></tr></table>"
            + _side_by_side("raw model output", str(old["raw_output"]), str(new["raw_output"]))
            + _side_by_side("prompt", str(old["prompt"]), str(new["prompt"]))
            + "</section>"
        )
    same = [r.id for r in results if r.outcome == "identical"]
    parts.append(f"<section><h2>identical ({len(same)})</h2><p>{html.escape(', '.join(same))}</p></section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def junit_xml(results: Sequence[CaseResult], suite: str) -> str:
    """JUnit XML: one testcase per case; a regression is a failure, other outcomes pass with their reasons."""
    tally = counts(results)
    root = ET.Element("testsuites")
    element = ET.SubElement(root, "testsuite", name=suite, tests=str(len(results)),
                            failures=str(tally["regressed"]), errors="0", skipped="0")
    for r in results:
        case = ET.SubElement(element, "testcase", classname=suite, name=r.id)
        text = f"{r.outcome}: " + "; ".join(r.comparison.reasons)
        if r.outcome == "regressed":
            failure = ET.SubElement(case, "failure", message=text, type="regressed")
            failure.text = f"recorded: {r.old['answer']}\nreplayed: {r.new['answer']}"
        ET.SubElement(case, "system-out").text = text
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _cited_file(citation: dict[str, object]) -> str:
    """ "report.pdf, p. 3"; just the file name for a file without pages (or an older recording)."""
    label = citation.get("page_label")
    return f"{citation['source']}, {label}" if label else str(citation["source"])
