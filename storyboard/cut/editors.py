"""The timeline in the editors' own formats, through OpenTimelineIO's adapters.

``fcp7`` (FCP 7 XML: Premiere, Resolve), ``fcpx`` (Final Cut Pro X), ``kdenlive`` and
``otioz`` (the ``.otio`` zipped with its media) come from the optional extra
``storyboard[editors]``; the ``.otio`` itself needs none. The FCP formats carry SMPTE
timecode, which has no 32 fps: at a rate they cannot hold, or without their adapter, the
format is left out and the build says why and what to do (the film and the ``.otio``
stand: a warning, not a failure, as the clips were paid for and the film is whole).

The editors' files reference media by absolute ``file://`` URL (Premiere and Final Cut
resolve no other); a build rewrites them when the project moved (see :mod:`.handoff`).
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import replace_over, temp_beside

FORMATS = ("otio", "fcp7", "fcpx", "kdenlive", "otioz")
SMPTE = "23.976, 24, 25, 29.97, 30"
INSTALL = "pip install 'storyboard[editors]'"


@dataclass(frozen=True)
class Editor:
    """One sidecar format: the OTIO adapter that writes it, its suffix, the package that has it."""

    adapter: str
    suffix: str
    package: str
    rates: tuple[float, ...] | None = None  # the only rates it can write (None: any)


_NTSC_23, _NTSC_29 = 24000 / 1001, 30000 / 1001
EDITORS = {
    "fcp7": Editor("fcp_xml", ".xml", "otio-fcp-adapter", (_NTSC_23, 24.0, 25.0, _NTSC_29, 30.0, 50.0, 60.0)),
    # the adapter's frame-duration table has 23.98 for 23.976 and finds no exact rate: 24, 25, 29.97, 30
    "fcpx": Editor("fcpx_xml", ".fcpxml", "otio-fcpx-xml-adapter", (24.0, 25.0, _NTSC_29, 30.0, 50.0, 60.0)),
    "kdenlive": Editor("kdenlive", ".kdenlive", "otio-kdenlive-adapter"),
    "otioz": Editor("otioz", ".otioz", "opentimelineio"),
}


def requested(settings: Any, extra: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The editors' formats a film gets: ``settings.timeline`` (when the model has it) and ``--timeline``,
    each once, the ``.otio`` aside (it is always written)."""
    chosen = list(getattr(settings, "timeline", None) or ["otio"]) + list(extra)
    return [f for f in dict.fromkeys(chosen) if f in EDITORS]


def sidecar(film: Path, fmt: str) -> Path:
    """Where a format's file goes: beside the film, by the format's suffix."""
    return film.with_suffix(EDITORS[fmt].suffix)


def installed(fmt: str) -> bool:
    """Whether OpenTimelineIO finds the format's adapter (its plugin package installed)."""
    import opentimelineio as otio

    try:
        with _quiet():
            otio.adapters.from_name(EDITORS[fmt].adapter)
    except Exception:  # otio raises its own NotSupportedError, not an ImportError
        return False
    return True


def problem(fmt: str, rate: float) -> str | None:
    """Why ``fmt`` cannot be written for a film at ``rate`` fps (None: it can)."""
    editor = EDITORS[fmt]
    if editor.rates is not None and not any(abs(rate - r) < 1e-6 for r in editor.rates):
        shown = f"{rate:g}" if abs(rate - round(rate, 3)) < 1e-9 else f"{rate:.3f}"
        rates = SMPTE if fmt == "fcp7" else "24, 25, 29.97, 30"
        return (
            f"the {fmt} timeline was not written: its timecode has no {shown} fps (SMPTE rates: {rates}); "
            f"set `settings.fps` to one of them (e.g. `fps: 25`) to conform the film and its timelines; "
            "the .otio is written at the film's rate"
        )
    if not installed(fmt):
        return f"the {fmt} timeline was not written: its OpenTimelineIO adapter ({editor.package}) is not installed; {INSTALL}"
    return None


def write_editor(timeline: Any, fmt: str, path: Path) -> Path:
    """Convert the in-memory timeline with the format's adapter into ``path`` (through a file of its own)."""
    import opentimelineio as otio

    editor = EDITORS[fmt]
    tmp = temp_beside(path)
    try:
        with _quiet():
            if fmt == "otioz":  # a zip of the timeline and its media: the adapter writes the file itself
                tmp.unlink()
                otio.adapters.write_to_file(timeline, str(tmp), adapter_name=editor.adapter)
            else:
                tmp.write_text(otio.adapters.write_to_string(timeline, adapter_name=editor.adapter), encoding="utf-8")
        replace_over(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


_QUIET = threading.Lock()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The Kdenlive adapter prints a deprecation banner to stdout, where the build prints the film's path.

    ``sys.stdout`` is one for every thread: the films of a build convert in threads side by side, and
    two redirections that overlapped would restore each other's buffer. One at a time, then (the
    build's progress goes to stderr, so nothing else is swallowed meanwhile)."""
    with _QUIET, contextlib.redirect_stdout(io.StringIO()):
        yield
