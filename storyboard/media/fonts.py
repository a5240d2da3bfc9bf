"""The font text is drawn with (the local preview's captions, cards, burned-in subtitles).

One TrueType file found on the system, so drawtext and libass draw the same letters on every
build of one machine; None lets fontconfig pick one.
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
    """A TrueType font for drawtext and libass; None lets fontconfig pick one."""
    for candidate in _FONT_CANDIDATES:
        if os.path.isfile(candidate):
            return candidate
    return None
