"""Captions: a subtitle track in the film and a sidecar ``.srt`` beside it, or burned into the picture.

A subtitle track (``mov_text``, what MP4 players and editors read) costs a stream copy of the
film; burning draws the text with libass (imageio-ffmpeg's build has it), which re-encodes the
video, so it is done only when asked (``burn: true``: platforms that show no subtitle tracks).
The sidecar is always written as SubRip, converted by ffmpeg when the source is WebVTT.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..media.ffmpeg import ffmpeg_head, run_ffmpeg
from .files import replace_over, temp_beside

CAPTIONS_TIMEOUT = 1800.0


def attach(film: Path, out: Path, captions: Path, *, burn: bool = False) -> Path:
    """Write ``out``: ``film`` with ``captions`` as a subtitle track, or drawn into the picture."""
    tmp = temp_beside(out, out.suffix or ".mp4")
    try:
        if burn:
            args = [
                *ffmpeg_head(),
                "-i",
                os.fspath(film),
                "-vf",
                _subtitles_filter(captions),
                "-map",
                "0:v:0",
                "-map",
                "0:a?",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "18",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "copy",
            ]
        else:
            args = [
                *ffmpeg_head(),
                "-i",
                os.fspath(film),
                "-i",
                os.fspath(captions),
                "-map",
                "0:v:0",
                "-map",
                "0:a?",
                "-map",
                "1:0",
                "-c:v",
                "copy",
                "-c:a",
                "copy",
                "-c:s",
                "mov_text",
                "-metadata:s:s:0",
                "language=und",
            ]
        run_ffmpeg([*args, "-movflags", "+faststart", "-f", "mp4", os.fspath(tmp)], what="adding the captions",
                   timeout=CAPTIONS_TIMEOUT)  # fmt: skip
        replace_over(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def sidecar(captions: Path, film: Path) -> Path:
    """The captions as ``<film>.srt`` beside the film (WebVTT converted), written through a file of its own."""
    target = film.with_suffix(".srt")
    tmp = temp_beside(target, ".srt")
    try:
        if captions.suffix.lower() == ".srt":
            shutil.copyfile(captions, tmp)
        else:
            run_ffmpeg([*ffmpeg_head(), "-i", os.fspath(captions), "-f", "srt", os.fspath(tmp)],
                       what="converting the captions to SubRip", timeout=CAPTIONS_TIMEOUT)  # fmt: skip
        replace_over(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _subtitles_filter(captions: Path) -> str:
    """libass's filter over ``captions``, with the font the local renderer uses when the system has one."""
    from ..media.fonts import font_file

    value = _escape(os.fspath(captions.resolve()))
    font = font_file()
    fonts = f":fontsdir={_escape(os.path.dirname(font))}" if font else ""
    return f"subtitles=filename={value}{fonts}"


def _escape(path: str) -> str:
    """A path as a filter option value: ffmpeg's two levels of escaping (the option's, then the graph's)."""
    for char in ("\\", ":", "'"):
        path = path.replace(char, "\\" + char)
    for char in ("\\", "'", "[", "]", ",", ";"):
        path = path.replace(char, "\\" + char)
    return path
