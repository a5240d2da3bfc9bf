"""What deliverables cost: plan wall time of a three-film file against the same file as one film.

Each figure is a whole `storyboard plan FILE --format json` process (interpreter start
included), median of several runs, with the one-film file run beside it as the baseline
(the machine is noisy: read the ratio). A third of the shots set their own aspect ratio, so
their three films share one key; the rest compile, key and plan once per film. Expect a
ratio near the number of films for the compile share of the work, less for the rest.

With ``--build``, also the offline build of a small three-film file: one `build` of every
film (side by side, shared shots rendered once) against three builds of one
`--deliverable` each (the baseline).

    python bench/deliverables.py [--runs 5] [--sizes 300,1000] [--build]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plan_scale import time_plan, write_storyboard  # noqa: E402  -- the same generated storyboard

FILMS = 'deliverables:\n  wide: {aspect_ratio: "16:9"}\n  vertical: {aspect_ratio: "9:16"}\n  square: {aspect_ratio: "1:1"}\n'


def with_deliverables(path: Path) -> Path:
    """The same file as three films; every third shot keeps 16:9 in all of them (a logo, a pack shot)."""
    lines = path.read_text().splitlines(keepends=True)
    out: list[str] = []
    for line in lines:
        out.append(line)
        if line.startswith("settings:"):
            out.append(FILMS)
        if line.startswith("  - id: s") and int(line.split("s", 1)[1]) % 3 == 0:
            out.append('    aspect_ratio: "16:9"\n')
    films = path.with_name("films.yaml")
    films.write_text("".join(out))
    return films


BUILD = """version: 1
settings: {resolution: 480p, duration: 3}
deliverables:
  wide: {aspect_ratio: "16:9"}
  vertical: {aspect_ratio: "9:16"}
  square: {aspect_ratio: "1:1"}
shots:
"""


def time_builds(folder: Path, runs: int) -> tuple[list[float], list[float]]:
    together, apart = [], []
    logo = ', aspect_ratio: "16:9"'
    shots = "".join(f"  - {{id: s{i}, prompt: Shot {i}.{logo if i % 3 == 0 else ''}}}\n" for i in range(6))
    for _ in range(runs):
        for times, commands in (
            (together, [[]]),
            (apart, [["--deliverable", name] for name in ("wide", "vertical", "square")]),
        ):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            path = folder / "storyboard.yaml"
            path.write_text(BUILD + shots)
            start = time.perf_counter()
            for extra in commands:
                subprocess.run(
                    [sys.executable, "-m", "storyboard", "build", str(path), *extra],
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            times.append(time.perf_counter() - start)
    return together, apart


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="300,1000")
    parser.add_argument("--build", action="store_true")
    args = parser.parse_args()
    print(f"{'shots':>6}  {'one film':>9}  {'3 films':>9}  ratio")
    for size in (int(s) for s in args.sizes.split(",")):
        folder = Path(tempfile.mkdtemp(prefix=f"films{size}-"))
        try:
            one = write_storyboard(folder, size)
            three = with_deliverables(one)
            base, films = [], []
            for _ in range(args.runs):  # interleaved: the baseline runs beside the measured one
                base += time_plan(one, 1)
                films += time_plan(three, 1)
            a, b = statistics.median(base), statistics.median(films)
            print(f"{size:>6}  {a:>8.3f}s  {b:>8.3f}s  {b / a:.2f}x")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.build:
        folder = Path(tempfile.mkdtemp(prefix="films-build-"))
        try:
            together, apart = time_builds(folder / "work", args.runs)
            a, b = statistics.median(apart), statistics.median(together)
            print(f"build, 3 films x 6 shots (2 shared): three builds {a:.2f}s, one build {b:.2f}s, ratio {b / a:.2f}x")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
