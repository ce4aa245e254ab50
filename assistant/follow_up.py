"""Whether a question depends on the conversation before it, or stands on its own.

A follow-up points back: a pronoun or a demonstrative with nothing to refer to in the question
itself ("When was it released?", "What does that option do?"), an opening that continues the
previous turn ("And on Linux?", "What about the server?"), or no word of its own to search for
("Why?"). Anything else is answered on its own: "What is the capital of France?" asked after a
question about vaccines is not about vaccines.
"""

from __future__ import annotations

import re

from assistant.lexical import terms

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Words that stand for something said before.
_POINTING = frozenset(
    ["it", "its", "itself", "they", "them", "their", "theirs", "themselves", "he", "him", "his", "she", "her",
     "hers", "this", "these", "those", "such", "former", "latter", "else"]
)
# "that" and "there" point back unless they are a relative pronoun ("the option that deletes")
# or an existential ("is there a way"): "that" points back near the question's start ("Who
# founded that company?"), after these words, or at the end.
_BEFORE_POINTING_THAT = frozenset(
    ["what", "when", "where", "why", "how", "who", "which", "is", "was", "are", "were", "does", "did", "do",
     "about", "of", "in", "for", "with", "from", "to", "on", "by", "at", "after", "before", "since", "than",
     "like", "mean", "means", "get", "set", "change", "use"]
)
_EXISTENTIAL = frozenset(["is", "are", "was", "were", "be", "been", "will", "would", "can", "could"])
# "is it possible to", "it takes": an "it" that stands for nothing.
_DUMMY_IT = re.compile(r"\bit(?:'s| is| was)? (?:possible|necessary|safe|true|required|recommended|allowed|"
                       r"ok|okay|a good idea|better|worth|takes|take|mean)\b")
_OPENINGS = ("and ", "but ", "so ", "or ", "also ", "then ", "what about ", "how about ", "same ",
             "what else", "anything else", "why not")


def is_follow_up(question: str) -> bool:
    """Whether ``question`` needs the conversation before it to be understood.

    >>> is_follow_up("When was it released?"), is_follow_up("What is the capital of France?")
    (True, False)
    >>> is_follow_up("And on Debian?"), is_follow_up("Is there a way to limit memory per user?")
    (True, False)
    """
    text = " ".join(question.lower().replace("’", "'").split())
    if text.startswith(_OPENINGS) or not terms(question):
        return True
    words = _WORD.findall(_DUMMY_IT.sub(" ", text))
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if word in _POINTING:
            return True
        if word == "that" and (not after or i <= 3 or before in _BEFORE_POINTING_THAT):
            return True
        if word == "there" and before not in _EXISTENTIAL and after not in _EXISTENTIAL:
            return True
    return False
