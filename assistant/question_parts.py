"""A question that asks two things at once, cut into the questions it asks.

"Which library does Jinja use for escaping, and which library does man-db use to run commands?"
asks two questions, often about two documents. Retrieval for the whole finds the first document's
passages and the model answers one half, so each part is answered on its own and the answers are
joined (see :meth:`assistant.answering.Answerer.ask`).

A part must ask something of its own: "..., and if so, for what?" or "Which Requests release and
which pluggy release each dropped Python 3.8?" (one predicate for both) stay whole. A statement
before the question ("My package needs a user id. Whom must I ask?") stays with the first part.
The rule reads English question words.
"""

from __future__ import annotations

import re

_WH = r"(?:what|which|who|whom|whose|where|when|why|how)"
_AUX = r"(?:is|are|was|were|does|do|did|can|could|should|will|would|has|have|name|list)"
_LEAD = r"(?:(?:and|but|also|then|so)\s+)?(?:(?:in|on|at|by|from|to|for|with|under|since|of|until)\s+)?"
# A question word where a question or a clause starts (after punctuation), or a wh-word within its
# first words ("membership in which group", "Apart from X, membership in which group", "for how long").
_ASKING = re.compile(rf"(?:^|[,:.;]\s+){_LEAD}(?:{_WH}|{_AUX})\b|(?:^|[,:.;]\s+)(?:\S+\s+){{1,3}}{_LEAD}{_WH}\b",
                     re.IGNORECASE)
_CUT = re.compile(rf",\s+and\s+|;\s+|\?\s+(?=[A-Z])|\s+and\s+(?={_WH}\b)", re.IGNORECASE)
_DEPENDENT = re.compile(r"(?:and\s+)?(?:if so|if not|otherwise|or)\b", re.IGNORECASE)
_SHORTEST = 5  # words in a part before the last: "Which Requests release" is half a question


def question_parts(question: str) -> list[str]:
    """The questions ``question`` asks, each ending in "?"; ``[question]`` when it asks one.

    >>> question_parts("What is the default UID_MAX of useradd, and which shell does adduser assign?")
    ['What is the default UID_MAX of useradd?', 'which shell does adduser assign?']
    >>> question_parts("Does the GPL let me charge for a copy, and if so, for what?")
    ['Does the GPL let me charge for a copy, and if so, for what?']
    """
    parts: list[str] = []
    lead = ""
    for piece in (p.strip() for p in _CUT.split(" ".join(question.split()))):
        if not piece:
            continue
        if not parts and not _ASKING.search(piece):
            lead += piece.rstrip("?") + ("" if piece.endswith((".", ":")) else ";") + " "  # sets the scene
        elif parts and (not _ASKING.search(piece) or len(piece.split()) < 3 or _DEPENDENT.match(piece)):
            parts[-1] = f"{parts[-1].rstrip('?')}, and {piece}"
        else:
            parts.append(piece if parts else lead + piece)
    if len(parts) < 2 or any(len(p.split()) < _SHORTEST for p in parts[:-1]):
        return [question]
    return [p if p.endswith("?") else p.rstrip(".") + "?" for p in parts]
