"""cut: the clips of the cut become one film.

Every clip is brought to the film's format (:mod:`.conform`: its frame, its editorial
rate, one encoding) and the parts are joined by ffmpeg's concat demuxer with the video
stream-copied, the sound encoded once, in sync. A clip already in the film's format is used
as it is (``copy`` when every clip is: no picture re-encoded); the others are conformed
(``normalise``). :func:`cut_film` conforms into temporaries that it removes; a build keeps
them in the store (:mod:`.incremental`), so an edit of one shot re-encodes one clip.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

from ..errors import RenderError
from ..media.ffmpeg import ffmpeg_head, run_ffmpeg
from ..media.probe import ClipInfo, probe_clip
from .conform import FilmFormat, conform_clip, join
from .files import replace_over, temp_beside

FPS = 32  # the film's rate when nothing says otherwise: SkyReels V4's native rate
AUDIO_RATE = 48000
CUT_TIMEOUT = 3600.0


@dataclass(frozen=True)
class CutResult:
    """The film written, and how: ``copy`` (every clip's picture as it was) or ``normalise`` (some clips
    conformed to the film's format: ``conformed`` of them by this cut, ``kept`` ones conformed before)."""

    film: Path
    method: Literal["copy", "normalise"]
    seconds: float
    clips: int
    conformed: int = 0
    kept: int = 0


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
    clips: Sequence[Path],
    output: Path,
    size: tuple[int, int],
    infos: Sequence[ClipInfo] | None = None,
    *,
    fps: float | Fraction = FPS,
) -> CutResult:
    """Join ``clips`` into ``output`` at ``size`` and ``fps``, conforming each clip not in that format."""
    check_clips(clips)
    infos = list(infos) if infos is not None else [probe_clip(c) for c in clips]
    fmt = FilmFormat.of(size, fps)
    made: list[Path] = []
    try:
        parts = []
        for clip, info in zip(clips, infos, strict=True):
            if fmt.fits(info):
                parts.append(Path(clip))
            else:
                made.append(temp_beside(output, ".mp4"))
                conform_clip(Path(clip), info, fmt, made[-1])
                parts.append(made[-1])
        write_film(parts, output)
    finally:
        for part in made:
            part.unlink(missing_ok=True)
    method: Literal["copy", "normalise"] = "normalise" if made else "copy"
    return CutResult(output, method, film_seconds(fmt, infos), len(clips), conformed=len(made))


def check_clips(clips: Sequence[Path]) -> None:
    """Every clip of the cut is a file (ffmpeg would name only its own list file)."""
    if not clips:
        raise RenderError("the cut is empty: no clip to join")
    gone = [os.fspath(c) for c in clips if not Path(c).is_file()]
    if gone:  # ffmpeg would name only its own list file ("Error opening input file .../tmpXXXX.txt")
        raise RenderError(f"the film was not cut: no clip file {', '.join(gone)}")


def write_film(parts: Sequence[Path], output: Path) -> None:
    """Join parts of one format into ``output`` through a temporary of its own, renamed over it."""
    tmp = temp_beside(output, output.suffix or ".mp4")
    try:
        join(parts, tmp)
        replace_over(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)


def film_seconds(fmt: FilmFormat, infos: Sequence[ClipInfo]) -> float:
    """The film's length: each clip as it is, or as many frames of the film's rate as it becomes."""
    return sum(fmt.length(i) for i in infos)


def _concat_normalise(clips: Sequence[Path], infos: Sequence[ClipInfo], out: Path, size: tuple[int, int]) -> None:
    """The whole-film re-encode the cut did before conforming (every clip, every time): the
    baseline of ``bench/cut.py`` and ``bench/cut_incremental.py``; the cut no longer uses it."""
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
