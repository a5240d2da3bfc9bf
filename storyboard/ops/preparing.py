"""Prepare a build: the selection, every film's plan and the check that the build could start; nothing is sent.

Apart from the build itself (:mod:`.building`), so that a quote (``storyboard plan``) imports
neither the event loop nor the runners: the CLI shows the price and asks for consent before
anything is paid for, and then builds exactly the plan it showed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .checking import project_of

if TYPE_CHECKING:
    from ..compile import Compiled, Project
    from ..plan import Plan, PlannedShot, Plans


@dataclass(frozen=True)
class Prepared:
    """A build decided but not started: what was priced is what will be sent."""

    plans: Plans
    selection: set[str] | None  # None: every shot

    @property
    def plan(self) -> Plan:
        """The first film's plan (the only one without deliverables)."""
        return self.plans.films[0]

    @property
    def todo(self) -> list[PlannedShot]:
        """The takes this build generates, every film's: the list ``price`` sums and the runners send."""
        return self.plans.selected(self.selection)

    @property
    def price(self) -> Decimal:
        """USD at list price for ``todo``: what the CLI asks consent for and holds against ``--budget``."""
        return sum((s.cost for s in self.todo), Decimal(0))

    @property
    def shown(self) -> Plans:
        """The plans as the spending prompt shows them: only the selected takes' rows, so each total is
        the selection's (``price``), the number ``--budget`` is held against."""
        from ..plan.select import view

        return view(self.plans, self.selection)


def prepare(
    target: Project | Compiled | str | os.PathLike[str],
    *,
    only: str | Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    resubmit: bool = False,
    replace: str | None = None,
    selection: set[str] | None = None,
    ready: bool = True,
) -> Prepared:
    """Select (``only``, ``exclude``: dbt-style selectors, see plan/select.py), plan every film, and check
    that the build could start.

    ``replace``: the takes to generate anew although cached (``shot``: its picked take, ``shot#k``);
    ``selection``: the shots and takes already resolved (a saved plan's), in place of ``only``;
    ``ready=False`` leaves the keys unchecked (a saved plan is compared first: a stale one is said as such).

    ``SelectionError`` when a selector is empty or names nothing; ``BuildError`` naming every provider
    key or setting the selected shots lack. Nothing is sent.
    """
    from ..plan import make_plans
    from ..plan.select import choose, modified_takes, select
    from ..store.team import open_store

    project = project_of(target)
    wanted = [only] if isinstance(only, str) else list(only or ())
    replacing = select(project.films, replace, "--replace") if replace is not None else set()
    with open_store(project.root, project.films[0].effective.settings.store, environ=environ) as store:
        first: list[Plans] = []  # state:modified reads a plan; it is the build's unless --resubmit re-prices

        def modified() -> set[tuple[str, int]]:
            first.append(make_plans(project, store, replace=replacing))
            return modified_takes(first[0], store)

        if selection is None:
            selection = choose(project.films, wanted, exclude, modified=modified)
        if first and not resubmit:
            plans = first[0]
        else:  # --resubmit: the selected shots are priced as the new jobs they send
            plans = make_plans(
                project,
                store,
                resubmit=(selection if selection is not None else every_shot(project)) if resubmit else (),
                replace=replacing,
            )
    prepared = Prepared(plans, selection)
    if ready:  # a missing key is found before asking to spend
        from ..run import check_ready  # a quote (ready=False) imports no runner

        check_ready({s.provider for s in prepared.todo}, environ)
    return prepared


def every_shot(project: Project) -> set[str]:
    """Every shot id some film builds (a deliverable's own cut may leave some out)."""
    return {sid for film in project.films for sid in film.shots}
