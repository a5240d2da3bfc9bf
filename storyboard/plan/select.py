"""dbt-style shot selection: ``shot``, ``shot+`` (and descendants), ``+shot`` (and ancestors), ``shot#k`` (one take).

A selection is a set of names: a shot id selects every take of the shot, ``shot#k`` take k
alone. :func:`matches` is the one test of a plan row against it, for the plan, the runner
and ``--resubmit`` alike, so what was priced is what is sent.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ..compile import Compiled
from ..errors import SelectionError
from ..load.validate import suggest

__all__ = ["SelectionError", "matches", "replaces", "select"]


def matches(selection: Collection[str] | None, shot_id: str, take: int) -> bool:
    """Whether the row of ``shot_id``'s take ``take`` is selected (None selects everything)."""
    return selection is None or shot_id in selection or f"{shot_id}#{take}" in selection


def replaces(selection: Collection[str], shot_id: str, take: int, picked: bool) -> bool:
    """Whether ``--replace`` (a :func:`select` answer) names this take: ``shot`` is its picked take, ``shot#k`` take k."""
    return f"{shot_id}#{take}" in selection or (picked and shot_id in selection)


def select(films: Compiled | Sequence[Compiled], expression: str, option: str = "--only") -> set[str]:
    """The shots ``expression`` selects; several selectors separate by spaces or commas (``option`` names the flag in errors).

    Given every film of a file with deliverables, a selector holds in each film that has the
    shot (a film's own cut may leave some out) and is an error only when no film has it."""
    import networkx as nx

    every = [films] if isinstance(films, Compiled) else list(films)
    chosen: set[str] = set()
    for raw in expression.replace(",", " ").split():
        ancestors, descendants = raw.startswith("+"), raw.endswith("+")
        name, hash_, take = raw.strip("+").partition("#")
        having = [f for f in every if name in f.shots]
        if not having:
            guess = suggest(name, {sid for f in every for sid in f.shots})
            hint = f"; did you mean `{guess}`?" if guess else ""
            raise SelectionError(f"{option} `{raw}` names no shot{hint}")
        if hash_:
            takes = max(f.shots[name].takes for f in having)
            if not take.isdigit() or not 1 <= int(take) <= takes:
                raise SelectionError(
                    f"{option} `{raw}`: shot `{name}` has takes 1..{takes}; write `{name}#1` .. `{name}#{takes}`"
                    f" (or `{name}` for {'its picked take' if option == '--replace' else 'all of them'})"
                )
            if ancestors or descendants:
                raise SelectionError(f"{option} `{raw}`: `+` goes with a shot (`{name}+`), not with one take")
            chosen.add(f"{name}#{int(take)}")
            continue
        chosen.add(name)
        for film in having:
            if ancestors:
                chosen |= nx.ancestors(film.graph, name)
            if descendants:
                chosen |= nx.descendants(film.graph, name)
    return chosen
