"""Words, stems and IDF: the lexical side of retrieval and of the support check.

The lexical index is an SQLite file in the data folder (``lexical.sqlite3``, beside the vectors,
also when the vectors are on a Chroma server): each chunk's content terms (:func:`terms`: stems,
no stop words, numbers normalised) in an FTS5 table ranked by its ``bm25()``, and each file's
sha256 and chunk count. It is written file by file by the indexing flow, in one transaction per
group of files, and read as it is on disk: nothing is loaded or rebuilt at start-up, and a reader
sees another process's writes at its next query (SQLite needs no reopening).
"""

from __future__ import annotations

import importlib.util
import math
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePath

import snowballstemmer

from assistant.errors import StorageError
from assistant.store import storage_error
from assistant.types import Chunk


def _english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, read from its data module alone: importing scikit-learn (and
    scipy with it) for one frozenset costs 1.5 s at every start."""
    found = importlib.util.find_spec("sklearn")
    path = Path(found.origin).parent / "feature_extraction" / "_stop_words.py" if found and found.origin else None
    spec = importlib.util.spec_from_file_location("_sklearn_stop_words", path) if path and path.exists() else None
    if spec is None or spec.loader is None:  # laid out otherwise: the package's own import
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.ENGLISH_STOP_WORDS)


ENGLISH_STOP_WORDS = _english_stop_words()
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*|\d+(?:[.,]\d+)*")
_STEMMER = snowballstemmer.stemmer("english")
# A one-letter option ("-C") or placeholder ("%p", as in "kate %p"): a term, though one letter
_LETTER_OPTION = re.compile(r"(?<![\w.'’%-])[-%][A-Za-z](?![\w'’-])")
# scikit-learn's list, less the number words and ordinals in it: "six" or "third" is an answer.
_COUNTING = frozenset({"one", "two", "three", "four", "five", "six", "eight", "nine", "ten", "eleven", "twelve",
                       "fifteen", "twenty", "forty", "fifty", "sixty", "hundred", "first", "third"})
STOP_WORDS = (frozenset(ENGLISH_STOP_WORDS) - _COUNTING) | {"did", "does", "according", "said", "say", "says"}
# "what's", "it's", "they're", "we'll": a stop word with its verb written short is one too.
_CONTRACTED = re.compile(r"['’](?:s|re|ve|ll|d|m)$")


def normalise_number(token: str) -> str:
    """'1,000' and '1000' compare equal; a trailing '.0' does not matter."""
    plain = token.replace(",", "")
    return plain[:-2] if plain.endswith(".0") else plain


def words(text: str) -> list[str]:
    return [m.group().lower() for m in _WORD.finditer(text)]


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """The stem of ``word``: the same few thousand words recur in every question, and the
    pure-Python stemmer costs more than all the rest of the evidence ranking."""
    return str(_STEMMER.stemWord(word.replace("’", "'")))


def terms(text: str) -> list[str]:
    """Content terms: stems of non-stop words, numbers normalised, and one-letter options as written
    ("-C" is "-c": a question about it finds the line that defines it, not every "c").

    >>> terms("The -C flag sends CRLF; see -w/--wait. %p is the file.")
    ['flag', 'send', 'crlf', 'wait', 'file', '-c', '-w', '%p']
    >>> terms("What's the reason it's Bob's?")
    ['reason', 'bob']
    """
    out: list[str] = []
    for w in words(text):
        if w[0].isdigit():
            out.append(normalise_number(w))
        elif w not in STOP_WORDS and len(w) > 1 and _CONTRACTED.sub("", w) not in STOP_WORDS:
            out.append(_stem(w))
    out.extend(m.group().lower() for m in _LETTER_OPTION.finditer(text))
    return out


def numbers(text: str) -> set[str]:
    return {normalise_number(w) for w in words(text) if w[0].isdigit()}


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


class TermWeights:
    """The IDF of each term among some texts, and how much of a query a text covers."""

    def idf(self, term: str) -> float:
        raise NotImplementedError

    def overlap(self, query: str, text: str) -> float:
        """IDF-weighted share of the query's terms that ``text`` contains, in [0, 1]."""
        wanted = set(terms(query))
        if not wanted:
            return 0.0
        have = set(terms(text))
        total = sum(self.idf(t) for t in wanted)
        return sum(self.idf(t) for t in wanted & have) / total


class TextWeights(TermWeights):
    """Term weights among a fixed list of texts, counted in memory.

    >>> TextWeights(["apple orchard", "apple cider"]).overlap("cider apple", "apple cider")
    1.0
    """

    def __init__(self, texts: Iterable[str]) -> None:
        docs = [set(terms(t)) for t in texts]
        df: Counter[str] = Counter(t for d in docs for t in d)
        self._n = max(len(docs), 1)
        self._df = dict(df)

    def idf(self, term: str) -> float:
        return _idf(self._n, self._df.get(term, 0))


def unsaid_name_terms(chunks: list[Chunk]) -> list[str]:
    """The terms of the file's name that its text never says. A changelog rarely names its project
    ("Version 2.0.0: datetime values use timezone.utc"), its file does ("itsdangerous-CHANGES.rst"), and a
    user asks by the project's name: each chunk of it is found by that name too. A name the text says
    already finds the chunks that say it, and given to every chunk would only blur that. A part of the
    name that is mostly digits ("000_e935aa2152395e49.txt") names nothing a user asks about.

    >>> said = Chunk("a1", "itsdangerous-CHANGES.rst", "/d/itsdangerous-CHANGES.rst", "", "Changes: UTC.", 0, 9, "")
    >>> unsaid_name_terms([said])
    ['itsdanger']
    """
    if not chunks:
        return []
    said = {t for chunk in chunks for t in terms(chunk.text)}
    return [t for t in dict.fromkeys(terms(name_words(chunks[0].source))) if t not in said]


def name_words(source: str) -> str:
    """The words of a file's name, without its extension and the parts that are mostly digits.

    >>> name_words("itsdangerous-CHANGES.rst"), name_words("000_e935aa2152395e49.txt")
    ('itsdangerous CHANGES', '')
    """
    return " ".join(p for p in _NAME_PARTS.split(PurePath(source).stem) if 2 * sum(c.isalpha() for c in p) > len(p))


_NAME_PARTS = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class LexicalFile:
    """What the lexical index holds of one file: the sha256 it was indexed at and its chunk count."""

    sha256: str
    chunks: int


LEXICAL_FILE = "lexical.sqlite3"
# Raised whenever terms() would give other terms for the same text: the index is then emptied and
# filled again from the stored chunks by the next `assistant index` (no embedding needed).
TERMS_VERSION = 5  # 5: "what's" is a stop word; "%p" a term
# Every character a term can hold is part of an FTS5 token: a term is never split again.
_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '-.''%'"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, chunks INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (n INTEGER PRIMARY KEY, id TEXT NOT NULL, path TEXT NOT NULL,
                                   source TEXT NOT NULL, start INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_path ON chunks (path);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_terms USING fts5 (terms, tokenize = "{_TOKENIZER}");
CREATE VIRTUAL TABLE IF NOT EXISTS term_docs USING fts5vocab (chunk_terms, 'row');
"""
_NO_EVIDENCE = 1e-4
_COMMON_SHARE, _COMMON_MIN = 0.1, 1000
_TABLES = ("term_docs", "chunk_terms", "chunks", "files")


class LexicalIndex(TermWeights):
    """BM25 over every indexed chunk, persistent in ``folder/lexical.sqlite3``.

    >>> index = LexicalIndex(Path(".assistant-data"))  # doctest: +SKIP
    >>> index.search("Who designed the breakwater?", 20)  # doctest: +SKIP
    [('3f1c…', 7.42), ...]
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # One connection, shared by the threads of a server under a lock; autocommit, and the
            # transactions are ours (BEGIN IMMEDIATE in _writing).
            self._db = sqlite3.connect(folder / LEXICAL_FILE, timeout=60, isolation_level=None,
                                       check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise storage_error(exc, folder) or exc from None
        self._lock = threading.RLock()
        self._df: dict[str, int] = {}
        self._n = 0
        self._seen = -1  # the database's data_version the cached counts were read at
        try:
            self._create()
        except StorageError:
            if not self._has_tables():  # a read-only folder can be searched if it holds an index
                raise

    def _has_tables(self) -> bool:
        rows = self._db.execute("SELECT name FROM sqlite_master WHERE name = 'chunk_terms'").fetchall()
        return bool(rows)

    def _create(self) -> None:
        with self._writing() as db:
            if db.execute("PRAGMA user_version").fetchone()[0] != TERMS_VERSION:
                for table in _TABLES:
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute(f"PRAGMA user_version = {TERMS_VERSION}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction: all of it is on disk, or (killed, failed) none of it."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                raise storage_error(exc, self.folder, writing=True) or exc from None
            finally:
                self._seen = -1

    def replace(self, files: dict[str, tuple[str, list[Chunk]]]) -> None:
        """Put each file's chunks in place of what the index held of it, for every file at once:
        ``files`` maps a path to the file's sha256 and all its chunks."""
        with self._writing() as db:
            for path, (sha256, chunks) in files.items():
                self._delete(db, path)
                named = unsaid_name_terms(chunks)
                for chunk in chunks:
                    n = db.execute("INSERT INTO chunks (id, path, source, start) VALUES (?, ?, ?, ?)",
                                   (chunk.id, path, chunk.source, chunk.start)).lastrowid
                    db.execute("INSERT INTO chunk_terms (rowid, terms) VALUES (?, ?)",
                               (n, " ".join([*terms(chunk.text), *named])))
                db.execute("INSERT INTO files (path, sha256, chunks) VALUES (?, ?, ?)", (path, sha256, len(chunks)))

    def remove(self, path: str) -> int:
        """Take a file's chunks out; the number taken out."""
        with self._writing() as db:
            return self._delete(db, path)

    @staticmethod
    def _delete(db: sqlite3.Connection, path: str) -> int:
        db.execute("DELETE FROM chunk_terms WHERE rowid IN (SELECT n FROM chunks WHERE path = ?)", (path,))
        removed = db.execute("DELETE FROM chunks WHERE path = ?", (path,)).rowcount
        db.execute("DELETE FROM files WHERE path = ?", (path,))
        return int(removed)

    def clear(self) -> None:
        with self._writing() as db:
            for table in ("chunk_terms", "chunks", "files"):
                db.execute(f"DELETE FROM {table}")

    def files(self) -> dict[str, LexicalFile]:
        """Every file the index holds, by path."""
        with self._lock:
            rows = self._db.execute("SELECT path, sha256, chunks FROM files").fetchall()
        return {path: LexicalFile(sha, int(n)) for path, sha, n in rows}

    def count(self) -> int:
        with self._lock:
            self._refresh()
            return self._n

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The ids of the ``k`` chunks with the highest BM25 score for ``query``'s terms, with the
        score, best first; only chunks holding at least one of the terms. Ties go by file name and
        offset, so that another checkout ranks the same way."""
        wanted = self._selective(terms(query))
        if not wanted or k <= 0:
            return []
        # Each term a quoted phrase, repeated as often as the query repeats it (BM25 counts each).
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in wanted)
        with self._lock:
            rows = self._db.execute(
                "SELECT c.id, -bm25(chunk_terms) FROM chunk_terms JOIN chunks c ON c.n = chunk_terms.rowid "
                "WHERE chunk_terms MATCH ? ORDER BY bm25(chunk_terms), c.source, c.start LIMIT ?",
                (match, k),
            ).fetchall()
        # FTS5 gives a term in half the chunks or more an IDF of 1e-6: a chunk holding only such terms
        # is no lexical evidence at all, and is left out.
        return [(str(cid), float(score)) for cid, score in rows if score > _NO_EVIDENCE]

    def _selective(self, wanted: list[str]) -> list[str]:
        """The query's terms less those in more than a tenth of the chunks (and over 1,000 of them),
        unless every term is: FTS5 reads a term's whole list of chunks to score it, so one common term
        costs more than all the rest at 100k chunks, and weighs little (an IDF of 2.2 or less, against
        about 9 for a rare term). An index of 1,000 chunks or fewer keeps every term."""
        with self._lock:
            self._refresh()
            limit = max(_COMMON_MIN, self._n * _COMMON_SHARE)
            for term in set(wanted) - self._df.keys():
                row = self._db.execute("SELECT doc FROM term_docs WHERE term = ?", (term,)).fetchone()
                self._df[term] = int(row[0]) if row else 0
            kept = [t for t in wanted if self._df[t] <= limit]
            return kept or [min(wanted, key=lambda t: self._df[t])] if wanted else []

    def _refresh(self) -> None:
        """Forget the counts read before another connection (another process) wrote."""
        version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
        if version != self._seen:
            self._n = int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])
            self._df = {}
            self._seen = version

    def idf(self, term: str) -> float:
        with self._lock:
            self._selective([term])  # reads the term's count
            return _idf(max(self._n, 1), self._df[term])

    def close(self) -> None:
        with self._lock:
            self._db.close()
