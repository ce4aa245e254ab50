"""The shape of the answer asked for, and the evidence ranked by holding one."""

from __future__ import annotations

import pytest
from fakes import FakeEmbedder

from assistant.evidence import EvidenceSelector
from assistant.lexical import TextWeights
from assistant.shapes import answer_shape, fits
from assistant.types import Chunk, Hit


@pytest.mark.parametrize(("question", "shape"), [
    ("Who picked the name for the new ferry?", "name"),
    ("Which Dutch-based company will run the plant?", "name"),
    ("Which option turns that safety check off?", "code"),
    ("Which tabulate keyword argument stops number parsing?", "code"),
    ("In which directory does pipx create the environments?", "path"),
    ("What email address can I escalate to?", "address"),
    ("Where should I send bug reports for GNU time?", "address"),
    ("How many buses are in the fleet?", "number"),
    ("Starting with which release does -l work?", "version"),
    ("What is the plan for the harbour?", None),
    ("Why was the dam strengthened?", None),
    ("When the tank is full, which valve opens?", None),  # a valve has no shape of its own
    ("which e2fsck.conf option makes it distrust the clock?", "code"),  # a file name among the first words
    ("In Trio, what exception does the non-blocking variant raise?", "code"),  # a name in a program
    ("Which h11 event must I send to finish my request?", "code"),
    ("Where does etckeeper record file owners and permissions?", "path"),  # where a program keeps something
    ("Where does htop look for its per-user configuration file?", "path"),
    ("Where were the visiting reporters given a briefing?", None),
    ("Which environment variable sets the directory where e2fsck stores its undo file?", "code"),
])
def test_the_shape_is_read_where_the_question_starts_asking(question: str, shape: str | None) -> None:
    assert answer_shape(question) == shape


@pytest.mark.parametrize(("shape", "text", "fit"), [
    ("name", "The contract went to Brenlow Civil Engineering.", True),
    ("name", "The contractor needs safe access to the Kessock dam.", False),  # only the question's own name
    ("code", "Pass --fast to skip it.", True),
    ("code", "Set disable_numparse=True in the call.", True),
    ("code", "As a safety measure the check runs; it is slow.", False),
    ("code", "It builds them with MkDocs instead.", False),  # a product's name is no name in a program
    ("code", "keepalived is supported by using the 'vrrp' ('112') protocol.", True),  # a word in quotes as typed
    ("code", "Don't use it, it's slow.", False),
    ("code", "DESCRIPTION: [options]: This stanza holds general settings.", False),  # a man page's section
    ("code", "OPTIONS: SaveIntervalSec=: The interval at which the time is saved.", True),
    ("path", "Environments live in ~/.local/pipx/venvs.", True),
    ("address", "You may escalate to the CNA at security@lists.openjsf.org.", True),
    ("address", "Report bugs at https://bugs.example.org/tasn1 please.", True),
    ("address", "To report bugs, please send electronic mail to bug-time.org.", False),  # no address: garbled
    ("path", "Each app gets an environment of its own.", False),
    ("path", "You may develop (and maybe publish/deploy) your project, and/or test it.", False),  # words, no path
    ("number", "It has 38 buses.", True),
    (None, "Anything at all.", False),
])
def test_a_text_fits_when_it_holds_something_of_the_shape_the_question_does_not_say(
    shape: str | None, text: str, fit: bool
) -> None:
    assert fits(shape, "Which contractor is working on the Kessock dam?", text) is fit


@pytest.mark.parametrize(("question", "fit"), [
    ("Whom should the company's managers get in touch with about the papers?", True),
    ("Who wrote the papers?", False),  # asks for a name; an address is none
])
def test_asked_whom_to_reach_an_address_answers(question: str, fit: bool) -> None:
    # GNU's maintainers' guide: "Please ask the appropriate managers to contact assign@gnu.org."
    assert fits("name", question, "Please ask the appropriate managers to contact assign@gnu.org.") is fit


def test_the_sentence_holding_a_name_is_ranked_above_one_repeating_the_question() -> None:
    text = ("The contractor for the Kessock dam works will need safe access to the embankment. "
            "The works were awarded to Brenlow, a firm from the valley.")
    chunk = Chunk("c1", "k.txt", "/docs/k.txt", "K", text, 0, len(text), "sha")
    question = "Which contractor is carrying out the Kessock dam works?"

    def best(bonus: float) -> str:
        selector = EvidenceSelector(FakeEmbedder(), count=1, lexical_weight=1.0, shape_bonus=bonus)
        return selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)],
                               TextWeights([text]))[0].text

    assert best(0.0).startswith("The contractor")
    assert best(1.0).startswith("The works were awarded to Brenlow")
