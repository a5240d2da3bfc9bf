"""The store in ``.storyboard/`` beside a storyboard: clips by key, and what was built.

Layout::

    .storyboard/
        clips/ab/ab12...ef.mp4   a clip, named by its shot key (content-addressed; clips.py)
        tmp/                     partial downloads and renders; renamed into clips/
        quarantine/              clips that failed their check, moved aside (never deleted)
        replaced/                clips a ``--replace`` superseded, kept (versions.py)
        conformed/               clips conformed to a film's format, a cache (conformed.py)
        locks/                   one flock per clip being generated (claims.py)
        state.db                 SQLite (WAL; state.py): file hashes (hashcache.py), clip
                                 info (clipinfo.py), each clip's size and sha256
                                 (cliprecords.py), the build records (builds.py), the job
                                 journal (journal.py), the spend ledger (ledger.py)

:class:`Store` is the facade the rest of storyboard holds: one object per folder, its
methods delegating to those parts, so a caller never needs to know which part keeps what.
The parts are reachable too (``store.clips``, ``store.jobs``, ``store.builds``,
``store.hashes``, ``store.infos``, ``store.records``) for code that wants one interface, e.g. a remote
:class:`~storyboard.store.clips.ClipStore` in place of the local one.

The store is shared by every storyboard in the folder; the build record is kept per
storyboard file and shot, which is what lets ``plan`` say *why* a shot regenerates.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from .builds import BuildRecord, BuildRecords
from .claims import Claim, held, try_claim
from .clipinfo import ClipInfos
from .cliprecords import ClipRecord, ClipRecords, damage
from .clips import ClipStore, LocalClipStore
from .conformed import ConformedFiles
from .hashcache import HashCache
from .journal import Journal, JournalEntry
from .ledger import Ledger, Spend, spend_now
from .state import DEFAULT_TAKE, StateDB
from .versions import Versions

if TYPE_CHECKING:
    from .team import TeamStore

STORE_DIR = ".storyboard"


class Store:
    """One ``.storyboard/`` folder. Opening it never creates anything unless asked."""

    def __init__(self, folder: Path, *, create: bool = False) -> None:
        self.root = Path(folder) / STORE_DIR
        self.local = LocalClipStore(self.root)
        self.tmp = self.local.tmp
        self.state = StateDB(self.root)
        self.hashes = HashCache(self.state)
        self.infos = ClipInfos(self.state)
        self.records = ClipRecords(self.state)
        self.builds = BuildRecords(self.state)
        self.jobs = Journal(self.state)
        self.versions = Versions(self.state)
        self.conformed = ConformedFiles(self.state, self.root)
        self.ledger = Ledger(self.state)
        self.team: TeamStore | None = None  # the team's remote store in front of this one (ops attaches it)
        self.journal_hooks: list[Callable[[str, int], None]] = []  # told of each journal write (team claims)
        if create:
            self.ensure()

    @property
    def clips(self) -> ClipStore:
        """The clip store behind this folder (the local one; a remote one would wrap it)."""
        return self.local

    @property
    def exists(self) -> bool:
        """Whether ``state.db`` is there: readers answer "nothing built yet" without creating it."""
        return self.state.exists

    def ensure(self) -> None:
        """Create the folders and the database (a build does; plan never does)."""
        if self.state.read_only:
            raise StoreError(
                f"the store {self.root} is read-only: a build stores clips and records there; make it writable,"
                " or run plan (which only reads it)"
            )
        try:
            self.local.folder.mkdir(parents=True, exist_ok=True)
            self.tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store at {self.root}: {exc.strerror or exc}") from exc
        self.state.connection  # noqa: B018 - opens and migrates

    @property
    def db(self) -> sqlite3.Connection:
        """The raw connection (tuple rows, autocommit), for the few callers with their own table (meta)."""
        return self.state.connection

    def close(self) -> None:
        """Close the database (the store reopens it lazily if used again)."""
        self.state.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- clips -------------------------------------------------------------------------
    def clip_path(self, key: str, *, take: int = DEFAULT_TAKE) -> Path:
        """Where the clip is (or would be) on this machine."""
        return self.local.path(key, take=take)

    def has_clip(self, key: str, *, take: int = DEFAULT_TAKE) -> bool:
        """Whether the clip is stored (cheap: plan asks once per shot)."""
        return self.clips.has(key, take=take)

    def temp_path(self, suffix: str = ".mp4") -> Path:
        """A fresh path under tmp/ (same filesystem as clips/, so the final rename is atomic)."""
        return self.local.temp_path(suffix)

    def use_tmp(self, folder: Path) -> None:
        """Stage this store's partial files in ``folder`` (a build's own, under tmp/: see sweep.py)."""
        self.tmp = self.local.tmp = folder

    def put_clip(self, key: str, source: Path, *, move: bool = True, take: int = DEFAULT_TAKE) -> Path:
        """Store ``source`` as the clip of ``key`` (fsync, one atomic rename) and record its size and sha256.

        On the database's thread only; a caller in a worker thread uses ``local.put_recorded``
        there and :meth:`record_clip` back on this one (as the runner does).
        """
        final, record = self.local.put_recorded(key, source, take=take, move=move)
        self.record_clip(key, record, take=take)
        return final

    def record_clip(self, key: str, record: ClipRecord, *, take: int = DEFAULT_TAKE) -> None:
        """Keep what a clip just stored is, so every later use can check it."""
        self.records.put(key, record, take=take)

    def remove_clip(self, key: str, *, take: int = DEFAULT_TAKE) -> None:
        """Drop a clip and its record (no error if it is not there)."""
        self.clips.remove(key, take=take)
        self.records.forget(key, take=take)

    def clip_damage(
        self,
        key: str,
        *,
        take: int = DEFAULT_TAKE,
        full: bool = False,
        records: dict[str, ClipRecord] | None = None,
    ) -> str | None:
        """Why the stored clip cannot be used (None: it is whole); raises FileNotFoundError when there is none.

        A stat when the clip's stat is the recorded one, a read otherwise (or always, with
        ``full``). ``records`` is every record of the take read at once (plan's one query).
        A clip found whole under a new stat is re-recorded, so the next check is a stat.
        """
        record = records.get(key) if records is not None else self.records.get(key, take=take)
        why, refreshed = self.check_clip_file(key, record, take=take, full=full)
        if refreshed is not None and self.state.exists and not self.state.read_only:
            self.records.put(key, refreshed, take=take)
        return why

    def check_clip_file(
        self, key: str, record: ClipRecord | None, *, take: int = DEFAULT_TAKE, full: bool = False
    ) -> tuple[str | None, ClipRecord | None]:
        """The file half of :meth:`clip_damage`, touching no database: safe in a worker thread.

        Why the clip cannot be used (None: whole) and, when it was read and found whole under
        a new stat, the record to keep (the caller writes it on the database's thread).
        """
        return damage(self.local.file(key, take=take), record, full=full)

    def all_clip_records(self, *, take: int = DEFAULT_TAKE) -> dict[str, ClipRecord]:
        """Every clip record of one take by key (what plan checks against)."""
        return self.records.all(take=take)

    def quarantine_clip(self, key: str, *, take: int = DEFAULT_TAKE) -> Path | None:
        """Move a clip that failed its check to ``quarantine/`` (one rename; never deleted, never cut).

        Returns where it went, or None when there was no file. Its record goes with it, so
        the key is simply missing until a build stores it again.
        """
        source = self.local.path(key, take=take)
        target = self.root / "quarantine" / f"{source.stem}.{time.time_ns()}{source.suffix}"
        moved: Path | None = target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        except FileNotFoundError:
            moved = None
        except OSError as exc:
            raise StoreError(f"cannot move the damaged clip {source} aside: {exc.strerror or exc}") from exc
        self.records.forget(key, take=take)
        return moved

    def clip_info(self, key: str, *, take: int = DEFAULT_TAKE) -> dict[str, Any] | None:
        """What probing the clip said when it was stored (so a no-op build probes nothing)."""
        return self.infos.get(key, take=take)

    def remember_clip_info(self, key: str, info: dict[str, Any], *, take: int = DEFAULT_TAKE) -> None:
        """Keep the probe of a clip just stored, so later builds need not open it."""
        self.infos.put(key, info, take=take)

    # -- file hashes -------------------------------------------------------------------
    def cached_hash(self, path: str, size: int, mtime_ns: int, inode: int) -> str | None:
        """A file's remembered sha256, if its stat is unchanged (see :mod:`.hashcache`)."""
        return self.hashes.get(path, size, mtime_ns, inode)

    def remember_hash(self, path: str, size: int, mtime_ns: int, inode: int, sha256: str) -> None:
        """Remember a file's sha256 against its stat."""
        self.hashes.put(path, size, mtime_ns, inode, sha256)

    # -- the build record ----------------------------------------------------------------
    def last_built(self, storyboard: str) -> dict[str, BuildRecord]:
        """Every shot's last build record for one storyboard file (empty if none)."""
        return self.builds.last_built(storyboard)

    def record_build(
        self,
        storyboard: str,
        shot: str,
        key: str,
        inputs: dict[str, Any],
        provider: str,
        *,
        status: str,
        job: str | None = None,
        clip: str | None = None,
        cost_usd: float | None = None,
        list_cost_usd: float | None = None,
        started: float | None = None,
        finished: float | None = None,
        take: int = DEFAULT_TAKE,
    ) -> None:
        """Replace the shot's build record (plan's reasons and the costs come from it)."""
        self.builds.record(
            storyboard,
            shot,
            key,
            inputs,
            provider,
            status=status,
            take=take,
            job=job,
            clip=clip,
            cost_usd=cost_usd,
            list_cost_usd=list_cost_usd,
            started=started,
            finished=finished,
        )

    # -- the spend ledger ----------------------------------------------------------------
    def record_spend(
        self,
        storyboard: str,
        shot: str,
        key: str,
        provider: str,
        job: str | None,
        *,
        take: int = DEFAULT_TAKE,
        list_usd: Decimal,
        reported_usd: Decimal | None,
        seconds: float | None,
    ) -> bool:
        """Append what a clip just stored cost (see :mod:`.ledger`); False when that job is in the ledger already
        (a resumed job another build recorded)."""
        row = spend_now(
            storyboard,
            shot,
            key,
            provider,
            job,
            take=take,
            list_usd=list_usd,
            reported_usd=reported_usd,
            seconds=seconds,
        )
        return self.ledger.add(row)

    def spending(self, *, storyboard: str | None = None, since: float | None = None) -> list[Spend]:
        """Every generation paid (the ledger's rows), of one storyboard file or all, from ``since`` (UTC epoch)."""
        return self.ledger.rows(storyboard=storyboard, since=since)

    # -- the job journal -----------------------------------------------------------------
    # Written before a paid request and right after its answer, so a crash never loses a
    # job the provider accepted: a rebuild polls it instead of paying for it again.
    def journal(self, key: str, *, take: int = DEFAULT_TAKE) -> JournalEntry | None:
        """The journalled job of a clip, if a build sent (or was about to send) one."""
        return self.jobs.get(key, take=take)

    def journal_entries(self) -> dict[str, JournalEntry]:
        """Every journalled job by key (plan reads them once: which shots resume a paid job)."""
        return self.jobs.entries()

    def journal_intent(
        self, key: str, provider: str, job_id: str | None, request: str, *, take: int = DEFAULT_TAKE
    ) -> None:
        """Before the submit: the job about to be sent (with its id when the client chooses it)."""
        self.jobs.intent(key, provider, job_id, request, take=take)
        self._journalled(key, take)

    def journal_update(
        self,
        key: str,
        status: str,
        *,
        job_id: str | None = None,
        result_urls: tuple[str, ...] | None = None,
        error: str | None = None,
        cost_usd: float | None = None,
        take: int = DEFAULT_TAKE,
    ) -> None:
        """After an answer: the job's new status (see :meth:`.Journal.update`)."""
        self.jobs.update(key, status, take=take, job_id=job_id, result_urls=result_urls, error=error, cost_usd=cost_usd)
        self._journalled(key, take)

    def journal_forget(self, key: str, *, take: int = DEFAULT_TAKE) -> None:
        """Drop a job's entry: its clip is stored, or no job exists at the provider."""
        self.jobs.forget(key, take=take)

    def _journalled(self, key: str, take: int) -> None:
        for hook in self.journal_hooks:
            hook(key, take)

    # -- claims ------------------------------------------------------------------------
    def try_claim(self, key: str, *, take: int = DEFAULT_TAKE) -> Claim | None:
        """The exclusive right to generate ``key`` now, or None while another build holds it.

        See :mod:`storyboard.store.claims`: an flock on ``locks/<key>.lock``, dropped by the
        kernel when its holder exits.
        """
        return try_claim(self.root / "locks", key, take=take)

    def claimed(self, key: str, *, take: int = DEFAULT_TAKE) -> bool:
        """Whether another build is generating (key, take) now (holds its claim); creates nothing."""
        return held(self.root / "locks", key, take=take)
