"""What a store holds that a gc may remove, listed and removed through one small protocol.

``storyboard gc`` (``ops/gc.py``) decides *what* is garbage (what no storyboard references, and
how old); a :class:`GarbageSource` says what a store holds (:class:`Item`: where, kind, key,
take, size, when), what must stay *right now* whatever the rule says (:meth:`GarbageSource.busy`:
a build holds its claim, its job is in flight), and removes what it is given. The local store
is :class:`LocalGarbage`; a remote (S3) store plugs in as one more source.

Kinds, under ``.storyboard/``: ``clip`` (clips/, by key and take), ``conformed`` (conformed/, a
clip in a film's format), ``segment`` (segments/, a piece of a finished cut), ``replaced``
(replaced/, a version a ``--replace`` superseded), ``quarantine`` (quarantine/, a clip that
failed its check). ``tmp/`` is the builds' own (``sweep.py``) and ``locks/`` is never touched:
unlinking a lock file another build may be opening would let two builds hold "the" claim.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .claims import held
from .conformed import CONFORMED_DIR
from .state import DEFAULT_TAKE
from .versions import REPLACED_DIR

if TYPE_CHECKING:
    from .store import Store

CLIP, CONFORMED, SEGMENT, REPLACED, QUARANTINE = "clip", "conformed", "segment", "replaced", "quarantine"
SEGMENTS_DIR = "segments"  # cut/render.py's; named here so the store needs no import of the cut
_FINISHED = frozenset({"failed", "lost"})  # journal statuses that bring no clip (journal.py)
CLIP_NAME = re.compile(r"(?P<key>[0-9a-f]{64})(?:\.take(?P<take>[2-9]|[1-9][0-9]+))?")
_CONFORMED = re.compile(CLIP_NAME.pattern + r"\.(?P<format>[0-9a-f]{16})\.mp4")
_QUARANTINED = re.compile(CLIP_NAME.pattern + r"\.(?P<ns>[0-9]{10,})\.mp4")


@dataclass(frozen=True)
class Item:
    """One file (or object) a store holds that a gc may remove."""

    where: str  # which store: "local", or a remote's URL
    kind: str  # clip | conformed | segment | replaced | quarantine
    name: str  # its path under the store's root (a remote: its object key)
    size: int  # bytes
    modified: float  # when it was made (Unix time): what the age rule reads
    key: str | None = None  # the shot key, for a clip and what was made of one
    take: int | None = None
    format: str | None = None  # a conformed copy's film format (cut/conform.py FilmFormat.digest)

    def to_json(self) -> dict[str, object]:
        return {
            "where": self.where,
            "kind": self.kind,
            "name": self.name,
            "bytes": self.size,
            "modified": self.modified,
            "key": self.key,
            "take": self.take,
            "format": self.format,
        }


Items = list[Item]  # (``list`` is also a method's name below)


@runtime_checkable
class GarbageSource(Protocol):
    """A store as a gc sees it."""

    @property
    def where(self) -> str:
        """The store's name in what gc prints ("local", "s3://bucket/prefix")."""
        ...

    def list(self) -> Iterable[Item]:
        """Everything the store holds that a gc may remove (referenced or not: gc decides)."""
        ...

    def busy(self, item: Item) -> str | None:
        """Why ``item`` must stay now whatever its age (None: nothing needs it at this moment)."""
        ...

    def remove(self, items: Sequence[Item]) -> Items:
        """Remove ``items`` (each asked :meth:`busy` again first); the ones actually removed."""
        ...


class LocalGarbage:
    """The local ``.storyboard/`` as a :class:`GarbageSource`: its files and their rows in ``state.db``."""

    where = "local"

    def __init__(self, store: Store) -> None:
        self.store = store
        self.root = store.root

    def list(self) -> Iterator[Item]:
        if not self.root.is_dir():
            return
        yield from self._clips()
        yield from self._conformed()
        yield from self._flat(SEGMENTS_DIR, SEGMENT)
        yield from self._replaced()
        yield from self._quarantined()

    def busy(self, item: Item) -> str | None:
        """A clip whose job is journalled and unfinished, or whose claim a build holds (claims.py)."""
        if item.kind != CLIP or item.key is None:
            return None
        take = item.take or DEFAULT_TAKE
        entry = self.store.journal(item.key, take=take)
        if entry is not None and entry.status not in _FINISHED:
            return f"its job is journalled and unfinished ({entry.status} at {entry.provider})"
        if held(self.root / "locks", item.key, take=take):
            return "a build holds its claim (it is generating it now)"
        return None

    def remove(self, items: Sequence[Item]) -> Items:
        done: Items = []
        for item in items:
            if self.busy(item) is not None:
                continue
            self._remove(item)
            done.append(item)
        return done

    def _remove(self, item: Item) -> None:
        store, path = self.store, self.root / item.name
        if item.kind == CLIP and item.key is not None:
            take = item.take or DEFAULT_TAKE
            store.remove_clip(item.key, take=take)  # the file and its size/sha256 record
            if store.state.exists:  # its probe: a clip made again under the key is probed anew
                store.state.execute("DELETE FROM clip_info WHERE key = ? AND take = ?", (item.key, take))
            return
        path.unlink(missing_ok=True)
        if not store.state.exists:
            return
        if item.kind == CONFORMED and item.key is not None and item.format is not None:
            store.conformed.forget(item.key, item.format, take=item.take or DEFAULT_TAKE)
        elif item.kind == SEGMENT:
            store.state.execute("DELETE FROM meta WHERE name = ?", (f"segment:{path.name}",))
        elif item.kind == REPLACED:
            store.state.execute("DELETE FROM replaced_clips WHERE path = ?", (item.name,))

    # -- listing -----------------------------------------------------------------------
    def _files(self, folder: str, *, nested: bool) -> Iterator[tuple[str, os.stat_result]]:
        """(name under the root, stat) of each regular file in ``folder`` (and its subfolders, ``nested``)."""
        base = self.root / folder
        try:
            entries = list(os.scandir(base))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            if nested and entry.is_dir(follow_symlinks=False):
                for sub in os.scandir(entry.path):
                    if sub.is_file(follow_symlinks=False) and not sub.name.startswith("."):
                        yield f"{folder}/{entry.name}/{sub.name}", sub.stat(follow_symlinks=False)
            elif entry.is_file(follow_symlinks=False) and not entry.name.startswith("."):
                yield f"{folder}/{entry.name}", entry.stat(follow_symlinks=False)

    def _clips(self) -> Iterator[Item]:
        for name, st in self._files("clips", nested=True):
            found = CLIP_NAME.fullmatch(os.path.basename(name).removesuffix(".mp4"))
            if found is not None and name.endswith(".mp4"):
                take = int(found["take"]) if found["take"] else DEFAULT_TAKE
                yield Item(self.where, CLIP, name, st.st_size, st.st_mtime, found["key"], take)

    def _conformed(self) -> Iterator[Item]:
        for name, st in self._files(CONFORMED_DIR, nested=False):
            found = _CONFORMED.fullmatch(os.path.basename(name))
            key, take, fmt = (
                (found["key"], int(found["take"] or DEFAULT_TAKE), found["format"]) if found else (None,) * 3
            )
            yield Item(self.where, CONFORMED, name, st.st_size, st.st_mtime, key, take, fmt)

    def _flat(self, folder: str, kind: str) -> Iterator[Item]:
        for name, st in self._files(folder, nested=False):
            yield Item(self.where, kind, name, st.st_size, st.st_mtime)

    def _replaced(self) -> Iterator[Item]:
        """Aged by when they were superseded (the row's time): the file is the old clip itself, its mtime older."""
        rows = self.store.state.rows("SELECT * FROM replaced_clips") if self.store.state.exists else []
        by_path = {row["path"]: row for row in rows}
        for name, st in self._files(REPLACED_DIR, nested=True):
            row = by_path.get(name)
            when = float(row["replaced"]) if row is not None else st.st_mtime  # a spare file no row names
            key, take = (row["key"], int(row["take"])) if row is not None else (None, None)
            yield Item(self.where, REPLACED, name, st.st_size, when, key, take)

    def _quarantined(self) -> Iterator[Item]:
        """Aged by when they were moved aside (in their name): the file keeps the clip's own mtime."""
        for name, st in self._files("quarantine", nested=False):
            found = _QUARANTINED.fullmatch(os.path.basename(name))
            when = int(found["ns"]) / 1e9 if found else st.st_mtime
            take = int(found["take"] or DEFAULT_TAKE) if found else None
            yield Item(self.where, QUARANTINE, name, st.st_size, when, found["key"] if found else None, take)
