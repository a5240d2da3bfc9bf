"""The package tree reads as the data flow: imports run one way, and no part imports another in a cycle.

cli -> ops -> {cut, run} -> plan -> compile -> load
                                                -> the ground floor: media, store, diagnostics, errors, env, providers
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "storyboard"


def _part(module: str) -> str:
    """storyboard.run.hosted.client -> run; storyboard.errors -> errors."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _is_module(dotted: str) -> bool:
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def _imports() -> dict[str, set[str]]:
    """For each part of storyboard, the other parts it imports (lazy imports inside functions too)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        package = module if rel.name == "__init__" else module.rsplit(".", 1)[0]
        here = _part(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    root = ".".join(base + ([node.module] if node.module else []))
                    targets = (
                        [root]
                        if node.module
                        else [f"{root}.{a.name}" for a in node.names if _is_module(f"{root}.{a.name}")]
                    )
                elif node.module and node.module.startswith("storyboard"):
                    targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("storyboard")]
            for target in targets:
                there = _part(target)
                if there != here and there != "storyboard":
                    graph.setdefault(here, set()).add(there)
    return graph


# each part's floor; a part imports only parts on lower floors (the ground floor: only the ground floor)
FLOORS: dict[str, int] = {
    **dict.fromkeys(("media", "store", "diagnostics", "errors", "env", "providers", "scaffold"), 0),
    "load": 1,
    "compile": 2,
    "plan": 3,
    "cut": 4,
    "run": 4,
    "ops": 5,
    "cli": 6,
    "__main__": 7,
}


def test_every_part_has_a_floor() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    unplaced = (modules | packages) - set(FLOORS)
    assert not unplaced, f"say where {sorted(unplaced)} stand in FLOORS"


def test_imports_run_one_way_down_the_data_flow() -> None:
    upward = [
        f"{here} -> {there}"
        for here, theres in _imports().items()
        if here != "storyboard"
        for there in theres
        if FLOORS[there] >= FLOORS[here] and (FLOORS[here] > 0 or FLOORS[there] > 0)
    ]
    assert upward == []


def test_the_cli_and_the_api_go_through_ops_for_the_sequence() -> None:
    graph = _imports()
    assert "ops" in graph["cli"] and not graph["cli"] & {"run", "cut", "store", "media"}
    assert "ops" in graph["storyboard"]  # the Python API exports the operations
    assert graph["run"].isdisjoint({"cut", "ops"}) and graph["cut"].isdisjoint({"run", "ops", "plan"})


def test_no_import_cycle_between_the_parts_of_storyboard() -> None:
    graph = _imports()
    assert graph.get("cut", set()).isdisjoint({"run"})  # the cut stands on media/, not on the runner
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the cycle
