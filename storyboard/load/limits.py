"""The limits on what a storyboard file may make the reader do, and their diagnostics.

A tool fed by untrusted files needs a size cap (refused before a byte is read), a nesting
cap (no input exhausts the stack or libyaml's own cap) and a cap on the values aliases
expand to (billion laughs). The reader counts; this module says where each limit lies
and words the Y003/Y004/Y005 diagnostics, so every limit is stated and explained once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ..diagnostics import Diagnostics, Location
from .positions import Source

if TYPE_CHECKING:
    from .positions import Mark

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_EXPANDED_NODES",
    "read_capped",
    "too_deep",
    "too_deep_before",
    "too_many",
]

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_EXPANDED_NODES = 1_000_000

_DEPTH_HELP = "a storyboard needs only a few levels of nesting"
_DEPTH_WINDOW = 8192  # libyaml's scanner runs at most ~1 KiB ahead of the events we count


def read_capped(path: Path, source: Source, diagnostics: Diagnostics) -> bytes | None:
    """The file's bytes, or None (with Y003/Y005) when it is too big or unreadable.

    The size is asked of the file system first, so an oversized file is never read into memory.
    """
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            diagnostics.add(
                "Y003",
                f"the file is {size:,} bytes; a storyboard may be at most {MAX_BYTES:,} bytes",
                source.start(),
                help="split the film into several storyboards",
            )
            return None
        return path.read_bytes()
    except OSError as exc:
        diagnostics.add("Y005", f"cannot read the file: {exc.strerror or exc}", source.start())
        return None


def too_deep(diagnostics: Diagnostics, where: Location) -> None:
    """Report nesting past MAX_DEPTH at ``where``: one wording whoever noticed it first."""
    diagnostics.add("Y004", f"the document nests deeper than {MAX_DEPTH} levels", where, help=_DEPTH_HELP)


def too_many(diagnostics: Diagnostics, where: Location, *, aliased: bool) -> None:
    """Report more than MAX_EXPANDED_NODES values, named for what it is.

    With aliases it is most likely an alias bomb; a huge file without a single alias is
    no bomb, and saying so would send the user looking for aliases that are not there.
    """
    if aliased:
        message = f"the document expands to more than {MAX_EXPANDED_NODES:,} values through aliases"
        hint = "this looks like an alias bomb; write the values out or use fewer nested aliases"
    else:
        message = f"the document holds more than {MAX_EXPANDED_NODES:,} values"
        hint = "a storyboard needs far fewer; split the film into several storyboards"
    diagnostics.add("Y004", message, where, help=hint)


def too_deep_before(source: Source, mark: Mark | None) -> Location | None:
    """Where the nesting passes MAX_DEPTH just before libyaml stopped, if it does.

    libyaml (0.2.6 on) caps nesting itself and its scanner reads a little ahead of the
    events, so a compact ``[[[[...`` can stop it before the reader's own count reaches
    MAX_DEPTH. The line up to where it stopped is re-read with PyYAML's pure-Python
    parser (no cap of its own), counting depth as the reader does; the window is small,
    so this costs milliseconds and only on the error path.
    """
    if mark is None or not isinstance(getattr(mark, "index", None), int):
        return None
    end = min(mark.index + 1, len(source.text))
    begin = max(source.text.rfind("\n", 0, end) + 1, end - _DEPTH_WINDOW)
    depth = 0
    try:
        for ev in yaml.parse(source.text[begin:end], Loader=yaml.SafeLoader):
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH and ev.start_mark is not None:
                    before = source.text[:begin]
                    line = before.count("\n") + ev.start_mark.line
                    column = ev.start_mark.column + (begin - before.rfind("\n") - 1 if ev.start_mark.line == 0 else 0)
                    return source.at(line + 1, column + 1)
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass  # the window ends where libyaml stopped: an error here is expected
    return None
