"""The clip store: clips by (shot key, take), content-addressed, written atomically.

:class:`ClipStore` is the interface the runner, the planner and the cut need: ``has`` (is
the clip there?), ``open`` (a clip to read) and ``put`` (store a finished file), plus
``remove``. :class:`LocalClipStore` keeps the files under ``.storyboard/clips/``; a remote
(S3-compatible) store is meant to be one more module implementing the same protocol.

What ``open`` returns is a local :class:`~pathlib.Path`, not a stream. Every reader of a
clip is ffmpeg or PyAV, which want a file name (and seek in it); a stream would force every
caller to copy it to disk first. A remote store therefore *materialises*: ``open`` downloads
the object into its local cache (a :class:`LocalClipStore`, through its atomic ``put``) and
returns the cached path, so the local store doubles as the remote one's read-through cache,
and ``put`` uploads after storing locally (write-through). The path stays valid until the
clip is removed; the store never rewrites a clip in place, only replaces it by rename.

Naming keeps today's stores working without renames: the first take of a key is
``clips/<key[:2]>/<key>.mp4`` (what every clip was before takes existed); take *k* > 1 is
``clips/<key[:2]>/<key>.take<k>.mp4``, which no key (64 hex digits) can collide with.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..errors import StoreError
from .cliprecords import ClipRecord, file_sha256
from .state import DEFAULT_TAKE


@runtime_checkable
class ClipStore(Protocol):
    """Where finished clips live, by (shot key, take)."""

    def has(self, key: str, *, take: int = DEFAULT_TAKE) -> bool:
        """Whether the clip is stored (cheap: plan asks once per shot)."""
        ...

    def open(self, key: str, *, take: int = DEFAULT_TAKE) -> Path:
        """A local file holding the clip, fetched first if the store is remote.

        Raises :class:`~storyboard.errors.StoreError` when the clip is not stored.
        """
        ...

    def put(self, key: str, source: Path, *, take: int = DEFAULT_TAKE, move: bool = True) -> Path:
        """Store the complete file ``source`` as the clip; return its local path.

        Atomic: readers see the old clip (or none) until the new one is whole; a failed put
        leaves no partial clip. Putting a key that is already stored replaces it.
        """
        ...

    def remove(self, key: str, *, take: int = DEFAULT_TAKE) -> None:
        """Forget the clip (no error if it was not stored)."""
        ...


def clip_name(key: str, take: int = DEFAULT_TAKE) -> str:
    """The file name of a clip: today's ``<key>.mp4`` for the first take."""
    if take < 1:
        raise ValueError(f"takes count from 1, not {take}")
    return f"{key}.mp4" if take == DEFAULT_TAKE else f"{key}.take{take}.mp4"


class LocalClipStore:
    """Clips as files under ``<root>/clips/``, staged in ``<root>/tmp/`` (one filesystem).

    A clip appears in ``clips/`` only by an atomic rename of a complete, fsynced file, so a
    crash never leaves half a clip under a key.
    """

    def __init__(self, root: Path) -> None:
        self.folder = root / "clips"
        self.tmp = root / "tmp"
        self._folder = os.fspath(self.folder)

    def path(self, key: str, *, take: int = DEFAULT_TAKE) -> Path:
        """Where the clip is (or would be) stored; local stores only."""
        return self.folder / key[:2] / clip_name(key, take)

    def file(self, key: str, *, take: int = DEFAULT_TAKE) -> str:
        """:meth:`path` as a plain string: no Path objects on plan's once-per-shot path."""
        return f"{self._folder}/{key[:2]}/{clip_name(key, take)}"

    def has(self, key: str, *, take: int = DEFAULT_TAKE) -> bool:
        """Whether the clip's file is there (not whether it is whole: ``Store.clip_damage`` says that)."""
        return os.path.isfile(self.file(key, take=take))

    def open(self, key: str, *, take: int = DEFAULT_TAKE) -> Path:
        """The clip's own file (already local: nothing to fetch)."""
        final = self.path(key, take=take)
        if not final.is_file():
            raise StoreError(f"no clip {clip_name(key, take)} in {self.folder}")
        return final

    def temp_path(self, suffix: str = ".mp4") -> Path:
        """A fresh path under tmp/ (same filesystem as clips/, so the final rename is atomic)."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp, suffix=suffix)
        os.close(fd)
        return Path(name)

    def put(self, key: str, source: Path, *, take: int = DEFAULT_TAKE, move: bool = True) -> Path:
        """Store ``source``: fsync, then one atomic rename (see :meth:`put_recorded`)."""
        return self.put_recorded(key, source, take=take, move=move)[0]

    def put_recorded(
        self, key: str, source: Path, *, take: int = DEFAULT_TAKE, move: bool = True
    ) -> tuple[Path, ClipRecord]:
        """Store ``source``: fsync, hash, then one atomic rename; the clip's path and its record.

        A file already under tmp/ is renamed as it is (``move``); any other is first copied
        into tmp/, so the rename never crosses filesystems and nothing is ever written in
        place under clips/. The digest is of the staged file, the stat of the clip once renamed.
        If anything fails (a full disk mid-copy), the staged copy is removed and no clip
        appears under the key.
        """
        final = self.path(key, take=take)
        source = Path(source)
        final.parent.mkdir(parents=True, exist_ok=True)
        staged = source
        copied = not move or not source.resolve().is_relative_to(self.tmp.resolve())
        if copied:
            staged = self.temp_path(final.suffix)
        try:
            if copied:
                shutil.copyfile(source, staged)
            with open(staged, "rb+") as fh:
                os.fsync(fh.fileno())
            digest = file_sha256(staged)
            os.replace(staged, final)
        except BaseException:
            if copied:
                staged.unlink(missing_ok=True)
            raise
        record = ClipRecord.of(final, digest)  # after the rename, which moves the ctime
        _fsync_dir(final.parent)
        if move and copied and source.exists():
            source.unlink()
        return final, record

    def remove(self, key: str, *, take: int = DEFAULT_TAKE) -> None:
        """Delete the clip's file, if any."""
        self.path(key, take=take).unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: some filesystems refuse a directory fsync)."""
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
