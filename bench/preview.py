"""Local preview render speed at 720p, in x realtime (seconds of video per wall second).

    python bench/preview.py [--shots 8] [--seconds 5]

Independent shots render in parallel (one per core by default). Target: >= 4x on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from storyboard.compile import compile_storyboard
from storyboard.load import load
from storyboard.ops import build

AURORA_REFS = Path(__file__).resolve().parents[1] / "examples" / "aurora" / "refs"


def write(folder: Path, shots: int, seconds: int) -> Path:
    shutil.copytree(AURORA_REFS, folder / "refs")
    kinds = [
        'prompt: "Scene {i}: the cafe at dawn, warm light."',
        'prompt: "@Mara pours latte art in scene {i}."\n    sound: true',
        "prompt: The cup turns in scene {i}.\n    first_frame: refs/cup.png\n    last_frame: refs/cup_top.png\n"
        "    keyframes: [{{at: 2.5, image: refs/cup_steam.png}}]",
        'motion: dance\n    prompt: "@Mara imitates @dance in scene {i}."',
    ]
    lines = [
        "version: 1",
        f"settings: {{resolution: 720p, duration: {seconds}}}",
        "characters:\n  Mara: {images: [refs/mara_front.png, refs/mara_side.png]}",
        "assets:\n  dance: refs/dance.mp4",
        "shots:",
    ]
    for i in range(shots):
        lines.append(f"  - id: s{i}\n    " + kinds[i % len(kinds)].format(i=i))
    path = folder / "storyboard.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="previewbench-"))
    try:
        compiled = compile_storyboard(load(write(folder, args.shots, args.seconds)))
        assert compiled.ok, [d.message for d in compiled.diagnostics.errors]
        video = sum(s.seconds for s in compiled.shots.values())
        start = time.perf_counter()
        result = build(compiled)
        wall = time.perf_counter() - start
        assert result.ok
        print(f"{args.shots} shots, {video:g} s of 720p video, {os.cpu_count()} cores, film cut by {result.cut_method}")
        print(
            f"  wall {wall:.2f} s (renders and cut)   {video / wall:.1f}x realtime   target >= 4x "
            f"{'ok' if video / wall >= 4 else 'UNDER'}"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
