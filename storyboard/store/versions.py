"""Clip versions: ``--replace`` makes a take anew under its cached key, and keeps the old clip.

A clip is (key, take) in ``clips/``; its *version* counts how often ``--replace`` made it
again (0, no row in ``clip_versions``: the original). Dependants hold the version in their
keys (``plan/keys.py``), so the shots built on a replaced take regenerate.

The old clip is never deleted: when the new one is verified and about to be stored, the
old one is hard-linked to ``replaced/<key>[.take<k>].v<n>.mp4`` (n: its version), then the
new clip is renamed over it, and only then, in one transaction, the new clip's record, the
``replaced_clips`` row and the bumped version are written. A re-roll that fails before that
leaves the old clip current and the version unchanged; a crash after the link leaves at most
a spare file in ``replaced/`` that no row names.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import StoreError
from .clips import clip_name
from .state import DEFAULT_TAKE, StateDB

if TYPE_CHECKING:
    from .cliprecords import ClipRecord
    from .journal import JournalEntry
    from .store import Store

REPLACED_DIR = "replaced"


@dataclass(frozen=True)
class Replaced:
    """One superseded version of a take, kept under ``replaced/``."""

    key: str
    take: int
    version: int  # the version it was while current (0: the original)
    path: Path
    size: int | None
    sha256: str | None
    replaced: float  # when the newer version took its place (Unix time)


class Versions:
    """The ``clip_versions`` and ``replaced_clips`` tables; reads answer "version 0, nothing kept" while there is no store."""

    def __init__(self, state: StateDB) -> None:
        self.state = state

    def get(self, key: str, *, take: int = DEFAULT_TAKE) -> int:
        """The take's current version (0: never replaced)."""
        if not self.state.exists:
            return 0
        row = self.state.row("SELECT version FROM clip_versions WHERE key = ? AND take = ?", (key, take))
        return int(row["version"]) if row is not None else 0

    def all(self) -> dict[tuple[str, int], int]:
        """Every replaced take's version by (key, take) (plan reads them at once)."""
        if not self.state.exists:
            return {}
        rows = self.state.rows("SELECT key, take, version FROM clip_versions")
        return {(row["key"], row["take"]): int(row["version"]) for row in rows}

    def replaced(self, key: str, *, take: int = DEFAULT_TAKE) -> list[Replaced]:
        """The take's superseded clips, oldest first."""
        if not self.state.exists:
            return []
        rows = self.state.rows("SELECT * FROM replaced_clips WHERE key = ? AND take = ? ORDER BY version", (key, take))
        root = self.state.root
        return [
            Replaced(r["key"], r["take"], r["version"], root / r["path"], r["size"], r["sha256"], r["replaced"])
            for r in rows
        ]


def replaced_versions(store: Store, key: str, *, take: int = DEFAULT_TAKE) -> list[Replaced]:
    """What ``storyboard takes`` (or a gc) lists of a take: its replaced clips, oldest first (path, version, when)."""
    return store.versions.replaced(key, take=take)


def stale_job(entry: JournalEntry | None, record: ClipRecord | None) -> bool:
    """Whether a journalled job is the one that made the stored clip (journalled before the clip was stored).

    A replaced take must not resume it (that fetches the old clip again); a job journalled
    after the clip was stored is a re-roll already paid for, which the build resumes."""
    return entry is not None and record is not None and entry.created * 1e9 <= record.ctime_ns


class PlannedRow(Protocol):
    """What :func:`forget_stale_jobs` reads of a plan row (the store does not import the planner)."""

    @property
    def key(self) -> str: ...
    @property
    def take(self) -> int: ...
    @property
    def replace(self) -> bool: ...
    @property
    def resumes(self) -> str | None: ...


def forget_stale_jobs(store: Store, rows: Iterable[PlannedRow]) -> None:
    """Before a build: drop the old job of each replaced take, so its provider makes a new clip."""
    for row in rows:
        if row.replace and row.resumes is None:
            entry = store.journal(row.key, take=row.take)
            if stale_job(entry, store.records.get(row.key, take=row.take)):
                store.journal_forget(row.key, take=row.take)


async def put_version(store: Store, key: str, take: int, source: Path) -> tuple[Path, ClipRecord]:
    """Store ``source`` as the next version of (key, take), the current clip kept under ``replaced/``.

    The file work runs in threads; the database is written here, on the caller's (the loop's) thread.
    """
    import asyncio  # here: the store is opened by `plan`, which runs no loop

    old_record = store.records.get(key, take=take)
    old_version = store.versions.get(key, take=take)
    kept = await asyncio.to_thread(_link_aside, store, key, take, old_version)
    final, record = await asyncio.to_thread(store.local.put_recorded, key, source, take=take)
    db = store.state.connection
    db.execute("BEGIN IMMEDIATE")
    try:
        store.records.put(key, record, take=take)
        if kept is not None:
            db.execute(
                "INSERT OR REPLACE INTO replaced_clips (key, take, version, path, size, sha256, replaced)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    take,
                    old_version,
                    str(kept.relative_to(store.root)),
                    old_record.size if old_record is not None else None,
                    old_record.sha256 if old_record is not None else None,
                    time.time(),
                ),
            )
        db.execute(
            "INSERT OR REPLACE INTO clip_versions (key, take, version) VALUES (?, ?, ?)", (key, take, old_version + 1)
        )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return final, record


def replaced_path(store: Store, key: str, take: int, version: int) -> Path:
    """Where version ``version`` of a take is kept once replaced."""
    name = clip_name(key, take)
    return store.root / REPLACED_DIR / key[:2] / f"{name[: -len('.mp4')]}.v{version}.mp4"


def _link_aside(store: Store, key: str, take: int, version: int) -> Path | None:
    """A second name for the current clip under ``replaced/`` (a hard link, else a copy); None when there is none.

    The clip stays current until the new one is renamed over it: nothing is ever missing."""
    source = store.local.path(key, take=take)
    if not source.is_file():
        return None
    target = replaced_path(store, key, take, version)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        staged.unlink(missing_ok=True)
        try:
            os.link(source, staged)
        except OSError:  # a filesystem without hard links
            shutil.copy2(source, staged)
        os.replace(staged, target)  # a spare file a crash left under the name is replaced
    except OSError as exc:
        raise StoreError(f"cannot keep the replaced clip {source} in {target.parent}: {exc.strerror or exc}") from exc
    return target
