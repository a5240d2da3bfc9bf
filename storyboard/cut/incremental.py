"""The build's cut: each clip conformed to the film's format once, kept in the store, then joined.

A clip in the film's format is used as it is; any other is looked up in the store's
``conformed/`` (by key, take and the format's digest, made from this very clip, its bytes
checked) and conformed only when it is not there. So a one-shot edit re-encodes one clip
and the film is a stream copy of the rest.

The store's database is read and written here, on the event loop's thread (its SQLite
connection lives there); checks, ffmpeg and the renames run in threads. ``report`` is
called on the loop's thread too: (state, detail), e.g. ("conforming", "3/7"), ("joining",
"60 clips"), ("done", "1 conformed, 59 kept").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..media.probe import ClipInfo
from . import CutResult, check_clips, film_seconds, write_film
from .conform import FilmFormat, conform_clip

if TYPE_CHECKING:
    from ..store import Store

CutReport = Callable[[str, str], None]
CONFORM_JOBS = 2  # clips conformed at once: a small clip's encode leaves a core idle at its start and end
ROW = "(cut)"  # the cut's row in the build's progress: no shot id starts with "(", so none is named so


@dataclass(frozen=True)
class StoredClip:
    """A clip of the cut as the store keeps it: its file, its probe and its identity."""

    path: Path
    info: ClipInfo
    key: str
    take: int


async def cut_stored(
    store: Store,
    clips: Sequence[StoredClip],
    output: Path,
    size: tuple[int, int],
    fps: float | Fraction,
    report: CutReport | None = None,
) -> CutResult:
    """Cut ``clips`` into ``output``: conform what is not in the format and not conformed before, join."""
    from ..store.conformed import install, usable

    tell = report or _silent
    await asyncio.to_thread(check_clips, [c.path for c in clips])
    fmt = FilmFormat.of(size, fps)
    parts = [c.path for c in clips]
    todo = [i for i, c in enumerate(clips) if not fmt.fits(c.info)]
    finals = {i: store.conformed.path(clips[i].key, fmt.digest, take=clips[i].take) for i in todo}
    sources = {i: _source_digest(store, clips[i]) for i in todo}
    records = {i: store.conformed.get(clips[i].key, fmt.digest, take=clips[i].take) for i in todo}
    found = await asyncio.gather(
        *(asyncio.to_thread(usable, finals[i], records[i], sources[i] or "") for i in todo)
    )  # fmt: skip
    make = [i for i, ok in zip(todo, found, strict=True) if not ok or sources[i] is None]
    staged: list[Path] = []  # removed on the way out; an installed one is renamed away already
    slots, done, stop = asyncio.Semaphore(CONFORM_JOBS), 0, False

    async def conform(i: int) -> None:
        nonlocal done, stop
        clip, source = clips[i], sources[i]
        async with slots:
            if stop:  # another clip failed: start no more
                return
            try:
                staged.append(store.temp_path(".mp4"))
                into = staged[-1]
                await asyncio.to_thread(conform_clip, clip.path, clip.info, fmt, into)
                if source is None:  # no digest to name the clip by (not stored by this storyboard): used once
                    parts[i] = into
                else:
                    record = await asyncio.to_thread(install, into, finals[i])
                    store.conformed.put(clip.key, fmt.digest, source, record, take=clip.take)
                    parts[i] = finals[i]
            except BaseException:
                stop = True
                raise
        done += 1
        tell("conforming", f"{done}/{len(make)}")

    try:
        if make:
            tell("conforming", f"0/{len(make)}")
            # the ones running finish before the first failure is raised: no ffmpeg is left writing
            ended = await asyncio.gather(*(conform(i) for i in make), return_exceptions=True)
            failures = [e for e in ended if isinstance(e, BaseException)]
            if failures:
                raise failures[0]
        for i in set(todo) - set(make):
            parts[i] = finals[i]
        tell("joining", f"{len(parts)} clips")
        await asyncio.to_thread(write_film, parts, output)
    finally:
        for path in staged:
            path.unlink(missing_ok=True)
    kept = len(todo) - len(make)
    tell("done", f"{len(make)} conformed, {kept} kept" if todo else "stream copy")
    method: Literal["copy", "normalise"] = "normalise" if todo else "copy"
    seconds = film_seconds(fmt, [c.info for c in clips])
    return CutResult(output, method, seconds, len(clips), conformed=len(make), kept=kept)


async def conform_ahead(store: Store, clip: StoredClip, fmt: FilmFormat) -> bool:
    """Conform one clip before the cut, as it is stored, into the very file the cut looks for (so the
    cut keeps it): False when there was nothing to do (in the format, conformed before, or unrecorded)."""
    from ..store.conformed import install, usable

    source = _source_digest(store, clip)
    if fmt.fits(clip.info) or source is None:
        return False
    final = store.conformed.path(clip.key, fmt.digest, take=clip.take)
    if await asyncio.to_thread(usable, final, store.conformed.get(clip.key, fmt.digest, take=clip.take), source):
        return False
    into = store.temp_path(".mp4")
    try:
        await asyncio.to_thread(conform_clip, clip.path, clip.info, fmt, into)
        record = await asyncio.to_thread(install, into, final)
        store.conformed.put(clip.key, fmt.digest, source, record, take=clip.take)
    finally:
        into.unlink(missing_ok=True)
    return True


def _source_digest(store: Store, clip: StoredClip) -> str | None:
    """The sha256 the store recorded for the clip (the cut checked its bytes against it just before)."""
    record = store.records.get(clip.key, take=clip.take)
    return record.sha256 if record is not None else None


def _silent(state: str, detail: str) -> None:
    return None
