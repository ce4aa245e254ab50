"""What kind of answer a question asks for, and whether a text holds one.

"How many ...?" wants a number (as "How long / large / often ...?" do: a measure is a figure),
"How much did it cost?" an amount of money and
"When ...?" a date ("When does it run?", asking after something that recurs, is also answered by the
event it follows: "at the end of every compaction"); a short answer of another kind ("Tianjin" for "Roughly how
many attended?") is the small model picking the wrong span, however well the
span is supported by its source.

>>> asked_kind("Roughly how many people attended?"), holds("number", "nearly one hundred people")
('number', True)
>>> asked_kind("Which limits.conf item caps how many files a user can open?")
>>> asked_kind("Starting with which gzip release does -l work?"), holds("version", "Changes in 1.12: -l works.")
('version', True)
>>> asked_kind("When did it open?"), holds("date", "in Tianjin")
('date', False)
>>> asked_kind("When does it run?"), holds("time", "It runs after every compaction.")
('time', True)
>>> asked_kind("What is the overall investment in the base?"), asked_kind("What is the plan?")
('money', None)
>>> holds("number", "It was held on the 8th."), holds("number", "It has 2,961 members.")
(False, True)
>>> asked_kind("How much did Acme invest in the port?"), holds("money", "It will build 400,000 square meters.")
('money', False)
>>> holds("money", "The total investment exceeds RMB 50 billion."), holds("money", "Fares rose to £3.40.")
(True, True)
"""

from __future__ import annotations

import re

from assistant.lexical import words

NUMBER_WORDS = frozenset((
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "hundreds",
    "thousand", "thousands", "million", "millions", "billion", "billions", "dozen", "dozens", "half",
    "once", "twice", "thrice",
))
# A figure, but not an ordinal: "on the 8th" does not say how many.
_COUNT = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?!\d|[.,]\d|(?:st|nd|rd|th)\b)")
_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)(?:[a-z]*)\b", re.IGNORECASE)
# A day of the month or of the week: "on the 8th", "on Tuesday".
_DAY = re.compile(r"\b(?:[12]?\d|3[01])(?:st|nd|rd|th)\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:1[5-9]\d\d|20\d\d)\b")
_QUANTITY = r"(?:number|amount|percentage|share|proportion|cost|price|value|investment|revenue|budget|" \
            r"population|total|size|distance|capacity|rate|length|limit|interval|delay|timeout|duration|" \
            r"period|count|depth|width|height|weight|speed|frequency|threshold|payout)s?"
# "What is the default maximum line length?": a measure after up to three words asks for a figure.
_ASKS_NUMBER = re.compile(
    rf"\bhow (?:many|much|long|large|big|far|often|old|tall|high|wide|deep|heavy|small|fast)\b|\bwhat {_QUANTITY}\b"
    rf"|\bwhat (?:is|was|are|were|will be) (?:the |its |their )?(?:[\w-]+ ){{0,3}}?{_QUANTITY}\b"
    rf"|\b(?:which|what) numeric\b"
    rf"|\b(?:which|what) (?:tcp |udp |network )?port\b(?! of\b)"  # "On which port can I reach it?": a number
    # "What's the most ports I can list?" (not "the most dangerous attack")
    rf"|\bwhat(?:['’]s| is| was| are| were) the (?:most|fewest) (?![\w-]*(?:ous|ss)\b)[a-z-]+s\b"
    # "What is the largest the dictionary will be?" (not "the largest city"): a measure, no thing
    rf"|\bwhat(?:['’]s| is| was| are| were| will be| would be) the (?:largest|smallest|biggest|longest|shortest|"
    rf"highest|lowest|maximum|minimum|most|least|fewest) (?:that |which )?(?:the|a|an|it|they|i|you|we|one|"
    rf"possible|allowed|permitted|supported)\b"
)
# Words of money: "how much" beside one of them, or "what is the cost", asks for an amount of money.
_MONEY = r"(?:money|invest\w*|fund\w*|costs?|spen[dt]\w*|pa(?:y|ys|id)|prices?|budgets?|revenues?|worth|fees?|" \
         r"fares?|salar(?:y|ies)|profits?|earn\w*|rais(?:e|ed)|grants?|loans?)"
_ASKS_MONEY = re.compile(
    rf"\bhow much\b.*\b{_MONEY}\b"
    rf"|\bwhat (?:is|was|are|were|will be) (?:the |its |their |(?:[\w-]+ ){{0,3}}?[\w-]+(?:'s|’s) )?(?:[\w-]+ )?"
    rf"{_MONEY}\b"
    rf"|\bwhat (?:will|would|does|did|do|could) (?:[\w'-]+ ){{1,6}}(?<!the )(?<!its )(?<!their )cost\b"
)
# An amount of money: a currency sign or name next to a figure, or a figure in millions or more that
# counts nothing named after it ("raised 2 million", not "2.3 million different test instances").
_AMOUNT = re.compile(
    r"[$£€¥₹]\s?\d|\d\s?(?:p|k|m|bn)\b|\b(?:rmb|cny|usd|eur|gbp|hkd|yuan|renminbi|dollars?|euros?|pounds?|pence"
    r"|cents?|yen|rupees?|francs?)\b"
    r"|\d\s*(?:million|billion|trillion)\b(?!\s+(?!(?:in|of|for|to|from|and|or|a|an|the|per|each|by|on|at|with|"
    r"was|were|is|are|will|has|had|over|into|this|that|last|next)\b)[a-z]{3,})",
    re.IGNORECASE,
)
# A share of a whole: "what share of the doses", "what percentage of homes".
_ASKS_SHARE = re.compile(r"\bwhat (?:share|percentage|proportion|fraction|per ?cent(?:age)?)\b|\bhow much of\b")
_PART = re.compile(r"\d\s?%|\bper ?cent\b|\bpercentage\b|\b(?:half|halves|third|thirds|quarter|quarters|fifth|"
                   r"fifths|tenth|tenths)\b|\b\d+\s+(?:in|out of)\s+\d",
                   re.IGNORECASE)
# "Which release fixed it?", "Starting with which version ...": a version number answers, nothing else.
# "version" or "release" as what is asked for ("which release added", "what version of"), not as a
# word describing something else ("the three release channels", "the release notes").
# "What is the minimum GCC version required?": the words before the version may follow "what is the".
_ASKS_VERSION = re.compile(r"(?:(?:starting )?(?:with|from|since|as of) )?"
                           r"(?:which|what(?: is| was| are| were)? the|what) (?:[\w.-]+ ){0,3}?"
                           r"(?:version|release)s?(?=\s*(?:[?,.]|$)|\s+(?:of|in|for|on|that|did|does|do|is|was|were|"
                           r"has|had|have|will|would|can|could|should|must|first|introduced|added|made|removed|"
                           r"dropped|lost|deprecated|changed|brought|fixed|became|started|stopped|needs?|needed|requires?|required|"
                           r"supports?|supported|ships?|shipped|up|onwards?|upwards)\b)")
# "2.1.0", "version 3", "v10", and a package's "uuid@12" (npm's name@version)
_VERSION = re.compile(r"(?<![\w.:])v?\d+(?:\.\d+)+|\b(?:version|release)s? \d|\bv\d|(?<=\w)@v?\d+(?:\.\d+)*\b",
                      re.IGNORECASE)
# "When does it run?" asks after what recurs: the event it follows answers as well as a date does.
_ASKS_TIME = re.compile(r"\bwhen (?:does|do)\b")
_TIME_CLAUSE = re.compile(r"\b(?:when|whenever|after|before|once|until|till|during|while|every|each time|upon"
                          r"|as soon as|at (?:the )?(?:end|start|beginning)"
                          r"|(?:on|at) (?:start-?up|boot|exit|shutdown|restart)"
                          r"|daily|weekly|monthly|hourly|immediately)\b", re.IGNORECASE)
_ASKS_DATE = re.compile(r"\bwhen\b|\b(?:what|which) (?:year|month|date|day)s?\b|\bon what\b")


# A clause before the question proper: "When it is full, how much ...", "By default, how long ...".
_LEAD_CLAUSE = re.compile(r"^(?:when|if|after|before|once|while|since|as|for|in|on|at|during|throughout|across|"
                          r"within|between|among|with|without|according to|"
                          r"by default|apart from|besides|unless|given|assuming|under)\b[^,?]*,\s*"
                          r"(?=(?:what|which|who|whom|whose|where|why|how|(?:in|on|at|by|from|to|for|with|under) "
                          r"(?:what|which)|is|are|does|do|did|can|should|will)\b)")
# Words that may open a question before what it asks: "Roughly how many", "And in what year".
_OPENING = r"(?:(?:and|but|so|then|also|roughly|approximately|about|around|exactly|just|in|on|at|by|for|from|" \
           r"to|since|until|of|during|within|after|before|over|under|per|up to|at most|at least|[a-z]+ly)\s+)*"
# "Normally how long ...", "Within how many days ...", "After how many failed logins ..."
PARTS = re.compile(r",\s+and\s+|;\s+")


def asking_parts(question: str) -> list[str]:
    """The question in lower case, cut into the parts that each ask something, each without the
    clause or the statement that sets the scene before it ("When X is empty, which group ..." and
    "I want it under /opt. Which variable do I set?" ask "which group ..." and "which variable ...").

    >>> asking_parts("When it is full, how much water does it hold, and who built it?")
    ['how much water does it hold', 'who built it?']
    >>> asking_parts("I want pip to install under /opt. Which environment variable do I set?")
    ['which environment variable do i set?']
    """
    sentences = _STATEMENT_END.split(" ".join(question.split()))
    asking = sentences[next((i for i, s in enumerate(sentences) if s.endswith("?")), 0):]
    parts = PARTS.split(" ".join(asking).lower())
    return [_LEAD_CLAUSE.sub("", part, count=1) for part in parts]


_STATEMENT_END = re.compile(r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<=[.!])\s+(?=[A-Z])")


def asked_kind(question: str) -> str | None:
    """``"share"``, ``"money"``, ``"number"``, ``"version"``, ``"time"``, ``"date"``, or None when the question's
    shape does not say.

    The kind is read where a part of the question starts asking: "Which item caps how many files
    a user may open?" asks for an item, not a number."""
    for q in asking_parts(question):
        for kind, pattern in (("share", _ASKS_SHARE), ("money", _ASKS_MONEY), ("number", _ASKS_NUMBER),
                              ("version", _ASKS_VERSION), ("time", _ASKS_TIME), ("date", _ASKS_DATE)):
            if re.match(_OPENING + f"(?:{pattern.pattern})", q):
                return kind
    return None


def unstated(question: str, text: str) -> str:
    """``text`` without the version numbers and figures ``question`` names: the release a question is about
    ("Which charset_normalizer version does Requests 2.32.0 require?") is not its answer, nor is the 9 of
    "BIND 9" the port asked for in "Which port does BIND 9 use for DNS over TLS?".

    >>> unstated("What does Requests 2.32.0 require?", "2.32.0 (2024-05-20): needs chardet 3.0.2")
    ' (2024-05-20): needs chardet 3.0.2'
    """
    named = {m.group().lower() for m in _VERSION.finditer(question)}
    figures = {m.group() for m in _COUNT.finditer(question)}  # "BIND 9" names BIND, and counts nothing
    text = _VERSION.sub(lambda m: "" if m.group().lower() in named else m.group(), text)
    return _COUNT.sub(lambda m: "" if m.group() in figures else m.group(), text)


def answers_kind(question: str, text: str) -> bool:
    """Whether ``text`` holds an answer of the kind ``question`` asks for, other than a version the
    question names itself: "Pillow 13.0.0" does not say which Python release Pillow 13.0.0 dropped."""
    kind = asked_kind(question)
    return holds(kind, unstated(question, text) if kind in ("version", "number") else text)


def has_month(text: str) -> bool:
    """Whether ``text`` names a month, written with its capital: "you may also" names none."""
    return any(w[0].isupper() and _MONTH.fullmatch(w) and _is_month(w) for w in _LETTERS.findall(text))


_LETTERS = re.compile(r"[A-Za-z]+")


def _is_month(word: str) -> bool:
    full = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
            "october", "november", "december")
    return any(m.startswith(word.lower()) or word.lower() == m for m in full) and len(word) >= 3


def has_day(text: str) -> bool:
    return bool(_DAY.search(text))


def has_year(text: str) -> bool:
    return bool(_YEAR.search(text))


# A section's number opening a heading ("4.4. Specifying Supported Versions", "2.1 Directory layout ›")
# counts nothing and is no release: the document's outline, not an answer.
# Texinfo's chapters go without the dot ("4 Development Policy › 4.1 Patches/Committing: "): a number
# opening a title with a heading under it is one too.
_SECTION_NUMBER = re.compile(r"(?:^|(?<=› ))(?:(?i:chapter|section) )?"
                             r"(?:\d+(?:\.\d+)*\.|\d+(?:\.\d+)+|\d+(?=\s+[A-Z][^›:\n]*›))\s+(?=[A-Z])")


def holds(kind: str | None, text: str) -> bool:
    """Whether ``text`` contains an answer of ``kind`` (always, for no kind). A section number
    opening a heading is not one.

    >>> holds("version", "2.4. The glob files: The globs2 file is a list."), holds("version", "1.12: -l works.")
    (False, True)
    """
    text = _SECTION_NUMBER.sub("", text)
    if kind == "share":
        return bool(_PART.search(text))
    if kind == "money":
        return bool(_AMOUNT.search(text))
    if kind == "number":
        return bool(_COUNT.search(text)) or any(w in NUMBER_WORDS for w in words(text))
    if kind == "date":
        return has_year(text) or has_month(text) or has_day(text)
    if kind == "time":
        return holds("date", text) or bool(_TIME_CLAUSE.search(text))
    if kind == "version":
        return bool(_VERSION.search(text))
    return True
