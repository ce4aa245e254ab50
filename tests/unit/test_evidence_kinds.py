"""Evidence ranking that reads what the question names: a one-letter option."""

from __future__ import annotations

from fakes import FakeEmbedder

from assistant.evidence import EvidenceSelector
from assistant.lexical import TextWeights
from assistant.types import Chunk, Hit


def _best(question: str, text: str, count: int = 1) -> list[str]:
    chunk = Chunk("c1", "manual.txt", "/docs/manual.txt", "manual", text, 0, len(text), "sha")
    selector = EvidenceSelector(FakeEmbedder(), count=count, lexical_weight=1.0)
    passages = selector.select(question, FakeEmbedder.vector(question), [Hit(chunk, 1.0)], TextWeights([text]))
    return [p.text for p in passages]


def test_a_one_letter_option_the_question_names_singles_out_its_sentence() -> None:
    text = ("The bc welcome is not printed when bc is started with -q.\n\n"
            "POSIXLY_CORRECT makes bc act the same as the -s option.\n")
    assert _best("Which variable makes bc behave as if started with -s?", text) == [
        "POSIXLY_CORRECT makes bc act the same as the -s option."]



def test_a_how_many_question_reads_first_the_unit_whose_figure_counts_what_it_asks() -> None:
    text = ("Logrus can register one or more functions that are called when any fatal level message is logged.\n\n"
            "Logrus has seven logging levels: Trace, Debug, Info, Warning, Error, Fatal and Panic.\n")
    question = "How many severity levels does logrus offer for fatal log messages?"
    first, second = _best(question, text, count=2)
    assert first.startswith("Logrus has seven logging levels")
    assert second.startswith("Logrus can register")
    # asked for something the figures do not count, the ranking stands
    assert _best("How many hooks can logrus call for a fatal message?", text, count=2)[0].startswith("Logrus can")




def test_a_placeholder_the_question_names_singles_out_its_sentence() -> None:
    # Claws Mail's actions: "%p" was no term, and the sentence explaining it ranked below one on another
    text = "An action's %f parameter is the current email file.\n\n%p stands for the selected decoded MIME part.\n"
    assert _best("What does %p stand for in an action?", text) == ["%p stands for the selected decoded MIME part."]
