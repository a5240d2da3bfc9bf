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
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from storyboard.cut import _concat_normalise
from storyboard.cut.incremental import StoredClip, cut_stored
from storyboard.media.ffmpeg import ffmpeg_exe
from storyboard.media.probe import probe_clip
from storyboard.store import Store


def make_clip(path: Path, size: str, rate: int, seconds: float, tone: int, sound: bool) -> Path:
    audio = ["-f", "lavfi", "-i", f"sine=f={tone}:r=44100:d={seconds}", "-c:a", "aac"] if sound else []
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}", *audio,
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


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
            # before: every cut re-encodes the whole film (the build knows each clip's probe)
            start = time.perf_counter()
            _concat_normalise([c.path for c in clips], [c.info for c in clips], out, (width, height))
            before_cold = time.perf_counter() - start
            # after: the first cut conforms every clip once and keeps them
            start = time.perf_counter()
            cold = asyncio.run(cut_stored(store, clips, out, (width, height), args.fps))
            after_cold = time.perf_counter() - start

            clips[middle] = stored(edited)  # the one-shot edit
            start = time.perf_counter()
            _concat_normalise([c.path for c in clips], [c.info for c in clips], out, (width, height))
            before = time.perf_counter() - start
            start = time.perf_counter()
            warm = asyncio.run(cut_stored(store, clips, out, (width, height), args.fps))
            after = time.perf_counter() - start
        film = probe_clip(out)
        print(
            f"{args.clips} clips x {args.seconds:g} s in 3 shapes -> {args.film} at {args.fps} fps,"
            f" film {film.seconds:.1f} s; {os.cpu_count()} cores"
        )
        print(f"  first cut   before (whole film)  {before_cold:7.2f} s")
        print(f"              after  (conform all) {after_cold:7.2f} s   {cold.conformed} conformed")
        print("  one-shot edit, rebuild's cut:")
        print(f"              before (whole film)  {before:7.2f} s")
        print(
            f"              after  (incremental) {after:7.2f} s   {warm.conformed} conformed, {warm.kept} kept"
            f"   {before / after:5.1f}x faster"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
