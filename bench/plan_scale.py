"""`storyboard plan` wall time for generated 1,000- and 10,000-shot storyboards.

Each figure is a whole `storyboard plan FILE --format json` process (interpreter start
included), median of several runs: with no store; after a recorded build (every shot cached),
the memo of the last answer removed before each run (a plan answered in full, as after any
edit, its memo saved); and the no-op plan (nothing changed since the last plan: ops/memo.py
answers it). The build is recorded as if it ended a minute ago (files dated back): a plan
does not trust a file written in the last two seconds. Targets: <= 0.5 s for 1,000 shots,
<= 3 s for 10,000, every row; the no-op plan of 1,000 shots <= 2x the floor (importing plan's
dependencies alone, the same way); and the 10,000-shot plan's time above the floor at most ~10x
the 1,000-shot one's (linear). The floors of the other rows are printed too: a plan answered in
full imports the language, the compiler and PyAV (no store yet) and compiles every shot.

Every process runs with its bytecode cached, as an installed package's is (pip compiles it):
under PYTHONDONTWRITEBYTECODE (the worktrees' setting) storyboard's own modules would be
compiled from source in every run, while the floor's libraries have their .pyc. The cache
goes to a temporary folder (PYTHONPYCACHEPREFIX), filled by one unmeasured run first.

    python bench/plan_scale.py [--runs 5] [--sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
PNG = bytes.fromhex(  # a valid 1x1 PNG: `check` decodes every image (the old bytes had a broken IDAT)
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63606060000000040001c8eaebf9"
    "0000000049454e44ae426082"
)


def write_storyboard(folder: Path, shots: int) -> Path:
    refs = folder / "refs"
    refs.mkdir(parents=True)
    for name in ("mara_a", "mara_b", "leo", "start", "end", "mid"):
        (refs / f"{name}.png").write_bytes(PNG + name.encode())
    lines = [
        "version: 1",
        f"title: bench {shots}",
        "settings: {provider: apimart, resolution: 720p}",  # a paid provider that takes every edge kind
        "vars: {look: warm amber light, lens: 35mm}",
        "characters:",
        "  Mara: {images: [refs/mara_a.png, refs/mara_b.png]}",
        "  Leo: {images: [refs/leo.png]}",
        "shots:",
    ]
    for i in range(shots):
        kind = i % 5
        lines.append(f"  - id: s{i}")
        if kind == 0:
            lines.append(f'    prompt: "Scene {i}: the street at dawn, {{{{ look }}}}, {{{{ lens }}}}."')
        elif kind == 1:
            lines.append(f'    prompt: "@Mara walks through scene {i}, {{{{ look }}}}."')
            lines.append("    duration: 6")
        elif kind == 2:
            lines.append(f"    extends: s{i - 1}")
            lines.append(f'    prompt: "@s{i - 1} The camera pulls back on scene {i}."')
        elif kind == 3:
            lines.append(f'    prompt: "Scene {i}: the cup turns, {{{{ look | upper }}}}."')
            lines.append("    first_frame: refs/start.png")
            lines.append("    last_frame: refs/end.png")
            lines.append("    keyframes: [{at: 2.5, image: refs/mid.png}]")
        else:
            lines.append(f"    continues: s{i - 1}")
            lines.append(f'    prompt: "Steam fills scene {i} as @Leo watches from afar."'.replace("@Leo", "Leo"))
    path = folder / "storyboard.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def child_env(pycache: Path) -> dict[str, str]:
    """The environment of every measured process: bytecode cached under ``pycache`` (see the module's doc)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # a paid provider with local files needs an upload bucket (P004); plan never contacts it
    return {**env, "PYTHONPYCACHEPREFIX": str(pycache), "STORYBOARD_UPLOAD_URL": "s3://bench-bucket/uploads"}


def time_plan(path: Path, runs: int, env: dict[str, str], *, forget: bool = False) -> list[float]:
    """``forget``: the memo is removed before each run, so each answers in full."""
    times = []
    for run in range(runs + 1):  # the first run fills the bytecode cache (and the memo) and is not counted
        if forget:
            shutil.rmtree(path.parent / ".storyboard" / "memo", ignore_errors=True)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "storyboard", "plan", str(path), "--format", "json"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        if run:
            times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"plan failed: {done.stderr.decode()[:2000]}")
    return times


def record_build(path: Path) -> None:
    """Fill the store as a build would, so the second figure is the all-cached plan."""
    from storyboard.compile import compile_storyboard
    from storyboard.load import load
    from storyboard.plan import make_plan
    from storyboard.store import ClipRecord, Store

    plan = make_plan(compile_storyboard(load(path), staging=True))
    a_minute_ago = time.time() - 60
    with Store(path.parent, create=True) as store:
        store.db.execute("BEGIN")
        for shot in plan.shots:
            clip = store.clip_path(shot.key)
            clip.parent.mkdir(parents=True, exist_ok=True)
            clip.write_bytes(b"")
            os.utime(clip, (a_minute_ago, a_minute_ago))
            store.record_clip(shot.key, ClipRecord.of(clip, EMPTY_SHA256))  # as a put records it
            store.record_build(plan.storyboard, shot.id, shot.key, shot.inputs, shot.provider, status="built")
        store.db.execute("COMMIT")
    for folder, _, files in os.walk(path.parent / "refs"):
        for name in files:
            os.utime(os.path.join(folder, name), (a_minute_ago, a_minute_ago))
    os.utime(path, (a_minute_ago, a_minute_ago))


FLOOR = "import click, yaml, jinja2.sandbox, sqlite3; from pydantic import BaseModel"
FLOOR_FACTOR = 2.0  # a 1,000-shot plan may take at most this many floors
LABELS = ("none", "all cached", "no-op")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args()
    pycache = Path(tempfile.mkdtemp(prefix="plan-pycache-"))
    try:
        run(args.runs, [int(s) for s in args.sizes.split(",")], child_env(pycache))
    finally:
        shutil.rmtree(pycache, ignore_errors=True)


def run(runs: int, sizes: list[int], env: dict[str, str]) -> None:
    baseline = time_plan_baseline(runs, "pass", env)
    floor = time_plan_baseline(runs, FLOOR, env)
    print(f"python -c pass: {baseline * 1000:.0f} ms (interpreter start alone)")
    print(f"importing the dependencies alone: {floor * 1000:.0f} ms (the floor of any plan)")
    print(f"{'shots':>7}  {'store':<12} {'median':>8} {'best':>8}  {'floors':>6}  target")
    medians: dict[tuple[int, str], float] = {}
    for size in sizes:
        target = 0.5 if size <= 1000 else 3.0
        folder = Path(tempfile.mkdtemp(prefix=f"plan{size}-"))
        try:
            path = write_storyboard(folder, size)
            for label in LABELS:
                if label == "all cached":
                    record_build(path)
                times = time_plan(path, runs, env, forget=label == "all cached")
                med = medians[size, label] = statistics.median(times)
                verdict = "ok" if med <= target else "OVER"
                floors = med / floor
                against = ""
                if size == 1000 and label == "no-op":  # issue 15's target: the plan of an unchanged, cached board
                    against = f", <= {FLOOR_FACTOR:g} floors {'ok' if floors <= FLOOR_FACTOR else 'OVER'}"
                print(
                    f"{size:>7}  {label:<12} {med:>7.3f}s {min(times):>7.3f}s  {floors:>5.2f}x"
                    f"  <= {target:g} s {verdict}{against}"
                )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    for label in LABELS:
        if (1000, label) in medians and (10000, label) in medians:
            ratio = medians[10000, label] / medians[1000, label]
            if medians[1000, label] <= floor:  # the no-op: it imports less than the floor, nothing to scale against
                print(f"10,000 / 1,000 shots ({label}): {ratio:.1f}x (below the floor at 1,000)")
                continue
            # the floor is paid once whatever the size: what scales is the time above it
            work = (medians[10000, label] - floor) / (medians[1000, label] - floor)
            verdict = "ok" if work <= 11 else "OVER"
            print(f"10,000 / 1,000 shots ({label}): {ratio:.1f}x; above the floor {work:.1f}x (linear: ~10x) {verdict}")


def time_plan_baseline(runs: int, code: str, env: dict[str, str]) -> float:
    times = []
    for run in range(runs + 1):  # the first run fills the bytecode cache and is not counted
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        if run:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    main()
