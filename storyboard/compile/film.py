"""The film pass: what is declared or generated but never shown.

It runs last: whether a character, an asset or a shot is used is known only once
every shot has been compiled and the cut read (:mod:`.cutlist`).
"""

from __future__ import annotations

from .context import Context


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
