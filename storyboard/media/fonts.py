"""The font text is drawn with: the local preview's labels, the cut's cards, burned captions.

One place, under media/, so the runner and the cut (which must not import the runner) draw
with the same face.
"""

from __future__ import annotations

import os
from functools import lru_cache

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)


@lru_cache(maxsize=1)
def font_file() -> str | None:
    """A TrueType font for drawtext; None lets fontconfig pick one."""
    for candidate in _FONT_CANDIDATES:
        if os.path.isfile(candidate):
            return candidate
    return None
