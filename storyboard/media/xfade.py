"""The transitions a cut entry may ask for: ffmpeg's ``xfade`` filter names, in one table.

The language checks a transition's ``type`` against this table (with a did-you-mean), the
schema offers it to editors, and the cut passes the name to ``xfade=transition=<name>``
unchanged. Taken from FFmpeg's libavfilter/vf_xfade.c (the ``transition`` option's named
constants), and equal to what ``ffmpeg -h filter=xfade`` lists for the bundled build;
``custom`` is left out (it needs an expression the language has no key for).
"""

from __future__ import annotations

XFADE_TRANSITIONS: tuple[str, ...] = (
    "fade",
    "wipeleft",
    "wiperight",
    "wipeup",
    "wipedown",
    "slideleft",
    "slideright",
    "slideup",
    "slidedown",
    "circlecrop",
    "rectcrop",
    "distance",
    "fadeblack",
    "fadewhite",
    "radial",
    "smoothleft",
    "smoothright",
    "smoothup",
    "smoothdown",
    "circleopen",
    "circleclose",
    "vertopen",
    "vertclose",
    "horzopen",
    "horzclose",
    "dissolve",
    "pixelize",
    "diagtl",
    "diagtr",
    "diagbl",
    "diagbr",
    "hlslice",
    "hrslice",
    "vuslice",
    "vdslice",
    "hblur",
    "fadegrays",
    "wipetl",
    "wipetr",
    "wipebl",
    "wipebr",
    "squeezeh",
    "squeezev",
    "zoomin",
    "fadefast",
    "fadeslow",
    "hlwind",
    "hrwind",
    "vuwind",
    "vdwind",
    "coverleft",
    "coverright",
    "coverup",
    "coverdown",
    "revealleft",
    "revealright",
    "revealup",
    "revealdown",
)

# the language's own words for an xfade name: DESIGN.md's example writes `crossfade`
ALIASES: dict[str, str] = {"crossfade": "fade"}

NAMES: tuple[str, ...] = XFADE_TRANSITIONS + tuple(ALIASES)  # every `type` the language accepts


def xfade_name(name: str) -> str | None:
    """The xfade transition ``name`` stands for (an alias resolved), or None when it is none."""
    if name in ALIASES:
        return ALIASES[name]
    return name if name in XFADE_TRANSITIONS else None
