"""Hostile prompt templates under `storyboard check`: the worst check time and peak memory, against a plain one.

The corpus is tests/test_template_budget.py's HOSTILE list. Two figures, each a ratio
against a baseline run beside it in this script:

* in one child process, every hostile storyboard checked in turn (``storyboard.ops.check``):
  the slowest check's CPU and wall time against a plain storyboard's check in the same
  kind of child, and that child's peak RSS against the plain child's;
* the three attacks once measured at 468 s, 87 s / 9.8 GB and 6.5 s, each a whole
  ``storyboard check`` process (interpreter start included), against ``storyboard check``
  of the plain storyboard.

Targets: no hostile check over 2 s, no process over 200 MB.

    python bench/templates.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_template_budget import HOSTILE, MEASURED, board, run_measured  # noqa: E402 - the corpus lives with its tests

PLAIN = "Scene one: the street at dawn, {{ look }}, @nobody."
RUNNER = """
import json, sys, time
from storyboard.ops import check
out = {}
for path in sys.argv[1:]:
    cpu, wall = time.thread_time(), time.perf_counter()
    codes = [d.code for d in check(path).diagnostics.errors]
    out[path] = [codes, time.thread_time() - cpu, time.perf_counter() - wall]
print(json.dumps(out))
"""


def run(args: list[str]) -> tuple[str, float, float, float]:
    """A Python child's stdout, wall seconds, CPU seconds and peak RSS in MB (see the tests' run_measured)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out, _, cpu, rss = run_measured(args, Path(tmp))
    return out, time.perf_counter() - started, cpu, rss


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="templates-") as tmp:
        folder = Path(tmp)
        plain = folder / "plain.yaml"
        plain.write_text(board(PLAIN), encoding="utf-8")
        paths = {}
        for case in HOSTILE:
            paths[case.name] = folder / f"{case.name}.yaml"
            paths[case.name].write_text(board(case.template), encoding="utf-8")

        base_out, _, _, base_rss = run(["-c", RUNNER, str(plain), str(plain)])
        _, base_cpu, base_wall = json.loads(base_out)[str(plain)]  # the second check: warm, as the corpus's are
        out, _, _, rss = run(["-c", RUNNER, str(plain), *map(str, paths.values())])
        results = json.loads(out)
        worst_cpu = max(paths, key=lambda n: results[str(paths[n])][1])
        worst_wall = max(paths, key=lambda n: results[str(paths[n])][2])
        print(f"{len(HOSTILE)} hostile templates, checked in one process")
        print(f"  plain storyboard check: {base_cpu * 1000:.1f} ms CPU, {base_wall * 1000:.1f} ms wall (the baseline)")
        c, w = results[str(paths[worst_cpu])][1], results[str(paths[worst_wall])][2]
        print(f"  worst CPU:  {worst_cpu:<28} {c:.3f} s  = {c / base_cpu:,.0f}x the plain check")
        print(f"  worst wall: {worst_wall:<28} {w:.3f} s  = {w / base_wall:,.0f}x the plain check")
        print(
            f"  peak RSS: {rss:.0f} MB = {rss / base_rss:.2f}x a process checking the plain storyboard ({base_rss:.0f} MB)"
        )
        print(f"  refused: {sum(1 for n in paths if results[str(paths[n])][0][:1] != [])}/{len(paths)}")

        _, p_wall, p_cpu, p_rss = run(["-m", "storyboard", "check", str(plain)])
        print(
            f"storyboard check, whole process: plain {p_wall:.2f} s wall, {p_cpu:.2f} s CPU, {p_rss:.0f} MB (the baseline)"
        )
        for name in MEASURED:
            _, wall, cpu, peak = run(["-m", "storyboard", "check", str(paths[name])])
            print(
                f"  {name:<26} {wall:.2f} s wall ({wall / p_wall:.2f}x), {cpu:.2f} s CPU ({cpu / p_cpu:.2f}x), "
                f"{peak:.0f} MB ({peak / p_rss:.2f}x)"
            )


if __name__ == "__main__":
    main()
