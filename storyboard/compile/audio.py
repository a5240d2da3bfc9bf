"""The audio pass: a shot driven by a standalone audio asset (`audio:`)."""

from __future__ import annotations

from ..load.model import Shot
from ..load.validate import suggest
from .context import Context
from .profiles import Profile
from .provider import unsupported


def check_audio_asset(ctx: Context, shot: Shot, prof: Profile) -> str | None:
    """The name of the audio asset the shot is driven by, if it names a readable audio file (R004, M005)."""
    name = shot.audio
    if name is None:
        return None
    sid = shot.id
    if name not in ctx.board.assets:
        if name not in ctx.loaded.broken_names:
            audio_assets = [a for a, v in ctx.board.assets.items() if ctx.media.resolve(v).kind == "audio"]
            guess = suggest(name, audio_assets)
            ctx.error(
                "R004",
                f"`audio: {name}` names no asset",
                ctx.shot_at(shot, "audio"),
                sid,
                help=f"did you mean `{guess}`?" if guess else "declare the audio file under `assets:`",
            )
        return None
    ctx.used_names.add(name)
    kind = ctx.media.resolve(ctx.board.assets[name]).kind
    if kind != "audio":
        ctx.error(
            "R004",
            f"`audio: {name}` names a {kind or 'non-audio'} asset; audio-driven shots take an audio file",
            ctx.shot_at(shot, "audio"),
            sid,
            help="use `motion:` for a video",
        )
        return None
    if not prof.shot_audio:
        unsupported(ctx, shot, prof, "audio", "audio-driven generation from a standalone audio file")
    ctx.readable_audio(ctx.board.assets[name], ctx.at("assets", name), sid)
    return name
