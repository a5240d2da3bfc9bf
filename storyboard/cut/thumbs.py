"""The review page's frames: where each is, by the clip and the moment it shows, and how they are made.

A frame is named by its clip (key and take) and its moment in milliseconds, so one made while
the build still runs (as each clip is stored: :mod:`storyboard.ops.ahead`) is the very file
the page asks for when it is written, and a frame of another moment (a trim changed) is a new
file, never a stale one under the old name. The player's poster is named by its moment too.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..media.frames import grab_frame
from .files import replace_over, temp_beside

FRAMES = (("start", 0.0), ("middle", 0.5), ("end", 0.9))  # where a take's frames are, as parts of its length
THUMB_WIDTH, POSTER_WIDTH = 320, 1280  # pixels: a row's frame; the player's first frame (at most the film's)

Wanted = Mapping[Path, tuple[Path, float, int]]  # a frame's file -> (its clip, the moment, its width)


def frame_name(key: str, take: int, at: float) -> str:
    """A row's or a take's frame: the key is every take's, so the take is in it, and the moment."""
    return f"{_stem(key, take)}-{round(at * 1000)}ms.jpg"


def poster_name(key: str, take: int, at: float) -> str:
    """The player's first frame (wider than a row's): the film's opening moment of its clip."""
    return f"{_stem(key, take)}-poster.jpg" if not at else f"{_stem(key, take)}-poster-{at:g}.jpg"


def poster_width(size: tuple[int, int]) -> int:
    return min(size[0], POSTER_WIDTH) // 2 * 2


def row_frame(key: str, take: int, clip: Path, seconds: float, folder: Path) -> tuple[Path, tuple[Path, float, int]]:
    """A shot's row frame: the middle of what the film shows of it (``seconds``)."""
    return folder / frame_name(key, take, seconds / 2), (clip, seconds / 2, THUMB_WIDTH)


def poster_frame(
    key: str, take: int, clip: Path, at: float, size: tuple[int, int], folder: Path
) -> tuple[Path, tuple[Path, float, int]]:
    """The player's poster: the film's first frame (``at`` in its clip), as wide as the film, at most 1280."""
    return folder / poster_name(key, take, at), (clip, at, poster_width(size))


def take_frames(key: str, take: int, clip: Path, seconds: float, folder: Path) -> dict[Path, tuple[Path, float, int]]:
    """A take's start, middle and end frames, at parts of ``seconds`` (what the film shows of the shot)."""
    return {folder / frame_name(key, take, seconds * part): (clip, seconds * part, THUMB_WIDTH) for _, part in FRAMES}


def make_frames(wanted: Wanted, workers: int | None = None) -> None:
    """Make each frame of ``wanted`` whose file is not there yet (a stat each), ``workers`` at a time."""
    todo = {thumb: job for thumb, job in wanted.items() if not thumb.is_file()}
    if not todo:
        return
    # each frame is its own ffmpeg process, mostly waiting on its decoder: one per core at a time;
    # each runs in a copy of this context, so the build's temporaries and ffmpeg children are its own
    with ThreadPoolExecutor(max_workers=min(len(todo), workers or os.cpu_count() or 1)) as pool:
        jobs = [(t, clip, at, width, contextvars.copy_context()) for t, (clip, at, width) in todo.items()]
        for done in [pool.submit(c.run, make_frame, clip, at, width, t) for t, clip, at, width, c in jobs]:
            done.result()  # the first failure is raised, after the others have finished


def make_frame(clip: Path, at: float, width: int, out: Path) -> None:
    """A frame of the clip, written under a name of its own and renamed: a half-written JPEG is never seen."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(out)
    try:
        grab_frame(clip, at, tmp, width=width)
        replace_over(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _stem(key: str, take: int) -> str:
    return key[:20] if take == 1 else f"{key[:20]}-take{take}"
