"""The build's film from its compiled cut: the entries rendered (:mod:`.render`), the soundtrack mixed
under it, its loudness set (:mod:`.sound`) and its captions attached (:mod:`.captions`).

A cut of whole shots with hard cuts is the incremental join of :mod:`.incremental`, as before;
any trim, transition or card goes through :mod:`.render`, whose pieces are kept in the store.
The sound steps copy the picture: after the join, only the sound is encoded again.
:func:`finish_digest` is everything here that decides the film beyond its clips, for the
film's "up to date" record.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from . import CutResult, write_film
from .conform import FilmFormat

if TYPE_CHECKING:
    from ..compile import Compiled
    from ..compile.result import Entry
    from ..store import Store
    from .incremental import CutReport, StoredClip
    from .placed import Laid

FINISH_RECIPE = 1  # bump when the mix, the loudness pass or the captions change how they write the film


def finish_digest(compiled: Compiled, sha256: Callable[[Path], str]) -> str:
    """What decides the film besides its clips: the entries (trims, transitions, cards and their images),
    the soundtrack (files' bytes, levels, places), the captions (bytes, burn), the loudness, the rate.

    ``sha256`` is the store's file hasher, so a no-op build stats those files instead of reading them."""

    def digest(path: Path | None) -> str | None:
        try:
            return sha256(path) if path is not None else None
        except OSError:
            return None

    entries = [  # not the ids: a renamed shot or card is the same film (its clip's key is in the film's key)
        (e.kind, e.seconds, e.transition, e.trim,
         (e.card.text, digest(e.card.image), e.card.background, e.card.seconds) if e.card is not None else None)
        for e in getattr(compiled, "entries", ())
    ]  # fmt: skip
    sounds = [(digest(s.file), s.volume, s.duck, s.at) for s in getattr(compiled, "soundtrack", ())]
    captions = getattr(compiled, "captions", None)
    cap = (digest(captions.file), captions.burn) if captions is not None else None
    spec = (FINISH_RECIPE, entries, sounds, cap, getattr(compiled, "loudness", None), getattr(compiled, "fps", None))
    return hashlib.sha256(repr(spec).encode()).hexdigest()


def film_entries(compiled: Compiled, sequence: Sequence[str]) -> list[Entry]:
    """The entries the film shows: the compiled ones whose shot is in ``sequence`` (an extension that
    holds its parent's video drops the parent), and the cards; hard cuts of ``sequence`` without them."""
    from ..compile.result import Entry

    entries = list(getattr(compiled, "entries", ()) or ())
    if not entries:
        return [Entry("shot", sid, compiled.shots[sid].seconds, 0.0) for sid in sequence]
    shown = set(sequence)
    return [e for e in entries if e.kind == "card" or e.id in shown]


def has_own_sound(compiled: Compiled, clip: StoredClip, sid: str) -> bool:
    """The shot has sound of its own: asked for (``sound: true``) or driven by ``audio:``, and its clip has some."""
    request = compiled.shots[sid].request
    asked = request is not None and (request.sound or request.audio is not None)
    return asked and clip.info.audio_codec is not None


async def cut_finished(
    store: Store,
    compiled: Compiled,
    stored: Sequence[StoredClip],
    sequence: Sequence[str],
    output: Path,
    size: tuple[int, int],
    fps: float | Fraction,
    report: CutReport | None = None,
    *,
    laid: Laid | None = None,
) -> Finished:
    """The film of ``stored`` (the clips of ``sequence``) with its entries, sound and captions, into ``output``;
    ``laid``: its entries laid out (:func:`.placed.lay_out`, as the timeline shows them), else laid out here."""
    from ..store.cliprecords import file_sha256
    from .incremental import cut_stored
    from .placed import lay_out
    from .render import film_frames, render_entries, spans

    said = report or _silent
    finals: list[str] = []  # the join's "done", said once the sound and captions are in too

    def tell(state: str, detail: str) -> None:
        if state == "done":
            finals.append(detail)
        else:
            said(state, detail)

    fmt = FilmFormat.of(size, fps)
    clips = dict(zip(sequence, stored, strict=True))
    entries = film_entries(compiled, sequence)
    if laid is None:
        digests = {sid: (r.sha256 if (r := store.records.get(c.key, take=c.take)) is not None else None)
                   for sid, c in clips.items()}  # fmt: skip
        laid = await asyncio.to_thread(lay_out, compiled, sequence, clips, digests, fmt, file_sha256)
    sources, placed = laid.sources, laid.placed
    plain = all(e.kind == "shot" and e.transition is None and e.trim is None for e in entries)
    if plain:
        made = await cut_stored(store, stored, output, size, fps, tell)
    else:
        rendered = await render_entries(store, entries, sources, fmt, tell)
        tell("joining", f"{len(rendered.parts)} pieces")
        await asyncio.to_thread(write_film, rendered.parts, output)
        tell("done", f"{len(rendered.encoded)} encoded, {rendered.kept} kept")
        method: Literal["copy", "normalise"] = "normalise"
        made = CutResult(output, method, 0.0, len(stored), conformed=len(rendered.encoded), kept=rendered.kept)
    seconds = made.seconds if plain else fmt.seconds(film_frames(placed))
    own = {sid for sid, c in clips.items() if has_own_sound(compiled, c, sid)}
    mixed = ["sound mixed"] if compiled.soundtrack or compiled.loudness is not None else []
    mixed += ["captions added"] if compiled.captions is not None else []
    notes: list[str] = []
    if mixed:
        said("mixing", " and ".join(w.split()[0] for w in mixed))
        notes = await asyncio.to_thread(finish, compiled, output, spans(placed, fmt, own), seconds)
        if notes:
            mixed = [m for m in mixed if m != "sound mixed"]
    said("done", ", ".join([*finals[-1:], *mixed]))
    return Finished(replace(made, seconds=seconds), notes)


@dataclass(frozen=True)
class Finished:
    """The film cut, and what the user should hear about it (a loudness target with nothing to set)."""

    result: CutResult
    notes: list[str] = field(default_factory=list)


SILENT_LOUDNESS = (
    "`settings.loudness` was not applied: the film has no sound (no soundtrack, and no shot of the cut "
    "has sound of its own); add a `soundtrack`, give a shot `sound: true`, or remove `loudness`"
)


def finish(compiled: Compiled, film: Path, sound_spans: list[tuple[float, float]], seconds: float) -> list[str]:
    """The soundtrack mixed under ``film`` and its loudness set, then its captions: each rewrites it in place.
    Returns what the user should be told: a loudness target on a silent film is left unapplied, and said."""
    from ..errors import RenderError
    from .captions import attach, sidecar
    from .sound import SILENT, Track, mix

    notes: list[str] = []
    tracks = [Track(s.file, at=s.at or 0.0, volume=s.volume, duck=s.duck or 0.0) for s in compiled.soundtrack]
    if tracks or compiled.loudness is not None:
        try:
            mix(film, film, tracks, seconds=seconds, sound_spans=sound_spans, loudness=compiled.loudness)
        except RenderError as e:
            if tracks or str(e) != SILENT:  # a silent film without a soundtrack: no loudness to set
                raise
            notes.append(SILENT_LOUDNESS)
    if compiled.captions is not None:
        attach(film, film, compiled.captions.file, burn=compiled.captions.burn)
        sidecar(compiled.captions.file, film)
    return notes


def _silent(state: str, detail: str) -> None:
    return None


def keep_sidecar(compiled: Compiled, film: Path) -> None:
    """The captions' ``.srt`` beside a film that is up to date, written again if it was removed."""
    from .captions import sidecar

    captions = getattr(compiled, "captions", None)
    if captions is not None and not film.with_suffix(".srt").is_file():
        sidecar(captions.file, film)
