"""load: a storyboard file -> a validated :class:`Storyboard` with its source positions."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostics
from .model import Storyboard
from .yamlsource import Source, read_source

__all__ = ["Loaded", "load", "Storyboard", "Source"]


@dataclass
class Loaded:
    """What the loader produced: the model (``None`` when unusable) and where it came from."""

    source: Source
    storyboard: Storyboard | None
    diagnostics: Diagnostics
    broken_names: set[str] = field(default_factory=set)  # defined, but dropped for errors
    asset_roots: list[Path] = field(default_factory=list)  # resolved folders outside `root` inputs may come from
    templates: set[Path] = field(default_factory=set)  # prompt templates the compile included or imported
    # where the compile looked for a template -> the file it found there (None: none)
    templates_looked: dict[Path, Path | None] = field(default_factory=dict)

    @property
    def sources(self) -> list[Source]:
        """Every file read for this storyboard: itself, then each included file (an edit to any changes the plan);
        the prompt templates its prompts read are in ``templates`` once it is compiled."""
        return [self.source, *self.source.included]

    @property
    def folders(self) -> list[Path]:
        """Where media, includes and prompt templates may come from: the storyboard's folder, then its asset roots."""
        return [self.root.resolve(), *self.asset_roots]

    @property
    def root(self) -> Path:
        """The folder media paths are relative to."""
        return self.source.path.parent


def load(path: str | os.PathLike[str], *, display: str | None = None, diagnostics: Diagnostics | None = None) -> Loaded:
    """Problems go to ``diagnostics``, not exceptions; the storyboard keeps the parts that validated (None when
    nothing usable did), so compile can still report its own."""
    from .includes import expand
    from .roots import asset_roots
    from .validate import validate

    diagnostics = diagnostics if diagnostics is not None else Diagnostics()
    source, data = read_source(path, diagnostics, display)
    board: Storyboard | None = None
    broken: set[str] = set()
    roots: list[Path] = []
    if data is not None:
        roots = asset_roots(data, source, diagnostics)
        data = expand(data, source, diagnostics, roots)
        board, broken = validate(data, source, diagnostics)
    return Loaded(source, board, diagnostics, broken, roots)
