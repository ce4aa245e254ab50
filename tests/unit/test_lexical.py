"""The persistent lexical index (SQLite FTS5 in the data folder) and its place in the indexing flow:
BM25 search, writes seen by other connections, the order of writes that a kill cannot turn into a
disagreement with the vectors, and terms copied from the stored chunks instead of rebuilt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeEmbedder

from assistant import lexical as lexical_module
from assistant.chunking import Chunker, chunk_id
from assistant.indexing import index_paths
from assistant.lexical import LEXICAL_FILE, LexicalIndex
from assistant.retrieval import Retriever
from assistant.store import ChromaStore
from assistant.tokens import TiktokenCounter
from assistant.types import Chunk
from assistant.wiring import Assistant


def _chunk(name: str, text: str, start: int = 0) -> Chunk:
    end = start + len(text)
    return Chunk(chunk_id(name, start, text), name, f"/docs/{name}", name, text, start, end, f"sha-{name}")


def _put(index: LexicalIndex, *chunks: Chunk) -> None:
    index.replace({c.path: (c.doc_sha256, [x for x in chunks if x.path == c.path]) for c in chunks})


def test_search_ranks_by_bm25_best_first_and_follows_replacements_and_removals(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path)
    survey = _chunk("survey.txt", "Invoice 77412 from Okonkwo-Brandt covered the bridge survey.")
    roads = _chunk("roads.txt", "Invoice 55555 covered the road repairs and the bridge repairs.")
    lights = _chunk("lights.txt", "The council paid for new lights in the park.")
    _put(index, survey, roads, lights, _chunk("mill.txt", "The mill ground flour."), _chunk("ferry.txt", "A ferry."))
    found = index.search("Who sent invoice 77412 about the bridge?", 10)
    assert [cid for cid, _ in found] == [survey.id, roads.id]
    assert found[0][1] > found[1][1] > 0
    assert index.search("the of and", 10) == [] and index.search("zeppelin", 10) == []
    assert index.count() == 5 and {c.path for c in (survey, roads, lights)} < set(index.files())

    changed = _chunk("survey.txt", "Invoice 90001 covered the lights survey.")
    _put(index, changed)
    assert index.search("77412", 10) == [] and [c for c, _ in index.search("90001", 10)] == [changed.id]
    assert index.files()["/docs/survey.txt"].chunks == 1 and index.count() == 5
    assert index.remove("/docs/survey.txt") == 1 and index.remove("/docs/survey.txt") == 0
    assert index.search("90001", 10) == [] and index.count() == 4


def test_names_and_numbers_are_whole_terms(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path)
    whole = _chunk("a.txt", "Okonkwo-Brandt paid 1,000 pounds.")
    part = _chunk("b.txt", "Okonkwo paid 2.5 pounds.")
    other = _chunk("c.txt", "Nobody paid anything here.")
    _put(index, whole, part, other)
    assert [c for c, _ in index.search("Okonkwo-Brandt", 5)] == [whole.id]
    assert [c for c, _ in index.search("1000", 5)] == [whole.id]
    assert [c for c, _ in index.search("2.5", 5)] == [part.id]


def test_a_chunk_is_found_by_its_file_name_as_well(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path)
    change = _chunk("itsdangerous-CHANGES.rst", "Version 2.0.0: datetime values use timezone.utc.")
    _put(index, change, _chunk("pytz-README.rst", "pytz brings the Olson database to Python."),
         _chunk("000_e935aa2152395e49.txt", "A news article."), _chunk("mill.txt", "The mill ground flour."))
    assert [c for c, _ in index.search("Which timezone object does itsdangerous use?", 5)] == [change.id]
    assert index.search("e935aa2152395e49", 5) == []  # a file name's hash names nothing


def test_a_term_in_half_the_chunks_or_more_is_no_evidence(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path)
    _put(index, _chunk("a.txt", "The bridge is old."), _chunk("b.txt", "The bridge is new."),
         _chunk("c.txt", "A ferry."), _chunk("d.txt", "A mill."))
    assert index.search("bridge", 5) == []  # in two of four chunks: FTS5 weighs it 1e-6
    assert len(index.search("bridge ferry", 5)) == 1


def test_a_term_in_over_a_tenth_of_a_large_index_is_left_out_of_the_query_unless_alone(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path)
    ferry, zeppelin = " on the ferry", " by zeppelin"
    chunks = [_chunk(f"n{i}.txt", f"Note {i}{ferry if i < 1100 else ''}{zeppelin if i % 400 == 0 else ''}.")
              for i in range(3000)]
    _put(index, *chunks)
    zeppelins = {c.id for c in chunks if "zeppelin" in c.text}
    assert {cid for cid, _ in index.search("ferry zeppelin", 50)} == zeppelins  # not 50 ferry notes
    assert len(index.search("ferry", 50)) == 50  # a query of common terms only keeps the rarest


def test_another_connection_sees_writes_at_once_and_the_term_weights_follow(tmp_path: Path) -> None:
    writer, reader = LexicalIndex(tmp_path), LexicalIndex(tmp_path)
    _put(writer, _chunk("a.txt", "The harbour wall."), _chunk("b.txt", "The orchard."))
    rare = reader.idf("harbour")
    assert reader.overlap("harbour wall", "the harbour wall") == 1.0
    _put(writer, *[_chunk(f"h{i}.txt", "The harbour again.") for i in range(5)])
    assert reader.count() == 7 and reader.idf("harbour") < rare
    assert reader.idf("zeppelin") > reader.idf("harbour")


def test_the_retriever_leaves_out_chunks_the_store_does_not_hold(tmp_path: Path) -> None:
    store = ChromaStore(tmp_path, "documents", FakeEmbedder.name)
    index = LexicalIndex(tmp_path)
    held = _chunk("held.txt", "The zeppelin landed at noon.")
    ahead = _chunk("ahead.txt", "A zeppelin flew over the zeppelin hangar.")  # terms written, vectors not yet
    _put(index, held, ahead, *[_chunk(f"other{i}.txt", f"Other note {i}.") for i in range(3)])
    store.add([held], FakeEmbedder().embed([held.text]))
    hits = Retriever(store, index, FakeEmbedder(), top_k=4, candidates=4, fusion="lexical").retrieve("zeppelin")
    assert [h.chunk for h in hits] == [held] and hits[0].lexical_rank == 0


def test_the_lexical_index_is_never_rebuilt_at_start_up(indexed: Assistant, make_assistant: Callable[..., Assistant],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def no(*args: Any) -> Any:
        raise AssertionError("start-up read every chunk")

    monkeypatch.setattr(ChromaStore, "all_chunks", no)
    fresh = make_assistant()
    hits = fresh.retriever.retrieve("Calloway")
    assert hits[0].chunk.source == "harbour.txt" and hits[0].lexical_rank == 0


def test_an_index_without_terms_gets_them_from_the_stored_chunks(indexed: Assistant, data_dir: Path,
                                                                 make_assistant: Callable[..., Assistant],
                                                                 embedder: FakeEmbedder) -> None:
    # A data folder indexed before the lexical index existed: vectors only.
    indexed.lexical.close()
    (data_dir / LEXICAL_FILE).unlink()
    upgraded = make_assistant()
    assert upgraded.retriever.retrieve("Calloway")[0].lexical_rank is None  # dense only until indexed
    embedded = len(embedder.embedded)
    report = upgraded.index()
    assert sorted(report.terms_copied) == ["harbour.txt", "observatory.txt", "orchard.md"]
    assert report.summary().startswith("nothing to do") and "terms of 3 file(s) copied" in report.summary()
    assert len(embedder.embedded) == embedded  # nothing embedded again
    assert upgraded.retriever.retrieve("Calloway")[0].lexical_rank == 0
    assert upgraded.index().terms_copied == []


def test_a_change_of_terms_version_empties_the_index_and_fills_it_again(
    indexed: Assistant, make_assistant: Callable[..., Assistant], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lexical_module, "TERMS_VERSION", lexical_module.TERMS_VERSION + 1)
    again = make_assistant()
    assert again.lexical.count() == 0
    assert len(again.index().terms_copied) == 3 and again.lexical.count() == indexed.store.count()


def test_terms_of_a_file_the_vectors_lack_are_removed_or_written_again(indexed: Assistant, corpus: Path) -> None:
    # As a run killed between taking out a file's vectors and its terms leaves it.
    gone = _chunk("gone.txt", "Terms of a file deleted from the folder.")
    gone = Chunk(gone.id, "gone.txt", str(corpus / "gone.txt"), "", gone.text, 0, 10, "sha-gone")
    harbour = str(corpus / "harbour.txt")
    indexed.store.delete_path(harbour)
    indexed.lexical.replace({gone.path: ("sha-gone", [gone])})
    report = indexed.index()
    assert report.removed == ["gone.txt"] and report.added == ["harbour.txt"]
    assert set(indexed.lexical.files()) == set(indexed.store.indexed_files())
    assert indexed.lexical.count() == indexed.store.count()


class _Killed(BaseException):
    """Like SIGKILL: nothing in the indexing flow catches it."""


class _Clock:
    """Counts writes to the store and the lexical index alike, and 'kills' the run at one of them."""

    def __init__(self, kill_at: int | None) -> None:
        self.kill_at, self.writes = kill_at, 0

    def tick(self) -> None:
        if self.writes == self.kill_at:
            raise _Killed
        self.writes += 1


def _dying(folder: Path, clock: _Clock) -> tuple[ChromaStore, LexicalIndex]:
    class Store(ChromaStore):
        def _call(self, action: Any, write: bool = False) -> Any:
            if write:
                clock.tick()
            return super()._call(action, write)

    class Terms(LexicalIndex):
        def replace(self, files: dict[str, tuple[str, list[Chunk]]]) -> None:
            clock.tick()
            super().replace(files)

        def remove(self, path: str) -> int:
            clock.tick()
            return super().remove(path)

    return Store(folder, "documents", FakeEmbedder.name, max_batch=2), Terms(folder)


def _state(store: ChromaStore, index: LexicalIndex) -> tuple[Any, ...]:
    ids = sorted(c.id for c in store.all_chunks())
    queries = ("harbour 1987", "apple orchard", "comet telescope")
    searched = sorted(cid for q in queries for cid, _ in index.search(q, 50))
    return store.indexed_files(), ids, index.files(), index.count(), searched


def test_a_kill_at_any_write_leaves_store_and_lexical_index_that_the_next_run_makes_whole(
    corpus: Path, tmp_path: Path
) -> None:
    chunker = Chunker(TiktokenCounter(), 16, 4)  # several chunks a file, two a batch: files span batches
    originals = {p.name: p.read_text(encoding="utf-8") for p in corpus.iterdir()}

    def run(folder: Path, kill_at: int | None = None) -> int:
        clock = _Clock(kill_at)
        index_paths([corpus], *_dying(folder, clock), FakeEmbedder(), chunker, group_chunks=1)
        return clock.writes

    def first() -> None:
        for name, text in originals.items():
            (corpus / name).write_text(text, encoding="utf-8")

    def update() -> None:  # one file changed, one deleted, one unchanged
        (corpus / "harbour.txt").write_text("The harbour wall was rebuilt in 1987 by Calloway.\n", encoding="utf-8")
        (corpus / "orchard.md").unlink()

    for changed in (False, True):
        first()
        if changed:
            run(tmp_path / "count-True")
            update()
        writes = run(tmp_path / f"count-{changed}")
        run(tmp_path / f"clean-{changed}")
        want = _state(*_dying(tmp_path / f"clean-{changed}", _Clock(None)))
        assert writes >= 6, writes
        for kill_at in range(writes):
            folder = tmp_path / f"trial-{changed}-{kill_at}"
            first()
            if changed:
                run(folder)
                update()
            with pytest.raises(_Killed):
                run(folder, kill_at)
            # Right after the kill, every file whose vectors are whole has its terms, at the same version.
            store, terms = _dying(folder, _Clock(None))
            held = terms.files()
            for path, state in store.file_states().items():
                if state.complete:
                    assert (held[path].sha256, held[path].chunks) == (state.sha256, state.chunks), kill_at
            run(folder)
            got = _state(*_dying(folder, _Clock(None)))
            assert got == want, f"killed at write {kill_at} of {writes} (update run: {changed})"


def test_a_one_letter_option_is_a_term_of_its_own() -> None:
    from assistant.lexical import terms

    assert "-c" in terms("The -C flag sends CRLF.") and "-c" not in terms("a C compiler, e-mail, x-y")
    assert terms("see -w/--wait") == ["wait", "-w"]
