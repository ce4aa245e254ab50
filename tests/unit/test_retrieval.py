"""Retriever: dense search fused with BM25, and the evidence sentences drawn from its hits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from assistant.chunking import chunk_id
from assistant.evidence import EvidenceSelector
from assistant.lexical import LexicalIndex, TextWeights, normalise_number, numbers, terms
from assistant.retrieval import RARE, Retriever, _naming
from assistant.store import ChromaStore
from assistant.types import Chunk, Hit
from assistant.wiring import Assistant

# "chatter" shares most words of the question, so the fake embedding ranks it first;
# only "survey" holds the rare name and number the question asks about.
TEXTS = {
    "chatter.txt": "What was it for, and who was it from? Nobody knew what it was for or who it was from.",
    "survey.txt": "Invoice 77412 from Okonkwo-Brandt covered the bridge survey.",
    "roads.txt": "Invoice 55555 covered the road repairs on the high street.",
    "lights.txt": "The council paid for new lights on the bridge.",
}
QUESTION = "What was invoice 77412 for, and who was it from?"


def _chunk(name: str, text: str) -> Chunk:
    return Chunk(chunk_id(name, 0, text), name, f"/docs/{name}", name, text, 0, len(text), f"sha-{name}")


def _add(store: ChromaStore, lexical: LexicalIndex, chunks: list[Chunk]) -> None:
    lexical.replace({c.path: (c.doc_sha256, [c]) for c in chunks})
    store.add(chunks, FakeEmbedder().embed([c.text for c in chunks]))


@pytest.fixture()
def lexical(tmp_path: Path) -> LexicalIndex:
    return LexicalIndex(tmp_path / "chroma")


@pytest.fixture()
def store(tmp_path: Path, lexical: LexicalIndex) -> ChromaStore:
    s = ChromaStore(tmp_path / "chroma", "documents", FakeEmbedder.name)
    _add(s, lexical, [_chunk(name, text) for name, text in TEXTS.items()])
    return s


def _sources(hits: list[Hit]) -> list[str]:
    return [h.chunk.source for h in hits]


def test_rrf_ranks_the_chunk_with_the_rare_name_and_number_first(store: ChromaStore, lexical: LexicalIndex) -> None:
    dense = Retriever(store, lexical, FakeEmbedder(), top_k=4, candidates=4, fusion="dense").retrieve(QUESTION)
    assert _sources(dense)[0] == "chatter.txt", "premise: the embedding alone prefers the chatter"
    hits = Retriever(store, lexical, FakeEmbedder(), top_k=4, candidates=4, fusion="rrf").retrieve(QUESTION)
    assert _sources(hits)[0] == "survey.txt"
    assert hits[0].lexical_rank == 0 and hits[0].dense_rank is not None and hits[0].dense_rank > 0
    # first of three lists: BM25, and the chunks holding "77412", which the question names and no other holds
    assert hits[0].score == pytest.approx(1 / 61 + 1 / (61 + hits[0].dense_rank) + 1 / 61)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_rrf_finds_a_name_by_exact_word(store: ChromaStore, lexical: LexicalIndex) -> None:
    hits = Retriever(store, lexical, FakeEmbedder(), top_k=2, candidates=4).retrieve("Who is Okonkwo-Brandt?")
    assert _sources(hits)[0] == "survey.txt"
    assert len(hits) == 2


def test_dense_fusion_follows_the_embedding_order(store: ChromaStore, lexical: LexicalIndex) -> None:
    e = FakeEmbedder()
    hits = Retriever(store, lexical, e, top_k=4, candidates=4, fusion="dense").retrieve(QUESTION)
    expected = [c.source for c, _ in store.query(e.vector(QUESTION), 4)]
    assert _sources(hits) == expected
    assert [h.dense_rank for h in hits] == [0, 1, 2, 3]


def test_lexical_fusion_keeps_only_chunks_with_matching_terms(store: ChromaStore, lexical: LexicalIndex) -> None:
    hits = Retriever(store, lexical, FakeEmbedder(), top_k=4, candidates=4, fusion="lexical").retrieve(QUESTION)
    assert _sources(hits) == ["survey.txt"]
    assert hits[0].lexical_rank == 0


def test_top_k_limits_the_hits(store: ChromaStore, lexical: LexicalIndex) -> None:
    assert len(Retriever(store, lexical, FakeEmbedder(), top_k=1, candidates=4).retrieve(QUESTION)) == 1


def test_given_vector_is_used_instead_of_embedding_again(store: ChromaStore, lexical: LexicalIndex) -> None:
    e = FakeEmbedder()
    Retriever(store, lexical, e, top_k=2, candidates=4).retrieve(QUESTION, e.vector(QUESTION))
    assert e.calls == []


def test_lexical_index_follows_the_store(store: ChromaStore, lexical: LexicalIndex) -> None:
    r = Retriever(store, lexical, FakeEmbedder(), top_k=4, candidates=5, fusion="lexical")
    assert r.retrieve("zeppelin") == []
    _add(store, lexical, [_chunk("air.txt", "A zeppelin landed near the bridge.")])
    assert _sources(r.retrieve("zeppelin")) == ["air.txt"]


def test_settings_choose_the_fusion(make_assistant: Callable[..., Assistant]) -> None:
    for fusion in ("rrf", "dense", "lexical"):
        a = make_assistant(fusion=fusion, top_k=2, candidates=7)
        assert (a.retriever.fusion, a.retriever.top_k, a.retriever.candidates) == (fusion, 2, 7)
        a.index()
        unmatched = a.retriever.retrieve("zeppelin airship")  # a word no document has
        assert len(unmatched) == (0 if fusion == "lexical" else 2)
        if fusion != "dense":  # one word is too little for the bag-of-words embedding
            assert a.retriever.retrieve("Calloway")[0].chunk.source == "harbour.txt"


def test_lexical_terms_numbers_and_overlap() -> None:
    assert terms("The Bridges were designed in 1,000 days") == ["bridg", "design", "1000", "day"]
    assert numbers("It cost 2,400,000 pounds or 2.0 million in 1987.") == {"2400000", "2", "1987"}
    assert normalise_number("1,000") == normalise_number("1000") == "1000"
    index = TextWeights(["apple orchard", "apple cider", "bridge survey"])
    assert index.overlap("apple survey", "bridge survey") > index.overlap("apple survey", "apple orchard")
    assert index.overlap("the of and", "anything") == 0.0
    assert index.overlap("apple", "an apple a day") == 1.0


def test_evidence_picks_the_best_sentences_numbered_with_document_offsets(indexed: Assistant) -> None:
    question = "Which firm designed the breakwater?"
    vector = FakeEmbedder.vector(question)
    hits = indexed.retriever.retrieve(question, vector)
    passages = EvidenceSelector(FakeEmbedder(), count=2, lexical_weight=0.7).select(
        question, vector, hits, indexed.retriever.lexical
    )
    assert [p.n for p in passages] == [1, 2]
    assert passages[0].text == "The engineering firm Calloway and Finch designed the new breakwater."
    assert passages[0].score > passages[1].score
    for p in passages:
        document = Path(p.chunk.path).read_text(encoding="utf-8")
        assert document[p.start : p.end] == p.text
        assert p.chunk.start <= p.start < p.end <= p.chunk.end


def test_evidence_of_no_hits_is_empty() -> None:
    assert EvidenceSelector(FakeEmbedder()).select("q", FakeEmbedder.vector("q"), [], TextWeights([])) == []


def test_markdown_headings_are_never_evidence() -> None:
    text = "# Kestrel Point lighthouse\n\nThe keeper of the Kestrel Point lighthouse is Imogen Varga."
    chunk = Chunk("c1", "kestrel.md", "/docs/kestrel.md", "Kestrel", text, 0, len(text), "sha")
    question = "Who keeps the Kestrel Point lighthouse?"
    passages = EvidenceSelector(FakeEmbedder(), count=2).select(
        question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text])
    )
    assert [p.text for p in passages] == ["The keeper of the Kestrel Point lighthouse is Imogen Varga."]


def test_a_follow_ups_own_words_weigh_double_in_the_ranking() -> None:
    text = ("Over 50 projects were signed at the base in 2018. "
            "The projects fall into five categories such as platforms and funds.")
    chunk = Chunk("c1", "p.txt", "/docs/p.txt", "P", text, 0, len(text), "sha")
    joined = "How many projects were signed at the base in 2018? Which categories do they fall into?"
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0)
    args = (joined, FakeEmbedder.vector(joined), [Hit(chunk, 1.0)], TextWeights([text]))
    assert selector.select(*args)[0].text.startswith("Over 50 projects")
    stressed = selector.select(*args, stressed="Which categories do they fall into?")
    assert stressed[0].text.startswith("The projects fall into five categories")


def test_a_follow_up_is_ranked_by_closeness_to_its_own_words() -> None:
    # The sentence that answered the question before matches the two joined best; the follow-up
    # asks something else, and the sentence nearest its own words in meaning answers it.
    text = ("By default scp now uses the SFTP protocol instead of the legacy scp protocol. "
            "The -O flag makes the client fall back to the legacy one.")
    chunk = Chunk("c1", "news.txt", "/docs/news.txt", "News", text, 0, len(text), "sha")
    joined = "Which protocol does scp now use by default instead of the legacy scp protocol? And which flag?"
    selector = EvidenceSelector(FakeEmbedder(), count=2, lexical_weight=0.0)
    args = (joined, FakeEmbedder.vector(joined), [Hit(chunk, 1.0)], TextWeights([text]))
    assert selector.select(*args)[0].text.startswith("By default scp")
    passages = selector.select(*args, stressed="And which flag?")
    assert passages[0].text.startswith("The -O flag")
    # The score the relevance floor reads stays the joined question's: the ranking alone changed.
    assert max(p.score for p in passages) == max(p.score for p in selector.select(*args))


def test_evidence_embeds_each_sentence_once_across_questions() -> None:
    text = "The keeper is Imogen Varga. The lamp was lit in 2011. Storms come in winter."
    chunk = Chunk("c1", "k.txt", "/docs/k.txt", "K", text, 0, len(text), "sha")
    embedder = FakeEmbedder()
    selector = EvidenceSelector(embedder, count=2)
    lexical = TextWeights([text])
    first = selector.select("Who is the keeper?", FakeEmbedder.vector("Who is the keeper?"), [Hit(chunk, 1.0)], lexical)
    embedded = sum(len(batch) for batch in embedder.calls)
    again = selector.select("Who is the keeper?", FakeEmbedder.vector("Who is the keeper?"), [Hit(chunk, 1.0)], lexical)
    assert again == first
    assert sum(len(batch) for batch in embedder.calls) == embedded == 3


def test_titles_and_label_lines_are_never_evidence_but_list_items_are() -> None:
    text = ("Kestrel lighthouse gets a new keeper\n\nDate: 2024-02-12\n\n"
            "The keeper of the lighthouse is Imogen Varga.\n- Keeper's cottage rent: 40 pounds\n")
    chunk = Chunk("c1", "k.txt", "/docs/k.txt", "K", text, 0, len(text), "sha")
    question = "Who is the new keeper of the Kestrel lighthouse?"
    passages = EvidenceSelector(FakeEmbedder(), count=5).select(
        question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text])
    )
    assert sorted(p.text for p in passages) == [
        # A list item is shown under its heading; a title and a label line are never evidence.
        "Kestrel lighthouse gets a new keeper: Keeper's cottage rent: 40 pounds",
        "The keeper of the lighthouse is Imogen Varga."]


def test_topic_words_shared_by_every_retrieved_sentence_weigh_little() -> None:
    # Every sentence names the reservoir; only one says who is the contractor.
    text = ("The Kessock Reservoir dam in the Fellbrook valley is being made safer. "
            "Kessock Reservoir in the Fellbrook valley supplies the town. "
            "The Kessock Reservoir dam was built in the Fellbrook valley long ago. "
            "Walkers visit Kessock Reservoir in the Fellbrook valley. "
            "Brenlow was chosen as contractor for the Kessock works.")
    chunk = Chunk("c1", "k.txt", "/docs/k.txt", "K", text, 0, len(text), "sha")
    others = ["The harbour has boats.", "The library has books.", "A contractor built the bus depot."]
    lexical = TextWeights([text, *others])
    question = "Which contractor is working on the Kessock Reservoir dam in the Fellbrook valley?"

    def best(idf: str) -> str:
        selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0, idf=idf)
        return selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], lexical)[0].text

    assert best("index").startswith("The Kessock Reservoir dam")
    assert best("retrieved").startswith("Brenlow")


def test_a_how_many_question_gets_a_sentence_with_a_figure_among_its_evidence() -> None:
    text = ("The harbour symposium was held in Tianjin on the 8th. "
            "The harbour symposium discussed the harbour and its future. "
            "The harbour symposium invited speakers from the region. "
            "Nearly one hundred came.")
    chunk = Chunk("c1", "k.txt", "/docs/k.txt", "K", text, 0, len(text), "sha")
    question = "How many people attended the harbour symposium?"
    passages = EvidenceSelector(FakeEmbedder(), count=2, lexical_weight=1.0).select(
        question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text])
    )
    assert passages[0].text.startswith("The harbour symposium")  # an ordinal is no count
    assert passages[-1].text == "Nearly one hundred came."


def test_fusion_ties_break_by_file_and_offset_not_by_the_path_hashing_chunk_id(tmp_path: Path) -> None:
    # Dense ranks a.txt first and BM25 ranks b.txt first: reciprocal-rank fusion ties them. The
    # ids, which hash absolute paths, sort the other way; another checkout must rank the same.
    a = Chunk("zzz", "a.txt", "/x/a.txt", "A", "apple pear plum", 0, 15, "sha-a")
    b = Chunk("aaa", "b.txt", "/x/b.txt", "B", "apple apple apple", 0, 17, "sha-b")
    others = [Chunk(f"c{i}", f"c{i}.txt", f"/x/c{i}.txt", "C", "plum cherry fig", 0, 15, "sha-c")
              for i in range(3)]  # without "apple": they give it a positive BM25 weight
    lexical = LexicalIndex(tmp_path)
    lexical.replace({c.path: (c.doc_sha256, [c]) for c in [a, b, *others]})

    class TwoChunks:
        def query(self, vector: list[float], n: int) -> list[tuple[Chunk, float]]:
            return [(a, 0.9), (b, 0.8)]

        def get(self, ids: list[str]) -> list[Chunk]:
            return [c for c in [a, b, *others] if c.id in ids]

    hits = Retriever(TwoChunks(), lexical, FakeEmbedder()).retrieve("apple")  # type: ignore[arg-type]
    assert hits[0].score == hits[1].score
    assert [h.chunk.source for h in hits] == ["a.txt", "b.txt"]


def test_the_chunks_holding_a_rare_name_the_question_gives_make_a_third_list() -> None:
    # semver's "`^0.2.3` := `>=0.2.3 <0.3.0-0`" was fifth by BM25 and not among the dense candidates;
    # fused from one list it fell under chunks both lists found
    caret = _chunk("caret.md", "* `^1.2.3` := `>=1.2.3 <2.0.0-0`\n* `^0.2.3` := `>=0.2.3 <0.3.0-0`")
    other = [_chunk(f"range{i}.md", f"A comparator set joins comparators; see release 1.4.{i}.") for i in range(6)]
    named = _naming("What comparator set does the caret range ^0.2.3 turn into?", [*other, caret])
    assert named == [caret]
    # a name most candidates hold is the documents' subject, and singles out none
    subject = [_chunk(f"notes{i}.rst", f"Pillow 13.0.0 changes part {i}.") for i in range(RARE + 1)]
    assert _naming("What did Pillow 13.0.0 drop?", subject) == []
    assert _naming("What did Pillow 13.0.0 drop?", subject[:RARE]) == subject[:RARE]
