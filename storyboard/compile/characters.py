"""The characters pass: declared characters and assets, and the reference groups a prompt's @tags attach.

A character becomes a reference group (1 to 5 images, or one grid collage, with an
optional voice) in every shot whose prompt tags it; the group rules depend on the
provider, so they are checked per shot.
"""

from __future__ import annotations

import re

from ..diagnostics import Location
from ..load.model import Shot
from ..load.validate import suggest
from .context import Context
from .profiles import Profile
from .prompt import TAG
from .provider import unsupported
from .request import RefGroup


def check_characters(ctx: Context) -> None:
    """V006-V008 and each character's media, once for the board however many shots use it."""
    for name, ch in ctx.board.characters.items():
        here = ctx.at("characters", name, key=True)
        if (ch.images is None) == (ch.grid is None):
            ctx.error(
                "V007",
                f"character `{name}` must have either `images` (1 to 5) or one `grid` image, "
                + ("found both" if ch.images is not None else "found neither"),
                here,
                help="a grid group is exactly one collage image; an image group holds 1 to 5 images",
            )
        if ch.images is not None:
            if not 1 <= len(ch.images) <= 5:
                ctx.error(
                    "V006",
                    f"character `{name}` has {len(ch.images)} images; a reference group holds 1 to 5",
                    ctx.at("characters", name, "images"),
                    help="split the images into two characters" if ch.images else "add an image",
                )
            for i, img in enumerate(ch.images):
                ctx.media_value(img, ctx.at("characters", name, "images", i), ("image",), "images")
        if ch.grid is not None:
            ctx.media_value(ch.grid, ctx.at("characters", name, "grid"), ("image",), "grid")
        if ch.voice is not None:
            if ch.grid is not None:
                ctx.error(
                    "V008",
                    f"character `{name}` is a grid group; only image groups can carry a voice",
                    ctx.at("characters", name, "voice", key=True),
                    help="use `images:` for this character, or remove `voice`",
                )
            ctx.media_value(ch.voice, ctx.at("characters", name, "voice"), ("audio",), "voice")


def check_assets(ctx: Context) -> None:
    """Each asset is a video or an audio file (what `motion:` and `audio:` take)."""
    for name, value in ctx.board.assets.items():
        ctx.media_value(value, ctx.at("assets", name), ("video", "audio"), f"assets.{name}")


def attach_characters(ctx: Context, shot: Shot, prompt: str, prof: Profile, own: set[str | None]) -> list[RefGroup]:
    """The reference groups the prompt's @tags name, in order; R001 for a tag that names nothing usable.

    ``own`` holds what the shot already references by a field (its reference video's
    shot or asset, its audio): tagging those is how a prompt mentions them, not an error.
    """
    groups: list[RefGroup] = []
    sid = shot.id
    seen: set[str] = set()
    for m in TAG.finditer(prompt):
        name = m.group(1)
        if name not in ctx.names and name not in ctx.shots and name.rstrip("-_") != name:
            name = name.rstrip("-_")
        if name in seen:
            continue
        seen.add(name)
        if name in own:
            continue
        ch = ctx.board.characters.get(name)
        if ch is not None:
            ctx.used_names.add(name)
            if ch.images is not None and ch.grid is not None:
                continue  # V007 already reported
            images = ch.images if ch.images is not None else ([ch.grid] if ch.grid else [])
            refs = tuple(r.ref for r in (ctx.media.resolve(v) for v in images) if r.ref is not None)
            voice = ctx.media.resolve(ch.voice).ref if ch.voice else None
            groups.append(
                RefGroup(tag=f"@{name}", type="grid" if ch.grid is not None else "image", images=refs, audio=voice)
            )
            continue
        if name in ctx.loaded.broken_names:
            continue
        where = _tag_at(ctx, shot, name)
        if name in ctx.board.assets:
            kind = ctx.media.resolve(ctx.board.assets[name]).kind
            fix = (
                f"set `audio: {name}`" if kind == "audio" else f"set `motion: {name}` to use it as the motion reference"
            )
            ctx.error("R001", f"`@{name}` is an asset that shot `{sid}` does not use", where, sid, help=fix)
        elif name in ctx.shots:
            ctx.error(
                "R001",
                f"`@{name}` is a shot that shot `{sid}` neither extends nor uses as motion",
                where,
                sid,
                help=f"set `extends: {name}` or `motion: {name}`, or remove the tag",
            )
        else:
            pool = list(ctx.board.characters) + [n for n in own if n]
            guess = suggest(name, pool)
            ctx.error(
                "R001",
                f"`@{name}` names nothing shot `{sid}` can reference",
                where,
                sid,
                help=f"did you mean `@{guess}`?" if guess else "declare it under `characters:` or remove the @",
            )
    check_groups(ctx, shot, prof, groups)
    return groups


def _tag_at(ctx: Context, shot: Shot, name: str) -> Location:
    """The @tag itself inside the prompt (the prompt when the rendered tag is not in the raw text)."""
    raw = shot.prompt
    m = re.search(r"(?<![\w@.])@" + re.escape(name) + r"(?![A-Za-z0-9_-])", raw)
    if m is None:
        return ctx.at("shots", ctx.ix(shot), "prompt").resolve()
    return ctx.src.locate_in_value(("shots", ctx.ix(shot), "prompt"), m.start(), len(name) + 1)


def check_groups(ctx: Context, shot: Shot, prof: Profile, groups: list[RefGroup]) -> None:
    """V005/V009/V017/V019/V021 and grid/voice support: the groups of one shot, for its provider."""
    if not groups:
        return
    sid = shot.id
    where = ctx.at("shots", ctx.ix(shot), "prompt")
    types = {g.type for g in groups}
    if len(types) > 1:
        ctx.error(
            "V009",
            f"shot `{sid}` references image groups and grid groups together "
            f"({', '.join(f'{g.tag} ({g.type})' for g in groups)}); all groups of one shot must be of one type",
            where,
            sid,
            help="reference only image characters or only grid characters in one shot",
        )
    if prof.grouped_references:
        if len(groups) > prof.max_groups:
            ctx.error(
                "V005",
                f"shot `{sid}` references {len(groups)} characters; {prof.id} takes at most {prof.max_groups} reference groups",
                where,
                sid,
                help="reference fewer characters in this shot",
            )
    else:
        total = sum(len(g.images) for g in groups)
        if prof.flat_images_max is not None and total > prof.flat_images_max:
            ctx.error(
                "V019",
                f"shot `{sid}` references {total} images in all; {prof.id} takes at most {prof.flat_images_max} reference images",
                where,
                sid,
                help="use fewer images per character, or a provider with reference groups",
            )
    if "grid" in types and not prof.grid:
        unsupported(ctx, shot, prof, "grid", "grid (collage) reference groups", where)
    elif types == {"grid"} and prof.max_grid_groups is not None and len(groups) > prof.max_grid_groups:
        ctx.error(
            "V021",
            f"shot `{sid}` references {len(groups)} grid characters ({', '.join(g.tag for g in groups)}); "
            f"{prof.id} takes at most {prof.max_grid_groups} grid group in a shot, with no other group",
            where,
            sid,
            help="reference one grid character per shot, or put the others in one collage",
        )
    if any(g.audio for g in groups):
        if not prof.group_audio:
            unsupported(ctx, shot, prof, "voice", "voices bound to reference groups", where)
        else:
            for name in (g.tag[1:] for g in groups if g.audio):
                voice = ctx.board.characters[name].voice or ""
                probe = ctx.readable_audio(voice, ctx.at("characters", name, "voice"), sid)
                limit = prof.group_audio_max_seconds
                if probe is not None and limit is not None and probe.seconds > limit:
                    ctx.error(
                        "V017",
                        f"character `{name}`'s voice is {probe.seconds:.1f} s; {prof.id} takes at most "
                        f"{limit:g} s (shot `{sid}`)",
                        ctx.at("characters", name, "voice"),
                        sid,
                        help="trim the voice sample",
                    )
