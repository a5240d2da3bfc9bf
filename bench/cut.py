"""The cut of 50 matching clips: wall time against `cat` of the same bytes and a re-encode.

    python bench/cut.py [--clips 50] [--seconds 5] [--size 1920x1080]

The defaults are a storyboard's defaults (1080p, 5 s shots); `--seconds 2 --size 1280x720`
is the small-clip case, where ffmpeg's fixed cost per file and per packet weighs most.

Target: the stream-copy cut within 3x of `cat`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from storyboard.cut import _concat_normalise, cut_film
from storyboard.media.ffmpeg import ffmpeg_exe
from storyboard.media.probe import probe_clip


def make_clips(folder: Path, n: int, seconds: float, size: str) -> list[Path]:
    clips = []
    for i in range(n):
        path = folder / f"clip{i:03d}.mp4"
        subprocess.run(
            [
                ffmpeg_exe(),
                "-hide_banner",
                "-loglevel",
                "error",
                "-nostdin",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=s={size}:r=32:d={seconds}[out0];sine=f={200 + i}:r=48000:d={seconds}[out1]",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-ac",
                "2",
                str(path),
            ],
            check=True,
        )
        clips.append(path)
    return clips


def best_of(runs: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--size", default="1920x1080")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    folder = Path(tempfile.mkdtemp(prefix="cutbench-"))
    try:
        clips = make_clips(folder, args.clips, args.seconds, args.size)
        size = sum(c.stat().st_size for c in clips)
        cat = best_of(
            3,
            lambda: subprocess.run(
                f"cat {' '.join(str(c) for c in clips)} > {folder / 'cat.bin'}", shell=True, check=True
            ),
        )
        infos = [probe_clip(c) for c in clips]  # a build knows these: the store keeps each clip's probe
        cut = best_of(3, lambda: cut_film(clips, folder / "film.mp4", (width, height), infos))
        probing = best_of(3, lambda: cut_film(clips, folder / "film.mp4", (width, height)))
        method = cut_film(clips, folder / "film.mp4", (width, height), infos).method
        encode = best_of(1, lambda: _concat_normalise(clips, infos, folder / "encoded.mp4", (width, height)))
        film = probe_clip(folder / "film.mp4").seconds
        print(f"{args.clips} clips x {args.seconds:g} s {args.size}, {size / 1e6:.1f} MB, film {film:.1f} s ({method})")
        print(f"  cat of the same bytes      {cat:7.3f} s")
        print(
            f"  storyboard cut (copy)      {cut:7.3f} s   {cut / cat:5.1f}x cat   target <= 3x "
            f"{'ok' if cut <= 3 * cat else 'OVER'}"
        )
        print(f"  cut probing every clip     {probing:7.3f} s   {probing / cat:5.1f}x cat")
        print(f"  full re-encode (normalise) {encode:7.3f} s   {encode / cut:5.1f}x the cut")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
