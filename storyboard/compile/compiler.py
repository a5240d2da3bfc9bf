"""compile: a loaded storyboard -> a DAG of canonical SkyReels V4 requests, every rule checked.

The compiler never stops at the first problem: each shot is compiled as far as it can
be and every violation is reported with its place in the file. Rules that depend on a
provider read that provider's capability profile (:mod:`.profiles`), so the same loop
serves all six providers.

This module only orders the passes; each lives in its own module and works on the one
:class:`~.context.Context` of the compile.
"""

from __future__ import annotations

import os
from collections.abc import Collection

from .. import env
from ..diagnostics import Diagnostics
from ..load import Loaded
from ..load.model import DEFAULTS
from . import deliverables
from .characters import check_assets, check_characters
from .context import SETTING_KEYS, Context, Where
from .cutlist import check_cut, film_rate
from .dag import link, order_and_cycles
from .film import check_unused
from .media import MediaResolver, Probes
from .names import check_names
from .output import check_output, check_store, film_output
from .prompt import TAG
from .result import Compiled, CompiledShot, Edge, EdgeKind, Project
from .shot import compile_shot
from .soundtrack import check_captions, check_loudness, check_soundtrack

__all__ = [
    "SETTING_KEYS",
    "TAG",
    "Compiled",
    "CompiledShot",
    "Edge",
    "EdgeKind",
    "Project",
    "Where",
    "compile_project",
    "compile_storyboard",
]


def compile_storyboard(
    loaded: Loaded, *, provider: str | None = None, tier: str | None = None, staging: bool | None = None
) -> Compiled:
    """Compile ``loaded``'s first film (its only one without ``deliverables:``); see :func:`compile_project`.

    Every film is compiled and every film's diagnostics are reported, so what this accepts
    every deliverable can build.
    """
    return compile_project(loaded, provider=provider, tier=tier, staging=staging).films[0]


def compile_project(
    loaded: Loaded,
    *,
    provider: str | None = None,
    tier: str | None = None,
    staging: bool | None = None,
    only: Collection[str] | None = None,
    probes: Probes | None = None,
) -> Project:
    """Compile every film of ``loaded``: one, or one per deliverable (``only``: those named).

    ``provider`` and ``tier`` override every shot (the CLI flags). ``staging`` says whether
    local files can be uploaded for providers that take only URLs; by default, whether
    ``STORYBOARD_UPLOAD_URL`` is set. ``only`` naming no deliverable is a ``SelectionError``.
    ``probes``: inputs probed by earlier checks, by stat (the store's cache; store/probecache.py).
    """
    if staging is None:
        staging = bool(os.environ.get(env.UPLOAD_URL))
    assert loaded.storyboard is not None, "compile needs a storyboard that loaded"
    layers = deliverables.layers(loaded.storyboard, loaded.source.path.stem, only)
    deliverables.check_names(loaded)
    media = MediaResolver(loaded.root, loaded.asset_roots, probes)
    if not layers:
        return Project(loaded, [run(Context(loaded, provider, tier, staging, media=media))], loaded.diagnostics)
    films: list[Compiled] = []
    found: list[tuple[str, Diagnostics]] = []
    for layer in layers:
        own = Diagnostics()
        films.append(run(Context(loaded, provider, tier, staging, layer=layer, diagnostics=own, media=media)))
        films[-1].deliverable = layer.name
        found.append((layer.name, own))
    deliverables.merge(loaded.diagnostics, found)
    deliverables.check_paths(loaded, layers)
    deliverables.check_unbuilt(loaded, films)
    for film in films:
        film.diagnostics = loaded.diagnostics
    return Project(loaded, films, loaded.diagnostics)


def run(ctx: Context) -> Compiled:
    """The passes in their order: names, the declared cast, the graph, each shot, then the cut and its sound.

    Shots compile in dependency order (parents first, then the shots caught in cycles in
    file order), and a mistake in `settings` is reported once all shots have met it.
    """
    if not ctx.board.shots and not ctx.loaded.broken_names:
        ctx.error("S006", "the storyboard has no shots", ctx.at("shots"), help="add at least one shot under `shots:`")
    check_names(ctx)
    check_characters(ctx)
    check_assets(ctx)
    parents = link(ctx)
    order, in_cycles = order_and_cycles(ctx, parents)
    index = {sid: cs.index for sid, cs in ctx.shots.items()}
    unneeded = deliverables.unneeded(ctx, parents)
    for sid in order + sorted(in_cycles, key=index.__getitem__):
        if sid not in unneeded:
            compile_shot(ctx, ctx.by_id[sid])
    ctx.report_settings_errors()
    used_by_others = {p for ps in parents.values() for p in ps}
    entries = check_cut(ctx)
    cut = [e.id for e in entries if e.kind == "shot"]
    film_seconds = entries[-1].end if entries else 0.0
    soundtrack = check_soundtrack(ctx, film_seconds)
    captions = check_captions(ctx)
    loudness = check_loudness(ctx)
    fps, timelines = film_rate(ctx)
    for sid in unneeded:  # a deliverable builds only what its film shows, and what that is built on
        del ctx.shots[sid]
    order = [sid for sid in order if sid not in unneeded]
    check_unused(ctx, used_by_others, cut)
    check_output(ctx)
    check_store(ctx)
    provider = ctx.overrides.get("provider") or ctx.board.settings.provider or DEFAULTS["provider"]
    output = film_output(ctx.loaded.root, ctx.loaded.source.path.stem, ctx.board.settings.output)
    compiled = Compiled(ctx.loaded, ctx.shots, order, cut, str(provider), ctx.diag, ctx.board, output)
    compiled.entries, compiled.soundtrack, compiled.captions = entries, soundtrack, captions
    compiled.fps, compiled.loudness, compiled.timelines = fps, loudness, timelines
    compiled.resolved = ctx.media.resolutions()
    return compiled
