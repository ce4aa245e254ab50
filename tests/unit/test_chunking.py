"""Chunker: token-sized, sentence-aligned, overlapping chunks with stable ids."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from assistant.chunking import Chunker, chunk_id
from assistant.sentences import sentence_spans
from assistant.tokens import TiktokenCounter
from assistant.types import Chunk, Document


class WordCounter:
    """One token per whitespace-separated word: sums of sentences add up exactly."""

    def count(self, text: str) -> int:
        return len(text.split())


def _doc(text: str, source: str = "doc.txt") -> Document:
    return Document(source, f"/docs/{source}", "Title", text, "sha-" + source)


# 24 sentences of 3 to 8 words, over several lines.
SENTENCES = [
    " ".join(f"w{i}x{j}" for j in range(3 + (i * 5) % 6)) + "." for i in range(24)
]
TEXT = "\n".join(" ".join(SENTENCES[i : i + 4]) for i in range(0, 24, 4)) + "\n"


def _spans(text: str) -> tuple[set[int], set[int]]:
    spans = sentence_spans(text)
    return {s for s, _ in spans}, {e for _, e in spans}


@pytest.fixture()
def chunks() -> list[Chunk]:
    return Chunker(WordCounter(), size=24, overlap=10).chunk(_doc(TEXT))


def test_sentences_fixture_is_what_the_tests_assume() -> None:
    assert len(sentence_spans(TEXT)) == 24
    assert len(TEXT.split()) > 100


def test_chunks_stay_within_the_size(chunks: list[Chunk]) -> None:
    assert len(chunks) > 5
    assert all(WordCounter().count(c.text) <= 24 for c in chunks)
    # Greedy: the next sentence would not have fitted.
    ends = sorted(_spans(TEXT)[1])
    for c in chunks[:-1]:
        following = next(e for e in ends if e > c.end)
        assert WordCounter().count(TEXT[c.start : following]) > 24


def test_chunks_start_and_end_on_sentence_boundaries(chunks: list[Chunk]) -> None:
    starts, ends = _spans(TEXT)
    for c in chunks:
        assert c.start in starts
        assert c.end in ends
        assert c.text.endswith(".")


def test_offsets_slice_the_document(chunks: list[Chunk]) -> None:
    document = _doc(TEXT)
    for c in chunks:
        assert document.text[c.start : c.end] == c.text


def test_chunks_cover_every_sentence_in_order(chunks: list[Chunk]) -> None:
    for start, end in sentence_spans(TEXT):
        assert any(c.start <= start and end <= c.end for c in chunks), TEXT[start:end]
    for prev, nxt in pairwise(chunks):
        assert prev.start < nxt.start and prev.end < nxt.end


def test_next_chunk_starts_with_trailing_sentences_of_the_previous(chunks: list[Chunk]) -> None:
    starts = sorted(_spans(TEXT)[0])
    assert len(chunks) > 3
    for prev, nxt in pairwise(chunks):
        assert nxt.start < prev.end, "every sentence here is shorter than the overlap"
        carried = TEXT[nxt.start : prev.end]
        assert nxt.start in starts
        assert prev.text.endswith(carried)
        assert nxt.text.startswith(carried)
        assert WordCounter().count(carried) <= 10
        # As many trailing sentences as fit: one more would pass the overlap or be the whole chunk.
        before = max(s for s in starts if s < nxt.start)
        assert before <= prev.start or WordCounter().count(TEXT[before : prev.end]) > 10


def test_zero_overlap_gives_disjoint_chunks() -> None:
    chunks = Chunker(WordCounter(), size=20, overlap=0).chunk(_doc(TEXT))
    for prev, nxt in pairwise(chunks):
        assert nxt.start > prev.end


def test_chunks_carry_the_document_fields(chunks: list[Chunk]) -> None:
    for c in chunks:
        fields = (c.source, c.path, c.title, c.doc_sha256)
        assert fields == ("doc.txt", "/docs/doc.txt", "Title", "sha-doc.txt")


def test_over_long_sentence_is_split_on_words_within_the_size() -> None:
    long_sentence = " ".join(f"word{i}" for i in range(53)) + "."
    text = f"Short one here. {long_sentence} Short two here."
    chunks = Chunker(WordCounter(), size=20, overlap=0).chunk(_doc(text))
    assert all(WordCounter().count(c.text) <= 20 for c in chunks)
    assert all(text[c.start : c.end] == c.text for c in chunks)
    # Every word appears, in order, and the long sentence's pieces end on words.
    assert " ".join(c.text for c in chunks).split() == text.split()
    word_ends = {m.end() for m in re.finditer(r"\S+", text)}
    assert all(c.end in word_ends for c in chunks)
    assert any(c.text.startswith("word") and not c.text.endswith(".") for c in chunks)


def test_single_short_document_is_one_chunk() -> None:
    text = "# Heading\n\nOne sentence. Two sentences.\n"
    chunks = Chunker(WordCounter(), size=20, overlap=5).chunk(_doc(text))
    assert len(chunks) == 1
    assert chunks[0].text == "# Heading\n\nOne sentence. Two sentences."
    assert chunks[0].start == 0


def test_empty_document_has_no_chunks() -> None:
    assert Chunker(WordCounter(), size=20, overlap=5).chunk(_doc("\n\n")) == []


def test_overlap_must_be_smaller_than_size() -> None:
    with pytest.raises(ValueError, match="overlap"):
        Chunker(WordCounter(), size=20, overlap=20)


def test_ids_are_stable_across_runs_and_unique() -> None:
    first = Chunker(WordCounter(), 20, 6).chunk(_doc(TEXT))
    second = Chunker(WordCounter(), 20, 6).chunk(_doc(TEXT))
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
    assert all(re.fullmatch(r"[0-9a-f]{32}", c.id) for c in first)
    assert first[0].id == chunk_id(first[0].path, first[0].start, first[0].text)


def test_ids_change_when_the_text_changes() -> None:
    before = Chunker(WordCounter(), 20, 6).chunk(_doc(TEXT))
    edited = TEXT.replace(SENTENCES[-1], SENTENCES[-1].replace("w23x0", "CHANGED"))
    assert edited != TEXT
    after = Chunker(WordCounter(), 20, 6).chunk(_doc(edited))
    assert before[-1].id != after[-1].id
    # Chunks before the edit keep their ids.
    assert before[0].id == after[0].id


def test_ids_differ_between_files_with_the_same_text() -> None:
    a = Chunker(WordCounter(), 20, 6).chunk(_doc(TEXT, "a.txt"))
    b = Chunker(WordCounter(), 20, 6).chunk(_doc(TEXT, "b.txt"))
    assert not {c.id for c in a} & {c.id for c in b}


def test_real_token_count_of_a_chunk_stays_within_the_size() -> None:
    counter = TiktokenCounter()
    text = "\n".join(f"Heading {i}\nThe committee approved item {i} after a short debate" for i in range(20))
    chunks = Chunker(counter, size=32, overlap=8).chunk(_doc(text))
    assert [counter.count(c.text) for c in chunks if counter.count(c.text) > 32] == []


def test_every_chunk_adds_text_beyond_the_previous_chunk() -> None:
    # Three 3-word sentences, then one of 9 words: size 10, overlap 6.
    text = "A1 a2 a3. B1 b2 b3. C1 c2 c3. D1 d2 d3 d4 d5 d6 d7 d8 d9."
    chunks = Chunker(WordCounter(), size=10, overlap=6).chunk(_doc(text))
    assert all(nxt.end > prev.end for prev, nxt in pairwise(chunks)), [c.text for c in chunks]
