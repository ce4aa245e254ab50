"""The focus check: refuse a question whose focus the retrieved text never mentions."""

from __future__ import annotations

import pytest
from fakes import FakeEmbedder, FakeGenerator

from assistant.kinds import answers_kind, asked_kind, holds
from assistant.refusal import FocusCheck, counted_noun, focus_words, measured_noun, missing_kind, unstated_default
from assistant.wiring import Assistant

REFUSAL = "The documents do not say."


@pytest.mark.parametrize(("question", "focus"), [
    ("Who is the CEO of Acme Holdings?", ["ceo"]),
    ("Who was the chief engineer on the bridge?", ["engineer"]),
    ("How many employees work at the plant?", ["employees"]),
    ("How many overseas representative offices has it opened?", ["offices"]),
    ("How many of those were foreign-funded?", []),
    ("What was Acme Holdings' revenue in 2022?", []),  # an owner without 's is not read
    ("What was Acme's revenue in 2022?", ["revenue"]),
    ("What is GNU bc's shipped limit for BC_DIM_MAX?", ["limit"]),  # the head before "for"
    ("What is the brand name of the vaccine?", ["brand"]),
    ("What is the overall investment in the base?", ["investment"]),
    ("What are the names of the journalists?", []),  # "names" is the kind of answer
    ("Which province is a birthplace of the industry?", []),  # the answer names the province
    ("How much floor space will it have?", []),  # a quantity: its unit, not its noun, appears
    ("What are the newest releases listed in the NEWS files?", ["releases"]),  # a verb after the head
    ("How many foreign journalists took part in the tour?", ["journalists"]),
    ("What is the top speed of the ferry?", ["speed"]),  # a noun in -eed
    ("It raised the timeout. What is the new value?", []),  # "new" places the value in time; it names nothing
    ("And what was the blocking portal's counterpart renamed to?", []),  # a relation: the text names the thing
    ("What is the simple way to make sa1 add the midnight record?", []),  # a manner: "simple" is no thing to find
])
def test_focus_words_read_the_questions_shape(question: str, focus: list[str]) -> None:
    assert focus_words(question) == focus


@pytest.mark.parametrize(("question", "evidence", "refused"), [
    ("In which month was it held?", "It was held in Tianjin on the 8th.", True),
    ("In which month was it held?", "It was held on Sept 8.", False),
    ("On what date did it open?", "It opened on August 23rd.", False),
    ("On what date was GCC 12.1 released?", "You may also want to check out the Porting to GCC 12 page.", True),
    ("In which month was it held?", "The fair was held in May.", False),
    ("On what day of the month was it held?", "It was held in Tianjin on the 8th.", False),
    ("On what day of the month was it held?", "It was held in Tianjin by the committee.", True),
    ("When did the market open?", "The market opened on Tuesday.", False),
    ("In what year was the base founded?", "The base is home to 50 firms.", True),
    ("When did the workshop take place?", "The workshop took place in 2018.", False),
    ("When did the workshop take place?", "The workshop took place on 20 January.", False),
    ("In what year was the authority set up?", "The authority closed the works on 20 January.", True),
    ("When it is full, how much water can it hold?", "When full it holds 4.2 billion litres.", False),
    ("Who designed it?", "Nobody knows.", False),
    ("How much did Acme invest in the port?", "Acme attended; 400,000 square meters will be built.", True),
    ("How much did Acme invest in the port?", "Acme put $20m into it.", False),
    ("What was the total cost of the library?", "It cost £3.7 million.", False),
    ("How many staff does it employ?", "It employs many local people.", True),
    ("How many staff does it employ?", "It employs nearly one hundred people.", False),
    ("What share of the doses went to poorer countries?", "It shipped 2.9 billion doses to 60 countries.", True),
    ("What share of the water leaked away?", "Some 23 per cent of the water was lost.", False),
    ("By what percentage did fares rise?", "Fares rose by a third.", False),
    # two parts: one that the evidence can answer is enough
    ("Which route was diverted, and by what percentage did its ridership rise?", "Route 14 was diverted.", False),
    ("In what year did it open, and how many staff does it employ?", "It employs staff.", True),
    # a section's number is no release, and the release a question names is not its answer
    ("In which release was the globs2 format introduced?", "2.4. The glob files: globs2 lists patterns.", True),
    ("In which release was the globs2 format introduced?", "Changes in 0.40: globs2 added.", False),
    ("Which charset_normalizer version does Requests 2.32.0 require?", "2.32.0: Requests uses chardet.", True),
    ("Which charset_normalizer version does Requests 2.32.0 require?", "2.32.0: needs charset_normalizer 2.0.", False),
    # a default asked for needs a text stating what holds when nothing is set; a reason does not
    ("What is the default port?", "The server listens on port 8080.", True),
    # asked in other words: "if I don't pass one", "when none is given"
    ("Which colour theme does the Syntax class use when I don't pass a theme argument?",
     "Rich uses the pygments library to implement syntax highlighting.", True),
    ("Which server URL does supervisorctl use when none is given?", "It uses http://localhost:9001 unless told.",
     False),
    # "unless I tell it otherwise", "unless told otherwise" (rlwrap's history, cron's shell)
    ("How many entries does rlwrap keep in its history unless I tell it otherwise?", "Limit it to N entries.", True),
    ("How many entries does rlwrap keep in its history unless I tell it otherwise?",
     "Limit it to N entries (default: 300).", False),
    ("Which shell does cron run commands with unless told otherwise?", "Commands are run by cron.", True),
    ("Why won't dnsmasq by default accept a client name with a domain part?", "Such names could be spoofed.",
     False),
    # a name asked for, of a thing that holds defaults, is no default asked for
    ("Which environment variable holds fzf's default options?", "FZF_DEFAULT_OPTS: e.g. --layout=reverse", False),
    # a way asked for, to change what holds by default, is no default asked for
    ("And how do I switch off one of the collectors that are on by default?", "Pass --no-collector.<name>.", False),
    # an e-mail address asked for needs one, however it is written; a licence asked for needs its name
    ("What e-mail address should I report security bugs to?", "Security bugs are handled by the core team.", True),
    ("What e-mail address should I report security bugs to?", "Write to security@harbour.example.", False),
    ("Which email address can I escalate to?", "Escalate to harbour-sec at example dot org.", False),
    ("Under which licence is the clock distributed?", "The clock is written in C and runs anywhere.", True),
    ("Under which licence is the clock distributed?", "It is released under the MIT License.", False),
    ("Which license does the project prefer for contributed code?", "Contributions should be LGPL 2.1+.", False),
    ("How much does a licence for the test harness cost?", "A licence costs $1,500.", False),
    # "when does" something recurring happen: the event it follows answers as a date does
    ("When does a fresh MANIFEST get created?", "A new MANIFEST file is created whenever the database is reopened.",
     False),
    ("When does the cleanup run?", "It runs at the end of every compaction.", False),
    ("When does the exhibition open?", "The exhibition opens on 5 October.", False),
    ("When does the exhibition open?", "The exhibition is held in the new hall.", True),
    ("When did the exhibition open?", "It opened whenever visitors came.", True),
    # a port is a number; the figure of a name the question gives itself ("BIND 9") is none
    ("According to the BIND 9 manual, which port does DNS over TLS use?", "BIND 9 supports DNS over TLS.", True),
    ("According to the BIND 9 manual, which port does DNS over TLS use?", "DNS over TLS uses port 853.", False),
    ("On which port can I reach the example app?", "It is served at http://localhost:5000/.", False),
])
def test_questions_need_the_kind_asked_for_in_the_evidence(question: str, evidence: str, refused: bool) -> None:
    assert (missing_kind(question, evidence) is not None) is refused



@pytest.mark.parametrize(("question", "noun"), [
    ("How many foreign journalists took part in the visit?", "journalists"),
    ("How many overseas representative offices has it opened?", "offices"),
    ("How many representatives from Hebei attended?", "representatives"),
    ("How many people signed her group's petition?", "people"),
    ("How many of those were foreign-funded?", None),
    ("What is the population?", None),
])
def test_counted_noun(question: str, noun: str | None) -> None:
    assert counted_noun(question) == noun


@pytest.mark.parametrize(("question", "noun"), [
    ("How much capital does the fund hold?", "capital"),
    ("How much fresh water per day will the plant produce?", "water"),
    ("How much did Acme invest?", None),
    ("What is the total land area of the base?", "area"),
    ("What is the fixed size of each record in the trust database?", None),  # any figure measures a size
])
def test_measured_noun(question: str, noun: str | None) -> None:
    assert measured_noun(question) == noun


@pytest.mark.parametrize(("question", "text", "measured"), [
    ("What is the total land area of the base?", "Over 50 projects have signed up.", False),
    ("What is the total land area of the base?", "It covers a land area of 120 hectares.", True),
    ("How much capital does the fund hold?", "The fund holds capital of RMB 2 billion.", True),
    ("How much capital does the fund hold?", "The 50 journalists came.", False),
    # memory is measured in bytes
    ("How much memory does one cell take up?", "Each cell takes up 12 bytes.", True),
    ("How much memory does one cell take up?", "Each cell holds 12 glyphs.", False),
    # two parts: the second is measured, so the question is not refused
    ("What is the total land area of the base, and how many projects were signed?", "The 50 projects were signed.",
     True),
])
def test_a_figure_must_measure_the_quantity_asked_for(question: str, text: str, measured: bool) -> None:
    assert (FocusCheck(FakeEmbedder()).uncounted(question, text) is None) is measured


@pytest.mark.parametrize(("question", "text", "counted"), [
    ("How many journalists came?", "Journalists from 60 countries came.", False),
    ("How many journalists came?", "57 journalists from 50 countries came.", True),
    ("How many sectors has it?", "It has six major sectors.", True),
    ("How many items were handed down?", "178 examination and approval items were handed down.", True),
    ("How many people used the ferry?", "It carried 180,000 passengers.", True),  # any count of people
    ("Who came?", "Journalists from 60 countries came.", True),  # not a "how many" question
    # a figure counting the thing the question's noun is made of: "connection attempts", "6 connections"
    ("How many connection attempts make ufw refuse an address?", "It denies an address that attempts to initiate "
     "6 or more connections within 30 seconds.", True),
    ("How many new jobs were created?", "The 50 new projects were signed.", False),
    # a unit written short counts what it abbreviates, not a word that only looks like it
    ("How many characters wide may a docstring line be?", "Keep docstrings under 76 chars per line.", True),
    ("How many packages does it ship?", "The manual runs to 40 pages.", False),
    # a setting's description says what its value counts: "Number of rounds ... Default value is '50000'."
    ("How many PBKDF2 rounds does it use by default?", "Number of rounds (or iterations) to use in PBKDF2 when "
     "computing the key. Default value is '50000'.", True),
    ("How many PBKDF2 rounds does it use by default?", "Number of threads to use. Default value is '4'.", False),
])
def test_a_figure_must_count_the_thing_asked_for(question: str, text: str, counted: bool) -> None:
    assert (FocusCheck(FakeEmbedder()).uncounted(question, text) is None) is counted


def test_focus_absent_from_every_chunk_is_a_reason_to_refuse() -> None:
    # FakeEmbedder hashes words into 64 buckets: "ceo" shares one with no word here.
    check = FocusCheck(FakeEmbedder())
    chunks = ["Acme Holdings builds bridges. Its chairman is Ann Lee.", "Acme employs 40 engineers."]
    assert check.reason("Who is the CEO of Acme Holdings?", chunks, chunks[0]) is not None
    assert check.reason("Who is the chairman of Acme Holdings?", chunks, chunks[0]) is None
    assert check.reason("How many engineers does Acme employ?", chunks, chunks[1]) is None


def test_the_focus_named_by_its_modifiers_under_another_head_is_present() -> None:
    check = FocusCheck(FakeEmbedder())
    chunks = ["It has handed down 178 examination and approval items to the zone."]
    question = "How many examination and approval powers were delegated to the zone?"
    assert check.reason(question, chunks, chunks[0]) is None
    assert check.reason("How many approval powers were delegated to the zone?", chunks, chunks[0]) is not None


def test_a_close_synonym_counts_as_present() -> None:
    class Synonyms(FakeEmbedder):
        def embed(self, texts: list[str], progress: bool = False) -> list[list[float]]:
            return super().embed(["staff" if t == "employees" else t for t in texts])

    chunks = ["The plant has 300 staff."]
    assert FocusCheck(Synonyms()).reason("How many employees work there?", chunks, chunks[0]) is None
    assert FocusCheck(FakeEmbedder()).reason("How many employees work there?", chunks, chunks[0]) is not None


def test_answerer_refuses_an_on_topic_question_without_asking_the_model(
    indexed: Assistant, generator: FakeGenerator
) -> None:
    answer = indexed.ask("Who is the treasurer of the engineering firm Calloway and Finch?")
    assert answer.refused and answer.text == REFUSAL and not answer.citations
    assert generator.calls == []
    assert any("treasurer" in note for note in answer.notes)


def test_focus_check_can_be_switched_off(make_assistant: object, generator: FakeGenerator) -> None:
    assistant = make_assistant(focus_check=False)  # type: ignore[operator]
    assistant.index()
    generator.queue(" Calloway and Finch [1].\n")
    answer = assistant.ask("Who is the treasurer of the engineering firm Calloway and Finch?")
    assert not answer.refused and len(generator.calls) == 1


@pytest.mark.parametrize(("question", "kind"), [
    ("Roughly how many people attended?", "number"),
    ("How much did it cost?", "money"),
    ("How much water can it hold?", "number"),
    # A measure is a figure too: a size, a length of time, a distance, a frequency.
    ("How large can a single comment block be?", "number"),
    ("By default, how long does it wait before retrying?", "number"),
    ("How often is a new stable version released?", "number"),
    ("How far off may the timestamps be?", "number"),
    ("What was the total fare revenue in 2024?", "money"),
    ("What was Acme's total revenue in 2024?", "money"),
    ("What will the plant cost to run each year?", "money"),
    ("What did the councillor say about the cost?", None),
    # A measure after a few words that qualify it: a figure.
    ("What is the default maximum line length it formats to?", "number"),
    ("What is the longest update interval it accepts?", "number"),
    ("Which numeric uid is reserved for the web server?", "number"),
    ("What is the default log format?", None),
    ("What's the most ports I can put in one rule?", "number"),  # "the most" before a plural counts
    ("What is the most dangerous attack?", None),
    ("When did it open?", "date"),
    ("In which year was it built?", "date"),
    ("Who designed it?", None),
    ("What share of the doses went abroad?", "share"),
    ("During the Zip 3.0 betas, to what percentage was the threshold lowered?", "share"),  # after a lead clause
    ("By what percentage is council tax going up?", "share"),
    ("How much of the budget went on roads?", "share"),
    ("Which release introduced the -z option?", "version"),
    ("What minimum Python version does it need?", "version"),
    ("What is the minimum GCC version required to build it?", "version"),
    ("What is the minimum Python version that the guide says is required?", "version"),
    ("What is the release date of 1.12?", None),  # not a version: "release" names the date
    ("Since which version has it been installed setgid?", "version"),
    ("From which Python version up can it build wheels?", "version"),
    ("Which release onwards supports it?", "version"),
    ("What are the three release channels of Rust?", None),
    ("What is in the release notes?", None),
    ("I reported a bug. Normally how long until someone confirms it?", "number"),  # an adverb before it asks
    ("Within how many days must the committee decide?", "number"),  # a preposition before it asks
    ("After how long open is a single approval enough?", "number"),
    ("Up to which major version did it do that?", "version"),
    ("Without a size given, what is the largest the dictionary will be?", "number"),  # a measure, no thing
    ("What is the largest city on the island?", None),
])
def test_asked_kind(question: str, kind: str | None) -> None:
    assert asked_kind(question) == kind


@pytest.mark.parametrize(("kind", "text", "ok"), [
    ("number", "nearly one hundred people", True),
    ("number", "in Tianjin", False),
    ("number", "2,576 entities", True),
    ("number", "The board met twice.", True),
    ("money", "RMB 10 billion", True),
    ("money", "a 40p rise", True),
    ("money", "2,576 entities", False),
    ("money", "The fund raised 2 million.", True),  # millions of nothing named: money
    ("money", "a test runs about 2.3 million different test instances", False),  # millions of instances
    ("date", "On Sept 27", True),
    ("date", "in 2018", True),
    ("date", "in Tianjin", False),
    ("share", "23 per cent of it", True),
    ("share", "half of the homes", True),
    ("share", "2.9 billion doses", False),
    ("date", "on the 8th", True),
    ("date", "the 8 stations", False),
    ("number", "4.4. Specifying Supported Versions: When not specified, all are used.", False),
    ("number", "Chapter 6. The Debian archives › 6.2.2. Names: They come from films.", False),
    ("number", "2 Apples were eaten.", True),
    ("version", "Release History › 2.32.0 (2024-05-20): Requests adds a feature.", True),
    ("version", 'Major changes between "less" versions 563 and 581: Add the --incsearch option.', True),
    ("version", "event='hi' time='2018-01-21T09:37:36.976816'", False),  # a time of day, not a version
    ("version", "Starting with uuid@12 CommonJS is no longer supported.", True),  # npm's name@version
    ("version", "Mail the maintainers at team@example.org.", False),
    # a Texinfo chapter's number, without its dot, counts nothing
    ("number", "4 Development Policy › 4.1 Patches/Committing: Send your changes as patches.", False),
    ("number", "4 Development Policy › 4.1 Patches/Committing: 1 week for big patches.", True),
    (None, "anything", True),
])
def test_holds(kind: str | None, text: str, ok: bool) -> None:
    assert holds(kind, text) is ok


@pytest.mark.parametrize(("text", "ok"), [
    ("Pillow 13.0.0", False),  # the release the question names is no answer to it
    ("Pillow has dropped support for Python 3.10.", True),
])
def test_a_version_the_question_names_is_no_answer_of_its_kind(text: str, ok: bool) -> None:
    question = "Which Python release lost support in Pillow 13.0.0?"
    assert asked_kind(question) == "version"
    assert answers_kind(question, text) is ok


def test_an_answer_shown_without_the_kind_asked_for_is_refused(
    make_assistant: object, generator: FakeGenerator
) -> None:
    """The evidence holds a year (1987, of the harbour wall), the sentence the answer comes from none."""
    assistant = make_assistant(kind_check=False)  # type: ignore[operator]
    assistant.index()
    generator.queue(" Calloway and Finch [1].\n")
    answer = assistant.ask("In what year did Calloway and Finch design the new breakwater at Port Ellery?")
    assert "1987" in " ".join(p.text for p in answer.passages)
    assert answer.refused and not answer.citations
    assert any("year" in note for note in answer.notes), answer.notes


@pytest.mark.parametrize(("question", "shown", "refused"), [
    # supervisor's manual gives --serverurl's default beside --minfds, and never --minfds's own
    ("What is the default value of supervisord's --minfds option?",
     ['-s, --serverurl URL: URL on which supervisord server is listening (default "http://localhost:9001").'], True),
    ("What is the default value of supervisord's --minfds option?",
     ["-a NUM, --minfds=NUM: The minimum number of file descriptors; the default is 1024."], False),
    ("Which HTML tags are in bleach's default ALLOWED_TAGS list?", ["Bleach strips tags by default."], True),
    ("What is the default value of max_count_problems in e2fsck.conf?",
     ["max_count_problems: this relation sets a threshold; if it is not set, there is no limit."], False),
    # no setting named: the rule does not apply
    ("What is the default highest UID in adduser.conf?", ["LAST_UID: the default is 29999."], False),
    ("Why does --minfds default to 1024?", ["It keeps the process running."], False),  # a reason, not a default
    # a release asked of a named thing: the sentence (or the headings over it) must be about that thing
    ("Which HTML tags are in bleach's default ALLOWED_TAGS list?",
     ["By default, Bleach escapes tags that aren't in the allowed tags list."], True),  # words, not the name
    # two list items shown as one quote: the "(default)" is the second's
    ("What is lighttpd's default value for server.listen-backlog?",
     ["test with server.listen-backlog = 16 (or lower)", '(default) server.stat_cache-engine = "simple"'], True),
    # a header named in capitals joined by hyphens is a setting's name; another header's default is not its own
    ("What value does Helmet set for the Referrer-Policy header by default?",
     ["Breaking: helmet.expectCt is no longer set by default."], True),
    ("What value does Helmet set for the Referrer-Policy header by default?",
     ['Referrer-Policy now defaults to "no-referrer".'], False),
    ("Apart from Greg Kroah-Hartman, who is on the stable team by default?", ["Sasha Levin is, by default."], False),
])
def test_a_default_of_a_named_setting_must_be_stated_beside_that_name(question: str, shown: list[str],
                                                                      refused: bool) -> None:
    assert (unstated_default(question, shown) is not None) == refused


@pytest.mark.parametrize(("question", "shown", "heading", "refused"), [
    ("In which Pillow version is ImageQt.align8to32() scheduled to be removed?",
     "The IM image format is deprecated; removal is planned in Pillow 15.0.0.", "Deprecations › IM image format",
     True),
    ("In which Pillow version is ImageQt.align8to32() scheduled to be removed?",
     "It will be removed in Pillow 14.", "Deprecations › ImageQt align8to32()", False),
    ("In which Valgrind release was the --keep-debuginfo option introduced?",
     "Release 3.14.0 added --show-error-list=yes.", "", True),
    # a PDF's heading loses the underscores of the name it gives
    ("Starting with which libtasn1 version can the buffer be left out of asn1_der_decoding_startEnd?",
     "Note that since libtasn1 3.7 the ider parameter can be omitted.", "asn1 der decoding startEnd", False),
    ("Which release of libtasn1 added DER decoding?", "Version 3.7 added it.", "", False),  # nothing named exactly
])
def test_a_release_asked_of_a_named_thing_must_be_given_on_that_thing(question: str, shown: str, heading: str,
                                                                      refused: bool) -> None:
    assert (unstated_default(question, [shown], [heading]) is not None) == refused
