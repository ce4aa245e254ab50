"""The chat page (Gradio): conversation, streamed answers, clickable citations, documents, settings.

The only module that imports gradio. What the page shows is built in
``rendering``; this module wires events. Model calls go through one queue with
one worker and a lock, so concurrent visitors never share the llama.cpp context:
they wait, and the page says so.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import queue
import shutil
import tempfile
import threading
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import gradio as gr

from assistant import citations, conversations, http_safety, openai_api, originals, rendering, skipped, wording
from assistant import uploads as uploads_module
from assistant.conversations import Last
from assistant.errors import AssistantError
from assistant.llm import available_models
from assistant.loaders import supported_suffixes
from assistant.overview import Overview, asks_for_overview_english, suggested_questions
from assistant.preferences import TOP_K_MAX, TOP_K_MIN, Assistants, Choice, default_choice, validated
from assistant.progress import Indexing
from assistant.recording import record_exchange
from assistant.types import Answer
from assistant.wiring import Assistant

Messages = list[dict[str, Any]]
Turns = list[tuple[str, str]]
Exchanges = list[tuple[str, Answer]]
Asked = tuple[str, int] | None
Shown = tuple[str, str] | None  # (the store's generation, the status) a page shows
BUNDLED = "bundled: Gemma 3 270M"
WAITING = "Waiting for the model…"
SEARCHING = "Searching the documents and reading the passages…"
PENDING = '<span class="pending">Indexing…</span>'
ASSETS = Path(__file__).with_name("web_assets")
EXPORTS = "conversation-exports"  # folder in Gradio's cache with one export per session
# The page's script for an event whose last input is ``in_storage``: what the browser's storage holds now.
READ_STORED = f"(...inputs) => [...inputs.slice(0, -1), localStorage.getItem({json.dumps(conversations.STORAGE_KEY)})]"
REFRESH_S = 2.0  # how often an open page looks for changes to the index and the status
REMOVE, REMOVE_COLUMN = "Remove", 2  # the action in each row of the documents table
FORMATS = (".txt", ".md", ".pdf", ".docx", ".html")  # as the upload's label names them


class Stopped(Exception):  # noqa: N818  (not an error: the visitor asked for it)
    """The visitor pressed Stop while the model was writing."""


class Stage(str):
    """What the assistant is doing before the model writes (``Server.ask(..., stages=True)`` yields it)."""


class Server:
    """What every visitor's page shares: the assistant in use, the model lock, the status, stop flags."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.assistants = Assistants(assistant)  # one per visitor's choice of model and top-k
        self.overview = Overview(assistant.store)  # what the index holds, read again when it changes
        self.model_lock = threading.Lock()
        self.busy: str | None = None  # what the server is doing that visitors should know about
        self.model_problem: str | None = None
        self.indexing = Indexing()  # the files being added now, which every page shows
        self._stops: dict[str, threading.Event] = {}
        self._conversations: dict[str, int] = {}  # each session's conversation, counted up by New
        self._asking: dict[str, int] = {}  # session: the conversation of its question not yet ended

    # Model loading -----------------------------------------------------------------
    def load_model(self) -> None:
        """Load the model in the background; the status shows it meanwhile."""
        self.busy = f"**Loading the model** ({self.model_name()})…"
        threading.Thread(target=self._load, daemon=True).start()

    def _load(self) -> None:
        try:
            with self.model_lock:
                self.assistant.generator  # noqa: B018
            self.model_problem = None
        except AssistantError as exc:
            self.model_problem = str(exc)
        finally:
            self.busy = None

    def model_name(self, choice: Choice | None = None) -> str:
        s = self.assistant.settings
        if s.model_url:
            return f"{s.model_name or 'the model'} at {s.model_url}"
        return (choice.model if choice else s.model) or BUNDLED

    # Status banner -----------------------------------------------------------------
    def status(self, choice: Choice | None = None) -> str:
        """What a visitor needs to know now, with the model and top-k their page uses (``choice``)."""
        if self.busy:
            return self.busy
        if self.model_problem:
            fix = ("Fix: start the model server, or fix `model_url` and restart." if self.assistant.settings.model_url
                   else "Fix: put a `.gguf` file in `models/` and choose it under **Settings**, "
                   "or choose the bundled model there.")
            return f"**Problem: the model could not be loaded.** {wording.problem(self.model_problem)}  \n{fix}"
        files = self.overview.documents()
        if not files:
            return ("**The index is empty.** Add documents (text, Markdown, PDF, Word, HTML) under **Documents**, "
                    "or run `assistant index` in a terminal, then ask.")
        chunks = sum(f.chunks for f in files)
        top_k = choice.top_k if choice else self.assistant.settings.top_k
        return (f"**Ready** · model: {rendering.inert(self.model_name(choice))} · "
                f"{len(files)} documents, {chunks} chunks · top-k {top_k}")

    # Stop ----------------------------------------------------------------------------
    def stop_flag(self, session: str) -> threading.Event:
        return self._stops.setdefault(session, threading.Event())

    # Conversations ---------------------------------------------------------------------
    def conversation(self, session: str) -> int:
        """The session's current conversation: an answer for an earlier one must not be shown."""
        return self._conversations.get(session, 0)

    def new_conversation(self, session: str) -> int:
        """Start over: the answer being made (if any) is stopped and belongs to no conversation shown."""
        self._conversations[session] = self.conversation(session) + 1
        if session in self._asking:
            self.stop_flag(session).set()
        return self._conversations[session]

    def start_question(self, session: str) -> int | None:
        """The conversation a new question belongs to, or None while the session's last one is not done."""
        if session in self._asking:
            return None
        self._asking[session] = self.conversation(session)
        self.stop_flag(session).clear()
        return self._asking[session]

    def restart_question(self, session: str) -> int:
        """A question that replaces the last one (Regenerate, Edit), also while that one is answered.

        The answer being made is stopped and belongs to no conversation shown; the new question gets
        a stop flag of its own, so the old answer's end cannot clear or set it.
        """
        conversation = self.new_conversation(session)
        self._stops[session] = threading.Event()
        self._asking[session] = conversation
        return conversation

    def asking(self, session: str) -> bool:
        return session in self._asking

    def end_question(self, session: str, conversation: int | None = None) -> None:
        """The session's question ended (only if it is still ``conversation``'s, when that is given)."""
        if conversation is None or self._asking.get(session) == conversation:
            self._asking.pop(session, None)

    def forget(self, session: str) -> None:
        """Drop the stop flag of a session that asks one question (each request of the API is one)."""
        self._stops.pop(session, None)

    def ask(self, question: str, history: Turns, session: str, stages: bool = False,
            choice: Choice | None = None) -> Iterator[str | Answer]:
        """Pieces of text as the model writes them, then the checked Answer; Stopped if stopped.

        ``stages``: first a :class:`Stage` once the model is this question's (the wait is over).
        ``choice``: the visitor's model and top-k (the server's settings when None).
        """
        stop = self.stop_flag(session)
        pieces: queue.Queue[str | Answer | BaseException] = queue.Queue()
        # The worker's last clear and the page's stop on leaving take turns, so a stop never
        # outlives its question and a question never ends with its stop still set.
        handover = threading.Lock()
        done = False

        def on_text(piece: str) -> None:
            if stop.is_set():
                raise Stopped
            pieces.put(piece)

        def work() -> None:
            nonlocal done
            result: Answer | BaseException
            try:
                with self.model_lock:
                    if stop.is_set():
                        raise Stopped
                    if stages:
                        pieces.put(Stage(SEARCHING))
                    assistant = self.assistants.load(choice) if choice else self.assistant
                    result = assistant.ask(question, history, on_text=on_text)
            except BaseException as exc:  # handed to the page's thread and raised there
                result = exc
            with handover:  # cleared before the page hears the end, so its next question runs
                done = True
                stop.clear()
            pieces.put(result)

        threading.Thread(target=work, daemon=True).start()
        try:
            while True:
                item = pieces.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
                if isinstance(item, Answer):
                    return
        finally:
            with handover:
                if not done:  # the page went away mid-answer: the model must not go on
                    stop.set()


def _choices(server: Server) -> list[tuple[str, str]]:
    models = available_models(server.assistant.settings.models_dir)
    return [(BUNDLED, ""), *((name, name) for name in models)]


def _document_rows(server: Server) -> list[list[Any]]:
    return [[f.title, f"{f.source} · {f.chunks} chunk{'s' if f.chunks != 1 else ''}", REMOVE]
            for f in server.overview.documents()]


def build(server: Server) -> gr.Blocks:
    settings = server.assistant.settings
    # Gradio deletes what it cached for the page (uploads never added, by a client that never came
    # back) once a day old; what a visitor adds (added or refused), removes or leaves is deleted at once
    # (add_uploads, discard).
    with gr.Blocks(title="Offline document assistant", delete_cache=(3600, 86400)) as page:
        gr.Markdown("## Ask your documents\nEvery sentence cites the passage it rests on; click a [n] "
                    "to read it. When the documents do not answer, the assistant says so.", elem_id="intro")
        status = gr.Markdown(server.status(), elem_id="status")
        indexing_now = gr.HTML(server.indexing.html(), elem_id="indexing")  # every page sees what is added
        turns = gr.State([])
        exchanges = gr.State([])
        asked = gr.State(None)  # (question, conversation) that the page sent; None through the API
        shown = gr.State(None)  # what the page shows of the index and status (see ``current``)
        chosen = gr.State(default_choice(server.assistant))  # this page's model and top-k
        last = gr.State(None)  # the last question (conversations.Last), for Regenerate and Edit
        editing = gr.State(None)  # the Last that the question being edited replaces when sent
        key = gr.State(None)  # the conversation's key in the browser's list
        secret = conversations.browser_secret(settings.data_dir)
        kept = gr.BrowserState([], storage_key=conversations.STORAGE_KEY, secret=secret)  # this tab's list
        # What the browser's storage holds when the list is saved or used, whichever tab wrote it: the page's
        # script (READ_STORED) puts it in as the event's last input. Never shown, never set.
        in_storage = gr.Textbox(visible=False)
        with gr.Tab("Chat", id="chat"):
            chatbot = gr.Chatbot(label="Conversation", height=520, elem_id="conversation",
                                 latex_delimiters=[], buttons=["copy"], feedback_options=None)
            question = gr.Textbox(label="Question", placeholder="Ask about the indexed documents…",
                                  elem_id="question", autofocus=True)
            with gr.Row(elem_id="chat-actions"):
                send = gr.Button("Ask", variant="primary", elem_id="ask", min_width=70)
                stop = gr.Button("Stop", variant="stop", interactive=False, elem_id="stop", min_width=70)
                new = gr.Button("New chat", elem_id="new", min_width=70)
            with gr.Row(elem_id="last-actions"):
                regenerate = gr.Button("Regenerate", elem_id="regenerate", size="sm", min_width=70)
                edit = gr.Button("Edit last question", elem_id="edit", size="sm", min_width=70)
            notice = gr.Markdown(elem_id="notice")
            with gr.Accordion("Past conversations", elem_id="past"):
                past = gr.Dataframe([], headers=["First question", ""], interactive=False, elem_id="past-list",
                                    wrap=True, column_widths=["80%", "20%"], show_label=False)
            with gr.Accordion("More: save as a test case, export", open=False, elem_id="more"), gr.Row():
                save = gr.Button("Save as test case", elem_id="save-case", size="sm")
                export = gr.DownloadButton("Export as Markdown", elem_id="export", interactive=False, size="sm")
        with gr.Tab("Documents", id="documents"):
            documents = gr.Dataframe(_document_rows(server), headers=["Title", "File", ""],
                                     interactive=False, elem_id="documents", label="Indexed files", wrap=True,
                                     column_widths=["50%", "28%", "22%"])
            listed = gr.State([f.path for f in server.overview.documents()])  # the table's files, row by row
            not_indexed = gr.Markdown(elem_id="skipped")  # what `assistant index` found but could not read
            to_remove = gr.State(None)  # the file whose removal waits for the visitor's yes
            with gr.Column(visible=False, elem_id="remove-confirm") as confirm:
                confirm_text = gr.Markdown(elem_id="remove-question")
                with gr.Row():
                    remove_yes = gr.Button("Remove", variant="stop", elem_id="remove-yes", min_width=80)
                    remove_no = gr.Button("Cancel", elem_id="remove-no", min_width=80)
            uploads = gr.File(label=f"Add {', '.join(FORMATS)} files (up to {settings.max_upload_mb:g} MB each)",
                              file_count="multiple", file_types=list(supported_suffixes()),
                              elem_id="upload")
            pending = gr.State([], delete_callback=_discard_all)  # this visitor's uploads not yet added
            add = gr.Button("Add to index", variant="primary", elem_id="add-files")
            library_notice = gr.Markdown(elem_id="library-notice")
        with gr.Tab("Settings", id="settings"):
            gr.Markdown(wording.SETTINGS_SCOPE, elem_id="settings-scope")
            model = gr.Dropdown(_choices(server), value=settings.model or "", label="Model",
                                info="GGUF files in models/, or the bundled one", elem_id="model")
            # A number box, not a slider: a slider clamps what is typed without a word.
            top_k = gr.Number(settings.top_k, label="top-k: passages retrieved per question", elem_id="top-k",
                              info=f"a whole number from {TOP_K_MIN} to {TOP_K_MAX}")
            apply = gr.Button("Apply", variant="primary", elem_id="apply")
            settings_notice = gr.Markdown(elem_id="settings-notice")

        def begin(text: str, messages: Messages, history: Turns, done: Exchanges, replacing: Last | None,
                  request: gr.Request) -> tuple[Any, ...]:
            """At once, before the queue: show the question and that it waits, clear the box, arm Stop.

            The question goes on in ``asked`` with its conversation, so the box is free for typing
            while the answer is made. A question sent before the last one is done waits in the box
            (the page's script keeps Enter from sending it; this is for whatever gets past).
            ``replacing``: the last question, which this one replaces with its answer (Edit, Regenerate).
            """
            session = request.session_hash or ""
            text = text.strip()
            if replacing is not None and text:
                messages, history, done = messages[:-2], replacing.turns, done[:replacing.exchanges]
            asked_now = Last(text, history, len(done))
            reply = _overview_reply(server, text)
            if reply is not None:  # a greeting or "what is in here?": answered at once, no model
                if replacing is not None:
                    server.new_conversation(session)  # the replaced question's answer must not come back
                shown = [*messages, {"role": "user", "content": rendering.question_html(text)},
                         {"role": "assistant", "content": reply}]
                return (shown, ("", server.conversation(session)), "", gr.update(), gr.update(), history, done,
                        asked_now, None)
            start = server.restart_question if replacing is not None else server.start_question
            conversation = start(session) if text else None
            if conversation is None:
                return (gr.update(), ("", server.conversation(session)), *(gr.update(),) * 7)
            shown = [*messages, {"role": "user", "content": rendering.question_html(text)},
                     {"role": "assistant", "content": WAITING}]
            return (shown, (text, conversation), "", gr.update(interactive=True), gr.update(interactive=False),
                    history, done, asked_now, None)

        def again(messages: Messages, history: Turns, done: Exchanges, previous: Last | None,
                  request: gr.Request) -> tuple[Any, ...]:
            """Regenerate: the last question asked again with the same history, its answer in place of the last."""
            if previous is None or not messages:
                return (gr.update(), ("", server.conversation(request.session_hash or "")), *(gr.update(),) * 7)
            update = begin(previous.text, messages, history, done, previous, request)
            return (update[0], update[1], gr.update(), *update[3:])  # what is typed in the box stays

        def edit_last(previous: Last | None, request: gr.Request) -> tuple[Any, ...]:
            """Edit: the last question back in the box; sent, it replaces the last exchange.

            An answer being made for it is stopped at once (it would be replaced anyway).
            """
            if previous is None:
                return gr.update(), None, "Nothing to edit yet: ask a question first."
            session = request.session_hash or ""
            if server.asking(session):
                server.stop_flag(session).set()
            return previous.text, previous, wording.EDITING

        def answer(text: str, messages: Messages, history: Turns, done: Exchanges, asked: Asked,
                   chosen: Choice, request: gr.Request) -> Iterator[tuple[Any, ...]]:
            session = request.session_hash or ""
            # From the page, the question ``begin`` took; through the API, the text passed.
            text, conversation = asked if asked is not None else (text, server.conversation(session))
            text = text.strip()
            unchanged = (gr.update(),) * len(outputs)
            if not text:
                yield unchanged
                return
            try:
                yield from answering(text, conversation, messages, history, done, chosen, session)
            finally:
                server.end_question(session, conversation)

        def answering(text: str, conversation: int, messages: Messages, history: Turns, done: Exchanges,
                      chosen: Choice, session: str) -> Iterator[tuple[Any, ...]]:
            unchanged = (gr.update(),) * len(outputs)
            if conversation != server.conversation(session):
                yield unchanged
                return
            reply = _overview_reply(server, text)
            if reply is not None:  # through the API; the page's own were answered by ``begin``
                yield ([*messages, {"role": "user", "content": rendering.question_html(text)},
                        {"role": "assistant", "content": reply}], history, done, "", gr.update())
                return

            def shown(*values: Any) -> tuple[Any, ...]:
                """``values``, unless New conversation was pressed meanwhile: then nothing changes."""
                return values if conversation == server.conversation(session) else unchanged

            if not (messages and _text(messages[-1]) == WAITING):  # called through the API
                messages = [*messages, {"role": "user", "content": rendering.question_html(text)},
                            {"role": "assistant", "content": WAITING}]
            messages = [dict(m) for m in messages]
            draft = ""
            sentences = server.assistant.settings.max_sentences
            try:
                for item in server.ask(text, history, session, stages=True, choice=chosen):
                    if isinstance(item, Answer):
                        messages[-1]["content"] = rendering.checked_html(item, len(done) + 1, draft)
                        history = [*history, (text, item.text)]
                        keep = server.assistant.settings.max_history_turns
                        history = history[-keep:] if keep else []
                        done = [*done, (text, item)]
                        yield shown(messages, history, done, "", _exported(done, session))
                    elif isinstance(item, Stage):
                        messages[-1]["content"] = rendering.stage_html(item)
                        yield shown(messages, history, done, gr.update(), gr.update())
                    else:
                        draft += item
                        checking = citations.finished(draft, sentences)
                        messages[-1]["content"] = rendering.draft_html(draft, checking)
                        yield shown(messages, history, done, "", gr.update())
            except Stopped:
                messages[-1]["content"] = rendering.stopped_html(draft)
                yield shown(messages, history, done, "Stopped: the model was interrupted.", gr.update())
            except AssistantError as exc:
                problem = wording.problem(str(exc))
                messages[-1]["content"] = f'<span class="problem"><strong>Problem:</strong> {problem}</span>'
                yield shown(messages, history, done, "", gr.update())

        def finish(chosen: Choice, request: gr.Request) -> tuple[Any, ...]:
            if server.asking(request.session_hash or ""):  # a question that replaced this one is under way
                return gr.update(), gr.update(), server.status(chosen)
            return gr.update(interactive=False), gr.update(interactive=True), server.status(chosen)

        def start_over(request: gr.Request) -> tuple[Any, ...]:
            server.new_conversation(request.session_hash or "")
            return [], [], [], "", gr.update(value=None, interactive=False), None, None, None

        def now_stored(tab: list[dict[str, Any]] | None, storage: str | None) -> list[dict[str, Any]]:
            """This tab's list merged with what the browser's storage holds now (another tab may have saved)."""
            return conversations.merged(tab, conversations.stored_in_browser(storage, secret))

        def keep(current_key: str | None, messages: Messages, history: Turns, done: Exchanges,
                 previous: Last | None, stored: list[dict[str, Any]], storage: str | None,
                 request: gr.Request) -> tuple[Any, ...]:
            """The conversation saved in the browser's list as it is now (not while a question is under way)."""
            if server.asking(request.session_hash or "") or not messages:
                return gr.update(), gr.update(), gr.update()
            current_key = current_key or conversations.new_id()
            stored = conversations.kept(now_stored(stored, storage), current_key, messages, history, previous, done)
            return current_key, stored, conversations.rows(stored)

        def pick_past(stored: list[dict[str, Any]], current_key: str | None, storage: str | None,
                      evt: gr.SelectData, request: gr.Request) -> tuple[Any, ...]:
            """A click in the list of past conversations: its question opens it, its Delete deletes it.

            The row is one of this tab's list as shown; what is opened or deleted, and the list shown
            after, are of that list merged with the browser's storage (another tab may have saved).
            """
            row, column = evt.index if isinstance(evt.index, (list, tuple)) else (evt.index, None)
            listed_now = conversations.newest_first(stored)
            unchanged = (gr.update(),) * 10
            if not isinstance(row, int) or not 0 <= row < len(listed_now):
                return unchanged
            clicked = listed_now[row]["id"]
            stored = now_stored(stored, storage)
            if column == 1:
                stored = conversations.without(stored, clicked)
                gone = None if clicked == current_key else gr.update()
                return (*(gr.update(),) * 7, gone, stored, conversations.rows(stored))
            record = conversations.find(stored, clicked)
            if record is None:  # deleted in another tab
                return (*(gr.update(),) * 3, wording.DELETED_ELSEWHERE, *(gr.update(),) * 4, stored,
                        conversations.rows(stored))
            session = request.session_hash or ""
            server.new_conversation(session)  # an answer being made must not come back
            messages, history, done, previous = conversations.opened(record)
            exported = _exported(done, session) if done else gr.update(value=None, interactive=False)
            return (messages, history, done, "", exported, previous, None, record["id"], stored,
                    conversations.rows(stored))

        def halt(request: gr.Request) -> str:
            server.stop_flag(request.session_hash or "").set()
            return "Stopping…"

        def indexing_progress(shown_now: str | None) -> Any:
            """The files being added, as every open page shows them; nothing sent when nothing moved."""
            now = server.indexing.html()
            return gr.update() if now == (shown_now or "") else now

        def add_files(files: list[dict[str, Any]] | None) -> tuple[Any, ...]:
            return add_uploads(server, uploaded_paths(files), gradio_cache()), None

        def ask_removal(paths: list[str], evt: gr.SelectData) -> tuple[Any, ...]:
            """A click on a row's Remove: ask first, naming the file (nothing is removed yet)."""
            row, column = evt.index if isinstance(evt.index, (list, tuple)) else (evt.index, None)
            if column != REMOVE_COLUMN or not isinstance(row, int) or not 0 <= row < len(paths):
                return gr.update(), gr.update(), gr.update()
            summary = next((d for d in server.overview.documents() if d.path == paths[row]), None)
            if summary is None:
                return None, gr.update(visible=False), gr.update()
            return paths[row], gr.update(visible=True), wording.removal_question(summary)

        def drop_upload(removed: gr.DeletedFileData) -> None:
            uploads_module.discard(Path(removed.file.path), gradio_cache())

        def track_uploads(files: list[dict[str, Any]] | None, pending: list[str]) -> list[str]:
            return sorted({*pending, *uploaded_paths(files)})

        def drop_uploads(pending: list[str]) -> list[str]:
            _discard_all(pending)
            return []

        def leave(request: gr.Request) -> None:
            forget_export(request.session_hash or "", gradio_cache())

        def remove_file(path: str | None) -> tuple[Any, ...]:
            if not path:
                return None, gr.update(visible=False), gr.update()
            try:
                chunks = server.assistant.remove(path)
            except AssistantError as exc:
                return None, gr.update(visible=False), wording.not_removed(Path(path).name, str(exc))
            return None, gr.update(visible=False), wording.removed(Path(path).name, chunks)

        def apply_settings(name: str | None, k: Any, chosen: Choice) -> Iterator[tuple[Any, ...]]:
            """This page's model and top-k, checked and the model loaded before they are used."""
            try:
                choice = validated(name, k, available_models(settings.models_dir))
            except AssistantError as exc:
                yield chosen, wording.settings_refused(str(exc)), server.status(chosen)
                return
            if choice.model != chosen.model:
                yield chosen, wording.loading_model(server.model_name(choice)), gr.update()
            try:
                with server.model_lock:
                    server.assistants.load(choice)
            except AssistantError as exc:
                yield chosen, wording.model_refused(server.model_name(choice), str(exc)), server.status(chosen)
                return
            yield choice, wording.settings_applied(server.model_name(choice), choice.top_k), server.status(choice)

        def current(shown: Shown, choice: Choice) -> tuple[Any, ...]:
            """The index and the status as they are now, for a page that shows ``shown`` of them.

            Run on every load and every few seconds, so each open page follows what any page or
            the command line changed; nothing is sent when nothing changed.
            """
            now = (server.overview.generation(), server.status(choice))
            if now == shown:
                return (gr.update(),) * 6
            return (now, _document_rows(server), [f.path for f in server.overview.documents()], now[1],
                    _welcome(server), skipped.markdown(skipped.read(settings.data_dir)))

        outputs = [chatbot, turns, exchanges, notice, export]
        controls = [stop, send]

        def suggested(evt: gr.SelectData) -> str:
            """A suggested question clicked in the empty conversation: it is asked as if typed."""
            return str(evt.value.get("text", "")) if isinstance(evt.value, dict) else ""

        picked = chatbot.example_select(suggested, None, question, queue=False, api_visibility="private")
        began = [chatbot, asked, question, *controls, turns, exchanges, last, editing]
        for trigger, start, given in ((send.click, begin, [question, chatbot, turns, exchanges, editing]),
                                      (question.submit, begin, [question, chatbot, turns, exchanges, editing]),
                                      (picked.then, begin, [question, chatbot, turns, exchanges, editing]),
                                      (regenerate.click, again, [chatbot, turns, exchanges, last])):
            trigger(start, given, began, queue=False, api_visibility="private") \
                .then(answer, [question, chatbot, turns, exchanges, asked, chosen], outputs, api_name="ask",
                      show_progress_on=chatbot, concurrency_id="model",
                      api_visibility="private" if start is again else "public") \
                .then(finish, chosen, [*controls, status], queue=False, api_visibility="private") \
                .then(keep, [key, chatbot, turns, exchanges, last, kept, in_storage], [key, kept, past],
                      js=READ_STORED, queue=False, api_visibility="private")
        edit.click(edit_last, last, [question, editing, notice], queue=False, api_visibility="private")
        stop.click(halt, None, notice, queue=False, api_visibility="private")
        for reset in (new.click, chatbot.clear):
            reset(start_over, None, [*outputs, last, editing, key], queue=False, api_visibility="private")
        past.select(pick_past, [kept, key, in_storage], [*outputs, last, editing, key, kept, past],
                    js=READ_STORED, queue=False, api_visibility="private")
        save.click(lambda done, history: save_case(server, done, history), [exchanges, turns], notice,
                   api_visibility="private")
        # Gradio's copies of uploads: deleted once added or refused, removed from the list, or when the page
        # is left. The handlers take the upload list unprocessed (preprocess=False): Gradio's processing
        # would refuse a type not in file_types itself, before add_uploads could report it and delete the
        # copy, and it leaves an empty scratch file in the cache each time it runs.
        uploads.upload(track_uploads, [uploads, pending], pending, queue=False, api_visibility="private",
                       preprocess=False)
        uploads.delete(drop_upload, None, None, queue=False, api_visibility="private")
        uploads.clear(drop_uploads, pending, pending, queue=False, api_visibility="private")
        page.unload(leave)
        # Indexing has a queue of its own: questions are answered meanwhile (the store's readers go on
        # while it writes; the embedder takes turns slice by slice).
        added = add.click(lambda: PENDING, None, library_notice, queue=False, api_visibility="private").then(
            add_files, uploads, [library_notice, uploads], show_progress="hidden", preprocess=False,
                  concurrency_id="indexing", api_visibility="private")
        documents.select(ask_removal, listed, [to_remove, confirm, confirm_text], queue=False,
                         api_visibility="private")
        remove_no.click(lambda: (None, gr.update(visible=False)), None, [to_remove, confirm], queue=False,
                        api_visibility="private")
        removed = remove_yes.click(remove_file, to_remove, [to_remove, confirm, library_notice],
                                   concurrency_id="indexing", api_visibility="private")
        apply.click(apply_settings, [model, top_k, chosen], [chosen, settings_notice, status],
                    concurrency_id="model", api_visibility="private", show_progress="hidden")
        index_shown = [shown, documents, listed, status, chatbot, not_indexed]

        def loaded() -> tuple[Any, ...]:
            """A page (re)loaded: the index as it is, and the models folder as it is now.

            The controls start at the server's settings, which a new session uses (``chosen``); they
            are not set again here, where a value typed in the first moments would be overwritten.
            """
            return (*current(None, default_choice(server.assistant)), gr.update(choices=_choices(server)))

        page.load(loaded, None, [*index_shown, model], api_visibility="private")
        page.load(conversations.rows, kept, past, api_visibility="private")
        refresh = gr.Timer(REFRESH_S)
        refresh.tick(current, [shown, chosen], index_shown, api_visibility="private",
                     show_progress="hidden",
                     queue=False)
        refresh.tick(indexing_progress, indexing_now, indexing_now, api_visibility="private",
                     show_progress="hidden", queue=False)
        for changed in (added, removed):
            changed.then(lambda choice: current(None, choice), chosen, index_shown, api_visibility="private",
                         show_progress="hidden", queue=False)
    return cast(gr.Blocks, page)


def gradio_cache() -> Path:
    """Gradio's cache folder, where a browser's uploads land and the files the page offers are kept."""
    return Path(gr.utils.get_upload_folder())


def uploaded_paths(files: list[dict[str, Any]] | None) -> list[str]:
    """The paths of Gradio's copies in the File component's unprocessed value, a list of FileData dicts.

    Gradio has already checked that each is in its cache (a path a client names elsewhere is refused).
    """
    return [str(f["path"]) for f in files or [] if isinstance(f, dict) and f.get("path")]


def _discard_all(paths: list[str] | None) -> None:
    for name in paths or []:
        uploads_module.discard(Path(name), gradio_cache())


def add_uploads(server: Server, files: list[str], cache: Path,
                on_file: Callable[[int, str], None] | None = None) -> str:
    """Index each uploaded file (Gradio's copy in ``cache``), then delete that copy; the notice to show."""
    lines = []
    server.indexing.begin([Path(name).name for name in files])  # every page shows each file's progress
    try:
        for i, name in enumerate(files):
            path = Path(name)
            if on_file:
                on_file(i, path.name)
            server.indexing.reading(i)
            try:
                report = server.assistant.add_upload(path, path.name, on_embedded=server.indexing.reporter(i))
                lines.append(f"- {wording.upload_result(path.name, report)}")
            except AssistantError as exc:
                lines.append(f"- {wording.upload_refused(str(exc))}")
            finally:
                server.indexing.finished(i)
                uploads_module.discard(path, cache)  # kept in the uploads folder, or refused: not needed here
    finally:
        server.indexing.end()
    return "\n".join(lines) or "Choose files first."


def _overview_reply(server: Server, text: str) -> str | None:
    """The reply to a greeting or a question about the documents themselves; None for a question."""
    kind = asks_for_overview_english(text)
    if kind is None:
        return None
    documents = server.overview.documents()
    return wording.overview_reply(documents, kind, suggested_questions(documents, count=1))


def _welcome(server: Server) -> Any:
    """The empty conversation: the documents and a few questions to start from."""
    documents = server.overview.documents()
    return gr.update(placeholder=wording.welcome(documents),
                     examples=[{"text": q} for q in suggested_questions(documents)])


def _text(message: dict[str, Any]) -> str:
    """A chat message's text, whether its content is a string or a list of parts (as Gradio hands it back)."""
    content = message.get("content")
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def export_path(session: str, cache: Path) -> Path:
    """Where a session's conversation is written for the export button: one file per session.

    Inside Gradio's cache, so Gradio serves it where it is instead of copying it to a new folder
    for every answer; the folder's name is a hash of the session, never the session itself.
    """
    key = hashlib.sha256(session.encode("utf-8")).hexdigest()[:32]
    return cache / EXPORTS / key / "conversation.md"


def export_conversation(done: Exchanges, session: str, cache: Path) -> Path:
    """Write the conversation as Markdown over the session's last export, and return its path."""
    path = export_path(session, cache)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".part")
    scratch.write_text(rendering.conversation_markdown(done), encoding="utf-8")
    os.replace(scratch, path)  # a download in progress reads the old file or the new one, never half
    return path


def forget_export(session: str, cache: Path) -> None:
    """Delete a session's export when its page is closed."""
    shutil.rmtree(export_path(session, cache).parent, ignore_errors=True)


def _exported(done: Exchanges, session: str) -> Any:
    """The conversation as a Markdown file for the export button."""
    return gr.update(value=str(export_conversation(done, session, gradio_cache())), interactive=True)


def save_case(server: Server, done: Exchanges, history: Turns) -> str:
    """Save the conversation's last checked answer as a test case; the notice the page shows.

    An answer from a reopened conversation (``conversations.Reopened``) is not saved: the browser
    keeps no passages or prompt to make a test case of (see :mod:`assistant.conversations`).
    """
    if not done:
        return "Nothing to save yet: ask a question first."
    question_text, last = done[-1]
    if isinstance(last, conversations.Reopened):
        return ("Not saved: this answer was given before the conversation was reopened, and the browser "
                "keeps what it showed, not the passages and prompt a test case needs. "
                "Press Regenerate to answer it again, then save.")
    target = server.assistant.settings.saved_cases
    target.parent.mkdir(parents=True, exist_ok=True)
    line = record_exchange(server.assistant, question_text, history[:-1], last, target)
    return (f"Saved this exchange as test case {rendering.inert(str(line['id']))} in "
            f"{rendering.inert(target.name)}; the command assistant replay checks it again.")


def _made_files(page: gr.Blocks) -> list[str]:
    """Every file the page made and may serve: uploads received, exports written."""
    return [f for files in list(page.temp_file_sets) for f in list(files)]


def _private_gradio_folder() -> None:
    """Give Gradio a cache folder of this server's own, unless GRADIO_TEMP_DIR names one.

    Gradio's default, /tmp/gradio, is shared by every Gradio app on the machine and readable by
    other users; this one is made with mode 0700 and deleted when the server stops.
    """
    if os.environ.get("GRADIO_TEMP_DIR"):
        return
    folder = tempfile.mkdtemp(prefix="assistant-page-")
    os.environ["GRADIO_TEMP_DIR"] = folder
    os.environ.setdefault("GRADIO_EXAMPLES_CACHE", os.path.join(folder, "examples"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


STOP_WAIT_S = 5


def serve(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, open_browser: bool = False) -> None:
    """Serve the page behind :class:`~assistant.http_safety.HttpSafety` (headers, no cross-site access)."""
    import uvicorn

    _private_gradio_folder()
    finished = assistant.index_left_uploads(progress=True)
    if finished:
        print(f"uploads an earlier stop left unindexed: {finished.summary()}", flush=True)
    server = Server(assistant)
    server.load_model()
    page = build(server)
    page.queue(default_concurrency_limit=1)
    # System fonts: the default theme would ask Google Fonts for its typefaces.
    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    # Mounted on an app of ours rather than launched, so our middleware stands in front of Gradio's
    # own (which grants CORS to every localhost origin).
    safe = http_safety.protected_app(host, http_safety.made_by(lambda: _made_files(page)),
                                     own_only=(f"{originals.ROUTE}/",))
    safe.mount("/v1", openai_api.create(server))  # before the page, which takes every other path
    safe.mount(originals.ROUTE, originals.create(originals.Originals(assistant.store)))  # a cited PDF
    app = gr.mount_gradio_app(
        safe, page, path="/", server_name=host, server_port=port,
        show_error=True, theme=theme, allowed_paths=[],
        max_file_size=int(assistant.settings.max_upload_mb * 1_000_000),
        css_paths=[ASSETS / "page.css"], head=(ASSETS / "head.html").read_text(encoding="utf-8"))
    url = f"http://{host}:{port}"
    print(f"serving on {url} (OpenAI-compatible API at {url}/v1)", flush=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, [url]).start()
    # An open page keeps a connection open for as long as it is shown: a stop (Ctrl+C, SIGTERM) waits
    # for running requests a few seconds, not for every tab to be closed.
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=STOP_WAIT_S)
