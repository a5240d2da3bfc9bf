"""The film's format, a clip conformed to it, and conformed parts joined by stream copy.

A film is a sequence of *parts* in one :class:`FilmFormat`: the frame (scaled and padded to
it), the editorial rate (ffmpeg's ``fps`` filter), yuv420p, one fixed libx264 profile,
preset and GOP, and stereo 48 kHz AAC whose length is the video's to the sample. Parts in
one format are joined by ffmpeg's concat demuxer with the video stream-copied, so a clip is
encoded once per format (and kept: :mod:`storyboard.store.conformed`) and a one-shot edit
re-encodes one clip.

The sound of the join is decoded and encoded once, never copied: every AAC stream starts
with 1024 samples of encoder priming that its own edit list hides, and a stream copy
loses all but the first file's, so each boundary would add ~21 ms of sound and the picture
would drift 1.3 s behind in 60 shots. Decoded through the concat demuxer each file's
priming is dropped, and the film's sound stays on its picture (the soundtrack's mix and the
loudness pass, which must encode the sound anyway, belong at this step).

Any segment encoded separately (a card, a transition) joins the same way: encode it with
:func:`encode_args` for the film's format (the same video and sound settings, its sound
the video's length), and it is one more part in the list given to :func:`join`. A part
starts on a keyframe and has one every ``GOP_SECONDS`` exactly (no scene-cut keyframes), so
a transition can be encoded alone over the end of one part and the start of the next up to
its next keyframe, and the parts beside it joined trimmed (the concat demuxer's
``outpoint``, a cut in decoding order, and ``inpoint`` on that keyframe).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..media.ffmpeg import ffmpeg_command, run_ffmpeg
from ..media.probe import ClipInfo
from .files import temp_beside

RECIPE = 1  # bump when the settings below change: every conformed file of the old recipe is remade
AUDIO_RATE = 48000
PIX_FMT = "yuv420p"
VIDEO = ("-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", PIX_FMT, "-sc_threshold", "0")  # fmt: skip
# ffmpeg's "fast" AAC coder, made for high bitrates, without its costly searches (TNS, M/S and intensity
# stereo, noise substitution): 4x less CPU than the default (measured: 1.4 s against 5.3 s for 180 s of
# sound), which at 192 kb/s stereo costs little; the join encodes the film's whole sound at every cut
AUDIO = ("-c:a", "aac", "-b:a", "192k", "-ar", str(AUDIO_RATE), "-ac", "2",
         "-aac_coder", "fast", "-aac_tns", "0", "-aac_pns", "0", "-aac_ms", "0", "-aac_is", "0")  # fmt: skip
GOP_SECONDS = 2
# the sound reaches the encoder as 16-bit samples: a decoded AAC stream's float noise far below
# one 16-bit step otherwise makes the encoder code bands no one hears (2.5x its CPU, measured)
SAMPLES = "aformat=sample_fmts=s16"
AS_IS_SLACK = 0.001  # seconds the sound of a clip used as it is may differ from its picture
CONFORM_TIMEOUT = 900.0
JOIN_TIMEOUT = 3600.0
_NTSC = {
    Fraction("23.976"): Fraction(24000, 1001),
    Fraction("29.97"): Fraction(30000, 1001),
    Fraction("59.94"): Fraction(60000, 1001),
}


def editorial_rate(fps: float | Fraction | str | int) -> Fraction:
    """The exact rate of a film's ``fps``: 29.97 is 30000/1001 (and 23.976, 59.94 likewise)."""
    rate = Fraction(str(fps)) if not isinstance(fps, Fraction) else fps
    if rate <= 0:
        raise ValueError(f"a frame rate is positive, not {fps}")
    return _NTSC.get(rate, rate)


@dataclass(frozen=True)
class FilmFormat:
    """What every part of one film is: its frame and its rate (the rest is fixed by the recipe)."""

    width: int
    height: int
    fps: Fraction

    @classmethod
    def of(cls, size: tuple[int, int], fps: float | Fraction | str | int) -> FilmFormat:
        return cls(size[0], size[1], editorial_rate(fps))

    @property
    def digest(self) -> str:
        """Names a conformed file: the same digest, the same encoding (so parts join by stream copy)."""
        spec = (RECIPE, self.width, self.height, self.fps.numerator, self.fps.denominator, VIDEO, AUDIO, GOP_SECONDS)
        return hashlib.sha256(repr(spec).encode()).hexdigest()[:16]

    def fits(self, info: ClipInfo) -> bool:
        """Whether a clip may be used as it is: the film's frame, rate, pixel format and sound, its sound
        as long as its picture (a longer one would lengthen the film, a shorter one pull the rest early)."""
        return (
            (info.video_codec, info.width, info.height, info.fps, info.pix_fmt)
            == ("h264", *self.frame, self.fps, PIX_FMT)
            and (info.audio_codec, info.audio_rate, info.audio_channels) == ("aac", AUDIO_RATE, 2)
            and info.audio_seconds is not None
            and abs(info.audio_seconds - info.seconds) <= AS_IS_SLACK
        )

    @property
    def frame(self) -> tuple[int, int]:
        return self.width, self.height

    def frames(self, seconds: float) -> int:
        """How many frames of the film's rate a clip of ``seconds`` becomes (at least one)."""
        return max(1, round(Fraction(seconds) * self.fps))

    def seconds(self, frames: int) -> float:
        return float(frames / self.fps)

    def length(self, info: ClipInfo) -> float:
        """A clip's length in the film: as it is, or as many frames of the film's rate as it becomes
        (what a timeline of the film places each shot by)."""
        return info.seconds if self.fits(info) else self.seconds(self.frames(info.seconds))


def encode_args(fmt: FilmFormat) -> list[str]:
    """The output options every part of a film in ``fmt`` is encoded with (video and sound)."""
    gop = max(1, round(GOP_SECONDS * fmt.fps))
    rate = f"{fmt.fps.numerator}/{fmt.fps.denominator}"
    return [*VIDEO, "-g", str(gop), "-r", rate, *AUDIO, "-movflags", "+faststart", "-f", "mp4"]


def conform_args(clip: Path, info: ClipInfo, fmt: FilmFormat, out: Path) -> list[str]:
    """The ffmpeg command that conforms one clip to ``fmt``: ``frames(info.seconds)`` frames, and the
    sound (or silence, for a clip without) cut or padded to exactly that length."""
    w, h = fmt.frame
    frames = fmt.frames(info.seconds)
    samples = round(frames / fmt.fps * AUDIO_RATE)
    rate = f"{fmt.fps.numerator}/{fmt.fps.denominator}"
    video = (
        f"[0:v:0]fps={rate},scale={w}:{h}:force_original_aspect_ratio=decrease,"
        f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,format={PIX_FMT},trim=end_frame={frames},setpts=PTS-STARTPTS[v]"
    )
    inputs = ["-i", os.fspath(clip)]
    if info.audio_codec is not None:
        sound = f"[0:a:0]aresample={AUDIO_RATE},aformat=channel_layouts=stereo,apad"
    else:
        inputs += ["-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo"]
        sound = "[1:a]anull"
    sound += f",atrim=end_sample={samples},asetpts=PTS-STARTPTS,{SAMPLES}[a]"
    graph = f"{video};{sound}"
    return ffmpeg_command(
        *inputs, "-filter_complex", graph, "-map", "[v]", "-map", "[a]", *encode_args(fmt), os.fspath(out)
    )


def conform_clip(clip: Path, info: ClipInfo, fmt: FilmFormat, out: Path) -> None:
    """Write ``clip`` conformed to ``fmt`` into ``out`` (a temporary the caller renames into place)."""
    run_ffmpeg(conform_args(clip, info, fmt, out), what=f"conforming {clip.name} to the film", timeout=CONFORM_TIMEOUT)


def join(parts: Sequence[Path], out: Path) -> None:
    """Join parts of one format into ``out``: the concat demuxer, the video stream-copied, the sound
    decoded (each part's priming dropped) and encoded once."""
    listing = temp_beside(out, ".txt")  # named as the build's temporaries are: a kill leaves it sweepable
    try:
        escaped = (os.fspath(Path(part).resolve()).replace("'", "'\\''") for part in parts)
        listing.write_text("".join(f"file '{name}'\n" for name in escaped), encoding="utf-8")
        args = ffmpeg_command(
            "-f", "concat", "-safe", "0", "-i", os.fspath(listing),
            "-map", "0:v:0", "-map", "0:a:0", "-c:v", "copy", "-af", SAMPLES, *AUDIO,
            "-movflags", "+faststart", "-f", "mp4", os.fspath(out),
        )  # fmt: skip
        run_ffmpeg(args, what="cutting the film", timeout=JOIN_TIMEOUT)
    finally:
        listing.unlink(missing_ok=True)
