"""The video pass: a shot's reference video (`extends` a shot, or `motion` from a shot or an asset).

A reference video decides more than its own field: a motion reference sets how long
the clip is and what it is billed, and an extension's length is the whole chain's.
"""

from __future__ import annotations

import math
from typing import Any

from ..load.model import Shot
from ..media.probe import MediaInfo
from .context import Context
from .profiles import PROFILES, Profile
from .provider import unsupported
from .request import MediaRef, RefGroup, RefVideo, frame_size


def reference_video(
    ctx: Context, shot: Shot, extends_parent: str | None, motion_shot: str | None, motion_asset: str | None
) -> RefVideo | None:
    """The one reference video the shot takes: `extends` wins; V016 when `motion` is set too."""
    if extends_parent:
        if shot.motion is not None:
            ctx.error(
                "V016",
                f"shot `{shot.id}` has both `extends` and `motion`; a shot takes one reference video",
                ctx.shot_at(shot, "motion", key=True),
                shot.id,
                help="split it into two shots",
            )
        return RefVideo(tag=f"@{extends_parent}", type="extend", video=MediaRef(clip_of=extends_parent))
    if motion_shot or motion_asset:
        return _motion_video(ctx, shot, motion_shot, motion_asset)
    return None


def _motion_video(ctx: Context, shot: Shot, motion_shot: str | None, motion_asset: str | None) -> RefVideo | None:
    if motion_asset:
        res = ctx.media.resolve(ctx.board.assets[motion_asset])
        if res.kind != "video":
            ctx.error(
                "R004",
                f"`motion: {motion_asset}` names a {res.kind or 'non-video'} asset; a motion reference is a video",
                ctx.shot_at(shot, "motion"),
                shot.id,
                help="use `audio:` for audio-driven shots",
            )
            return None
        if res.ref is None:
            return None
        return RefVideo(tag=f"@{motion_asset}", type="reference", video=res.ref)
    assert motion_shot is not None
    return RefVideo(tag=f"@{motion_shot}", type="reference", video=MediaRef(clip_of=motion_shot))


def ref_video_shape(ctx: Context, video: RefVideo) -> tuple[float | None, int | None, int | None, bool]:
    """Length, width, height of a reference video, and whether the length is a guess."""
    parent = video.video.shot
    if parent is not None:
        cs = ctx.shots[parent]
        w, h = frame_size(cs.settings["resolution"], cs.settings["aspect_ratio"])
        total = cs.seconds
        if video.type == "extend":
            total = chain_seconds(ctx, parent)
        return total, w, h, cs.estimate
    if video.video.file is not None:
        probe = ctx.media.probe(ctx.media.root / video.video.file)
        if isinstance(probe, MediaInfo):
            return probe.seconds, probe.width, probe.height, False
        return None, None, None, True
    return None, None, None, True


def chain_seconds(ctx: Context, sid: str) -> float:
    """Length of the whole video an extension chain has produced up to ``sid``."""
    total = 0.0
    seen: set[str] = set()
    while sid and sid not in seen:
        seen.add(sid)
        cs = ctx.shots[sid]
        total += cs.seconds
        nxt = next((e.parent for e in cs.edges if e.kind == "extends"), None)
        sid = nxt or ""
    return total


def check_ref_video(ctx: Context, shot: Shot, prof: Profile, video: RefVideo, groups: list[RefGroup]) -> None:
    """The provider's rules on reference videos: type, resolution, length, size, groups, sound (V010-V020, P002, P005)."""
    sid = shot.id
    field_name = "extends" if video.type == "extend" else "motion"
    where = ctx.shot_at(shot, field_name)
    if video.type not in prof.ref_video_types:
        unsupported(ctx, shot, prof, field_name, f"{video.type}-type reference videos", where)
        return
    resolution = ctx.shots[sid].settings["resolution"]
    allowed = prof.reference_video_resolutions
    if video.type == "reference" and allowed is not None and resolution not in allowed:
        ctx.error(
            "P002",
            f"{prof.id} takes a motion reference (`motion: {video.tag[1:]}`) only at "
            f"{' or '.join(sorted(allowed))}; the resolution is {resolution}{ctx.setting_source(shot, 'resolution')}",
            ctx.setting_at(shot, "resolution"),
            sid,
            help=f"set `resolution: {max(allowed, key=lambda r: int(r.rstrip('p')))}` on this shot",
            setting=True,
        )
    # a local file here was probed when it resolved (M005 if it holds no video): its shape is known
    seconds, width, height, _ = ref_video_shape(ctx, video)
    if video.type == "reference" and seconds is not None and seconds > prof.reference_video_max_seconds + 1e-6:
        ctx.error(
            "V010",
            f"shot `{sid}`: the motion reference `{video.tag[1:]}` is {seconds:.1f} s; "
            f"{prof.id} takes a reference video of at most {prof.reference_video_max_seconds:g} s",
            where,
            sid,
            help="trim the reference video",
        )
    if prof.ref_video_min_pixels and width and height and width * height < prof.ref_video_min_pixels:
        ctx.error(
            "V011",
            f"shot `{sid}`: the reference video `{video.tag[1:]}` is {width}x{height} ({width * height:,} pixels); "
            f"{prof.id} needs at least {prof.ref_video_min_pixels:,} pixels",
            where,
            sid,
            help="use a 1080p 16:9 or 9:16 source (1920x1080 is 2,073,600 pixels)",
        )
    if video.type == "reference" and groups and not prof.reference_video_with_groups:  # extends: V003
        ctx.error(
            "V020",
            f"shot `{sid}`: {prof.id} takes no reference images with a reference video; "
            f"found {', '.join(g.tag for g in groups)} with `motion: {video.tag[1:]}`",
            where,
            sid,
            help="split it into two shots: one that references the characters, one that imitates the motion "
            "(or use a provider that combines them: "
            + ", ".join(
                p.id
                for p in PROFILES.values()
                if p.paid and p.reference_video_with_groups and "reference" in p.ref_video_types
            )
            + ")",
        )
    eff = ctx.shots[sid].settings
    if video.type == "reference" and eff["sound"] and not prof.reference_video_sound:
        ctx.error(
            "P005",
            f"{prof.id} generates no sound for a shot with a motion reference (`motion: {video.tag[1:]}`); "
            f"`sound` is true{ctx.setting_source(shot, 'sound')} and the reference video's own audio is carried to the output",
            ctx.setting_at(shot, "sound"),
            sid,
            help="set `sound: false` on this shot",
            setting=True,
        )
    if video.type == "reference" and not prof.reference_video_with_grid and any(g.type == "grid" for g in groups):
        ctx.error(
            "V018",
            f"shot `{sid}`: {prof.id} combines a reference video only with image groups, not grids",
            where,
            sid,
            help="use image characters in this shot",
        )


def seconds(ctx: Context, shot: Shot, eff: dict[str, Any], video: RefVideo | None) -> tuple[float, float, bool]:
    """(new seconds in the clip, billed seconds, whether billing is an estimate).

    A motion-referenced shot follows its reference video's length (I004), billed in
    whole seconds from 3 to 10, whatever `duration` says (W003).
    """
    duration = float(eff["duration"])
    if video is None or video.type != "reference":
        return duration, duration, False
    length, _, _, guess = ref_video_shape(ctx, video)
    if length is None:
        return duration, duration, True
    billed = float(min(10, max(3, math.ceil(length - 1e-6))))
    where = ctx.shot_at(shot, "motion")
    ctx.error(
        "I004",
        f"shot `{shot.id}` follows its reference video: {length:.2f} s, billed as {billed:g} s"
        + (" (estimated)" if guess else ""),
        where,
        shot=shot.id,
    )
    if shot.duration is not None and shot.duration != billed:
        ctx.error(
            "W003",
            f"`duration: {shot.duration}` is ignored: shot `{shot.id}` follows its reference video ({length:.2f} s)",
            ctx.shot_at(shot, "duration"),
            shot=shot.id,
            help="remove `duration` from this shot",
        )
    return length, billed, guess
