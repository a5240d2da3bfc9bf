"""The input-probe cache: what ``check`` found in a local input, remembered by its stat.

``check`` decodes a frame of every local image and video and a packet of every audio file
(media/probe.py), so that what it accepts the build can read: importing PyAV and decoding
costs a check ~30 ms before the first file. A file whose (size, mtime, ctime, inode) is
the one it was probed at is the same file (ctime cannot be set back), as the hash cache
trusts; only files that passed are kept, so a refused one is probed again and its reason
shown again.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..media.probe import MediaInfo
from .state import StateDB


class ProbeCache:
    """The ``input_probes`` table of one store: read and written only where the store already exists."""

    def __init__(self, state: StateDB) -> None:
        self.state = state

    def get(self, path: Path, st: os.stat_result, kind: str) -> MediaInfo | None:
        """What ``path`` held as ``kind`` when its stat was ``st``; None when not probed at this stat."""
        row = self.state.row(
            "SELECT seconds, width, height FROM input_probes WHERE path = ? AND kind = ? AND size = ?"
            " AND mtime_ns = ? AND ctime_ns = ? AND inode = ?",
            (os.fspath(path), kind, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino),
        )
        return MediaInfo(row["seconds"], row["width"], row["height"]) if row is not None else None

    def put(self, path: Path, st: os.stat_result, kind: str, info: MediaInfo) -> None:
        """Remember a probe that passed, against the stat the file had before it was opened."""
        if self.state.read_only:
            return
        self.state.execute(
            "INSERT OR REPLACE INTO input_probes (path, kind, size, mtime_ns, ctime_ns, inode, seconds, width, height)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (os.fspath(path), kind, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, info.seconds,
             info.width, info.height),
        )  # fmt: skip
