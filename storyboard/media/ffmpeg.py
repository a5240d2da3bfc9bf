"""Where ffmpeg comes from: PATH, or the static binary inside the imageio-ffmpeg wheel."""

from __future__ import annotations

import os
import shutil
from functools import lru_cache

from ..env import FFMPEG


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    override = os.environ.get(FFMPEG)
    if override:
        return override
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())
