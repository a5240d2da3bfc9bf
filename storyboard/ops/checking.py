"""The check operation: load, then compile. Every diagnostic; nothing is sent, and only a store that is
already there learns something (the probes of inputs it had not seen at their stat).

Every other operation starts here, so the CLI and the Python API read a storyboard the
same way: ``plan`` and ``build`` take what ``check`` compiled, or a path they check first.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidStoryboard

if TYPE_CHECKING:
    from ..compile import Compiled, Project
    from ..diagnostics import Diagnostics
    from ..load import Loaded
    from ..store.probecache import ProbeCache


@dataclass(frozen=True)
class Checked:
    """A storyboard as the compiler saw it: what it loaded, and the DAG when it loaded at all."""

    loaded: Loaded
    project: Project | None  # every film; None when the file did not load (YAML or schema errors)

    @property
    def compiled(self) -> Compiled | None:
        """The first film (the only one without ``deliverables:``), or None when the file did not load."""
        return self.project.films[0] if self.project is not None else None

    @property
    def diagnostics(self) -> Diagnostics:
        """Load's and compile's findings together: the compiler reports into the loader's collection."""
        return self.loaded.diagnostics

    @property
    def valid(self) -> bool:
        """It compiled without an error: it can be planned and built."""
        return self.compiled is not None and self.compiled.ok

    def passes(self, *, strict: bool = False) -> bool:
        """No error (and, ``strict``, no warning): what ``storyboard check`` answers."""
        return not self.diagnostics.has_errors(strict=strict)


def check(
    file: str | os.PathLike[str],
    *,
    provider: str | None = None,
    tier: str | None = None,
    staging: bool | None = None,
    display: str | None = None,
    deliverables: Collection[str] | None = None,
) -> Checked:
    """Load and compile every film of ``file``; ``provider`` and ``tier`` override every shot.

    ``staging=True`` compiles as if an upload bucket were set (``plan`` quotes without one);
    ``display`` is the name diagnostics give the file (the CLI shows what the user typed);
    ``deliverables`` limits the films (``--deliverable``; a name the file lacks is a ``SelectionError``).
    """
    from ..compile import compile_project
    from ..load import load

    loaded = load(file, display=display)
    if loaded.storyboard is None:
        return Checked(loaded, None)
    with _remembered_probes(loaded.root) as probes:
        project = compile_project(
            loaded, provider=provider, tier=tier, staging=staging, only=deliverables, probes=probes
        )
    return Checked(loaded, project)


@contextmanager
def _remembered_probes(root: Path) -> Iterator[ProbeCache | None]:
    """The store's input-probe cache, where a store of this schema already is (a check creates none); else None."""
    from ..store import STORE_DIR
    from ..store.state import StateDB, read_generation

    folder = root / STORE_DIR
    if read_generation(folder / "state.db") is None:  # none, or of another schema: a check upgrades nothing
        yield None
        return
    from ..store.probecache import ProbeCache

    state = StateDB(folder)
    try:
        yield ProbeCache(state)
    finally:
        state.close()


def project_of(target: Project | Compiled | str | os.PathLike[str]) -> Project:
    """Every film of ``target``: as given, one compiled film alone, or checked from its path
    (``InvalidStoryboard`` when it has errors)."""
    from ..compile import Compiled, Project

    if isinstance(target, str | os.PathLike):
        checked = check(target)
        if checked.project is None or not checked.valid:
            raise InvalidStoryboard(checked.diagnostics)
        return checked.project
    if isinstance(target, Compiled):
        return Project(target.loaded, [target], target.diagnostics)
    return target


def compiled_of(target: Project | Compiled | str | os.PathLike[str]) -> Compiled:
    """``target``'s first film (its only one without deliverables); ``InvalidStoryboard`` when it has errors."""
    return project_of(target).films[0]
