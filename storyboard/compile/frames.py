"""The frames pass: the image-to-video side of a shot (first, last and key frames, and `continues`).

`continues` is a first frame too (the parent's last decoded frame), so it is resolved
here, where it can conflict with an explicit `first_frame`.
"""

from __future__ import annotations

from ..load.model import Shot
from .context import Context
from .profiles import Profile
from .provider import unsupported
from .request import MediaRef, MidFrame


def frames(ctx: Context, shot: Shot, prof: Profile) -> tuple[MediaRef | None, MediaRef | None, list[MidFrame]]:
    """The shot's first frame, last frame and mid frames, each rule checked (V004, V014, V015)."""
    sid = shot.id
    first = frame(ctx, shot, "first_frame", prof)
    last = frame(ctx, shot, "last_frame", prof)
    if shot.continues is not None and shot.continues in ctx.shots:
        if shot.first_frame is not None:
            ctx.error(
                "V015",
                f"shot `{sid}` sets both `continues` and `first_frame`; continuity already fixes the first frame",
                ctx.shot_at(shot, "first_frame", key=True),
                sid,
                help="remove one of them",
            )
        first = MediaRef(last_frame_of=shot.continues)
        if not prof.first_frame:
            unsupported(ctx, shot, prof, "continues", "a first frame (continuity needs one)")
    mids = keyframes(ctx, shot, prof, ctx.shots[sid].settings["duration"])
    return first, last, mids


def frame(ctx: Context, shot: Shot, name: str, prof: Profile) -> MediaRef | None:
    """The image of `first_frame` or `last_frame`, if the shot sets it (P001 if the provider takes none)."""
    value = getattr(shot, name)
    if value is None:
        return None
    res = ctx.media_value(value, ctx.shot_at(shot, name), ("image",), name, shot.id)
    if not getattr(prof, name):
        unsupported(ctx, shot, prof, name, f"a {name.replace('_', ' ')} image")
    return res.ref


def keyframes(ctx: Context, shot: Shot, prof: Profile, duration: int) -> list[MidFrame]:
    """The mid frames, with derived tags where the provider needs them (I001); times inside the shot."""
    if not shot.keyframes:
        return []
    sid = shot.id
    total = (
        len(shot.keyframes)
        + (shot.first_frame is not None or shot.continues is not None)
        + (shot.last_frame is not None)
    )
    if prof.max_mid_frames == 0:
        unsupported(ctx, shot, prof, "keyframes", "mid-frame keyframes")
    elif len(shot.keyframes) > prof.max_mid_frames:
        ctx.error(
            "V014",
            f"shot `{sid}` has {len(shot.keyframes)} keyframes; {prof.id} takes at most {prof.max_mid_frames}",
            ctx.shot_at(shot, "keyframes", key=True),
            sid,
            help="drop some keyframes or split the shot",
        )
    elif prof.max_frame_images is not None and total > prof.max_frame_images:  # one V014 per shot, not two
        ctx.error(
            "V014",
            f"shot `{sid}` has {total} frame images (first, last and keyframes); {prof.id} takes at most {prof.max_frame_images}",
            ctx.shot_at(shot, "keyframes", key=True),
            sid,
            help="drop some keyframes",
        )
    mids: list[MidFrame] = []
    previous = 0.0
    for i, kf in enumerate(shot.keyframes):
        where = ctx.at("shots", ctx.ix(shot), "keyframes", i, "at")
        if not 0 < kf.at < duration:
            ctx.error(
                "V004",
                f"keyframe at {kf.at:g} s lies outside the shot (0, {duration}) s, ends excluded",
                where,
                sid,
                help=f"use a time strictly between 0 and {duration}",
            )
        elif i and kf.at <= previous:
            ctx.error(
                "V004",
                f"keyframe at {kf.at:g} s does not come after the previous one at {previous:g} s; times must strictly increase",
                where,
                sid,
                help="order the keyframes by time, without repeats",
            )
        previous = max(previous, kf.at)
        res = ctx.media_value(
            kf.image, ctx.at("shots", ctx.ix(shot), "keyframes", i, "image"), ("image",), "keyframes.image", sid
        )
        if res.ref is not None:
            mids.append(MidFrame(tag=derived_tag(ctx, f"kf{i + 1}"), image=res.ref, time=kf.at))
    if mids and prof.mid_frame_tags and prof.max_mid_frames:
        ctx.error(
            "I001",
            f"{prof.id} needs a tag on each mid frame; derived {', '.join(m.tag for m in mids)}",
            ctx.shot_at(shot, "keyframes", key=True),
            shot=sid,
        )
    return mids


def derived_tag(ctx: Context, base: str) -> str:
    """A tag no character, asset or shot already spells (``@kf1``, else ``@kf1_``...)."""
    name = base
    while name in ctx.names or name in ctx.shots:
        name += "_"
    return f"@{name}"
