"""The one place that builds concrete objects from Settings.

Models load lazily: ``assistant index`` never loads the GGUF, and a test can
hand in its own embedder, store or generator.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant import skipped, uploads
from assistant.answering import AnswerConfig, Answerer, OnText
from assistant.chunking import Chunker
from assistant.embedding import Embedder, Reporting, make_embedder
from assistant.errors import IndexStateError, QuestionError, SettingsError
from assistant.evidence import EvidenceSelector
from assistant.indexing import IndexReport, index_paths
from assistant.lexical import LexicalIndex
from assistant.llm import Generator, LlamaCppGenerator, resolve_model
from assistant.onnx_embedding import encoder_cache
from assistant.prompting import Templates, Turn
from assistant.retrieval import Retriever
from assistant.settings import Settings
from assistant.store import ChromaServerStore, ChromaStore, StoredFile, VectorStore, writer_lock
from assistant.tokens import TiktokenCounter
from assistant.types import Answer

# The settings that choose the model; the loaded generator is kept while they stay the same.
_MODEL_SETTINGS = ("model", "models_dir", "model_url", "model_api_key", "model_name", "model_grammar_field")


class Assistant:
    """Index documents and answer questions about them, as the settings say.

    >>> a = Assistant(load_settings())               # doctest: +SKIP
    >>> a.ask("Which company makes the vaccine?").text  # doctest: +SKIP
    """

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        store: VectorStore | None = None,
        generator: Generator | None = None,
        lexical: LexicalIndex | None = None,
    ) -> None:
        self.settings = settings
        if lexical is not None:
            self.__dict__["lexical"] = lexical
        if embedder is not None:
            self.__dict__["embedder"] = embedder
        if store is not None:
            self.__dict__["store"] = store
        if generator is not None:
            self.__dict__["generator"] = generator

    @cached_property
    def embedder(self) -> Embedder:
        s = self.settings
        return make_embedder(s.embedding_model, s.embedding_backend, s.embedding_batch_size,
                             encoder_cache(s.data_dir / "encoders"))

    @cached_property
    def store(self) -> VectorStore:
        s = self.settings
        if s.chroma_url:
            return ChromaServerStore(s.chroma_url, s.data_dir, s.collection, self.embedder.name)
        return ChromaStore(s.data_dir, s.collection, self.embedder.name)

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(self.settings.data_dir)

    @cached_property
    def model_path(self) -> Path:
        return resolve_model(self.settings.model, self.settings.models_dir)

    @cached_property
    def generator(self) -> Generator:
        s = self.settings
        if s.model_url:
            from assistant.remote_llm import ServerGenerator

            key = s.model_api_key.get_secret_value() if s.model_api_key else None
            return ServerGenerator(s.model_url, key, s.model_name, s.model_grammar_field, s.temperature, s.seed,
                                   s.model_timeout_s)
        return LlamaCppGenerator(self.model_path, s.n_ctx, s.n_threads, s.n_batch, s.seed, s.temperature)

    @cached_property
    def templates(self) -> Templates:
        return Templates(self.settings.prompts_dir)

    @cached_property
    def chunker(self) -> Chunker:
        return Chunker(TiktokenCounter(), self.settings.chunk_tokens, self.settings.chunk_overlap_tokens)

    @cached_property
    def retriever(self) -> Retriever:
        s = self.settings
        return Retriever(self.store, self.lexical, self.embedder, s.top_k, s.candidates, s.fusion, s.rrf_k)

    @cached_property
    def answer_config(self) -> AnswerConfig:
        s = self.settings
        return AnswerConfig(
            n_ctx=s.n_ctx, max_answer_tokens=s.max_answer_tokens, max_sentences=s.max_sentences,
            model_may_refuse=s.model_may_refuse, max_sentence_chars=s.max_sentence_chars,
            model_sentences=s.model_sentences, model_tries=s.model_tries, retry_ratio=s.retry_ratio,
            quote_source=s.quote_source,
            follow_up_hits=s.follow_up_hits,
            relevance_floor=s.relevance_floor, condense=s.condense, max_history_turns=s.max_history_turns,
            answer_prompt=s.answer_prompt, fallback=s.fallback, focus_check=s.focus_check,
            names_check=s.names_check, split_questions=s.split_questions,
            kind_check=s.kind_check, second_document_ratio=s.second_document_ratio,
        )

    @cached_property
    def answerer(self) -> Answerer:
        s = self.settings
        evidence = EvidenceSelector(self.embedder, s.evidence_sentences, s.lexical_weight, s.evidence_idf,
                                    s.evidence_headings, s.evidence_shape_bonus, s.evidence_title,
                                    s.evidence_following)
        return Answerer(self.retriever, evidence, self.generator, self.templates, self.answer_config)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the data folder's writer lock (one writer per folder; readers go on meanwhile)."""
        with writer_lock(self.settings.data_dir, self.settings.writer_wait_s,
                         on_wait=lambda note: print(note, file=sys.stderr, flush=True)):
            yield

    def index(self, paths: list[Path] | None = None, progress: bool = False) -> IndexReport:
        targets = list(paths or self.settings.docs)
        if not targets:
            raise SettingsError("nothing to index: name files or folders (assistant index PATH...) "
                                "or set `docs` (docs = [\"folder\"] in assistant.toml)")
        with self.writing():
            report = index_paths(targets, self.store, self.lexical, self.embedder,
                                 self.chunker, progress=progress, max_file_mb=self.settings.max_file_mb)
            skipped.record(self.settings.data_dir, report.loaded, report.skipped)  # for the page's Documents tab
            return report

    def documents(self) -> list[StoredFile]:
        return self.store.files()

    def add_upload(self, file: Path, name: str, progress: bool = False,
                   on_embedded: Callable[[int, int], None] | None = None) -> IndexReport:
        """Keep an uploaded file in the uploads folder and index it (see :mod:`assistant.uploads`).

        A file that cannot be read, is too large, or fails to index raises DocumentError and leaves
        the uploads folder and the index as they were; a file of the same name is never replaced.
        ``on_embedded(done, total)`` hears how many of the file's chunks are embedded, slice by slice.
        """
        s = self.settings
        embedder = Reporting(self.embedder, on_embedded) if on_embedded else self.embedder

        def indexed() -> set[str]:
            return set(self.store.indexed_files())

        def index(target: Path) -> IndexReport:
            return index_paths([target], self.store, self.lexical, embedder, self.chunker, progress=progress,
                               max_file_mb=s.max_file_mb)

        return uploads.add_upload(file, name, s.upload_folder, s.max_upload_mb, self.writing, indexed, index)

    def index_left_uploads(self, progress: bool = False) -> IndexReport | None:
        """Index the uploads an earlier stop kept but did not index; None when there are none.

        A server killed while indexing an upload leaves its copy in the uploads folder; the next
        start finishes the work rather than leave a file there that the Documents list never shows.
        """
        with self.writing():
            left = uploads.left_unindexed(self.settings.upload_folder, set(self.store.indexed_files()))
            if not left:
                return None
            return index_paths(left, self.store, self.lexical, self.embedder, self.chunker, progress=progress,
                               max_file_mb=self.settings.max_file_mb)

    def remove(self, path: str) -> int:
        """Take a file out of the index; an uploaded copy is deleted too, any other file is left alone."""
        with self.writing():
            removed = self.store.delete_path(path)  # vectors before terms, as indexing removes a file
            self.lexical.remove(path)
            kept = Path(path)
            if kept.parent == self.settings.upload_folder.resolve() and kept.is_file():
                kept.unlink()
            return removed

    def reconfigured(self, **changes: Any) -> Assistant:
        """The same index and embedder with other settings; the loaded model is kept if it is the same file."""
        settings = self.settings.model_copy(update=changes)
        same_model = all(getattr(settings, k) == getattr(self.settings, k) for k in _MODEL_SETTINGS)
        generator = self.__dict__.get("generator") if same_model else None
        return Assistant(settings, self.embedder, self.store, generator, self.lexical)

    def check_question(self, question: str, history: list[Turn] | None = None) -> None:
        """Raise QuestionError for a question or conversation that is too long, or not valid text, before any work."""
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionError(f"the question is {len(question):,} characters long, over the limit of "
                                f"{limit:,} (max_question_chars); ask something shorter")
        keep = self.settings.max_history_turns
        used = list(history or [])[-keep:] if keep else []
        joined = sum(len(q) + len(a) for q, a in used)
        if joined > self.settings.max_history_chars:
            raise QuestionError(f"the conversation this question carries is {joined:,} characters long (its last "
                                f"{len(used)} exchanges), over the limit of {self.settings.max_history_chars:,} "
                                "(max_history_chars); start a new conversation")
        for text in [question, *(t for turn in history or [] for t in turn)]:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise QuestionError("the question is not valid text (invalid UTF-8 or a lone surrogate "
                                    "character); type it again or save the terminal's input as UTF-8") from None

    def check_index(self) -> None:
        """Raise IndexStateError when there is nothing to answer from. The lexical index's count is read
        from SQLite only after a write; the store is asked only when that says empty (a Chroma server's
        collection indexed from another data folder has no terms in this one)."""
        if self.lexical.count() == 0 and self.store.count() == 0:
            raise IndexStateError(
                f"the index in {self.settings.data_dir} is empty; run `assistant index` first"
            )

    def ask(self, question: str, history: list[Turn] | None = None, on_text: OnText | None = None) -> Answer:
        self.check_question(question, history)
        self.generator  # noqa: B018  (a bad model file is reported before anything else loads)
        self.check_index()
        return self.answerer.ask(question, history, on_text)
