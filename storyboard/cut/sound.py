"""The film's sound: the soundtrack mixed under the cut, ducked under the shots that have sound of
their own, voice-overs placed at their times, and the whole brought to a loudness target.

Only the sound is encoded: the video stream of the cut film is copied, so mixing a bed under a
60-shot film costs an audio encode, not a video one. Ducking is a gain curve over the known
spans of the shots with sound (short ramps in and out), not a compressor reacting to levels:
the bed is lowered by exactly ``duck`` dB under them, the same on every build, and a quiet
moment inside a shot does not pump the music back up. Loudness is EBU R128 two-pass
``loudnorm``: the first pass measures, the second applies the measured values linearly, which
lands within 1 LU of the target where one pass can miss.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import RenderError
from ..media.ffmpeg import ffmpeg_head, run_ffmpeg
from .files import replace_over, temp_beside

AUDIO_RATE = 48000
RAMP_SECONDS = 0.25  # how long the bed takes to duck and to come back
TRUE_PEAK = -1.5  # dBTP ceiling of the loudness pass (streaming platforms ask for -1 to -2)
LOUDNESS_RANGE = 11.0  # LU, loudnorm's default
MIX_TIMEOUT = 1800.0
SILENT = "the film is silent: there is no loudness to normalise"  # what mix raises for it (the cut tells it apart)


@dataclass(frozen=True)
class Track:
    """One soundtrack entry: a file placed at ``at`` seconds, ``volume`` dB, ducked by ``duck`` dB
    (0: not ducked) under the shots that have their own sound."""

    file: Path
    at: float = 0.0
    volume: float = 0.0
    duck: float = 0.0


def ducked_spans(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The spans sorted, with touching or overlapping ones merged: the bed stays down between two
    shots with sound instead of dipping back up for a frame."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted((s, e) for s, e in spans if e > s):
        if merged and start <= merged[-1][1] + 1e-6:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def duck_curve(spans: Sequence[tuple[float, float]], duck_db: float, ramp: float = RAMP_SECONDS) -> str:
    """An ffmpeg expression of ``t``: 1 outside the spans, ``10^(duck/20)`` inside, linear ramps of
    ``ramp`` seconds at each edge (inside the span, so the shot's own sound is never under a full bed)."""
    gain = 10 ** (duck_db / 20)
    factors = []
    for start, end in ducked_spans(spans):
        r = max(min(ramp, (end - start) / 2), 1e-3)
        factors.append(f"(1-{1 - gain:.6f}*clip(min((t-{start:.6f})/{r:.6f},({end:.6f}-t)/{r:.6f}),0,1))")
    return "*".join(factors) or "1"


def mix(
    film: Path,
    out: Path,
    tracks: Sequence[Track],
    *,
    seconds: float,
    sound_spans: Sequence[tuple[float, float]] = (),
    loudness: float | None = None,
) -> Path:
    """Write ``out``: ``film``'s video copied, its sound mixed with ``tracks`` and, with ``loudness``
    (LUFS), normalised to it. ``sound_spans`` are the film's seconds where a shot has its own sound."""
    if not tracks and loudness is None:
        raise RenderError("nothing to mix: no soundtrack and no loudness target")
    graph = _graph(tracks, seconds, sound_spans)
    if loudness is not None:
        measured = _measure(film, tracks, graph, loudness)
        graph += (
            f";[mix]loudnorm=I={loudness:g}:TP={TRUE_PEAK:g}:LRA={LOUDNESS_RANGE:g}"
            f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
            f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
            f":offset={measured['target_offset']}:linear=true,aresample={AUDIO_RATE}[out]"
        )
    else:
        graph += ";[mix]anull[out]"
    tmp = temp_beside(out, out.suffix or ".mp4")
    try:
        args = [
            *ffmpeg_head(),
            *_inputs(film, tracks),
            "-filter_complex",
            graph,
            "-map",
            "0:v:0",
            "-map",
            "[out]",
            "-c:v",
            "copy",
            "-c:a",
            "aac",
            "-b:a",
            "192k",
            "-ar",
            str(AUDIO_RATE),
            "-t",
            f"{seconds:.6f}",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            os.fspath(tmp),
        ]
        run_ffmpeg(args, what="mixing the film's sound", timeout=MIX_TIMEOUT)
        replace_over(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _inputs(film: Path, tracks: Sequence[Track]) -> list[str]:
    args = ["-i", os.fspath(film)]
    for track in tracks:
        args += ["-i", os.fspath(track.file)]
    return args


def _graph(tracks: Sequence[Track], seconds: float, spans: Sequence[tuple[float, float]]) -> str:
    """The mix up to a ``[mix]`` pad: the film's own sound, then each track levelled, ducked, placed
    and cut to the film; ``amix`` without its input scaling, so every level is the one asked for."""
    length = f"{seconds:.6f}"
    parts = [f"[0:a]aresample={AUDIO_RATE},aformat=channel_layouts=stereo,apad,atrim=0:{length}[a0]"]
    for i, track in enumerate(tracks, start=1):
        chain = [f"aresample={AUDIO_RATE}", "aformat=channel_layouts=stereo", f"volume={track.volume:g}dB"]
        if track.at > 0:
            chain.append(f"adelay=delays={round(track.at * 1000)}:all=1")
        if track.duck:
            chain.append(f"volume=eval=frame:volume='{duck_curve(spans, track.duck)}'")
        chain += ["apad", f"atrim=0:{length}"]
        parts.append(f"[{i}:a]{','.join(chain)}[a{i}]")
    inputs = "".join(f"[a{i}]" for i in range(len(tracks) + 1))
    parts.append(f"{inputs}amix=inputs={len(tracks) + 1}:normalize=0:duration=first[mix]")
    return ";".join(parts)


_SUMMARY = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}", re.S)


def _measure(film: Path, tracks: Sequence[Track], graph: str, target: float) -> dict[str, str]:
    """loudnorm's first pass over the mix: the measured loudness, peak, range and threshold it prints."""
    head = ffmpeg_head()
    head[head.index("-loglevel") + 1] = "info"  # loudnorm prints its measurement at the info level
    args = [
        *head,
        *_inputs(film, tracks),
        "-filter_complex",
        graph + f";[mix]loudnorm=I={target:g}:TP={TRUE_PEAK:g}:LRA={LOUDNESS_RANGE:g}:print_format=json[out]",
        "-map",
        "[out]",
        "-f",
        "null",
        "-",
    ]
    err = run_ffmpeg(args, what="measuring the film's loudness", timeout=MIX_TIMEOUT)
    found = _SUMMARY.findall(err.decode(errors="replace"))
    if not found:
        raise RenderError("ffmpeg's loudnorm printed no measurement; the film's loudness was not set")
    values: dict[str, str] = json.loads(found[-1])
    if values.get("input_i") in ("-inf", "inf"):  # silence: nothing to bring up, and loudnorm would fail
        raise RenderError(SILENT)
    return values
