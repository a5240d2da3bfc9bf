"""The starter project `storyboard init` writes: a storyboard and its own images."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from ..errors import ScaffoldExists

__all__ = ["ScaffoldExists", "create_project"]


def create_project(target: Path) -> list[Path]:
    """Copy the starter into ``target``; never overwrites a file."""
    if (target / "storyboard.yaml").exists():
        raise ScaffoldExists(f"{target / 'storyboard.yaml'} already exists; choose an empty folder")
    files = resources.files(__package__)
    created: list[Path] = []
    target.mkdir(parents=True, exist_ok=True)
    for item in _walk(files):
        rel = Path(*item[0])
        if rel.suffix == ".py" or "__pycache__" in rel.parts:
            continue
        dest = target / rel
        if dest.exists():
            raise ScaffoldExists(f"{dest} already exists; choose an empty folder")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with item[1].open("rb") as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
        created.append(dest)
    return created


def _walk(node, prefix=()):  # type: ignore[no-untyped-def]
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            yield from _walk(child, prefix + (child.name,))
        else:
            yield prefix + (child.name,), child
