"""The shape of the answer a question asks for, to rank the evidence that can give one first.

"Which contractor ...?" is answered by a sentence naming someone ("... by Brenlow Civil
Engineering"), "Which option turns it off?" by one holding an option or identifier ("--fast"),
"In which directory ...?" by one holding a path, "What email address ...?" or "Where do I send bug
reports?" by one holding an address, "How many ...?" by one holding a figure (the
kinds of :mod:`assistant.kinds`). A sentence that only repeats the question's own words
("the contractor will need safe access") matches it as well as the answer does and answers
nothing; a small bonus for holding something of the asked shape, not already in the question,
puts the answering one first.

>>> answer_shape("Which contractor was picked?"), answer_shape("Which option turns that check off?")
('name', 'code')
>>> answer_shape("In which directory are they kept?"), answer_shape("What is the plan?")
('path', None)
>>> fits("name", "Which contractor was picked?", "The work goes to Brenlow Civil Engineering.")
True
>>> fits("code", "Which option skips the check?", "As a safety measure the check runs.")
False
"""

from __future__ import annotations

import re

from assistant.kinds import asked_kind, asking_parts, holds
from assistant.lexical import terms, words

# "which X" asking for something that has a name: the answer names it, with a capital.
_NAMED = frozenset(terms(
    "company companies firm firms contractor manufacturer supplier organisation organization agency university "
    "school team person people developer author publisher vendor bank group council body department ministry "
    "newspaper outlet outlets channel station brand maintainer maintainers project projects distribution "
    "distributions library libraries tool tools server servers package packages"
))
# "which X" asking for something written as code: an option, a name in a program.
_CODE = frozenset(terms(
    "option options flag flags switch argument arguments parameter parameters keyword function functions method "
    "methods class variable variables setting settings field fields key keys command commands directive directives "
    "exception exceptions warning warnings signal signals event events constant constants"
))
_PATH = frozenset(terms("file files directory directories folder folders path paths"))
_ASKING = re.compile(r"^(?:(?:and|but|so|then|also|in|on|at|by|for|from|to|with|under|of)\s+)*"
                     r"(who|whom|whose|which|what)\b\s*((?:[\w'./+-]+\s+){0,3})")

# An option, a name in a program, or a word set in quotes as it is typed ("the 'vrrp' protocol").
_CODE_TOKEN = re.compile(r"(?<!\w)--?[A-Za-z][\w-]*|\b\w+_\w+\b|\b\w+\(\)|\b[A-Z][A-Z0-9_]{2,}\b"
                         r"|\b[a-z]+[A-Z]\w*|`[^`]+`|\b\w+=\S*|\b[a-z_]+\.[a-z_]+\b|(?<!\w)'[a-z][\w.-]*'(?!\w)")
# "/etc/htoprc", "~/.config", "./run"; not "publish/deploy" or "and/or", words joined by a slash
_PATH_TOKEN = re.compile(r"(?<![\w/])(?:~|\.{0,2})/[\w.-]+"
                         r"|\b[\w-]+\.(?:conf|cfg|toml|ini|json|ya?ml|txt|md|py|sh|d|rc)\b")
# A capitalised word inside a sentence (not the first word of one).
_NAME_TOKEN = re.compile(r"(?<=[^\s.!?:]\s)[A-Z][\w&.-]+")
# "What email address ...?", "Where do I send bug reports?": an address to write to, or a page to go to.
_ASKS_ADDRESS = re.compile(r"\be-?mail\b|\bmailing list\b|\bwhere (?:\w+ ){0,3}(?:send|report|submit|mail)\b")
# "Where does etckeeper record file owners?", "Where does htop look for its configuration file?": a path.
_ASKS_PATH = re.compile(r"\bwhere\b (?:[\w'.-]+ ){0,6}(?:store[sd]?|storing|keep|keeps|keeping|kept|records?|recorded"
                        r"|puts?|putting|placed|saves?|saved|writes?|written|installs?|installed|looks?|reads?|goes|go"
                        r"|ends? up|lives?|located)\b")
# The section a unit is shown under: a man page's capitals, or a heading path.
_SECTION = re.compile(r"^(?:[A-Z][A-Z0-9 ]+|[^:\n]*›[^:\n]*): ")
_ADDRESS_TOKEN = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]*\w|\bhttps?://\S+")


def answer_shape(question: str) -> str | None:
    """``"name"``, ``"code"``, ``"path"``, ``"address"`` (an email address or a web page), a kind of
    :func:`assistant.kinds.asked_kind`, or None."""
    for part in asking_parts(question):
        kind = asked_kind(part)
        if kind:
            return kind
        if _ASKS_ADDRESS.search(part):
            return "address"
        m = _ASKING.match(part)
        wh, asked = (m.group(1), set(terms(m.group(2)))) if m else ("", set())
        if wh in ("who", "whom", "whose"):
            return "name"
        for shape, nouns in (("code", _CODE), ("path", _PATH), ("name", _NAMED)):
            if asked & nouns:
                return shape
        if _ASKS_PATH.search(part.lower()):
            return "path"
    return None


def fits(shape: str | None, question: str, text: str) -> bool:
    """Whether ``text`` holds something of ``shape`` that ``question`` does not already say. The
    section it is shown under ("DESCRIPTION: ", "Usage › Deprecations: ") is not part of it: a man
    page's capitals name no option.

    >>> fits("code", "Which option?", "DESCRIPTION: [options]: general parameters.")
    False
    """
    if shape is None:
        return False
    text = _SECTION.sub("", text)
    if shape == "name" and _CONTACT.search(question.lower()) and fits("address", question, text):
        return True  # "Whom should the managers get in touch with?": "... contact assign@gnu.org."
    pattern = {"name": _NAME_TOKEN, "code": _CODE_TOKEN, "path": _PATH_TOKEN, "address": _ADDRESS_TOKEN}.get(shape)
    if pattern is None:
        return holds(shape, text)
    said = {w.lower() for w in words(question)}
    return any(m.group(0).lower().strip(".`'") not in said for m in pattern.finditer(text))


# Asking whom to reach: answered by a name, or by an address to write to.
_CONTACT = re.compile(r"\b(?:contact|get in touch|write to|reach|notify|report (?:it|this|them) to)\b")
