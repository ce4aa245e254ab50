"""The package as a user installs it: a wheel built from the repository, used where no checkout is in sight.

The wheel is built from a copy of what git would clone (tracked and new, not ignored, files), the way
``pipx install git+...`` gets it, installed with ``pip install --target`` into a temporary folder, and
run from a temporary working directory with ``PYTHONSAFEPATH=1``: nothing of the checkout is on
``sys.path``, so only what the wheel carries can be read. The real bundled models answer (they come in
their own packages, already in this environment).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]

NOTE = """\
The Harbour Lantern Society

The Harbour Lantern Society was founded in 1887 by the lighthouse keeper Ottoline Brask.
Its members repaint the old lantern on the north pier every spring.
The society meets on the first Tuesday of each month in the ferry house.
"""


def _clone_like_git(dest: Path) -> None:
    """Copy the files a git clone would hold (tracked or new, never ignored) as they are on disk now."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is still listed
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name, follow_symlinks=False)


def _pip(*args: str, cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build an sdist from the clone, then the wheel from that sdist (what ``python -m build`` does)."""
    source, dist = tmp_path_factory.mktemp("clone"), tmp_path_factory.mktemp("dist")
    _clone_like_git(source)
    sdist = subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools import build_meta as b; print(b.build_sdist(sys.argv[1]))",
         str(dist)], cwd=source, capture_output=True, text=True, timeout=600)
    assert sdist.returncode == 0, sdist.stdout + sdist.stderr
    _pip("wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(dist),
         str(dist / sdist.stdout.strip().splitlines()[-1]), cwd=dist)
    (built,) = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def site(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    _pip("install", "--no-deps", "--no-compile", "--target", str(target), str(wheel), cwd=target)
    return target


class Installed:
    """The installed console script, or Python, run from a working directory outside the checkout."""

    def __init__(self, site: Path, work: Path) -> None:
        self.site, self.work = site, work
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k != "PYTHONPATH"}
        self.env.update(PYTHONPATH=str(site), PYTHONSAFEPATH="1", HF_HUB_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")

    def __call__(self, *args: str, python: bool = False) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, *args] if python else [str(self.site / "bin" / "assistant"), *args]
        return subprocess.run(command, cwd=self.work, env=self.env, capture_output=True, text=True, timeout=600)


@pytest.fixture()
def run(site: Path, tmp_path: Path) -> Installed:
    work = tmp_path / "work"
    work.mkdir()
    return Installed(site, work)


def test_the_wheel_is_named_for_what_it_is_and_carries_what_is_read_at_run_time(wheel: Path) -> None:
    assert wheel.name.startswith(DISTRIBUTION.replace("-", "_") + "-"), wheel.name
    assert DISTRIBUTION != "assistant"
    names = set(zipfile.ZipFile(wheel).namelist())
    for prompt in sorted((ROOT / "prompts").glob("*.txt")):
        assert f"assistant/prompts/{prompt.name}" in names
    for asset in sorted((ROOT / "assistant" / "web_assets").iterdir()):
        assert f"assistant/web_assets/{asset.name}" in names
    dist_info = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    entry_points = zipfile.ZipFile(wheel).read(dist_info).decode()
    assert "assistant = assistant.cli:main" in entry_points
    assert "assistant-answers = assistant.pytest_plugin" in entry_points


def test_installed_package_finds_its_own_prompts_and_keeps_data_out_of_the_checkout(site: Path, run: Installed) -> None:
    probe = run("-c", "import json, assistant, assistant.settings as s; t = s.load_settings(); "
                "print(json.dumps({'package': assistant.__file__, 'prompts': str(t.prompts_dir), "
                "'data': str(t.data_dir.resolve()), 'models': str(t.models_dir.resolve()), "
                "'docs': [str(d) for d in t.docs]}))", python=True)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert Path(found["package"]).is_relative_to(site), found  # not the checkout, not the editable install
    prompts = Path(found["prompts"])
    assert prompts == site / "assistant" / "prompts", found
    assert sorted(p.name for p in prompts.glob("*.txt")) == sorted(p.name for p in (ROOT / "prompts").glob("*.txt"))
    for key in ("data", "models"):
        assert not Path(found[key]).is_relative_to(site), found
        assert not Path(found[key]).is_relative_to(ROOT), found
    assert found["docs"] == [], found  # seeds/ is not shipped: there is nothing to index by default

    shown = run("settings")
    assert shown.returncode == 0, shown.stderr
    assert f"prompts_dir = {prompts}" in shown.stdout


def test_installed_command_indexes_and_answers_with_a_citation_outside_the_checkout(site: Path, run: Installed) -> None:
    docs = run.work / "docs"
    docs.mkdir()
    (docs / "lanterns.txt").write_text(NOTE, encoding="utf-8")

    indexed = run("index", "docs")
    assert indexed.returncode == 0, indexed.stdout + indexed.stderr
    assert (run.work / ".assistant-data").is_dir()

    asked = run("ask", "Who founded the Harbour Lantern Society?", "--json")
    assert asked.returncode == 0, asked.stdout + asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["refused"], answer
    assert "Ottoline Brask" in answer["answer"], answer
    assert answer["citations"], answer
    assert {c["source"] for c in answer["citations"]} == {"lanterns.txt"}, answer
    assert not any(p.name == ".assistant-data" for p in site.rglob(".assistant-data"))

    nothing = run("index")  # installed, there are no default documents (seeds/ stays in the repository)
    assert nothing.returncode != 0 and "assistant index PATH" in nothing.stderr, nothing.stdout + nothing.stderr
