"""dbt-style shot selection for ``--only``, ``--exclude`` and ``--replace``.

A selector is ``shot``, ``shot#k`` (one take), ``tag:NAME``, ``character:NAME`` or
``state:modified``; ``+`` before adds the ancestors, after the descendants (``tag:hero+``).
Commas (or spaces) unite selectors; repeating ``--only`` intersects, as dbt does; ``--exclude``
removes its union. :func:`choose` answers the takes as ``shot#k`` names, :func:`select` the
names ``--replace`` reads (``shot`` there is its picked take). :func:`matches` is the one test
of a plan row against a selection, for the plan, the runner and ``--resubmit`` alike, so what
was priced is what is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from ..compile import Compiled
from ..errors import SelectionError
from ..load.validate import suggest

if TYPE_CHECKING:
    from ..store import Store
    from .films import Plans

__all__ = ["SelectionError", "choose", "matches", "modified_takes", "narrowed", "replaces", "select", "view"]

Take = tuple[str, int]
STATES = ("modified",)


def matches(selection: Collection[str] | None, shot_id: str, take: int) -> bool:
    """Whether the row of ``shot_id``'s take ``take`` is selected (None selects everything)."""
    return selection is None or shot_id in selection or f"{shot_id}#{take}" in selection


def replaces(selection: Collection[str], shot_id: str, take: int, picked: bool) -> bool:
    """Whether ``--replace`` (a :func:`select` answer) names this take: ``shot`` is its picked take, ``shot#k`` take k."""
    return f"{shot_id}#{take}" in selection or (picked and shot_id in selection)


def _atoms(expression: str) -> list[str]:
    return expression.replace(",", " ").split()


def modified_takes(plans: Plans, store: Store) -> set[Take]:
    """``state:modified``: the takes whose last build record (this film's, in ``store``) holds another key
    than the plan computes now. Any input of the request counts (prompt, settings, a media file's
    content, the provider, the upstream clip it is built on); a take never built is new, not modified."""
    found: set[Take] = set()
    for plan in plans.films:
        records = store.builds.takes(plan.storyboard)
        for row in plan.shots:
            record = records.get((row.id, row.take))
            if record is not None and record.key != row.key:
                found.add((row.id, row.take))
    return found


def view(plans: Plans, selection: Collection[str] | None) -> Plans:
    """``plans`` with only the selected takes' rows, so each total is the selection's: what the spending
    prompt and ``plan --only`` show (the rows still name their shot's picked take, selected or not)."""
    from dataclasses import replace

    from .films import Plans

    if selection is None:
        return plans
    views = []
    for plan in plans.films:
        shown = replace(plan, shots=[s for s in plan.shots if matches(selection, s.id, s.take)])
        shown._by_id = plan._by_id
        views.append(shown)
    return Plans(views)


def narrowed(films: Sequence[Compiled], plans: Plans, only: Sequence[str], exclude: Sequence[str]) -> Plans:
    """``plan --only/--exclude``: the :func:`view` of what :func:`choose` selects (the store is read only
    for ``state:modified``)."""

    def modified() -> set[Take]:
        from ..store.team import open_store

        with open_store(films[0].root, films[0].effective.settings.store) as store:
            return modified_takes(plans, store)

    return view(plans, choose(films, only, exclude, modified=modified))


class _Universe:
    """What selectors choose from: every film's shots, takes, tags, characters and graph."""

    def __init__(self, films: Sequence[Compiled], modified: Callable[[], set[Take]] | None) -> None:
        from ..compile.prompt import TAG

        self.films = films
        self.takes: dict[str, int] = {}
        for film in films:
            for sid, shot in film.shots.items():
                self.takes[sid] = max(self.takes.get(sid, 1), shot.takes)
        self.tags: dict[str, set[str]] = {}
        self.characters: dict[str, set[str]] = {}
        for film in films:
            board = film.loaded.storyboard
            if board is None:
                continue
            for name in board.characters:
                self.characters.setdefault(name, set())
            for written in board.shots:
                if written.id in self.takes:
                    for tag in written.tags:
                        self.tags.setdefault(tag, set()).add(written.id)
            for sid, compiled in film.shots.items():
                req = compiled.request
                if req is None:
                    continue
                named = {g.tag.lstrip("@") for g in req.ref_images} | {m.group(1) for m in TAG.finditer(req.prompt)}
                for name in named & set(self.characters):
                    self.characters[name].add(sid)
        self._modified = modified
        self._modified_now: set[Take] | None = None

    def every(self, shots: Iterable[str]) -> set[Take]:
        return {(sid, k) for sid in shots for k in range(1, self.takes[sid] + 1)}

    def modified(self) -> set[Take]:
        if self._modified_now is None:
            self._modified_now = self._modified() if self._modified is not None else set()
        return self._modified_now

    def around(self, shots: set[str], ancestors: bool, descendants: bool) -> set[str]:
        import networkx as nx

        out = set(shots)
        for film in self.films:
            for sid in shots & set(film.shots):
                if ancestors:
                    out |= nx.ancestors(film.graph, sid)
                if descendants:
                    out |= nx.descendants(film.graph, sid)
        return out

    def exists(self) -> str:
        """What there is to select, for an error message."""
        shots = ", ".join(self.takes) if len(self.takes) <= 12 else ", ".join(list(self.takes)[:12]) + ", …"
        tags = ", ".join(f"tag:{t}" for t in sorted(self.tags)) or "none (a shot's `tags: [..]` makes them)"
        used = sorted(c for c, s in self.characters.items() if s)
        characters = ", ".join(f"character:{c}" for c in used) or "none used"
        return f"shots: {shots}; tags: {tags}; characters: {characters}; state:modified"


def choose(
    films: Compiled | Sequence[Compiled],
    only: Sequence[str] = (),
    exclude: Sequence[str] = (),
    *,
    modified: Callable[[], set[Take]] | None = None,
) -> set[str] | None:
    """The takes ``--only`` and ``--exclude`` select, as ``shot#k`` names (None: neither given, every take).

    Each ``only`` is a union; several intersect; ``exclude``'s union is removed. ``modified``
    answers ``state:modified`` (:func:`modified_takes`), asked only when a selector needs it.
    An empty selector, or one naming nothing the file has, is a ``SelectionError`` saying what
    there is; a selection that is empty after intersecting is not (it builds nothing)."""
    if not only and not exclude:
        return None
    universe = _Universe([films] if isinstance(films, Compiled) else list(films), modified)
    chosen = universe.every(universe.takes)
    for expression in only:
        chosen &= _union(universe, expression, "--only")
    for expression in exclude:
        chosen -= _union(universe, expression, "--exclude")
    return {f"{sid}#{k}" for sid, k in chosen}


def _union(universe: _Universe, expression: str, option: str) -> set[Take]:
    atoms = _atoms(expression)
    if not atoms:
        raise SelectionError(
            f"{option} `{expression}` is empty: it would select nothing, not everything; name what to select ({universe.exists()})"
        )
    found: set[Take] = set()
    for raw in atoms:
        found |= _atom(universe, raw, option)
    return found


def _atom(universe: _Universe, raw: str, option: str) -> set[Take]:
    ancestors, descendants = raw.startswith("+"), raw.endswith("+")
    body = raw.strip("+")
    method, colon, value = body.partition(":")
    if not colon:
        if "#" in body:
            return {_take(universe, raw, option)}
        shots = {_shot(universe, body, raw, option)}
        return universe.every(universe.around(shots, ancestors, descendants))
    if method == "tag":
        tagged = universe.tags.get(value)
        if not tagged:
            guess = suggest(value, set(universe.tags))
            hint = f"; did you mean `tag:{guess}`?" if guess else ""
            raise SelectionError(f"{option} `{raw}`: no shot has the tag `{value}`{hint} ({universe.exists()})")
        return universe.every(universe.around(tagged, ancestors, descendants))
    if method == "character":
        if value not in universe.characters:
            guess = suggest(value, set(universe.characters))
            hint = f"; did you mean `character:{guess}`?" if guess else ""
            raise SelectionError(f"{option} `{raw}`: no character `{value}` is declared{hint} ({universe.exists()})")
        shots = universe.characters[value]
        if not shots:
            raise SelectionError(
                f"{option} `{raw}`: no shot's prompt or references use `@{value}` ({universe.exists()})"
            )
        return universe.every(universe.around(shots, ancestors, descendants))
    if method == "state":
        if value not in STATES:
            raise SelectionError(
                f"{option} `{raw}`: the states are {', '.join(f'state:{s}' for s in STATES)} (changed since the last build)"
            )
        takes = universe.modified()  # nothing modified selects nothing: a pipeline's "nothing changed"
        shots = {sid for sid, _ in takes}  # their other takes are not modified; `+` adds whole shots
        return takes | universe.every(universe.around(shots, ancestors, descendants) - shots)
    raise SelectionError(
        f"{option} `{raw}`: unknown selector method `{method}:`; write a shot, shot#k, tag:NAME, character:NAME"
        f" or state:modified ({universe.exists()})"
    )


def _shot(universe: _Universe, name: str, raw: str, option: str) -> str:
    if name not in universe.takes:
        guess = suggest(name, set(universe.takes))
        hint = f"; did you mean `{guess}`?" if guess else ""
        raise SelectionError(f"{option} `{raw}` names no shot{hint} ({universe.exists()})")
    return name


def _take(universe: _Universe, raw: str, option: str) -> Take:
    name, _, take = raw.strip("+").partition("#")
    name = _shot(universe, name, raw, option)
    takes = universe.takes[name]
    if not take.isdigit() or not 1 <= int(take) <= takes:
        raise SelectionError(
            f"{option} `{raw}`: shot `{name}` has takes 1..{takes}; write `{name}#1` .. `{name}#{takes}`"
            f" (or `{name}` for {'its picked take' if option == '--replace' else 'all of them'})"
        )
    if raw.startswith("+") or raw.endswith("+"):
        raise SelectionError(f"{option} `{raw}`: `+` goes with a shot (`{name}+`), not with one take")
    return name, int(take)


def select(films: Compiled | Sequence[Compiled], expression: str, option: str = "--replace") -> set[str]:
    """``--replace``'s names: shots (``shot+`` and ``+shot`` add their descendants and ancestors) and takes
    (``shot#k``); several separate by spaces or commas (``option`` names the flag in errors).

    Given every film of a file with deliverables, a selector holds in each film that has the
    shot (a film's own cut may leave some out) and is an error only when no film has it."""
    universe = _Universe([films] if isinstance(films, Compiled) else list(films), None)
    atoms = _atoms(expression)
    if not atoms:
        raise SelectionError(f"{option} `{expression}` is empty; name a shot or shot#k ({universe.exists()})")
    chosen: set[str] = set()
    for raw in atoms:
        if "#" in raw:
            name, take = _take(universe, raw, option)
            chosen.add(f"{name}#{take}")
            continue
        name = _shot(universe, raw.strip("+"), raw, option)
        chosen |= universe.around({name}, raw.startswith("+"), raw.endswith("+"))
    return chosen
