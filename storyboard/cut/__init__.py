"""cut: the clips of the cut become one film.

When every clip shares codec, size, frame rate, pixel format and audio layout, they are
joined by ffmpeg's concat demuxer with stream copy: no re-encode, no quality loss, and
about the cost of copying the bytes. Otherwise each clip is normalised (scaled and
padded to the film's size, one frame rate, a silent track where audio is missing, audio
cut to the video's length) and joined by the concat filter, so sound stays in sync.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import RenderError
from ..media.ffmpeg import ffmpeg_head, run_ffmpeg
from ..media.probe import ClipInfo, probe_clip
from .files import replace_over, temp_beside

FPS = 32
AUDIO_RATE = 48000
CUT_TIMEOUT = 3600.0


@dataclass(frozen=True)
class CutResult:
    """The film written, and how: ``copy`` (stream copy, no quality loss) or ``normalise`` (re-encoded)."""

    film: Path
    method: Literal["copy", "normalise"]
    seconds: float
    clips: int


def film_sequence(
    cut: Sequence[str], extends: dict[str, str], infos: dict[str, ClipInfo], new_seconds: dict[str, float]
) -> list[str]:
    """The shots whose clips make the film, each second shown once.

    ``extends`` maps an extension to its parent, ``new_seconds`` an extension to the
    seconds it was asked to add. An extension clip that holds the whole video replaces
    its parent in the cut; one that holds only the new seconds follows it.
    """
    in_cut = set(cut)
    drop = {
        parent
        for child, parent in extends.items()
        if child in in_cut
        and parent in in_cut
        and child in infos
        and parent in infos
        and holds_whole_video(infos[child].seconds, infos[parent].seconds, new_seconds.get(child, 0.0))
    }
    return [sid for sid in cut if sid not in drop]


def holds_whole_video(child: float, parent: float, new_seconds: float) -> bool:
    """Told apart by duration: nearer parent + new seconds than the new seconds alone."""
    return abs(child - (parent + new_seconds)) < abs(child - new_seconds)


def cut_film(
    clips: Sequence[Path], output: Path, size: tuple[int, int], infos: Sequence[ClipInfo] | None = None
) -> CutResult:
    """Join ``clips`` into ``output``; stream copy when they match, else normalise."""
    if not clips:
        raise RenderError("the cut is empty: no clip to join")
    gone = [os.fspath(c) for c in clips if not Path(c).is_file()]
    if gone:  # ffmpeg would name only its own list file ("Error opening input file .../tmpXXXX.txt")
        raise RenderError(f"the film was not cut: no clip file {', '.join(gone)}")
    infos = list(infos) if infos is not None else [probe_clip(c) for c in clips]
    tmp = temp_beside(output, output.suffix or ".mp4")
    try:
        if len({i.concat_signature() for i in infos}) == 1 and infos[0].audio_codec is not None:
            method: Literal["copy", "normalise"] = "copy"
            _concat_copy(clips, tmp)
        else:
            method = "normalise"
            _concat_normalise(clips, infos, tmp, size)
        replace_over(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    return CutResult(output, method, sum(i.seconds for i in infos), len(clips))


def _concat_copy(clips: Sequence[Path], out: Path) -> None:
    import ffmpeg

    listing = temp_beside(out, ".txt")  # named as the build's temporaries are: a kill leaves it sweepable
    try:
        escaped = (os.fspath(Path(clip).resolve()).replace("'", "'\\''") for clip in clips)
        listing.write_text("".join(f"file '{name}'\n" for name in escaped), encoding="utf-8")
        stream = ffmpeg.input(os.fspath(listing), f="concat", safe=0)
        args = stream.output(os.fspath(out), c="copy", f="mp4").compile(cmd=ffmpeg_head())
        run_ffmpeg(args, what="cutting the film", timeout=CUT_TIMEOUT)
    finally:
        listing.unlink(missing_ok=True)


def _concat_normalise(clips: Sequence[Path], infos: Sequence[ClipInfo], out: Path, size: tuple[int, int]) -> None:
    import ffmpeg

    w, h = size
    parts = []
    for clip, info in zip(clips, infos, strict=True):
        src = ffmpeg.input(os.fspath(clip))
        video = (
            src.video.filter("fps", FPS)
            .filter("scale", w, h, force_original_aspect_ratio="decrease")
            .filter("pad", w, h, "(ow-iw)/2", "(oh-ih)/2")
            .filter("setsar", 1)
            .filter("format", "yuv420p")
            .filter("trim", duration=f"{info.seconds:.6f}")
            .filter("setpts", "PTS-STARTPTS")
        )
        if info.audio_codec is not None:
            audio = src.audio.filter("aresample", AUDIO_RATE).filter("aformat", channel_layouts="stereo")
            audio = audio.filter("apad")
        else:
            audio = ffmpeg.input(f"anullsrc=r={AUDIO_RATE}:cl=stereo", f="lavfi").audio
        audio = audio.filter("atrim", duration=f"{info.seconds:.6f}").filter("asetpts", "PTS-STARTPTS")
        parts += [video, audio]
    joined = ffmpeg.concat(*parts, v=1, a=1).node
    args = ffmpeg.output(
        joined[0],
        joined[1],
        os.fspath(out),
        vcodec="libx264",
        preset="veryfast",
        pix_fmt="yuv420p",
        r=FPS,
        acodec="aac",
        ar=AUDIO_RATE,
        ac=2,
        movflags="+faststart",
        f="mp4",
        shortest=None,  # see run/local.py: ffmpeg can hang at the end of a generated audio input
    ).compile(cmd=ffmpeg_head())
    run_ffmpeg(args, what="cutting the film", timeout=CUT_TIMEOUT)
