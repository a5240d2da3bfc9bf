"""The last steps of a build: the clips of the cut become the film, and its sidecars.

The film is cut again only when its clips or its size changed or the file was touched
since (a record in the store says what was cut last); the timeline (.otio, with its media and
the editors' formats) and the review page (.html) are written beside it whenever it is cut,
whenever one of them is missing, and whenever what they show changed (a shot renamed, a take
picked, a prompt edited, the project moved).
The ffmpeg work runs in a thread, so a caller's event loop keeps turning while a film is cut;
the store is read and written on the loop's own thread (its SQLite connection lives there).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..compile import Compiled
    from ..cut.handoff import Handoff
    from ..cut.placed import Laid
    from ..cut.timeline import AudioSource, FilmShot
    from ..media.probe import ClipInfo
    from ..plan import Plan, PlannedShot
    from ..run import Report, RunResult
    from ..store import ClipRecord, Store
    from .ahead import AheadOfCut


@dataclass(frozen=True)
class Film:
    """What the cut step made: the film (None when a clip of the cut is missing) and its sidecars."""

    path: Path | None
    method: str | None  # copy | normalise | up to date
    missing: list[str] = field(default_factory=list)  # shots of the cut that have no clip
    timeline: Path | None = None
    review: Path | None = None
    warnings: list[str] = field(default_factory=list)  # why a requested editor's timeline was not written, why
    # the loudness was not set (a silent film): said on every build, the film's cut or up to date


def film_path(compiled: Compiled) -> Path:
    """Where the film goes: ``settings.output``, else ``out/<file stem>.mp4``, beside the storyboard
    (a deliverable's: its own ``output``, else the file's with ``-<name>`` before the suffix)."""
    from ..compile.output import film_output

    if compiled.output is not None:
        return compiled.output
    return film_output(compiled.root, compiled.loaded.source.path.stem, compiled.effective.settings.output)


async def cut(
    compiled: Compiled,
    plan: Plan,
    store: Store,
    result: RunResult,
    films: Sequence[tuple[str, Path]] = (),
    timelines: Sequence[str] = (),
    *,
    report: Report | None = None,
    ahead: AheadOfCut | None = None,
) -> Film:
    """Cut the film of a finished run (unless it is up to date) and write its sidecars.

    ``films``: every deliverable's (name, film) when the file has several, for the review page;
    ``timelines``: editors' formats beside ``settings.timeline`` (``--timeline``); ``report``: the
    build's progress, which gets a row for the cut (``(cut)``: conforming k/n, joining, done); ``ahead``:
    the conforms and the page's frames done while the run went on (ops/ahead.py), awaited before the
    cut and before the page."""
    from ..compile.output import REVIEW, TIMELINE
    from ..cut import film_sequence
    from ..cut.conform import FilmFormat
    from ..cut.finish import cut_finished, finish_digest, keep_sidecar
    from ..cut.handoff import complete as handoff_complete
    from ..cut.handoff import digest as handoff_digest
    from ..cut.handoff import rerecord
    from ..cut.handoff import warnings as handoff_warnings
    from ..cut.incremental import ROW, StoredClip
    from ..cut.placed import card_files, ensure_cards, lay_out
    from ..cut.render import film_frames
    from ..plan.keys import take_identity
    from ..store import FileHasher

    clips = {sid: clip for sid in compiled.shots if (clip := result.clip(sid)) is not None}  # the picked takes
    missing = [sid for sid in compiled.cut if sid not in clips]
    tell = (lambda state, detail: report(ROW, state, detail)) if report is not None else None
    if missing or not compiled.cut:
        if tell is not None and missing:
            tell("skipped", f"no clip for {', '.join(missing)}")
        return Film(None, None, missing)
    extends = {
        sid: edge.parent for sid, shot in compiled.shots.items() for edge in shot.edges if edge.kind == "extends"
    }
    infos = {sid: await clip_info(store, plan.shot(sid), path) for sid, path in clips.items() if sid in compiled.cut}
    sequence = film_sequence(compiled.cut, extends, infos, {sid: compiled.shots[sid].seconds for sid in extends})
    size = film_size(compiled)
    fps = film_fps(compiled)
    output = film_path(compiled)
    picked = [plan.shot(sid) for sid in sequence]
    keys = [take_identity(p.key, p.take) for p in picked]  # take 1: the key alone, as before takes
    # the clips' digests too: a clip made again under its key (a --resubmit) may differ, and the film must follow
    records = {take: store.all_clip_records(take=take) for take in {p.take for p in picked}}
    digests = [r.sha256 if (r := records[p.take].get(p.key)) is not None else None for p in picked]
    # and everything else that decides it: entries, soundtrack, captions, loudness, rate (cut/finish.py)
    hasher = FileHasher(store).sha256  # by stat: a no-op build reads none of those files
    film_key = hashlib.sha256(
        repr((keys, digests, size, str(fps), finish_digest(compiled, hasher))).encode()
    ).hexdigest()
    record = f"film:{plan.storyboard}"
    row = store.db.execute("SELECT value FROM meta WHERE name = ?", (record,)).fetchone()
    timeline, review = output.with_suffix(TIMELINE), output.with_suffix(REVIEW)
    stored = [StoredClip(clips[sid], infos[sid], p.key, p.take) for sid, p in zip(sequence, picked, strict=True)]
    # the entries laid out in frames as the cut renders them: the timeline places each where the film shows it
    fmt = FilmFormat.of(size, fps)
    laid = lay_out(compiled, sequence, dict(zip(sequence, stored, strict=True)),
                   dict(zip(sequence, digests, strict=True)), fmt, hasher)  # fmt: skip
    shots, title = _film_shots(compiled, plan, result, laid, clips, infos, card_files(store, laid)), _title(compiled)
    handoff = _handoff_of(compiled, shots, timelines, fmt.seconds(film_frames(laid.placed)))
    notes_record = f"film-notes:{plan.storyboard}"
    said = handoff_warnings(handoff.formats, handoff.rate)
    # the page shows every take of a shot that has several: one built since (say --only pour#3) rewrites it;
    # the timeline shows shot names, takes, prompts and where the media are: any change of those rewrites both
    shown = handoff_digest(shots, output, title, handoff.rate, handoff.audio, handoff.formats)
    takes_record = f"review:{plan.storyboard}"
    takes_state = _takes_state(plan, result, sequence, films, compiled, shown)
    seen = store.db.execute("SELECT value FROM meta WHERE name = ?", (takes_record,)).fetchone()
    if output.is_file() and row is not None and row[0] == f"{film_key}:{_stamp(output)}":
        whole = review.is_file() and handoff_complete(output, shots, handoff.formats, handoff.rate)
        if not whole or (seen is not None and seen[0]) != takes_state:
            await ensure_cards(store, laid, tell or _quiet)  # a card's file removed from the store: rendered again
            if ahead is not None:
                await ahead.framed()
            made_handoff = await asyncio.to_thread(_sidecars, compiled, shots, title, output, films, handoff)
            rerecord(store, shots, made_handoff.touched)
            store.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (takes_record, takes_state))
        await asyncio.to_thread(keep_sidecar, compiled, output)  # the captions' .srt (cut/finish.py)
        if tell is not None:
            tell("up to date", "")
        noted = store.db.execute("SELECT value FROM meta WHERE name = ?", (notes_record,)).fetchone()
        return Film(output, "up to date", [], timeline, review, said + (json.loads(noted[0]) if noted else []))
    await _verify(store, plan, sequence, clips, records)
    if ahead is not None:
        await ahead.conformed()  # the clips conformed as they were stored: the cut keeps them
    finished = await cut_finished(store, compiled, stored, sequence, output, size, fps, tell, laid=laid)
    made = finished.result
    store.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (record, f"{film_key}:{_stamp(output)}"))
    store.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (notes_record, json.dumps(finished.notes)))
    await ensure_cards(store, laid, tell or _quiet)  # a card under a transition: rendered whole for the editor
    if ahead is not None:
        await ahead.framed()  # the last clips' frames were taken beside the join
    made_handoff = await asyncio.to_thread(_sidecars, compiled, shots, title, output, films, handoff)
    rerecord(store, shots, made_handoff.touched)
    store.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (takes_record, takes_state))
    return Film(made.film, made.method, [], timeline, review, said + finished.notes)


@dataclass(frozen=True)
class _HandoffSpec:
    """What the editor's handoff of a film is made with: its rate, soundtrack sources and formats."""

    rate: float
    audio: list[AudioSource]
    formats: list[str]


def _handoff_of(compiled: Compiled, shots: list[FilmShot], timelines: Sequence[str], seconds: float) -> _HandoffSpec:
    """``seconds``: the film's length (its entries less the overlaps), where the soundtrack ends."""
    from ..cut.editors import requested
    from ..cut.handoff import audio_sources

    settings = compiled.effective.settings
    rate = float(film_fps(compiled))
    audio = audio_sources(compiled, seconds)
    return _HandoffSpec(rate, audio, requested(settings, list(timelines)))


def _film_shots(
    compiled: Compiled,
    plan: Plan,
    result: RunResult,
    laid: Laid,
    clips: dict[str, Path],
    infos: dict[str, ClipInfo],
    cards: dict[str, Path],
) -> list[FilmShot]:
    """The cut's entries as the timeline shows them, each at the frames the film shows it (``laid``): a shot
    with its clip, its in point and the transition into it; a card with its file rendered whole (``cards``)."""
    from decimal import Decimal

    from ..cut.timeline import FilmShot, TakeClip

    fmt = laid.fmt
    shots: list[FilmShot] = []
    for p in laid.placed:
        e = p.entry
        into = e.transition.type if e.transition is not None and p.head > 0 else None
        start, seconds, overlap = fmt.seconds(p.at), fmt.seconds(p.end - p.start), fmt.seconds(p.head)
        if e.card is not None:
            shots.append(
                FilmShot(e.id, cards[e.id], start, seconds, fmt.fps, e.card.text or "", "card", cards[e.id].stem,
                         Decimal(0), "rendered", sound=False, transition=into, transition_seconds=overlap,
                         kind="card")
            )  # fmt: skip
            continue
        sid = e.id
        request = compiled.shots[sid].request
        assert request is not None
        planned = plan.shot(sid)
        shots.append(
            FilmShot(sid, clips[sid], start, seconds, infos[sid].fps, request.prompt, planned.provider,
                     planned.key, planned.list_price, result.shots[planned.label].status, planned.take,
                     tuple(TakeClip(t.take, _take_clip(result, t.label)) for t in _takes(plan, sid)),
                     sound=infos[sid].audio_codec is not None, trim_in=fmt.seconds(p.start), transition=into,
                     transition_seconds=overlap)
        )  # fmt: skip
    return shots


def _title(compiled: Compiled) -> str:
    board = compiled.loaded.storyboard
    title = (board.title if board is not None else None) or compiled.loaded.source.path.stem
    if compiled.deliverable is not None:
        title = f"{title} ({compiled.deliverable})"
    return title


def _sidecars(
    compiled: Compiled,
    shots: list[FilmShot],
    title: str,
    film: Path,
    films: Sequence[tuple[str, Path]],
    spec: _HandoffSpec,
) -> Handoff:
    """The timeline with its media and editors' formats, and the review page, written beside the film."""
    from ..compile.output import REVIEW
    from ..cut.handoff import write_handoff
    from ..cut.review import write_review

    made = write_handoff(shots, film, title, rate=spec.rate, audio=spec.audio, formats=spec.formats)
    from ..cut.review_dag import Dag

    # the page also draws the DAG, and shows the cut's cards, transitions, soundtrack and captions when it has them
    # (its cards from the entries: the shots alone are its rows of clips)
    write_review([s for s in shots if s.kind == "shot"], film, film.with_suffix(REVIEW), title, compiled.loaded.source.path.name, films,
                 size=film_size(compiled), dag=Dag.of(compiled.graph), entries=getattr(compiled, "entries", None),
                 soundtrack=getattr(compiled, "soundtrack", None), captions=getattr(compiled, "captions", None))  # fmt: skip
    return made


def film_fps(compiled: Compiled) -> float | Fraction:
    """The film's editorial rate: ``settings.fps`` (a deliverable's own), else SkyReels V4's 32."""
    from ..cut import FPS

    return getattr(compiled.effective.settings, "fps", None) or FPS


def film_size(compiled: Compiled) -> tuple[int, int]:
    """The film's frame size (a deliverable's: its own resolution and aspect ratio); the page's player keeps
    that shape before the video loads."""
    from ..compile.request import frame_size
    from ..load.model import DEFAULTS

    settings = compiled.effective.settings
    return frame_size(settings.resolution or DEFAULTS["resolution"], settings.aspect_ratio or DEFAULTS["aspect_ratio"])


def _takes(plan: Plan, shot_id: str) -> list[PlannedShot]:
    """A shot's rows when it has several takes (the page shows them), else none."""
    rows = [p for p in plan.shots if p.id == shot_id]
    return rows if len(rows) > 1 else []


def _take_clip(result: RunResult, label: str) -> Path | None:
    shot = result.shots.get(label)
    return shot.clip if shot is not None else None


def _takes_state(
    plan: Plan,
    result: RunResult,
    sequence: list[str],
    films: Sequence[tuple[str, Path]],
    compiled: Compiled,
    shown: str = "",
) -> str:
    """Which takes of the cut's shots have a clip, and where, the films beside this one, the shots' names
    and the DAG, and (``shown``) the timeline's digest: what the page and the timeline show besides the film."""
    rows = [(p.label, str(_take_clip(result, p.label))) for sid in dict.fromkeys(sequence) for p in _takes(plan, sid)]
    dag = [(sid, [(e.parent, e.kind) for e in shot.edges]) for sid, shot in compiled.shots.items()]
    return hashlib.sha256(repr((rows, [(n, str(f)) for n, f in films], sequence, dag, shown)).encode()).hexdigest()


async def _verify(
    store: Store, plan: Plan, sequence: list[str], clips: dict[str, Path], records: dict[int, dict[str, ClipRecord]]
) -> None:
    """Every clip about to be cut is the one stored: its size and sha256 against the record.

    A full read, not the stat fast path plan uses: ffmpeg is about to read every byte anyway,
    so hashing first costs a fraction of the cut (measured: 56 ms of sha256 for 68 MB of
    1080p clips, whose stream-copy cut took 682 ms) and catches what a stat cannot (a clip
    rewritten in place on a filesystem that keeps no honest ctime). A film that is up to
    date reads nothing. A damaged clip is moved to
    quarantine/ and the cut stops naming the shot and the clip, so the next build makes it
    again; nothing damaged is ever cut into the film.
    """
    from ..errors import StoreError

    picked = {sid: plan.shot(sid) for sid in sequence}
    checks = await asyncio.gather(
        *(
            asyncio.to_thread(_check, store, p.key, p.take, records[p.take].get(p.key))
            for p in (picked[sid] for sid in sequence)
        )
    )
    bad: list[str] = []
    for sid, (why, refreshed) in zip(sequence, checks, strict=True):
        p = picked[sid]
        if refreshed is not None:
            store.record_clip(p.key, refreshed, take=p.take)
        if why is not None:
            moved = store.quarantine_clip(p.key, take=p.take)
            aside = f" (moved to {moved})" if moved is not None else ""
            bad.append(f"shot `{sid}`: {why}: {clips[sid]}{aside}")
    if bad:
        raise StoreError(
            "the film was not cut: "
            + "; ".join(bad)
            + ". Build again: it makes "
            + ("that clip" if len(bad) == 1 else "those clips")
            + " again (a hosted one is fetched from its job)"
        )


def _check(store: Store, key: str, take: int, record: ClipRecord | None) -> tuple[str | None, ClipRecord | None]:
    try:
        return store.check_clip_file(key, record, take=take, full=True)
    except (FileNotFoundError, NotADirectoryError):
        return "its stored clip is missing", None


def _quiet(state: str, detail: str) -> None:
    return None


def _stamp(path: Path) -> str:
    """The film file as last written by us: a changed or replaced file is cut again."""
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


async def clip_info(store: Store, shot: PlannedShot, clip: Path) -> ClipInfo:
    """A clip's probe, from the store when it was probed before (a no-op build probes nothing)."""
    from ..media import probe

    known = store.clip_info(shot.key, take=shot.take)
    if known is not None:
        return probe.ClipInfo.from_json(known)
    info = await asyncio.to_thread(probe.probe_clip, clip)
    store.remember_clip_info(shot.key, info.to_json(), take=shot.take)
    return info
