"""Writing the cut's outputs: each through a temporary file of its own, renamed over the target.

Two builds of one folder may cut at once (each waits for the other's shots, then both
cut): a fixed temporary name (``.film.html.tmp``) would be shared, and one build would
rename away the file the other is still writing. ``mkstemp`` names are unique.

Inside a build, the name also carries the build's token and its folder is noted in the build's
lock (see :mod:`storyboard.store.sweep`): what a killed build left beside its outputs is swept
by the next build, and a live build's temporaries never are.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from ..errors import RenderError
from ..store.sweep import current


def temp_beside(path: Path, suffix: str | None = None) -> Path:
    """A new, empty, uniquely named file in ``path``'s folder, with an ordinary file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    build = current()
    prefix = f".{path.stem}-"
    if build is not None:
        build.note(path.parent)  # before the file exists: a kill from here on leaves it findable
        prefix += f"{build.token}-"
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=path.suffix if suffix is None else suffix)
    os.close(fd)
    os.chmod(name, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def replace_over(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` onto ``target`` only if ``target`` is absent or a regular file.

    ``check`` refuses such an output (O005); this is the last guard for what appeared since:
    ``os.replace`` onto a device node, a FIFO or a link would swap it for a regular file.
    """
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        tmp.unlink(missing_ok=True)
        raise RenderError(f"{target} exists and is not a regular file; the build writes only over regular files")
    os.replace(tmp, target)
