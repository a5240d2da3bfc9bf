"""The names pass: characters, assets and shots share one namespace of valid names.

It runs first because it decides which shots exist: a shot whose id is taken is left
out, and every later pass walks only the shots recorded here.
"""

from __future__ import annotations

import re

from ..load.model import MAX_NAME_LENGTH, NAME_PATTERN, SHOT_ID_PATTERN, TAG_PATTERN, Shot
from .context import Context
from .result import CompiledShot

_SHOT_ID = re.compile(SHOT_ID_PATTERN)
_NAME = re.compile(NAME_PATTERN)
_TAG = re.compile(TAG_PATTERN)


def check_names(ctx: Context) -> None:
    """N001-N004, and a compiled shot (with its effective settings) for each shot that keeps its id."""
    seen: dict[str, str] = {}
    for name in ctx.board.characters:
        _name(ctx, name, "character", ("characters", name), seen)
    for name in ctx.board.assets:
        _name(ctx, name, "asset", ("assets", name), seen)
    for shot in ctx.board.shots:
        _tags(ctx, shot)
        if len(shot.id) > MAX_NAME_LENGTH:
            ctx.error(
                "N001",
                f"shot id `{shot.id[:20]}…` is {len(shot.id)} characters long; at most {MAX_NAME_LENGTH}",
                ctx.shot_at(shot, "id"),
                shot.id,
                help=f"shorten it, e.g. `{shot.id[:MAX_NAME_LENGTH].rstrip('-_')}`",
            )
        elif not _SHOT_ID.match(shot.id):
            fixed = re.sub(r"[^a-z0-9_-]+", "-", shot.id.lower()).strip("-_") or "shot"
            ctx.error(
                "N001",
                f"invalid shot id `{shot.id}`: expected lowercase letters, digits, `-` and `_`, starting with a letter or digit",
                ctx.shot_at(shot, "id"),
                shot.id,
                help=f"rename it, e.g. `{fixed}`",
            )
        if shot.id in seen:
            first = ctx.shot_at(ctx.by_id[shot.id], "id").resolve() if shot.id in ctx.by_id else None
            ctx.error(
                "N003",
                f"`{shot.id}` is already defined as a {seen[shot.id]}; characters, assets and shots share one namespace",
                ctx.shot_at(shot, "id"),
                shot.id,
                help=(f"the first is at {first.file}:{first.line}:{first.column}; " if first else "")
                + "give one of them another name",
            )
            continue  # the first definition wins
        seen[shot.id] = "shot"
        ctx.shots[shot.id] = CompiledShot(shot.id, shot.index, ctx.effective(shot))
        ctx.by_id[shot.id] = shot


def _name(ctx: Context, name: str, what: str, path: tuple[str, str], seen: dict[str, str]) -> None:
    if len(name) > MAX_NAME_LENGTH:
        ctx.error(
            "N002",
            f"{what} name `{name[:20]}…` is {len(name)} characters long; at most {MAX_NAME_LENGTH}",
            ctx.at(*path, key=True),
            help="names become @tags in prompts and are kept in file names: shorten it",
        )
    elif not _NAME.match(name):
        ctx.error(
            "N002",
            f"invalid {what} name `{name}`: expected a letter, then letters, digits, `-` or `_`",
            ctx.at(*path, key=True),
            help="names become @tags in prompts, so they follow tag spelling",
        )
    if name in seen:
        ctx.error(
            "N003",
            f"`{name}` is already defined as a {seen[name]}; characters, assets and shots share one namespace",
            ctx.at(*path, key=True),
            help="give one of them another name",
        )
    seen.setdefault(name, what)


def _tags(ctx: Context, shot: Shot) -> None:
    """N004: a tag is written in selectors (``--only tag:hero+``), so it has none of their operators."""
    for i, tag in enumerate(shot.tags):
        if len(tag) > MAX_NAME_LENGTH:
            message = f"tag `{tag[:20]}…` is {len(tag)} characters long; at most {MAX_NAME_LENGTH}"
        elif not _TAG.match(tag):
            message = f"invalid tag `{tag}`: expected letters, digits, `-` and `_`, starting with a letter or digit"
        else:
            continue
        fixed = re.sub(r"[^A-Za-z0-9_-]+", "-", tag).strip("-_")[:MAX_NAME_LENGTH] or "tag"
        ctx.error(
            "N004",
            message,
            ctx.at("shots", ctx.ix(shot), "tags", i),
            shot.id,
            help=f"tags are written in selectors (`--only tag:{fixed}`): write it as `{fixed}`",
        )
