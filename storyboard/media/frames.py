"""Clips as PyAV sees them: their shape, and their exact last decoded frame.

A `continues` shot starts from its parent's last frame; the frame is decoded here and
written losslessly as PNG (rgb24), so what the next shot receives is that frame, not a
re-encoded approximation of it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..errors import MediaError
from .ffmpeg import ffmpeg_exe


@dataclass(frozen=True)
class ClipInfo:
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
        data = dict(self.__dict__)
        data["fps"] = [self.fps.numerator, self.fps.denominator]
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ClipInfo:
        values = dict(data)
        num, den = values.pop("fps")  # type: ignore[misc]
        return cls(fps=Fraction(int(num), int(den)), **values)  # type: ignore[arg-type]

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


def probe_clip(path: Path) -> ClipInfo:
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


def _stream_seconds(stream: object) -> float | None:
    duration = getattr(stream, "duration", None)
    time_base = getattr(stream, "time_base", None)
    if duration and time_base:
        return float(duration * time_base)
    return None


def last_frame(path: Path) -> object:
    """The last decoded video frame of a clip (an ``av.VideoFrame``)."""
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
    except Exception as exc:
        raise MediaError(f"cannot decode {path.name}: {exc}") from exc


def write_last_frame(clip: Path, png: Path) -> Path:
    """Decode ``clip``'s last frame and write it as a lossless rgb24 PNG."""
    import av

    frame = last_frame(clip)
    rgb = frame.reformat(format="rgb24")  # type: ignore[attr-defined]
    with av.open(os.fspath(png), mode="w", format="image2") as out:
        stream = out.add_stream("png", rate=1)
        stream.width, stream.height, stream.pix_fmt = rgb.width, rgb.height, "rgb24"
        for packet in stream.encode(rgb):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return png


def tail_clip(clip: Path, seconds: float, out: Path) -> Path:
    """The last ``seconds`` of a clip (what an extension is handed: at most 15 s)."""
    subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-y",
            "-sseof",
            f"-{seconds:.3f}",
            "-i",
            os.fspath(clip),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            os.fspath(out),
        ],
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    return out
