"""The package tree reads as the data flow: no import cycle between storyboard's parts."""

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


def test_no_import_cycle_between_the_parts_of_storyboard() -> None:
    graph = _imports()
    assert graph.get("cut", set()).isdisjoint({"run"})  # the cut stands on media/, not on the runner
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the cycle
