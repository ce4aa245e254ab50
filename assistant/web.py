"""A first Gradio chat: the conversation, streamed answers, and the sources of each answer.

The only module that imports gradio. One queue with one worker serialises model
calls, so concurrent visitors never share the llama.cpp context at once.
"""

from __future__ import annotations

import html
import queue
import threading
from collections.abc import Iterator
from typing import Any, cast

import gradio as gr

from assistant.errors import AssistantError
from assistant.types import Answer
from assistant.wiring import Assistant

Messages = list[dict[str, str]]
Turns = list[tuple[str, str]]


def sources_markdown(answer: Answer) -> str:
    """Each cited passage with its file and offsets; unsupported sentences marked."""
    if answer.refused:
        return "_The indexed documents do not cover this question, so nothing is cited._"
    lines = ["### Sources"]
    for c in answer.citations:
        lines.append(f"**[{c.n}] {html.escape(c.source)}** (characters {c.start}–{c.end})\n\n"
                     f"> {html.escape(c.text)}")
    for s in answer.sentences:
        if not s.supported:
            lines.append(f"⚠️ Not supported by its source: {html.escape(s.text)} ({s.reason})")
    return "\n\n".join(lines)


def _stream(assistant: Assistant, question: str, history: Turns) -> Iterator[str | Answer]:
    """Pieces of text as the model writes them, then the verified Answer."""
    pieces: queue.Queue[str | Answer | BaseException] = queue.Queue()

    def work() -> None:
        try:
            pieces.put(assistant.ask(question, history, on_text=pieces.put))
        except BaseException as exc:  # handed to the page's thread and raised there
            pieces.put(exc)

    threading.Thread(target=work, daemon=True).start()
    while True:
        item = pieces.get()
        if isinstance(item, BaseException):
            raise item
        yield item
        if isinstance(item, Answer):
            return


def build(assistant: Assistant) -> gr.Blocks:
    with gr.Blocks(title="Offline document assistant") as page:
        gr.Markdown("## Ask your documents\nAnswers cite the passage behind each sentence, "
                    "and say so when the documents do not answer.")
        turns = gr.State([])
        chatbot = gr.Chatbot(label="Conversation", height=420)
        question = gr.Textbox(label="Question", placeholder="Ask about the indexed documents…")
        with gr.Row():
            send = gr.Button("Ask", variant="primary")
            new = gr.Button("New conversation")
        sources = gr.Markdown(elem_id="sources")

        def ask(text: str, messages: Messages, history: Turns) -> Iterator[tuple[Any, ...]]:
            text = text.strip()
            if not text:
                yield messages, history, "", gr.update()
                return
            messages = [*messages, {"role": "user", "content": text},
                        {"role": "assistant", "content": ""}]
            try:
                for item in _stream(assistant, text, history):
                    if isinstance(item, Answer):
                        messages[-1]["content"] = item.text
                        history = [*history, (text, item.text)]
                        yield messages, history, "", sources_markdown(item)
                    else:
                        messages[-1]["content"] += item
                        yield messages, history, "", "_writing…_"
            except AssistantError as exc:
                messages[-1]["content"] = f"⚠️ {exc}"
                yield messages, history, "", ""

        outputs = [chatbot, turns, question, sources]
        send.click(ask, [question, chatbot, turns], outputs)
        question.submit(ask, [question, chatbot, turns], outputs)
        new.click(lambda: ([], [], "", ""), None, outputs, queue=False)
    return cast(gr.Blocks, page)


def serve(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, open_browser: bool = False) -> None:
    page = build(assistant)
    page.queue(default_concurrency_limit=1)
    print(f"serving on http://{host}:{port}")
    # System fonts: the default theme would ask Google Fonts for its typefaces.
    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    page.launch(server_name=host, server_port=port, inbrowser=open_browser, share=False,
                show_error=True, quiet=True, theme=theme)
