"""Provider rules: a shot's settings and inputs against its provider's capability profile.

Everything a provider's own page restricts (tiers, sizes, sound, optimiser, features,
URL-only media) is read from :mod:`.profiles`, so one set of checks serves every provider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..load.model import Shot
from .context import Context, Where
from .profiles import PROFILES, Profile
from .request import MediaKind, MediaRef, Request, media_inputs


def check_settings(ctx: Context, shot: Shot, prof: Profile) -> None:
    """V001 and P002/P003/P006/P001 on the shot's effective settings, pointing where each was set."""
    eff = ctx.shots[shot.id].settings
    sid = shot.id
    duration = eff["duration"]
    if not 3 <= duration <= 15:
        ctx.error(
            "V001",
            f"duration must be a whole number of seconds from 3 to 15, found {duration}{ctx.setting_source(shot, 'duration')}",
            ctx.setting_at(shot, "duration"),
            sid,
            help=f"use {min(max(duration, 3), 15)}; split longer scenes into several shots"
            if duration > 15
            else "use 3 or more",
        )
    if eff["tier"] not in prof.tiers:
        ctx.error(
            "P002",
            f"{prof.id} does not offer the `{eff['tier']}` tier{ctx.setting_source(shot, 'tier')}; "
            f"it offers {', '.join(sorted(prof.tiers))}",
            ctx.setting_at(shot, "tier"),
            sid,
            help=f"set `tier: {sorted(prof.tiers)[-1]}` or pick another provider",
            setting=True,
        )
    if not prof.size_from_width_height and eff["aspect_ratio"] not in prof.aspect_ratios:
        ctx.error(
            "P002",
            f"{prof.id} does not accept aspect ratio {eff['aspect_ratio']}"
            f"{ctx.setting_source(shot, 'aspect_ratio')}; it accepts {', '.join(sorted(prof.aspect_ratios))}",
            ctx.setting_at(shot, "aspect_ratio"),
            sid,
            help="choose one of those, or a provider that takes 4:3 and 3:4 (eachlabs, runware, qingbo, apimart)",
            setting=True,
        )
    pair = (eff["resolution"], eff["aspect_ratio"])
    if prof.sizes is not None and pair not in prof.sizes and pair[1] not in prof.resolution_only_ratios:
        ok = ", ".join(f"{r} {a} ({w}x{h})" for (r, a), (w, h) in prof.sizes.items())
        alone = sorted(prof.resolution_only_ratios)
        fits = [r for r, a in prof.sizes if a == pair[1]]
        fixes = ([f"`resolution: {fits[-1]}`"] if fits else []) + [f"`aspect_ratio: '{a}'`" for a in alone]
        ctx.error(
            "P006",
            f"{prof.id} takes width x height only from its size table, and {pair[0]} {pair[1]} "
            f"is not in it{ctx.setting_source(shot, 'aspect_ratio')}; supported: {ok}"
            + (f", and any resolution at {', '.join(alone)} (sent as the resolution alone)" if alone else ""),
            ctx.setting_at(shot, "aspect_ratio"),
            sid,
            help=f"set {' or '.join(fixes)}" if fixes else "choose a size from the table",
            setting=True,
        )
    if eff["sound"] and not prof.sound:
        unsupported(ctx, shot, prof, "sound", "sound generation", ctx.setting_at(shot, "sound"), setting=True)
    if eff["sound"] and eff["tier"] == "fast" and prof.fast_requires_silence:
        ctx.error(
            "P003",
            f"{prof.id}'s fast mode requires sound off",
            ctx.setting_at(shot, "sound"),
            sid,
            help="set `sound: false` or `tier: std`",
            setting=True,
        )
    if not eff["prompt_optimizer"] and not prof.prompt_optimizer:
        unsupported(
            ctx,
            shot,
            prof,
            "prompt_optimizer",
            "switching prompt optimisation off",
            ctx.setting_at(shot, "prompt_optimizer"),
            setting=True,
        )


def unsupported(
    ctx: Context,
    shot: Shot,
    prof: Profile,
    field_name: str,
    what: str,
    where: Where | None = None,
    *,
    setting: bool = False,
) -> None:
    """P001: the provider does not offer ``what``; the help names the providers that do.

    ``setting`` says ``field_name`` is one of the shot's settings (``where`` is where it
    was set), so a mistake in `settings` is reported once for every shot it breaks.
    """
    message = f"{prof.id} does not offer {what} (`{field_name}`)"
    ctx.error(
        "P001",
        message if setting else f"shot `{shot.id}`: {message}",
        where or ctx.shot_at(shot, field_name, key=True),
        shot.id,
        help=_supporting(what_key=field_name, current=prof.id),
        setting=setting,
    )


def check_reachable(ctx: Context, shot: Shot, prof: Profile, request: Request) -> None:
    """P004: every local input must reach a URL-only provider somehow (an upload bucket).

    What needs uploading is kept on the shot either way, so ``plan`` can quote a build
    before the bucket exists and list it as something the build will need.
    """
    sid = shot.id
    for ref, kind, where in _input_places(ctx, shot, request):
        if ref.url is not None or kind in prof.inline_media:
            continue
        if ref.clip_of is not None and ctx.shots[ref.clip_of].settings.get("provider") == prof.id:
            continue  # the parent's own result URL is handed over
        what = f"`{ref.file}`" if ref.file else f"the {'clip' if ref.clip_of else 'last frame'} of `{ref.shot}`"
        ctx.shots[sid].uploads.append(what)
        if ctx.staging:
            continue
        ctx.error(
            "P004",
            f"shot `{sid}` sends {what} to {prof.id}, which takes {kind}s only as URLs, and no upload bucket is set",
            where,
            sid,
            help="set STORYBOARD_UPLOAD_URL=s3://bucket/prefix (files are uploaded once and sent as presigned URLs), "
            "or use an https:// URL here",
        )


def _input_places(ctx: Context, shot: Shot, request: Request) -> Iterator[tuple[MediaRef, MediaKind, Where]]:
    """Each media input of the request, its kind, and where the YAML names it."""
    ix = ctx.ix(shot)
    for item in media_inputs(request):
        field_name = item.path[0]
        if field_name == "first_frame":
            where = ctx.shot_at(shot, "continues" if shot.continues else "first_frame")
        elif field_name == "last_frame":
            where = ctx.shot_at(shot, "last_frame")
        elif field_name == "mid_frames":
            where = ctx.at("shots", ix, "keyframes", item.path[1], "image")
        elif field_name == "ref_images":
            group = request.ref_images[int(item.path[1])]
            name = group.tag[1:]
            if item.path[2] == "audio":
                where = ctx.at("characters", name, "voice")
            else:
                place = ("grid",) if group.type == "grid" else ("images", item.path[3])
                where = ctx.at("characters", name, *place)
        elif field_name == "ref_video":
            assert request.ref_video is not None
            where = ctx.shot_at(shot, "extends" if request.ref_video.type == "extend" else "motion")
            if shot.motion in ctx.board.assets and request.ref_video.type != "extend":
                where = ctx.at("assets", shot.motion)
        elif shot.audio is not None:  # the shot's audio asset
            where = ctx.at("assets", shot.audio)
        else:
            continue
        yield item.ref, item.kind, where


_FEATURES: dict[str, Callable[[Profile], bool]] = {
    "first_frame": lambda p: p.first_frame,
    "last_frame": lambda p: p.last_frame,
    "continues": lambda p: p.first_frame,
    "keyframes": lambda p: p.max_mid_frames > 0,
    "grid": lambda p: p.grid,
    "voice": lambda p: p.group_audio,
    "audio": lambda p: p.shot_audio,
    "extends": lambda p: "extend" in p.ref_video_types,
    "motion": lambda p: "reference" in p.ref_video_types,
    "sound": lambda p: p.sound,
    "prompt_optimizer": lambda p: p.prompt_optimizer,
}


def _supporting(what_key: str, current: str) -> str:
    """The fix for an unsupported feature: the hosted providers whose profile offers it."""
    offers = _FEATURES.get(what_key)
    who = [p.id for p in PROFILES.values() if p.paid and p.id != current and offers and offers(p)]
    if not who:
        return "remove it from this shot"
    return f"remove it from this shot, or use a provider that offers it ({', '.join(who)})"
