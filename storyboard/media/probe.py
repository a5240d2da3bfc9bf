"""The one probe: what a media file holds, read from its container with PyAV.

PyAV reads the container (a media library, not ffmpeg's text output), so a length or a
size is a number, not a parse. Three questions are asked of media, by three callers:

- ``probe_clip``: the full shape of a generated clip (the runner checks it, the cut
  decides between stream copy and re-encoding); raises ``MediaError``.
- ``probe_media``: the length and frame size of an input (the compiler's rules and prices,
  the preview's looping); answers the reason instead of raising, because a compiler
  reports an unreadable file as a diagnostic, not an exception.
- ``check_image``: that a still decodes (ffmpeg spins forever on a looped unreadable image).
- ``probe_input``: that a local input is what its use claims (an image decodes, a video has
  frames, an audio file has sound) and within the size bounds, asked once per file at `check`
  so that what `check` accepts the build can read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

from ..errors import MediaError

MAX_SIDE = 8192  # pixels, each side of an input image or video: 8K UHD is 7680x4320
MAX_BYTES = {"image": 50_000_000, "audio": 200_000_000, "video": 1_000_000_000}
# a decoder allocates the frame its header claims before it reads a pixel: bound it
_DECODE_LIMIT = {"max_pixels": str(MAX_SIDE * MAX_SIDE)}


@dataclass(frozen=True)
class ClipInfo:
    """A clip's shape: what must match for clips to be joined by stream copy, and its lengths."""

    seconds: float  # the video stream's length
    audio_seconds: float | None
    width: int
    height: int
    fps: Fraction
    video_codec: str
    pix_fmt: str
    audio_codec: str | None
    audio_rate: int | None
    audio_channels: int | None

    def to_json(self) -> dict[str, object]:
        """The form the store keeps, so a rebuild need not probe the clip again."""
        data = dict(self.__dict__)
        data["fps"] = [self.fps.numerator, self.fps.denominator]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ClipInfo:
        """The inverse of ``to_json``; trusts its input (only ``to_json`` writes what the store keeps)."""
        values = cast("dict[str, Any]", dict(data))  # JSON: each field has the type to_json gave it
        num, den = values.pop("fps")
        return cls(fps=Fraction(int(num), int(den)), **values)

    def concat_signature(self) -> tuple[object, ...]:
        """What must match for clips to be joined by stream copy."""
        return (
            self.video_codec,
            self.width,
            self.height,
            self.fps,
            self.pix_fmt,
            self.audio_codec,
            self.audio_rate,
            self.audio_channels,
        )


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """An input's length and frame size (None for audio): what the rules and the prices need."""

    seconds: float
    width: int | None
    height: int | None


def probe_clip(path: Path) -> ClipInfo:
    """The shape of a clip with a video stream; ``MediaError`` when it has none or cannot be read."""
    import av

    try:
        with av.open(os.fspath(path)) as container:
            if not container.streams.video:
                raise MediaError(f"{path.name} holds no video stream")
            video = container.streams.video[0]
            ctx = video.codec_context
            seconds = _stream_seconds(video) or (container.duration or 0) / 1_000_000
            audio = container.streams.audio[0] if container.streams.audio else None
            fps = video.average_rate or video.guessed_rate or Fraction(0)
            return ClipInfo(
                seconds=seconds,
                audio_seconds=_stream_seconds(audio) if audio is not None else None,
                width=ctx.width,
                height=ctx.height,
                fps=Fraction(fps),
                video_codec=ctx.name,
                pix_fmt=ctx.format.name if ctx.format else "",
                audio_codec=audio.codec_context.name if audio is not None else None,
                audio_rate=audio.codec_context.sample_rate if audio is not None else None,
                audio_channels=audio.codec_context.channels if audio is not None else None,
            )
    except MediaError:
        raise
    except Exception as exc:  # PyAV raises FFmpeg's many error classes
        raise MediaError(f"cannot read {path.name} as video: {exc}") from exc


def probe_media(path: Path) -> MediaInfo | str:
    """Length and frame size of a local audio or video file, or why it cannot be read."""
    import av

    try:
        with av.open(os.fspath(path)) as container:
            if not container.streams.video and not container.streams.audio:
                return "it holds no audio or video stream"
            seconds = container.duration / 1_000_000 if container.duration else 0.0
            width = height = None
            if container.streams.video:
                video = container.streams.video[0]
                width, height = video.codec_context.width, video.codec_context.height
                seconds = seconds or _stream_seconds(video) or 0.0
            else:
                seconds = seconds or _stream_seconds(container.streams.audio[0]) or 0.0
            return MediaInfo(seconds, width, height)
    except Exception as exc:  # PyAV raises many FFmpeg error classes
        return f"{type(exc).__name__}: {exc}"


def check_image(path: Path) -> None:
    """Decode the first frame of an image; ``MediaError`` (with PyAV's reason) when it does not."""
    found = probe_input(path, "image")
    if isinstance(found, Unfit):
        raise MediaError(found.reason)


@dataclass(frozen=True, slots=True)
class Unfit:
    """Why a local input is not what its use needs; ``too_large`` when it is only over a size bound."""

    reason: str
    too_large: bool = False


def probe_input(path: Path, kind: str) -> MediaInfo | Unfit:
    """What a local image, video or audio file holds, or why it is not that (never raises).

    The size is read from ``stat`` before the file is opened (a 2 GB file is refused at
    once, and a FIFO is never opened); then one frame is decoded, under a pixel bound, so a
    file that only looks right by its name or header is found here and not by ffmpeg.
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        return Unfit(f"it cannot be read ({exc.strerror})")
    if not stat.S_ISREG(st.st_mode):
        return Unfit("it is not a regular file")
    limit = MAX_BYTES.get(kind, MAX_BYTES["video"])
    if st.st_size > limit:
        return Unfit(f"it is {st.st_size:,} bytes; an input {kind} may be at most {limit:,} bytes", too_large=True)
    if st.st_size == 0:
        return Unfit("it is empty (0 bytes)")
    import av

    try:
        per_stream: Any = [_DECODE_LIMIT]  # PyAV's stub says list[str]; it passes each dict to FFmpeg
        with av.open(os.fspath(path), stream_options=per_stream) as container:
            if kind == "audio":
                return _audio_input(container)
            return _picture_input(container, kind)
    except Exception as exc:  # PyAV raises FFmpeg's many error classes
        what = "an image" if kind == "image" else f"a {kind}"
        bound = f" of at most {MAX_SIDE:,} pixels a side" if kind != "audio" else ""
        return Unfit(f"it does not decode as {what}{bound} ({getattr(exc, 'strerror', None) or exc})")


def _picture_input(container: Any, kind: str) -> MediaInfo | Unfit:
    if not container.streams.video:
        return Unfit("it holds no video stream" + (" (only audio)" if container.streams.audio else ""))
    video = container.streams.video[0]
    video.codec_context.options = dict(_DECODE_LIMIT)
    seconds = 0.0
    if kind == "video":
        seconds = (container.duration or 0) / 1_000_000 or _stream_seconds(video) or 0.0
        if seconds <= 0:
            return Unfit("its video stream has no duration")
    frame = next(container.decode(video), None)
    if frame is None:
        return Unfit("its video stream holds no frame")
    if frame.width > MAX_SIDE or frame.height > MAX_SIDE:
        return Unfit(f"it is {frame.width}x{frame.height} pixels; each side may be at most {MAX_SIDE:,}", True)
    return MediaInfo(seconds, frame.width, frame.height)


def _audio_input(container: Any) -> MediaInfo | Unfit:
    if not container.streams.audio:
        return Unfit("it holds no audio stream" + (" (only video)" if container.streams.video else ""))
    audio = container.streams.audio[0]
    seconds = (container.duration or 0) / 1_000_000 or _stream_seconds(audio) or 0.0
    if seconds <= 0:
        return Unfit("its audio stream has no duration")
    if next(container.decode(audio), None) is None:
        return Unfit("its audio stream holds no sound")
    return MediaInfo(seconds, None, None)


def _stream_seconds(stream: object) -> float | None:
    duration = getattr(stream, "duration", None)
    time_base = getattr(stream, "time_base", None)
    if duration and time_base:
        return float(duration * time_base)
    return None
