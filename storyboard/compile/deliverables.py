"""Deliverables: one file, several films, each the file with its own settings, vars and cut.

Each deliverable is compiled as a storyboard of its own (the file with the deliverable's
overrides applied), so every rule holds per film; a shot whose effective request is the
same in two films gets one key and is generated once (the plan shares it). Diagnostics
that every film finds are said once; one that only some films find names them, so a
`4:3` override that wavespeed refuses reads "deliverable `square`: shot `pour`: ...".
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..diagnostics import Diagnostic, Diagnostics, place_of
from ..errors import SelectionError
from ..load import Loaded
from ..load.model import MAX_NAME_LENGTH, SHOT_ID_PATTERN, Deliverable, Settings, Storyboard, entry_shot
from ..load.validate import suggest
from .context import Context, Where
from .output import outputs_of
from .result import Compiled

_NAME = re.compile(SHOT_ID_PATTERN)
_LAYERED = tuple(k for k in Settings.model_fields if k != "output")  # what a deliverable overrides in `settings`


@dataclass(frozen=True, slots=True)
class Layer:
    """A deliverable as the compiler applies it: its name, its overrides, and the film's output as written."""

    name: str
    overrides: Deliverable
    output: str  # relative to the storyboard's folder

    def redirect(self, path: tuple[str | int, ...]) -> tuple[str | int, ...]:
        """Where in the file a value of the effective board was written: in the deliverable when it overrides it."""
        head = path[:1]
        if head == ("settings",) and len(path) >= 2:
            if path[1] == "output":
                return ("deliverables", self.name, *(("output",) if self.overrides.output is not None else ()))
            if getattr(self.overrides, str(path[1]), None) is not None:
                return ("deliverables", self.name, *path[1:])
        elif head == ("cut",) and self.overrides.cut is not None:
            return ("deliverables", self.name, *path)
        elif head == ("vars",) and len(path) >= 2 and path[1] in (self.overrides.vars or {}):
            return ("deliverables", self.name, *path)
        return path

    def source_of(self, name: str) -> str | None:
        """``(from deliverable `x`)`` when the deliverable sets the setting ``name``, else None."""
        return f" (from deliverable `{self.name}`)" if getattr(self.overrides, name, None) is not None else None


def layers(board: Storyboard, stem: str, only: Collection[str] | None = None) -> list[Layer]:
    """The films to compile, in file order; ``only`` (``--deliverable``) limits them.

    Empty when the file declares no deliverables (it is one film, as before). A name
    ``only`` gives that the file does not declare is a ``SelectionError`` (a usage error).
    """
    declared = board.deliverables or {}
    if only:
        if not declared:
            raise SelectionError(
                f"--deliverable {', '.join(sorted(only))}: this storyboard declares no `deliverables:`"
            )
        for name in only:
            if name not in declared:
                guess = suggest(name, declared)
                hint = (
                    f"; did you mean `{guess}`?" if guess else f"; it declares {', '.join(f'`{d}`' for d in declared)}"
                )
                raise SelectionError(f"--deliverable `{name}` is no deliverable of this storyboard{hint}")
    base = board.settings.output or f"out/{stem}.mp4"
    return [
        Layer(name, d, d.output if d.output is not None else _suffixed(base, name))
        for name, d in declared.items()
        if not only or name in only
    ]


def _suffixed(output: str, name: str) -> str:
    """``out/film.mp4`` -> ``out/film-wide.mp4``: the file's output with ``-<name>`` before its suffix."""
    path = PurePosixPath(output)
    return str(path.with_name(f"{path.stem}-{name}{path.suffix}"))


def apply(board: Storyboard, layer: Layer) -> Storyboard:
    """The file with the deliverable's settings, vars (key by key) and cut in place of its own."""
    d = layer.overrides
    changed = {k: getattr(d, k) for k in _LAYERED if getattr(d, k) is not None}
    settings = board.settings.model_copy(update={**changed, "output": layer.output})
    update: dict[str, object] = {"settings": settings, "vars": {**board.vars, **(d.vars or {})}}
    if d.cut is not None:
        update["cut"] = d.cut
    return board.model_copy(update=update)


def check_names(loaded: Loaded) -> None:
    """D001 for a deliverable name that cannot be part of a file name; D003 for ``deliverables: {}``; D004 for a
    deliverable's own ``store`` (one store holds every film's clips)."""
    board = loaded.storyboard
    assert board is not None
    src = loaded.source
    if board.deliverables is not None and not board.deliverables:
        loaded.diagnostics.add(
            "D003",
            "`deliverables` is empty: the file would make no film",
            Where(src, ("deliverables",)),
            help='name at least one film, e.g. `wide: { aspect_ratio: "16:9" }`, or remove `deliverables:`',
        )
    for name, film in (board.deliverables or {}).items():
        if film.store is not None:
            loaded.diagnostics.add(
                "D004",
                f"deliverable `{name}` sets `store`: the team store is the file's, shared by every film",
                Where(src, ("deliverables", name, "store"), key=True),
                help="move `store:` to the file's `settings:`",
            )
        if not _NAME.match(name) or len(name) > MAX_NAME_LENGTH:
            loaded.diagnostics.add(
                "D001",
                f"deliverable name `{name}` is not [a-z0-9][a-z0-9_-]* of at most {MAX_NAME_LENGTH} characters; "
                "it becomes part of the film's file name",
                Where(src, ("deliverables", name), key=True),
                help=f"rename it, e.g. `{_fixed(name)}`",
            )


def _fixed(name: str) -> str:
    fixed = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")[:MAX_NAME_LENGTH]
    return fixed or "film"


def check_paths(loaded: Loaded, films: list[Layer]) -> None:
    """D002: two deliverables writing one film (or one's sidecar on the other's film)."""
    root = loaded.root.resolve()
    taken: dict[object, str] = {}
    for layer in films:
        mine = outputs_of((root / layer.output).resolve())
        clash = next((taken[p] for p in mine if p in taken), None)
        if clash is not None:
            where = Where(loaded.source, layer.redirect(("settings", "output")), key=layer.overrides.output is None)
            loaded.diagnostics.add(
                "D002",
                f"deliverables `{clash}` and `{layer.name}` both write `{layer.output}` (or one of its sidecars)",
                where,
                help=f"give `{layer.name}` an `output:` of its own, e.g. `out/{_fixed(layer.name)}.mp4`",
            )
            continue
        for p in mine:
            taken[p] = layer.name


def unneeded(ctx: Context, parents: dict[str, list[str]]) -> set[str]:
    """The shots a deliverable's film neither shows nor builds on (its cut and their ancestors): they are
    not compiled for it, so it neither pays for them nor reports their rules at its settings."""
    if ctx.layer is None or ctx.board.cut is None:
        return set()
    wanted: set[str] = set()
    todo = [sid for e in ctx.board.cut if (sid := entry_shot(e)) is not None and sid in parents]
    while todo:
        sid = todo.pop()
        if sid not in wanted:
            wanted.add(sid)
            todo.extend(parents[sid])
    return set(parents) - wanted


def check_unbuilt(loaded: Loaded, films: list[Compiled]) -> None:
    """W002 for a shot no film builds: in no deliverable's cut, nor under a shot that is."""
    board = loaded.storyboard
    assert board is not None
    built = {sid for film in films for sid in film.shots}
    for shot in board.shots:
        if shot.id not in built and shot.id not in loaded.broken_names:
            loaded.diagnostics.add(
                "W002",
                f"shot `{shot.id}` is in no deliverable's cut and no shot in one builds on it: no film generates it",
                Where(loaded.source, ("shots", shot.index, "id")),
                shot=shot.id,
                help=f"add `{shot.id}` to a deliverable's `cut:` or remove the shot",
            )


_FILE_WIDE = {"W001", "W002"}  # about the file, not a film: said only when every film finds them


def merge(into: Diagnostics, per_film: list[tuple[str, Diagnostics]]) -> None:
    """Each film's findings into the file's: once when every film found it, else (or when it points into a
    deliverable) naming the films that did."""
    found: dict[tuple[str, str, object], tuple[Diagnostic, list[str]]] = {}
    for name, diagnostics in per_film:
        for d in diagnostics.added():
            entry = found.setdefault((d.code, d.message, place_of(d.place)), (d, []))
            entry[1].append(name)
    everyone = len(per_film)
    for d, names in found.values():
        message = d.message
        inside = getattr(d.place, "path", ())[:1] == ("deliverables",)  # written in a deliverable: say which
        if d.code in _FILE_WIDE and len(names) < everyone:
            continue  # another film uses that character, or shows that shot
        if len(names) < everyone or inside:
            label = "deliverable" if len(names) == 1 else "deliverables"
            message = f"{label} {', '.join(f'`{n}`' for n in names)}: {message}"
        into.add(d.code, message, d.place, shot=d.shot, help=d.help)
