"""The chat page served for real and driven in Debian's Chromium through Playwright.

Playwright's own browser download cannot work here, so it is pointed at
/usr/bin/chromium (the test command installs it). Screenshots of the main states
go to test-artifacts/screenshots/, which CI keeps.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
SHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
CLI = [sys.executable, "-m", "assistant.cli"]

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """An `assistant serve` process on a free port, with its own data folder and settings."""

    def __init__(self, folder: Path, **settings: str) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.saved_cases = folder / "saved.jsonl"
        self.env = {**os.environ, "ASSISTANT_DATA_DIR": str(folder / "data"),
                    "ASSISTANT_SAVED_CASES": str(self.saved_cases), "GRADIO_TEMP_DIR": str(folder / "gradio"),
                    **{f"ASSISTANT_{k.upper()}": v for k, v in settings.items()}}
        self.log = (folder / "serve.log").open("w")
        self.process = subprocess.Popen([*CLI, "serve", "--port", str(self.port)], cwd=PROJECT_ROOT,
                                        env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def index(self, *paths: Path) -> None:
        subprocess.run([*CLI, "index", *map(str, paths)], cwd=PROJECT_ROOT, env=self.env, check=True,
                       capture_output=True, timeout=300)

    def wait(self, timeout: float = 180) -> Served:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.folder / "serve.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"assistant serve did not listen on {self.port} within {timeout} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def serve_seeds(folder: Path, **settings: str) -> Served:
    """Index seeds/ into a fresh folder first, then serve it."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data)}
    subprocess.run([*CLI, "index", str(PROJECT_ROOT / "seeds")], cwd=PROJECT_ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    return Served(folder, **settings)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = serve_seeds(tmp_path_factory.mktemp("served")).wait()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), args=FLAGS,
            headless=True, viewport={"width": 1200, "height": 1000}, accept_downloads=True,
        )
        yield context
        context.close()


@pytest.fixture()
def new_page(browser_context: object) -> Iterator[Callable[[str], object]]:
    pages = []

    def open_page(url: str) -> object:
        page = browser_context.new_page()  # type: ignore[attr-defined]
        page.set_default_timeout(120_000)
        page.goto(url)
        page.wait_for_selector("#status")
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()


def screenshot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
