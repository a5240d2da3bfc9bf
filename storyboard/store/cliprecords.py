"""What each stored clip is: its size and sha256, recorded as it is stored, checked before it is used.

A clip in ``clips/`` is only trusted if it is the file the store put there. Each put records
the clip's size and sha256 with the stat it had (``mtime_ns``, ``ctime_ns``, inode) in the
``clip_files`` table. Checking is ninja's and DVC's fast path: a file whose size, mtimes and
inode are the recorded ones is trusted without a read; any difference means reading it again, and a size
or digest that differs (or no record at all) makes the clip *damaged*: plan says the shot
regenerates and why, the build moves the file to ``quarantine/`` and makes it again.

The ctime is git's addition to that stat: ``os.utime`` can put an mtime back, but any
write (or chmod, or link) moves the ctime to now, so a clip rewritten in place with its
mtime restored is still read again. A ``full`` check (the cut's, which reads every byte
anyway) hashes whatever the stat says, for a filesystem whose ctime cannot be trusted.

Stores from before schema 4 have clips and no records: the upgrade records each one's stat
with no digest (a scan of ``clips/``, no read), and the first check hashes it and keeps
the digest, but only while its stat is still the one the upgrade saw.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .state import DEFAULT_TAKE, StateDB


@dataclass(frozen=True)
class ClipRecord:
    """A stored clip as the store wrote it; ``sha256`` None: recorded by the schema-4 upgrade, not yet read."""

    size: int
    sha256: str | None
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path | str, sha256: str | None) -> ClipRecord:
        """The record of a file as it is now (its stat) with the digest given."""
        return cls.stat(os.stat(path), sha256)

    @classmethod
    def stat(cls, st: os.stat_result, sha256: str | None) -> ClipRecord:
        """The record of a stat with the digest given."""
        return cls(st.st_size, sha256, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)

    def same_stat(self, st: os.stat_result) -> bool:
        """Whether ``st`` is the stat recorded: the file has not been touched since."""
        return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) == (
            self.size,
            self.mtime_ns,
            self.ctime_ns,
            self.inode,
        )


def file_sha256(path: Path | str) -> str:
    """The file's sha256 (one read, in large blocks)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


_COLUMNS = "size, sha256, mtime_ns, ctime_ns, inode"  # the order of ClipRecord's fields


class ClipRecords:
    """The ``clip_files`` table; reads answer "no record" while the store does not exist."""

    def __init__(self, state: StateDB) -> None:
        self.state = state

    def get(self, key: str, *, take: int = DEFAULT_TAKE) -> ClipRecord | None:
        """One clip's record, if it has one."""
        if not self.state.exists:
            return None
        row = self.state.connection.execute(
            f"SELECT {_COLUMNS} FROM clip_files WHERE key = ? AND take = ?", (key, take)
        ).fetchone()
        return ClipRecord(*row) if row is not None else None

    def all(self, *, take: int = DEFAULT_TAKE) -> dict[str, ClipRecord]:
        """Every record of one take by key (plan reads them at once: one query, not one per shot)."""
        if not self.state.exists:
            return {}
        rows = self.state.connection.execute(f"SELECT key, {_COLUMNS} FROM clip_files WHERE take = ?", (take,))
        return {row[0]: ClipRecord(*row[1:]) for row in rows}

    def put(self, key: str, record: ClipRecord, *, take: int = DEFAULT_TAKE) -> None:
        """Record (or re-record) what a stored clip is."""
        self.state.execute(
            f"INSERT OR REPLACE INTO clip_files (key, take, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, take, record.size, record.sha256, record.mtime_ns, record.ctime_ns, record.inode),
        )

    def forget(self, key: str, *, take: int = DEFAULT_TAKE) -> None:
        """Drop a clip's record (its file was moved away)."""
        if self.state.exists:
            self.state.execute("DELETE FROM clip_files WHERE key = ? AND take = ?", (key, take))


def damage(path: str, record: ClipRecord | None, *, full: bool = False) -> tuple[str | None, ClipRecord | None]:
    """Why the file at ``path`` is not the clip recorded (None: it is), and the record to keep.

    The second value is a refreshed record when the file was read and found whole under a
    new stat (a ``touch``, a copy back, the upgrade's first read): the next check is a stat
    again. ``FileNotFoundError`` when there is no file: a missing clip, not a damaged one.
    """
    st = os.stat(path)
    try:
        return _damage(path, st, record, full)
    except OSError as exc:  # a clip that cannot be read is not handed out either
        return f"stored clip unreadable ({exc.strerror or exc})", None


def _damage(
    path: str, st: os.stat_result, record: ClipRecord | None, full: bool
) -> tuple[str | None, ClipRecord | None]:
    if record is None:
        return "stored clip has no record of its size and sha256 (not stored by this storyboard)", None
    same_stat = record.same_stat(st)
    if st.st_size != record.size:
        return f"stored clip damaged (size {st.st_size}, recorded {record.size})", None
    if record.sha256 is None:
        if not same_stat:
            return "stored clip changed since the store was upgraded (it has no recorded sha256 to check)", None
        return None, ClipRecord.stat(st, file_sha256(path))
    if same_stat and not full:
        return None, None
    digest = file_sha256(path)
    if digest != record.sha256:
        return f"stored clip damaged (sha256 {digest[:12]}, recorded {record.sha256[:12]})", None
    return None, (None if same_stat else ClipRecord.stat(st, digest))
