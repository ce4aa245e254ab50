"""Build hook: copy the top-level prompts/ into the package, so the wheel carries its templates.

The repository keeps prompts/ beside assistant/ (where a reader looks for them); an installed
package has no checkout beside it, so ``build_py`` copies ``prompts/*.txt`` to
``assistant/prompts/`` in the build folder, and ``assistant.settings`` looks there when the
package does not run from a checkout. An editable install reads prompts/ in the checkout itself.
Everything else is declared in pyproject.toml; MANIFEST.in puts prompts/ in the sdist.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PROMPTS = Path("prompts")  # setuptools builds with the project root (or the unpacked sdist) as cwd


class build_py_with_prompts(build_py):  # noqa: N801  (a setuptools command class)
    def _prompt_files(self) -> list[tuple[Path, Path]]:
        sources = sorted(PROMPTS.glob("*.txt"))
        if not sources:
            raise SystemExit(f"no prompt templates in {PROMPTS.resolve()}: the wheel would be unusable")
        target = Path(self.build_lib, "assistant", "prompts")
        return [(source, target / source.name) for source in sources]

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # the checkout's own prompts/ is read
            return
        for source, target in self._prompt_files():
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:  # type: ignore[override]
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return [*outputs, *(str(target) for _, target in self._prompt_files())]


setup(cmdclass={"build_py": build_py_with_prompts})
