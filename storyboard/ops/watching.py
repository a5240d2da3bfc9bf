"""The watch operation: rebuild a storyboard's local preview whenever one of its inputs changes.

It never spends: every shot is built by the offline previewer (provider ``local``) whatever
the file or its shots say, and a plan that would cost anything all the same is refused with
nothing sent. The loop takes its change sets from an iterator (``watchfiles`` by default), so
a test, a notebook or an editor plugin can drive it in process; a listener hears each round.

An input is the storyboard, every local media file a film reads (references, soundtrack,
captions, card images) and any YAML file beside it (an included file); after an invalid edit
every change counts, so creating a missing image or file rebuilds. The build's own outputs
and the store never do.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import SelectionError, StoryboardError

if TYPE_CHECKING:
    from ..compile import Project
    from ..run import Report
    from .building import BuildResult
    from .checking import Checked
    from .preparing import Prepared

PREVIEW = "local"  # the provider every watched build uses: the offline previewer, $0
STORE = ".storyboard"
YAML = (".yaml", ".yml")


@dataclass
class Rebuild:
    """One round: what set it off, what the file checked to, the plan and the build's outcome.

    ``prepared`` and ``result`` are None when the file is invalid or the build could not start
    (``error`` says why)."""

    changed: tuple[Path, ...]  # empty for the first round
    checked: Checked | None = None
    prepared: Prepared | None = None
    result: BuildResult | None = None
    error: str | None = None
    selection: bool = False  # the error is about --only or --deliverable, not the file's content

    @property
    def valid(self) -> bool:
        """The file checked without an error."""
        return self.checked is not None and self.checked.valid


class Listener:
    """What a watcher tells as it goes; each method does nothing here (a caller overrides what it shows)."""

    def checked(self, rebuild: Rebuild) -> None:
        """The file was checked (its diagnostics are in ``rebuild.checked``); invalid: no build follows."""

    def planned(self, rebuild: Rebuild) -> None:
        """The plan is made (``rebuild.prepared``) and the build starts."""

    def building(self, rebuild: Rebuild) -> AbstractContextManager[Report]:
        """The progress receiver held around the build."""
        return nullcontext(_silent)

    def built(self, rebuild: Rebuild) -> None:
        """The round ended: ``result`` or ``error``, or the file was invalid."""


@dataclass
class Inputs:
    """What a round read, to tell which later changes concern the storyboard."""

    file: Path
    files: set[Path] = field(default_factory=set)  # resolved local inputs
    outputs: set[Path] = field(default_factory=set)  # the films and their sidecars (files and folders)
    valid: bool = False

    def concerns(self, path: Path) -> bool:
        """A change of ``path`` calls for a rebuild."""
        resolved = path.resolve()
        if STORE in resolved.parts or any(resolved == o or o in resolved.parents for o in self.outputs):
            return False
        if resolved in self.files or resolved == self.file:
            return True
        if not self.valid:  # a missing file may just have been made; an editor's temporary is gone already
            return resolved.exists()
        return resolved.suffix.lower() in YAML

    def folders(self) -> set[Path]:
        """The folders to watch: the storyboard's, and that of every input outside it (an asset root)."""
        root = self.file.parent
        outside = {f.parent for f in self.files if root not in f.parents}
        return {root, *(folder for folder in outside if folder.is_dir())}


def inputs_of(file: Path, checked: Checked | None) -> Inputs:
    """The files ``checked`` read and the outputs its build writes (none known when it did not load)."""
    from ..compile.output import outputs_of

    found = Inputs(file.resolve(), valid=checked is not None and checked.valid)
    project: Project | None = checked.project if checked is not None else None
    if project is not None:  # the files it includes and the prompt templates it reads
        found.files.update(s.path.resolve() for s in project.loaded.sources)
        found.files.update(t.resolve() for t in project.loaded.templates)
    for film in project.films if project is not None else []:
        for shot in film.shots.values():
            found.files.update(p.resolve() for p in shot.files.values())
        found.files.update(sound.file.resolve() for sound in film.soundtrack)
        if film.captions is not None:
            found.files.add(film.captions.file.resolve())
        found.files.update(e.card.image.resolve() for e in film.entries if e.card is not None and e.card.image)
        if film.output is not None:
            found.outputs.update(outputs_of(film.output))
            found.outputs.add(film.output.with_suffix(".build.json"))
    return found


def rebuild(
    file: str | os.PathLike[str],
    changed: Collection[Path] = (),
    *,
    listener: Listener | None = None,
    jobs: int | None = None,
    only: str | Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    deliverables: Collection[str] | None = None,
    display: str | None = None,
) -> Rebuild:
    """Check ``file`` with every shot on the previewer, plan, and build what changed (nothing paid)."""
    from .building import build
    from .checking import check
    from .preparing import prepare

    listener = listener or Listener()
    round_ = Rebuild(tuple(changed))
    try:
        round_.checked = check(file, provider=PREVIEW, display=display, deliverables=deliverables)
    except SelectionError as exc:  # a --deliverable the file does not (or no longer) declare
        round_.error, round_.selection = str(exc), True
        listener.built(round_)
        return round_
    except (OSError, StoryboardError) as exc:  # the file gone mid-save
        round_.error = str(exc)
        listener.built(round_)
        return round_
    listener.checked(round_)
    project = round_.checked.project
    if project is None or not round_.checked.valid:
        listener.built(round_)
        return round_
    try:
        prepared = prepare(project, only=only, exclude=exclude)
        if prepared.price > 0:  # cannot happen with every shot local; if it ever did, nothing is sent
            round_.error = f"watch builds only the free local preview; this plan costs ${prepared.price}: nothing sent"
        else:
            round_.prepared = prepared
            listener.planned(round_)
            with listener.building(round_) as report:
                round_.result = build(
                    project, jobs=jobs, selection=prepared.selection, report=report, plan=prepared.plans
                )
    except SelectionError as exc:  # --only or --exclude names no shot (any more)
        round_.error, round_.selection = str(exc), True
    except StoryboardError as exc:  # the store unwritable, ffmpeg failing
        round_.error = str(exc)
    listener.built(round_)
    return round_


def watch(
    file: str | os.PathLike[str],
    *,
    listener: Listener | None = None,
    changes: Iterable[Collection[Path]] | None = None,
    stop: threading.Event | None = None,
    jobs: int | None = None,
    only: str | Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    deliverables: Collection[str] | None = None,
    display: str | None = None,
) -> int:
    """Build once, then again after every change set that concerns the storyboard, until ``changes``
    ends or ``stop`` is set; answers the number of rounds.

    ``SelectionError`` when ``only``, ``exclude`` or ``deliverables`` name nothing at the start (a mistyped
    option, not an edit); should a later edit remove what they name, that round says so and the watch goes on.

    ``changes`` defaults to the file system's (:class:`FileChanges`, over :meth:`Inputs.folders`).
    Ctrl-C is a KeyboardInterrupt, raised as it comes (mid-build, the build cleans up first).
    """
    path = Path(file)

    def once(changed: Collection[Path]) -> Inputs:
        done = rebuild(
            path,
            changed,
            listener=listener,
            jobs=jobs,
            only=only,
            exclude=exclude,
            deliverables=deliverables,
            display=display,
        )
        found = inputs_of(path, done.checked)
        if not found.outputs and current:  # invalid now: the last build's outputs are still not inputs
            found.outputs = current[0].outputs
        return found

    current = [Inputs(path.resolve())]
    # watching starts before the first build: a save while it runs is seen once it is done
    own = FileChanges(lambda: current[0].folders(), stop) if changes is None else None
    try:
        first = rebuild(
            path,
            (),
            listener=listener,
            jobs=jobs,
            only=only,
            exclude=exclude,
            deliverables=deliverables,
            display=display,
        )
        if first.selection:
            raise SelectionError(first.error or "the selection names nothing")
        current[0] = inputs_of(path, first.checked)
        rounds = 1
        for batch in own if own is not None else changes or ():
            if stop is not None and stop.is_set():
                break
            relevant = sorted({p for p in batch if current[0].concerns(p)})
            if relevant:
                current[0] = once(relevant)
                rounds += 1
        return rounds
    finally:
        if own is not None:
            own.close()


class FileChanges:
    """The paths changed under ``folders()``, a set per burst of saves (``watchfiles``: inotify, FSEvents...).

    It watches from the moment it is made, and keeps what changes while its reader is busy (a
    build); it watches anew when ``folders()`` answers otherwise (an input in another asset root).
    """

    def __init__(self, folders: Callable[[], set[Path]], stop: threading.Event | None = None) -> None:
        self._folders = folders
        self._stop = stop
        self._pending: set[Path] = set()
        self._open()

    def _open(self) -> None:
        import watchfiles

        self._watched = self._folders()
        self._batches = watchfiles.watch(
            *sorted(self._watched),
            stop_event=self._stop,
            debounce=400,
            step=50,
            rust_timeout=250,
            yield_on_timeout=True,
        )  # yield_on_timeout: a chance to see the folders change, and the first answer proves it watches
        self._pending |= {Path(p) for _, p in next(self._batches, set())}

    def close(self) -> None:
        """Stop watching (the operating system's watches are released)."""
        self._batches.close()

    def __iter__(self) -> Iterator[set[Path]]:
        while True:
            if self._pending:
                batch, self._pending = self._pending, set()
                yield batch
            raw = next(self._batches, None)
            if raw is None:
                return  # stopped
            self._pending |= {Path(p) for _, p in raw}
            if self._folders() != self._watched:
                self._batches.close()
                self._open()


def _silent(shot: str, state: str, detail: str) -> None:
    return None
