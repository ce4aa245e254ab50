"""The page over HTTP: four conversations at once with none crossing over, and what it serves."""

from __future__ import annotations

import html
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.browser.conftest import Served

pytestmark = pytest.mark.integration

# (first question, what its answer says, follow-up, the file both answers must cite)
CONVERSATIONS = [
    ("Which vaccine maker did the foreign journalists visit in Daxing in September 2022?", "Sinovac",
     "How many doses of its Covid-19 vaccine has it shipped worldwide?", "000_e935aa2152395e49.txt"),
    ("Which publication does the Pakistani editor Rao Abdul work for?", "Express Tribune",
     "What did he say about Beijing's economy?", "003_67ffcfc3e0323f3a.txt"),
    ("How many life and health companies have registered and set up in BDIAEZ so far?", "BDIAEZ",
     "How many of those were foreign-funded?", "002_a186494978dddfeb.txt"),
    ("Which province was described as one of the birthplaces of China's modern pharmaceutical industry?",
     "Hebei", "Where was that symposium held?", "004_82b1c8eb0c802c48.txt"),
]
FILES = {c[3] for c in CONVERSATIONS}


def _converse(url: str, first: str, follow_up: str) -> list[str]:
    from gradio_client import Client

    client = Client(url, verbose=False)  # one client, one session: its history lives on the server
    answers = []
    messages: list[object] = []
    for question in (first, follow_up):
        messages, *_ = client.predict(question, messages, api_name="/ask")
        answers.append(html.unescape(json.dumps(messages[-1], ensure_ascii=False)))
    return answers


def test_four_conversations_at_once(served: Served) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(_converse, served.url, first, follow_up)
                   for first, _, follow_up, _ in CONVERSATIONS]
        results = [f.result(timeout=600) for f in futures]
    for (_, fact, _, source), (first, second) in zip(CONVERSATIONS, results, strict=True):
        assert fact in first
        for answer in (first, second):
            assert source in answer
            assert not [other for other in FILES - {source} if other in answer], answer


def test_only_the_apps_own_files_are_served(served: Served) -> None:
    import urllib.error
    import urllib.request

    from assistant.settings import PROJECT_ROOT

    private = [Path("/etc/passwd"), PROJECT_ROOT / "seeds" / "000_e935aa2152395e49.txt",
               served.folder / "data" / "chroma.sqlite3", PROJECT_ROOT / "pyproject.toml"]
    for path in private:
        for route in (f"gradio_api/file={path}", f"file={path}"):
            try:
                with urllib.request.urlopen(served.url + route, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            assert status in (403, 404), (route, status)
    with urllib.request.urlopen(served.url, timeout=10) as page:
        assert "img-src 'self'" in page.headers["content-security-policy"]
