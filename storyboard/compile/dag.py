"""The graph pass: the edges between shots, their dependency order, and the cycles that break it.

Shots are compiled in dependency order because a shot's rules read its parents'
results (an extension's length is its chain's, a motion reference's is its parent's).
"""

from __future__ import annotations

from ..load.model import Shot
from ..load.validate import suggest
from .context import Context
from .result import Edge, EdgeKind

_KINDS: tuple[EdgeKind, ...] = ("extends", "continues", "motion")


def link(ctx: Context) -> dict[str, list[str]]:
    """Record every shot's edges on its compiled shot; each shot's parents, by shot id (R002, R004)."""
    parents: dict[str, list[str]] = {sid: [] for sid in ctx.shots}
    for shot in ctx.board.shots:
        for kind, parent in edges_of(ctx, shot):
            ctx.shots[shot.id].edges.append(Edge(kind, parent))
            parents[shot.id].append(parent)
    return parents


def edges_of(ctx: Context, shot: Shot) -> list[tuple[EdgeKind, str]]:
    """The shots this one needs first; a reference to nothing is reported here, once."""
    out: list[tuple[EdgeKind, str]] = []
    for kind in _KINDS:
        target = getattr(shot, kind)
        if target is None:
            continue
        if kind == "motion" and target in ctx.board.assets:
            continue  # an asset, not a shot
        if target in ctx.shots:
            out.append((kind, target))
            continue
        if target in ctx.loaded.broken_names:
            continue  # its own error is already reported
        if kind == "motion":
            guess = suggest(target, list(ctx.shots) + list(ctx.board.assets))
            ctx.error(
                "R004",
                f"`motion: {target}` names no video asset and no shot",
                ctx.shot_at(shot, "motion"),
                shot.id,
                help=f"did you mean `{guess}`?" if guess else "declare the video under `assets:` or name a shot",
            )
            continue
        guess = suggest(target, ctx.shots)
        ctx.error(
            "R002",
            f"`{kind}: {target}` names no shot",
            ctx.shot_at(shot, kind),
            shot.id,
            help=f"did you mean `{guess}`?" if guess else "use the id of a shot in this file",
        )
    return out


def order_and_cycles(ctx: Context, parents: dict[str, list[str]]) -> tuple[list[str], set[str]]:
    """Dependency order of the shots, and the shots caught in cycles (each cycle reported once, R003).

    graphlib (stdlib) rather than networkx here: ordering is all ``plan`` needs, and
    importing networkx costs more than planning a thousand shots.
    """
    from graphlib import CycleError, TopologicalSorter

    remaining = {sid: list(ps) for sid, ps in parents.items()}
    members: set[str] = set()
    while True:
        try:
            return list(TopologicalSorter(remaining).static_order()), members
        except CycleError as exc:
            cycle: list[str] = exc.args[1][:-1]  # each node is a parent of the next
        start = min(range(len(cycle)), key=lambda i: ctx.shots[cycle[i]].index)
        cycle = cycle[start:] + cycle[:start]
        child = cycle[1 % len(cycle)]
        kind = next(e.kind for e in ctx.shots[child].edges if e.parent == cycle[0])
        ctx.error(
            "R003",
            f"dependency cycle: {' -> '.join(cycle + [cycle[0]])}",
            ctx.shot_at(ctx.by_id[child], kind),
            child,
            help="every shot must be generatable before the shots that extend, continue or imitate it",
        )
        for sid in cycle:
            ctx.shots[sid].ok = False
            members.add(sid)
            remaining.pop(sid, None)
        for ps in remaining.values():
            ps[:] = [p for p in ps if p not in members]
