"""The frame grabber: a clip's exact last frame, a frame at a time, and its last seconds.

A `continues` shot starts from its parent's last frame; that frame is decoded with PyAV and
written losslessly as PNG (rgb24), so what the next shot receives is that frame, not a
re-encoded approximation of it. A thumbnail (the review page) and the tail of a clip (what
an extension is handed) are ffmpeg's work, run through the one runner in ``ffmpeg``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import MediaError, RenderError
from .ffmpeg import ffmpeg_command, run_ffmpeg

if TYPE_CHECKING:
    import av

__all__ = ["grab_frame", "last_frame", "tail_clip", "write_last_frame"]

FRAME_TIMEOUT = 120.0
TAIL_TIMEOUT = 600.0


def last_frame(path: Path) -> av.VideoFrame:
    """The last decoded video frame of a clip."""
    import av

    try:
        with av.open(os.fspath(path)) as container:
            stream = container.streams.video[0]
            frame = None
            # seek near the end and decode forward; fall back to a full decode for short clips
            if stream.duration and stream.time_base and float(stream.duration * stream.time_base) > 2:
                container.seek(int(stream.duration - 2 / stream.time_base), stream=stream, backward=True)
            for frame in container.decode(stream):  # noqa: B007 -- decode to the end, keep the last
                pass
            if frame is None:
                raise MediaError(f"{path.name} has no decodable video frame")
            return frame
    except MediaError:
        raise
    except Exception as exc:  # PyAV raises FFmpeg's many error classes
        raise MediaError(f"cannot decode {path.name}: {exc}") from exc


def write_last_frame(clip: Path, png: Path) -> Path:
    """Decode ``clip``'s last frame and write it as a lossless rgb24 PNG."""
    import av

    rgb = last_frame(clip).reformat(format="rgb24")
    with av.open(os.fspath(png), mode="w", format="image2") as out:
        stream = out.add_stream("png", rate=1)
        stream.width, stream.height, stream.pix_fmt = rgb.width, rgb.height, "rgb24"
        for packet in stream.encode(rgb):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return png


def grab_frame(clip: Path, at: float, out: Path, *, width: int = 320) -> Path:
    """The frame at ``at`` seconds, scaled to ``width`` (height keeps the ratio), as a JPEG in ``out``."""
    args = ffmpeg_command(
        # one decoder thread: a single frame gains nothing from more, and each costs a thread's start
        "-threads", "1", "-ss", f"{at:.3f}", "-i", os.fspath(clip),
        "-frames:v", "1", "-vf", f"scale={width}:-2", "-q:v", "4", os.fspath(out),
    )  # fmt: skip
    what = f"taking a frame of {clip.name}"
    run_ffmpeg(args, what=what, timeout=FRAME_TIMEOUT)
    if not out.is_file() or out.stat().st_size == 0:
        raise RenderError(f"ffmpeg failed {what}: no frame at {at:.3f} s")
    return out


def tail_clip(clip: Path, seconds: float, out: Path) -> Path:
    """The last ``seconds`` of a clip (what an extension is handed: at most 15 s)."""
    args = ffmpeg_command(
        "-sseof", f"-{seconds:.3f}", "-i", os.fspath(clip),
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", os.fspath(out),
    )  # fmt: skip
    run_ffmpeg(args, what=f"cutting the last {seconds:g} s of {clip.name}", timeout=TAIL_TIMEOUT)
    return out
