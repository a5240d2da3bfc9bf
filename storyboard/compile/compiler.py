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

from .. import env
from ..load import Loaded
from ..load.model import DEFAULTS
from .characters import check_assets, check_characters
from .context import SETTING_KEYS, Context, Where
from .dag import link, order_and_cycles
from .film import check_cut, check_unused
from .names import check_names
from .output import check_output
from .prompt import TAG
from .result import Compiled, CompiledShot, Edge, EdgeKind
from .shot import compile_shot

__all__ = [
    "SETTING_KEYS",
    "TAG",
    "Compiled",
    "CompiledShot",
    "Edge",
    "EdgeKind",
    "Where",
    "compile_storyboard",
]


def compile_storyboard(
    loaded: Loaded, *, provider: str | None = None, tier: str | None = None, staging: bool | None = None
) -> Compiled:
    """Compile ``loaded``; ``provider`` and ``tier`` override every shot (the CLI flags).

    ``staging`` says whether local files can be uploaded for providers that take only
    URLs; by default, whether ``STORYBOARD_UPLOAD_URL`` is set.
    """
    if staging is None:
        staging = bool(os.environ.get(env.UPLOAD_URL))
    return run(Context(loaded, provider, tier, staging))


def run(ctx: Context) -> Compiled:
    """The passes in their order: names, the declared cast, the graph, each shot, then the film.

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
    for sid in order + sorted(in_cycles, key=index.__getitem__):
        compile_shot(ctx, ctx.by_id[sid])
    ctx.report_settings_errors()
    used_by_others = {p for ps in parents.values() for p in ps}
    cut = check_cut(ctx)
    check_unused(ctx, used_by_others, cut)
    check_output(ctx)
    provider = ctx.overrides.get("provider") or ctx.board.settings.provider or DEFAULTS["provider"]
    return Compiled(ctx.loaded, ctx.shots, order, cut, str(provider), ctx.diag)
