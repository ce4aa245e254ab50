"""The answering flow: condense → retrieve → select evidence → assemble → generate → verify.

Nothing here knows about the CLI or the web page; both call :meth:`Answerer.ask`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from assistant import citations
from assistant.embedding import Vector
from assistant.evidence import EvidenceSelector, pieces
from assistant.follow_up import answer_names, is_follow_up, points_back_past
from assistant.kinds import answers_kind
from assistant.lexical import terms
from assistant.llm import Generator, complete
from assistant.names import named_identifiers, proper_names, unnamed
from assistant.prompting import Templates, Turn, fit
from assistant.question_parts import naming_words, question_parts, split_between
from assistant.refusal import FocusCheck, missing_kind, unstated_default
from assistant.retrieval import Retriever
from assistant.sentences import sentence_spans
from assistant.shapes import answer_shape, fits
from assistant.types import Answer, Chunk, Citation, Hit, Passage, Sentence, Timings

OnText = Callable[[str], None]
_JOINED = re.compile(r"^(?:and|also|then)\s+(?=(?:what|which|who|whom|whose|where|when|why|how)\b(?!\s+about\b))",
                     re.IGNORECASE)


@dataclass(frozen=True)
class AnswerConfig:
    n_ctx: int = 2048
    max_answer_tokens: int = 14
    max_sentences: int = 1
    model_may_refuse: bool = False
    max_sentence_chars: int = 60
    model_sentences: int = 1
    model_tries: int = 3
    retry_ratio: float = 0.75
    quote_source: bool = True
    follow_up_hits: int = 1
    answer_prompt: str = "short"
    fallback: str = "best"
    focus_check: bool = True
    names_check: bool = True
    split_questions: bool = True
    kind_check: bool = True
    second_document_ratio: float = 0.9
    relevance_floor: float = 0.22
    condense: str = "concat"
    max_history_turns: int = 4


class Answerer:
    def __init__(
        self,
        retriever: Retriever,
        evidence: EvidenceSelector,
        generator: Generator,
        templates: Templates,
        config: AnswerConfig,
    ) -> None:
        self.retriever, self.evidence, self.generator = retriever, evidence, generator
        self.templates, self.config = templates, config
        self.focus = FocusCheck(retriever.embedder)

    @property
    def budget(self) -> int:
        return self.config.n_ctx - self.config.max_answer_tokens

    def condense(self, question: str, history: list[Turn]) -> str:
        """A follow-up rewritten to stand alone; the question itself when it stands on its own."""
        if not history or (self.config.condense != "always" and not is_follow_up(question)):
            return question
        before, answer = history[-1]
        # what the answer named goes with it: "in that same release" is the one it gave
        names = answer_names(answer, f"{before} {question}")
        concat = " ".join([before.strip(), *([f"({' '.join(names)})"] if names else []), question.strip()])
        if self.config.condense != "model":
            return concat
        fitted = fit(self.templates["condense"], self.generator, self.budget, question,
                     history=history[-self.config.max_history_turns :])
        grammar = 'root ::= " "? [^\\n?]{3,200} "?" "\\n"'
        rewrite = complete(self.generator, fitted.prompt, grammar, 64).strip()
        return rewrite if _resolves(question, rewrite, history) else concat

    def ask(self, question: str, history: list[Turn] | None = None, on_text: OnText | None = None) -> Answer:
        """Answer ``question`` from the index, with citations, or refuse.

        A question asking two things at once, or one thing of each of two named documents, is
        answered part by part (see :mod:`assistant.question_parts`), and the answers joined.
        """
        history = list(history or [])[-self.config.max_history_turns :] if self.config.max_history_turns else []
        parts = question_parts(question) if self.config.split_questions else [question]
        if len(parts) == 1 and self.config.split_questions:
            parts = split_between(question, [Path(p).name for p in self.retriever.lexical.files()])
        if len(parts) > 1:
            return self._in_parts(question, parts, history, on_text)
        t0 = time.perf_counter()
        return self._answered(question, self.condense(question, history), on_text, time.perf_counter() - t0)

    def _in_parts(self, question: str, parts: list[str], history: list[Turn], on_text: OnText | None) -> Answer:
        """Each part answered on its own, then joined. A later part that points back ("..., and to
        which group?", "which package provides that?") is searched for with the first part before it."""
        answers: list[Answer] = []
        first = self.condense(parts[0], history)
        files = [Path(p).name for p in self.retriever.lexical.files()]
        for part in parts:
            if answers and on_text:
                on_text(" ")
            # "And which command updates Rust?": the "and" joined the two questions, and is no part of the
            # second; what follows it may still point back ("And what does it cost?").
            part = _JOINED.sub("", part)
            # A later part that names something the first does not may ask about another document ("...,
            # and which facility does dnsmasq use for its debugging output?"), its "its" standing for that
            # name; one that names nothing new goes on about the first's ("..., and since which release
            # has that been possible?").
            named = ({*proper_names(part), *named_identifiers(part), *naming_words(part, files)}
                     - {*proper_names(first), *named_identifiers(first), *naming_words(first, files)})
            standalone = first if not answers else (
                f"{first} {part}" if points_back_past(part, named) or len(set(terms(part))) < 2 else part)
            answers.append(self._answered(part, standalone, on_text, 0.0, same_documents=not answers or not named))
        return joined(question, answers, self.templates.refusal())

    def _answered(self, question: str, standalone: str, on_text: OnText | None, condense_s: float,
                  same_documents: bool = True) -> Answer:
        t1 = time.perf_counter()
        vector = self.retriever.embedder.embed([standalone])[0]
        hits = self._retrieve(question, standalone, vector, same_documents)
        stressed = question if standalone != question else ""
        passages = self.evidence.select(standalone, vector, hits, self.retriever.lexical, stressed)
        t2 = time.perf_counter()
        return self.answer_from(question, standalone, passages, hits, on_text, Timings(t2 - t1, 0.0, condense_s))

    def _retrieve(self, question: str, standalone: str, vector: Vector, same_documents: bool = True) -> list[Hit]:
        """The chunks for ``standalone``; for a follow-up also the best ``follow_up_hits`` chunks
        for its own words, which the question joined before it outweighs. With ``same_documents``
        only from the documents found for it joined: "Which kind of display is left out of that
        default?" goes on about pv's manual, not about another document's "Display Problems"."""
        hits = self.retriever.retrieve(standalone, vector)
        if standalone == question or not self.config.follow_up_hits:
            return hits
        have, sources = {h.chunk.id for h in hits}, {h.chunk.source for h in hits}
        own = [h for h in self.retriever.retrieve(question)
               if h.chunk.id not in have and (h.chunk.source in sources or not same_documents)]
        return [*hits, *own[: self.config.follow_up_hits]]

    def answer_from(
        self,
        question: str,
        standalone: str,
        passages: list[Passage],
        hits: list[Hit] | None = None,
        on_text: OnText | None = None,
        before: Timings | None = None,
    ) -> Answer:
        """The answer from ``passages`` already chosen: everything of :meth:`ask` after retrieval.

        The regression harness calls it to replay a recorded case with its recorded
        passages (frozen context); ``before`` carries the retrieval and condensing times.
        """
        before = before or Timings()
        t0 = time.perf_counter()
        refusal = self.templates.refusal()
        base = dict(question=question, standalone_question=standalone, hits=tuple(hits or ()))
        why = None
        if not passages or max(p.score for p in passages) < self.config.relevance_floor:
            why = "the best evidence scores under the relevance floor"
        if not why and self.config.names_check:
            why = unnamed(question, self._documents_text([h.chunk for h in hits or ()] or [p.chunk for p in passages]))
        if not why and self.config.focus_check:
            evidence = " ".join(p.text for p in passages)
            why = self.focus.reason(question, [h.chunk.text for h in hits or ()], evidence)
        if why:
            spent = Timings(before.retrieval_s + time.perf_counter() - t0, 0.0, before.generation_s)
            return Answer(refusal, (), True, (), spent, passages=tuple(passages),
                          notes=(f"refused: {why}",), **base)  # type: ignore[arg-type]

        quote_only = self.config.answer_prompt == "quote"
        template = self.templates["answer" if quote_only else self.config.answer_prompt]
        # A follow-up condensed by concatenation reads as two questions, and the model answers the
        # first; it is asked the question as asked, beside evidence retrieved for both.
        asked = question if self.config.condense != "model" else standalone
        size = self.config.model_sentences or len(passages)
        tries = 1 if quote_only else max(1, min(self.config.model_tries, -(-len(passages) // size)))
        t1 = time.perf_counter()
        for attempt in range(tries):
            # The model reads the next sentences when its answer from the best ones did not hold.
            lo, hi = attempt * size, (attempt + 1) * size
            read = passages[lo:hi]
            fitted = fit(template, self.generator, self.budget, asked, read)
            # Only the first try is streamed: the reader sees one answer being written, not two.
            shown = on_text if attempt == 0 else None
            raw = "" if quote_only else self._generate(fitted.prompt, fitted.passages, template.head, shown)
            # The checks weigh every evidence sentence, also those the model did not read
            # (but not one that the prompt had no room for).
            pool = [*passages[:lo], *fitted.passages, *passages[hi:]]
            if raw.strip() == self.templates.refusal():
                break
            sentences, fallback = checked(raw, pool, question, standalone, self.config, fitted.passages)
            if not fallback or not (_nothing_copied(raw, fitted.passages, standalone) or _not_of_kind(raw, question)):
                break
            if attempt == 0 and _holds_shape_asked(question, fitted.passages):
                break  # the model missed the flag its sentence names ("--generate-hashes"); the sentence is quoted
            if attempt == 0:
                first = (fitted, raw, pool, sentences)
            # A sentence scoring far below the best is unlikely to hold what the best one lacks.
            if hi >= len(passages) or passages[hi].score < self.config.retry_ratio * passages[0].score:
                fitted, raw, pool, sentences = first
                break
        else:
            fitted, raw, pool, sentences = first
        t2 = time.perf_counter()
        timings = Timings(before.retrieval_s, t1 - t0, (t2 - t1) + before.generation_s)
        rest = dict(passages=tuple(pool), prompt=fitted.prompt, raw_output=raw, **base)
        if raw.strip() == refusal:
            return Answer(refusal, (), True, (), timings, **rest)  # type: ignore[arg-type]
        why = None
        if self.config.focus_check:
            # What is shown must hold the kind asked for (a year for "in what year"), not only some
            # evidence sentence the answer was not taken from.
            why = (missing_kind(question, " ".join(s.text for s in sentences))
                   or unstated_default(question, *_units_shown(sentences, pool)))
        if not why and fallback and self.config.focus_check and _nothing_copied(raw, fitted.passages, standalone):
            # The model guessed, and the sentence quoted instead does not count what was asked.
            why = self.focus.uncounted(question, sentences[0].text)  # the quote, not a second document's
        if why:
            return Answer(refusal, (), True, (), timings, notes=(f"refused: {why}",),
                          **rest)  # type: ignore[arg-type]
        text = citations.render(sentences)
        return Answer(text, _citations(sentences, pool), False, tuple(sentences),
                      timings, fallback=fallback, **rest)  # type: ignore[arg-type]

    def _documents_text(self, found: list[Chunk]) -> str:
        """The whole text of the documents ``found`` belong to, with their names and titles (of a
        document the index no longer holds, as in a replayed recording, the chunks found)."""
        chunks = [*found, *self.retriever.store.chunks_of(sorted({c.source for c in found}))]
        names = {f"{c.source} {c.title}" for c in chunks}
        return " ".join([*sorted(names), *(c.text for c in chunks)])

    def _generate(self, prompt: str, passages: list[Passage], head: str, on_text: OnText | None) -> str:
        """The model's answer to ``prompt``, streamed to ``on_text``, stopped once the grammar is done.

        With one sentence to cite and one sentence to write, the grammar leaves nothing to choose
        once the citation opens: the rest is written here, not asked of the model token by token.
        """
        pieces: list[str] = []
        only = passages[0].n if len(passages) == 1 and self.config.max_sentences == 1 else None
        # Closed here, not whenever the garbage collector gets to it: a stopped answer's
        # stream must release the model before the next question uses it.
        stream = self.generator.stream(prompt, self.grammar(passages), self.config.max_answer_tokens, head)
        try:
            for piece in stream:
                text = "".join(pieces)
                if only is not None and "[" in text + piece:
                    piece = (text + piece)[: (text + piece).index("[")][len(text):] + f"[{only}]."
                pieces.append(piece)
                if on_text:
                    on_text(piece)
                if citations.finished("".join(pieces), self.config.max_sentences):
                    break
        finally:
            getattr(stream, "close", lambda: None)()
        return "".join(pieces)

    def grammar(self, passages: list[Passage]) -> str:
        """The GBNF the model's answer over ``passages`` must follow."""
        return citations.grammar(passages, self.templates.refusal(), self.config.max_sentences,
                                 self.config.model_may_refuse, self.config.max_sentence_chars)


def _units_shown(sentences: list[Sentence], passages: list[Passage]) -> tuple[list[str], list[str]]:
    """The shown sentences, a quote cut into the units it joins, each with the headings over it and the
    term it explains: what a sentence is about when it does not say ("Deprecations › IM image format"),
    and which list item a "(default)" belongs to."""
    by_n = {p.n: p for p in passages}
    texts: list[str] = []
    headings: list[str] = []
    for sentence in sentences:
        units = [u for n in sentence.markers if n in by_n for u in pieces(by_n[n])]
        quoted = [(text, heading) for text, heading in units if text.strip() and text.strip() in sentence.text]
        for text, heading in quoted or [(sentence.text, " ".join(heading for _, heading in units[:1]))]:
            texts.append(text)
            headings.append(heading)
    return texts, headings


def checked(
    raw: str, passages: list[Passage], question: str, standalone: str, config: AnswerConfig,
    read: list[Passage] | None = None,
) -> tuple[list[Sentence], bool]:
    """What the answer shows of the model's ``raw`` output over ``passages`` (of which it ``read`` those
    in its prompt), and whether it differs from it.

    Every check after generation, in one place, so that a replay can rescore a recorded
    output without running the model.
    """
    sentences, fallback = verify(raw, passages, standalone, config.fallback, read)
    if config.kind_check:
        sentences, fallback = _trusted_or_quoted(sentences, fallback, passages, question)
    if config.quote_source and not fallback:
        sentences = _with_sources(sentences, passages)
    return _second_document(sentences, passages, config.second_document_ratio), fallback


def _with_sources(sentences: list[Sentence], passages: list[Passage]) -> list[Sentence]:
    """The passages the short answer was copied from, quoted whole, the answer highlighted inside:
    the reader sees complete sentences, never a cut phrase, and where in them the answer lies. The
    quote ends with the unit that holds the answer: the units the model read after it add nothing.
    A phrase not found as written in its source is dropped for the source alone."""
    by_n = {p.n: p for p in passages}
    out: list[Sentence] = []
    for sentence in sentences:
        for n in sentence.markers:
            if n in by_n and not any(n in s.markers for s in out):
                text = _through(by_n[n], _find(sentence.text, by_n[n].text))
                quote = citations.check(text, (n,), passages)
                out.append(replace(quote, highlight=_find(sentence.text, quote.text)))
    return out or sentences


def _through(passage: Passage, span: tuple[int, int] | None) -> str:
    """The passage's text up to the end of the unit holding ``span``; all of it without one."""
    if span is None:
        return passage.text
    ends = [b for b in passage.breaks if b >= span[1]]
    return passage.text[: ends[0]].rstrip() if ends else passage.text


def _find(phrase: str, text: str) -> tuple[int, int] | None:
    """Where ``phrase`` stands in ``text`` (case and spacing aside), unless it is all of it."""
    words = phrase.rstrip(" .").split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    found = re.search(rf"(?<!\w){pattern}(?!\w)", text, re.IGNORECASE)
    if not found or _same(found.group(), text):
        return None
    return found.span()


def verify(
    raw: str, passages: list[Passage], question: str = "", fallback: str = "best", read: list[Passage] | None = None
) -> tuple[list[Sentence], bool]:
    """The supported part of ``raw``, each sentence citing a passage that supports it.

    A small model often says one right thing, cites the wrong neighbour, and then
    runs on. So each real sentence inside a cited span is checked on its own,
    first against the passages it cites and then against the others it ``read`` (all, without
    ``read``), and kept only with a citation that holds. Words the model wrote that only a passage
    it never saw holds ("in the Jupyter notebook" for "Where do I report a vulnerability?") are its
    guess, not a reading of that passage. When nothing holds, the passage that best
    overlaps the model's words is quoted instead. The flag says whether the
    answer differs from what the model wrote. ``fallback="best"`` quotes the
    best-scoring passage instead: a short answer has too few words to point at
    the right one. A sentence that only repeats the
    question's words ("The company is the company") or an earlier sentence says
    nothing, and is dropped too.
    """
    kept, rewritten = supported(raw, passages, question, read)
    if kept:
        return kept, rewritten
    if fallback == "best":
        best = min(passages, key=lambda p: p.n)
    else:
        best = max(passages, key=lambda p: (_overlap(raw, p.text), -p.n))
    return [citations.check(best.text, (best.n,), passages)], True


def supported(raw: str, passages: list[Passage], question: str = "",
              read: list[Passage] | None = None) -> tuple[list[Sentence], bool]:
    """The sentences of ``raw`` that a passage supports (one the model ``read``, when given: see
    :func:`verify`), and whether any sentence was dropped or had its citation moved."""
    movable = None if read is None else {p.n for p in read}
    kept: list[Sentence] = []
    rewritten = False
    asked = frozenset(terms(question))
    for text, markers in citations.parse(raw):
        for start, end in sentence_spans(text):
            piece = text[start:end]
            sentence = None
            if _says_more(piece, question, asked) and not any(_same(k.text, piece) for k in kept):
                sentence = citations.supported_by(piece, markers, passages, asked, movable)
            if sentence is not None:
                kept.append(sentence)
            rewritten = rewritten or sentence is None or sentence.markers != markers
    return kept, rewritten


def _holds_shape_asked(question: str, read: list[Passage]) -> bool:
    """Whether what the model read holds something written as code, a path or an address that the
    question asks for and does not say ("Which pip-compile flag adds hashes?" over "pip-compile
    offers the --generate-hashes flag"): a sentence that names one answers, whatever the model wrote."""
    shape = answer_shape(question)
    return shape in ("code", "path", "address") and any(fits(shape, question, p.text) for p in read)


def _nothing_copied(raw: str, read: list[Passage], question: str) -> bool:
    """Whether the model's answer shares no word with what it read, beyond the question's: it
    guessed ("Dr. Zhang") because the sentence does not hold the answer."""
    answer = " ".join(text for text, _ in citations.parse(raw))
    said = (set(terms(answer)) - set(terms(question))) | (_compounds(answer) - _compounds(question))
    text = " ".join(p.text for p in read)
    return not said & (set(terms(text)) | _compounds(text))


# A name joined of words ("build.ninja", "x86_64", "--keep-going", "/usr/lib"): one thing, new as a
# whole even where the question says each of its words ("Which build file does ninja look for?").
_COMPOUND = re.compile(r"--?[A-Za-z][\w-]*|[\w-]+(?:[./_][\w-]+)+")


def _compounds(text: str) -> set[str]:
    return {m.group().lower() for m in _COMPOUND.finditer(text)}


def _says_more(piece: str, question: str, asked: frozenset[str]) -> bool:
    """Whether ``piece`` says something the question does not: a word of its own, or a name joined
    of the question's words ("build.ninja")."""
    return bool(set(terms(piece)) - asked or _compounds(piece) - _compounds(question))


def _not_of_kind(raw: str, question: str) -> bool:
    """Whether the model's answer lacks the kind the question asks for ("Tianjin" for "how many?")."""
    return not answers_kind(question, " ".join(text for text, _ in citations.parse(raw)))


def _trusted_or_quoted(
    sentences: list[Sentence], rewritten: bool, passages: list[Passage], question: str
) -> tuple[list[Sentence], bool]:
    """The model's answer when it stands as written and is of the kind asked for; otherwise a
    quote of the passage it rests on, or else of the best passage, that holds that kind.

    A short answer whose marker had to be moved, or that names a place when asked "how many?",
    is the small model copying the wrong span: the sentence around it is the safer answer.
    ``question`` is the question as asked, not condensed: a follow-up decides its own kind.
    """
    if not rewritten and answers_kind(question, " ".join(s.text for s in sentences)):
        return sentences, rewritten
    cited = {n for s in sentences for n in s.markers}
    fitting = [p for p in passages if answers_kind(question, p.text)]
    best = min(fitting, key=lambda p: (p.n not in cited, p.n)) if fitting else passages[0]
    return [citations.check(best.text, (best.n,), passages)], True


def _second_document(sentences: list[Sentence], passages: list[Passage], ratio: float) -> list[Sentence]:
    """The answer plus a quote of the best passage from another document when that passage
    scores within ``ratio`` of the best: a question spanning two documents needs both, and
    a small model answers from one. A ratio above 1 turns this off."""
    if not passages or ratio > 1:
        return sentences
    by_n = {p.n: p for p in passages}
    used = {by_n[n].chunk.source for s in sentences for n in s.markers if n in by_n}
    floor = ratio * max(p.score for p in passages)
    other = [p for p in passages if p.chunk.source not in used and p.score >= floor]
    if not other or not used:
        return sentences
    return [*sentences, citations.check(other[0].text, (other[0].n,), passages)]


def joined(question: str, answers: list[Answer], refusal: str) -> Answer:
    """The answers to a question's parts as one answer: the answered parts' sentences with their
    passages numbered on from the part before, and for a part the documents do not answer, a
    sentence saying so. Refused only when every part is."""
    timings = Timings(*(sum(getattr(a.timings, f) for a in answers)
                        for f in ("retrieval_s", "prompt_s", "generation_s")))
    hits = tuple({h.chunk.id: h for a in answers for h in a.hits}.values())
    common = dict(question=question, standalone_question=" ".join(a.standalone_question for a in answers),
                  hits=hits, prompt="\n\n".join(a.prompt for a in answers if a.prompt),
                  raw_output="\n".join(a.raw_output for a in answers if a.raw_output),
                  notes=tuple(f"{a.question} {note}" for a in answers for note in a.notes))
    if all(a.refused for a in answers):
        return Answer(refusal, (), True, (), timings, passages=tuple(p for a in answers for p in a.passages),
                      **common)  # type: ignore[arg-type]
    sentences: list[Sentence] = []
    passages: list[Passage] = []
    for answer in answers:
        if answer.refused:
            sentences.append(Sentence(f'The documents do not answer "{answer.question}"', (), True))
            continue
        offset = len(passages)
        number = {p.n: n for n, p in enumerate(answer.passages, start=offset + 1)}
        passages += [replace(p, n=number[p.n]) for p in answer.passages]
        # A passage that answers two parts is shown once.
        sentences += [replace(s, markers=tuple(number[m] for m in s.markers if m in number))
                      for s in answer.sentences if not any(_same(s.text, t.text) for t in sentences)]
    return Answer(citations.render(sentences), _citations(sentences, passages), False, tuple(sentences), timings,
                  passages=tuple(passages), fallback=any(a.fallback for a in answers),
                  **common)  # type: ignore[arg-type]


def _same(a: str, b: str) -> bool:
    """Sentences equal but for case, spacing and closing punctuation."""
    def norm(s: str) -> str:
        return " ".join(s.lower().split()).rstrip(" .!?")
    return norm(a) == norm(b)


def _overlap(a: str, b: str) -> int:
    return len(set(terms(a)) & set(terms(b)))


def _citations(sentences: list[Sentence], passages: list[Passage]) -> tuple[Citation, ...]:
    by_n = {p.n: p for p in passages}
    order = dict.fromkeys(n for s in sentences for n in s.markers if n in by_n)
    return tuple(Citation.of(by_n[n]) for n in order)


def _resolves(question: str, rewrite: str, history: list[Turn]) -> bool:
    """A rewrite is usable when it keeps the follow-up's terms and adds one from the history."""
    asked, got = set(terms(question)), set(terms(rewrite))
    earlier = set(terms(" ".join(u + " " + a for u, a in history)))
    keeps = not asked or len(asked & got) * 2 >= len(asked)
    return bool(rewrite) and keeps and bool((got - asked) & earlier)
