"""The files an index run found but could not read, kept in the data folder for the page to show.

``assistant index`` and the page's server are different processes, so what a run skipped (a scanned
PDF, an encrypted one, a zip renamed .docx, a page of navigation only…) is written to
``data_dir/skipped.json`` by the run itself, under the writer lock, one entry per file: its path, its
name, the reason, and when it was first skipped for that reason. Each run brings the list up to date:

* a file the run skipped is recorded (a file skipped again for the same reason keeps its time);
* a file the run read (indexed, updated or unchanged) drops out, and so does a file that is gone;
* a file the run did not look at stays as it was.

When the list changes, the data folder's generation token moves (:func:`assistant.store.bump_generation`),
which is what every open page watches, so the Documents tab shows it without a reload.

>>> Entry("/d/scan.pdf", "scan.pdf", "no text layer", "2026-12-04T12:00:00+00:00").when
'2026-12-04 12:00 UTC'
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.rendering import inert
from assistant.store import bump_generation, storage_error

SKIPPED_FILE = "skipped.json"


@dataclass(frozen=True)
class Entry:
    """One skipped file: ``reason`` is the loader's one line without the file's name in front."""

    path: str
    name: str
    reason: str
    since: str  # ISO 8601, UTC: when it was first skipped for this reason

    @property
    def when(self) -> str:
        try:
            return datetime.fromisoformat(self.since).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        except ValueError:
            return self.since


def read(folder: Path) -> list[Entry]:
    """The skipped files recorded in the data folder ``folder``, by name; [] if none (or unreadable)."""
    try:
        raw = json.loads((folder / SKIPPED_FILE).read_text(encoding="utf-8"))
        entries = [Entry(str(e["path"]), str(e["name"]), str(e["reason"]), str(e["since"])) for e in raw]
    except (OSError, ValueError, TypeError, KeyError):
        return []  # none yet, or a file damaged by hand: the next index run writes it afresh
    return sorted(entries, key=lambda e: (e.name.casefold(), e.path))


def reason_of(problem: str, name: str) -> str:
    """A loader's line without the file name it starts with: ``scan.pdf: no text layer…`` → ``no text layer…``."""
    return problem.removeprefix(f"{name}: ")


def updated(before: Iterable[Entry], read_now: Iterable[str], skipped_now: Mapping[str, str],
            now: datetime | None = None) -> list[Entry]:
    """The list after a run that read ``read_now`` and skipped ``skipped_now`` (path → the loader's line)."""
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    looked_at = {*read_now, *skipped_now}
    kept = {e.path: e for e in before if e.path not in looked_at and os.path.lexists(e.path)}
    previous = {e.path: e for e in before}
    for path, problem in skipped_now.items():
        name = Path(path).name
        reason = reason_of(problem, name)
        old = previous.get(path)
        kept[path] = old if old is not None and old.reason == reason else Entry(path, name, reason, stamp)
    return sorted(kept.values(), key=lambda e: (e.name.casefold(), e.path))


def record(folder: Path, read_now: Iterable[str], skipped_now: Mapping[str, str],
           now: datetime | None = None) -> bool:
    """Bring ``folder``'s list up to date after a run (hold the writer lock); whether it changed.

    Written atomically (a reader sees the old list or the new one), then the generation moves.
    """
    before = read(folder)
    after = updated(before, read_now, skipped_now, now)
    if after == before:
        return False
    scratch = folder / f".{SKIPPED_FILE}.{os.getpid()}"
    try:
        scratch.write_text(json.dumps([asdict(e) for e in after], ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(scratch, folder / SKIPPED_FILE)
        bump_generation(folder)
    except OSError as exc:
        raise storage_error(exc, folder, writing=True) or exc from None
    return True


def markdown(entries: list[Entry]) -> str:
    """The Documents tab's list of skipped files, names and reasons shown as text ("" when none).

    Names only, never a server path, as everywhere on the page.
    """
    if not entries:
        return ""
    lines = [f"**Not indexed** ({len(entries)} file{'s' if len(entries) != 1 else ''}): found by "
             "`assistant index` but not read; fix the file and index again."]
    lines += [f"- **{inert(e.name)}**: {inert(e.reason)} <span class=\"when\">(since {e.when})</span>"
              for e in entries]
    return "\n".join(lines)
