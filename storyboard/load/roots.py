"""Where a storyboard's inputs may come from: its own folder, and the `settings.asset_roots` it names.

A shared brand folder lives outside any one storyboard, so a file may name such folders
explicitly; every path a storyboard reads (media, includes, prompt templates) is resolved,
symlinks and all, and must land inside one of these folders. Read from the raw data
before validation, because includes are found before the document is validated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostics
from .positions import Source


def asset_roots(data: Any, source: Source, diagnostics: Diagnostics) -> list[Path]:
    """The resolved folders ``settings.asset_roots`` names (M008 for one that is no folder); a value of the wrong
    type is left to the validator."""
    settings = data.get("settings") if isinstance(data, dict) else None
    given = settings.get("asset_roots") if isinstance(settings, dict) else None
    if not isinstance(given, list):
        return []
    base = source.path.parent
    found: list[Path] = []
    for i, value in enumerate(given):
        if not isinstance(value, str):
            continue
        where = source.locate(("settings", "asset_roots", i))
        if not value or "\x00" in value:
            diagnostics.add("M008", "an asset root is a folder path, found an empty value", where)
            continue
        try:
            full = (base / Path(value).expanduser()).resolve()
            is_dir = full.is_dir()
        except (OSError, RuntimeError):  # a symlink loop, a name too long
            full, is_dir = base / value, False
        if not is_dir:
            what = "is not a folder" if full.exists() else "does not exist"
            diagnostics.add(
                "M008",
                f"asset root `{value}` {what} ({full})",
                where,
                help="name a folder, relative to the storyboard file, e.g. `../brand`",
            )
            continue
        found.append(full)
    return found


def contained(full: Path, folders: list[Path]) -> Path | None:
    """The folder of ``folders`` that holds the resolved path ``full``, or None."""
    for folder in folders:
        if full == folder or full.is_relative_to(folder):
            return folder
    return None
