"""The editor's handoff: the timeline, its media as readable files, and the editors' formats.

The store names clips by hash in a hidden folder; an editor needs ``pour.mp4``. Each clip
of the cut is therefore placed at ``out/<film stem>/media/<shot>.mp4`` (a non-first take:
``<shot>.take<k>.mp4``; a card, rendered: ``<card id>.mp4``, cards and shots share one namespace) as a hard link to the stored clip where the file system allows (no
copy of the bytes), else a copy, and the ``.otio`` references it relative to itself: a
project copied or moved elsewhere (``cp -a`` keeps the links) still resolves.

Not ``<shot>#<k>.mp4``: in a URL ``#`` starts the fragment, so an unescaped one cuts the
name short (``pour#2.mp4`` reads as ``pour``) and an escaped one (``pour%232.mp4``) is a
wrong name for every reader that takes ``target_url`` as a path, as some do. Shot ids never
hold a ``.``, so ``<shot>.take<k>`` can be no other shot's name, and needs no escaping.

What this module places there is listed in a manifest (``.storyboard-media.json``) beside
it; a later build removes only files it lists and that are still as it left them (a renamed
shot's old file), nothing else in that folder. A link moves its source's ctime, which the
store's stat check reads: the caller re-records the clips :func:`write_handoff` says it
touched (see :func:`rerecord`), so the next plan does not read them again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import RenderError
from . import editors
from .files import temp_beside
from .timeline import AudioSource, FilmShot, build_timeline, editorial_rate, timeline_json, write_text

if TYPE_CHECKING:
    from ..store import Store

MANIFEST = ".storyboard-media.json"
TIMELINE = ".otio"


@dataclass(frozen=True)
class Handoff:
    """What was written: the timeline, each editor's file, why a requested format was not, and the
    stored clips whose stat the links moved (before and after)."""

    timeline: Path
    editors: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    touched: list[tuple[Path, os.stat_result, os.stat_result]] = field(default_factory=list)


def media_folder(film: Path) -> Path:
    """``out/<stem>/media`` for ``out/<stem>.mp4``."""
    return film.parent / film.stem / "media"


def media_name(shot: str, take: int) -> str:
    """A shot's media file: ``<shot>.mp4``, ``<shot>.take<k>.mp4`` for a later take."""
    return f"{shot}.mp4" if take == 1 else f"{shot}.take{take}.mp4"


def audio_name(number: int, source: AudioSource) -> str:
    """A soundtrack source's media file: ``soundtrack.<n>.<its name>`` (no shot's name has two dots)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", source.file.name)
    kind = re.sub(r"[^a-z-]", "", source.kind) or "sound"
    return f"{kind}.{number}.{safe}"


def warnings(formats: Sequence[str], rate: float) -> list[str]:
    """Why each requested editor's format cannot be written (cheap: every build says it)."""
    return [why for fmt in formats if (why := editors.problem(fmt, editorial_rate(rate))) is not None]


def digest(
    shots: Sequence[FilmShot], film: Path, title: str, rate: float, audio: Sequence[AudioSource], formats: Sequence[str]
) -> str:
    """Everything the timeline and the editors' files show, and where: a change of any rewrites them.

    The film's absolute path is in it (the editors' files hold absolute URLs: a moved project
    rewrites them), each format's writability too (an adapter installed since is used), the
    build's status of each shot is not (a cached rebuild shows the same timeline)."""
    rows = [
        (s.id, s.take, s.key, str(s.clip), s.seconds, str(s.fps), s.prompt, s.provider, s.sound, s.trim_in)
        + (s.transition, s.transition_seconds, s.kind)
        for s in shots
    ]
    sounds = [(a.name, str(a.file), a.start, a.seconds, a.kind, a.volume_db) for a in audio]
    able = [(f, editors.problem(f, editorial_rate(rate)) is None) for f in formats]
    return hashlib.sha256(repr((rows, sounds, str(film), title, editorial_rate(rate), able)).encode()).hexdigest()


def complete(film: Path, shots: Sequence[FilmShot], formats: Sequence[str], rate: float) -> bool:
    """Every file of the handoff is there: the timeline, each media file, each writable format's file."""
    folder = media_folder(film)
    if not film.with_suffix(TIMELINE).is_file():
        return False
    if not all((folder / media_name(s.id, s.take)).is_file() for s in shots):
        return False
    writable = [f for f in formats if editors.problem(f, editorial_rate(rate)) is None]
    return all(editors.sidecar(film, f).is_file() for f in writable)


def write_handoff(
    shots: Sequence[FilmShot],
    film: Path,
    title: str,
    *,
    rate: float | None = None,
    audio: Sequence[AudioSource] = (),
    formats: Sequence[str] = (),
) -> Handoff:
    """Place the media, write ``<film>.otio`` referencing them relatively, and each editor's format."""
    fps = editorial_rate(rate)
    folder = media_folder(film)
    wanted = {media_name(s.id, s.take): s.clip for s in shots}
    sounds = {audio_name(n, a): a for n, a in enumerate(audio, 1)}
    wanted.update({name: a.file for name, a in sounds.items()})
    try:
        touched = sync_media(wanted, folder)
    except OSError as exc:  # a file where the folder goes, a full disk, a read-only out/
        raise RenderError(
            f"the timeline's media could not be placed in {folder}: {exc.strerror or exc}"
            f"{f' ({exc.filename})' if exc.filename else ''}; move what is in the way, or choose another `output`"
        ) from exc
    base = film.parent

    def relative(name: str) -> str:
        return Path(os.path.relpath(folder / name, base)).as_posix()

    def absolute(name: str) -> str:
        return (folder / name).resolve().as_uri()

    by_source = {a.name: name for name, a in sounds.items()}
    timeline = build_timeline(
        shots,
        title,
        rate=fps,
        urls={(s.id, s.take): relative(media_name(s.id, s.take)) for s in shots},
        audio=audio,
        audio_urls={n: relative(m) for n, m in by_source.items()},
    )
    path = write_text(timeline_json(timeline), film.with_suffix(TIMELINE))
    said = warnings(formats, fps)
    written: dict[str, Path] = {}
    writable = [f for f in formats if editors.problem(f, fps) is None]
    if writable:  # the editors open media by absolute URL: a copy of the timeline with them
        for_editors = build_timeline(
            shots,
            title,
            rate=fps,
            urls={(s.id, s.take): absolute(media_name(s.id, s.take)) for s in shots},
            audio=audio,
            audio_urls={n: absolute(m) for n, m in by_source.items()},
        )
        for fmt in writable:
            written[fmt] = editors.write_editor(for_editors, fmt, editors.sidecar(film, fmt))
    return Handoff(path, written, said, touched)


def sync_media(wanted: dict[str, Path], folder: Path) -> list[tuple[Path, os.stat_result, os.stat_result]]:
    """Make ``folder`` hold each wanted name as its source (a hard link, else a copy); remove what an
    earlier call placed and is no longer wanted. Returns each source whose stat a link moved."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(folder)
    before: dict[Path, os.stat_result] = {}
    placed: dict[str, dict[str, Any]] = {}
    for name, source in wanted.items():
        target = folder / name
        src = os.stat(source)
        entry = manifest.get(name)
        if _current(target, src, entry):
            placed[name] = entry if entry is not None else _entry(target, source)
            continue
        before.setdefault(source, src)
        _place(source, target)
        placed[name] = _entry(target, source)
    sources = {_identity(os.stat(path)): path for path in wanted.values()}
    for name, entry in manifest.items():
        if name in placed:
            continue
        target = folder / name
        if _as_left(target, entry):
            st = os.stat(target)
            linked = sources.get(_identity(st))  # a link to a clip still wanted under another name
            if linked is not None:
                before.setdefault(linked, st)
            target.unlink()
    _write_manifest(folder, placed)
    touched = []
    for source, st in before.items():
        try:
            touched.append((source, st, os.stat(source)))
        except FileNotFoundError:
            continue
    return touched


def _current(target: Path, src: os.stat_result, entry: dict[str, Any] | None) -> bool:
    """The file at ``target`` is the source: the same inode (a link), or the copy made of it as it is now."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return False
    if (st.st_dev, st.st_ino) == (src.st_dev, src.st_ino):
        return True
    return (
        entry is not None
        and not entry.get("link")
        and entry.get("source_stat") == [src.st_size, src.st_mtime_ns]
        and [st.st_size, st.st_mtime_ns] == entry.get("stat")
    )


def _identity(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def _place(source: Path, target: Path) -> None:
    """``target`` becomes a hard link to ``source`` (or a copy where links cannot cross), atomically."""
    tmp = temp_beside(target)  # the build's own name for it: what a killed build left is swept
    tmp.unlink()  # a link needs a name that is free; the unique one just made is
    try:
        try:
            os.link(source, tmp)
        except OSError:  # another file system, or one without links
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _entry(target: Path, source: Path) -> dict[str, Any]:
    st, src = os.stat(target), os.stat(source)
    link = (st.st_dev, st.st_ino) == (src.st_dev, src.st_ino)
    return {
        "source": str(source),
        "link": link,
        "stat": [st.st_size, st.st_mtime_ns],
        "inode": st.st_ino,
        "source_stat": [src.st_size, src.st_mtime_ns],
    }


def _as_left(target: Path, entry: dict[str, Any]) -> bool:
    """A listed file still as this module left it: a regular file, the inode it placed or (a copied
    project) the size and mtime it had."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False
    return st.st_ino == entry.get("inode") or [st.st_size, st.st_mtime_ns] == entry.get("stat")


def _read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    # only plain names: a hand-edited manifest can never point a removal outside the folder
    return {n: e for n, e in files.items() if isinstance(e, dict) and n == Path(n).name and not n.startswith(".")}


def _write_manifest(folder: Path, placed: dict[str, dict[str, Any]]) -> None:
    write_text(json.dumps({"files": placed}, indent=1, sort_keys=True) + "\n", folder / MANIFEST)


def rerecord(store: Store, shots: Sequence[FilmShot], touched: Sequence[tuple[Path, Any, Any]]) -> None:
    """Re-record the stat of each stored clip a link moved, when it was the recorded one just before:
    a link changes the ctime and nothing else, and the store's next stat check must not read it again."""
    from ..store.cliprecords import ClipRecord

    moved = {source: (old, new) for source, old, new in touched}
    for shot in shots:
        if shot.clip not in moved:
            continue
        old, new = moved[shot.clip]
        record = store.records.get(shot.key, take=shot.take)
        if (
            record is not None
            and record.same_stat(old)
            and (old.st_size, old.st_mtime_ns) == (new.st_size, new.st_mtime_ns)
        ):
            store.record_clip(shot.key, ClipRecord.stat(new, record.sha256), take=shot.take)


def audio_sources(compiled: Any, film_seconds: float) -> list[AudioSource]:
    """The soundtrack's files as timeline sources, read defensively from ``compiled.soundtrack`` (the
    language's; absent before it): each entry's ``file`` (relative to the storyboard) and ``at``."""
    from ..media.probe import probe_media

    entries = getattr(compiled, "soundtrack", None) or ()
    root = Path(getattr(compiled, "root", "."))
    sources: list[AudioSource] = []
    for entry in entries:
        file = getattr(entry, "file", None) or getattr(entry, "path", None)
        if file is None:
            continue
        path = Path(file) if Path(file).is_absolute() else root / file
        if not path.is_file():
            continue
        at = float(getattr(entry, "at", None) or 0.0)
        length = getattr(entry, "seconds", None)  # the compiler probed it: a no-op build reads no sound file
        if not length:
            info = probe_media(path)
            length = info.seconds if not isinstance(info, str) and info.seconds else film_seconds - at
        seconds = max(0.0, min(length, film_seconds - at))
        if seconds <= 0:
            continue
        kind = "voice-over" if getattr(entry, "at", None) is not None else "soundtrack"
        volume = getattr(entry, "volume", None)
        n = len(sources) + 1
        sources.append(
            AudioSource(f"{kind} {n}", path, at, seconds, kind, float(volume) if volume is not None else None)
        )
    return sources
