"""The gc operation: remove what no storyboard in the folder references and is older than N days.

One store is shared by every storyboard beside it, so gc compiles every storyboard of the folder
(``*.yaml`` / ``*.yml`` whose top level is a mapping with ``version`` and ``shots`` or ``include``; an included part has no ``version``) and keeps what any of them
references now: every take 1..takes of every shot of every deliverable (not only the picked
one: a producer may pick another), the conformed copy of each in each film's format, and the
pieces of each finished cut. A file that looks like a storyboard but does not compile, or a
YAML file that cannot be read at all, makes gc refuse and remove nothing: what it references
cannot be known. Last built but no longer referenced keys are *not* kept: pruning old edits is
the point (the build records themselves stay: ``cost`` reads them).

Garbage is then what is unreferenced *and* older than ``keep_days`` (a clip's file time; a
replaced version's, when it was superseded; a quarantined clip's, when it was moved aside),
and never what a source says is busy: a clip with an unfinished journalled job, or one whose
claim a build holds. gc does not wait for running builds: a clip a build makes now is young,
so the age rule keeps it. A clip removed takes its conformed copies with it, whatever their age.
Other stores (a remote team store) plug in as more :class:`~storyboard.store.garbage.GarbageSource`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GcRefused

if TYPE_CHECKING:
    from ..compile import Compiled
    from ..plan import Plan
    from ..store import Store
    from ..store.garbage import GarbageSource, Item

DAY = 86400.0


@dataclass(frozen=True)
class References:
    """What the folder's storyboards use now."""

    takes: set[tuple[str, int]] = field(default_factory=set)  # (key, take)
    conformed: set[tuple[str, int, str]] = field(default_factory=set)  # (key, take, film format)
    segments: set[str] | None = field(default_factory=set)  # file names in segments/; None: not known, keep all


@dataclass(frozen=True)
class GcResult:
    """What gc removed (or, ``dry_run``, would remove), and what it kept although old because it is in use."""

    storyboards: list[str]
    keep_days: float
    dry_run: bool
    removed: list[Item]
    in_use: list[tuple[Item, str]]
    notes: list[str] = field(default_factory=list)

    @property
    def freed(self) -> int:
        """Bytes removed (or that would be)."""
        return sum(i.size for i in self.removed)

    def to_json(self) -> dict[str, Any]:
        return {
            "storyboards": self.storyboards,
            "keep_days": self.keep_days,
            "dry_run": self.dry_run,
            "removed": [i.to_json() for i in self.removed],
            "freed_bytes": self.freed,
            "in_use": [{**i.to_json(), "why": why} for i, why in self.in_use],
            "notes": self.notes,
        }


def gc(
    target: str | os.PathLike[str] = ".",
    *,
    keep_days: float,
    dry_run: bool = False,
    sources: Sequence[GarbageSource] = (),
    now: float | None = None,
    remote: bool = False,
    environ: Mapping[str, str] | None = None,
) -> GcResult:
    """Prune the store of ``target`` (a folder, or a storyboard file: its folder) and any extra ``sources``.

    ``GcRefused`` (nothing removed) when a storyboard of the folder does not compile; ``ValueError``
    for a negative ``keep_days``. ``now``: the clock the ages are measured from (a test's). ``remote``: the
    team store's clips too (``STORYBOARD_STORE``, else a storyboard's ``settings.store``), judged by this
    folder's storyboards alone."""
    from ..store import Store
    from ..store.garbage import LocalGarbage

    if keep_days < 0:
        raise ValueError(f"--keep-days must be 0 or more, not {keep_days}")
    folder = Path(target)
    folder = folder.parent if folder.is_file() else folder
    boards = storyboards(folder)
    clock = time.time() if now is None else now
    sources = [*sources, *_team(boards, environ)] if remote else list(sources)
    with Store(folder) as store:
        refs = references(boards, store)
        notes = [] if refs.segments is not None else ["segments/ kept whole: a film's clips are not all built yet"]
        if remote:
            notes.append(
                "the team store was judged by this folder's storyboards only: run `gc --remote` where every "
                "storyboard the team builds is"
            )
        removed: list[Item] = []
        in_use: list[tuple[Item, str]] = []
        for source in [LocalGarbage(store), *sources]:
            chosen, busy = garbage(source, refs, clock - keep_days * DAY)
            in_use += busy
            removed += chosen if dry_run else source.remove(chosen)
    names = [str(b.relative_to(folder)) if b.is_relative_to(folder) else str(b) for b in boards]
    return GcResult(names, keep_days, dry_run, removed, in_use, notes)


def _team(boards: Sequence[Path], environ: Mapping[str, str] | None) -> list[GarbageSource]:
    """The team store a ``--remote`` gc prunes: the variable's, else the first storyboard's that names one."""
    from ..load import load
    from ..store.team import team_store
    from ..store.teamgarbage import TeamGarbage

    setting = None
    for path in boards:
        board = load(path).storyboard
        if board is not None and board.settings.store:
            setting = board.settings.store
            break
    team = team_store(setting, environ)
    if team is None:
        raise GcRefused("--remote needs a team store: set STORYBOARD_STORE or `settings.store`; removed nothing")
    return [TeamGarbage(team)]


def garbage(source: GarbageSource, refs: References, before: float) -> tuple[list[Item], list[tuple[Item, str]]]:
    """What of ``source`` is garbage (unreferenced, made before ``before``, not busy), and what is kept only
    because it is busy."""
    from ..store.garbage import CLIP, CONFORMED, SEGMENT

    items = list(source.list())
    clips = {(i.key, i.take) for i in items if i.kind == CLIP}
    chosen: list[Item] = []
    busy: list[tuple[Item, str]] = []
    gone: set[tuple[str | None, int | None]] = set()
    for item in items:
        if item.kind == CLIP:
            if (item.key, item.take) in refs.takes or item.modified >= before:
                continue
            why = source.busy(item)
            if why is not None:
                busy.append((item, why))
                continue
            chosen.append(item)
            gone.add((item.key, item.take))
    for item in items:
        if item.kind == CLIP:
            continue
        if item.kind == CONFORMED:
            if (item.key, item.take) in gone:  # its clip goes now: the copy is of nothing
                chosen.append(item)
                continue
            used = (item.key, item.take, item.format) in refs.conformed and (item.key, item.take) in clips
            if used or item.modified >= before:
                continue
        elif item.kind == SEGMENT and (refs.segments is None or os.path.basename(item.name) in refs.segments):
            continue
        elif item.modified >= before:
            continue
        why = source.busy(item)
        if why is not None:
            busy.append((item, why))
        else:
            chosen.append(item)
    return chosen, busy


def storyboards(folder: Path) -> list[Path]:
    """The storyboard files of ``folder`` (its own ``*.yaml`` / ``*.yml``, not its subfolders'), in name order.

    One that cannot be read as YAML at all is one too: gc cannot tell it is not a storyboard, so
    compiling it (:func:`references`) refuses, with the loader's located error."""
    import yaml

    if not folder.is_dir():
        raise GcRefused(f"{folder} is not a folder (gc prunes the store of a folder of storyboards)")
    found = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            data = {"version": None, "shots": None}  # unreadable: the loader says why
        # a storyboard has a `version` (an included part has none: its shots are its includer's)
        if isinstance(data, dict) and "version" in data and ("shots" in data or "include" in data):
            found.append(path)
    return found


def references(boards: Iterable[Path], store: Store) -> References:
    """Every (key, take) each storyboard's films use, their conformed copies and cut pieces.

    ``GcRefused`` naming the first storyboard that does not compile, and its first error."""
    from ..cut import FPS
    from ..cut.conform import FilmFormat
    from ..plan import make_plans
    from .checking import check
    from .film import film_size

    refs = References()
    segments: set[str] | None = set()
    for path in boards:
        checked = check(path, display=path.name)
        if checked.project is None or not checked.valid:
            first = next(iter(checked.diagnostics.errors), None)
            where = f"{first.location.file}:{first.location.line}: " if first is not None else ""
            said = f" ({where}{first.message})" if first is not None else ""
            raise GcRefused(f"{path.name} does not compile{said}: gc cannot know what it references; removed nothing")
        for plan in make_plans(checked.project, store).films:
            compiled = plan.compiled
            fmt = FilmFormat.of(film_size(compiled), getattr(compiled.effective.settings, "fps", None) or FPS).digest
            for row in plan.shots:
                refs.takes.add((row.key, row.take))
                refs.conformed.add((row.key, row.take, fmt))
            pieces = film_pieces(compiled, plan, store) if segments is not None else None
            segments = segments | pieces if segments is not None and pieces is not None else None
    return References(refs.takes, refs.conformed, segments)


def film_pieces(compiled: Compiled, plan: Plan, store: Store) -> set[str] | None:
    """The names in ``segments/`` the film's cut is made of now (as ``ops/film.py`` lays it out); None when
    a clip of its cut is not built (or never probed): its layout, so its pieces, cannot be known."""
    from ..cut import FPS, film_sequence
    from ..cut.conform import FilmFormat
    from ..cut.finish import film_entries
    from ..cut.incremental import StoredClip
    from ..cut.placed import Laid, card_files
    from ..cut.render import Piece, card_source, clip_source, layout, pieces
    from ..media.probe import ClipInfo
    from .film import film_size

    infos: dict[str, ClipInfo] = {}
    for sid in compiled.cut:
        row = plan.shot(sid)
        known = store.clip_info(row.key, take=row.take)
        if known is None:
            return None
        infos[sid] = ClipInfo.from_json(known)
    extends = {sid: e.parent for sid, shot in compiled.shots.items() for e in shot.edges if e.kind == "extends"}
    sequence = film_sequence(compiled.cut, extends, infos, {sid: compiled.shots[sid].seconds for sid in extends})
    entries = film_entries(compiled, sequence)
    if all(e.kind == "shot" and e.transition is None and e.trim is None for e in entries):
        return set()  # a plain cut joins whole clips: no pieces
    fmt = FilmFormat.of(film_size(compiled), getattr(compiled.effective.settings, "fps", None) or FPS)
    sources = {}
    for sid in sequence:
        row = plan.shot(sid)
        record = store.records.get(row.key, take=row.take)
        clip = StoredClip(store.clip_path(row.key, take=row.take), infos[sid], row.key, row.take)
        sources[sid] = clip_source(clip, record.sha256 if record is not None else None, fmt)
    for e in entries:
        if e.card is not None:
            try:
                sources[e.id] = card_source(e.card, fmt)
            except OSError:
                return None  # its image is unreadable: the build would fail there, gc keeps every piece
    laid = layout(entries, sources, fmt)
    names = {f"{p.digest(fmt)}.mp4" for p in pieces(laid) if isinstance(p, Piece)}
    # and each card rendered whole, the timeline's media for it (cut/placed.py)
    return names | {path.name for path in card_files(store, Laid(laid, sources, fmt)).values()}
