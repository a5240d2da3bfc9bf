"""Content hashes of referenced files, cached by (path, size, mtime, inode).

A key depends on what a file holds, never on its path or mtime; the cache only spares
re-reading unchanged files, so ``touch`` costs one stat and changes nothing.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .store import Store


class FileHasher:
    """sha256 of referenced files for the keys: memoised per run, cached in the store across runs."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._memo: dict[Path, str] = {}

    def sha256(self, path: Path) -> str:
        """The file's digest; read only if the store has none for its current stat."""
        hit = self._memo.get(path)
        if hit is not None:
            return hit
        st = os.stat(path)
        name = os.fspath(path)
        digest = self.store.cached_hash(name, st.st_size, st.st_mtime_ns, st.st_ino)
        if digest is None:
            with open(path, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
            self.store.remember_hash(name, st.st_size, st.st_mtime_ns, st.st_ino, digest)
        self._memo[path] = digest
        return digest
