"""A one-shot edit of a film of mixed sizes: the rebuild's cut before (the whole film re-encoded) and after
(each clip conformed once and kept; the edited clip conformed, the rest stream-copied).

    python bench/cut_incremental.py [--clips 60] [--seconds 3] [--film 854x480] [--fps 32]

The clips come in three shapes (the film's size at 25 fps, 640x480 at 30, 480x854 at 24,
each with mono 44.1 kHz sound), so every clip must be conformed; the edit replaces one clip
in the middle with a new one, as a one-prompt edit does. (Every clip has sound: the old
whole-film graph fails on two silent clips of one length, ffmpeg-python merging their
identical ``anullsrc`` chains into one node without a ``split``.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from storyboard.cut import _concat_normalise
from storyboard.cut.incremental import StoredClip, cut_stored
from storyboard.media.ffmpeg import ffmpeg_exe
from storyboard.media.probe import probe_clip
from storyboard.store import Store

T = TypeVar("T")


def make_clip(path: Path, size: str, rate: int, seconds: float, tone: int, sound: bool) -> Path:
    audio = ["-f", "lavfi", "-i", f"sine=f={tone}:r=44100:d={seconds}", "-c:a", "aac"] if sound else []
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}", *audio,
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


def cpu() -> float:
    """CPU seconds of this process and its finished children (ffmpeg): steadier than the wall on a busy machine."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """What ``fn`` returned, its wall seconds and its CPU seconds."""
    wall, used = time.perf_counter(), cpu()
    value = fn()
    return value, time.perf_counter() - wall, cpu() - used


def shapes(film: str) -> list[tuple[str, int]]:
    return [(film, 25), ("640x480", 30), ("480x854", 24)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--film", default="854x480")
    parser.add_argument("--fps", type=int, default=32)
    args = parser.parse_args()
    width, height = (int(n) for n in args.film.split("x"))
    folder = Path(tempfile.mkdtemp(prefix="cutincbench-"))
    try:
        src = folder / "src"
        src.mkdir()
        kinds = shapes(args.film)
        made = [
            make_clip(src / f"c{i:03d}.mp4", *kinds[i % 3], args.seconds, 200 + i, sound=True)
            for i in range(args.clips)
        ]
        edited = make_clip(src / "edit.mp4", *kinds[1], args.seconds, 999, sound=True)
        middle = args.clips // 2
        out = folder / "project" / "out" / "film.mp4"
        out.parent.mkdir(parents=True)
        with Store(folder / "project", create=True) as store:

            def stored(path: Path) -> StoredClip:
                key = path.stem.ljust(64, "0")
                final = store.put_clip(key, path, move=False)
                return StoredClip(final, probe_clip(final), key, 1)

            clips = [stored(p) for p in made]
            paths, infos, size = [c.path for c in clips], [c.info for c in clips], (width, height)
            # before: every cut re-encodes the whole film (the build knows each clip's probe)
            _, before_cold, before_cold_cpu = timed(lambda: _concat_normalise(paths, infos, out, size))
            # after: the first cut conforms every clip once and keeps them
            cold, after_cold, after_cold_cpu = timed(lambda: asyncio.run(cut_stored(store, clips, out, size, args.fps)))
            clips[middle] = stored(edited)  # the one-shot edit
            paths, infos = [c.path for c in clips], [c.info for c in clips]
            _, before, before_cpu = timed(lambda: _concat_normalise(paths, infos, out, size))
            warm, after, after_cpu = timed(lambda: asyncio.run(cut_stored(store, clips, out, size, args.fps)))
        film = probe_clip(out)
        print(
            f"{args.clips} clips x {args.seconds:g} s in 3 shapes -> {args.film} at {args.fps} fps,"
            f" film {film.seconds:.1f} s; {os.cpu_count()} cores"
        )
        load = os.getloadavg()[0]
        print(f"  (wall, and CPU seconds of storyboard and its ffmpeg; load average {load:.1f} at the end)")
        print(f"  first cut   before (whole film)  {before_cold:7.2f} s wall  {before_cold_cpu:7.2f} s CPU")
        print(
            f"              after  (conform all) {after_cold:7.2f} s wall  {after_cold_cpu:7.2f} s CPU"
            f"   {cold.conformed} conformed"
        )
        print("  one-shot edit, the rebuild's cut:")
        print(f"              before (whole film)  {before:7.2f} s wall  {before_cpu:7.2f} s CPU")
        print(
            f"              after  (incremental) {after:7.2f} s wall  {after_cpu:7.2f} s CPU"
            f"   {warm.conformed} conformed, {warm.kept} kept"
        )
        print(f"  ratio before/after: {before / after:5.1f}x wall, {before_cpu / after_cpu:5.1f}x CPU")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
