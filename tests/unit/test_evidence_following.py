"""Evidence units read with the units that follow them in the same section."""

from __future__ import annotations

from fakes import FakeEmbedder

from assistant.answering import _with_sources
from assistant.evidence import EvidenceSelector, pieces
from assistant.lexical import TextWeights
from assistant.types import Chunk, Hit, Passage, Sentence

QUESTION = "I get linker errors when building. Which command gives me a C compiler on a Mac?"
TEXT = (
    "# Installing\n\n"
    "If you get linker errors when building, you should install a C compiler.\n"
    "On macOS, you can get one by running xcode-select --install.\n\n"
    "# Updating\n\n"
    "Run rustup update to get the newest release.\n"
)


def _select(following: int, count: int = 1, text: str = TEXT) -> list[str]:
    chunk = Chunk("c1", "install.md", "/docs/install.md", "Installing", text, 0, len(text), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=count, lexical_weight=1.0, following=following)
    passages = selector.select(QUESTION, FakeEmbedder.vector(QUESTION), [Hit(chunk, 1.0)], TextWeights([text]))
    return [p.text for p in passages]


def _best(text: str, question: str) -> list[Passage]:
    """The best unit of a one-chunk document ``text``, read with the one after it."""
    chunk = Chunk("c1", "doc.md", "/docs/doc.md", "Doc", text, 0, len(text), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0, following=1)
    return selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text]))


def test_the_sentence_after_the_best_is_read_with_it() -> None:
    alone, = _select(following=0)
    widened, = _select(following=1)
    assert alone == "If you get linker errors when building, you should install a C compiler."
    assert widened == f"{alone} On macOS, you can get one by running xcode-select --install."


def test_a_unit_never_reaches_over_a_heading() -> None:
    text = ("# Installing\n\nYou get linker errors when building without a C compiler.\n\n"
            "# Updating\n\nRun rustup update.\n")
    widened, = _select(following=1, text=text)
    assert widened == "You get linker errors when building without a C compiler."


def test_a_unit_inside_a_wider_one_is_not_chosen_again() -> None:
    passages = _select(following=1, count=2)
    assert len(passages) == 2
    assert passages[0].endswith("xcode-select --install.")
    assert passages[1] == "Run rustup update to get the newest release."


def test_the_passage_spans_both_units_in_the_document() -> None:
    chunk = Chunk("c1", "install.md", "/docs/install.md", "Installing", TEXT, 0, len(TEXT), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0, following=1)
    passage, = selector.select(QUESTION, FakeEmbedder.vector(QUESTION), [Hit(chunk, 1.0)], TextWeights([TEXT]))
    assert TEXT[passage.start : passage.end].startswith("If you get linker errors")
    assert TEXT[passage.start : passage.end].endswith("xcode-select --install.")


def test_a_unit_is_never_shown_twice() -> None:
    text = ("Harbour works begin in June.\n"
            "The harbour wall works are paid by the council and the harbour board.\n"
            "They cost 3 million pounds.\n")
    chunk = Chunk("c1", "h.txt", "/docs/h.txt", "Harbour", text, 0, len(text), "sha")
    question = "Who pays for the harbour wall works?"
    selector = EvidenceSelector(FakeEmbedder(), count=2, lexical_weight=1.0, following=1)
    first, second = (p.text for p in selector.select(
        question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text])))
    assert first == ("The harbour wall works are paid by the council and the harbour board. "
                     "They cost 3 million pounds.")
    assert second == "Harbour works begin in June."


def test_a_sentence_repeated_in_several_sections_is_read_once() -> None:
    # body-parser's README says the same of "inflate" under each of its parsers: read once, it leaves
    # room for the sentence that names the encodings
    repeated = "When set to true, deflated (compressed) bodies will be inflated.\n\n"
    text = ("# json\n\n" + repeated + "# raw\n\n" + repeated + "# text\n\n" + repeated
            + "# Parsers\n\nAll parsers inflate gzip and br bodies.\n")
    chunk = Chunk("c1", "README.md", "/docs/README.md", "body-parser", text, 0, len(text), "sha")
    question = "Which deflated (compressed) bodies will be inflated?"
    selector = EvidenceSelector(FakeEmbedder(), count=2, lexical_weight=1.0)
    passages = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text]))
    assert sorted(p.text for p in passages) == ["All parsers inflate gzip and br bodies.",
                                                 "When set to true, deflated (compressed) bodies will be inflated."]


def test_a_list_item_that_goes_on_is_not_added() -> None:
    text = ("# Colours\n\nThe --color option takes an argument saying when to colour a line.\n\n"
            "- --color=always,\n- --color=never.\n")
    passage, = _best(text, "Which argument does the --color option take?")
    assert passage.text == "The --color option takes an argument saying when to colour a line."


def test_a_list_item_shown_alone_does_not_end_on_its_separator() -> None:
    text = ("# Features\n\n"
            "- install apps into isolated environments, so that a C compiler error never breaks another app;\n"
            "- run apps without installing them; and\n"
            "- list what is installed.\n")
    item, = _select(following=0, text=text)
    assert item == ("Features: install apps into isolated environments, so that a C compiler error never "
                    "breaks another app")


E2FSCK = """\
DESCRIPTION

       broken_system_clock
              The e2fsck(8) program has some heuristics that assume  that  the
              system clock is correct.  In addition, many system programs make
              similar assumptions.  For example, the UUID library  depends  on
              time  not going backwards in order for it to be able to make its
              guarantees about issuing universally unique ID's.  Systems  with
              broken  system clocks, are well, broken.  However, broken system
              clocks, particularly in embedded systems, do exist.  E2fsck will
              attempt  to  use  heuristics to determine if the time can not be
              trusted; and to skip time-based checks if this is true.  If this
              boolean  is set to true, then e2fsck will always assume that the
              system clock can not be trusted.


       buggy_init_scripts
              This boolean relation is  an  alias  for  accept_time_fudge  for
              backwards compatibility; it used to be that the behavior defined
"""


def test_a_later_sentence_of_a_definition_is_shown_with_its_term() -> None:
    chunk = Chunk("c1", "e2fsck.conf.txt", "/docs/e2fsck.conf.txt", "e2fsck", E2FSCK, 0, len(E2FSCK), "sha")
    question = "Which option makes e2fsck always assume the clock can not be trusted?"
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0)
    best, = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([E2FSCK]))
    assert best.text == ("broken_system_clock: If this boolean is set to true, then e2fsck will always assume "
                         "that the system clock can not be trusted.")


THREE = ("If you get linker errors when building, you should install a C compiler.\n"
         "A C compiler also builds the packages that depend on C code.\n"
         "On macOS, you can get one by running xcode-select --install.\n")


def _passage(text: str, following: int) -> Passage:
    chunk = Chunk("c1", "install.txt", "/docs/install.txt", "Installing", text, 0, len(text), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0, following=following)
    passage, = selector.select(QUESTION, FakeEmbedder.vector(QUESTION), [Hit(chunk, 1.0)], TextWeights([text]))
    return passage


def test_a_passage_knows_where_each_following_unit_begins() -> None:
    passage = _passage(THREE, following=2)
    assert [passage.text[b:b + 12] for b in passage.breaks] == ["A C compiler", "On macOS, yo"]
    assert _passage(THREE, following=0).breaks == ()


def test_the_quote_ends_with_the_unit_that_holds_the_answer() -> None:
    passage = _passage(THREE, following=2)
    late, = _with_sources([Sentence("xcode-select --install", (1,), True)], [passage])
    assert late.text == passage.text
    early, = _with_sources([Sentence("install a C compiler", (1,), True)], [passage])
    assert early.text == "If you get linker errors when building, you should install a C compiler."
    assert early.text[slice(*early.highlight)] == "install a C compiler"
    # Words the source does not hold as written mark no unit: the passage is quoted whole.
    unplaced, = _with_sources([Sentence("Run the Xcode installer", (1,), True)], [passage])
    assert unplaced.text == passage.text and unplaced.highlight is None


def test_a_sentence_that_points_back_is_read_with_the_one_before_it() -> None:
    # cattrs: "This is useful if an attribute name is a reserved keyword in Python." names no override;
    # the sentence before it, in the same paragraph, names "rename".
    text = ("# Overrides\n\n"
            "The omit override leaves a field out of the dictionary.\n\n"
            "Using the rename override makes the converter use the provided name instead of the real one.\n"
            "This is useful if an attribute name is a reserved keyword in Python.\n")
    question = "Which override helps when a field's name is a reserved keyword in Python?"
    chunk = Chunk("c1", "c.md", "/docs/c.md", "Overrides", text, 0, len(text), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0)
    best, = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text]))
    assert best.text == ("Using the rename override makes the converter use the provided name instead of the real "
                         "one. This is useful if an attribute name is a reserved keyword in Python.")
    assert text[best.start : best.end] == best.text.replace("one. This", "one.\nThis")


def test_a_conditional_that_points_back_is_read_with_the_sentence_before_it() -> None:
    # rsnapshot's upgrade notes: "If it does, the original will be saved as ..." says what "it" does
    # only with the sentence before it: the script that reads the config file.
    text = ("# Upgrading\n\n"
            "Run make upgrade.\n\n"
            "An upgrade script will read your existing config file and make changes if necessary.\n"
            "If it does, the original will be saved as rsnapshot.conf.backup in the same directory.\n")
    question = "When the upgrade script changes my config file, where does the original end up?"
    chunk = Chunk("c1", "u.txt", "/docs/u.md", "Upgrading", text, 0, len(text), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0)
    best, = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text]))
    assert best.text == ("An upgrade script will read your existing config file and make changes if necessary. "
                         "If it does, the original will be saved as rsnapshot.conf.backup in the same directory.")


def test_a_sentence_pointing_back_to_the_heading_over_it_is_shown_under_that_heading() -> None:
    # Node.js's Intl guide: "A binary created this way ..." points back to "This option ...", which
    # points back to the heading naming the option; read alone, neither says which mode is meant
    text = ("# Options\n\n## Embed the entire ICU (full-icu)\n\n"
            "This option makes the binary link against ICU statically.\n"
            "A binary created this way supports all locales.\n"
            "This is the default if no flag is passed.\n\n## Other\n\nNothing else is said here.\n")
    chunk = Chunk("c1", "i.md", "/docs/i.md", "Options", text, 0, len(text), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0)
    question = "Which build supports all locales?"
    best, = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text]))
    assert best.text == ("Embed the entire ICU (full-icu): This option makes the binary link against ICU statically. "
                         "A binary created this way supports all locales.")
    # "This is the default" points back to the sentence before it, which points back in turn
    question = "Which build is the default if no flag is passed?"
    best, = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text]))
    assert best.text == ("Embed the entire ICU (full-icu): This option makes the binary link against ICU statically. "
                         "A binary created this way supports all locales. This is the default if no flag is passed.")


def test_an_option_pointed_back_to_is_read_back_to_its_name() -> None:
    # rkhunter's FAQ: "This option can be omitted" points past the sentence before it, which names no
    # option, to the one naming it; read from there, the three say which option updates the data files
    text = ("# Cron\n\n"
            "The job runs every day.\n"
            "Note that the '--update' option has been included.\n"
            "The scanner will first update its data files, and then check the system.\n"
            "This option can be omitted, but it keeps the data files up to date.\n")
    chunk = Chunk("c1", "f.md", "/docs/f.md", "Cron", text, 0, len(text), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0)
    question = "Which option can be omitted but keeps the data files up to date?"
    best, = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text]))
    assert best.text == ("Note that the '--update' option has been included. The scanner will first update its data "
                         "files, and then check the system. This option can be omitted, but it keeps the data files "
                         "up to date.")


def test_a_sentence_that_points_back_over_a_paragraph_break_stands_alone() -> None:
    text = ("# Overrides\n\nUsing the rename override makes the converter use another name.\n\n"
            "This is useful if an attribute name is a reserved keyword in Python.\n")
    question = "What is useful if an attribute name is a reserved keyword in Python?"
    chunk = Chunk("c1", "c.md", "/docs/c.md", "Overrides", text, 0, len(text), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0)
    best, = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text]))
    assert best.text == "This is useful if an attribute name is a reserved keyword in Python."


def test_a_passage_gives_back_the_units_it_joins_with_their_headings() -> None:
    # lighttpd's "* test with server.listen-backlog = 16 (or lower)" read with the item after it,
    # "* (default) server.stat_cache-engine": the "(default)" belongs to the second item
    text = ("# Low-memory systems\n\n* test with server.listen-backlog = 16 (or lower)\n"
            "* (default) server.stat_cache-engine = \"simple\"\n")
    passage, = _best(text, "What is the default value for server.listen-backlog?")
    assert [(t.strip(), h) for t, h in pieces(passage)] == [
        ("Low-memory systems: test with server.listen-backlog = 16 (or lower)", "Low-memory systems"),
        ('(default) server.stat_cache-engine = "simple"', "Low-memory systems")]


def test_a_unit_ending_its_chunk_is_read_with_what_follows_it_in_the_next_chunk() -> None:
    first = TEXT.index("On macOS")
    ending = Chunk("c1", "install.md", "/docs/install.md", "Installing", TEXT[:first], 0, first, "sha")
    going_on = Chunk("c2", "install.md", "/docs/install.md", "Installing", TEXT[14:], 14, len(TEXT), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0, following=1)
    passage, = selector.select(QUESTION, FakeEmbedder.vector(QUESTION), [Hit(ending, 1.0), Hit(going_on, 0.5)],
                               TextWeights([TEXT]))
    assert passage.text.endswith("On macOS, you can get one by running xcode-select --install.")
    assert passage.chunk.id == "c2"  # the chunk that holds the whole passage, for its citation
