"""The order shots get a provider's slots: the longest remaining path first (run/slots.py, runner.ranks)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from storyboard.ops import build
from storyboard.run.job import Generated, Job, Report
from storyboard.run.slots import Slots
from tests.conftest import Project

# a chain of three extensions declared last, behind four independent shots
BOARD = """
version: 1
settings: {resolution: 480p, duration: 3}
shots:
  - {id: x1, prompt: One.}
  - {id: x2, prompt: Two.}
  - {id: x3, prompt: Three.}
  - {id: x4, prompt: Four.}
  - {id: head, prompt: The chain begins.}
  - {id: second, extends: head, prompt: It goes on.}
  - {id: third, extends: second, prompt: And on.}
"""


class OneAtATime:
    """A provider with one slot that records the order it is given jobs (each clip a copy of a real mp4)."""

    id = "local"

    def __init__(self, clip: Path) -> None:
        self.clip = clip
        self.order: list[str] = []

    @property
    def concurrency(self) -> int:
        return 1

    async def generate(self, job: Job, report: Report) -> Generated:
        self.order.append(job.shot)
        await asyncio.sleep(0)
        out = job.work / "clip.mp4"
        shutil.copyfile(self.clip, out)
        return Generated(out)

    async def aclose(self) -> None:
        return None


def test_a_freed_slot_goes_to_the_critical_path_not_to_the_longest_waiting(project: Project, media_dir: Path) -> None:
    compiled = project.compile(BOARD)
    provider = OneAtATime(media_dir / "dance.mp4")
    result = build(compiled, available={"local": provider})
    assert result.ok
    # first come first served gave the slot in file order and the chain's links last (x1..x4, head, second,
    # third); by remaining path the chain leads while it is the longest (15 s, then 10 s), and once its last
    # link is no longer than an independent shot (5 s each) the tie goes by file order
    assert provider.order == ["head", "second", "x1", "x2", "x3", "x4", "third"]


def test_slots_serve_waiters_by_rank_then_arrival_and_survive_a_cancelled_waiter() -> None:
    async def scenario() -> list[str]:
        slots = Slots(1)
        served: list[str] = []
        gate = asyncio.Event()

        async def holder() -> None:
            async with slots.take((0,)):
                await gate.wait()

        async def waiter(name: str, rank: tuple[int, ...]) -> None:
            async with slots.take(rank):
                served.append(name)

        first = asyncio.ensure_future(holder())
        await asyncio.sleep(0)
        tasks = [asyncio.ensure_future(waiter(n, r)) for n, r in [("late", (5,)), ("urgent", (1,)), ("tie", (5,))]]
        doomed = asyncio.ensure_future(waiter("cancelled", (0,)))
        await asyncio.sleep(0)
        doomed.cancel()
        gate.set()
        await asyncio.gather(first, *tasks, return_exceptions=True)
        assert slots.free == 1  # every slot came back
        return served

    assert asyncio.run(scenario()) == ["urgent", "late", "tie"]


def test_a_slot_freed_in_the_turn_another_was_goes_to_the_dependant_its_holder_woke() -> None:
    """Two holders end in one loop turn: the first frees its slot (a hand-out is due), the second wakes its
    dependant (the best rank), then frees its own: the dependant, which asks a turn later, gets a slot."""

    async def scenario() -> list[str]:
        slots = Slots(2)
        served: list[str] = []
        go, woken = asyncio.Event(), asyncio.Event()

        async def holder(wakes: asyncio.Event | None) -> None:
            async with slots.take((0,)):
                await go.wait()
                if wakes is not None:
                    wakes.set()  # as the runner sets a parent's done before its slot is let go

        async def waiter(name: str, rank: tuple[int, ...], after: asyncio.Event | None = None) -> None:
            if after is not None:
                await after.wait()
            async with slots.take(rank):
                served.append(name)

        holders = [asyncio.ensure_future(holder(None)), asyncio.ensure_future(holder(woken))]
        await asyncio.sleep(0)
        queued = [asyncio.ensure_future(waiter(n, r)) for n, r in [("first", (5,)), ("second", (6,))]]
        dependant = asyncio.ensure_future(waiter("dependant", (1,), after=woken))
        await asyncio.sleep(0)
        go.set()  # both holders end in the same turn
        await asyncio.gather(*holders, *queued, dependant)
        return served

    assert asyncio.run(scenario()) == ["dependant", "first", "second"]


def test_a_slot_freed_a_turn_after_another_still_goes_to_the_dependant_its_holder_woke() -> None:
    """The first holder frees its slot a turn before the second (a hand-out is due for the turn the second's
    dependant asks in): the hand-out waits for the dependant, which the later release asked for."""

    async def scenario() -> list[str]:
        slots = Slots(2)
        served: list[str] = []
        go, woken = asyncio.Event(), asyncio.Event()

        async def holder(wakes: asyncio.Event | None) -> None:
            async with slots.take((0,)):
                await go.wait()
                if wakes is not None:
                    await asyncio.sleep(0)  # ends one turn after the other holder
                    wakes.set()  # as the runner sets a parent's done before its slot is let go

        async def waiter(name: str, rank: tuple[int, ...], after: asyncio.Event | None = None) -> None:
            if after is not None:
                await after.wait()
            async with slots.take(rank):
                served.append(name)
                await asyncio.sleep(0)

        holders = [asyncio.ensure_future(holder(None)), asyncio.ensure_future(holder(woken))]
        await asyncio.sleep(0)
        queued = [asyncio.ensure_future(waiter(n, r)) for n, r in [("first", (5,)), ("second", (6,))]]
        dependant = asyncio.ensure_future(waiter("dependant", (1,), after=woken))
        await asyncio.sleep(0)
        go.set()
        await asyncio.gather(*holders, *queued, dependant)
        return served

    assert asyncio.run(scenario()) == ["dependant", "first", "second"]
