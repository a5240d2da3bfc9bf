"""The store in ``.storyboard/`` beside a storyboard: clips by key, and what was built.

Layout::

    .storyboard/
        clips/ab/ab12...ef.mp4   a clip, named by its shot key (content-addressed)
        tmp/                     partial downloads and renders; renamed into clips/
        state.db                 SQLite (WAL): file hashes, the build record, the job journal

A clip appears in ``clips/`` only by an atomic rename of a complete, fsynced file, so a
crash never leaves half a clip under a key. The store is shared by every storyboard in
the folder; the build record is kept per storyboard file and shot, which is what lets
``plan`` say *why* a shot regenerates.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import StoreError

STORE_DIR = ".storyboard"
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS file_hashes (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL, sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS builds (
    storyboard TEXT NOT NULL, shot TEXT NOT NULL, key TEXT NOT NULL,
    inputs TEXT NOT NULL, provider TEXT NOT NULL, job TEXT, status TEXT NOT NULL,
    clip TEXT, cost_usd REAL, list_cost_usd REAL, started REAL, finished REAL,
    PRIMARY KEY (storyboard, shot)
);
CREATE TABLE IF NOT EXISTS clip_info (key TEXT PRIMARY KEY, info TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY, provider TEXT NOT NULL, job_id TEXT, status TEXT NOT NULL,
    request TEXT NOT NULL, result_urls TEXT, error TEXT, cost_usd REAL,
    created REAL NOT NULL, updated REAL NOT NULL
);
"""


@dataclass(frozen=True)
class BuildRecord:
    """What was last built for one shot of one storyboard."""

    storyboard: str
    shot: str
    key: str
    inputs_json: str
    provider: str
    job: str | None
    status: str  # built | failed | running
    clip: str | None
    cost_usd: float | None
    list_cost_usd: float | None
    started: float | None
    finished: float | None

    @cached_property
    def inputs(self) -> dict[str, Any]:
        """Parsed only when plan needs the reasons (most records are for cached shots)."""
        result: dict[str, Any] = json.loads(self.inputs_json)
        return result


class Store:
    """One ``.storyboard/`` folder. Opening it never creates anything unless asked."""

    def __init__(self, folder: Path, *, create: bool = False) -> None:
        self.root = Path(folder) / STORE_DIR
        self.clips = self.root / "clips"
        self._clips = os.fspath(self.clips)
        self.tmp = self.root / "tmp"
        self._db: sqlite3.Connection | None = None
        self._memory_hashes: dict[str, tuple[int, int, int, str]] = {}
        if create:
            self.ensure()

    @property
    def exists(self) -> bool:
        return (self.root / "state.db").exists()

    def ensure(self) -> None:
        try:
            self.clips.mkdir(parents=True, exist_ok=True)
            self.tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store at {self.root}: {exc.strerror or exc}") from exc
        self.db  # noqa: B018 - opens and migrates

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.root.mkdir(parents=True, exist_ok=True)
            try:
                db = sqlite3.connect(self.root / "state.db", timeout=30, isolation_level=None)
                db.execute("PRAGMA synchronous=NORMAL")
                if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                    self._migrate(db)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open {self.root / 'state.db'}: {exc}") from exc
            self._db = db
        return self._db

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Create (or upgrade) the schema, one process at a time.

        Only a new store is written to on open (plan reads without taking the write lock).
        Two builds that start together would both switch a new database to WAL, and
        SQLite answers the second "database is locked" at once, whatever its busy timeout:
        an exclusive flock on ``state.lock`` makes the second wait, then find it done.
        """
        fd = os.open(self.root / "state.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        finally:
            os.close(fd)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- clips -------------------------------------------------------------------------
    def clip_path(self, key: str) -> Path:
        return self.clips / key[:2] / f"{key}.mp4"

    def has_clip(self, key: str) -> bool:
        # plain strings: called once per shot on every plan
        return os.path.isfile(f"{self._clips}/{key[:2]}/{key}.mp4")

    def temp_path(self, suffix: str = ".mp4") -> Path:
        """A fresh path under tmp/ (same filesystem as clips/, so the final rename is atomic)."""
        import tempfile

        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp, suffix=suffix)
        os.close(fd)
        return Path(name)

    def put_clip(self, key: str, source: Path, *, move: bool = True) -> Path:
        """Store ``source`` as the clip of ``key``: fsync, then one atomic rename."""
        final = self.clip_path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        staged = source
        if not move or Path(source).parent.resolve() != self.tmp.resolve():
            import shutil

            staged = self.temp_path(final.suffix)
            shutil.copyfile(source, staged)
        with open(staged, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(staged, final)
        _fsync_dir(final.parent)
        if move and Path(source).exists() and Path(source) != staged:
            Path(source).unlink()
        return final

    def remove_clip(self, key: str) -> None:
        self.clip_path(key).unlink(missing_ok=True)

    def clip_info(self, key: str) -> dict[str, Any] | None:
        """What probing the clip said when it was stored (so a no-op build probes nothing)."""
        if not self.exists:
            return None
        row = self.db.execute("SELECT info FROM clip_info WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def remember_clip_info(self, key: str, info: dict[str, Any]) -> None:
        self.db.execute("INSERT OR REPLACE INTO clip_info VALUES (?, ?)", (key, json.dumps(info)))

    # -- file hashes -------------------------------------------------------------------
    def cached_hash(self, path: str, size: int, mtime_ns: int, inode: int) -> str | None:
        if not self.exists and self._db is None:
            hit = self._memory_hashes.get(path)
        else:
            row = self.db.execute(
                "SELECT size, mtime_ns, inode, sha256 FROM file_hashes WHERE path = ?", (path,)
            ).fetchone()
            hit = tuple(row) if row else None  # type: ignore[assignment]
        if hit and hit[0] == size and hit[1] == mtime_ns and hit[2] == inode:
            return str(hit[3])
        return None

    def remember_hash(self, path: str, size: int, mtime_ns: int, inode: int, sha256: str) -> None:
        if not self.exists and self._db is None:
            self._memory_hashes[path] = (size, mtime_ns, inode, sha256)
            return
        self.db.execute(
            "INSERT OR REPLACE INTO file_hashes VALUES (?, ?, ?, ?, ?)", (path, size, mtime_ns, inode, sha256)
        )

    # -- the build record ----------------------------------------------------------------
    def last_built(self, storyboard: str) -> dict[str, BuildRecord]:
        """Every shot's last build record for one storyboard file (empty if none)."""
        if not self.exists:
            return {}
        rows = self.db.execute("SELECT * FROM builds WHERE storyboard = ?", (storyboard,)).fetchall()
        return {row[1]: _record(row) for row in rows}

    # -- the job journal -----------------------------------------------------------------
    # Written before a paid request and right after its answer, so a crash never loses a
    # job the provider accepted: a rebuild polls it instead of paying for it again.
    def journal(self, key: str) -> JournalEntry | None:
        if not self.exists:
            return None
        row = self.db.execute("SELECT * FROM jobs WHERE key = ?", (key,)).fetchone()
        return _journal_entry(row) if row is not None else None

    def journal_entries(self) -> dict[str, JournalEntry]:
        """Every journalled job by key (plan reads them once: which shots resume a paid job)."""
        if not self.exists:
            return {}
        return {row[0]: _journal_entry(row) for row in self.db.execute("SELECT * FROM jobs")}

    def journal_intent(self, key: str, provider: str, job_id: str | None, request: str) -> None:
        """Before the submit: the job about to be sent (with its id when the client chooses it)."""
        now = time.time()
        self.db.execute(
            "INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, 'submitting', ?, NULL, NULL, NULL, ?, ?)",
            (key, provider, job_id, request, now, now),
        )

    def journal_update(
        self,
        key: str,
        status: str,
        *,
        job_id: str | None = None,
        result_urls: tuple[str, ...] | None = None,
        error: str | None = None,
        cost_usd: float | None = None,
    ) -> None:
        self.db.execute(
            "UPDATE jobs SET status = ?, job_id = COALESCE(?, job_id), result_urls = COALESCE(?, result_urls),"
            " error = ?, cost_usd = COALESCE(?, cost_usd), updated = ? WHERE key = ?",
            (
                status,
                job_id,
                json.dumps(list(result_urls)) if result_urls is not None else None,
                error,
                cost_usd,
                time.time(),
                key,
            ),
        )

    def journal_forget(self, key: str) -> None:
        self.db.execute("DELETE FROM jobs WHERE key = ?", (key,))

    # -- claims ------------------------------------------------------------------------
    def try_claim(self, key: str) -> Claim | None:
        """The exclusive right to generate ``key`` now, or None while another build holds it.

        Two builds sharing this store must never submit the same key twice: whoever holds
        the claim submits (or resumes the journalled job); the other waits, then finds the
        clip stored. An advisory ``flock`` on ``locks/<key>.lock``: the kernel drops it when
        its holder exits, kill -9 included, so no claim outlives a dead build.
        """
        locks = self.root / "locks"
        try:
            locks.mkdir(parents=True, exist_ok=True)
            fd = os.open(locks / f"{key}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot claim a shot in {locks}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return Claim(fd)

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
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO builds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                storyboard,
                shot,
                key,
                json.dumps(inputs, sort_keys=True),
                provider,
                job,
                status,
                clip,
                cost_usd,
                list_cost_usd,
                started if started is not None else time.time(),
                finished,
            ),
        )


class Claim:
    """A held claim on one key (see :meth:`Store.try_claim`); release it when the clip is stored or the shot failed."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


@dataclass(frozen=True)
class JournalEntry:
    """One job sent (or about to be sent) to a hosted provider, by shot key.

    status: ``submitting`` (intent recorded, no answer yet), ``submitted`` (the provider
    gave its job id), ``done`` (finished; result URLs known, kept until the clip is
    stored), ``failed`` (the provider ended it without a clip), ``unknown`` (sent, but
    the answer was lost: it may be running and billed), ``lost`` (the provider says it
    has no such job, poll after poll: only ``--resubmit`` sends it again).
    """

    key: str
    provider: str
    job_id: str | None
    status: str
    request: str
    result_urls: tuple[str, ...]
    error: str | None
    cost_usd: float | None
    created: float
    updated: float


def _journal_entry(row: tuple[Any, ...]) -> JournalEntry:
    urls = tuple(json.loads(row[5])) if row[5] else ()
    return JournalEntry(row[0], row[1], row[2], row[3], row[4], urls, row[6], row[7], row[8], row[9])


def _record(row: tuple[Any, ...]) -> BuildRecord:
    return BuildRecord(
        storyboard=row[0],
        shot=row[1],
        key=row[2],
        inputs_json=row[3],
        provider=row[4],
        job=row[5],
        status=row[6],
        clip=row[7],
        cost_usd=row[8],
        list_cost_usd=row[9],
        started=row[10],
        finished=row[11],
    )


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
