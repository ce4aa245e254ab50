"""Retrieved chunks → the few sentences the model reads, numbered [1]..[n].

A 270M model answers well from a few focused sentences and badly from pages, so
each sentence of the retrieved chunks is scored by embedding similarity to the
question blended with IDF-weighted term overlap, and only the best are kept.
Sentences are ranked with term weights taken among the retrieved sentences
(see :class:`_LocalWeights`); the score a passage carries uses the index's
weights, a steadier scale for the refusal floor to be set on.
"""

from __future__ import annotations

import math
import re

from assistant.chunking import is_markdown, is_underlined, is_wrapped
from assistant.embedding import Embedder, Vector
from assistant.kinds import asked_kind, holds
from assistant.lexical import TermWeights, name_words, terms
from assistant.names import asked_identifiers, identifier_in
from assistant.refusal import counts
from assistant.shapes import answer_shape, fits
from assistant.types import Chunk, Hit, Passage, Unit
from assistant.units import display, units

_Scored = tuple[float, Chunk, int, int, str, float, tuple[int, ...]]  # score, chunk, start, end, text, rank, breaks
_CACHE_LIMIT = 100_000
# A code block is evidence only for a question that asks for code, or for a name written as code
# ("Which environment variable ...?", see :func:`assistant.shapes.answer_shape`), not for one that
# only mentions some ("Where can I put a file with my own helper functions?").
_ASKS_FOR_CODE = frozenset(terms("command commands code example examples syntax snippet invoke invocation script "
                                  "option options flag flags argument arguments parameter parameters keyword "
                                  # "What string does humanize return for ...?": a README's example shows it.
                                  "return returns returned output print prints printed string produce produces"))


_VERSIONED = re.compile(r"\b\d+\.\d+")
# A list item that goes on in the next ("..., --color=auto," / "...; and"): no end to show.
_UNFINISHED = re.compile(r"(?:[,;]|\b(?:and|or))\s*$")


def _units(chunk: Chunk) -> list[Unit]:
    """The chunk's units in document offsets: as stored, or cut now for a chunk stored without them."""
    if chunk.units:
        return list(chunk.units)
    return [Unit(u.start + chunk.start, u.end + chunk.start, u.kind, u.heading, u.label)
            for u in units(chunk.text, markdown=is_markdown(chunk.source), wrapped=is_wrapped(chunk.source),
                           underlined=is_underlined(chunk.source))]


def shown(chunk: Chunk, unit: Unit) -> str:
    """A unit as the model reads it and the reader sees it. A list item, row or definition keeps the
    heading it sits under (a section above its options), a later sentence of a definition its term
    ("broken_system_clock: If this boolean is set ..."), and any unit under a heading that names a
    version (a release above its changes); other prose stands alone."""
    text = _plain(chunk, unit)
    if unit.kind == "prose" and unit.label:
        return f"{unit.label}: {text}"
    if unit.heading and (unit.kind in ("item", "row", "term") or _VERSIONED.search(unit.heading)
                         or _names_code(unit.heading.split(" › ")[-1])):
        return f"{_shown_headings(unit.heading)}: {text}"
    return text


def pieces(passage: Passage) -> list[tuple[str, str]]:
    """The units ``passage`` joins, each as (its text as shown, the headings over it and the term it
    explains): "test with server.listen-backlog = 16 (or lower)" and "(default) server.stat_cache-engine =
    ..." are two list items, whatever the passage shows them as."""
    inside = [u for u in _units(passage.chunk) if passage.start <= u.start < passage.end and u.end <= passage.end]
    texts = [passage.text[a:b] for a, b in zip((0, *passage.breaks), (*passage.breaks, None), strict=True)]
    if len(inside) != len(texts):  # an antecedent read with its unit: one piece
        head = next((u.heading for u in _units(passage.chunk) if u.start == passage.start), "")
        return [(passage.text, head)]
    return [(text, " › ".join(x for x in (u.heading, u.label) if x)) for text, u in zip(texts, inside, strict=True)]


def _plain(chunk: Chunk, unit: Unit) -> str:
    """A unit's own text, without the heading or term :func:`shown` puts before it."""
    local = Unit(unit.start - chunk.start, unit.end - chunk.start, unit.kind, unit.heading, unit.label)
    return display(chunk.text, local, markdown=is_markdown(chunk.source))


def _shown_headings(heading: str) -> str:
    """The last two headings over a unit as the reader sees them: a name in code without its backquotes, a
    title without the colon it ends in ("Images-off mode:" heads Dillo's "You can set ..."; it is shown
    followed by one)."""
    return " › ".join(h.strip("`").removesuffix(":") for h in heading.split(" › ")[-2:])


def _names_code(heading: str) -> bool:
    """Whether a heading is the name of a thing in code (``<reset-dirs />``, ``urllib3.request()``,
    ``CPACK_DEBIAN_COMPRESSION_TYPE``, ``--delay``) whose description follows: its text says "This
    element removes ...", and the name is the answer to "which element ...?"."""
    return len(heading.split()) <= 4 and _CODE_NAME.search(heading) is not None


# "`SIGUSR2`": a heading that was all a literal (see assistant.units)
_CODE_NAME = re.compile(r"^`[^`]+`$|<\w|\w_\w|\w\(\)|(?:^|\s)--?\w|\w(?:\.|::)[a-z_]")


def _candidates(hits: list[Hit], question: str) -> list[tuple[Chunk, int, int, str, str, str, str]]:
    """Every evidence unit of the hits as (chunk, start, end, text, headings, ranked, answered) in document
    offsets, once each: ``text`` as shown, ``ranked`` as scored against the question, without the term a
    definition's later sentence is shown with (repeated on every sentence, it would match each alike);
    ``answered`` the question a FAQ's heading asks when the unit is the first under it (its answer).

    Headings, HTML and (unless the question asks for code) code blocks are never evidence; nor is a line
    of one or two words ("Then"), unless it answers the question over it ("It's impossible.", "No.").
    """
    code = bool(_ASKS_FOR_CODE & set(terms(question))) or answer_shape(question) == "code"
    titled = _ASKS_SECTION.search(question) is not None
    seen: set[tuple[str, int]] = set()
    out: list[tuple[Chunk, int, int, str, str, str, str]] = []
    for hit in hits:
        chunk = hit.chunk
        units_ = _units(chunk)
        for i, unit in enumerate(units_):
            usable = unit.evidence or (code and unit.kind == "code")
            answered = _answering(units_, i)
            said = chunk.text[unit.start - chunk.start : unit.end - chunk.start]
            if unit.kind == "prose" and len(said.split()) < 3 and not (answered and said.rstrip().endswith((".", "!"))):
                usable = False  # "Then", "is equivalent to": a line between examples, no statement
            if usable and (chunk.path, unit.start) not in seen and unit.end <= chunk.end:
                text = shown(chunk, unit)
                if text:
                    seen.add((chunk.path, unit.start))
                    ranked = text.removeprefix(f"{unit.label}: ") if unit.kind == "prose" and unit.label else text
                    start, first, pointing = unit.start, i, ranked
                    # "This option can be omitted" after "Rkhunter will first update its data files." after
                    # "Note that the '--update' option has been included.": read back to the option's name
                    naming = _NAMING.match(said) is not None
                    later = _plain(chunk, unit)  # what is read after the antecedents, shown once under its heading
                    # "This is the default" points back to "A binary created this way", which points back
                    # to "This option makes ...": each is read with the ones it needs, two at most
                    for _ in range(_CHAINED):
                        read = chunk.text[start - chunk.start : unit.end - chunk.start]
                        before = _antecedent(chunk, units_, first, pointing, naming and not fits("code", "", read))
                        if before is None:
                            break
                        said = shown(chunk, before)
                        text, ranked = f"{said} {later}", f"{said.removeprefix(f'{before.label}: ')} {later}"
                        pointing, later = said.removeprefix(f"{before.label}: "), f"{_plain(chunk, before)} {later}"
                        start, first = before.start, units_.index(before)
                    section = unit.heading.split(" › ")[-1].strip("`").removesuffix(":")
                    if unit.heading and section not in text.split(": ", 1)[0] and (
                            titled or _points_to_heading(chunk, units_, first)):
                        text = f"{section}: {text}"  # the section's name is the answer, or what "This option" is
                    out.append((chunk, start, unit.end, text, unit.heading, ranked, answered))
    return out


def _answering(units_: list[Unit], i: int) -> str:
    """The question a heading asks ("How do I enable gzip compression globally?") when unit ``i`` is the
    first under it: in a FAQ, the answer, however few of the question's words it repeats ("It's
    impossible."). Empty for any other unit."""
    unit = units_[i]
    if unit.kind not in ("prose", "item") or not i or units_[i - 1].kind != "heading":
        return ""
    if units_[i - 1].heading != unit.heading:
        return ""
    section = unit.heading.split(" › ")[-1].strip()
    return section if section.endswith("?") else ""


# "Which fish design law says ...?", "Which section covers ...?": the heading over the unit names the answer.
_ASKS_SECTION = re.compile(r"\b(?:which|what)\s+(?:of\s+)?"
                           r"(?:(?!(?:is|are|was|were|do|does|did|can|should|will|would)\b)[\w'’-]+\s+){0,3}?(?:laws?|principles?|rules?|guidelines?"
                           r"|sections?|chapters?|headings?|steps?|stages?|phases?|tenets?)\b", re.IGNORECASE)


# A sentence that opens by pointing back ("This is useful if ...", "These are: _IOFBF for ...", "It had uid 37.",
# "Consequently, the reliability ... will be lower"): the sentence before says what it speaks of, or why.
_ANAPHOR = re.compile(r"(?:This|These|That|Those|It|They|Such)\s+[a-z]|(?:Consequently|Therefore|Thus|Hence|As a result"
                      r"|For this reason|Because of this|In that case|In this case|Otherwise|Instead(?! of\b)),?\s"
                      # "A binary created this way ...", "Note that this option ...", "In this mode, ..."
                      r"|(?:\S+\s+){0,5}?(?:this|these|such)\s+(?:way|option|mode|setting|flag|command|method|approach"
                      r"|feature|variable|directive|parameter|behaviou?r)s?\b"
                      # "If it does, the original will be saved as ...", "If so, ...", "If that fails, ..."
                      r"|If (?:so|not)\b|If (?:it|they|this|that) (?:does|do|did|doesn't|don't|didn't|fails?|happens?"
                      r"|works?|is not|isn't|is the case)\b")


# "This option ...", "These settings ...": what is pointed back to has a name written as code
_NAMING = re.compile(r"(?:This|These|That|Those|The|Such an?)\s+(?:option|flag|switch|setting|variable|directive"
                     r"|parameter|command|argument|keyword)s?\b")


def _antecedent(chunk: Chunk, units_: list[Unit], i: int, text: str, unnamed: bool = False) -> Unit | None:
    """The sentence right before a sentence that points back to it, in the same paragraph: "Using the
    rename override makes cattrs use the provided name." before "This is useful if an attribute name is
    a reserved keyword." Read alone, the second names nothing it speaks of, and is no answer. ``unnamed``:
    what points back ("This option") is not yet named in ``text``, which goes on back whatever it opens with."""
    unit = units_[i]
    if not i or unit.kind != "prose" or not (unnamed or _ANAPHOR.match(text)):
        return None
    before = units_[i - 1]
    between = chunk.text[before.end - chunk.start : unit.start - chunk.start]
    if (before.kind != "prose" or not before.evidence or before.heading != unit.heading
            or before.start < chunk.start or "\n\n" in between or between.strip()):
        return None
    return before


_CHAINED = 2


def _points_to_heading(chunk: Chunk, units_: list[Unit], i: int) -> bool:
    """Whether unit ``i`` is the first under its heading and points back ("This option makes the binary
    link against ICU statically" under "Embed the entire ICU (full-icu)"): the heading is what it speaks of.
    "It" and "They" speak of the document's subject more often ("It requires Python 3.10+" under "Installation")."""
    unit, above = units_[i], units_[i - 1] if i else None
    said = chunk.text[unit.start - chunk.start : unit.end - chunk.start]
    return (above is not None and above.kind == "heading" and above.heading == unit.heading and unit.kind == "prose"
            and _ANAPHOR.match(said) is not None and not said.startswith(("It ", "They ")))


class EvidenceSelector:
    def __init__(
        self, embedder: Embedder, count: int = 3, lexical_weight: float = 0.5, idf: str = "retrieved",
        headings: bool = False, shape_bonus: float = 0.0, title: bool = False, following: int = 0,
    ) -> None:
        self.embedder, self.count, self.lexical_weight, self.idf = embedder, count, lexical_weight, idf
        self.headings, self.shape_bonus, self.title, self.following = headings, shape_bonus, title, following
        self._vectors: dict[str, Vector] = {}  # sentence text -> its vector; sentences recur across questions

    def _embed(self, texts: list[str]) -> list[Vector]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            if len(self._vectors) + len(missing) > _CACHE_LIMIT:
                self._vectors.clear()
            self._vectors.update(zip(missing, self.embedder.embed(missing), strict=True))
        return [self._vectors[t] for t in texts]

    def select(
        self, question: str, vector: Vector, hits: list[Hit], lexical: TermWeights, stressed: str = ""
    ) -> list[Passage]:
        """The ``count`` best sentences, best first, numbered from 1. For a follow-up, ``stressed``
        holds its own words (``question`` is it joined to the one before it): they weigh double among
        the terms, and closeness in meaning is ranked to them alone. The hits were found for the
        joined question, so they are on its subject; the sentence that answered the question before
        matches the joined one best, and is seldom what the follow-up asks anew.

        With ``count`` 0 the retrieved chunks are the passages, whole and in
        retrieval order, each scored by its best sentence: the naive baseline.
        """
        candidates = _candidates(hits, question)
        if not candidates:
            return []
        texts = [ranked for *_, ranked, _ in candidates]
        ranked = [f"{heading}: {text}" if self.headings and heading else text for *_, heading, text, _ in candidates]
        if self.title:
            ranked = [f"{chunk.title}: {text}" if chunk.title else text
                      for (chunk, *_), text in zip(candidates, ranked, strict=True)]
        vectors = self._embed(ranked)
        scored: list[_Scored] = []
        local = _LocalWeights(question, texts, stressed)
        w = self.lexical_weight
        asked = stressed or question  # a follow-up's own words say what it asks for
        shape = answer_shape(asked)
        own = self._embed([stressed])[0] if stressed else vector
        # A FAQ's answer is ranked as the question over it and its words together: "It's impossible."
        # says nothing alone.
        faq = dict(zip((f"{answered} {plain}" for *_, plain, answered in candidates if answered),
                       self._embed([f"{answered} {plain}" for *_, plain, answered in candidates if answered]),
                       strict=True))
        for (chunk, start, end, text, heading, plain, answered), v in zip(candidates, vectors, strict=True):
            dense = sum(a * b for a, b in zip(vector, v, strict=True))
            near = sum(a * b for a, b in zip(own, v, strict=True)) if stressed else dense
            if answered:
                near = max(near, sum(a * b for a, b in zip(own, faq[f"{answered} {plain}"], strict=True)))
            score = (1 - w) * dense + w * lexical.overlap(question, plain)
            rank = score if self.idf == "index" else (
                (1 - w) * near + w * local.overlap(plain, f"{chunk.title} {heading} {name_words(chunk.source)}"))
            rank += self.shape_bonus * fits(shape, asked, text)
            scored.append((score, chunk, start, end, text, rank, ()))
        if self.count == 0:
            best = {c.id: max(sc for sc, ch, *_ in scored if ch.id == c.id) for c, *_ in candidates}
            return [Passage(n, h.chunk, h.chunk.text, h.chunk.start, h.chunk.end, best[h.chunk.id])
                    for n, h in enumerate((h for h in hits if h.chunk.id in best), start=1)]
        scored.sort(key=lambda s: (-s[5], s[1].source, s[2]))
        chosen = _of_kind_asked(question, scored := _once_each(scored), self.count)
        if self.following:
            chosen = _widened(chosen, scored, self.count, self.following, [h.chunk for h in hits])
        return [
            Passage(n, chunk, closed, start, end, score, tuple(b for b in breaks if b < len(closed)))
            for n, (score, chunk, start, end, text, _, breaks) in enumerate(chosen, start=1)
            for closed in [_closed(text)]
        ]


def _once_each(scored: list[_Scored]) -> list[_Scored]:
    """``scored`` without the units whose text one ranked higher already says: a README that repeats
    "When set to true, then deflated (compressed) bodies will be inflated" under each of four parsers
    would fill every place the model reads with one sentence, and leave out the one that answers."""
    first: dict[str, _Scored] = {}
    for s in scored:
        first.setdefault(s[4], s)
    return list(first.values())


def _closed(text: str) -> str:
    """A passage without the separator its last list item ends on ("...clean uninstalls;",
    "...changed the files; and"): shown alone, the item is whole, not a phrase cut before more.

    >>> _closed("expose CLI entrypoints, guaranteeing clean uninstalls;"), _closed("carry notices; and")
    ('expose CLI entrypoints, guaranteeing clean uninstalls', 'carry notices')
    """
    return _UNFINISHED.sub("", text).rstrip(" ,;") or text


def _widened(chosen: list[_Scored], scored: list[_Scored], count: int, following: int,
             chunks: list[Chunk]) -> list[_Scored]:
    """Each chosen unit read with up to ``following`` units after it in the same section (in any of
    the retrieved ``chunks``: one that ends with it has none after it, the next may).

    The sentence that matches a question best often states its setting ("If you get linker
    errors, you should install a C compiler.") and the next one answers it ("On macOS, run
    xcode-select --install."): the answer has none of the question's words and ranks low on its
    own. A unit already inside a wider one is not chosen again; the next best takes its place.
    """
    out: list[_Scored] = []
    for s in [*chosen, *(s for s in scored if s not in chosen)]:
        if len(out) == count:
            break
        if any(o[1].path == s[1].path and o[2] <= s[2] and s[3] <= o[3] for o in out):
            continue
        taken = [(o[2], o[3]) for o in out if o[1].path == s[1].path]
        out.append(_with_following(_going_on(s, chunks), following, taken))
    return out


def _going_on(s: _Scored, chunks: list[Chunk]) -> _Scored:
    """``s`` from a retrieved chunk that goes on after it, when the chunk it came from ends with it:
    "... run DHCP on all available Ethernet interfaces:" ends one chunk and opens the next, which holds
    the example it introduces."""
    score, chunk, start, end, text, rank, breaks = s
    if chunk.end > end + 1 and _units(chunk)[-1].end > end:
        return s
    later = [c for c in chunks if c.path == chunk.path and c.start <= start and c.end > end + 1]
    return (score, later[0], start, end, text, rank, breaks) if later else s


def _with_following(s: _Scored, following: int, taken: list[tuple[int, int]]) -> _Scored:
    """``s`` with the units that follow it in its chunk under the same heading, up to one already
    ``taken`` by another passage or one that does not end (a list item going on into the next):
    evidence units, or a code block that a unit ending in a colon introduces."""
    score, chunk, start, end, text, rank, breaks = s
    units_ = _units(chunk)
    at = next((i for i, u in enumerate(units_) if u.end == end), None)  # the last unit read
    if at is None:
        return s
    last = units_[at]
    for unit in units_[at + 1 : at + 1 + following]:
        follows = unit.evidence or (unit.kind == "code" and text.rstrip().endswith(":"))
        if (not follows or unit.heading != last.heading or unit.end > chunk.end
                or any(a <= unit.start < b for a, b in taken)):
            break
        local = Unit(unit.start - chunk.start, unit.end - chunk.start, unit.kind, unit.heading, unit.label)
        more = display(chunk.text, local, markdown=is_markdown(chunk.source))
        if not more or _UNFINISHED.search(more):
            break
        text, end, last, breaks = f"{text} {more}", unit.end, unit, (*breaks, len(text) + 1)
    return score, chunk, start, end, text, rank, breaks


# Words that say what kind of answer is wanted ("in what year"), not what it is about.
_ASKING = frozenset(terms("year years month date day time number name names kind type"))


class _LocalWeights:
    """IDF of the question's terms among the candidate sentences themselves.

    Every retrieved sentence shares the documents' topic words ("desalination", "Gull Point"),
    so a document's opening sentence, which names the topic, matches most of any question
    about it. Weighed among the candidates, topic words count little and the words that
    single out one sentence ("Dutch", "contractor") count most.
    """

    def __init__(self, question: str, texts: list[str], stressed: str = "") -> None:
        # A thing the question names exactly ("crc-32c", "--max-depth") is a term of its own: its words
        # ("crc", "32") are those of its neighbours in a table ("crc-32d", "crc-32-mpeg") as well.
        # A year ("the 2018 workshop") dates the subject; the sentence naming it is seldom the answer.
        self.names = [f"={name}" for name in dict.fromkeys(asked_identifiers(question)) if not _YEAR.fullmatch(name)]
        self.wanted = (_terms(question) - _ASKING) | set(self.names)
        sets = [self._terms(t) for t in texts]
        n = len(sets)
        double = _terms(stressed)
        self.idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) * (2 if t in double else 1)
                    for t in self.wanted for df in [sum(t in s for s in sets)]}
        self.total = sum(self.idf.values())

    def overlap(self, text: str, context: str = "") -> float:
        """The share of the question's weight that ``text`` holds; a term of its ``context`` (the
        document's title, its file's name and the headings above it) counts as held. "What is the minimum Python
        version needed to run Black?" is answered in Black's README by "It requires Python 3.10+ to
        run.", which says "it"; the sentence that names Black ("If you want to run Black without
        installing Python, ...") does not answer it. Nor does SQLAlchemy's FAQ name SQLAlchemy in "the
        default connection pool is the SingletonThreadPool"; its file's name does."""
        if not self.total:
            return 0.0
        held = self.wanted & (self._terms(text) | self._terms(context))
        return sum(self.idf[t] for t in held) / self.total

    def _terms(self, text: str) -> set[str]:
        lowered = " ".join(text.lower().split())
        return _terms(text) | {name for name in self.names if identifier_in(name[1:], lowered)}


_YEAR = re.compile(r"(?:1[5-9]|20)\d\d")
# A one-letter option ("-s") or placeholder ("%p"): no term, and in a manual the word that singles out its sentence.
_SHORT_OPTION = re.compile(r"(?<![\w%-])[-%][A-Za-z](?![\w-])")


def _terms(text: str) -> set[str]:
    """The terms of ``text`` and its one-letter options: "started with -s" is answered by
    "POSIXLY_CORRECT: This is the same as the -s option"."""
    return {*terms(text), *_SHORT_OPTION.findall(text)}


def _of_kind_asked(question: str, scored: list[_Scored], count: int) -> list[_Scored]:
    """The ``count`` best, with the last place given to the best sentence of the kind the question
    asks for, a figure for "how many" or an amount for "how much did it cost", when none of the others
    holds one. It comes from a document the others come from: a figure from another one answers another
    question. (A question whose evidence still holds nothing of its kind is refused: see
    :mod:`assistant.refusal`. Not so for a version: a release named near the subject does not say
    which release brought what was asked about, and the refusal catches questions the documents do
    not answer.)"""
    best = _counting_first(question, scored[:count])
    kind = asked_kind(question)
    if kind not in ("number", "money", "share") or any(holds(kind, s[4]) for s in best):
        return best
    sources = {s[1].source for s in best}
    fitting = next((s for s in scored[count:] if s[1].source in sources and holds(kind, s[4])), None)
    return best if fitting is None else [*best[:-1], fitting]


def _counting_first(question: str, best: list[_Scored]) -> list[_Scored]:
    """``best`` with the first unit whose figure counts what a "how many X" question counts read
    first, when the best has no such figure: "Logrus has seven logging levels" before "Logrus can
    register one or more functions ..." for "How many severity levels does logrus offer?"."""
    if not best or counts(question, best[0][4]) is not False:
        return best
    counting = next((s for s in best[1:] if counts(question, s[4])), None)
    return best if counting is None else [counting, *(s for s in best if s is not counting)]
