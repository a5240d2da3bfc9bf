"""The one probe: what a media file holds, read from its container with PyAV.

PyAV reads the container (a media library, not ffmpeg's text output), so a length or a
size is a number, not a parse. Three questions are asked of media, by three callers:

- ``probe_clip``: the full shape of a generated clip (the runner checks it, the cut
  decides between stream copy and re-encoding); raises ``MediaError``.
- ``probe_media``: the length and frame size of an input (the compiler's rules and prices,
  the preview's looping); answers the reason instead of raising, because a compiler
  reports an unreadable file as a diagnostic, not an exception.
- ``check_image``: that a still decodes (ffmpeg spins forever on a looped unreadable image).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

from ..errors import MediaError


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
    import av

    try:
        with av.open(os.fspath(path)) as container:
            next(container.decode(video=0))
    except Exception as exc:  # PyAV raises FFmpeg's many error classes
        raise MediaError(str(exc)) from exc


def _stream_seconds(stream: object) -> float | None:
    duration = getattr(stream, "duration", None)
    time_base = getattr(stream, "time_base", None)
    if duration and time_base:
        return float(duration * time_base)
    return None
