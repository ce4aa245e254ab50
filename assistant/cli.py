"""The command line: index, ask, chat, serve, eval, and record / replay / accept."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.settings import Settings, load_settings

DESCRIPTION = """\
An offline assistant that answers questions from your documents, citing the
passage behind every sentence, and says so when the documents do not answer.

Settings come from flags, then ASSISTANT_<NAME> environment variables, then
assistant.toml (or the file in ASSISTANT_SETTINGS_FILE), then defaults.
Run `assistant settings` to see every setting, its value and what it does.
"""


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, help="folder of the index (default .assistant-data)")
    common.add_argument("--model", help="GGUF in models/ or a path; default: the bundled Gemma 3 270M")
    common.add_argument("--top-k", type=int, help="passages retrieved per question "
                        f"(default {Settings.model_fields['top_k'].default})")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(prog="assistant", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", parents=[common], help="index files or folders (default seeds/)",
                       description="Load .txt, .md, .pdf, .docx and .html files, chunk, embed and store them. "
                       "Unchanged files are skipped, changed files replaced, deleted files removed.")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the docs setting)")

    p = sub.add_parser("ask", parents=[common], help="answer one question",
                       description="Answer one question from the index, with citations.")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the answer as JSON (the eval output's fields)")

    sub.add_parser("chat", parents=[common], help="a conversation in the terminal",
                   description="Ask questions one after another; follow-ups use the conversation. "
                   "Type /new for a new conversation, /quit or Ctrl-D to leave.")

    p = sub.add_parser("serve", parents=[common], help="the chat in a browser (Gradio)",
                       description="Serve the chat page. It listens on 127.0.0.1 unless told otherwise.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")

    p = sub.add_parser("eval", parents=[common], help="run an evaluation set and summarise",
                       description="Answer every case of a JSONL file, write one result line per "
                       "case and print accuracy, refusals, citation figures and latency.")
    p.add_argument("cases", type=Path, help="JSONL of cases (see tests/eval/dev.jsonl)")
    p.add_argument("--out", type=Path, required=True, help="JSONL file for the results")

    sub.add_parser("settings", parents=[common], help="show every setting and its value")
    _regression_commands(sub, common)
    return parser


def _regression_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    raw = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser("record", parents=[common], help="answer cases and record everything for replay",
                       formatter_class=raw, description="""\
Answer every case of a cases file (the `assistant eval` format; expectations
are optional) and write one line per case: the question and history, the
retrieved chunks, the passages, the exact prompt, the raw output, the answer
with its citations and their support, the timings, and a fingerprint of the
model file, settings, prompt templates, grammar, embedding model and index.

example: assistant record tests/eval/dev.jsonl --out tests/recordings/seeds.jsonl""")
    p.add_argument("cases", type=Path, help="JSONL of cases (see tests/eval/dev.jsonl)")
    p.add_argument("--out", type=Path, required=True, help="the recording to write (JSONL)")

    p = sub.add_parser("replay", parents=[common], help="run recorded cases again and compare",
                       formatter_class=raw, description="""\
Run each recorded case again and compare it with its recording, cheapest tier
first: byte-identical; structural checks (every sentence cites a supplied
source, refusals cite nothing); the case's expectations; meaning (embedding
similarity of the answers, overlap of the cited passages). Each case ends
identical, equivalent, changed, improved or regressed, with the reasons; a
changed output under an unchanged fingerprint is reported as non-determinism.

The new lines go beside the recording (x.jsonl -> x.new.jsonl); `assistant accept`
makes them the baseline. Exit status: 0, or 1 when any case regressed.

modes:
  live            retrieve and generate again (default)
  frozen-context  reuse the recorded passages: tests prompting and generation
  rescore         no language model: re-check the recorded raw output""")
    p.add_argument("recording", type=Path, help="a recording made by `assistant record`")
    p.add_argument("--mode", choices=["live", "frozen-context", "rescore"], default="live",
                   help="what runs again (default live)")
    p.add_argument("--html", type=Path, help="write a self-contained HTML report here")
    p.add_argument("--junit", type=Path, help="write JUnit XML here, for CI")

    p = sub.add_parser("accept", help="take the last replay's answers as the new baseline",
                       formatter_class=raw, description="""\
Replace recorded cases with their replayed lines from x.new.jsonl beside x.jsonl (what
the last `assistant replay` wrote), for the cases named or for all.

example: assistant accept tests/recordings/seeds.jsonl --case d07 --case d12""")
    p.add_argument("recording", type=Path, help="the recording to update")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--case", action="append", metavar="ID", help="a case id to accept (repeatable)")
    which.add_argument("--all", action="store_true", help="accept every replayed case")


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(data_dir=args.data_dir, model=args.model, top_k=args.top_k)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    from assistant.wiring import Assistant

    if args.command == "accept":
        from assistant.replay import accept

        accept(args.recording, None if args.all else args.case)
        return 0
    settings = _settings(args)
    if args.command == "settings":
        print(_where_from())
        for name, field in Settings.model_fields.items():
            print(f"{name} = {getattr(settings, name)!s}\n    {field.description}")
        return 0
    assistant = Assistant(settings)
    if args.command == "index":
        report = assistant.index(args.paths or None, progress=sys.stderr.isatty())
        print(report.summary())
        return 0
    if args.command == "ask":
        return _ask(assistant, args.question, args.json)
    if args.command == "chat":
        return _chat(assistant)
    if args.command == "serve":
        from assistant.web import serve

        serve(assistant, args.host, args.port, open_browser=args.open)
        return 0
    if args.command == "eval":
        return _eval(assistant, args.cases, args.out)
    if args.command == "record":
        return _record(assistant, args.cases, args.out)
    if args.command == "replay":
        return _replay(assistant, args.recording, args.mode, args.html, args.junit)
    raise AssertionError(args.command)


def _where_from() -> str:
    from assistant.settings import PACKAGE_DIR, PROJECT_ROOT, from_checkout

    if from_checkout():
        return f"# running from the checkout {PROJECT_ROOT}; relative paths are from {Path.cwd()}"
    return f"# installed package {PACKAGE_DIR}; relative paths are from {Path.cwd()}"


def _print_answer(answer: Any) -> None:
    """The answer, its highlight in bold on a terminal, then why it was refused or what it cites."""
    from assistant.citations import render

    bold = sys.stdout.isatty() and not answer.refused
    print(render(list(answer.sentences), lambda t: f"\033[1m{t}\033[0m") if bold else answer.text)
    for note in answer.notes if answer.refused else ():
        print(f"  (why: {note.removeprefix('refused: ')})")
    for c in answer.citations:
        where = f"{c.source}, {c.page_label}" if c.pages else c.source
        print(f"  [{c.n}] {where} ({c.start}-{c.end}): {c.text}")
    unsupported = [s for s in answer.sentences if not s.supported]
    for s in unsupported:
        print(f"  (not supported by its source: {s.text!r}: {s.reason})")


def _ask(assistant: Any, question: str, as_json: bool) -> int:
    from assistant.records import answer_record

    answer = assistant.ask(question)
    if as_json:
        print(json.dumps(answer_record(answer), ensure_ascii=False, indent=2))
    else:
        _print_answer(answer)
    return 0


def _chat(assistant: Any) -> int:
    from assistant.chat import ChatSession

    session = ChatSession(assistant)
    print("Ask about your documents. /new starts over, /quit leaves.")
    while True:
        try:
            question = input("> ").strip()
        except EOFError:
            print()
            return 0
        if question in {"/quit", "/exit"}:
            return 0
        if question == "/new":
            session.reset()
            print("(new conversation)")
            continue
        if question:
            answer = session.ask(question)
            _print_answer(answer)


def _eval(assistant: Any, cases_path: Path, out: Path) -> int:
    from tqdm import tqdm

    from assistant import evaluation

    cases = evaluation.load_cases(cases_path)
    assistant.ask("warm-up")  # load the models outside the timings
    results = evaluation.run(tqdm(cases, desc="eval", unit="case", disable=not sys.stderr.isatty()),
                             assistant.ask)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for line in results:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(evaluation.format_summary(evaluation.summarise(cases, results)))
    return 0


def _record(assistant: Any, cases_path: Path, out: Path) -> int:
    from tqdm import tqdm

    from assistant import evaluation, recording

    cases = evaluation.load_cases(cases_path)
    assistant.ask("warm-up")  # load the models outside the timings
    recorder = recording.Recorder(assistant)
    lines = [recorder.record(c) for c in tqdm(cases, desc="record", unit="case", disable=not sys.stderr.isatty())]
    recording.write(out, lines)
    print(f"recorded {len(lines)} cases to {out}")
    return 0


def _replay(assistant: Any, path: Path, mode: str, html: Path | None, junit: Path | None) -> int:
    from tqdm import tqdm

    from assistant import recording, reports
    from assistant.replay import Replayer, new_path

    lines = recording.read(path)
    replayer = Replayer(assistant, mode)
    results = list(replayer.replay_all(tqdm(lines, desc="replay", unit="case", disable=not sys.stderr.isatty())))
    recording.write(new_path(path), [r.new for r in results])
    print(reports.summary(results, mode))
    if html:
        html.write_text(reports.html_report(results, mode, f"Replay of {path.name} ({mode})"), encoding="utf-8")
        print(f"HTML report: {html}")
    if junit:
        junit.write_text(reports.junit_xml(results, path.stem), encoding="utf-8")
        print(f"JUnit XML: {junit}")
    print(f"replayed answers: {new_path(path)}; take them as the baseline with "
          f"`assistant accept {path} --all` (or --case ID)")
    return 1 if any(r.outcome == "regressed" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
