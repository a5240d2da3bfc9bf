"""The film pass: the cut, and what is declared or generated but never shown.

It runs last: whether a character, an asset or a shot is used is known only once
every shot has been compiled.
"""

from __future__ import annotations

from ..load.validate import suggest
from .context import Context


def check_cut(ctx: Context) -> list[str]:
    """The shots of the film in order: `cut:` if given (R002 for a name that is no shot), else file order."""
    if ctx.board.cut is None:
        return [s.id for s in ctx.board.shots if s.id in ctx.shots]
    if not ctx.board.cut:
        ctx.error(
            "O006",
            "`cut` is empty: the build would render its shots and write no film",
            ctx.at("cut"),
            help="list the shots of the film in order, or remove `cut:` to cut every shot in file order",
        )
    cut: list[str] = []
    for i, sid in enumerate(ctx.board.cut):
        if sid in ctx.shots:
            cut.append(sid)
        elif sid not in ctx.loaded.broken_names:
            guess = suggest(sid, ctx.shots)
            ctx.error(
                "R002",
                f"the cut names `{sid}`, which is no shot",
                ctx.at("cut", i),
                help=f"did you mean `{guess}`?" if guess else "list shot ids",
            )
    return cut


def check_unused(ctx: Context, used_by_others: set[str], cut: list[str]) -> None:
    """W001 for characters and assets nothing uses; W002 for a paid shot neither cut nor used."""
    for name in ctx.board.characters:
        if name not in ctx.used_names:
            ctx.error(
                "W001",
                f"character `{name}` is never used: no prompt mentions @{name}",
                ctx.at("characters", name, key=True),
                help=f"write @{name} in a prompt or remove the character",
            )
    for name in ctx.board.assets:
        if name not in ctx.used_names:
            ctx.error(
                "W001",
                f"asset `{name}` is never used by `motion:` or `audio:`",
                ctx.at("assets", name, key=True),
                help="use it or remove it",
            )
    in_cut = set(cut)
    if ctx.board.cut is None:
        return
    for sid in ctx.shots:
        if sid not in in_cut and sid not in used_by_others:
            ctx.error(
                "W002",
                f"shot `{sid}` is generated (and paid for) but is neither in the cut nor used by another shot",
                ctx.shot_at(ctx.by_id[sid]),
                shot=sid,
                help=f"add `{sid}` to `cut:` or remove the shot",
            )
