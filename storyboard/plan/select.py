"""dbt-style shot selection: ``shot``, ``shot+`` (and descendants), ``+shot`` (and ancestors)."""

from __future__ import annotations

from ..compile import Compiled
from ..errors import SelectionError
from ..load.validate import suggest

__all__ = ["SelectionError", "select"]


def select(compiled: Compiled, expression: str) -> set[str]:
    """The shots ``expression`` selects; several selectors separate by spaces or commas."""
    import networkx as nx

    chosen: set[str] = set()
    for raw in expression.replace(",", " ").split():
        ancestors, descendants = raw.startswith("+"), raw.endswith("+")
        name = raw.strip("+")
        if name not in compiled.shots:
            guess = suggest(name, compiled.shots)
            hint = f"; did you mean `{guess}`?" if guess else ""
            raise SelectionError(f"--only `{raw}` names no shot{hint}")
        chosen.add(name)
        if ancestors:
            chosen |= nx.ancestors(compiled.graph, name)
        if descendants:
            chosen |= nx.descendants(compiled.graph, name)
    return chosen
