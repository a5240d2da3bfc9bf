"""The sound pass: the soundtrack mixed under the cut, the captions, the loudness target.

It runs after the cut pass: a file placed with `at` is measured against the film's length.
Every file here is rendered on this machine, so it must be a file in the project (C011),
and it is probed like every other input (M001-M006), so what `check` accepts the mix can
read. `duck` is allowed on a placed file as on a bed: wherever a file plays, it is lowered
under the shots that have their own sound.
"""

from __future__ import annotations

import math

from ..load.model import LOUDNESS_RANGE
from ..media.probe import MediaInfo
from .captions import CaptionsError, read_captions
from .context import Context
from .cutlist import not_local
from .result import CaptionTrack, Sound

VOLUME_RANGE = (-60.0, 20.0)  # dB of gain
DUCK_RANGE = (-60.0, 0.0)  # dB: a duck lowers


def check_soundtrack(ctx: Context, film_seconds: float) -> list[Sound]:
    """The soundtrack's files resolved (C008, C011, C012, M-codes); those that cannot be read are left out."""
    sounds: list[Sound] = []
    for j, item in enumerate(ctx.board.soundtrack or ()):
        where = ctx.at("soundtrack", j, "file")
        res = ctx.media_value(item.file, where, ("audio",), "soundtrack.file")
        if res.problem is None and res.path is None and res.kind == "audio":
            not_local(ctx, item.file, where, "a soundtrack file")
        ok = _level(ctx, j, "volume", item.volume, VOLUME_RANGE, "a gain in dB, e.g. `volume: -12`")
        if item.duck is not None:
            ok &= _level(ctx, j, "duck", item.duck, DUCK_RANGE, "how far it is lowered in dB, e.g. `duck: -9`")
        if item.at is not None and film_seconds > 0 and item.at >= film_seconds:
            ctx.error(
                "C008",
                f"`{item.file}` is placed at {item.at:g} s, but the film is {film_seconds:g} s long: it is never heard",
                ctx.at("soundtrack", j, "at"),
                help=f"place it before {film_seconds:g} s, or lengthen the cut",
            )
        if res.path is None or res.kind != "audio" or not ok:
            continue
        probe = ctx.media.probe(res.path)
        seconds = probe.seconds if isinstance(probe, MediaInfo) else None
        sounds.append(Sound(res.path, item.volume, item.duck, item.at, seconds))
    return sounds


def _level(ctx: Context, j: int, key: str, value: float, bounds: tuple[float, float], fix: str) -> bool:
    """C012 for a level outside ``bounds``; whether it is inside."""
    low, high = bounds
    if math.isfinite(value) and low <= value <= high:
        return True
    ctx.error(
        "C012",
        f"soundtrack `{key}` must be {low:g}..{high:g} dB; found {value:g}",
        ctx.at("soundtrack", j, key),
        help=f"write {fix}",
    )
    return False


def check_captions(ctx: Context) -> CaptionTrack | None:
    """The captions file resolved and parsed (C009 names its bad line, C011, M-codes); None without captions."""
    captions = ctx.board.captions
    if captions is None:
        return None
    where = ctx.at("captions", "file")
    res = ctx.media_value(captions.file, where, ("subtitle",), "captions.file")
    if res.problem is not None or res.kind != "subtitle":
        return None
    if res.path is None:
        not_local(ctx, captions.file, where, "the captions file")
        return None
    try:
        cues = read_captions(res.path)
    except CaptionsError as exc:
        ctx.error(
            "C009",
            f"cannot read `{captions.file}` as {res.path.suffix.lower()[1:]} captions: {exc}",
            where,
            help=f"fix line {exc.line} of `{captions.file}`",
        )
        return None
    except OSError as exc:
        ctx.error("C009", f"cannot read `{captions.file}`: {exc.strerror or exc}", where)
        return None
    return CaptionTrack(res.path, captions.burn, "vtt" if res.path.suffix.lower() == ".vtt" else "srt", tuple(cues))


def check_loudness(ctx: Context) -> float | None:
    """The integrated loudness target in LUFS (C010 outside -70..-5); None: the mix is not normalised."""
    target = ctx.board.settings.loudness
    if target is None:
        return None
    low, high = LOUDNESS_RANGE
    if math.isfinite(target) and low <= target <= high:
        return float(target)
    ctx.error(
        "C010",
        f"`loudness` is an integrated loudness in LUFS from {low:g} to {high:g}; found {target:g}",
        ctx.at("settings", "loudness"),
        help="write -14 (streaming), -23 (EBU R128) or -24 (ATSC A/85); LUFS are negative",
    )
    return None
