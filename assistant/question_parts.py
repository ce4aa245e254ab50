"""A question that asks two things at once, cut into the questions it asks.

"Which library does Jinja use for escaping, and which library does man-db use to run commands?"
asks two questions, often about two documents. Retrieval for the whole finds the first document's
passages and the model answers one half, so each part is answered on its own and the answers are
joined (see :meth:`assistant.answering.Answerer.ask`).

A part must ask something of its own: "..., and if so, for what?" or "Which Requests release and
which pluggy release each dropped Python 3.8?" (one predicate for both) stay whole. A statement
before the question ("My package needs a user id. Whom must I ask?") stays with the first part.
The rule reads English question words.

:func:`split_between` cuts one question asked of each of two documents named by their file names
("Under which licences are Uvicorn and Black distributed?" over uvicorn.md and black.md): retrieval
for the whole finds one of them.
"""

from __future__ import annotations

import re

from assistant.lexical import terms

_WH = r"(?:what|which|who|whom|whose|where|when|why|how)"
_AUX = r"(?:is|are|was|were|does|do|did|can|could|should|will|would|has|have|name|list)"
_LEAD = r"(?:(?:and|but|also|then|so)\s+)?(?:(?:in|on|at|by|from|to|for|with|under|since|of|until)\s+)?"
# A question word where a question or a clause starts (after punctuation), or a wh-word within its
# first words ("membership in which group", "Apart from X, membership in which group", "for how long").
# A statement asking within it ("Logrus skips locking when each write stays under what size, and ...?")
# asks too.
_ASKING = re.compile(rf"(?:^|[,:.;]\s+){_LEAD}(?:{_WH}|{_AUX})\b|(?:^|[,:.;]\s+)(?:\S+\s+){{1,3}}{_LEAD}{_WH}\b"
                     rf"|\s(?:what|which|how many|how much)\s+\S+[^,;]*$",
                     re.IGNORECASE)
_CUT = re.compile(rf",\s+and\s+|;\s+|\?\s+(?=[A-Z])|\s+and\s+(?={_WH}\b)", re.IGNORECASE)
_DEPENDENT = re.compile(r"(?:and\s+)?(?:if so|if not|otherwise|or)\b", re.IGNORECASE)
_SHORTEST = 5  # words in a part before the last: "Which Requests release" is half a question
_WHO_DID = re.compile(r"who\s+\S+\s+\S+", re.IGNORECASE)  # "Who wrote libffi" is whole: a verb follows "who"


def question_parts(question: str) -> list[str]:
    """The questions ``question`` asks, each ending in "?"; ``[question]`` when it asks one.

    >>> question_parts("What is the default UID_MAX of useradd, and which shell does adduser assign?")
    ['What is the default UID_MAX of useradd?', 'which shell does adduser assign?']
    >>> question_parts("Does the GPL let me charge for a copy, and if so, for what?")
    ['Does the GPL let me charge for a copy, and if so, for what?']
    >>> question_parts("Is there a cap on members from one employer? What is it?")
    ['Is there a cap on members from one employer? What is it?']
    >>> question_parts("Who wrote libffi, and whose articles does the regex guide recommend?")
    ['Who wrote libffi?', 'whose articles does the regex guide recommend?']
    >>> question_parts("How long may a user name be according to adduser.conf, and according to useradd?")
    ['How long may a user name be according to adduser.conf?', 'How long may a user name be according to useradd?']
    """
    parts: list[str] = []
    lead = ""
    for piece in (p.strip() for p in _CUT.split(" ".join(question.split()))):
        if not piece:
            continue
        if parts and (gapped := _gapped(parts[-1], piece)):
            parts.append(gapped)
        elif not parts and not _ASKING.search(piece):
            lead += piece.rstrip("?") + ("" if piece.endswith((".", ":")) else ";") + " "  # sets the scene
        elif parts and (not _ASKING.search(piece) or len(piece.split()) < 3 or _DEPENDENT.match(piece)):
            parts[-1] = f"{parts[-1].rstrip('?')}, and {piece}"
        elif parts and not terms(piece):  # "Is there a cap on ...? What is it?" asks one thing
            parts[-1] = f"{parts[-1].rstrip('?')}? {piece}"
        else:
            parts.append(piece if parts else lead + piece)
    if len(parts) < 2 or any(len(p.split()) < _SHORTEST and not _WHO_DID.match(p) for p in parts[:-1]):
        return [question]
    return [p if p.endswith("?") else p.rstrip(".") + "?" for p in parts]


_PREPOSITION = (r"(?:according\s+to|towards?|for|in|on|at|from|under|with|by|of|since|during|after|before|"
                r"into|over|about|between|per)")
_GAPPED = re.compile(rf"((?:{_WH})(?:\s+(?:much|many|long|often|far|old))?\s+)?({_PREPOSITION})\s+(?!{_WH}\b)\S",
                     re.IGNORECASE)
_CLAUSE = re.compile(rf"\b(?:{_WH}|{_AUX})\b", re.IGNORECASE)


def _gapped(previous: str, piece: str) -> str | None:
    """``piece`` asked in full when it leaves out what ``previous`` said ("..., and according to the
    useradd manual?", "..., and how much towards the ferry?"): ``previous`` up to the last place
    its preposition stands, then ``piece``. None when ``piece`` says more than a phrase (a verb of
    its own, a question word after its opening) or ``previous`` has no such preposition.

    >>> _gapped("How much did the fund put towards the desalination pilot?", "how much towards the ferry?")
    'How much did the fund put towards the ferry?'
    >>> _gapped("What changed in gzip 1.12?", "in which release was zgrep fixed?") is None
    True

    A piece that opens as ``previous`` does and leaves out the noun after the opening ("..., and
    what minimum did man-db require?") is given that noun back.

    >>> _gapped("What minimum Autoconf version did libpipeline require?", "what minimum did man-db require?")
    'What minimum Autoconf version did man-db require?'
    >>> _gapped("Which library does Jinja use?", "which library does man-db use?") is None
    True
    """
    m = _GAPPED.match(piece)
    if not m:
        return _noun_left_out(previous, piece)
    asked, preposition = (m.group(1) or "").strip(), m.group(2)
    rest = piece[m.start(2) :]
    if (asked and not previous.lower().startswith(asked.lower())) or _CLAUSE.search(rest):
        return None
    at = [found.start() for found in re.finditer(rf"\b{preposition}\b", previous, re.IGNORECASE)]
    if not at:
        return None
    return f"{previous[: at[-1]]}{rest.rstrip('?.')}?"


_OPENING = re.compile(rf"({_WH}(?:\s+(?!{_AUX}\b)[\w-]+)*?)\s+({_AUX})\b", re.IGNORECASE)


def _noun_left_out(previous: str, piece: str) -> str | None:
    """``piece`` with the words ``previous`` has between the same opening and its verb, when
    ``piece`` goes straight from the opening to its verb or says "which one" for them; None otherwise.

    >>> _noun_left_out("Which C standard is zstd written to?", "which one does systemd use?")
    'Which C standard does systemd use?'
    """
    short, full = _OPENING.match(piece), _OPENING.match(previous)
    if not short or not full:
        return None
    opening = short.group(1).lower()
    if not (full.group(1).lower().startswith(opening + " ") or opening in ("which one", "which ones")):
        return None
    return f"{full.group(1)} {piece[short.start(2) :]}"


_TOKEN = re.compile(r"[A-Za-z0-9][\w.+-]*[A-Za-z0-9+]|[A-Za-z0-9]")
_NAME_WORD = re.compile(r"[a-z0-9]+")
_GAP = 3  # words at most between a name and "and", and between "and" and the other name
# "the difference between A and B", "both A and B", "A and B together": one question about the two.
_TOGETHER = re.compile(r"\b(?:between|both|differ\w*|compar\w*|common|together|same|versus|vs)\b", re.IGNORECASE)
_RESPECTIVELY = re.compile(r",?\s*respectively\b", re.IGNORECASE)


def _name_words(name: str) -> set[str]:
    """The words of a file's name without its suffix: "man-db-news.md" → {"man", "db", "news"}."""
    return set(_NAME_WORD.findall(name.lower().rsplit(".", 1)[0]))


def _documents_named(token: str, names: dict[str, set[str]]) -> frozenset[str]:
    """The files whose names hold every word of ``token`` ("man-db" in man-db-news.md); a number
    alone names no file ("3,000" is not 000_report.txt)."""
    words = set(_NAME_WORD.findall(token.lower()))
    if not any(c.isalpha() for c in token):
        return frozenset()
    return frozenset(n for n, held in names.items() if words and words <= held)


def split_between(question: str, files: list[str]) -> list[str]:
    """A question about one thing in each of two named documents, one question per document;
    ``[question]`` when it is not one.

    The two are words of the documents' file names joined by "and", each naming other files
    ("which licences do uvicorn.md and black.md use" asks each README for its own), a few words
    apart at most; what stands between a name and "and" is said of both.

    >>> split_between("Under which licences are Uvicorn and Black distributed?", ["uvicorn.md", "black.md"])
    ['Under which licences are Uvicorn distributed?', 'Under which licences are Black distributed?']
    >>> split_between("Which Requests release and which pluggy release dropped Python 3.8?",
    ...               ["requests-history.md", "pluggy-changelog.txt"])
    ['Which Requests release dropped Python 3.8?', 'Which pluggy release dropped Python 3.8?']
    """
    if len(files) < 2 or _TOGETHER.search(question):
        return [question]
    names = {name: _name_words(name) for name in files}
    tokens = list(_TOKEN.finditer(question))
    for i, a in enumerate(tokens):
        if not (first := _few_named(a.group(), names)):
            continue
        for j in range(i + 1, min(i + 2 + _GAP, len(tokens))):
            if tokens[j].group().lower() != "and":
                continue
            for k in range(j + 1, min(j + 2 + _GAP, len(tokens))):
                if (other := _few_named(tokens[k].group(), names)) and not other & first:
                    return _both(question, tokens, i, j, k)
            break
    return [question]


def _few_named(token: str, names: dict[str, set[str]]) -> frozenset[str]:
    """The few files ``token`` names: none when it names more than half of three or more."""
    found = _documents_named(token, names)
    return frozenset() if len(names) > 2 and len(found) * 2 > len(names) else found


def naming_words(text: str, files: list[str]) -> set[str]:
    """The words of ``text``, in lower case, that name a few of ``files`` by their file names ("less"
    names less-news.txt, "charset-normalizer" charset-normalizer-cli.rst).

    >>> sorted(naming_words("Which file does logrotate use as its state file?", ["logrotate.txt", "apt.md"]))
    ['logrotate']
    """
    names = {name: _name_words(name) for name in files}
    return {t.group().lower() for t in _TOKEN.finditer(text) if _few_named(t.group(), names)}


def _both(question: str, tokens: list[re.Match[str]], a: int, conj: int, b: int) -> list[str]:
    """The question asked of ``tokens[a]`` alone and of ``tokens[b]`` alone: the words between A and
    "and" have as many after B ("gzip 1.12 and sed 4.9"), the words between "and" and B as many
    before A ("the 2022 Daxing tour and the 2023 Haidian tour")."""
    tail, lead = conj - a - 1, b - conj - 1
    if a - lead < 0 or b + tail >= len(tokens):
        return [question]
    first = question[:tokens[conj].start()].rstrip(" ,") + question[tokens[b + tail].end():]
    start = tokens[a - lead].start()
    second = question[:start] + question[tokens[conj].end():].lstrip()
    second = second[:1].upper() + second[1:] if start == 0 else second
    return [" ".join(_RESPECTIVELY.sub("", part).split()) for part in (first, second)]
