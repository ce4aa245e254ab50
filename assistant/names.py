"""Names a question gives that the documents must contain for it to be answerable.

A question that names something exactly (a version "gzip 1.13", a release "Debian 14", an
identifier "asn1_der_decoding2" or "PKCS#8") is about that thing; when none of the documents the
evidence comes from mentions it anywhere, they do not say, however well the rest of the question
matches. The same holds for a question built around proper names ("Who painted the Mona Lisa?"):
when two or more of its capitalised names and none of the others appear in those documents, it is
about something else. One missing capitalised word is let through: "the Filipino journalist" is
answered by a text that says "the Philippines". And a question about a thing ("What is the chemical
symbol for gold?") is about something else when no word of that thing is in them.

>>> named_identifiers("When was gzip 1.13 released, and is PKCS#8 or asn1_der_decoding2 in it?")
['1.13', 'pkcs#8', 'asn1_der_decoding2']
>>> proper_names("Who painted the Mona Lisa? Which museum holds it?")
['mona', 'lisa']
>>> unnamed("What is the codename of Debian 14?", "Debian 12 is called bookworm.")
"the documents never mention '14'"
>>> unnamed("Which files does gzip 1.12 compress?", "Changes in release 1.12: ...")
>>> unnamed("How long does a 2048-bit key take?", "Keysize (bits): 2048; time: 6.55 sec.")
>>> unnamed("What did Pillow 13 drop?", "Pillow 13.0.0 has dropped support for Python 3.10.")
"""

from __future__ import annotations

import re

from assistant.kinds import PARTS
from assistant.lexical import terms

# A word with a figure in it ("1.13", "16-bit", "pkcs#8", "covid-19") or an underscore
# ("max_connections"): a thing named exactly. One character ("the 3 options") is too loose.
_IDENTIFIER = re.compile(r"[\w#+/-]*\d[\w#.+/-]*|\w*_\w+")
_WORD = re.compile(r"[\w'’-]+")
# "..., instead of silently dropping it?": "instead of", "because of" open no thing asked about
_ASKED_OF = re.compile(r"(?:what|which|who)\b[^?]*?\b(?<!instead )(?<!because )(?<!out )(?<!spite )(?:of|for)\s+"
                       r"(?:the\s+|a\s+|an\s+)?([^?,]+)\?$", re.IGNORECASE)
_CLAUSE = re.compile(r"\b(?:is|are|was|were|be|been|do|does|did|has|have|had|can|could|will|would|should|must|may)\b",
                     re.IGNORECASE)  # "... for an entry is absent?": a clause, not the thing asked about
_LONG_OPTION = re.compile(r"(?<![\w-])--[a-zA-Z][a-zA-Z-]*[a-zA-Z]")
_MEASURE = re.compile(r"(\d[\d.,]*)-[a-z]+")
# Markdown's escape (HTML and Word files are read as Markdown): "sg3\_utils" names sg3_utils.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_NUMBER_WORDS = dict(enumerate(("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                                "ten", "eleven", "twelve")))
MISSING_NAMES = 2
"""How many capitalised names of a question must be missing from the documents to refuse it."""


def named_identifiers(question: str) -> list[str]:
    """The exactly named things of ``question``, in lower case: with a long option ("--ultra"), which
    the documents of a tool that has it name as it is. Two names joined by a slash are two
    ("libxml2/libxslt": a text says "libxml2 and libxslt").

    >>> named_identifiers("Is it built against libxml2/libxslt or lib/x86_64/ld.so?")
    ['libxml2', 'libxslt', 'lib/x86_64/ld.so']
    """
    found = (m.group(0).strip(".-/+").lower() for m in _IDENTIFIER.finditer(question))
    options = [m.group(0).lower() for m in _LONG_OPTION.finditer(question)]
    names = [n for n in found if len(n) > 1 and ".." not in n]
    return [t for n in names for t in (n.split("/") if _PAIR.fullmatch(n) else [n])] + options


_PAIR = re.compile(r"[a-z][\w.+-]*/[a-z][\w.+-]*")


# A sentence ends before the next one's capital; "e.g. FOO" and "i.e. BAR" end none.
_SENTENCE_END = re.compile(r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<=[.!?])\s+(?=[A-Z\"“])")
# "like [3/120]", "such as libc6", "e.g. FOO=1": an example the asker gives, not what the question is about.
_EXAMPLE = re.compile(r"\b(?:like|such as|e\.g\.|for example|for instance)\s+\S+", re.IGNORECASE)


def asked_identifiers(question: str) -> list[str]:
    """The exactly named things of the sentences that ask (those ending in a question mark), without the
    examples the asker gives. A sentence before them sets the scene in the asker's words ("My editor wants a
    compile_commands.json. Which Ninja subtool makes one?"): the documents may name it otherwise.

    >>> asked_identifiers("Ninja prints a prefix like [3/120]. What is its format string in Ninja 1.11?")
    ['1.11']
    """
    sentences = _SENTENCE_END.split(question.strip())
    asking = [s for s in sentences if s.rstrip().endswith("?")] or sentences
    return named_identifiers(_EXAMPLE.sub(" ", " ".join(asking)))


def proper_names(question: str) -> list[str]:
    """The capitalised words of ``question`` that do not open a sentence, in lower case."""
    names = []
    for m in _WORD.finditer(question):
        word = re.sub(r"['’]s$", "", m.group(0))
        before = question[: m.start()].rstrip()
        if before and before[-1] not in ".?!:\"“" and word[0].isupper() and len(word) > 2 \
                and not any(ch.isdigit() for ch in word):
            names.append(word.lower())
    return names


def identifier_in(name: str, text: str) -> bool:
    """Whether ``text`` (in lower case) names ``name`` as it is, not a longer number or name holding it."""
    # "1.13" is not in "1.3.13" or "1.130"; "100" is in "100MB"; "_paths" is in "utils.extract_paths";
    # "Pillow 13" is in "Pillow 13.0.0": a release's trailing zeros may be left out.
    # A figure with its unit ("2048-bit", "30-day") is in a text that gives the figure: a table's
    # "Keysize (bits)" column holds 2048.
    measure = _MEASURE.fullmatch(name)
    if measure and name not in text:
        name = measure.group(1)
    before = r"(?<![\d.])" if name[0].isdigit() else r"(?<!\w)"
    after = r"(?:\.0)*(?!\d|\.\d)" if name[-1].isdigit() else r"(?!\w)"
    if re.search(before + re.escape(name) + after, text):
        return True
    return name.isdigit() and int(name) in _NUMBER_WORDS and f" {_NUMBER_WORDS[int(name)]} " in f" {text} "


def _name_in(name: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(name), text) is not None  # "philippine" is in "philippines"


def unnamed(question: str, documents: str) -> str | None:
    """Why ``documents`` (the whole text of the documents retrieval found) cannot be about
    ``question``, or None when they may be. A question in two parts ("..., and which ...?") is
    refused only when neither part's names are there: the documents may answer the other."""
    text = " ".join(_ESCAPED.sub(r"\1", documents).lower().split())
    reasons = [_unnamed(part, text) for part in PARTS.split(question)]
    return reasons[0] if all(reasons) else None


def _unnamed(question: str, text: str) -> str | None:
    missing = [name for name in asked_identifiers(question) if not identifier_in(name, text)]
    if missing:
        return f"the documents never mention {missing[0]!r}"
    names = proper_names(question)
    absent = [name for name in names if not _name_in(name, text)]
    # "the Nigerian journalist on the Daxing tour" is about Daxing, whatever the text calls Nigerians
    if len(absent) >= MISSING_NAMES and len(absent) == len(names):
        return f"the documents never mention {' or '.join(repr(n) for n in absent)}"
    # "What is the chemical symbol for gold?": what the question asks about, after its last "of" or "for"
    thing = _ASKED_OF.match(question.strip())
    if thing and not _CLAUSE.search(thing.group(1)):
        said = [w for w in _WORD.findall(thing.group(1).lower()) if terms(w)]
        if said and not any(_name_in(w, text) or _name_in(terms(w)[0], text) for w in said):
            return f"the documents never mention {thing.group(1)!r}"
    return None
