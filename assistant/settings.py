"""One typed settings object, loaded once and passed down.

Precedence, highest first: keyword arguments (the CLI's flags), environment
variables ``ASSISTANT_<FIELD>``, the TOML settings file (``assistant.toml`` in
the working directory, or the file named by ``ASSISTANT_SETTINGS_FILE``), then
the defaults below.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings import (
    SettingsError as PydanticSettingsError,
)

from assistant.errors import SettingsError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
"""The repository's root when the package runs from a checkout (the repository or an editable install)."""
BUNDLED_PROMPTS = PACKAGE_DIR / "prompts"
"""The templates a built wheel carries: setup.py copies the repository's prompts/ here at build time."""


def from_checkout() -> bool:
    """True when the package runs from the repository, false when it was installed from a wheel.

    A wheel carries its templates in ``assistant/prompts/``; a checkout has none there and keeps
    them in ``prompts/`` beside the package. Only a checkout supplies the defaults that live in
    the repository (``seeds/``, ``models/``, ``prompts/``); an installed package never reads or
    writes beside itself in site-packages.
    """
    return not BUNDLED_PROMPTS.is_dir() and (PROJECT_ROOT / "prompts").is_dir()


def _default_prompts() -> Path:
    return PROJECT_ROOT / "prompts" if from_checkout() else BUNDLED_PROMPTS


def _default_docs() -> list[Path]:
    return [PROJECT_ROOT / "seeds"] if from_checkout() else []


def _default_models() -> Path:
    return PROJECT_ROOT / "models" if from_checkout() else Path("models")


def _settings_file() -> Path:
    return Path(os.environ.get("ASSISTANT_SETTINGS_FILE", "assistant.toml"))


class Settings(BaseSettings):
    """Every knob of the assistant, each described."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid")

    # Where things live
    data_dir: Path = Field(
        Path(".assistant-data"),
        description="Folder of the persistent Chroma index and the lexical index. A relative path is "
        "taken from the working directory, installed or not: the default keeps the index in "
        ".assistant-data/ of the folder you run the command in.",
    )
    collection: str = Field("documents", description="Name of the Chroma collection.")
    chroma_url: str | None = Field(
        None,
        description="Address of a running Chroma server (e.g. http://localhost:8000, started with "
        "`chroma run --path FOLDER --port 8000`) that holds the vectors instead of data_dir. data_dir "
        "still holds the lexical index (lexical.sqlite3), the writer lock and the uploads, so a server "
        "collection belongs to the one data_dir that made it; another gets a clear error. Empty means "
        "the local folder data_dir.",
    )
    docs: list[Path] = Field(
        default_factory=_default_docs,
        description="Files or folders that `assistant index` reads when given none. Default: seeds/ "
        "of the repository when run from a checkout; nothing when installed (name them: "
        "`assistant index PATH...`).",
    )
    prompts_dir: Path = Field(
        default_factory=_default_prompts,
        description="Folder of the prompt templates. Default: prompts/ of the repository when run from "
        "a checkout, else the copy inside the installed package; point it at a folder of your own "
        "(the same file names) to change them.",
    )
    models_dir: Path = Field(
        default_factory=_default_models,
        description="Folder where a user drops GGUF files. Default: models/ of the repository when run "
        "from a checkout, else models/ in the working directory.",
    )
    uploads_dir: Path | None = Field(
        None, description="Folder that keeps files uploaded in the browser. Empty means data_dir/uploads."
    )
    saved_cases: Path = Field(
        Path("recordings/saved.jsonl"),
        description="JSONL file that the browser's \"Save as test case\" appends to (a regression recording).",
    )
    max_upload_mb: float = Field(5.0, gt=0, description="Largest file the browser accepts for upload, in MB.")
    max_file_mb: float = Field(
        10.0, gt=0,
        description="Largest file `assistant index` reads, in MB; a larger one is reported and skipped "
        "and the rest indexed (embedding takes in some 10 KB of text a second on two cores, so 10 MB is about "
        "a quarter of an hour).",
    )
    max_question_chars: int = Field(
        2000, ge=1,
        description="Longest question accepted, in characters; a longer one is refused with a message "
        "before anything is retrieved or generated (the model queue is shared).",
    )
    writer_wait_s: float = Field(
        0.0, ge=0,
        description="Seconds an index run or upload waits for another process writing to the same "
        "data_dir; 0 stops at once with a message. Readers never wait.",
    )

    # Models
    model: str | None = Field(
        None,
        description="GGUF to answer with: a file name in models_dir or a path. "
        "Empty means the bundled Gemma 3 270M.",
    )
    model_url: str | None = Field(
        None,
        description="API root of an OpenAI-compatible model server to answer with instead of a GGUF in this "
        "process, e.g. http://127.0.0.1:8080/v1 (llama.cpp's server, vLLM, Ollama). Set n_ctx to the "
        "server's context size. Empty means in-process llama.cpp.",
    )
    model_api_key: SecretStr | None = Field(
        None, description="Bearer key the model server at model_url asks for; empty sends none."
    )
    model_name: str | None = Field(
        None, description="Model to ask at model_url; empty means the first model the server lists."
    )
    model_grammar_field: str = Field(
        "grammar",
        description="Request field that carries the answer's GBNF grammar to the model server: \"grammar\" "
        "for llama.cpp's server and llama-cpp-python's, \"guided_grammar\" for vLLM; empty sends none (Ollama), "
        "and then only the support check holds the answer to its sources.",
    )
    model_timeout_s: float = Field(
        120.0, gt=0, description="Seconds to wait for the model server to connect or send its next token."
    )
    embedding_model: str | None = Field(
        None,
        description="sentence-transformers folder. Empty means the bundled all-MiniLM-L6-v2.",
    )
    embedding_batch_size: int = Field(
        4, ge=1,
        description="Texts embedded per batch. Small batches pad little: on 2 cores batches of 4 embedded 1.6 times "
        "the chunks and 2.4 times the evidence sentences a second that batches of 32 did.",
    )
    embedding_backend: Literal["auto", "torch", "onnx", "onnx-int8"] = Field(
        "auto",
        description="What runs the embedding model: \"onnx\" (ONNX Runtime: starts without torch, about 5 s "
        "sooner), \"torch\" (sentence-transformers: the same vectors to 1e-6, so an index built with either "
        "serves both), \"auto\" (onnx for a model it can run, a transformer with mean pooling as the bundled one, "
        "else torch) or \"onnx-int8\" (quantised: other vectors, so an index built with another backend is refused "
        "until indexed again). The ONNX file is exported once (torch is needed that time) into "
        "~/.cache/cited-docs-assistant/encoders/ ($XDG_CACHE_HOME), or data_dir/encoders/ where that cannot be "
        "written.",
    )

    # Chunking
    chunk_tokens: int = Field(
        160, ge=16, description="Target chunk size in cl100k tokens; chunks end on sentences."
    )
    chunk_overlap_tokens: int = Field(
        40, ge=0, description="Tokens of trailing sentences repeated at the start of the next chunk."
    )

    # Retrieval
    top_k: int = Field(5, ge=1, description="Chunks kept after fusing dense and lexical ranks.")
    candidates: int = Field(20, ge=1, description="Hits taken from each ranker before fusion.")
    fusion: Literal["rrf", "dense", "lexical"] = Field(
        "rrf", description="How the dense and lexical rankings combine: reciprocal-rank fusion, or one alone."
    )
    rrf_k: int = Field(60, ge=1, description="The constant k of reciprocal-rank fusion.")
    evidence_sentences: int = Field(
        3, ge=0,
        description="Sentences from the retrieved chunks given to the model as sources [1]..[n]; "
        "0 gives it the retrieved chunks whole (the naive baseline).",
    )
    lexical_weight: float = Field(
        0.7, ge=0.0, le=1.0,
        description="Weight of IDF term overlap against embedding similarity when scoring evidence.",
    )
    follow_up_hits: int = Field(
        1, ge=0,
        description="Chunks retrieved for a follow-up's own words, added to those retrieved for it joined "
        "to the question before it (which outweighs its words).",
    )
    evidence_idf: Literal["retrieved", "index"] = Field(
        "retrieved",
        description="Where the term weights that rank evidence sentences come from: the retrieved sentences "
        "themselves (the documents' topic words count little) or the whole index.",
    )
    evidence_headings: bool = Field(
        False,
        description="Rank each evidence unit together with the headings above it (a section's name "
        "beside the sentences under it).",
    )
    evidence_title: bool = Field(
        False,
        description="Rank each evidence unit together with its document's title (the first line), so that a "
        "sentence saying \"it\" for what the title names still matches a question that names it. It made no "
        "difference on the evaluation suite, and it raises the scores the relevance floor was chosen on: off "
        "by default.",
    )
    evidence_following: int = Field(
        2, ge=0, le=3,
        description="Units after each chosen evidence unit, in the same section, that the model reads with it: "
        "the sentence that matches a question often sets the scene and the next ones answer it. The reader "
        "sees the quote up to the unit holding the answer.",
    )
    evidence_shape_bonus: float = Field(
        0.06, ge=0.0,
        description="Added to an evidence unit's ranking score when it holds something of the shape the "
        "question asks for that the question does not already say: a name for \"who\" or \"which "
        "company\", an option or identifier for \"which option\", a path, a figure or a date.",
    )
    focus_check: bool = Field(
        True,
        description="Refuse when what the question asks for (the CEO in \"Who is the CEO of X?\", the "
        "employees in \"How many employees ...?\", a month or a year) is nowhere in the retrieved "
        "text, not even as a close synonym.",
    )
    names_check: bool = Field(
        True,
        description="Refuse when the question names something exactly (a version such as \"gzip 1.13\", an "
        "identifier such as \"max_connections\", or two or more proper names) that the documents the "
        "evidence comes from never mention.",
    )
    split_questions: bool = Field(
        True,
        description="Answer a question that asks two things at once (\"Which library does A use, and which "
        "option does B take?\") part by part, each part searched for and answered on its own, and join "
        "the answers; a part the documents do not answer is said to be so.",
    )
    relevance_floor: float = Field(
        0.22, description="Best evidence score below which the assistant refuses without asking the model."
    )

    # Generation
    answer_prompt: Literal["answer", "short", "quote"] = Field(
        "short",
        description="Template in prompts_dir the model answers with: \"short\" asks for a short phrase "
        "copied from a source, \"answer\" for one full sentence; \"quote\" asks no model and quotes "
        "the best evidence sentence.",
    )
    kind_check: bool = Field(
        True,
        description="Replace a short answer of the wrong kind (no number for \"how many\", no date for "
        "\"when\") by a quote of the evidence sentence that holds one.",
    )
    second_document_ratio: float = Field(
        0.9, ge=0.0,
        description="Also quote the best evidence sentence from another document when it scores at least "
        "this share of the best score (questions spanning two documents); above 1 turns it off.",
    )
    fallback: Literal["best", "overlap"] = Field(
        "best",
        description="What is quoted when nothing the model wrote passes the support check: the "
        "best-scoring evidence sentence, or the one that shares most words with the model's text.",
    )
    n_ctx: int = Field(2048, ge=256, description="Context window of the model, in its own tokens.")
    max_answer_tokens: int = Field(
        14, ge=8,
        description="Upper bound on the answer's tokens, its citation included. A short phrase and its marker fit; "
        "a phrase that runs on is cut, and the evidence sentence is quoted or the next one read instead "
        "(24 before: 3 more answers right of 325, one fewer, 0.04 s faster at the median).",
    )
    max_sentences: int = Field(
        1, ge=1, description="Upper bound on the cited sentences the grammar lets the model write."
    )
    max_sentence_chars: int = Field(
        60, ge=8, description="Upper bound on the characters of one answer sentence, before its markers."
    )
    quote_source: bool = Field(
        True,
        description="Show a short answer the checks accept as the evidence sentence it was copied from, "
        "quoted whole and cited, with the answer highlighted inside it (never a cut phrase); off shows the "
        "model's phrase as written.",
    )
    model_sentences: int = Field(
        1, ge=0,
        description="How many of the evidence sentences the model reads (the best ones); the rest are "
        "still checked and may be quoted. Fewer is faster. 0 means all of them.",
    )
    model_tries: int = Field(
        3, ge=1,
        description="How many times the model may be asked, each time reading the next evidence "
        "sentences, while its answer shares no word with what it read (a guess) or is not of the kind "
        "asked (no figure for \"how many\"). More finds answers the best sentence lacks, and is slower.",
    )
    retry_ratio: float = Field(
        0.75, ge=0.0,
        description="Ask the model again only when the next evidence sentence scores at least this "
        "share of the best one's score; below it the best sentence is quoted instead.",
    )
    model_may_refuse: bool = Field(
        False,
        description="Let the grammar offer the model the refusal sentence. Off by default: the "
        "bundled base model refuses answerable questions far more often than unanswerable ones, "
        "so the relevance floor decides refusals; turn it on for an instruction-tuned GGUF.",
    )
    temperature: float = Field(0.0, ge=0.0, description="Sampling temperature; 0 is greedy.")
    seed: int = Field(0, description="Sampling seed, fixed so answers repeat.")
    n_threads: int = Field(2, ge=1, description="CPU threads for llama.cpp.")
    n_batch: int = Field(512, ge=1, description="Prompt tokens per llama.cpp batch.")
    condense: Literal["model", "concat", "always"] = Field(
        "concat",
        description="How a follow-up becomes a standalone question: ask the model "
        "(falling back to concat when its rewrite fails a check), or join it to the last question. "
        "Either way only a question that points back ('When was it released?') is a follow-up; "
        "'always' joins every question to the one before, as versions before 0.2 did.",
    )
    max_history_turns: int = Field(4, ge=0, description="Past exchanges kept in a conversation.")
    max_history_chars: int = Field(
        16000, ge=0,
        description="Longest conversation, in characters, that a question may carry (the last "
        "max_history_turns exchanges, questions and answers); a longer one is refused with a message "
        "before anything is retrieved or generated. The page stays under it at the default limits "
        "(4 exchanges of questions up to max_question_chars); a client of the Python or HTTP API may not.",
    )

    # The OpenAI-compatible API that `assistant serve` offers
    api_key: SecretStr | None = Field(
        None,
        description="Bearer key that `assistant serve`'s OpenAI-compatible API (/v1) asks for; a request "
        "without it gets 401. Empty asks none (the server listens on 127.0.0.1 unless --host says otherwise).",
    )

    @property
    def upload_folder(self) -> Path:
        return self.uploads_dir or self.data_dir / "uploads"

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap_tokens >= self.chunk_tokens:
            raise ValueError("chunk_overlap_tokens must be smaller than chunk_tokens")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_settings_file())
        return (init_settings, env_settings, toml)


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning validation failures into one readable error.

    >>> load_settings(top_k=6).top_k
    6
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"settings file {_settings_file()} is not valid TOML: {exc}") from None
    except PydanticSettingsError as exc:  # an environment variable that does not parse
        raise SettingsError(f"invalid settings ({exc}); lists are written as JSON, e.g. '[\"docs\"]'") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise SettingsError(f"invalid settings ({problems}); see `assistant --help`") from None
