"""Assistant.ask end to end with the fakes: verification, fallback, refusal, condensing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fakes import FakeEmbedder, FakeGenerator, source_number

from assistant.answering import verify
from assistant.chat import ChatSession
from assistant.errors import IndexStateError
from assistant.evaluation import Case
from assistant.prompting import fit
from assistant.recording import Recorder
from assistant.records import answer_record
from assistant.replay import rescored
from assistant.types import Answer, Chunk, Hit, Passage
from assistant.wiring import Assistant

QUESTION = "Which firm designed the breakwater?"
CALLOWAY = "The engineering firm Calloway and Finch designed the new breakwater."
REFUSAL = "The documents do not say."


def _cite(needle: str, body: str) -> Callable[[str, str | None], str]:
    """A reply that cites whichever numbered source contains ``needle``."""
    return lambda prompt, grammar: f" {body} [{source_number(prompt, needle)}].\n"


def _wrong(needle: str, body: str) -> Callable[[str, str | None], str]:
    """A reply that cites some supplied source other than the one containing ``needle``."""

    def reply(prompt: str, grammar: str | None) -> str:
        right = source_number(prompt, needle)
        return f" {body} [{1 if right != 1 else 2}].\n"

    return reply


def _grammar_markers(grammar: str | None) -> set[int]:
    assert grammar is not None
    line = next(x for x in grammar.splitlines() if x.startswith("marker ::= "))
    return {int(n) for n in re.findall(r'"\[(\d+)\]"', line)}


def _document_text(citation_source: str, corpus: Path) -> str:
    return (corpus / citation_source).read_text(encoding="utf-8")


# --- supported, repaired, unsupported, run-on ------------------------------------------


def test_supported_reply_is_kept_with_a_resolved_citation(
    indexed: Assistant, generator: FakeGenerator, corpus: Path
) -> None:
    generator.queue(_cite("Calloway", "Calloway and Finch"))
    streamed: list[str] = []
    answer = indexed.ask(QUESTION, on_text=streamed.append)

    assert not answer.refused and not answer.fallback
    assert answer.supported == (True,)
    n = answer.citations[0].n
    # The sentence the short answer was copied from, quoted whole, the answer highlighted in it.
    assert answer.text == f"{CALLOWAY[:-1]} [{n}]."
    highlight = answer.sentences[0].highlight
    assert highlight is not None and CALLOWAY[slice(*highlight)] == "Calloway and Finch"
    assert len(answer.citations) == 1
    citation = answer.citations[0]
    assert citation.source == "harbour.txt"
    assert citation.text == CALLOWAY
    assert _document_text("harbour.txt", corpus)[citation.start : citation.end] == CALLOWAY
    harbour_ids = {c.id for c in indexed.store.all_chunks() if c.source == "harbour.txt"}
    assert citation.chunk_id in harbour_ids
    passage = next(p for p in answer.passages if p.n == n)
    assert (passage.chunk.id, passage.start, passage.end) == (citation.chunk_id, citation.start, citation.end)
    assert len(streamed) > 1 and "".join(streamed) == answer.raw_output


def test_reply_citing_the_wrong_passage_is_repaired(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    indexed = make_assistant(kind_check=False)
    indexed.index()
    generator.queue(_wrong("Calloway", "Calloway and Finch designed the breakwater"))
    answer = indexed.ask(QUESTION)
    right = next(p.n for p in answer.passages if p.text == CALLOWAY)
    assert f"[{right}]" not in answer.raw_output
    assert answer.text == f"Calloway and Finch designed the breakwater [{right}]."
    assert [c.text for c in answer.citations] == [CALLOWAY]
    assert answer.fallback
    assert answer.supported == (True,)


def test_short_answer_citing_the_wrong_passage_becomes_a_quote_of_the_right_one(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    generator.queue(_wrong("Calloway", "Calloway and Finch"))
    answer = indexed.ask(QUESTION)
    right = next(p.n for p in answer.passages if p.text == CALLOWAY)
    assert answer.text == f"{CALLOWAY[:-1]} [{right}]."
    assert answer.fallback and answer.supported == (True,)


def test_short_answer_of_the_wrong_kind_becomes_a_quote_holding_the_right_kind(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    generator.queue(_cite("crab", "each year"))  # supported by its source, but not a number
    answer = indexed.ask("How many tonnes of crab do fishing boats land at the harbour?")
    assert answer.fallback and "300 tonnes" in answer.text


def test_short_answer_of_the_right_kind_stands(indexed: Assistant, generator: FakeGenerator) -> None:
    generator.queue(_cite("crab", "about 300 tonnes"))
    answer = indexed.ask("How many tonnes of crab do fishing boats land at the harbour?")
    assert not answer.fallback
    sentence = answer.sentences[0]
    assert sentence.highlight and sentence.text[slice(*sentence.highlight)] == "about 300 tonnes"


def test_a_phrase_not_found_as_written_shows_its_source_alone(indexed: Assistant, generator: FakeGenerator) -> None:
    """A supported phrase that is not a span of its source (words reordered) is never shown as it is:
    the reader sees the whole source sentence, with nothing highlighted."""
    generator.queue(_cite("Calloway", "Finch and Calloway"))
    answer = indexed.ask(QUESTION)
    assert not answer.fallback and answer.text == f"{CALLOWAY[:-1]} [{answer.citations[0].n}]."
    assert answer.sentences[0].highlight is None


def test_unsupported_reply_falls_back_to_quoting_a_supplied_passage(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    generator.queue(_cite("Calloway", "The breakwater was designed by Isambard Brunel"))
    answer = indexed.ask(QUESTION)
    assert answer.fallback and not answer.refused
    assert "Brunel" not in answer.text
    assert len(answer.sentences) == 1 and answer.sentences[0].supported
    citation = answer.citations[0]
    assert citation.text in {p.text for p in answer.passages}
    assert citation.text == CALLOWAY  # the passage sharing most words with the reply
    assert answer.text == f"{CALLOWAY[:-1]} [{citation.n}]."


def test_run_on_reply_keeps_only_its_supported_sentence(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    indexed = make_assistant(kind_check=False)
    indexed.index()
    generator.queue(_cite("Calloway", "Calloway and Finch designed the breakwater. They also built the moon"))
    answer = indexed.ask(QUESTION)
    n = answer.citations[0].n
    assert answer.text == f"Calloway and Finch designed the breakwater [{n}]."
    assert [s.text for s in answer.sentences] == ["Calloway and Finch designed the breakwater."]
    assert answer.fallback  # the answer is not what the model wrote
    assert "moon" in answer.raw_output and "moon" not in answer.text


def test_reply_that_only_repeats_the_question_is_replaced(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    generator.queue(_cite("Calloway", "The firm designed the breakwater"))
    answer = indexed.ask(QUESTION)
    assert answer.fallback
    assert answer.citations[0].text == CALLOWAY


def test_model_refusal_is_an_answer_when_the_grammar_allows_it(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(model_may_refuse=True)
    assistant.index()
    generator.queue(f" {REFUSAL}\n")
    answer = assistant.ask(QUESTION)
    assert answer.refused and answer.text == REFUSAL
    assert answer.citations == () and answer.sentences == ()
    grammar = generator.calls[0].grammar
    assert grammar is not None and "root ::= answer | refusal" in grammar


# --- refusal below the floor ----------------------------------------------------------


def test_question_below_the_relevance_floor_is_refused_without_the_model(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    answer = indexed.ask("What do penguins eat in Antarctica?")
    assert generator.calls == []
    assert answer.refused and answer.text == REFUSAL
    assert answer.citations == () and answer.sentences == ()
    assert answer.passages and all(p.score < indexed.settings.relevance_floor for p in answer.passages)
    record = answer_record(answer)
    assert record["refused"] is True and record["citations"] == []


def test_relevance_floor_setting_decides(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    strict = make_assistant(relevance_floor=1.5)
    strict.index()
    assert strict.ask(QUESTION).refused
    assert generator.calls == []


def test_empty_index_raises_index_error(assistant: Assistant, generator: FakeGenerator) -> None:
    with pytest.raises(IndexStateError, match="is empty; run `assistant index` first"):
        assistant.ask(QUESTION)
    assert generator.calls == []


def test_the_store_is_counted_only_when_the_lexical_index_is_empty(
    indexed: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question over a filled index costs no count of the vector store (4 ms a question with Chroma)."""
    counted: list[int] = []
    real = indexed.store.count
    monkeypatch.setattr(indexed.store, "count", lambda: counted.append(1) or real())
    indexed.check_index()
    assert counted == []
    indexed.lexical.clear()  # the terms gone, the vectors there (a server's collection from elsewhere)
    indexed.check_index()
    assert counted == [1]
    monkeypatch.setattr(indexed.store, "count", lambda: 0)
    with pytest.raises(IndexStateError, match="is empty"):
        indexed.check_index()


# --- what the generator is given ----------------------------------------------------------


def test_the_model_reads_only_the_best_sentence_and_the_checks_weigh_them_all(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(model_sentences=1)
    assistant.index()
    generator.queue(_cite("Calloway", "Calloway and Finch"))
    answer = assistant.ask(QUESTION)
    (call,) = generator.calls
    assert [p.n for p in answer.passages] == [1, 2, 3]  # all three are checked and may be quoted
    sources = call.prompt.rsplit("Sources:\n", 1)[1]
    assert sources == f"[1] {answer.passages[0].text}\nQuestion: {QUESTION}\nAnswer:"
    assert _grammar_markers(call.grammar) == {1}
    assert answer.text == f"{CALLOWAY[:-1]} [1]."


def _reading(n: int, words: int) -> Callable[[str, str | None], str]:
    """A reply copying the first ``words`` words of source [n], which must be the only one shown."""

    def reply(prompt: str, grammar: str | None) -> str:
        (line,) = re.findall(r"^\[(\d+)\] (.*)$", prompt.rsplit("Sources:\n", 1)[1], re.M)
        assert int(line[0]) == n, f"the model was shown source [{line[0]}], not [{n}]"
        return " " + " ".join(line[1].split()[:words]) + f" [{n}].\n"

    return reply


def test_a_guess_sends_the_model_to_the_next_sentence(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(model_sentences=1, retry_ratio=0)
    assistant.index()
    generator.queue(" Dr. Zhang [1].\n", _reading(2, 3))  # a name found nowhere in what it read
    streamed: list[str] = []
    answer = assistant.ask(QUESTION, on_text=streamed.append)
    assert "".join(streamed) == " Dr. Zhang [1]."  # one answer is seen being written, not two
    first, second = generator.calls
    assert _grammar_markers(first.grammar) == {1} and _grammar_markers(second.grammar) == {2}
    assert not answer.fallback and answer.sentences[0].markers == (2,)
    assert answer.raw_output.endswith("[2].")


def test_a_guess_at_a_sentence_naming_the_flag_asked_for_quotes_it(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator, corpus: Path
) -> None:
    (corpus / "compiler.md").write_text(
        "# Compiler\n\nThe compiler offers the --generate-hashes flag to write hashes into its output.\n\n"
        "The compiler writes hashes of every pinned package when asked to.\n", encoding="utf-8")
    assistant = make_assistant(model_sentences=1, retry_ratio=0)
    assistant.index()
    generator.queue(" compiler [1].\n", _reading(2, 3))  # a word of the question: nothing copied
    answer = assistant.ask("Which compiler flag writes hashes into the output?")
    assert len(generator.calls) == 1  # the sentence names a flag the question does not: no other is read
    assert answer.fallback and "--generate-hashes" in answer.text


def test_words_only_a_sentence_the_model_never_saw_holds_are_a_guess(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator, corpus: Path
) -> None:
    (corpus / "security.md").write_text(
        "# Security\n\nIf you find a security hole in Quillpad, please report it to security@quillpad.org.\n\n"
        "# Notebooks\n\nYou can list the notebooks of every running Quillpad server with quill list.\n",
        encoding="utf-8")
    assistant = make_assistant(model_sentences=1, retry_ratio=0)
    assistant.index()
    # words the sentence it read does not hold, and another one does: a guess, not a reading of that one
    generator.queue(" in the Quillpad notebooks [1].\n", _reading(2, 3))
    case = Case("q1", "Where should I report a security hole I found in Quillpad?", [], [["security@"]], [], False)
    line = Recorder(assistant).record(case)
    assert len(generator.calls) == 1
    assert "security@quillpad.org" in line["answer"] and "quill list" not in line["answer"]
    # a replay that checks the recorded output again knows which sentences the model read
    assert rescored(line, assistant.answer_config)["answer"] == line["answer"]


def test_an_answer_copied_from_what_it_read_is_not_asked_again(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(model_sentences=1)
    assistant.index()
    generator.queue(" Calloway and Smith [1].\n")  # half copied: the sentence was on topic
    answer = assistant.ask(QUESTION)
    assert len(generator.calls) == 1
    assert answer.fallback and CALLOWAY[:-1] in answer.text


def test_an_answer_of_the_wrong_kind_sends_the_model_to_the_next_sentence(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(model_sentences=1, retry_ratio=0, model_tries=2)
    assistant.index()

    question = "How many tonnes of crab do fishing boats land at the harbour?"

    def no_figure(prompt: str, grammar: str | None) -> str:
        """Words copied from the one source shown, not the question's, none a figure: not what "how many" asks."""
        (line,) = re.findall(r"^\[1\] (.*)$", prompt.rsplit("Sources:\n", 1)[1], re.M)
        copied = [w for w in line.rstrip(".").split() if w.lower() not in question.lower() and w.isalpha()]
        return " " + " ".join(copied[-2:]) + " [1].\n"

    generator.queue(no_figure, _reading(2, 3))
    assistant.ask(question)
    first, second = generator.calls
    assert _grammar_markers(first.grammar) == {1} and _grammar_markers(second.grammar) == {2}


def test_no_second_try_on_a_sentence_scoring_far_below_the_best(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(model_sentences=1, retry_ratio=1.01)  # no sentence scores above the best
    assistant.index()
    generator.queue(" Dr. Zhang [1].\n")
    answer = assistant.ask(QUESTION)
    assert len(generator.calls) == 1
    assert answer.fallback and answer.sentences[0].markers == (1,)


def test_a_guessed_count_with_no_figure_counting_the_thing_is_refused(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(model_sentences=1)
    assistant.index()
    # "300 tonnes of crab" counts tonnes, not boats; the model made its figure up.
    generator.queue(" 12 [1].\n", " 12 [1].\n")
    answer = assistant.ask("How many fishing boats land crab at Port Ellery each year?")
    assert answer.refused and any("boats" in note for note in answer.notes)
    generator.queue(" 12 [1].\n", " 12 [1].\n")
    answer = assistant.ask("How many tonnes of crab do the fishing boats land each year?")
    assert not answer.refused and "300 tonnes" in answer.text


def test_model_tries_one_asks_the_model_once(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(model_sentences=1, model_tries=1)
    assistant.index()
    generator.queue(" Dr. Zhang [1].\n")
    answer = assistant.ask(QUESTION)
    assert len(generator.calls) == 1 and answer.fallback


def test_with_one_sentence_read_the_citation_is_written_without_the_model(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(model_sentences=1)
    assistant.index()
    generator.queue(" Calloway and Finch [1][1][1].\n")
    streamed: list[str] = []
    answer = assistant.ask(QUESTION, on_text=streamed.append)
    assert answer.raw_output == " Calloway and Finch [1]." == "".join(streamed)


def test_quote_source_off_shows_the_short_answer_alone(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(quote_source=False)
    assistant.index()
    generator.queue(_cite("Calloway", "Calloway and Finch"))
    answer = assistant.ask(QUESTION)
    assert answer.text == f"Calloway and Finch [{answer.citations[0].n}]."


def test_the_stream_stops_once_the_grammar_allows_nothing_more(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    generator.queue(_cite("Calloway", "Calloway and Finch designed the breakwater"))
    streamed: list[str] = []
    answer = indexed.ask(QUESTION, on_text=streamed.append)
    assert answer.raw_output.endswith("].") and "".join(streamed) == answer.raw_output


def test_generator_only_gets_markers_of_the_supplied_passages(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    generator.queue(_cite("Calloway", "Calloway and Finch designed the breakwater"))
    answer = indexed.ask(QUESTION)
    (call,) = generator.calls
    supplied = {p.n for p in answer.passages}
    assert supplied == {1, 2, 3}
    assert _grammar_markers(call.grammar) == supplied
    assert call.max_tokens == indexed.settings.max_answer_tokens
    assert call.prompt == answer.prompt
    sources = call.prompt.rsplit("Sources:\n", 1)[1]
    for p in answer.passages:
        assert f"[{p.n}] {p.text}\n" in sources
    assert sources.endswith(f"Question: {QUESTION}\nAnswer:")
    assert "root ::= answer\n" in call.grammar + "\n"  # model_may_refuse is off by default


def test_prompt_that_must_shrink_drops_passages_from_the_grammar_too(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    wide = make_assistant(answer_prompt="answer")  # the long template: room to shrink above n_ctx's floor
    wide.index()
    three = wide.ask("What do penguins eat in Antarctica?").passages  # refused: no generator call
    assert len(three) == 3
    generator.queue(_cite("Calloway", "Calloway and Finch designed the breakwater"))
    full = wide.ask(QUESTION)
    two = fit(wide.templates[wide.settings.answer_prompt], generator, 10_000, QUESTION, list(full.passages[:2])).tokens
    narrow = make_assistant(n_ctx=two + 48, max_answer_tokens=48, answer_prompt="answer")
    generator.queue(_cite("Calloway", "Calloway and Finch designed the breakwater"))
    answer = narrow.ask(QUESTION)
    assert [p.n for p in answer.passages] == [1, 2]
    assert _grammar_markers(generator.calls[-1].grammar) == {1, 2}
    assert generator.count(generator.calls[-1].prompt) <= two
    assert "[3] " not in generator.calls[-1].prompt.rsplit("Sources:\n", 1)[1]


# --- conversations ----------------------------------------------------------------------

HISTORY = [("When was the harbour wall at Port Ellery rebuilt?", "It was rebuilt in 1987 [1].")]
FOLLOW_UP = "How much did it cost?"


def test_follow_up_is_condensed_by_concatenation(indexed: Assistant, generator: FakeGenerator) -> None:
    generator.queue(_cite("2,400,000", "It cost 2400000 pounds"))
    answer = indexed.ask(FOLLOW_UP, HISTORY)
    assert answer.standalone_question == f"{HISTORY[0][0]} {FOLLOW_UP}"
    assert answer.question == FOLLOW_UP
    assert len(generator.calls) == 1
    assert generator.calls[0].prompt.endswith(f"Question: {FOLLOW_UP}\nAnswer:")  # asked as typed
    assert answer.citations[0].source == "harbour.txt"
    assert "2,400,000 pounds" in answer.citations[0].text
    assert not answer.fallback and answer.supported == (True,)


def test_a_question_that_stands_alone_is_not_joined_to_the_one_before(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    generator.queue(_cite("Reyes", "Tomas Reyes"))
    answer = indexed.ask("Who built the cider press?", HISTORY)
    assert answer.standalone_question == "Who built the cider press?"
    assert [h.chunk.source for h in answer.hits][0] == "orchard.md"


def test_condense_always_joins_every_question(make_assistant: Callable[..., Assistant],
                                             generator: FakeGenerator) -> None:
    assistant = make_assistant(condense="always")
    assistant.index()
    generator.queue(_cite("Reyes", "Tomas Reyes"))
    answer = assistant.ask("Who built the cider press?", HISTORY)
    assert answer.standalone_question == f"{HISTORY[0][0]} Who built the cider press?"


def test_a_follow_up_is_searched_with_the_names_the_answer_before_gave(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    generator.queue(_cite("2,400,000", "It cost 2400000 pounds"))
    history = [("Which release of the harbour plan added the wall?", "That was plan v2.1 [1].")]
    answer = indexed.ask(FOLLOW_UP, history)
    assert answer.standalone_question == f"{history[0][0]} (v2.1) {FOLLOW_UP}"


def test_concat_uses_the_last_user_question(indexed: Assistant, generator: FakeGenerator) -> None:
    history = [("Who designed the breakwater?", "Calloway and Finch [1]."), *HISTORY]
    generator.queue(_cite("2,400,000", "It cost 2400000 pounds"))
    assert indexed.ask(FOLLOW_UP, history).standalone_question == f"{HISTORY[0][0]} {FOLLOW_UP}"


def test_condense_by_model_uses_a_rewrite_that_passes_the_check(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(condense="model")
    assistant.index()
    rewrite = "How much did the harbour wall at Port Ellery cost?"
    generator.queue(f" {rewrite}\n", _cite("2,400,000", "It cost 2400000 pounds"))
    answer = assistant.ask(FOLLOW_UP, HISTORY)
    assert answer.standalone_question == rewrite
    condense_call, answer_call = generator.calls
    assert condense_call.prompt.endswith(
        "User: When was the harbour wall at Port Ellery rebuilt?\nAssistant: It was rebuilt in 1987.\n"
        f"Last question: {FOLLOW_UP}\nStandalone question:"
    )
    assert condense_call.grammar is not None and "marker" not in condense_call.grammar
    assert answer_call.prompt.endswith(f"Question: {rewrite}\nAnswer:")
    assert answer.citations[0].source == "harbour.txt"


@pytest.mark.parametrize("rewrite", [" What is the weather like today?\n", " How much did it cost?\n"],
                         ids=["drops-the-question", "adds-nothing-from-history"])
def test_condense_by_model_falls_back_to_concat_when_the_rewrite_fails(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator, rewrite: str
) -> None:
    assistant = make_assistant(condense="model")
    assistant.index()
    generator.queue(rewrite, _cite("2,400,000", "It cost 2400000 pounds"))
    answer = assistant.ask(FOLLOW_UP, HISTORY)
    assert answer.standalone_question == f"{HISTORY[0][0]} {FOLLOW_UP}"
    assert len(generator.calls) == 2


def test_no_history_means_no_condensing(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(condense="model")
    assistant.index()
    generator.queue(_cite("Calloway", "Calloway and Finch designed the breakwater"))
    assert assistant.ask(QUESTION).standalone_question == QUESTION
    assert len(generator.calls) == 1


def test_max_history_turns_zero_ignores_history(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(max_history_turns=0)
    assistant.index()
    generator.queue(_cite("Calloway", "Calloway and Finch designed the breakwater"))
    assert assistant.ask(QUESTION, HISTORY).standalone_question == QUESTION


def test_chat_session_keeps_and_trims_history(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    assistant = make_assistant(max_history_turns=1)
    assistant.index()
    session = ChatSession(assistant)
    generator.queue(_cite("1987", "The harbour wall was rebuilt in 1987"))
    first = session.ask(HISTORY[0][0])
    assert session.history == [(HISTORY[0][0], first.text)]
    generator.queue(_cite("2,400,000", "It cost 2400000 pounds"))
    second = session.ask(FOLLOW_UP)
    assert second.standalone_question == f"{HISTORY[0][0]} {FOLLOW_UP}"
    assert session.history == [(FOLLOW_UP, second.text)]
    session.reset()
    assert session.history == []


# --- determinism and records ----------------------------------------------------------------


def test_same_question_twice_gives_the_same_answer(indexed: Assistant, generator: FakeGenerator) -> None:
    reply = _cite("Calloway", "Calloway and Finch designed the breakwater")
    generator.queue(reply, reply)
    first, second = indexed.ask(QUESTION), indexed.ask(QUESTION)
    assert first.text == second.text
    assert first.citations == second.citations
    assert first.prompt == second.prompt
    assert [p.n for p in first.passages] == [p.n for p in second.passages]
    assert generator.calls[0] == generator.calls[1]


def test_same_question_in_a_fresh_assistant_gives_the_same_answer(
    indexed: Assistant, generator: FakeGenerator, data_dir: Path, corpus: Path
) -> None:
    generator.queue(_cite("Calloway", "Calloway and Finch designed the breakwater"))
    first = indexed.ask(QUESTION)
    other_generator = FakeGenerator([_cite("Calloway", "Calloway and Finch designed the breakwater")])
    again = Assistant(indexed.settings, embedder=FakeEmbedder(), generator=other_generator).ask(QUESTION)
    assert (again.text, again.citations, again.prompt) == (first.text, first.citations, first.prompt)


def test_answer_record_has_the_eval_fields(indexed: Assistant, generator: FakeGenerator) -> None:
    generator.queue(_cite("Calloway", "Calloway and Finch designed the breakwater"))
    answer: Answer = indexed.ask(QUESTION)
    record = answer_record(answer)
    assert record["answer"] == answer.text
    assert record["citations"][0] == {
        "n": answer.citations[0].n, "source": "harbour.txt", "chunk_id": answer.citations[0].chunk_id,
        "text": CALLOWAY, "start": answer.citations[0].start, "end": answer.citations[0].end,
        "pages": [], "page_label": "",  # a text file has no pages
    }
    assert [s["n"] for s in record["supplied"]] == [1, 2, 3]
    assert record["latency_s"] >= 0 and set(record["timings"]) == {"retrieval_s", "prompt_s", "generation_s"}


# --- verify directly ------------------------------------------------------------------------


def _passage(n: int, text: str) -> Passage:
    chunk = Chunk(f"id{n}", f"d{n}.txt", f"/d/d{n}.txt", "T", text, 0, len(text), "sha")
    return Passage(n, chunk, text, 0, len(text), 0.5)


PASSAGES = [
    _passage(1, CALLOWAY),
    _passage(2, "Astronomer Ingrid Vale discovered the comet Vale-3 there in 2004."),
]


def test_verify_keeps_a_faithful_answer_unflagged() -> None:
    sentences, flagged = verify("Calloway and Finch designed the breakwater [1].\n", PASSAGES, QUESTION)
    assert [(s.text, s.markers, s.supported) for s in sentences] == [
        ("Calloway and Finch designed the breakwater", (1,), True)
    ]
    assert not flagged


def test_verify_drops_a_repeated_sentence() -> None:
    raw = "Calloway and Finch designed it. Calloway and Finch designed it. [1].\n"
    sentences, flagged = verify(raw, PASSAGES, QUESTION)
    assert [s.text for s in sentences] == ["Calloway and Finch designed it."]
    assert flagged


def test_verify_drops_a_repeat_that_lost_its_full_stop_to_the_marker() -> None:
    raw = "Calloway and Finch designed it. Calloway and Finch designed it [1].\n"
    sentences, flagged = verify(raw, PASSAGES, QUESTION)
    assert len(sentences) == 1
    assert flagged


def test_verify_keeps_a_name_joined_of_the_questions_words() -> None:
    # "build.ninja" is new, though the question says "build" and "ninja"; "ninja build" says nothing.
    passages = [_passage(1, "By default, it looks for a file named build.ninja in the current directory.")]
    question = "Which build file does ninja look for?"
    sentences, flagged = verify("build.ninja [1].\n", passages, question)
    assert [s.text for s in sentences] == ["build.ninja"] and not flagged
    _, flagged = verify("ninja build [1].\n", passages, question)
    assert flagged


def test_verify_flags_a_repaired_citation_inside_a_run_on() -> None:
    # Regression: the flag used to compare kept sentences with parse() segments by position.
    raw = "Calloway and Finch designed the breakwater. Ingrid Vale discovered the comet Vale-3 [1].\n"
    sentences, flagged = verify(raw, PASSAGES, QUESTION)
    assert [s.markers for s in sentences] == [(1,), (2,)]  # the second sentence was re-cited
    assert flagged


def test_a_follow_up_also_retrieves_for_its_own_words_from_the_documents_found_for_it_joined(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator
) -> None:
    previous = "When was the harbour wall at Port Ellery rebuilt and what did the harbour wall cost?"
    follow_up = "Who built the cider press there?"
    sources = {}
    for extra in (0, 1):
        assistant = make_assistant(top_k=1, follow_up_hits=extra)
        assistant.index()
        generator.queue(" Tomas Reyes [1].\n")
        answer = assistant.ask(follow_up, [(previous, "It was rebuilt in 1987 [1].")])
        sources[extra] = [h.chunk.source for h in answer.hits]
    assert sources[0] == ["harbour.txt"]  # the question joined before it outweighs its words
    # a conversation goes on about the documents it is about: the orchard's chunk, found for the
    # follow-up's own words, is another document's
    assert sources[1] == ["harbour.txt"]
    # a later part of one question may ask about another document: its own words find it
    answerer = assistant.answerer
    joined = f"{previous} {follow_up}"
    vector = assistant.retriever.embedder.embed([joined])[0]
    hits = answerer._retrieve(follow_up, joined, vector, same_documents=False)
    assert [h.chunk.source for h in hits] == ["harbour.txt", "orchard.md"]


def _parts_searched(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator, monkeypatch: pytest.MonkeyPatch,
    *questions: str,
) -> dict[str, tuple[str, bool]]:
    """Each part of ``questions``: what it was searched for with, and whether only in the documents found."""
    assistant = make_assistant()
    assistant.index()
    answerer, searched = assistant.answerer, {}
    retrieve = answerer._retrieve

    def spy(question: str, standalone: str, vector: list[float], same_documents: bool = True) -> list[Hit]:
        searched[question] = (standalone, same_documents)
        return retrieve(question, standalone, vector, same_documents)

    monkeypatch.setattr(answerer, "_retrieve", spy)
    generator.queue(*[" 1987 [1].\n"] * 2 * len(questions))
    for question in questions:
        answerer.ask(question)
    return searched


def test_a_later_part_naming_nothing_new_is_searched_in_the_first_parts_documents(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:
    searched = _parts_searched(
        make_assistant, generator, monkeypatch,
        "What did the harbour wall at Port Ellery cost, and when was that rebuilt?",
        "What did the harbour wall at Port Ellery cost, and who built the cider press at Hillside Orchard?")
    assert searched["when was that rebuilt?"][1] is True  # goes on about the wall: its documents
    assert searched["who built the cider press at Hillside Orchard?"][1] is False  # names another thing


def test_a_later_part_whose_pronoun_stands_for_its_own_subject_is_searched_alone(
    make_assistant: Callable[..., Assistant], generator: FakeGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:
    searched = _parts_searched(
        make_assistant, generator, monkeypatch,
        "What did the harbour wall at Port Ellery cost, and what does the orchard press in its cellar?",
        "What did the harbour wall at Port Ellery cost, and when was it rebuilt?")
    # "orchard" names orchard.md and is new: "its" is the orchard's
    own = "what does the orchard press in its cellar?"
    assert searched[own] == (own, False)
    assert searched["when was it rebuilt?"][0].startswith("What did the harbour wall")  # "it" is the wall


def test_a_passage_that_answers_two_parts_is_shown_once() -> None:
    from assistant.answering import joined
    from assistant.types import Sentence, Timings

    text = "The adm group may read the journal; the name comes from /usr/adm."
    part = [Answer(f"{text} [1].", (), False, (Sentence(text, (1,), True),), Timings(), q, q,
                   passages=(_passage(1, text),)) for q in ("Which group?", "Where does its name come from?")]
    both = joined("Which group, and where does its name come from?", part, "The documents do not say.")
    assert both.text.count("The adm group") == 1 and both.text.endswith("/usr/adm [1].")
    assert [c.n for c in both.citations] == [1]
