"""Writing the cut's outputs: each through a temporary file of its own, renamed over the target.

Two builds of one folder may cut at once (each waits for the other's shots, then both
cut): a fixed temporary name (``.film.html.tmp``) would be shared, and one build would
rename away the file the other is still writing. ``mkstemp`` names are unique.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def temp_beside(path: Path, suffix: str | None = None) -> Path:
    """A new, empty, uniquely named file in ``path``'s folder, with an ordinary file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix if suffix is None else suffix
    )
    os.close(fd)
    os.chmod(name, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
