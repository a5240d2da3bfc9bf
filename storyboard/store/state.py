"""``state.db``: the one SQLite file behind the journal, the build records and the caches.

Every part of the store that keeps rows (the hash cache, clip info, the build records, the
job journal) shares one lazily opened connection through :class:`StateDB`, so a command
that never touches the database (``plan`` of a folder with no store) opens nothing, and the
schema is created or upgraded in one place, under one lock.

Rows are read by name (:meth:`StateDB.rows` hands out ``sqlite3.Row``), never by position,
so adding a column (as schema 3 added ``take``) cannot shift what a reader sees. The
connection itself keeps SQLite's default tuple rows: callers that run their own SQL through
``Store.db`` see exactly what they saw before.

Schema history:

- 2: ``meta``, ``file_hashes``, ``builds`` by (storyboard, shot), ``clip_info`` by key,
  ``jobs`` by key.
- 3: clip identity is (shot key, take): ``clip_info`` by (key, take), ``builds`` by
  (storyboard, shot, take), ``jobs`` by (key, take); ``take`` defaults to the first take, so
  every row of a schema-2 store keeps its meaning. Upgraded in place on first open.
- 4: ``clip_files`` by (key, take): each stored clip's size, sha256 and stat, so a damaged
  clip is never handed out (cliprecords.py). The upgrade records the stat of every clip
  already in ``clips/`` with no digest; the first check reads it (see cliprecords.py).
- 5: ``clip_versions`` by (key, take): how many times ``--replace`` made the clip anew (no
  row: version 0, the original), and ``replaced_clips`` by (key, take, version): each
  superseded clip, kept under ``replaced/`` (versions.py). Both start empty: the upgrade
  only creates them.
- 6: ``conformed`` by (key, take, format): each clip conformed to a film's format under
  ``conformed/``, its size, sha256 and stat and the sha256 of the clip it was made from
  (conformed.py). Starts empty: the upgrade only creates it.
- 7: ``spend``, the ledger (ledger.py): one row per generation paid, appended, unique by
  (key, take, job). The upgrade backfills it from the build records (rows marked
  ``backfill``): only each shot's last build, all an older store kept.
- 8: ``meta``'s ``generation``, counted up by triggers on every write to the tables a plan
  reads (build records, the journal, clip records and versions), so a no-op ``plan`` can
  tell the store is as its last answer saw it from one row (ops/memo.py). Starts at 0.
- 9: ``input_probes`` by (path, kind): what ``check`` found in a local input (its length and
  frame size), by its stat, so a check of unchanged media decodes none (probecache.py).
  Starts empty: the upgrade only creates it.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..errors import StoreError

SCHEMA_VERSION = 9
DEFAULT_TAKE = 1
"""The take a shot's clip is when nothing says otherwise (the only take before takes existed)."""

# Each table of schema 9, as created in a new store. A table without a ``take`` column (a
# schema-2 store) is rebuilt into this shape, its rows copied with ``take`` = the first take.
_TABLES: dict[str, str] = {
    "meta": "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "file_hashes": """CREATE TABLE IF NOT EXISTS file_hashes (
        path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
        inode INTEGER NOT NULL, sha256 TEXT NOT NULL
    )""",
    "builds": f"""CREATE TABLE IF NOT EXISTS builds (
        storyboard TEXT NOT NULL, shot TEXT NOT NULL, key TEXT NOT NULL,
        inputs TEXT NOT NULL, provider TEXT NOT NULL, job TEXT, status TEXT NOT NULL,
        clip TEXT, cost_usd REAL, list_cost_usd REAL, started REAL, finished REAL,
        take INTEGER NOT NULL DEFAULT {DEFAULT_TAKE},
        PRIMARY KEY (storyboard, shot, take)
    )""",
    "clip_info": f"""CREATE TABLE IF NOT EXISTS clip_info (
        key TEXT NOT NULL, info TEXT NOT NULL, take INTEGER NOT NULL DEFAULT {DEFAULT_TAKE},
        PRIMARY KEY (key, take)
    )""",
    "jobs": f"""CREATE TABLE IF NOT EXISTS jobs (
        key TEXT NOT NULL, provider TEXT NOT NULL, job_id TEXT, status TEXT NOT NULL,
        request TEXT NOT NULL, result_urls TEXT, error TEXT, cost_usd REAL,
        created REAL NOT NULL, updated REAL NOT NULL,
        take INTEGER NOT NULL DEFAULT {DEFAULT_TAKE},
        PRIMARY KEY (key, take)
    )""",
    "clip_files": """CREATE TABLE IF NOT EXISTS clip_files (
        key TEXT NOT NULL, take INTEGER NOT NULL, size INTEGER NOT NULL, sha256 TEXT,
        mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL,
        PRIMARY KEY (key, take)
    )""",
    "clip_versions": """CREATE TABLE IF NOT EXISTS clip_versions (
        key TEXT NOT NULL, take INTEGER NOT NULL, version INTEGER NOT NULL,
        PRIMARY KEY (key, take)
    )""",
    "replaced_clips": """CREATE TABLE IF NOT EXISTS replaced_clips (
        key TEXT NOT NULL, take INTEGER NOT NULL, version INTEGER NOT NULL, path TEXT NOT NULL,
        size INTEGER, sha256 TEXT, replaced REAL NOT NULL,
        PRIMARY KEY (key, take, version)
    )""",
    "conformed": """CREATE TABLE IF NOT EXISTS conformed (
        key TEXT NOT NULL, take INTEGER NOT NULL, format TEXT NOT NULL, source_sha256 TEXT NOT NULL,
        size INTEGER NOT NULL, sha256 TEXT NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,
        inode INTEGER NOT NULL, made REAL NOT NULL,
        PRIMARY KEY (key, take, format)
    )""",
    "spend": """CREATE TABLE IF NOT EXISTS spend (
        id INTEGER PRIMARY KEY, time REAL NOT NULL, storyboard TEXT NOT NULL, shot TEXT NOT NULL,
        take INTEGER NOT NULL, key TEXT NOT NULL, provider TEXT NOT NULL, job TEXT, list_usd REAL NOT NULL,
        reported_usd REAL, seconds REAL, host TEXT NOT NULL, source TEXT NOT NULL
    )""",
    "spend_job": "CREATE UNIQUE INDEX IF NOT EXISTS spend_job ON spend (key, take, job)",
    "input_probes": """CREATE TABLE IF NOT EXISTS input_probes (
        path TEXT NOT NULL, kind TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, seconds REAL NOT NULL, width INTEGER, height INTEGER,
        PRIMARY KEY (path, kind)
    )""",
}
_TAKE_TABLES = ("builds", "clip_info", "jobs")
# the tables whose rows decide a plan's answer: a write to any counts ``meta.generation`` up (schema 8)
PLAN_TABLES = ("builds", "jobs", "clip_files", "clip_versions", "replaced_clips")
GENERATION = "generation"
_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_counts AFTER {event} ON {table} BEGIN"
    f" UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE name = '{GENERATION}'; END"
    for table in PLAN_TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]

Params = Sequence[object] | Mapping[str, object]


class StateDB:
    """The lazily opened ``state.db`` of one store folder (``root`` is ``.storyboard/``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / "state.db"
        self._db: sqlite3.Connection | None = None
        self._read_only: bool | None = None

    @property
    def exists(self) -> bool:
        """Whether the file is there: readers answer "nothing yet" without creating it."""
        return self.path.exists()

    @property
    def is_open(self) -> bool:
        """Whether this process has connected (the hash cache writes through from then on)."""
        return self._db is not None

    @property
    def read_only(self) -> bool:
        """Whether this process cannot write the store (a read-only mount, or no permission): plan and check
        still read it, a build says so. Asked once, when the store is there."""
        if self._read_only is None:
            if not self.path.exists():
                return False
            self._read_only = not os.access(self.root, os.W_OK) or not os.access(self.path, os.W_OK)
        return self._read_only

    @property
    def connection(self) -> sqlite3.Connection:
        """The connection (autocommit, WAL), opened and migrated on first use; read-only on a read-only store."""
        if self._db is None:
            if self.read_only:
                self._db = self._open_read_only()
                return self._db
            self.root.mkdir(parents=True, exist_ok=True)
            try:
                db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open {self.path}: {exc}") from exc
            try:
                db.execute("PRAGMA synchronous=NORMAL")
                if _version(db) != SCHEMA_VERSION:
                    self._migrate(db)
            except BaseException as exc:
                db.close()
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"cannot open {self.path}: {exc}") from exc
                raise
            self._db = db
        return self._db

    def _open_read_only(self) -> sqlite3.Connection:
        """Open for reading only. A WAL database needs its ``-shm`` file, which a read-only folder cannot hold;
        ``immutable`` reads without it (nothing can write a read-only mount meanwhile)."""
        uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
        try:
            db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
            version = _version(db)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read {self.path} (read-only): {exc}") from exc
        if version != SCHEMA_VERSION:
            db.close()
            raise StoreError(
                f"{self.path} is read-only and written by another version of storyboard (schema {version}, this one"
                f" {SCHEMA_VERSION}): build once where the store is writable"
            )
        return db

    def rows(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Every row of a query, each read by column name."""
        cursor = self.connection.cursor()
        cursor.row_factory = sqlite3.Row
        try:
            result: list[sqlite3.Row] = cursor.execute(sql, params).fetchall()
        finally:
            cursor.close()
        return result

    def row(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query (by column name), or None."""
        found = self.rows(sql, params)
        return found[0] if found else None

    def execute(self, sql: str, params: Params = ()) -> None:
        """One write, committed at once (the connection is in autocommit mode)."""
        self.connection.execute(sql, params)

    def close(self) -> None:
        """Close the connection; the next use reopens it."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Create (or upgrade) the schema, one process at a time.

        Only a new or older store is written to on open (plan reads without taking the write
        lock). Two builds that start together would both switch a new database to WAL, and
        SQLite answers the second "database is locked" at once, whatever its busy timeout:
        an exclusive flock on ``state.lock`` makes the second wait, then find it done. The
        upgrade itself is one transaction, so a crash mid-way leaves the old schema whole.
        """
        fd = os.open(self.root / "state.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            version = _version(db)
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer storyboard (schema {version}; this one reads"
                    f" up to {SCHEMA_VERSION}): upgrade storyboard"
                )
            if version != SCHEMA_VERSION:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("BEGIN IMMEDIATE")
                try:
                    _upgrade(db, self.root / "clips")
                    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
        finally:
            os.close(fd)


def read_generation(path: Path) -> int | None:
    """``meta.generation`` of the ``state.db`` at ``path``, read without the store's machinery (no
    migration, no lock, nothing created); None when there is none of this schema to read."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5, isolation_level=None)
    except (sqlite3.Error, OSError, ValueError):
        return None
    try:
        if _version(db) != SCHEMA_VERSION:
            return None
        row = db.execute("SELECT value FROM meta WHERE name = ?", (GENERATION,)).fetchone()
        return int(row[0]) if row is not None else None
    except (sqlite3.Error, ValueError):
        return None
    finally:
        db.close()


def _version(db: sqlite3.Connection) -> int:
    value: int = db.execute("PRAGMA user_version").fetchone()[0]
    return value


def _upgrade(db: sqlite3.Connection, clips: Path) -> None:
    """Bring every table to schema 9 inside the caller's transaction (idempotent)."""
    had_records = bool(_columns(db, "clip_files"))
    had_ledger = bool(_columns(db, "spend"))
    for statement in _TABLES.values():
        db.execute(statement)  # creates what a new (or partly created) store lacks
    for table in _TAKE_TABLES:
        old = _columns(db, table)
        if "take" not in old:
            _rebuild(db, table, old)
    if not had_records:
        _record_existing_clips(db, clips)
    if not had_ledger:
        from .ledger import backfill  # ledger.py reads this module: imported when needed

        backfill(db)
    db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES (?, '0')", (GENERATION,))
    for trigger in _TRIGGERS:  # last: a rebuilt table lost its triggers with its old self
        db.execute(trigger)


def _record_existing_clips(db: sqlite3.Connection, clips: Path) -> None:
    """Schema 4: each clip already stored gets its stat recorded, no digest (a scan, no read).

    The first check hashes it while its stat is still this one (cliprecords.py): trust on
    first use for clips stored before there were records, nothing trusted that changed since.
    """
    try:
        folders = [entry for entry in os.scandir(clips) if entry.is_dir()]
    except FileNotFoundError:
        return
    for folder in folders:
        for entry in os.scandir(folder.path):
            named = _clip_of_name(entry.name)
            if named is None or not entry.is_file(follow_symlinks=False):
                continue
            st = entry.stat(follow_symlinks=False)
            db.execute(
                "INSERT OR IGNORE INTO clip_files (key, take, size, sha256, mtime_ns, ctime_ns, inode)"
                " VALUES (?, ?, ?, NULL, ?, ?, ?)",
                (*named, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino),
            )


def _clip_of_name(name: str) -> tuple[str, int] | None:
    """(key, take) of a clip's file name: ``<key>.mp4`` or ``<key>.take<k>.mp4`` (clips.py)."""
    if not name.endswith(".mp4"):
        return None
    stem = name[:-4]
    key, sep, take = stem.partition(".take")
    if sep:
        return (key, int(take)) if take.isdigit() and int(take) > 1 else None
    return key, DEFAULT_TAKE


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")]


def _rebuild(db: sqlite3.Connection, table: str, old: Iterable[str]) -> None:
    """Recreate ``table`` in its schema-3 shape (its primary key gains ``take``), rows kept.

    SQLite cannot change a primary key in place, so the table is copied: every old column
    by name into the new table, ``take`` left to its default (the first take).
    """
    staging = f"{table}_v{SCHEMA_VERSION}"
    db.execute(_TABLES[table].replace(f"IF NOT EXISTS {table} ", f"{staging} ", 1))
    kept = ", ".join(name for name in old if name != "take")
    db.execute(f"INSERT INTO {staging} ({kept}) SELECT {kept} FROM {table}")
    db.execute(f"DROP TABLE {table}")
    db.execute(f"ALTER TABLE {staging} RENAME TO {table}")
