"""The schedule against its bound, on independent shots and on DAGs with chains of continuations.

    python bench/schedule.py [--latency 20] [--case NAME ...]

A build cannot end before its critical path (the longest chain of shots that wait on each
other) nor before ceil(n / C) jobs of each provider's latency with C at a time:
bound = max(longest chain, max over providers of ceil(n / C)) x latency. Each case is built
twice in fresh folders: with the runner's order (a freed slot to the ready shot with the
longest remaining path) and with the order it replaced (first come, first served), beside it
as the baseline. Printed: the wall of each / the bound (target <= 1.05 with the critical path
first), and when the last clip was stored / the bound (the rest is the cut and its sidecars).
The providers are the loopback fakes of the tests (real HTTPS, real mp4s; runware takes the
frame a continuation starts from inline, so the chains are runware's): submit, poll,
download, probe, store, each continuation's last frame, the cut and the review page are all
on the clock.

What is not the schedule is fixed cost: about 0.1 s a round (the submit, the poll that sees
the job done: polls wait ~2% of a job's age, the download and the store), about 0.2-0.3 s a
continuation (its parent's exact last frame, decoded and written as PNG), and the cut's join,
which encodes the film's sound once (about 9 ms a second of film: 0.7 s for the 72 s of
24 clips). The default latency, 20 s, is still a tenth of a real SkyReels job (minutes for
seconds of video); at 2 s those fixed costs alone are 10-20% of the bound.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fakes

import storyboard.run.runner as runner  # noqa: E402
from storyboard.compile import compile_storyboard  # noqa: E402
from storyboard.load import load  # noqa: E402
from storyboard.ops import build  # noqa: E402
from storyboard.run import hosted  # noqa: E402
from tests.fakes import PROVIDERS, ClipSpec  # noqa: E402
from tests.fakes.net import Loopback  # noqa: E402
from tests.fakes.server import make_clip  # noqa: E402


@dataclass(frozen=True)
class Case:
    """Independent shots per provider (declared first), then chains of continuations on the first provider."""

    independent: dict[str, int]
    chains: list[int]
    concurrency: dict[str, int]  # each provider's C

    def bound(self, latency: float) -> float:
        """max(the longest chain, each provider's ceil(n / C)) x latency."""
        counts = dict(self.independent)
        first = next(iter(self.concurrency))
        counts[first] = counts.get(first, 0) + sum(self.chains)
        rounds = max(math.ceil(n / self.concurrency[p]) for p, n in counts.items() if n)
        return max(max(self.chains, default=1), rounds) * latency


CASES: dict[str, Case] = {
    "independent-24-c6": Case({"runware": 24}, [], {"runware": 6}),
    "chain4-plus-12-c4": Case({"runware": 12}, [4], {"runware": 4}),
    "chains-2-3-5-plus-8-c4": Case({"runware": 8}, [2, 3, 5], {"runware": 4}),
    "chains-3-3-plus-6-c2": Case({"runware": 6}, [3, 3], {"runware": 2}),
    # two providers, each its own limit: a chain of five and four more on runware (C 3), eight on qingbo (C 2)
    "2prov-chain5-rw-c3-qb-c2": Case({"runware": 4, "qingbo": 8}, [5], {"runware": 3, "qingbo": 2}),
}


def board(case: Case) -> str:
    """Independent shots first in the file, then each chain (head, then the shots continuing it): the worst order
    for first come first served, which gives the slots in file order."""
    rows, i = [], 0
    for provider, n in case.independent.items():
        for _ in range(n):
            rows.append(f"  - {{id: s{i:03d}, provider: {provider}, prompt: Shot {i}.}}")
            i += 1
    first = next(iter(case.concurrency))  # runware takes a continuation's frame inline (qingbo wants a URL)
    for c, length in enumerate(case.chains):
        rows.append(f"  - {{id: c{c}l0, provider: {first}, prompt: Chain {c} begins.}}")
        rows += [
            f"  - {{id: c{c}l{k}, provider: {first}, continues: c{c}l{k - 1}, prompt: Chain {c} part {k}.}}"
            for k in range(1, length)
        ]
    return "version: 1\nsettings: {resolution: 720p, duration: 3}\nshots:\n" + "\n".join(rows) + "\n"


def run(case: Case, latency: float, fifo: bool) -> tuple[float, float]:
    """(wall of the whole build, when its last clip was stored), seconds from the build's start."""
    folder = Path(tempfile.mkdtemp(prefix="schedule-"))
    servers = [PROVIDERS[p](latency=latency, min_polls=0, cache_dir=folder / "clips") for p in case.concurrency]
    for server in servers:
        server.start(advertise_socket=False)  # https base URL; the client reaches the socket through Loopback
    providers = hosted.hosted_providers
    ranks = runner.ranks
    sockets = {server.host: server.socket_url for server in servers}
    hosted.hosted_providers = lambda ids, store, environ=None, transport=None: providers(  # type: ignore[assignment]
        ids, store, environ, transport or Loopback(sockets)
    )
    if fifo:  # every shot the same rank: slots go by arrival, the order before ranks
        runner.ranks = lambda plan, todo: {}  # type: ignore[assignment]
    os.environ["STORYBOARD_POLL_SECONDS"] = "0.05"
    for server, (provider, concurrency) in zip(servers, case.concurrency.items(), strict=True):
        name = provider.upper()
        os.environ.update(
            {
                f"{name}_BASE_URL": server.base_url,
                f"{name}_API_KEY": server.key,
                f"{name}_CONCURRENCY": str(concurrency),
                f"{name}_SUBMITS_PER_MINUTE": "100000",
            }
        )
    try:
        path = folder / "storyboard.yaml"
        path.write_text(board(case))
        # rendered once, off the clock; 720p 16:9 is the film's frame on both (runware's 480p, 848x480, is not)
        make_clip(ClipSpec.of(1280, 720, 3), folder / "clips")
        compiled = compile_storyboard(load(path))
        stored: list[float] = []

        def report(shot: str, state: str, detail: str) -> None:
            if state == "done" and not shot.startswith("("):  # a clip stored (the cut's row is "(cut)")
                stored.append(time.perf_counter())

        started = time.perf_counter()
        result = build(compiled, report=report)
        wall = time.perf_counter() - started
        assert result.ok and result.film is not None, result.run.shots
        return wall, max(stored) - started
    finally:
        hosted.hosted_providers = providers  # type: ignore[assignment]
        runner.ranks = ranks  # type: ignore[assignment]
        for server in servers:
            server.close()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=20.0)
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="default: every case")
    args = parser.parse_args()
    print(f"job latency {args.latency:g} s, runware fake on loopback; ratio = wall / bound, target <= 1.05;")
    print("stored = when the last clip was stored / bound (the rest is the cut and its sidecars)")
    print(
        f"  {'case':26} {'bound':>7} {'critical':>9} {'ratio':>6} {'stored':>6} {'arrival':>9} {'ratio':>6} {'stored':>6}"
    )
    for name in args.case or list(CASES):
        case = CASES[name]
        bound = case.bound(args.latency)
        (first, first_stored), (arrival, arrival_stored) = (run(case, args.latency, fifo=f) for f in (False, True))
        print(
            f"  {name:26} {bound:6.2f}s {first:8.2f}s {first / bound:6.3f} {first_stored / bound:6.3f}"
            f" {arrival:8.2f}s {arrival / bound:6.3f} {arrival_stored / bound:6.3f}"
            f"  {'ok' if first <= 1.05 * bound else 'OVER'}"
        )


if __name__ == "__main__":
    main()
