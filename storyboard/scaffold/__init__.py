"""The starter project `storyboard init` writes: a storyboard and its own images."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ..errors import ScaffoldExists

__all__ = ["ScaffoldExists", "create_project"]


def create_project(target: Path, *, schema: Path | None = None) -> list[Path]:
    """Copy the starter into ``target``; never overwrites a file. ``schema``: the JSON Schema file the
    storyboard's first line points editors at (the installed package's)."""
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
            if rel == Path("storyboard.yaml") and schema is not None:  # the YAML language server reads it
                out.write(f"# yaml-language-server: $schema={schema}\n".encode())
            shutil.copyfileobj(src, out)
        created.append(dest)
    return created


def _walk(node: Traversable, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Traversable]]:
    """Every file under ``node`` with its path parts, in name order.

    The starter ships as package data, which may sit in a zip, so it is walked through
    importlib's Traversable rather than the file system.
    """
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            yield from _walk(child, prefix + (child.name,))
        else:
            yield prefix + (child.name,), child
