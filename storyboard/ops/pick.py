"""The pick operation: choose the take a shot's cut uses by writing ``take: K`` into the YAML.

The file is the user's: a located text edit changes one scalar (or adds one key) and leaves
every other byte alone (comments, quoting, layout, line endings, a BOM). A YAML dump would
lose all of that. The edit is proven before it is written (the re-read data differs only in
that shot's ``take``) and again after (else the original is put back).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PickError

if TYPE_CHECKING:
    from ..compile import Compiled
    from ..load.model import Shot
    from .checking import Checked

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class PickResult:
    """What ``pick`` did: the take now picked, the one before, and whether the file changed."""

    path: Path
    shot: str
    take: int
    previous: int
    takes: int
    changed: bool


def pick(path: str | os.PathLike[str], shot_id: str, take: int) -> PickResult:
    """Write ``take: take`` into the shot ``shot_id`` of the storyboard at ``path``.

    Refuses, the file untouched, when the file does not check, the shot does not exist,
    or ``take`` is beyond the shot's takes.
    """
    from .checking import check

    if take < 1:
        raise PickError(f"a take is a number from 1, not {take}")
    checked = check(path, display=str(path))
    board, compiled = checked.loaded.storyboard, checked.compiled
    if board is None or compiled is None or not checked.valid:
        from ..errors import InvalidStoryboard

        raise InvalidStoryboard(checked.diagnostics)
    source = checked.loaded.source
    shot, films = films_building(checked, shot_id)
    # as the compiler counts them; a deliverable may give the shot fewer takes: the pick must hold in every film
    takes, previous = min(f.shots[shot_id].takes for f in films), films[0].shots[shot_id].take
    if take > takes:
        at = source.locate(("shots", shot.index, "takes") if shot.takes else ("shots", shot.index, "id"))
        raise PickError(
            f"{at.file}:{at.line}:{at.column}: shot `{shot_id}` has {takes} take{'s' if takes != 1 else ''},"
            f" so take {take} does not exist; raise `takes:` to {take} and build first"
        )
    if previous == take:  # already the cut's take (the default 1 included): the file stays as it is
        return PickResult(source.path, shot_id, take, previous, takes, changed=False)
    main = source.path
    source, where = source.route(("shots", shot.index))  # an included shot is edited in its own file
    index = int(where[1])
    real = Path(os.path.realpath(source.path))  # a symlink stays a symlink: its target is edited
    raw = real.read_bytes()
    bom = raw.startswith(_BOM)
    text = (raw[len(_BOM) :] if bom else raw).decode("utf-8", errors="replace")
    if text != source.text:
        raise PickError(f"{source.display} changed while it was being read; run pick again")
    if not os.access(real, os.W_OK) or not real.stat().st_mode & 0o200:  # marked read-only: even root asks first
        raise PickError(f"{source.display} is read-only; make it writable to pick a take")
    from .yamledit import set_take

    edited = set_take(text, index, take)
    before = _data(text)
    _same_but_take(before, _data(edited), index, take)  # proven before anything is written
    _write(real, (_BOM if bom else b"") + edited.encode("utf-8"))
    try:
        _same_but_take(before, _data(real.read_bytes().decode("utf-8-sig")), index, take)
        if not check(main).valid:
            raise PickError(f"{source.display} with take {take} does not check; it is left as it was")
    except Exception:
        _write(real, raw)
        raise
    return PickResult(real, shot_id, take, previous, takes, changed=True)


def films_building(checked: Checked, shot_id: str) -> tuple[Shot, list[Compiled]]:
    """The shot and the films that build it, in file order; ``PickError`` for no such shot, or one no
    film builds (no deliverable's cut needs it). ``checked`` is valid."""
    board, source, project = checked.loaded.storyboard, checked.loaded.source, checked.project
    assert board is not None and project is not None
    shot = board.shot(shot_id)
    if shot is None:
        raise PickError(no_shot(source.display, source.locate(("shots",)), shot_id, [s.id for s in board.shots]))
    films = project.having(shot_id)
    if not films:
        raise PickError(f"no film of {source.display} builds shot `{shot_id}`: no deliverable's cut needs it")
    return shot, films


def no_shot(display: str, at: Any, shot_id: str, ids: list[str]) -> str:
    from ..load.validate import suggest

    close = suggest(shot_id, ids)
    hint = f"; did you mean `{close}`?" if close else ""
    shown = ", ".join(ids[:20]) + (", ..." if len(ids) > 20 else "")
    return f"{display}:{at.line}:{at.column}: no shot `{shot_id}` in `shots`{hint} (the shots: {shown})"


def _data(text: str) -> Any:
    """The plain data of ``text`` as the loader reads it (merges and aliases resolved)."""
    from ..diagnostics import Diagnostics
    from ..load.yamlsource import Source, parse_text

    diagnostics = Diagnostics()
    data = parse_text(Source(Path("."), "", text), diagnostics)
    if data is None or diagnostics.has_errors():
        raise PickError("the edited text does not read back as YAML")
    return data


def _same_but_take(before: Any, after: Any, index: int, take: int) -> None:
    """Raises unless ``after`` is ``before`` with only ``shots[index].take`` set to ``take``."""
    expected = json.loads(json.dumps(before, default=str))
    expected["shots"][index]["take"] = take
    if json.dumps(expected, sort_keys=True) != json.dumps(after, sort_keys=True, default=str):
        raise RuntimeError("pick: the edit changed more than the shot's take; the file is unchanged")


def _write(path: Path, data: bytes) -> None:
    """Atomically: a temporary file beside ``path``, its mode, then a rename over it."""
    mode = path.stat().st_mode & 0o7777
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise PickError(f"cannot write beside {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
