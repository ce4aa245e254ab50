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
     "like", "mean", "means", "get", "set", "change", "use", "has", "have", "had", "will", "would", "can", "could",
     "should", "must"]
)
# Verbs that take a thing as their object ("how do I stop that file", "to disable that option"), said by
# the asker (after "I", "to", "can" or first); elsewhere the word may be a noun ("the Requests fix that
# stops ...", where "that" opens a relative clause).
_VERBS = frozenset(
    ["stop", "keep", "turn", "switch", "disable", "enable", "install", "uninstall", "remove", "run", "configure",
     "fix", "undo", "avoid", "prevent", "find", "open", "edit", "delete", "call", "try", "update", "upgrade",
     "replace", "pass", "add", "apply", "build", "start", "restart", "limit", "override", "reset"]
)
_ASKER = frozenset(["i", "you", "we", "to", "please", "can", "could", "should", "would", "will", "do", "does",
                    "not", "then", "and"])
# "Turn that off", "look that up": "that" before a particle is the thing turned off.
_PARTICLES = frozenset(["off", "on", "up", "out", "down", "back", "away", "again", "instead", "too", "either"])
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
        verb = before in _VERBS and (i == 1 or words[i - 2] in _ASKER)
        if word == "that" and (not after or i <= 3 or before in _BEFORE_POINTING_THAT or verb or after in _PARTICLES
                               or after in ("one", "ones")):  # "How do I pick that one?"
            return True
        if word == "there" and before not in _EXISTENTIAL and after not in _EXISTENTIAL:
            return True
    return False


_PERSONAL = frozenset(["it", "its", "itself", "they", "them", "their", "theirs", "themselves"])
# The subject of a question asked with an auxiliary: "which facility does [dnsmasq] use", "how much
# has the [council] set aside", "which encoding did the [charset-normalizer] CLI report".
_SUBJECT = re.compile(r"\b(?:does|do|did|is|are|was|were|has|have|had|must|can|could|should|will|would)\s+"
                      r"(?:(?:the|a|an)\s+)?([\w.+-]+)", re.IGNORECASE)


def points_back_past(question: str, subjects: set[str]) -> bool:
    """Whether ``question`` needs what was said before it, where "it", "its", "they" and the like
    after a subject from ``subjects`` (words in lower case) stand for that subject: "which facility
    does dnsmasq use for its debugging output?" says what it is about, "by what percentage did its
    ridership rise?" and "since which dnsmasq release is it available?" do not.

    >>> points_back_past("which facility does dnsmasq use for its debugging output?", {"dnsmasq"})
    False
    >>> points_back_past("since which dnsmasq release is it available?", {"dnsmasq"})
    True
    """
    subject = next((m for m in _SUBJECT.finditer(question) if m.group(1).lower().rstrip(".") in subjects), None)
    if subject is None:
        return is_follow_up(question)
    after = " ".join(w for w in question[subject.end():].split() if w.lower().strip("?.,;:!()") not in _PERSONAL)
    return is_follow_up(f"{question[: subject.end()]} {after}")


# What an answer names that a follow-up may point back to: a version or a name holding a figure
# ("0.40.0", "libnss_mdns4.so.2"), an option ("--upgrade-strategy"), a name written as code, a path.
_NAMED = re.compile(r"(?<![\w/.-])(?:--?[A-Za-z][\w-]*|[\w+-]*[A-Za-z_.][\w+-]*\d[\w.+-]*|\d+(?:\.\d+)+[\w.+-]*"
                    r"|[A-Za-z_]\w+(?:\.[A-Za-z_]\w+)+(?:\(\))?|\w+_\w+(?:\(\))?|(?:~|\.{1,2})?/[\w./-]+|`[^`\n]+`)")
_MARKER = re.compile(r"\[\d+\]")


def answer_names(answer: str, said: str, most: int = 5) -> list[str]:
    """The names in an earlier ``answer`` that ``said`` (the questions) does not hold: "in that same
    release", after "That was 0.40.0.", is 0.40.0, and the follow-up is searched with it.

    >>> answer_names("That was 0.40.0 [1].", "Which release added the tags command? And in that same release?")
    ['0.40.0']
    """
    found: list[str] = []
    for m in _NAMED.finditer(_MARKER.sub(" ", answer)):
        name = m.group(0).strip("`").rstrip(".,;:")
        if name and name.lower() not in said.lower() and name not in found:
            found.append(name)
    return found[:most]
