"""The build operation: plan, run the jobs in dependency order, cut the film, write its sidecars.

``abuild`` is the operation; ``build`` runs it in a fresh event loop for callers that have
none (the CLI, scripts). A caller inside a running loop (a notebook, a web service) awaits
``abuild``. ``prepare`` (:mod:`.preparing`) is the part of a build that sends nothing.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BuildError
from .ahead import ahead_of_cut
from .checking import project_of
from .film import Film, cut, film_path
from .preparing import every_shot
from .report import document as report_document
from .report import film_report as report_of
from .report import write as write_report

if TYPE_CHECKING:
    from ..compile import Compiled, Project
    from ..plan import Plan, Plans
    from ..run import Provider, Report, RunResult


@dataclass
class FilmBuild:
    """One film's part of a build: its plan, each take's outcome, and the film with its sidecars."""

    plan: Plan
    run: RunResult
    film: Film

    @property
    def deliverable(self) -> str | None:
        """The deliverable this film is (None: the file has no deliverables)."""
        return self.plan.deliverable


@dataclass
class BuildResult:
    """What a build did, film by film (a file without deliverables has one film).

    ``plan``, ``run``, ``film`` and the rest are the first film's: all there is without deliverables."""

    films: list[FilmBuild]
    report: dict[str, Any] = field(default_factory=dict)  # per shot and take: what was done, sent, paid (report.py)

    @property
    def ok(self) -> bool:
        """Every selected take of every film built or was cached; a film that could not be cut shows in
        ``missing``, not here."""
        return all(f.run.ok for f in self.films)

    @property
    def spent(self) -> Decimal:
        """USD this build paid, every film together (a shared take was paid once, by the film that made it)."""
        return sum((f.run.spent for f in self.films), Decimal(0))

    @property
    def plan(self) -> Plan:
        return self.films[0].plan

    @property
    def run(self) -> RunResult:
        return self.films[0].run

    @property
    def film(self) -> Path | None:
        """The film (None when a clip of the cut is missing)."""
        return self.films[0].film.path

    @property
    def cut_method(self) -> str | None:
        """copy | normalise | up to date."""
        return self.films[0].film.method

    @property
    def missing(self) -> list[str]:
        """Shots of the cut that have no clip."""
        return self.films[0].film.missing

    @property
    def timeline(self) -> Path | None:
        """The cut as OpenTimelineIO, beside the film."""
        return self.films[0].film.timeline

    @property
    def review(self) -> Path | None:
        """The review page, beside the film."""
        return self.films[0].film.review


def build(
    target: Project | Compiled | str | os.PathLike[str],
    *,
    jobs: int | None = None,
    selection: set[str] | None = None,
    report: Report | None = None,
    available: dict[str, Provider] | None = None,
    plan: Plan | Plans | None = None,
    resubmit: bool = False,
    environ: Mapping[str, str] | None = None,
    replace: Collection[str] = (),
    timelines: Collection[str] = (),
) -> BuildResult:
    """``abuild`` in a fresh event loop (a caller inside a running loop awaits ``abuild``)."""
    from ..store import STORE_DIR
    from ..store.sweep import scratch
    from ..store.team import open_store

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop running: the usual case
        pass
    else:
        raise BuildError("build() cannot start an event loop inside a running one; await abuild(...) instead")
    project = project_of(target)

    async def main() -> BuildResult:
        task = asyncio.current_task()
        assert task is not None
        _RUNNING.add(task)
        try:
            return await abuild(
                project,
                jobs=jobs,
                selection=selection,
                report=report,
                available=available,
                plan=plan,
                resubmit=resubmit,
                environ=environ,
                replace=replace,
                timelines=timelines,
            )
        finally:
            _RUNNING.discard(task)

    # the scratch is held around asyncio.run, which returns once the threads a cancelled build
    # left running (to_thread cannot stop one) have ended: then nothing writes to it any more
    open_store(
        project.root, project.films[0].effective.settings.store, create=True, environ=environ
    ).close()  # a read-only or uncreatable store is said here, before staging
    with scratch(project.root / STORE_DIR / "tmp"):
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
    target: Project | Compiled | str | os.PathLike[str],
    *,
    jobs: int | None = None,
    selection: set[str] | None = None,
    report: Report | None = None,
    available: dict[str, Provider] | None = None,
    plan: Plan | Plans | None = None,
    resubmit: bool = False,
    environ: Mapping[str, str] | None = None,
    replace: Collection[str] = (),
    timelines: Collection[str] = (),
) -> BuildResult:
    """Generate what the plan says, in dependency order, then cut each film and write its sidecars.

    ``target`` is a compiled storyboard (a project of films, or one film) or a path (checked
    first: ``InvalidStoryboard`` on errors). ``plan`` is what to build (default: a fresh plan of
    every film); ``available`` replaces the provider clients; ``resubmit`` forgets the
    journalled jobs of the selected shots (a submit that got no answer, a result that can no
    longer be fetched) so they are sent anew; ``replace`` takes made anew although cached
    (``select(..., "--replace")``; a given ``plan`` already says which); ``timelines`` editors'
    formats written beside each film's ``.otio`` besides ``settings.timeline`` (fcp7, fcpx, kdenlive, otioz).

    The films run side by side within one ``jobs`` and each provider's limit; a take two
    deliverables share is made by the first film's run while the other waits for it (the
    plan priced it once). The build's
    partial files live in a scratch of its own, removed on the way out, interrupted or not;
    it starts by sweeping what killed builds left (see :mod:`storyboard.store.sweep`). Every
    ffmpeg it started is killed when it ends.
    """
    from ..compile.output import BUILD_REPORT
    from ..media.ffmpeg import reaped
    from ..plan import Plans, make_plans
    from ..run import Pool, Runner, providers
    from ..store.sweep import scratch
    from ..store.team import open_store
    from ..store.versions import forget_stale_jobs

    project = project_of(target)
    setting = project.films[0].effective.settings.store
    with open_store(project.root, setting, create=True, environ=environ) as store, scratch(store.tmp) as own, reaped():
        store.use_tmp(own.folder)
        if plan is None:
            plan = make_plans(
                project, store, resubmit=(selection or every_shot(project)) if resubmit else (), replace=replace
            )
        plans = plan if isinstance(plan, Plans) else Plans([plan])
        todo = plans.selected(selection)
        forget_stale_jobs(store, todo)  # a replaced take's old job would fetch the old clip again
        if resubmit:
            for shot in todo:
                store.journal_forget(shot.key, take=shot.take)
        clients = available if available is not None else providers({s.provider for s in todo}, store, jobs, environ)
        outputs = [(p.deliverable, p.compiled.output) for p in plans.films]
        siblings = [(n, o) for n, o in outputs if n is not None and o is not None]  # each page shows them all
        pool = Pool(jobs)  # the films run side by side within one --jobs and each provider's limit

        async def film(film_plan: Plan) -> FilmBuild:
            tell = report or _silent
            if film_plan.deliverable is not None:
                tell = _labelled(tell, film_plan.deliverable)
            ahead = ahead_of_cut(film_plan, store)  # each clip conformed and framed as it is stored
            runner = Runner(film_plan, store, clients, jobs=jobs, selection=selection, report=tell, pool=pool,
                            stored=ahead.stored)  # fmt: skip
            try:
                result = await runner.run()
                made = await cut(
                    film_plan.compiled, film_plan, store, result, siblings, list(timelines), report=tell, ahead=ahead
                )
            finally:
                ahead.cancel()
            return FilmBuild(film_plan, result, made)

        try:
            # every film finishes (or is cancelled) before the first failure is raised
            done = await asyncio.gather(*(film(p) for p in plans.films), return_exceptions=True)
        finally:
            for client in clients.values():
                await client.aclose()
        for outcome in done:
            if isinstance(outcome, BaseException):
                raise outcome
        films = [outcome for outcome in done if isinstance(outcome, FilmBuild)]
        parts = [report_of(f, store) for f in films]
    for part, made in zip(parts, films, strict=True):  # each film's report beside it, whatever failed
        write_report(report_document([part]), film_path(made.plan.compiled).with_suffix(BUILD_REPORT))
    return BuildResult(films, report_document(parts))


def _labelled(report: Report, deliverable: str) -> Report:
    """Progress names a deliverable's takes `film/shot#k`: the same shot is a row in each film."""

    def tell(shot: str, state: str, detail: str) -> None:
        report(f"{deliverable}/{shot}", state, detail)

    return tell


def _silent(shot: str, state: str, detail: str) -> None:
    return None
