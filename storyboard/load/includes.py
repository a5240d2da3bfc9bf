"""`include:`: partial storyboards merged into the file, each entry keeping its own file and line.

Included files are read (depth first, in order) and merged before the file's own
entries: their shots come first in the shots list, and their characters, assets and
vars join the file's. A name defined twice is an error at the second definition (no
silent override across files). The file's :class:`Source` records where each merged
entry was written (``routes``), so every later diagnostic about it points into its own
file. Paths are relative to the storyboard file, like media paths, and follow the same
rules: inside its folder or an asset root, symlinks resolved.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostics, Location
from .positions import Path_, Source
from .roots import contained
from .yamlsource import read_source

# what an included file may hold; the rest (version, settings, cut, deliverables, ...) is the main file's
INCLUDABLE = ("include", "characters", "assets", "vars", "shots")
_SECTIONS = ("characters", "assets", "vars")


def expand(data: Any, source: Source, diagnostics: Diagnostics, roots: list[Path]) -> Any:
    """``data`` with every included file merged in (unchanged when it includes nothing)."""
    if not isinstance(data, dict) or not isinstance(data.get("include"), list) or not data["include"]:
        return data
    reader = _Reader(source, diagnostics, [source.path.parent, *roots])
    parts = reader.visit(source, data, [source.path])
    parts.append((source, data))
    source.included = [s for s, _ in parts if s is not source]
    return _merge(parts, source, diagnostics)


class _Reader:
    def __init__(self, main: Source, diagnostics: Diagnostics, folders: list[Path]) -> None:
        self.main = main
        self.diagnostics = diagnostics
        self.folders = folders
        self.seen: set[Path] = set()

    def visit(self, src: Source, data: dict[str, Any], chain: list[Path]) -> list[tuple[Source, dict[str, Any]]]:
        """The files ``src`` includes, each after the files it includes itself."""
        items = data.get("include")
        if not isinstance(items, list):
            if items is not None and src is not self.main:
                self._add("S008", "`include` must be a list of file paths", src.locate(("include",)))
            return []
        parts: list[tuple[Source, dict[str, Any]]] = []
        for i, item in enumerate(items):
            where = src.locate(("include", i))
            if not isinstance(item, str):
                if src is not self.main:  # the main file's is the validator's (S002)
                    self._add("S008", "an include is a file path", where)
                continue
            full = self._path(item, where)
            if full is None:
                continue
            if full in chain:
                names = " includes ".join(f"`{self._name(p)}`" for p in [*chain[chain.index(full) :], full])
                self._add("S010", f"include cycle: {names}", where, help="remove one of these includes")
                continue
            if full in self.seen:  # included twice (a diamond): read once
                continue
            self.seen.add(full)
            shown = os.path.normpath(os.path.join(os.path.dirname(self.main.display), item))
            sub, sub_data = read_source(full, self.diagnostics, shown)
            if sub_data is None:
                continue
            if not isinstance(sub_data, dict):
                self._add("S008", f"`{item}` is not a mapping of storyboard entries", sub.start())
                continue
            for key in sub_data:
                if key not in INCLUDABLE:
                    self._add(
                        "S009",
                        f"an included file may not hold `{key}`",
                        sub.locate((key,), key=True),
                        help="an included file holds "
                        + ", ".join(f"`{k}`" for k in INCLUDABLE)
                        + "; move the rest to the main storyboard",
                    )
            parts += self.visit(sub, sub_data, [*chain, full])
            parts.append((sub, sub_data))
        return parts

    def _path(self, item: str, where: Location) -> Path | None:
        """The resolved file ``item`` names, or None after saying why it cannot be included."""
        if not item or "\x00" in item or "://" in item or item.startswith(("/", "~", "\\")) or item[1:2] == ":":
            self._add("S008", f"expected a path relative to the storyboard file, found `{item}`", where)
            return None
        base = self.main.path.parent
        try:
            full = (base / item).resolve()
        except (OSError, RuntimeError):
            self._add("S008", f"`{item}` is a symbolic link that never reaches a file (a loop)", where)
            return None
        if contained(full, self.folders) is None:
            self._add(
                "S008",
                f"`{item}` resolves outside the storyboard's folder and its asset roots ({full})",
                where,
                help="list its folder in `settings.asset_roots`, or move the file into the project",
            )
            return None
        if not full.is_file():
            self._add(
                "S008",
                f"included file `{item}` {'is not a file' if full.exists() else 'not found'}",
                where,
                help="the path is relative to the storyboard file",
            )
            return None
        return full

    def _name(self, path: Path) -> str:
        return os.path.relpath(path, self.main.path.parent)

    def _add(self, code: str, message: str, where: Location, help: str | None = None) -> None:
        self.diagnostics.add(code, message, where, help=help)


def _merge(parts: list[tuple[Source, dict[str, Any]]], main: Source, diagnostics: Diagnostics) -> dict[str, Any]:
    """One document: every file's shots in order, and their named entries, each routed to where it was written."""
    merged = dict(parts[-1][1])
    shots: list[Any] = []
    named: dict[str, dict[str, Any]] = {s: {} for s in _SECTIONS}
    routes: dict[tuple[str | int, ...], tuple[Source, Path_]] = {}
    for src, data in parts:
        value = data.get("shots")
        if isinstance(value, list):
            for j, shot in enumerate(value):
                routes[("shots", len(shots))] = (src, ("shots", j))
                shots.append(shot)
        elif value is not None and src is not main:  # the main file's is the validator's
            diagnostics.add("S002", "`shots` must be a list", src.locate(("shots",)))
        for section in _SECTIONS:
            entries = data.get(section)
            if entries is None:
                continue
            if not isinstance(entries, dict):
                if src is not main:
                    diagnostics.add("S002", f"`{section}` must be a mapping", src.locate((section,)))
                continue
            for name, entry in entries.items():
                first = routes.get((section, name))
                if first is not None:
                    at = first[0].locate(first[1], key=True)
                    _twice(diagnostics, section, name, src.locate((section, name), key=True), at)
                    continue
                named[section][name] = entry
                routes[(section, name)] = (src, (section, name))
    if merged.get("shots") is None or isinstance(merged["shots"], list):
        merged["shots"] = shots
    for section in _SECTIONS:  # the main file's own value of the wrong type stays, for the validator to report
        if (named[section] and merged.get(section) is None) or isinstance(merged.get(section), dict):
            merged[section] = named[section]
    main.routes = routes
    return merged


def _twice(diagnostics: Diagnostics, section: str, name: str, where: Location, first: Location) -> None:
    """A name defined in two files: an error at the second, naming the first."""
    code = "S011" if section == "vars" else "N003"
    what = "var" if section == "vars" else section[:-1]
    diagnostics.add(
        code,
        f"{what} `{name}` is defined twice; the first is at {first.file}:{first.line}:{first.column}",
        where,
        help="give one of them another name, or remove one",
    )
