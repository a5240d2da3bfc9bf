"""Clips conformed to a film's format, kept so that a film is re-encoded only where it changed.

Layout: ``conformed/<key>[.take<k>].<format>.mp4`` beside ``clips/``, where ``<format>`` is
:attr:`storyboard.cut.conform.FilmFormat.digest` (frame, rate and the encoding recipe). Each
file has a row in the ``conformed`` table (schema 6): its size, sha256 and stat, as a clip's
record (cliprecords.py), and the sha256 of the clip it was made from, so a clip made anew
under its key (``--replace``, ``--resubmit``) is conformed anew over the same name. A file
that fails its check, or has no row, is made again; nothing unchecked is cut into a film.

They are a cache, never the only copy of anything. A gc finds what no film needs by the
table: a row whose (key, take) has no clip any more (no ``clip_files`` row), or whose
``format`` no current film has; and by the naming rule, any file under ``conformed/``
without a row (a crash between rename and record). Each row's ``made`` says how old it is.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from .cliprecords import ClipRecord, damage, file_sha256
from .clips import _fsync_dir, clip_name
from .state import DEFAULT_TAKE, StateDB

CONFORMED_DIR = "conformed"
_COLUMNS = "size, sha256, mtime_ns, ctime_ns, inode"


@dataclass(frozen=True)
class ConformedRecord:
    """A conformed file as the store wrote it, and the clip (by digest) it was made from."""

    source_sha256: str
    file: ClipRecord


def conformed_name(key: str, take: int, fmt: str) -> str:
    """``<key>[.take<k>].<format>.mp4``: the clip's own name with the format's digest before the suffix."""
    return f"{clip_name(key, take)[: -len('.mp4')]}.{fmt}.mp4"


class ConformedFiles:
    """The ``conformed/`` folder and its table; reads answer "none" while the store does not exist."""

    def __init__(self, state: StateDB, root: Path) -> None:
        self.state = state
        self.folder = root / CONFORMED_DIR

    def path(self, key: str, fmt: str, *, take: int = DEFAULT_TAKE) -> Path:
        return self.folder / conformed_name(key, take, fmt)

    def get(self, key: str, fmt: str, *, take: int = DEFAULT_TAKE) -> ConformedRecord | None:
        """The record of a conformed file, if one was stored."""
        if not self.state.exists:
            return None
        row = self.state.row(
            f"SELECT source_sha256, {_COLUMNS} FROM conformed WHERE key = ? AND take = ? AND format = ?",
            (key, take, fmt),
        )
        if row is None:
            return None
        return ConformedRecord(row["source_sha256"], ClipRecord(*(row[c] for c in _COLUMNS.split(", "))))

    def put(self, key: str, fmt: str, source_sha256: str, record: ClipRecord, *, take: int = DEFAULT_TAKE) -> None:
        """Record a conformed file just installed (on the database's thread)."""
        self.state.execute(
            f"INSERT OR REPLACE INTO conformed (key, take, format, source_sha256, {_COLUMNS}, made)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, take, fmt, source_sha256, record.size, record.sha256, record.mtime_ns, record.ctime_ns,
             record.inode, time.time()),
        )  # fmt: skip

    def forget(self, key: str, fmt: str, *, take: int = DEFAULT_TAKE) -> None:
        if self.state.exists:
            self.state.execute("DELETE FROM conformed WHERE key = ? AND take = ? AND format = ?", (key, take, fmt))


def usable(path: Path, record: ConformedRecord | None, source_sha256: str) -> bool:
    """Whether the conformed file at ``path`` is the one recorded, made from this very clip (any thread).

    A full read, as the cut's check of clips: ffmpeg reads every byte of it next anyway."""
    if record is None or record.source_sha256 != source_sha256:
        return False
    try:
        why, _ = damage(os.fspath(path), record.file, full=True)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return why is None


def install(staged: Path, final: Path) -> ClipRecord:
    """Move a finished conformed file into place: fsync, hash, one atomic rename (any thread).

    ``staged`` is under the store's tmp/ (one filesystem): a crash leaves the old file or the
    new one under the name, never half of one."""
    final.parent.mkdir(parents=True, exist_ok=True)
    with open(staged, "rb+") as fh:
        os.fsync(fh.fileno())
    digest = file_sha256(staged)
    os.replace(staged, final)
    record = ClipRecord.of(final, digest)  # after the rename, which moves the ctime
    _fsync_dir(final.parent)
    return record
