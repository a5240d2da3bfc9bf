"""The cut's per-clip work, done as each clip is stored rather than after the last one.

The cut is the build's last step, and everything after the last clip is wall time the user
waits for. Two parts of it are functions of one clip and the film's format: the clip
conformed to that format (when a provider's frame or rate is not the film's: runware's 480p
is 848x480, the film's 854x480) and the review page's frames (a row's middle frame, a take's
start, middle and end, the player's poster). :class:`AheadOfCut` is told of each clip by the
runner (on the loop's thread) and does both in the background, one ffmpeg at a time so the
downloads keep a core, into the very files the cut and the page look for. The cut starts once
the conforms are done (and keeps those clips); the page is written once the frames are (the
last clips' are taken beside the join), and makes only what a trim or a transition moved. A
failure here is left for the cut or the page to meet again, and raise.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from ..compile import Compiled
    from ..cut.conform import FilmFormat
    from ..media.probe import ClipInfo
    from ..plan import Plan, PlannedShot
    from ..store import Store

T = TypeVar("T")


class AheadOfCut:
    """One film's conforms and page frames, done as its clips arrive."""

    def __init__(self, compiled: Compiled, plan: Plan, store: Store, folder: Path, fmt: FilmFormat) -> None:
        self.compiled, self.plan, self.store, self.folder, self.fmt = compiled, plan, store, folder, fmt
        self._conforms: list[asyncio.Task[None]] = []
        self._frames: list[asyncio.Task[None]] = []
        self._slot = asyncio.Semaphore(max(1, (os.cpu_count() or 1) - 1))
        self._cut = {e for e in compiled.cut if e in compiled.shots}
        entries = getattr(compiled, "entries", None) or ()
        # a clip under a transition or a trim is cut into pieces conformed on their own (cut/render.py), never
        # whole: conforming it whole ahead would be work thrown away, so only a plain cut's clips are
        self._whole = not any(getattr(e, "transition", None) or getattr(e, "trim", None) for e in entries)
        self._opening = compiled.cut[0] if compiled.cut else None  # the poster: the first entry, when a shot
        takes = Counter(shot.id for shot in plan.shots)
        self._takes = {sid for sid, n in takes.items() if n > 1 and sid in self._cut}  # the page shows their takes

    def stored(self, shot: PlannedShot, clip: Path) -> None:
        """The runner's hook: ``shot``'s clip is stored; its work starts in the background."""
        from .film import clip_info

        picked = shot.id in self._cut and self.plan.shot(shot.id).take == shot.take  # the cut's clips
        conform, frames = picked and self._whole, picked or shot.id in self._takes  # (a take not picked: its frames)
        if not (conform or frames):
            return
        info = _quiet(asyncio.ensure_future(clip_info(self.store, shot, clip)))  # probed once for both
        if conform:
            self._conforms.append(_quiet(asyncio.ensure_future(self._conform(shot, clip, info))))
        if frames:
            self._frames.append(_quiet(asyncio.ensure_future(self._page_frames(shot, clip, info, picked))))

    async def conformed(self) -> None:
        """Wait for the conforms under way: the cut starts after them (their failures it meets again)."""
        tasks, self._conforms = self._conforms, []
        await asyncio.gather(*tasks, return_exceptions=True)

    async def framed(self) -> None:
        """Wait for the frames under way: the page is written after them (their failures it meets again)."""
        tasks, self._frames = self._frames, []
        await asyncio.gather(*tasks, return_exceptions=True)

    def cancel(self) -> None:
        for task in self._conforms + self._frames:
            task.cancel()

    async def _conform(self, shot: PlannedShot, clip: Path, probed: asyncio.Future[ClipInfo]) -> None:
        from ..cut.incremental import StoredClip, conform_ahead

        info = await probed
        if self.fmt.fits(info):  # used as it is: nothing to wait for a slot for
            return
        async with self._slot:
            await conform_ahead(self.store, StoredClip(clip, info, shot.key, shot.take), self.fmt)

    async def _page_frames(self, shot: PlannedShot, clip: Path, probed: asyncio.Future[ClipInfo], picked: bool) -> None:
        from ..cut.thumbs import make_frame, poster_frame, row_frame, take_frames
        from .film import film_size

        seconds = self.fmt.length(await probed)  # what the film shows of it played whole
        wanted: dict[Path, tuple[Path, float, int]] = {}
        if picked:
            wanted.update([row_frame(shot.key, shot.take, clip, seconds, self.folder)])
            if shot.id == self._opening:
                wanted.update([poster_frame(shot.key, shot.take, clip, 0.0, film_size(self.compiled), self.folder)])
        if shot.id in self._takes:
            wanted.update(take_frames(shot.key, shot.take, clip, seconds, self.folder))
        for out, (source, at, width) in wanted.items():
            if out.is_file():
                continue
            async with self._slot:
                await asyncio.to_thread(make_frame, source, at, width, out)


def ahead_of_cut(plan: Plan, store: Store) -> AheadOfCut:
    """The work ahead of ``plan``'s cut, at the film's format, its frames beside its review page."""
    from ..compile.output import THUMBS
    from ..cut.conform import FilmFormat
    from .film import film_fps, film_path, film_size

    compiled = plan.compiled
    folder = film_path(compiled).with_suffix(THUMBS)
    return AheadOfCut(compiled, plan, store, folder, FilmFormat.of(film_size(compiled), film_fps(compiled)))


def _quiet(task: asyncio.Task[T]) -> asyncio.Task[T]:
    """A failure here is not the build's (the cut or the page meets it again): retrieved, so none is logged
    as never retrieved when the film is not cut (a shot failed) and nobody awaits the task."""
    task.add_done_callback(lambda t: t.cancelled() or t.exception())
    return task
