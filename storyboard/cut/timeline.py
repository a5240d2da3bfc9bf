"""The film as an OpenTimelineIO timeline, so an editor can take the cut further.

One video track, one clip per shot in film order, each pointing at its clip in the
store, with the shot's id, prompt, provider, key and price as metadata. Any OTIO-aware
tool (DaVinci Resolve, Premiere via adapters, otioview) opens the ``.otio`` file.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from .files import replace_over, temp_beside


@dataclass(frozen=True)
class TakeClip:
    """One take of a shot that has several: the review page shows them side by side."""

    number: int  # 1-based
    clip: Path | None  # None: not built


@dataclass(frozen=True)
class FilmShot:
    """One shot as it appears in the film."""

    id: str
    clip: Path
    start: float  # seconds into the film
    seconds: float
    fps: Fraction
    prompt: str
    provider: str
    key: str
    cost_usd: Decimal  # its list price (what generating it costs)
    status: str  # built | cached
    take: int = 1  # the take the cut uses
    takes: tuple[TakeClip, ...] = ()  # every take, when the shot has more than one


def write_timeline(shots: list[FilmShot], path: Path, title: str) -> Path:
    """Write ``path`` (OTIO JSON) through a file of its own, so a reader never sees half a timeline."""
    import opentimelineio as otio

    track = otio.schema.Track(name="storyboard", kind=otio.schema.TrackKind.Video)
    for shot in shots:
        rate = float(shot.fps) or 32.0
        frames = round(shot.seconds * rate)
        whole = otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(frames, rate))
        clip = otio.schema.Clip(
            name=shot.id,
            media_reference=otio.schema.ExternalReference(
                target_url=shot.clip.resolve().as_uri(), available_range=whole
            ),
            source_range=whole,
        )
        clip.metadata["storyboard"] = {
            "shot": shot.id,
            "prompt": shot.prompt,
            "provider": shot.provider,
            "key": shot.key,
            "cost_usd": float(shot.cost_usd),
            "status": shot.status,
        }
        track.append(clip)
    timeline = otio.schema.Timeline(name=title, tracks=[track])
    tmp = temp_beside(path)
    otio.adapters.write_to_file(timeline, str(tmp), adapter_name="otio_json")
    replace_over(tmp, path)
    return path
