"""Is the thing the question asks for in the retrieved text at all?

A question near the documents' subject that they do not answer ("Who is the CEO
of X?" when the documents only describe X) scores as high as an answerable one:
every other word matches. What gives it away is its focus: the role, quantity
or attribute asked for. This module reads the focus off the question's shape
with a few English patterns (how many X, who is the X of, what is the X of,
what is Y's X), and the answer is refused when no word of the
retrieved chunks is that focus or close to it in meaning. Only the shapes whose
focus must appear in an answering text are read: in "Which province ...?" the
answer names a province without saying "province", so "which X" is left alone.

A question asking when needs a date in the best evidence: a month name when it
asks for a month or a date, a year when it asks for a year. Likewise "how many"
needs a figure, and "how much did it cost" an amount of money. And when the
model made its figure up for "how many X", the sentence that would be quoted
instead must count X ("57 journalists"), not something else ("60 countries").

>>> focus_words("Who is the CEO of Acme Holdings?")
['ceo']
>>> focus_words("How many overseas offices does it have?")
['offices']
>>> focus_words("What are the names of the speakers?")
[]
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from assistant.embedding import Embedder
from assistant.kinds import NUMBER_WORDS, asked_kind, asking_parts, has_day, has_month, has_year, holds, unstated
from assistant.lexical import STOP_WORDS, terms, words
from assistant.shapes import answer_shape

_OF = r"(?:\s+(?:of|for|in|at|on|from|to|by|with)\b|[?,])"
_PHRASE = r"((?:[a-z][\w'-]*\s+){0,2}?[a-z][\w'-]*)"  # up to three words, the focus among them
_AUX = r"(?:do|does|did|is|are|was|were|has|have|had)"
_BE = r"(?:is|was|are|were)"
_FOCUS = [
    # How many employees work ...
    re.compile(rf"\bhow many (?!{_AUX}\b|of\b)((?:[a-z][\w'-]*\s+){{0,3}}?[a-z][\w'-]*?)\s+"
               rf"(?:{_AUX}|will|would|can|could|work|in|of|at|on|for)\b"),
    # Who is the CEO of ...
    re.compile(rf"\bwho {_BE} (?:the |its |their |his |her )?(?!in\b|at\b|on\b|for\b|from\b){_PHRASE}{_OF}"),
    # What is the brand name of ...
    re.compile(rf"\bwhat {_BE} the {_PHRASE}{_OF}"),
    # What is bc's shipped limit for ..., what was Acme's revenue ...
    re.compile(rf"\bwhat {_BE} (?:[\w-]+ ){{0,3}}?[\w-]+(?:'s|’s) {_PHRASE}{_OF}"),
    re.compile(rf"\bwhat {_BE} (?:[\w-]+ ){{0,3}}?[\w-]+(?:'s|’s) {_PHRASE}\b"),
]
_ASKS_MONTH = re.compile(r"\b(?:which|what) months?\b")
_ASKS_DAY = re.compile(r"\b(?:which|what) (?:date|day)s?\b|\bon what\b")
_ASKS_YEAR = re.compile(r"\b(?:which|what) years?\b")
_ASKS_WHEN = re.compile(r"^when\b")
# "What is the default port?" is answered by a text that says what holds when nothing is set; so are
# "Which port does it use if I don't pass one?", "... when none is given?" and "... unless I tell it otherwise?".
_ASKS_DEFAULT = re.compile(r"\bdefaults?\b|\b(?:if|when) (?:i|you|we|one) (?:do not|don't|never) (?:pass|give|set|"
                           r"specify|say|configure|provide|choose|pick|supply)\b|\bwithout (?:specifying|setting|"
                           r"passing|giving|configuring|choosing)\b|\b(?:if|when) (?:none|nothing) is (?:given|set|"
                           r"specified|passed|configured)\b|\bout of the box\b"
                           r"|\bunless (?:(?:i|you|we|one) (?:say|tell|specify|set|configure|ask|choose)(?: it| so)? "
                           r"|(?:it is|it's|i am|i'm|you are|you're) )?(?:told |set |configured |specified )?"
                           r"otherwise\b")
# "How do I switch off the collectors that are on by default?" asks for a way, not for a default.
_ASKS_WAY = re.compile(r"^(?:(?:and|but|so|then)\s+)?how (?:do|can|could|should|would|may|might) (?:i|you|we|one)\b")
_STATES_DEFAULT = re.compile(r"\bdefault|\bunless\b|\bif (?:not|no|none|unset)\b|\bomitted\b|\bnot (?:set|given|"
                             r"specified)\b|\botherwise\b|\bwithout\b|\babsent\b", re.IGNORECASE)
# "What e-mail address ...?" is answered by an address ("security@example.org", "foo at example dot org"),
# "Under which licence ...?" by a licence's name; a sentence near the subject without one answers neither.
_ASKS_EMAIL = re.compile(r"^(?:(?:and|but|so|also|then|to|at)\s+)*(?:which|what)\s+(?:[\w-]+\s+){0,2}?"
                         r"e-?mail\s+address")
_EMAIL = re.compile(r"[\w.+-]+\s?(?:@|[\[(<]at[\])>]|\bat\b)\s?[\w-]+\s?(?:\.|[\[(<]dot[\])>]|\bdot\b)\s?[a-z]"
                    r"|\bmailto:", re.IGNORECASE)
_ASKS_LICENCE = re.compile(r"^(?:(?:and|but|so|also|then|under|with|by)\s+)*(?:which|what)\s+(?:[\w-]+\s+){0,2}?"
                           r"licen[cs]es?\b(?!\s+(?:fees?|costs?|keys?|files?|servers?)\b)")
_LICENCE = re.compile(r"licen[cs]|\b(?:A|L)?GPL|\bMIT\b|\bBSD\b|\bApache\b|\bMPL\b|\bISC\b|public[ -]domain|"
                      r"copyleft|creative commons|\bCC[- ]?(?:BY|0)\b|\bunlicense\b|\bartistic\b", re.IGNORECASE)
# Words that name the kind of answer, not a thing the text must mention: "the names of ...".
# Words that place the answer in time or order, not a thing the text must name: "What is the new value?"
_RELATIVE = frozenset({"new", "old", "current", "previous", "latest", "final", "original", "exact", "actual"})
_KINDS = frozenset({"name", "names", "number", "numbers", "amount", "total", "size", "value", "kind", "type",
                    "title", "date", "dates", "year", "years", "month", "day", "time", "way", "part",
                    # a relation to something the text names in its own words: "the portal's counterpart"
                    "counterpart", "equivalent", "replacement", "alternative", "successor", "opposite"})
# "how many foreign journalists took part": the counted thing is the first plural within a few words.
_HOW_MANY = re.compile(r"\bhow many ((?:[\w'-]+\s+){0,4}[\w'-]+)")
_IRREGULAR_PLURALS = frozenset({"people", "children", "men", "women", "staff", "police", "cattle"})
_FIGURE = re.compile(r"^\d[\d.,]*$")
# "How many people ...?" is answered by a count of passengers, visitors, residents: any figure will do.
_ANYONE = frozenset({"people", "persons"})
# A word after a figure at least this close (MiniLM cosine) to the counted noun counts it:
# homes/households 0.70, enterprises/companies 0.74; countries/journalists 0.30.
COUNTED = 0.6
# A focus word at least this close (MiniLM cosine) to a word of the chunks counts as present.
SIMILAR = 0.7


def focus_words(question: str) -> list[str]:
    """The content words a text must contain, or come close to, to answer ``question``."""
    return focus_phrase(question)[-1:]  # the head noun ("overall investment"): its modifiers may be paraphrased


def focus_phrase(question: str, kinds: bool = False) -> list[str]:
    """The content words of the phrase naming what ``question`` asks for, head noun last; a verb after
    the head ("the releases listed in ...", "journalists took part") is no part of it. Words naming
    the kind of answer ("size", "number") are left out unless ``kinds``."""
    q = " ".join(question.lower().split())
    for pattern in _FOCUS:
        m = pattern.search(q)
        if m:
            phrase = [w for w in words(m.group(1)) if w not in STOP_WORDS and w not in _RELATIVE and len(w) > 1]
            while len(phrase) > 1 and (_VERB.fullmatch(phrase[-1]) or phrase[-1] == "short"):  # "... short for?"
                phrase.pop()
            if phrase[-1:] == ["way"] and not kinds:
                return []  # "the simple way to ...", "the best way": the words before a manner are no thing to find
            return [w for w in phrase if kinds or w not in _KINDS]
    return []


# A past form after a noun: "listed", "described" (not "speed", "need"), or a common irregular one.
_VERB = re.compile(r"[a-z]{2,}[^e]ed|took|made|given|shown|held|kept|sent|built|brought|bought|sold|told|found|"
                   r"left|spent|won|paid|gave|got|went|came|ran|seen|done|known|taken|written|chosen")


def counted_noun(question: str) -> str | None:
    """The thing a "how many" question counts ("journalists"), or None when its shape does not say."""
    m = _HOW_MANY.search(question.lower())
    if not m:
        return None
    plural = None  # the last one before a verb like "have" or a preposition: the head of the phrase
    for word in words(m.group(1)):
        if word in _AUX_WORDS or word in ("of", "from", "in", "at", "on", "for", "to", "by", "with"):
            break
        if word in _IRREGULAR_PLURALS or (word.endswith("s") and not word.endswith(("ss", "'s", "’s"))
                                          and len(word) > 3):
            plural = word
    return plural


def counts(question: str, text: str) -> bool | None:
    """Whether ``text`` has a figure counting what a "how many X" ``question`` counts, X a few words
    after it ("Logrus has seven logging levels" for "How many severity levels ...?", not "one or more
    functions"); None when the question counts nothing it names."""
    noun = counted_noun(question)
    if noun is None or noun in _ANYONE:
        return None
    return _named_beside(noun, _beside_figures(text, 0))


def _beside_figures(text: str, before: int) -> set[str]:
    """The words of ``text`` from ``before`` words before each figure to five after it."""
    tokens = words(text)
    return {w for i, t in enumerate(tokens) if _FIGURE.match(t) or t in NUMBER_WORDS
            for w in tokens[max(0, i - before) : i + 6] if w not in STOP_WORDS and not _FIGURE.match(w)}


def _numbered(text: str) -> set[str]:
    """The words a text says it gives the number of: "rounds" in "Number of rounds (or iterations) to use",
    as a setting's description opens, its value given after it."""
    return {w for m in _NUMBER_OF.finditer(text) for w in words(m.group(1))}


_NUMBER_OF = re.compile(r"\b(?:number|count) of ((?:[A-Za-z][\w-]*\s+){0,2}[A-Za-z][\w-]*)", re.IGNORECASE)


# Quantities measured in bytes, and the units that measure them
_STORAGE = frozenset(["memory", "storage", "space", "ram", "disk"])
_BYTE_UNITS = frozenset(["byte", "bytes", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib",
                         "kilobytes", "megabytes", "gigabytes", "terabytes"])


def _named_beside(noun: str, near: set[str]) -> bool:
    """Whether a word of ``near`` names ``noun``, or shortens it ("76 chars" for "characters", "30 secs")."""
    stem = terms(noun)
    return bool(stem) and (stem[0] in {t for w in near for t in terms(w)}
                           or any(_shortens(w, noun) for w in near))


def _shortens(short: str, word: str) -> bool:
    """Whether ``short`` is an abbreviation of ``word``: at most three fifths as long, its first two
    letters, the rest of its letters in order ("chars" of "characters", "msgs" of "messages", "min" of
    "minutes"; not "pages" of "packages").

    >>> _shortens("chars", "characters"), _shortens("cars", "characters"), _shortens("pages", "packages")
    (True, False, False)
    """
    if not (short.isalpha() and len(short) >= 3 and len(short) * 5 <= len(word) * 3 and short[:2] == word[:2]):
        return False
    rest = iter(word[2:])
    return all(c in rest for c in short[2:])


def _modifier(question: str, noun: str) -> str | None:
    """The noun before ``noun`` in the question's "how many" phrase ("connection" in "how many connection
    attempts"), or None."""
    m = _HOW_MANY.search(question.lower())
    found = words(m.group(1)) if m else []
    at = found.index(noun) if noun in found else 0
    before = found[at - 1] if at else ""
    return before if before.isalpha() and before not in STOP_WORDS and len(before) > 2 else None


_HOW_MUCH = re.compile(r"\bhow much ((?:[a-z][\w'-]*\s+){0,3}[a-z][\w'-]*)")


def measured_noun(question: str) -> str | None:
    """The quantity a question asks for: "capital" in "How much capital ...?", "area" in
    "What is the total land area of ...?"; None when the shape does not say."""
    m = _HOW_MUCH.search(question.lower())
    if m:
        head = None  # the last word before a verb or a preposition: "fresh water" in "how much fresh water per day"
        for word in words(m.group(1)):
            if word in _AUX_WORDS or word in STOP_WORDS or word in ("will", "would", "can", "per"):
                break
            head = word
        return head
    phrase = focus_phrase(question, kinds=True)
    # "What is the fixed size of each record?": any figure measures a size; "fixed" is no quantity
    return phrase[-1] if phrase and phrase[-1] not in _KINDS else None


_AUX_WORDS = frozenset(_AUX.strip("(?:)").split("|"))


def missing_kind(question: str, evidence: str) -> str | None:
    """Why ``evidence`` cannot hold the kind of answer ``question`` asks for, or None:
    a date for "when", a figure for "how many", an amount of money for "how much did it cost".

    A question in two parts ("Which route was diverted, and by what percentage did ...?") is
    refused only when neither part can be answered."""
    # a figure the question names ("BIND 9", before its asking part) is no figure it asks for
    reasons = [_missing_kind(part, evidence, unstated(question, evidence)) for part in asking_parts(question)]
    return reasons[0] if all(reasons) else None


def unstated_default(question: str, shown: list[str], headings: list[str] | None = None) -> str | None:
    """Why none of the ``shown`` sentences (under their ``headings``, one for each) answers a question
    asking for the default of a setting it names exactly ("--minfds", "COLUMN_LIMIT",
    "server.listen-backlog"), or for the release of one ("In which version is ImageQt.align8to32() to be
    removed?"); None when one may. The default must be stated by a sentence naming that setting, not by
    one beside it on another option ("-s URL: ... (default "http://localhost:9001")" does not give
    --minfds's default), and the release given by a sentence on that thing, not by the deprecation listed
    before it. A question in two parts is refused only when neither part can be answered.

    >>> unstated_default("What is the default value of --minfds?", ['--serverurl URL (default "localhost:9001")'])
    'the question asks for the default of --minfds and no sentence shown states it'
    >>> unstated_default("What is the default of max_tries?", ["max_tries: how often to retry (default 3)."])
    >>> unstated_default("Since which release does foo() take a key?", ["Since 2.1 it takes a key."], ["API › foo()"])
    """
    under = headings or [""] * len(shown)
    headers = [m.group(0) for m in _HEADER.finditer(question)]
    pairs = list(zip(shown, under, strict=True))
    reasons = [_unstated_default(part, pairs, headers) for part in asking_parts(question)]
    return reasons[0] if all(reasons) else None


def _unstated_default(q: str, shown: list[tuple[str, str]], headers: list[str]) -> str | None:
    default = bool(_ASKS_DEFAULT.search(q)) and not q.startswith("why") and not _ASKS_WAY.match(q)
    if not default and asked_kind(q) != "version":
        return None
    named = [m.group(0) for m in _SETTING.finditer(q) if not _FILE_NAME.search(m.group(0))]
    named += [m.group(1) for m in _CALL.finditer(q)] + [h for h in headers if h.lower() in q]
    said = [text for text, heading in shown
            if any(n.lower() in text.lower() or _squeezed(n) in _squeezed(heading) for n in named)]
    if not named or (said and not default) or any(_STATES_DEFAULT.search(s) for s in said):
        return None
    return f"the question asks for the {'default' if default else 'release'} of {named[0]} and no sentence shown " \
           "states it"


def _squeezed(text: str) -> str:
    """``text`` in lower case without spaces and underscores: a PDF's heading "asn1 der decoding startEnd"
    names asn1_der_decoding_startEnd (a sentence's "allowed tags list" does not name ALLOWED_TAGS)."""
    return re.sub(r"[\s_]+", "", text.lower())


# A function named with its call: "ImageQt.align8to32()" names align8to32
_CALL = re.compile(r"(?<![\w.])(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)\(\)")
# A setting or option named exactly: "--minfds", "COLUMN_LIMIT", "max_count_problems", "server.listen-backlog";
# not a file ("e2fsck.conf", "coverage.py") nor a one-letter option, which is more often a condition ("without -s").
_SETTING = re.compile(r"(?<![\w.-])(?:--[A-Za-z][\w-]*|[A-Za-z]\w*_\w+|[a-z]\w*(?:\.[a-z][\w-]*)+)")
# A header named in capitals joined by hyphens ("Referrer-Policy", "X-Frame-Options"), read in the question as asked
_HEADER = re.compile(r"(?<![\w.-])[A-Z][a-z]*(?:-[A-Z][a-z]+)+(?![\w-])")
_FILE_NAME = re.compile(r"\.(?:conf|cfg|ini|toml|ya?ml|json|py|txt|md|rst|d|sh|xml|html?)$|_config$", re.IGNORECASE)


def _missing_kind(q: str, evidence: str, unnamed: str) -> str | None:
    kind = asked_kind(q)
    if kind == "money" and not holds(kind, evidence):
        return "the question asks for an amount of money and the evidence names none"
    if kind == "share" and not holds(kind, evidence):
        return "the question asks for a share of a whole and the evidence gives none"
    if kind == "number" and not holds(kind, unnamed):
        return "the question asks for a number and the evidence holds none"
    if kind == "version" and not holds(kind, unstated(q, evidence)):
        return "the question asks for a version and the evidence names none but those it names itself"
    if _ASKS_EMAIL.search(q) and not _EMAIL.search(evidence):
        return "the question asks for an e-mail address and the evidence holds none"
    if _ASKS_LICENCE.search(q) and not _LICENCE.search(evidence):
        return "the question asks for a licence and the evidence names none"
    if (_ASKS_DEFAULT.search(q) and not q.startswith("why") and not _ASKS_WAY.match(q) and answer_shape(q) != "code"
            and not _STATES_DEFAULT.search(evidence)):
        # "Why won't dnsmasq by default accept ...?" asks for a reason, not for what holds by default;
        # "Which environment variable holds fzf's default options?" asks for a name
        return "the question asks for a default and the evidence states none"
    if kind == "time" and not holds(kind, evidence):
        return "the question asks when and the evidence gives neither a date nor the event it follows"
    if kind != "date":
        return None
    if _ASKS_MONTH.search(q) and not has_month(evidence):
        return "the question asks for a month and the evidence names none"
    if _ASKS_DAY.search(q) and not (has_month(evidence) or has_day(evidence)):
        return "the question asks for a day or a date and the evidence names none"
    if _ASKS_YEAR.search(q) and not has_year(evidence):
        return "the question asks for a year and the evidence names none"
    if _ASKS_WHEN.search(q) and not (has_year(evidence) or has_month(evidence) or has_day(evidence)):
        return "the question asks when and the evidence has no year, month or day"
    return None


class FocusCheck:
    """Refuses a question whose focus is nowhere in the retrieved text."""

    def __init__(self, embedder: Embedder, similar: float = SIMILAR) -> None:
        self.embedder, self.similar = embedder, similar
        self._vectors: dict[str, list[float]] = {}

    def _embed(self, items: Iterable[str]) -> None:
        new = sorted({w for w in items if w not in self._vectors})
        if new:
            self._vectors.update(zip(new, self.embedder.embed(new), strict=True))

    def _close(self, word: str, candidates: set[str], similar: float | None = None) -> bool:
        self._embed([word, *candidates])
        v = self._vectors[word]
        return any(_cosine(v, self._vectors[c]) >= (similar or self.similar) for c in candidates)

    def uncounted(self, question: str, text: str) -> str | None:
        """Why ``text`` does not answer a "how many X" ``question``: no figure in it counts X
        (or a close synonym) within a few words, as "57 journalists" or "six major sectors" do.
        For a quantity ("What is the total land area?", "How much capital does it hold?") the
        figure may also follow its noun: "an investment of RMB 50 billion". A question in two parts
        is refused only when neither part is answered."""
        reasons = [self._unmeasured(part, text) for part in asking_parts(question)]
        return reasons[0] if all(reasons) else None

    def _unmeasured(self, question: str, text: str) -> str | None:
        if asked_kind(question) not in ("number", "money"):
            return None  # "Which item caps how many files ...?" asks for an item
        noun, before = counted_noun(question), 0
        if noun is None and holds("share", text):
            return None  # "How much smaller does it make text?" is answered by "by 60-70%"
        if noun is None and asked_kind(question) in ("number", "money"):
            noun, before = measured_noun(question), 5
        if noun is None or noun in _ANYONE:
            return None
        near = _beside_figures(text, before)
        if near and _named_beside(noun, _numbered(text)):
            return None  # "Number of rounds to use in PBKDF2 ... Default value is '50000'."
        if _named_beside(noun, near) or (near and self._close(noun, near, COUNTED)) or (
                noun in _STORAGE and near & _BYTE_UNITS):
            return None  # "how much memory does a cell take?": "12 bytes"
        modifier = _modifier(question, noun)
        if modifier and {f"{modifier}s", f"{modifier}es"} & near:
            return None  # "How many connection attempts ...?": "6 or more connections within 30 seconds"
        return f"no figure in the evidence measures {noun!r}"

    def reason(self, question: str, chunks: list[str], evidence: str) -> str | None:
        """Why the documents cannot answer ``question``, or None when they may."""
        unfit = missing_kind(question, evidence)
        if unfit:
            return unfit
        text = " ".join(chunks)
        have = set(terms(text))
        vocabulary = {w for w in words(text) if w not in STOP_WORDS and len(w) > 2 and not w[0].isdigit()}
        phrase = focus_phrase(question)
        for word in phrase[-1:]:
            if terms(word) and terms(word)[0] in have:
                continue
            if _named_in(phrase[:-1], text):  # "examination and approval items" for "... powers"
                continue
            if not self._close(word, vocabulary):
                return f"nothing retrieved mentions {word!r}"
        return None


def _named_in(modifiers: list[str], text: str) -> bool:
    """Whether two or more modifiers of the focus stand together in ``text``, in order: the thing
    asked for is there under another head noun."""
    if len(modifiers) < 2:
        return False
    wanted = " ".join(t for w in modifiers for t in terms(w))
    return f" {wanted} " in f" {' '.join(terms(text))} "


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(x * x for x in b))
    return dot / (na * nb) if na and nb else 0.0
