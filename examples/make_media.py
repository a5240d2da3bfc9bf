"""Regenerate the small media every example (and the `init` starter) ships with.

Deterministic where ffmpeg allows; run from the repository root:

    python examples/make_media.py
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

ROOT = Path(__file__).resolve().parent
FF = imageio_ffmpeg.get_ffmpeg_exe()
EXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1"]


def image(path: Path, source: str) -> None:
    _run(["-f", "lavfi", "-i", source, "-frames:v", "1", *EXACT, str(path)])


def video(path: Path, source: str, seconds: float, tone: int) -> None:
    _run(["-f", "lavfi", "-i", f"{source}:d={seconds}", "-f", "lavfi", "-i", f"sine=f={tone}:d={seconds}",
          "-shortest", "-c:v", "libx264", "-preset", "veryslow", "-crf", "40", "-pix_fmt", "yuv420p",
          "-c:a", "aac", "-b:a", "24k", "-ac", "1", *EXACT, str(path)])


def audio(path: Path, source: str) -> None:
    codec = ["-c:a", "libmp3lame", "-b:a", "32k"] if path.suffix == ".mp3" else ["-ac", "1", "-ar", "8000"]
    _run(["-f", "lavfi", "-i", source, *codec, *EXACT, str(path)])


def _run(args: list[str]) -> None:
    subprocess.run([FF, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args], check=True)


def main() -> None:
    a = ROOT / "aurora" / "refs"
    t = ROOT / "trailer" / "refs"
    r = ROOT / "recipe" / "refs"
    s = ROOT.parent / "storyboard" / "scaffold" / "refs"
    for folder in (a, t, r, s):
        folder.mkdir(parents=True, exist_ok=True)
    # aurora: the DESIGN example
    image(a / "mara_front.png", "gradients=s=160x90:c0=0xd08040:c1=0x402010:seed=1")
    image(a / "mara_side.png", "gradients=s=160x90:c0=0xc07030:c1=0x203040:seed=2")
    image(a / "recipe_grid.png", "testsrc2=s=160x160")
    image(a / "cup.png", "color=c=0x6b4226:s=160x90")
    image(a / "cup_top.png", "color=c=0xf5e6c8:s=160x90")
    image(a / "cup_steam.png", "gradients=s=160x90:c0=0xffffff:c1=0x6b4226:seed=3")
    video(a / "dance.mp4", "testsrc2=s=192x108:r=16", 3, 330)
    audio(a / "mara_voice.wav", "sine=f=220:d=3")
    audio(a / "jingle.mp3", "sine=f=660:d=4")
    # trailer: vertical, characters, continuity chains, motion from a shot
    image(t / "hero.png", "gradients=s=90x160:c0=0x2040a0:c1=0x101020:seed=4")
    image(t / "hero_back.png", "gradients=s=90x160:c0=0x3050b0:c1=0x000000:seed=5")
    image(t / "rival.png", "gradients=s=90x160:c0=0xa02020:c1=0x200000:seed=6")
    image(t / "city.png", "mandelbrot=s=90x160:end_pts=1")
    image(t / "door_open.png", "color=c=0x303030:s=90x160")
    image(t / "door_shut.png", "color=c=0x101010:s=90x160")
    image(t / "kf_flash.png", "color=c=0xffffe0:s=90x160")
    image(t / "kf_smoke.png", "gradients=s=90x160:c0=0x808080:c1=0x202020:seed=7")
    image(t / "kf_glass.png", "cellauto=s=90x160:rule=30:full=0")
    audio(t / "hero_voice.wav", "sine=f=180:d=4")
    audio(t / "theme.mp3", "sine=f=440:d=6")
    # recipe: square, grid groups, keyframes, audio-driven
    image(r / "noodles_grid.png", "testsrc2=s=160x160")
    image(r / "chef_grid.png", "smptebars=s=160x160")
    image(r / "chef.png", "gradients=s=120x120:c0=0xffd0a0:c1=0x603010:seed=8")
    image(r / "bowl_empty.png", "color=c=0xeeeeee:s=120x120")
    image(r / "bowl_full.png", "color=c=0xd09030:s=120x120")
    for i, colour in enumerate(("0xff4020", "0xffe020", "0x40c040", "0x2080ff"), start=1):
        image(r / f"step{i}.png", f"color=c={colour}:s=120x120")
    video(r / "stir.mp4", "testsrc=s=120x120:r=16", 4, 520)
    audio(r / "voiceover.wav", "sine=f=300:d=5")
    # the init starter
    image(s / "lead_front.png", "gradients=s=160x90:c0=0x4080c0:c1=0x102030:seed=9")
    image(s / "lead_side.png", "gradients=s=160x90:c0=0x3070b0:c1=0x203040:seed=10")
    image(s / "opening.png", "color=c=0x203040:s=160x90")


if __name__ == "__main__":
    main()
