"""The schedule: n independent shots, a provider with fixed job latency and concurrency C.

    python bench/schedule.py [--shots 24] [--concurrency 6] [--latency 2.0]

Prints build wall time / (ceil(n / C) x latency): 1.0 is a perfect schedule, where the
only cost is the jobs themselves. Target <= 1.1. The provider is the loopback fake of
qingbo from the tests (real HTTP, real mp4s), so submit, poll, download, probe, store and
the cut are all counted.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fakes

from storyboard.compile import compile_storyboard  # noqa: E402
from storyboard.load import load  # noqa: E402
from storyboard.ops import build  # noqa: E402
from storyboard.run import hosted  # noqa: E402
from tests.fakes import PROVIDERS, ClipSpec  # noqa: E402
from tests.fakes.net import Loopback  # noqa: E402
from tests.fakes.server import make_clip  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=24)
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--latency", type=float, default=2.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="schedule-"))
    server = PROVIDERS["qingbo"](latency=args.latency, min_polls=0, cache_dir=folder / "clips")
    server.start(advertise_socket=False)  # https base URL; the client reaches the socket through Loopback
    providers = hosted.hosted_providers
    hosted.hosted_providers = lambda ids, store, environ=None, transport=None: providers(  # type: ignore[assignment]
        ids, store, environ, transport or Loopback({server.host: server.socket_url})
    )
    os.environ.update(
        {
            "QINGBO_BASE_URL": server.base_url,
            "QINGBO_API_KEY": server.key,
            "QINGBO_CONCURRENCY": str(args.concurrency),
            "QINGBO_SUBMITS_PER_MINUTE": "100000",
            "STORYBOARD_POLL_SECONDS": "0.05",
        }
    )
    try:
        shots = "\n".join(f"  - {{id: s{i:03d}, prompt: Shot {i}.}}" for i in range(args.shots))
        board = folder / "storyboard.yaml"
        board.write_text(
            f"version: 1\nsettings: {{provider: qingbo, resolution: 480p, duration: 3}}\nshots:\n{shots}\n"
        )
        make_clip(ClipSpec.of(854, 480, 3), folder / "clips")  # the fake renders each size once: not on the clock
        compiled = compile_storyboard(load(board))
        started = time.perf_counter()
        phases: dict[str, float] = {}

        def report(shot: str, state: str, detail: str) -> None:
            if state == "done":
                phases["last shot done"] = time.perf_counter() - started

        result = build(compiled, report=report)
        wall = time.perf_counter() - started
        assert result.ok and result.film is not None, result.run.shots
        ideal = math.ceil(args.shots / args.concurrency) * args.latency
        print(
            f"{args.shots} shots, concurrency {args.concurrency}, job latency {args.latency:g} s "
            f"(qingbo fake on loopback, {server.submit_count()} submits)"
        )
        print(f"  ideal ceil(n/C) x latency  {ideal:7.2f} s")
        print(f"  last shot stored           {phases['last shot done']:7.2f} s")
        print(
            f"  build wall time (and cut)  {wall:7.2f} s   ratio {wall / ideal:5.3f}   target <= 1.1 "
            f"{'ok' if wall <= 1.1 * ideal else 'OVER'}"
        )
    finally:
        server.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
