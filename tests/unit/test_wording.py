"""wording: what the page says, in plain words, with no server paths and no code marks."""

from __future__ import annotations

from assistant import wording
from assistant.indexing import IndexReport
from assistant.overview import DocumentSummary


def test_upload_results_are_sentences() -> None:
    assert wording.upload_result("report.pdf", IndexReport(added=["/srv/data/uploads/report.pdf"])) == \
        "Added report.pdf."
    assert wording.upload_result("report.pdf", IndexReport(updated=["/x/report.pdf"])).startswith("Updated report.pdf")
    assert wording.upload_result("report.pdf", IndexReport(unchanged=["/x/report.pdf"])) == \
        "report.pdf is already in the index, unchanged."


def test_problems_show_no_server_paths_or_backticks() -> None:
    said = wording.problem("the index in /home/ann/.assistant-data is empty; run `assistant index` first")
    assert "/home" not in said and "`" not in said and "&#96;" not in said
    assert ".assistant&#45;data" in said  # the folder's own name stays
    refused = wording.model_refused("broken.gguf", "model file /srv/models/broken.gguf is not a GGUF file "
                                    "(it is truncated or corrupt); put a GGUF file in /srv/models and ...")
    assert "/srv" not in refused and "broken.gguf could not be loaded" in refused and "put a GGUF" not in refused


def test_the_reply_to_hello_lists_the_documents_and_what_they_cover() -> None:
    documents = [DocumentSummary(f"{i}.md", f"/d/{i}.md", f"Title <{i}>", 1, f"Opening {i}.") for i in range(10)]
    reply = wording.overview_reply(documents, "greeting", ["What about it?"])
    assert reply.startswith('<div class="overview">Hello. I answer questions from the 10 documents')
    assert "Title &#60;0&#62;" in reply and "Opening 7." in reply and "<0>" not in reply
    assert "and 2 more (see Documents)" in reply and "What about it?" in reply
    assert "Hello" not in wording.overview_reply(documents, "contents", [])
    assert "index is empty" in wording.overview_reply([], "greeting", [])
