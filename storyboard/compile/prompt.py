"""The prompt pass: a shot's prompt template rendered and checked, and the tags a provider needs in it.

The prompt is rendered before anything reads its @tags, so a template error is
reported at the template's own line and the shot is compiled no further than that.
"""

from __future__ import annotations

import re

from ..diagnostics import Location
from ..load.model import Shot
from ..load.validate import suggest
from .context import Context, Where
from .profiles import PROFILES, Profile
from .request import MidFrame, RefVideo

TAG = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9_-]*)")


def render_prompt(ctx: Context, shot: Shot) -> str | None:
    """The rendered prompt, or None after reporting why there is none (T001-T005, V013); V012 if too long."""
    result = ctx.renderer.render(shot.prompt)
    if result.problem is not None:
        p = result.problem
        where: Where | Location = ctx.at("shots", ctx.ix(shot), "prompt")
        if "\n" in shot.prompt:  # a multi-line prompt: point at the template's line, not past the value
            offset = sum(len(line) + 1 for line in shot.prompt.split("\n")[: p.line - 1])
            where = ctx.src.locate_in_value(("shots", ctx.ix(shot), "prompt"), offset, 1)
        help_text = p.help
        if p.code == "T002" and p.name:
            guess = suggest(p.name, ctx.board.vars)
            help_text = f"did you mean `{guess}`?" if guess else "define it under `vars:`"
        ctx.error(p.code, p.message, where, shot.id, help_text)
        return None
    if not result.text:
        ctx.error(
            "V013",
            f"shot `{shot.id}` has an empty prompt; every provider requires one",
            ctx.at("shots", ctx.ix(shot), "prompt"),
            shot.id,
            help="describe the shot",
        )
        return None
    prof = PROFILES[ctx.shots[shot.id].settings["provider"]]
    if prof.prompt_max_chars is not None and len(result.text) > prof.prompt_max_chars:
        ctx.error(
            "V012",
            f"shot `{shot.id}`: the rendered prompt is {len(result.text):,} characters; "
            f"{prof.id} takes at most {prof.prompt_max_chars:,}",
            ctx.at("shots", ctx.ix(shot), "prompt"),
            shot.id,
            help="shorten the prompt",
        )
    return result.text


def provider_tags(
    ctx: Context, shot: Shot, prof: Profile, prompt: str | None, mids: list[MidFrame], video: RefVideo | None
) -> str | None:
    """The prompt with the tags the provider requires in it appended (I002), or noted (I001)."""
    if prompt is None:
        return None
    declared = [m.tag for m in mids] if prof.mid_frame_tags and prof.max_mid_frames else []
    if video is not None and prof.ref_video_tags:
        declared.append(video.tag)
    present = {"@" + m.group(1) for m in TAG.finditer(prompt)}
    missing = [t for t in declared if t not in present]
    if not missing:
        return prompt
    if prof.tags_must_appear_in_prompt:
        ctx.error(
            "I002",
            f"{prof.id} requires every tag in the prompt; appended {' '.join(missing)} to shot `{shot.id}`'s prompt",
            ctx.at("shots", ctx.ix(shot), "prompt"),
            shot=shot.id,
        )
        return f"{prompt} {' '.join(missing)}"
    if video is not None and video.tag in missing:
        ctx.error(
            "I001",
            f"the reference video of shot `{shot.id}` is tagged {video.tag} (its {'shot' if video.video.shot else 'asset'} name)",
            ctx.shot_at(shot, "extends" if video.type == "extend" else "motion"),
            shot=shot.id,
        )
    return prompt
