"""The shots' DAG laid out for the review page: boxes in layers, drawn as inline SVG by its template.

Layer k holds the shots whose longest chain of parents is k long (networkx's topological
generations), drawn top to bottom, so every edge points down. A wide layer (sixty
independent shots) wraps onto several lines of ``PER_LINE`` boxes instead of running off
the page; a long chain adds lines, and the page scrolls as it does for the shot list.
Within a layer, shots sit under the mean place of their parents (one barycentre pass),
which keeps a chain's edges short and mostly straight. Positions only: no JavaScript, no
library, no request, so the page draws the same from ``file://`` as from a server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

PER_LINE = 7  # boxes per line of a layer: 7 x (BOX_W + GAP_X) fits the page's 70rem column
BOX_W, BOX_H, GAP_X, GAP_LINE, GAP_LAYER, PAD = 140, 34, 20, 14, 40, 6
LABEL = 18  # characters of a shot id shown in its box: its start and its end (the whole id is its tooltip)


@dataclass(frozen=True)
class Dag:
    """What the page draws: the shots (file order) and each dependency as (parent, child, kind)."""

    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str, str], ...]

    @classmethod
    def of(cls, graph: nx.DiGraph[str]) -> Dag:
        """The compiled board's graph (``Compiled.graph``, edge attribute ``kind``)."""
        return cls(
            tuple(graph.nodes),
            tuple((str(p), str(c), str(data.get("kind", ""))) for p, c, data in graph.edges(data=True)),
        )


@dataclass(frozen=True)
class Box:
    id: str
    label: str
    x: int
    y: int
    layer: int
    linked: bool  # the shot has a row on the page (a shot the film leaves out has none)


@dataclass(frozen=True)
class Line:
    parent: str
    child: str
    kind: str
    d: str  # the SVG path: a curve from the parent's bottom to the child's top


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    boxes: list[Box]
    lines: list[Line]
    layers: int
    loose: int | None  # where the caption over the shots with no edge goes (None: there are none)


def layers(dag: Dag) -> list[list[str]]:
    """The topological generations, each in file order: a shot's layer is one below its lowest parent."""
    nodes = list(dict.fromkeys([*dag.nodes, *(n for p, c, _ in dag.edges for n in (p, c))]))
    children: dict[str, list[str]] = {n: [] for n in nodes}
    waiting = dict.fromkeys(nodes, 0)
    for parent, child, _ in dag.edges:
        children[parent].append(child)
        waiting[child] += 1
    depth = dict.fromkeys(nodes, 0)
    ready = [n for n in nodes if not waiting[n]]
    while ready:  # Kahn's order; a node of a cycle (the compiler refuses them) stays in layer 0
        node = ready.pop()
        for child in children[node]:
            depth[child] = max(depth[child], depth[node] + 1)
            waiting[child] -= 1
            if not waiting[child]:
                ready.append(child)
    out: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in nodes:
        out[depth[node]].append(node)
    return out


def draw(dag: Dag, rows: Iterable[str]) -> Drawing:
    """Every shot's box and every edge's curve; ``rows`` are the ids that have a row to link to.

    Shots with no edge at all come last, in lines of their own under a caption: in a film of
    sixty mostly independent shots they would otherwise fill the first layer, and every edge
    out of it would cross them."""
    linked = set(rows)
    touched = {n for p, c, _ in dag.edges for n in (p, c)}
    generations = [g for g in layers(Dag(tuple(n for n in dag.nodes if n in touched), dag.edges)) if g]
    loose = [n for n in dag.nodes if n not in touched]
    parents: dict[str, list[str]] = {}
    for parent, child, _ in dag.edges:
        parents.setdefault(child, []).append(parent)
    slot: dict[str, float] = {}  # a box's place along its line, for its children's barycentre
    order = {n: i for i, n in enumerate(dag.nodes)}
    boxes: dict[str, Box] = {}
    widest = min(PER_LINE, max((len(g) for g in [*generations, loose]), default=0))
    width = max(widest * (BOX_W + GAP_X) - GAP_X, BOX_W) + 2 * PAD
    y = PAD

    def put(nodes: list[str], layer: int) -> None:
        nonlocal y
        for start in range(0, len(nodes), PER_LINE):
            line = nodes[start : start + PER_LINE]
            left = (width - (len(line) * (BOX_W + GAP_X) - GAP_X)) // 2  # a short line is centred
            for i, node in enumerate(line):
                slot[node] = float(i + (widest - len(line)) / 2)
                label = node if len(node) <= LABEL else f"{node[: LABEL // 2 - 1]}…{node[-(LABEL // 2) :]}"  # both ends
                boxes[node] = Box(node, label, left + i * (BOX_W + GAP_X), y, layer, node in linked)
            y += BOX_H + GAP_LINE
        y += GAP_LAYER - GAP_LINE

    for k, generation in enumerate(generations):
        put(
            sorted(
                generation,
                key=lambda n: (
                    sum(slot[p] for p in parents[n]) / len(parents[n]) if n in parents else -1.0,
                    order.get(n, len(order)),
                ),
            ),
            k,
        )
    caption = y - GAP_LAYER // 2 + 6 if loose and generations else None  # "on their own", between
    if loose:
        y += GAP_LINE if generations else 0
        put(loose, -1)
    height = y - GAP_LAYER + PAD
    lines = []
    for parent, child, kind in dag.edges:
        a, b = boxes[parent], boxes[child]
        x1, y1, x2, y2 = a.x + BOX_W // 2, a.y + BOX_H, b.x + BOX_W // 2, b.y
        bend = max((y2 - y1) // 2, 12)
        lines.append(Line(parent, child, kind, f"M{x1},{y1} C{x1},{y1 + bend} {x2},{y2 - bend} {x2},{y2 - 2}"))
    return Drawing(width, height, list(boxes.values()), lines, len(generations), caption)
