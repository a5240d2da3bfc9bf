"""The file-hash cache: a referenced file's sha256, remembered by (path, size, mtime, inode).

Hashing every image and video on every ``plan`` would be the slowest part of it; the cache
lets an unchanged file cost one ``stat``. Until the store exists (a first ``plan``), hits are
kept in memory, so planning a new folder creates nothing on disk.
"""

from __future__ import annotations

from .state import StateDB


class HashCache:
    """The ``file_hashes`` table, or a dict while there is no ``state.db``."""

    def __init__(self, state: StateDB) -> None:
        self.state = state
        self._memory: dict[str, tuple[int, int, int, str]] = {}

    def _in_memory(self) -> bool:
        # no store yet (plan creates none), or one this process cannot write: remember for this run only
        return (not self.state.exists and not self.state.is_open) or self.state.read_only

    def get(self, path: str, size: int, mtime_ns: int, inode: int) -> str | None:
        """The remembered digest, only if the file's stat is exactly what it was."""
        hit: tuple[int, int, int, str] | None
        hit = self._memory.get(path)
        if hit is None and self.state.exists:
            row = self.state.row("SELECT size, mtime_ns, inode, sha256 FROM file_hashes WHERE path = ?", (path,))
            hit = (row["size"], row["mtime_ns"], row["inode"], row["sha256"]) if row is not None else None
        if hit and hit[0] == size and hit[1] == mtime_ns and hit[2] == inode:
            return str(hit[3])
        return None

    def put(self, path: str, size: int, mtime_ns: int, inode: int, sha256: str) -> None:
        """Remember a digest against the stat it was computed for."""
        if self._in_memory():
            self._memory[path] = (size, mtime_ns, inode, sha256)
            return
        self.state.execute(
            "INSERT OR REPLACE INTO file_hashes (path, size, mtime_ns, inode, sha256) VALUES (?, ?, ?, ?, ?)",
            (path, size, mtime_ns, inode, sha256),
        )
