"""The build operation: plan, run the jobs in dependency order, cut the film, write its sidecars.

``abuild`` is the operation; ``build`` runs it in a fresh event loop for callers that have
none (the CLI, scripts). A caller inside a running loop (a notebook, a web service) awaits
``abuild``. ``prepare`` is the part of a build that sends nothing: the selection, the plan
and the check that every provider's key is set, so the CLI can show the price and ask for
consent before anything is paid for, and then build exactly the plan it showed.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BuildError
from .checking import compiled_of
from .film import cut

if TYPE_CHECKING:
    from ..compile import Compiled
    from ..plan import Plan, PlannedShot
    from ..run import Provider, Report, RunResult


@dataclass
class BuildResult:
    """What a build did: the plan it ran, each shot's outcome, and the film with its sidecars."""

    plan: Plan
    run: RunResult
    film: Path | None
    cut_method: str | None  # copy | normalise | up to date
    missing: list[str]  # shots of the cut that have no clip
    timeline: Path | None = None  # the cut as OpenTimelineIO, beside the film
    review: Path | None = None  # the review page, beside the film

    @property
    def ok(self) -> bool:
        """Every selected shot built or was cached; a film that could not be cut shows in ``missing``, not here."""
        return self.run.ok


@dataclass(frozen=True)
class Prepared:
    """A build decided but not started: what was priced is what will be sent."""

    plan: Plan
    selection: set[str] | None  # None: every shot

    @property
    def todo(self) -> list[PlannedShot]:
        """The shots this build generates: the list ``price`` sums and the runner sends."""
        return self.plan.selected(self.selection)

    @property
    def price(self) -> Decimal:
        """USD at list price for ``todo``: what the CLI asks consent for and holds against ``--budget``."""
        return sum((s.cost for s in self.todo), Decimal(0))


def prepare(
    target: Compiled | str | os.PathLike[str],
    *,
    only: str | None = None,
    environ: Mapping[str, str] | None = None,
    resubmit: bool = False,
    replace: str | None = None,
) -> Prepared:
    """Select (``only``: dbt-style selectors), plan, and check that the build could start.

    ``replace``: the takes to generate anew although cached (``shot``: its picked take, ``shot#k``).

    ``SelectionError`` when a selector names no shot; ``BuildError`` naming every provider
    key or setting the selected shots lack. Nothing is sent.
    """
    from ..plan import make_plan
    from ..plan.select import select
    from ..run import check_ready
    from ..store import Store

    compiled = compiled_of(target)
    selection = select(compiled, only) if only else None
    replacing = select(compiled, replace, "--replace") if replace else set()
    with Store(compiled.root) as store:  # --resubmit: the selected shots are priced as the new jobs they send
        plan = make_plan(compiled, store, resubmit=(selection or compiled.shots) if resubmit else (), replace=replacing)
    prepared = Prepared(plan, selection)
    check_ready({s.provider for s in prepared.todo}, environ)  # a missing key is found before asking to spend
    return prepared


def build(
    target: Compiled | str | os.PathLike[str],
    *,
    jobs: int | None = None,
    selection: set[str] | None = None,
    report: Report | None = None,
    available: dict[str, Provider] | None = None,
    plan: Plan | None = None,
    resubmit: bool = False,
    environ: Mapping[str, str] | None = None,
    replace: Collection[str] = (),
) -> BuildResult:
    """``abuild`` in a fresh event loop (a caller inside a running loop awaits ``abuild``)."""
    from ..store import STORE_DIR, Store
    from ..store.sweep import scratch

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop running: the usual case
        pass
    else:
        raise BuildError("build() cannot start an event loop inside a running one; await abuild(...) instead")
    compiled = compiled_of(target)

    async def main() -> BuildResult:
        task = asyncio.current_task()
        assert task is not None
        _RUNNING.add(task)
        try:
            return await abuild(
                compiled,
                jobs=jobs,
                selection=selection,
                report=report,
                available=available,
                plan=plan,
                resubmit=resubmit,
                environ=environ,
                replace=replace,
            )
        finally:
            _RUNNING.discard(task)

    # the scratch is held around asyncio.run, which returns once the threads a cancelled build
    # left running (to_thread cannot stop one) have ended: then nothing writes to it any more
    Store(compiled.root, create=True).close()  # a read-only or uncreatable store is said here, before staging
    with scratch(compiled.root / STORE_DIR / "tmp"):
        try:
            return asyncio.run(main())
        except asyncio.CancelledError:
            raise KeyboardInterrupt from None  # stop() cancelled it, as asyncio.run does on Ctrl-C


_RUNNING: set[asyncio.Task[BuildResult]] = set()


def stop() -> bool:
    """Cancel every build running under :func:`build` (a signal handler may call it); False when none runs.

    The CLI's SIGTERM does this when SIGINT is ignored (then ``asyncio.run`` has no Ctrl-C handler
    to cancel with). Cancelling is what asyncio.run itself does on Ctrl-C: the build cleans up,
    then ``build`` raises KeyboardInterrupt.
    """
    running = list(_RUNNING)
    for task in running:
        task.get_loop().call_soon_threadsafe(task.cancel)
    return bool(running)


async def abuild(
    target: Compiled | str | os.PathLike[str],
    *,
    jobs: int | None = None,
    selection: set[str] | None = None,
    report: Report | None = None,
    available: dict[str, Provider] | None = None,
    plan: Plan | None = None,
    resubmit: bool = False,
    environ: Mapping[str, str] | None = None,
    replace: Collection[str] = (),
) -> BuildResult:
    """Generate what the plan says, in dependency order, then cut the film and write its sidecars.

    ``target`` is a compiled storyboard or a path (checked first: ``InvalidStoryboard`` on
    errors). ``plan`` is the plan to build (default: a fresh one); ``available`` replaces the
    provider clients; ``resubmit`` forgets the journalled jobs of the selected shots (a submit
    that got no answer, a result that can no longer be fetched) so they are sent anew.

    The build's partial files live in a scratch of its own, removed on the way out, interrupted
    or not; it starts by sweeping what killed builds left (see :mod:`storyboard.store.sweep`).
    Every ffmpeg it started is killed when it ends. ``replace``: takes made anew although cached
    (``select(..., "--replace")``; ignored when ``plan`` is given, which says it already).
    """
    from ..media.ffmpeg import reaped
    from ..plan import make_plan
    from ..run import Runner, providers
    from ..store import Store
    from ..store.sweep import scratch
    from ..store.versions import forget_stale_jobs

    compiled = compiled_of(target)
    with Store(compiled.root, create=True) as store, scratch(store.tmp) as own, reaped():
        store.use_tmp(own.folder)
        if plan is None:
            plan = make_plan(
                compiled, store, resubmit=(selection or compiled.shots) if resubmit else (), replace=replace
            )
        todo = plan.selected(selection)
        forget_stale_jobs(store, todo)  # a replaced take's old job would fetch the old clip again
        if resubmit:
            for shot in todo:
                store.journal_forget(shot.key, take=shot.take)
        clients = available if available is not None else providers({s.provider for s in todo}, store, jobs, environ)
        runner = Runner(plan, store, clients, jobs=jobs, selection=selection, report=report or _silent)
        result = await runner.run()
        film = await cut(compiled, plan, store, result)
    return BuildResult(plan, result, film.path, film.method, film.missing, film.timeline, film.review)


def _silent(shot: str, state: str, detail: str) -> None:
    return None
