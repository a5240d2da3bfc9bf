"""The film as an OpenTimelineIO timeline, so an editor can take the cut further.

A video track with one clip per entry in film order, a shot's or a card's (the card rendered whole, its
frames under transitions included), a transition into an entry as an OTIO transition over the clips'
handles, an audio track for the clips' own sound (a card is silent: a gap), one more audio track per
soundtrack source (a bed, a voice-over), and a marker per shot naming its id, prompt, provider and take
(a card's: its id, ``card`` and its words). Every time is at the film's editorial rate, and every
entry's record time is the film's own frames when the caller lays them out as the render does
(``ops/film.py`` does, through :mod:`.placed`).
Media are referenced by URL as the caller says (:mod:`.handoff` gives relative ones, so a
copied project still resolves). Any OTIO-aware tool (DaVinci Resolve, Kdenlive 25.04+,
otioview) opens the ``.otio``; :mod:`.editors` converts it for the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from .files import replace_over, temp_beside

DEFAULT_RATE = 32.0  # SkyReels' native rate, the film's when `settings.fps` is not given
NTSC = (24000 / 1001, 30000 / 1001, 60000 / 1001)  # what 23.976, 29.97 and 59.94 stand for


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
    sound: bool = True  # the clip has sound of its own (the clip-sound track shows a gap where not)
    trim_in: float = 0.0  # where in its clip the shot starts (a cut entry's `trim`); ``seconds`` is what plays
    transition: str | None = None  # the transition into this shot (xfade's name, e.g. `fade`), None: a cut
    transition_seconds: float = 0.0  # how long it overlaps the shot before
    kind: str = "shot"  # shot | card (``clip``: the card rendered, ``prompt``: its words)


@dataclass(frozen=True)
class AudioSource:
    """A sound file placed in the film: a soundtrack bed or a voice-over, each its own audio track."""

    name: str  # the track's name, e.g. `soundtrack 1`
    file: Path
    start: float  # seconds into the film
    seconds: float  # how long it plays
    kind: str = "soundtrack"  # soundtrack | voice-over
    volume_db: float | None = None


def editorial_rate(fps: float | Fraction | None) -> float:
    """The rate the timeline uses: 23.976 and 29.97 are the NTSC rationals (SMPTE timecode needs them exact)."""
    value = float(fps) if fps else DEFAULT_RATE
    for ntsc in NTSC:
        if abs(value - ntsc) < 0.01:
            return ntsc
    return value


def build_timeline(
    shots: Sequence[FilmShot],
    title: str,
    *,
    rate: float,
    urls: Mapping[tuple[str, int], str],
    audio: Sequence[AudioSource] = (),
    audio_urls: Mapping[str, str] | None = None,
) -> Any:
    """The timeline in memory (an ``otio.schema.Timeline``); ``urls``: each (shot, take)'s media URL,
    ``audio_urls``: each audio source's by name (default: its file's absolute URI)."""
    import opentimelineio as otio

    def frames(seconds: float) -> Any:
        return otio.opentime.RationalTime(round(seconds * rate), rate)

    zero = otio.opentime.RationalTime(0, rate)
    video = otio.schema.Track(name="video", kind=otio.schema.TrackKind.Video)
    sound = otio.schema.Track(name="clip sound", kind=otio.schema.TrackKind.Audio)
    spans = _spans(shots, rate)
    for i, (shot, (first, length)) in enumerate(zip(shots, spans, strict=True)):
        start = otio.opentime.RationalTime(first, rate)
        used = otio.opentime.TimeRange(start, otio.opentime.RationalTime(length, rate))
        media = otio.opentime.TimeRange(zero, frames(shot.trim_in + shot.seconds))
        name = shot.id if shot.take == 1 else f"{shot.id}#{shot.take}"
        url = urls[(shot.id, shot.take)]
        meta = _metadata(shot)
        clip = _clip(otio, name, url, used, meta, media)
        clip.markers.append(_marker(otio, shot, name, otio.opentime.TimeRange(start, zero), meta))
        into = _transition(otio, shot, rate) if i > 0 else None
        if into is not None:
            video.append(into)
        video.append(clip)
        if shot.sound:
            if into is not None and shots[i - 1].sound:  # the sound crossfades too (acrossfade)
                sound.append(_transition(otio, shot, rate))
            sound.append(_clip(otio, name, url, used, meta, media))
        else:
            sound.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(zero, used.duration)))
    tracks = [video, sound]
    for source in audio:
        track = otio.schema.Track(name=source.name, kind=otio.schema.TrackKind.Audio)
        if source.start > 0:
            track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(zero, frames(source.start))))
        url = (audio_urls or {}).get(source.name) or source.file.resolve().as_uri()
        played = otio.opentime.TimeRange(zero, frames(source.seconds))
        meta = {"kind": source.kind, "file": source.file.name, "volume_db": source.volume_db}
        track.append(_clip(otio, source.name, url, played, meta))
        tracks.append(track)
    timeline = otio.schema.Timeline(name=title, tracks=tracks)
    timeline.global_start_time = zero
    timeline.metadata["storyboard"] = {"fps": rate}
    return timeline


def _spans(shots: Sequence[FilmShot], rate: float) -> list[tuple[int, int]]:
    """Each clip's first frame in its media and its frames on the track: a transition into a shot
    overlaps the end of the one before and its own start (ffmpeg's xfade), and OTIO draws it
    centred on the cut over the clips' handles, so each side gives up half of the overlap."""
    spans = [[round(s.trim_in * rate), round(s.seconds * rate)] for s in shots]
    for i in range(1, len(shots)):
        overlap = round(shots[i].transition_seconds * rate) if shots[i].transition else 0
        before, after = overlap // 2, overlap - overlap // 2
        spans[i - 1][1] -= before
        spans[i][0] += after
        spans[i][1] -= after
    return [(first, length) for first, length in spans]


def _transition(otio: Any, shot: FilmShot, rate: float) -> Any:
    """The OTIO transition into ``shot`` (None: a cut), its offsets the halves :func:`_spans` gave up.

    OTIO plays ``in_offset`` of the incoming clip's handle before the cut and ``out_offset`` of the
    outgoing one's after it: the incoming clip gave up ``overlap - overlap // 2`` frames at its start,
    the outgoing one ``overlap // 2`` at its end, so the transition spans the film's very frames."""
    overlap = round(shot.transition_seconds * rate) if shot.transition else 0
    if overlap <= 0:
        return None
    return otio.schema.Transition(
        name=shot.transition,
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
        in_offset=otio.opentime.RationalTime(overlap - overlap // 2, rate),
        out_offset=otio.opentime.RationalTime(overlap // 2, rate),
        metadata={"storyboard": {"type": shot.transition, "seconds": shot.transition_seconds}},
    )


def _clip(otio: Any, name: str, url: str, used: Any, meta: dict[str, Any], media: Any = None) -> Any:
    clip = otio.schema.Clip(
        name=name,
        media_reference=otio.schema.ExternalReference(target_url=url, available_range=media or used),
        source_range=used,
    )
    clip.metadata["storyboard"] = dict(meta)
    return clip


def _marker(otio: Any, shot: FilmShot, name: str, at: Any, meta: dict[str, Any]) -> Any:
    """A shot's marker (id, prompt, provider, take) or a card's (id, ``card``, its words)."""
    if shot.kind == "card":
        return otio.schema.Marker(
            name=name,
            marked_range=at,
            color=otio.schema.MarkerColor.PURPLE,
            comment=f"card: {shot.prompt}" if shot.prompt else "card",
            metadata={"storyboard": {"card": shot.id, "kind": "card", "text": shot.prompt}},
        )
    return otio.schema.Marker(
        name=name,
        marked_range=at,
        color=otio.schema.MarkerColor.GREEN,
        comment=f"{shot.prompt} ({shot.provider}, take {shot.take})",
        metadata={"storyboard": {k: meta[k] for k in ("shot", "prompt", "provider", "take")}},
    )


def _metadata(shot: FilmShot) -> dict[str, Any]:
    if shot.kind == "card":
        return {"card": shot.id, "kind": "card", "text": shot.prompt, "key": shot.key, "media_fps": float(shot.fps)}
    return {
        "shot": shot.id,
        "prompt": shot.prompt,
        "provider": shot.provider,
        "take": shot.take,
        "key": shot.key,
        "cost_usd": float(shot.cost_usd),
        "status": shot.status,
        "media_fps": float(shot.fps),
    }


def timeline_json(timeline: Any) -> str:
    """The OTIO JSON text of a timeline (what the ``.otio`` holds)."""
    import opentimelineio as otio

    text: str = otio.adapters.write_to_string(timeline, adapter_name="otio_json")
    return text


def write_text(text: str, path: Path) -> Path:
    """Write ``path`` through a file of its own, so a reader never sees half a timeline."""
    tmp = temp_beside(path)
    try:
        tmp.write_text(text, encoding="utf-8")
        replace_over(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_timeline(
    shots: list[FilmShot],
    path: Path,
    title: str,
    *,
    rate: float | None = None,
    audio: Sequence[AudioSource] = (),
    urls: Mapping[tuple[str, int], str] | None = None,
) -> Path:
    """Write ``path`` (OTIO JSON); without ``urls`` each clip is referenced where it is (an absolute URI)."""
    refs = urls if urls is not None else {(s.id, s.take): s.clip.resolve().as_uri() for s in shots}
    timeline = build_timeline(shots, title, rate=editorial_rate(rate), urls=refs, audio=audio)
    return write_text(timeline_json(timeline), path)
