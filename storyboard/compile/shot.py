"""One shot: the passes over a shot in their order, and the canonical request they add up to.

A shot is compiled as far as it can be: each pass reports what is wrong with its part
and hands on what it could resolve, so one broken field does not hide the others.
The request is built only from what resolved; a shot with errors gets none it can run.
"""

from __future__ import annotations

from ..load.model import Shot
from .audio import check_audio_asset
from .characters import attach_characters
from .context import Context
from .frames import frames
from .profiles import PROFILES, Profile
from .prompt import provider_tags, render_prompt
from .provider import check_reachable, check_settings
from .request import Action, MediaRef, MidFrame, Mode, RefGroup, RefVideo, Request, frame_size, media_inputs
from .video import check_ref_video, reference_video, seconds


def compile_shot(ctx: Context, shot: Shot) -> None:
    """Run every per-shot pass on ``shot`` and record its request, inputs and seconds on its compiled shot."""
    cs = ctx.shots[shot.id]
    eff = cs.settings
    prof = PROFILES[eff["provider"]]
    check_settings(ctx, shot, prof)
    cs.takes, cs.take = takes(ctx, shot)

    prompt = render_prompt(ctx, shot)
    extends_parent = shot.extends if shot.extends in ctx.shots else None
    motion_shot = shot.motion if shot.motion in ctx.shots else None
    motion_asset = shot.motion if shot.motion in ctx.board.assets else None
    audio_asset = check_audio_asset(ctx, shot, prof)
    if motion_asset:
        ctx.used_names.add(motion_asset)

    groups = attach_characters(ctx, shot, prompt or "", prof, {extends_parent, motion_shot, motion_asset, audio_asset})
    first, last, mids = frames(ctx, shot, prof)  # the image-to-video side
    ref_video = reference_video(ctx, shot, extends_parent, motion_shot, motion_asset)  # the omni side
    i2v = check_combination(ctx, shot, groups, extends_parent)
    if ref_video is not None:
        check_ref_video(ctx, shot, prof, ref_video, groups)

    mode: Mode = (
        "omni" if (groups or ref_video or (audio_asset and not i2v)) else ("i2v" if (first or last or mids) else "t2v")
    )
    action = _action(groups, ref_video, audio_asset, first, last, mids)
    prompt = provider_tags(ctx, shot, prof, prompt, mids, ref_video)

    cs.seconds, cs.billed_seconds, cs.estimate = seconds(ctx, shot, eff, ref_video)
    audio_ref = ctx.media.resolve(ctx.board.assets[audio_asset]).ref if audio_asset else None
    if prompt is None:
        cs.ok = False
        return
    width, height = request_size(ctx, shot, prof)
    try:
        cs.request = Request(
            provider=prof.id,
            model=f"skyreels-v4-{eff['tier']}",
            tier=eff["tier"],
            mode=mode,
            action=action,
            prompt=prompt,
            duration=eff["duration"],
            resolution=eff["resolution"],
            aspect_ratio=eff["aspect_ratio"],
            width=width,
            height=height,
            sound=eff["sound"],
            prompt_optimizer=eff["prompt_optimizer"],
            first_frame=first,
            last_frame=last,
            mid_frames=tuple(mids),
            ref_images=tuple(groups),
            ref_video=ref_video,
            audio=audio_ref,
        )
    except Exception:  # a field failed earlier and was left unresolved; already reported
        cs.ok = False
        return
    for item in media_inputs(cs.request):
        if item.ref.file is not None:
            cs.files[item.ref.file] = ctx.media.resolve_file(item.ref.file)
    if prof.paid:
        check_reachable(ctx, shot, prof, cs.request)


def takes(ctx: Context, shot: Shot) -> tuple[int, int]:
    """The shot's takes (its own, else `settings`, else 1) and its picked take; R005 when the pick is beyond them."""
    n = shot.takes or ctx.board.settings.takes or 1
    k = shot.take or 1
    if k > n:
        where = ctx.setting_source(shot, "takes")
        ctx.error(
            "R005",
            f"shot `{shot.id}` picks take {k} but has only {n} take{'s' if n > 1 else ''}{where}",
            ctx.shot_at(shot, "take"),
            shot.id,
            help=f"pick a take from 1 to {n}, or raise `takes` to {k}",
        )
        k = 1
    return n, k


def check_combination(ctx: Context, shot: Shot, groups: list[RefGroup], extends_parent: str | None) -> list[str]:
    """V002 (frames mixed with omni references) and V003 (an extension with reference images).

    Returns the image-to-video fields the shot sets: they decide its mode.
    """
    sid = shot.id
    i2v = [
        n
        for n, v in (
            ("first_frame", shot.first_frame),
            ("last_frame", shot.last_frame),
            ("keyframes", shot.keyframes),
            ("continues", shot.continues),
        )
        if v
    ]
    omni = [g.tag for g in groups] + [n for n in ("extends", "motion") if getattr(shot, n)]
    if i2v and omni:
        ctx.error(
            "V002",
            f"shot `{sid}` mixes image-to-video fields ({', '.join(i2v)}) with omni references "
            f"({', '.join(omni)}); SkyReels V4 rejects the combination (422)",
            ctx.shot_at(shot),
            sid,
            help="split it into two shots, one driven by frames and one by references",
        )
    if extends_parent and groups:
        ctx.error(
            "V003",
            f"shot `{sid}` extends `{extends_parent}` and also references {', '.join(g.tag for g in groups)}; "
            "a video extension cannot combine with reference images",
            ctx.shot_at(shot, "extends", key=True),
            sid,
            help="remove the @tags from the prompt, or use `motion:` instead of `extends:`",
        )
    return i2v


def request_size(ctx: Context, shot: Shot, prof: Profile) -> tuple[int, int]:
    """Width and height the request carries: the provider's size table, else derived (I003 when sent)."""
    eff = ctx.shots[shot.id].settings
    table = (prof.sizes or {}).get((eff["resolution"], eff["aspect_ratio"]))
    width, height = table or frame_size(eff["resolution"], eff["aspect_ratio"])
    if prof.size_from_width_height and (table or prof.sizes is None):
        ctx.error(
            "I003",
            f"{prof.id} takes width and height; {eff['resolution']} {eff['aspect_ratio']} is sent as {width}x{height}"
            + (" (its size table)" if table else ""),
            ctx.setting_at(shot, "aspect_ratio"),
            shot=shot.id,
        )
    return width, height


def _action(
    groups: list[RefGroup],
    video: RefVideo | None,
    audio: str | None,
    first: MediaRef | None,
    last: MediaRef | None,
    mids: list[MidFrame],
) -> Action:
    """The qingbo `action` name for the mode this request routes to (seed 003's table)."""
    if video is not None:
        return "extend" if video.type == "extend" else "reference_video"
    if groups:
        return "reference"
    if audio:
        return "reference_audio"
    if last or mids:
        return "first_last_frame"
    if first:
        return "image2video"
    return "generate"
