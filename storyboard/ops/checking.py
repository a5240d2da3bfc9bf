"""The check operation: load, then compile. Every diagnostic; nothing is sent or written.

Every other operation starts here, so the CLI and the Python API read a storyboard the
same way: ``plan`` and ``build`` take what ``check`` compiled, or a path they check first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InvalidStoryboard

if TYPE_CHECKING:
    from ..compile import Compiled
    from ..diagnostics import Diagnostics
    from ..load import Loaded


@dataclass(frozen=True)
class Checked:
    """A storyboard as the compiler saw it: what it loaded, and the DAG when it loaded at all."""

    loaded: Loaded
    compiled: Compiled | None  # None when the file did not load (YAML or schema errors)

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
) -> Checked:
    """Load and compile ``file``; ``provider`` and ``tier`` override every shot.

    ``staging=True`` compiles as if an upload bucket were set (``plan`` quotes without one);
    ``display`` is the name diagnostics give the file (the CLI shows what the user typed).
    """
    from ..compile import compile_storyboard
    from ..load import load

    loaded = load(file, display=display)
    if loaded.storyboard is None:
        return Checked(loaded, None)
    return Checked(loaded, compile_storyboard(loaded, provider=provider, tier=tier, staging=staging))


def compiled_of(target: Compiled | str | os.PathLike[str]) -> Compiled:
    """``target`` compiled: as given, or checked from its path; ``InvalidStoryboard`` when it has errors."""
    if isinstance(target, str | os.PathLike):
        checked = check(target)
        if checked.compiled is None or not checked.valid:
            raise InvalidStoryboard(checked.diagnostics)
        return checked.compiled
    return target
