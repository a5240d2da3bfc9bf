"""The review page's frames, made as each clip is stored rather than after the cut.

The cut is the build's last step and everything after it is wall time the user waits for;
the frames of the page (a row's middle frame, a take's start, middle and end, the player's
poster) are functions of a clip and a moment, so each can be taken while later shots are
still generating. :class:`EarlyFrames` is told of each clip by the runner (on the loop's
thread), takes the frames the page will ask for when the shot plays whole (the usual case),
one ffmpeg at a time so the downloads and the cut keep a core, and is settled before the page
is written: the page then makes only what a trim or a transition moved (the cut's own pass).
A frame that fails here is made again, and its failure raised, by the page.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..compile import Compiled
    from ..cut.conform import FilmFormat
    from ..plan import Plan, PlannedShot
    from ..store import Store


class EarlyFrames:
    """Frames of one film's page, taken as its clips arrive."""

    def __init__(self, compiled: Compiled, plan: Plan, store: Store, folder: Path, fmt: FilmFormat) -> None:
        self.compiled, self.plan, self.store, self.folder, self.fmt = compiled, plan, store, folder, fmt
        self._tasks: list[asyncio.Task[None]] = []
        self._slot = asyncio.Semaphore(max(1, (os.cpu_count() or 1) - 1))
        cut = [e for e in compiled.cut if e in compiled.shots]
        self._cut = set(cut)
        self._opening = compiled.cut[0] if compiled.cut else None  # the poster: the first entry, when a shot
        counts: dict[str, int] = {}
        for shot in plan.shots:
            counts[shot.id] = counts.get(shot.id, 0) + 1
        self._takes = {sid for sid, n in counts.items() if n > 1}  # shots whose takes the page shows

    def stored(self, shot: PlannedShot, clip: Path) -> None:
        """The runner's hook: ``shot``'s clip is stored; its frames start in the background."""
        if shot.id in self._cut or shot.id in self._takes:
            self._tasks.append(asyncio.ensure_future(self._frames(shot, clip)))

    async def settle(self) -> None:
        """Wait for the frames under way (their failures are left for the page to meet again)."""
        tasks, self._tasks = self._tasks, []
        await asyncio.gather(*tasks, return_exceptions=True)

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def _frames(self, shot: PlannedShot, clip: Path) -> None:
        from ..cut.thumbs import THUMB_WIDTH, frame_name, make_frame, poster_name, poster_width, take_frames
        from .film import clip_info, film_size

        info = await clip_info(self.store, shot, clip)
        seconds = self.fmt.length(info)  # what the film shows of it played whole
        picked = self.plan.shot(shot.id).take == shot.take
        wanted: dict[Path, tuple[Path, float, int]] = {}
        if picked and shot.id in self._cut:
            wanted[self.folder / frame_name(shot.key, shot.take, seconds / 2)] = (clip, seconds / 2, THUMB_WIDTH)
            if shot.id == self._opening:
                size = film_size(self.compiled)
                wanted[self.folder / poster_name(shot.key, shot.take, 0.0)] = (clip, 0.0, poster_width(size))
        if shot.id in self._takes:
            wanted.update(take_frames(shot.key, shot.take, clip, seconds, self.folder))
        for out, (source, at, width) in wanted.items():
            if out.is_file():
                continue
            async with self._slot:
                await asyncio.to_thread(make_frame, source, at, width, out)


def early_frames(plan: Plan, store: Store) -> EarlyFrames:
    """The frames of ``plan``'s film, in the folder beside its review page, at the film's format."""
    from ..compile.output import THUMBS
    from ..cut import FPS
    from ..cut.conform import FilmFormat
    from .film import film_path, film_size

    compiled = plan.compiled
    fps = getattr(compiled.effective.settings, "fps", None) or FPS  # as the cut takes it (ops/film.py)
    folder = film_path(compiled).with_suffix(THUMBS)
    return EarlyFrames(compiled, plan, store, folder, FilmFormat.of(film_size(compiled), fps))
