"""The plans of every film of one file: each deliverable's plan, a take two films share generated once.

A shot whose effective request is the same in two deliverables has one key; the first
film that needs its clip generates it and pays, every later one shows it as shared ($0)
and waits for it. So the overall total is what the build sends, counted once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..compile import Compiled, Project
from ..store import Store
from ..store.team import open_store
from .planner import Plan, PlannedShot, make_plan


@dataclass
class Plans:
    """One plan per film in file order (a file without deliverables: one)."""

    films: list[Plan]

    @property
    def provider(self) -> str:
        """The provider the file asks for (the first film's: deliverables may override it per film)."""
        return self.films[0].provider

    @property
    def deliverables(self) -> bool:
        """Whether the films are deliverables (the text and JSON then group by film)."""
        return any(p.deliverable is not None for p in self.films)

    @property
    def total(self) -> Decimal:
        """USD for every take to generate across the films, each shared take counted once."""
        return sum((p.total for p in self.films), Decimal(0))

    @property
    def to_generate(self) -> list[PlannedShot]:
        """Every take the build sends, film by film; a shared take appears once, in the film that generates it."""
        return [s for p in self.films for s in p.to_generate]

    def selected(self, selection: set[str] | None) -> list[PlannedShot]:
        """What a build with ``selection`` sends: the list the price sums and the runners send."""
        return [s for p in self.films for s in p.selected(selection)]

    @property
    def has_estimates(self) -> bool:
        """Some take's price rests on guessed seconds: totals are shown with ~."""
        return any(p.has_estimates for p in self.films)

    def to_json(self) -> dict[str, Any]:
        """``plan --format json``: a single film's document as before; with deliverables, every film's rows
        (each naming its deliverable) in ``shots``, a total per film under ``deliverables``, and the total."""
        if not self.deliverables:
            return self.films[0].to_json()
        return {
            "provider": self.provider,
            "deliverables": [
                {
                    "name": p.deliverable,
                    "output": str(p.compiled.output),
                    "provider": p.provider,
                    "total_cost_usd": float(p.total),
                    "shots": len({s.id for s in p.shots}),
                    "takes": len(p.shots),
                    "to_generate": len(p.to_generate),
                    "shared": len(p.shared),
                }
                for p in self.films
            ],
            "shots": [{"deliverable": p.deliverable, **s.to_json()} for p in self.films for s in p.shots],
            "total_cost_usd": float(self.total),
        }


def make_plans(
    project: Project | Compiled,
    store: Store | None = None,
    *,
    resubmit: Collection[str] = (),
    replace: Collection[str] = (),
) -> Plans:
    """Plan every film of ``project`` against one store, then share the takes films have in common
    (a take ``replace`` makes anew in two films is made once, by the first)."""
    films = project.films if isinstance(project, Project) else [project]
    own = store is None
    store = store if store is not None else open_store(films[0].root, films[0].effective.settings.store)
    try:
        plans = Plans([make_plan(film, store, resubmit=resubmit, replace=replace) for film in films])
    finally:
        if own:
            store.close()
    share(plans)
    return plans


def share(plans: Plans) -> None:
    """A take to generate that an earlier film generates too (same key and take) is that film's, $0 here."""
    owner: dict[tuple[str, int], str | None] = {}
    for plan in plans.films:
        for row in plan.shots:
            if row.action != "generate":
                continue
            first = owner.setdefault((row.key, row.take), plan.deliverable)
            if first == plan.deliverable:
                continue
            row.shared, row.cost, row.resumes = first, Decimal(0), None
            row.reasons = [f"the same clip as deliverable `{first}`'s: generated once, there"]
