"""Slots handed out by rank: at most ``n`` holders, the waiter with the best rank served first.

An ``asyncio.Semaphore`` wakes its waiters in arrival order, so every freed slot went to the
shot that had waited longest, and a chain of extensions (each ready only when its parent is
stored) ran after every independent shot. The runner ranks a shot by its remaining path (its
own seconds plus its longest chain of dependants, critical path first; ties by file order):
a freed slot goes to the ready shot the build's end depends on most.

Slots are handed out two loop turns after the *last* release or request (``call_soon`` twice),
never inline: the shots that became ready meanwhile (all of them at the start; a parent's
dependants, woken as its clip is stored, just before it lets its slot go) are ranked together,
not first come first served. Each release or request puts the hand-out off to two turns after
itself. A hand-out due since an earlier release, kept, ran before the dependant the later one
woke had asked and gave both slots away: with the earlier release in the same turn (a chain
of five lost a 2 s round in one build of three), or one turn before (a chain of four lost a
20 s round: bench/schedule.py 1.276 against its bound).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

Rank = tuple[Any, ...]  # smaller is served first


class Slots:
    """``async with slots.take(rank):`` holds one of ``n`` slots."""

    def __init__(self, n: int) -> None:
        self.free = max(1, n)
        self._waiting: list[tuple[Rank, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._latest = 0  # the hand-out scheduled last: only it hands out

    @asynccontextmanager
    async def take(self, rank: Rank = ()) -> AsyncIterator[None]:
        """Wait for a slot (by ``rank``), hold it for the block."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (rank, next(self._seq), fut))
        self._soon()
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self._release()  # handed a slot in the instant it was cancelled: pass it on
            raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        self.free += 1
        self._soon()

    def _soon(self) -> None:
        self._latest += 1
        loop = asyncio.get_running_loop()
        loop.call_soon(loop.call_soon, self._hand_out, self._latest)  # after what this turn woke has asked

    def _hand_out(self, scheduled: int) -> None:
        """Each free slot to the best waiter still waiting, unless a later release or request put it off."""
        if scheduled != self._latest:
            return
        while self.free > 0 and self._waiting:
            _, _, fut = heapq.heappop(self._waiting)
            if not fut.done():
                self.free -= 1
                fut.set_result(None)
