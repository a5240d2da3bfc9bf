"""compile: a loaded storyboard -> a DAG of canonical SkyReels V4 requests, every rule checked.

The compiler never stops at the first problem: each shot is compiled as far as it can
be and every violation is reported with its place in the file. Rules that depend on a
provider read that provider's capability profile (:mod:`.profiles`), so the same loop
serves all six providers.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from typing import Any

from .. import env
from ..diagnostics import Location
from ..load import Loaded
from ..load.model import DEFAULTS, Shot
from ..load.validate import suggest
from .context import SETTING_KEYS, Context, Where
from .media import Probe
from .names import check_names
from .profiles import PROFILES, Profile
from .request import MediaRef, MidFrame, RefGroup, RefVideo, Request, frame_size
from .result import Compiled, CompiledShot, Edge, EdgeKind

TAG = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9_-]*)")

__all__ = [
    "SETTING_KEYS",
    "TAG",
    "Compiled",
    "CompiledShot",
    "Edge",
    "EdgeKind",
    "Where",
    "compile_storyboard",
]


def compile_storyboard(
    loaded: Loaded, *, provider: str | None = None, tier: str | None = None, staging: bool | None = None
) -> Compiled:
    """Compile ``loaded``; ``provider`` and ``tier`` override every shot (the CLI flags).

    ``staging`` says whether local files can be uploaded for providers that take only
    URLs; by default, whether ``STORYBOARD_UPLOAD_URL`` is set.
    """
    if staging is None:
        staging = bool(os.environ.get(env.UPLOAD_URL))
    return _Compiler(loaded, provider, tier, staging).run()


class _Compiler(Context):
    # -- the passes --------------------------------------------------------------------
    def run(self) -> Compiled:
        if not self.board.shots and not self.loaded.broken_names:
            self.error(
                "S006", "the storyboard has no shots", self.at("shots"), help="add at least one shot under `shots:`"
            )
        check_names(self)
        self.check_characters()
        self.check_assets()
        parents: dict[str, list[str]] = {sid: [] for sid in self.shots}
        for shot in self.board.shots:
            for kind, parent in self.edges_of(shot):
                self.shots[shot.id].edges.append(Edge(kind, parent))
                parents[shot.id].append(parent)
        order, in_cycles = self.order_and_cycles(parents)
        index = {sid: cs.index for sid, cs in self.shots.items()}
        for sid in order + sorted(in_cycles, key=index.__getitem__):
            self.compile_shot(self.by_id[sid])
        self.report_settings_errors()
        used_by_others = {p for ps in parents.values() for p in ps}
        cut = self.check_cut()
        self.check_unused(used_by_others, cut)
        provider = self.overrides.get("provider") or self.board.settings.provider or DEFAULTS["provider"]
        return Compiled(self.loaded, self.shots, order, cut, str(provider), self.diag)

    def check_characters(self) -> None:
        for name, ch in self.board.characters.items():
            here = self.at("characters", name, key=True)
            if (ch.images is None) == (ch.grid is None):
                self.error(
                    "V007",
                    f"character `{name}` must have either `images` (1 to 5) or one `grid` image, "
                    + ("found both" if ch.images is not None else "found neither"),
                    here,
                    help="a grid group is exactly one collage image; an image group holds 1 to 5 images",
                )
            if ch.images is not None:
                if not 1 <= len(ch.images) <= 5:
                    self.error(
                        "V006",
                        f"character `{name}` has {len(ch.images)} images; a reference group holds 1 to 5",
                        self.at("characters", name, "images"),
                        help="split the images into two characters" if ch.images else "add an image",
                    )
                for i, img in enumerate(ch.images):
                    self.media_value(img, self.at("characters", name, "images", i), ("image",), "images")
            if ch.grid is not None:
                self.media_value(ch.grid, self.at("characters", name, "grid"), ("image",), "grid")
            if ch.voice is not None:
                if ch.grid is not None:
                    self.error(
                        "V008",
                        f"character `{name}` is a grid group; only image groups can carry a voice",
                        self.at("characters", name, "voice", key=True),
                        help="use `images:` for this character, or remove `voice`",
                    )
                self.media_value(ch.voice, self.at("characters", name, "voice"), ("audio",), "voice")

    def check_assets(self) -> None:
        for name, value in self.board.assets.items():
            self.media_value(value, self.at("assets", name), ("video", "audio"), f"assets.{name}")

    # -- the graph ---------------------------------------------------------------------
    def edges_of(self, shot: Shot) -> list[tuple[EdgeKind, str]]:
        out: list[tuple[EdgeKind, str]] = []
        for kind in ("extends", "continues", "motion"):
            target = getattr(shot, kind)
            if target is None:
                continue
            if kind == "motion" and target in self.board.assets:
                continue  # an asset, not a shot
            if target in self.shots:
                out.append((kind, target))  # type: ignore[arg-type]
                continue
            if target in self.loaded.broken_names:
                continue  # its own error is already reported
            if kind == "motion":
                guess = suggest(target, list(self.shots) + list(self.board.assets))
                self.error(
                    "R004",
                    f"`motion: {target}` names no video asset and no shot",
                    self.shot_at(shot, "motion"),
                    shot.id,
                    help=f"did you mean `{guess}`?" if guess else "declare the video under `assets:` or name a shot",
                )
                continue
            guess = suggest(target, self.shots)
            self.error(
                "R002",
                f"`{kind}: {target}` names no shot",
                self.shot_at(shot, kind),
                shot.id,
                help=f"did you mean `{guess}`?" if guess else "use the id of a shot in this file",
            )
        return out

    def order_and_cycles(self, parents: dict[str, list[str]]) -> tuple[list[str], set[str]]:
        """Dependency order of the shots, and the shots caught in cycles (each cycle reported once).

        graphlib (stdlib) rather than networkx here: ordering is all ``plan`` needs, and
        importing networkx costs more than planning a thousand shots.
        """
        from graphlib import CycleError, TopologicalSorter

        remaining = {sid: list(ps) for sid, ps in parents.items()}
        members: set[str] = set()
        while True:
            try:
                return list(TopologicalSorter(remaining).static_order()), members
            except CycleError as exc:
                cycle: list[str] = exc.args[1][:-1]  # each node is a parent of the next
            start = min(range(len(cycle)), key=lambda i: self.shots[cycle[i]].index)
            cycle = cycle[start:] + cycle[:start]
            child = cycle[1 % len(cycle)]
            kind = next(e.kind for e in self.shots[child].edges if e.parent == cycle[0])
            self.error(
                "R003",
                f"dependency cycle: {' -> '.join(cycle + [cycle[0]])}",
                self.shot_at(self.by_id[child], kind),
                child,
                help="every shot must be generatable before the shots that extend, continue or imitate it",
            )
            for sid in cycle:
                self.shots[sid].ok = False
                members.add(sid)
                remaining.pop(sid, None)
            for ps in remaining.values():
                ps[:] = [p for p in ps if p not in members]

    # -- one shot ----------------------------------------------------------------------
    def compile_shot(self, shot: Shot) -> None:
        cs = self.shots[shot.id]
        eff = cs.settings
        prof = PROFILES[eff["provider"]]
        sid = shot.id
        table = (prof.sizes or {}).get((eff["resolution"], eff["aspect_ratio"]))
        width, height = table or frame_size(eff["resolution"], eff["aspect_ratio"])
        self.check_settings(shot, prof)

        prompt = self.render_prompt(shot)
        extends_parent = shot.extends if shot.extends in self.shots else None
        motion_shot = shot.motion if shot.motion in self.shots else None
        motion_asset = shot.motion if shot.motion in self.board.assets else None
        audio_asset = self.check_audio_asset(shot, prof)
        if motion_asset:
            self.used_names.add(motion_asset)

        groups = self.attach_characters(
            shot, prompt or "", prof, {extends_parent, motion_shot, motion_asset, audio_asset}
        )

        # image-to-video side
        first = self.frame(shot, "first_frame", prof)
        last = self.frame(shot, "last_frame", prof)
        if shot.continues is not None and shot.continues in self.shots:
            if shot.first_frame is not None:
                self.error(
                    "V015",
                    f"shot `{sid}` sets both `continues` and `first_frame`; continuity already fixes the first frame",
                    self.shot_at(shot, "first_frame", key=True),
                    sid,
                    help="remove one of them",
                )
            first = MediaRef(last_frame_of=shot.continues)
            if not prof.first_frame:
                self.unsupported(shot, prof, "continues", "a first frame (continuity needs one)")
        mids = self.keyframes(shot, prof, eff["duration"])

        # omni side
        ref_video = None
        if extends_parent:
            ref_video = RefVideo(tag=f"@{extends_parent}", type="extend", video=MediaRef(clip_of=extends_parent))
            if shot.motion is not None:
                self.error(
                    "V016",
                    f"shot `{sid}` has both `extends` and `motion`; a shot takes one reference video",
                    self.shot_at(shot, "motion", key=True),
                    sid,
                    help="split it into two shots",
                )
        elif motion_shot or motion_asset:
            ref_video = self.motion_video(shot, prof, motion_shot, motion_asset)

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
            self.error(
                "V002",
                f"shot `{sid}` mixes image-to-video fields ({', '.join(i2v)}) with omni references "
                f"({', '.join(omni)}); SkyReels V4 rejects the combination (422)",
                self.shot_at(shot),
                sid,
                help="split it into two shots, one driven by frames and one by references",
            )
        if extends_parent and groups:
            self.error(
                "V003",
                f"shot `{sid}` extends `{extends_parent}` and also references {', '.join(g.tag for g in groups)}; "
                "a video extension cannot combine with reference images",
                self.shot_at(shot, "extends", key=True),
                sid,
                help="remove the @tags from the prompt, or use `motion:` instead of `extends:`",
            )
        if ref_video is not None:
            self.check_ref_video(shot, prof, ref_video, groups)

        # mode and the tags a provider needs
        mode = (
            "omni"
            if (groups or ref_video or (audio_asset and not i2v))
            else ("i2v" if (first or last or mids) else "t2v")
        )
        action = _action(groups, ref_video, audio_asset, first, last, mids)
        prompt = self.provider_tags(shot, prof, prompt, mids, ref_video)

        cs.seconds, cs.billed_seconds, cs.estimate = self.seconds(shot, eff, ref_video)
        audio_ref = None
        if audio_asset:
            res = self.media.resolve(self.board.assets[audio_asset])
            audio_ref = res.ref
        if prompt is None:
            cs.ok = False
            return
        if prof.size_from_width_height and (table or prof.sizes is None):
            self.error(
                "I003",
                f"{prof.id} takes width and height; {eff['resolution']} {eff['aspect_ratio']} is sent as {width}x{height}"
                + (" (its size table)" if table else ""),
                self.setting_at(shot, "aspect_ratio"),
                shot=sid,
            )
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
        for _, ref in cs.request.media():
            if ref.file is not None:
                cs.files[ref.file] = self.media.resolve_file(ref.file)
        if prof.paid:
            self.check_reachable(shot, prof, cs.request)

    def check_reachable(self, shot: Shot, prof: Profile, request: Request) -> None:
        """P004: every local input must reach a URL-only provider somehow (an upload bucket).

        What needs uploading is kept on the shot either way, so ``plan`` can quote a build
        before the bucket exists and list it as something the build will need.
        """
        sid = shot.id
        for ref, kind, where in self.local_inputs(shot, request):
            if ref.url is not None or kind in prof.inline_media:
                continue
            if ref.clip_of is not None and self.shots[ref.clip_of].settings.get("provider") == prof.id:
                continue  # the parent's own result URL is handed over
            what = f"`{ref.file}`" if ref.file else f"the {'clip' if ref.clip_of else 'last frame'} of `{ref.shot}`"
            self.shots[sid].uploads.append(what)
            if self.staging:
                continue
            self.error(
                "P004",
                f"shot `{sid}` sends {what} to {prof.id}, which takes {kind}s only as URLs, and no upload bucket is set",
                where,
                sid,
                help="set STORYBOARD_UPLOAD_URL=s3://bucket/prefix (files are uploaded once and sent as presigned URLs), "
                "or use an https:// URL here",
            )

    def local_inputs(self, shot: Shot, request: Request) -> Iterator[tuple[MediaRef, str, Where]]:
        """Each input that is a file on this machine, its kind, and where the YAML names it."""
        ix = self.ix(shot)
        if request.first_frame is not None:
            yield request.first_frame, "image", self.shot_at(shot, "continues" if shot.continues else "first_frame")
        if request.last_frame is not None:
            yield request.last_frame, "image", self.shot_at(shot, "last_frame")
        for i, mid in enumerate(request.mid_frames):
            yield mid.image, "image", self.at("shots", ix, "keyframes", i, "image")
        for group in request.ref_images:
            name = group.tag[1:]
            for j, image in enumerate(group.images):
                place = ("grid",) if group.type == "grid" else ("images", j)
                yield image, "image", self.at("characters", name, *place)
            if group.audio is not None:
                yield group.audio, "audio", self.at("characters", name, "voice")
        if request.ref_video is not None:
            field_name = "extends" if request.ref_video.type == "extend" else "motion"
            place = self.shot_at(shot, field_name)
            if shot.motion in self.board.assets and field_name == "motion":
                place = self.at("assets", shot.motion)
            yield request.ref_video.video, "video", place
        if request.audio is not None and shot.audio is not None:
            yield request.audio, "audio", self.at("assets", shot.audio)

    def check_settings(self, shot: Shot, prof: Profile) -> None:
        eff = self.shots[shot.id].settings
        sid = shot.id
        duration = eff["duration"]
        if not 3 <= duration <= 15:
            self.error(
                "V001",
                f"duration must be a whole number of seconds from 3 to 15, found {duration}{self.setting_source(shot, 'duration')}",
                self.setting_at(shot, "duration"),
                sid,
                help=f"use {min(max(duration, 3), 15)}; split longer scenes into several shots"
                if duration > 15
                else "use 3 or more",
            )
        if eff["tier"] not in prof.tiers:
            self.error(
                "P002",
                f"{prof.id} does not offer the `{eff['tier']}` tier{self.setting_source(shot, 'tier')}; "
                f"it offers {', '.join(sorted(prof.tiers))}",
                self.setting_at(shot, "tier"),
                sid,
                help=f"set `tier: {sorted(prof.tiers)[-1]}` or pick another provider",
                setting=True,
            )
        if not prof.size_from_width_height and eff["aspect_ratio"] not in prof.aspect_ratios:
            self.error(
                "P002",
                f"{prof.id} does not accept aspect ratio {eff['aspect_ratio']}"
                f"{self.setting_source(shot, 'aspect_ratio')}; it accepts {', '.join(sorted(prof.aspect_ratios))}",
                self.setting_at(shot, "aspect_ratio"),
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
            self.error(
                "P006",
                f"{prof.id} takes width x height only from its size table, and {pair[0]} {pair[1]} "
                f"is not in it{self.setting_source(shot, 'aspect_ratio')}; supported: {ok}"
                + (f", and any resolution at {', '.join(alone)} (sent as the resolution alone)" if alone else ""),
                self.setting_at(shot, "aspect_ratio"),
                sid,
                help=f"set {' or '.join(fixes)}" if fixes else "choose a size from the table",
                setting=True,
            )
        if eff["sound"] and not prof.sound:
            self.unsupported(shot, prof, "sound", "sound generation", self.setting_at(shot, "sound"), setting=True)
        if eff["sound"] and eff["tier"] == "fast" and prof.fast_requires_silence:
            self.error(
                "P003",
                f"{prof.id}'s fast mode requires sound off",
                self.setting_at(shot, "sound"),
                sid,
                help="set `sound: false` or `tier: std`",
                setting=True,
            )
        if not eff["prompt_optimizer"] and not prof.prompt_optimizer:
            self.unsupported(
                shot,
                prof,
                "prompt_optimizer",
                "switching prompt optimisation off",
                self.setting_at(shot, "prompt_optimizer"),
                setting=True,
            )

    def unsupported(
        self, shot: Shot, prof: Profile, field_name: str, what: str, where: Where | None = None, *, setting: bool = False
    ) -> None:
        message = f"{prof.id} does not offer {what} (`{field_name}`)"
        self.error(
            "P001",
            message if setting else f"shot `{shot.id}`: {message}",
            where or self.shot_at(shot, field_name, key=True),
            shot.id,
            help=_supporting(what_key=field_name, current=prof.id),
            setting=setting,
        )

    def render_prompt(self, shot: Shot) -> str | None:
        result = self.renderer.render(shot.prompt)
        if result.problem is not None:
            p = result.problem
            where: Where | Location = self.at("shots", self.ix(shot), "prompt")
            if "\n" in shot.prompt:  # a multi-line prompt: point at the template's line, not past the value
                offset = sum(len(line) + 1 for line in shot.prompt.split("\n")[: p.line - 1])
                where = self.src.locate_in_value(("shots", self.ix(shot), "prompt"), offset, 1)
            help_text = p.help
            if p.code == "T002" and p.name:
                guess = suggest(p.name, self.board.vars)
                help_text = f"did you mean `{guess}`?" if guess else "define it under `vars:`"
            self.error(p.code, p.message, where, shot.id, help_text)
            return None
        if not result.text:
            self.error(
                "V013",
                f"shot `{shot.id}` has an empty prompt; every provider requires one",
                self.at("shots", self.ix(shot), "prompt"),
                shot.id,
                help="describe the shot",
            )
            return None
        prof = PROFILES[self.shots[shot.id].settings["provider"]]
        if prof.prompt_max_chars is not None and len(result.text) > prof.prompt_max_chars:
            self.error(
                "V012",
                f"shot `{shot.id}`: the rendered prompt is {len(result.text):,} characters; "
                f"{prof.id} takes at most {prof.prompt_max_chars:,}",
                self.at("shots", self.ix(shot), "prompt"),
                shot.id,
                help="shorten the prompt",
            )
        return result.text

    def tag_at(self, shot: Shot, name: str) -> Location:
        raw = shot.prompt
        m = re.search(r"(?<![\w@.])@" + re.escape(name) + r"(?![A-Za-z0-9_-])", raw)
        if m is None:
            return self.at("shots", self.ix(shot), "prompt").resolve()
        return self.src.locate_in_value(("shots", self.ix(shot), "prompt"), m.start(), len(name) + 1)

    def attach_characters(self, shot: Shot, prompt: str, prof: Profile, own: set[str | None]) -> list[RefGroup]:
        groups: list[RefGroup] = []
        sid = shot.id
        seen: set[str] = set()
        for m in TAG.finditer(prompt):
            name = m.group(1)
            if name not in self.names and name not in self.shots and name.rstrip("-_") != name:
                name = name.rstrip("-_")
            if name in seen:
                continue
            seen.add(name)
            if name in own:
                continue
            ch = self.board.characters.get(name)
            if ch is not None:
                self.used_names.add(name)
                if ch.images is not None and ch.grid is not None:
                    continue  # V007 already reported
                images = ch.images if ch.images is not None else ([ch.grid] if ch.grid else [])
                refs = tuple(r.ref for r in (self.media.resolve(v) for v in images) if r.ref is not None)
                voice = self.media.resolve(ch.voice).ref if ch.voice else None
                groups.append(
                    RefGroup(tag=f"@{name}", type="grid" if ch.grid is not None else "image", images=refs, audio=voice)
                )
                continue
            if name in self.loaded.broken_names:
                continue
            where = self.tag_at(shot, name)
            if name in self.board.assets:
                kind = self.media.resolve(self.board.assets[name]).kind
                fix = (
                    f"set `audio: {name}`"
                    if kind == "audio"
                    else f"set `motion: {name}` to use it as the motion reference"
                )
                self.error("R001", f"`@{name}` is an asset that shot `{sid}` does not use", where, sid, help=fix)
            elif name in self.shots:
                self.error(
                    "R001",
                    f"`@{name}` is a shot that shot `{sid}` neither extends nor uses as motion",
                    where,
                    sid,
                    help=f"set `extends: {name}` or `motion: {name}`, or remove the tag",
                )
            else:
                pool = list(self.board.characters) + [n for n in own if n]
                guess = suggest(name, pool)
                self.error(
                    "R001",
                    f"`@{name}` names nothing shot `{sid}` can reference",
                    where,
                    sid,
                    help=f"did you mean `@{guess}`?" if guess else "declare it under `characters:` or remove the @",
                )
        self.check_groups(shot, prof, groups)
        return groups

    def check_groups(self, shot: Shot, prof: Profile, groups: list[RefGroup]) -> None:
        if not groups:
            return
        sid = shot.id
        where = self.at("shots", self.ix(shot), "prompt")
        types = {g.type for g in groups}
        if len(types) > 1:
            self.error(
                "V009",
                f"shot `{sid}` references image groups and grid groups together "
                f"({', '.join(f'{g.tag} ({g.type})' for g in groups)}); all groups of one shot must be of one type",
                where,
                sid,
                help="reference only image characters or only grid characters in one shot",
            )
        if prof.grouped_references:
            if len(groups) > prof.max_groups:
                self.error(
                    "V005",
                    f"shot `{sid}` references {len(groups)} characters; {prof.id} takes at most {prof.max_groups} reference groups",
                    where,
                    sid,
                    help="reference fewer characters in this shot",
                )
        else:
            total = sum(len(g.images) for g in groups)
            if prof.flat_images_max is not None and total > prof.flat_images_max:
                self.error(
                    "V019",
                    f"shot `{sid}` references {total} images in all; {prof.id} takes at most {prof.flat_images_max} reference images",
                    where,
                    sid,
                    help="use fewer images per character, or a provider with reference groups",
                )
        if "grid" in types and not prof.grid:
            self.unsupported(shot, prof, "grid", "grid (collage) reference groups", where)
        elif types == {"grid"} and prof.max_grid_groups is not None and len(groups) > prof.max_grid_groups:
            self.error(
                "V021",
                f"shot `{sid}` references {len(groups)} grid characters ({', '.join(g.tag for g in groups)}); "
                f"{prof.id} takes at most {prof.max_grid_groups} grid group in a shot, with no other group",
                where,
                sid,
                help="reference one grid character per shot, or put the others in one collage",
            )
        if any(g.audio for g in groups):
            if not prof.group_audio:
                self.unsupported(shot, prof, "voice", "voices bound to reference groups", where)
            else:
                for name in (g.tag[1:] for g in groups if g.audio):
                    voice = self.board.characters[name].voice or ""
                    probe = self.readable_audio(voice, self.at("characters", name, "voice"), sid)
                    limit = prof.group_audio_max_seconds
                    if probe is not None and limit is not None and probe.seconds > limit:
                        self.error(
                            "V017",
                            f"character `{name}`'s voice is {probe.seconds:.1f} s; {prof.id} takes at most "
                            f"{limit:g} s (shot `{sid}`)",
                            self.at("characters", name, "voice"),
                            sid,
                            help="trim the voice sample",
                        )

    def frame(self, shot: Shot, name: str, prof: Profile) -> MediaRef | None:
        value = getattr(shot, name)
        if value is None:
            return None
        res = self.media_value(value, self.shot_at(shot, name), ("image",), name, shot.id)
        if not getattr(prof, name):
            self.unsupported(shot, prof, name, f"a {name.replace('_', ' ')} image")
        return res.ref

    def keyframes(self, shot: Shot, prof: Profile, duration: int) -> list[MidFrame]:
        if not shot.keyframes:
            return []
        sid = shot.id
        total = (
            len(shot.keyframes)
            + (shot.first_frame is not None or shot.continues is not None)
            + (shot.last_frame is not None)
        )
        if prof.max_mid_frames == 0:
            self.unsupported(shot, prof, "keyframes", "mid-frame keyframes")
        elif len(shot.keyframes) > prof.max_mid_frames:
            self.error(
                "V014",
                f"shot `{sid}` has {len(shot.keyframes)} keyframes; {prof.id} takes at most {prof.max_mid_frames}",
                self.shot_at(shot, "keyframes", key=True),
                sid,
                help="drop some keyframes or split the shot",
            )
        elif prof.max_frame_images is not None and total > prof.max_frame_images:  # one V014 per shot, not two
            self.error(
                "V014",
                f"shot `{sid}` has {total} frame images (first, last and keyframes); {prof.id} takes at most {prof.max_frame_images}",
                self.shot_at(shot, "keyframes", key=True),
                sid,
                help="drop some keyframes",
            )
        mids: list[MidFrame] = []
        previous = 0.0
        for i, kf in enumerate(shot.keyframes):
            where = self.at("shots", self.ix(shot), "keyframes", i, "at")
            if not 0 < kf.at < duration:
                self.error(
                    "V004",
                    f"keyframe at {kf.at:g} s lies outside the shot (0, {duration}) s, ends excluded",
                    where,
                    sid,
                    help=f"use a time strictly between 0 and {duration}",
                )
            elif i and kf.at <= previous:
                self.error(
                    "V004",
                    f"keyframe at {kf.at:g} s does not come after the previous one at {previous:g} s; times must strictly increase",
                    where,
                    sid,
                    help="order the keyframes by time, without repeats",
                )
            previous = max(previous, kf.at)
            res = self.media_value(
                kf.image, self.at("shots", self.ix(shot), "keyframes", i, "image"), ("image",), "keyframes.image", sid
            )
            if res.ref is not None:
                mids.append(MidFrame(tag=self.derived_tag(f"kf{i + 1}"), image=res.ref, time=kf.at))
        if mids and prof.mid_frame_tags and prof.max_mid_frames:
            self.error(
                "I001",
                f"{prof.id} needs a tag on each mid frame; derived {', '.join(m.tag for m in mids)}",
                self.shot_at(shot, "keyframes", key=True),
                shot=sid,
            )
        return mids

    def derived_tag(self, base: str) -> str:
        name = base
        while name in self.names or name in self.shots:
            name += "_"
        return f"@{name}"

    def check_audio_asset(self, shot: Shot, prof: Profile) -> str | None:
        name = shot.audio
        if name is None:
            return None
        sid = shot.id
        if name not in self.board.assets:
            if name not in self.loaded.broken_names:
                audio_assets = [a for a, v in self.board.assets.items() if self.media.resolve(v).kind == "audio"]
                guess = suggest(name, audio_assets)
                self.error(
                    "R004",
                    f"`audio: {name}` names no asset",
                    self.shot_at(shot, "audio"),
                    sid,
                    help=f"did you mean `{guess}`?" if guess else "declare the audio file under `assets:`",
                )
            return None
        self.used_names.add(name)
        kind = self.media.resolve(self.board.assets[name]).kind
        if kind != "audio":
            self.error(
                "R004",
                f"`audio: {name}` names a {kind or 'non-audio'} asset; audio-driven shots take an audio file",
                self.shot_at(shot, "audio"),
                sid,
                help="use `motion:` for a video",
            )
            return None
        if not prof.shot_audio:
            self.unsupported(shot, prof, "audio", "audio-driven generation from a standalone audio file")
        self.readable_audio(self.board.assets[name], self.at("assets", name), sid)
        return name

    def motion_video(
        self, shot: Shot, prof: Profile, motion_shot: str | None, motion_asset: str | None
    ) -> RefVideo | None:
        if motion_asset:
            res = self.media.resolve(self.board.assets[motion_asset])
            if res.kind != "video":
                self.error(
                    "R004",
                    f"`motion: {motion_asset}` names a {res.kind or 'non-video'} asset; a motion reference is a video",
                    self.shot_at(shot, "motion"),
                    shot.id,
                    help="use `audio:` for audio-driven shots",
                )
                return None
            if res.ref is None:
                return None
            return RefVideo(tag=f"@{motion_asset}", type="reference", video=res.ref)
        assert motion_shot is not None
        return RefVideo(tag=f"@{motion_shot}", type="reference", video=MediaRef(clip_of=motion_shot))

    def ref_video_shape(self, video: RefVideo) -> tuple[float | None, int | None, int | None, bool]:
        """Length, width, height of a reference video, and whether the length is a guess."""
        parent = video.video.shot
        if parent is not None:
            cs = self.shots[parent]
            w, h = frame_size(cs.settings["resolution"], cs.settings["aspect_ratio"])
            total = cs.seconds
            if video.type == "extend":
                total = self.chain_seconds(parent)
            return total, w, h, cs.estimate
        if video.video.file is not None:
            probe = self.media.probe(self.media.root / video.video.file)
            if isinstance(probe, Probe):
                return probe.seconds, probe.width, probe.height, False
            return None, None, None, True
        return None, None, None, True

    def chain_seconds(self, sid: str) -> float:
        """Length of the whole video an extension chain has produced up to ``sid``."""
        total = 0.0
        seen: set[str] = set()
        while sid and sid not in seen:
            seen.add(sid)
            cs = self.shots[sid]
            total += cs.seconds
            nxt = next((e.parent for e in cs.edges if e.kind == "extends"), None)
            sid = nxt or ""
        return total

    def check_ref_video(self, shot: Shot, prof: Profile, video: RefVideo, groups: list[RefGroup]) -> None:
        sid = shot.id
        field_name = "extends" if video.type == "extend" else "motion"
        where = self.shot_at(shot, field_name)
        if video.type not in prof.ref_video_types:
            self.unsupported(shot, prof, field_name, f"{video.type}-type reference videos", where)
            return
        resolution = self.shots[sid].settings["resolution"]
        allowed = prof.reference_video_resolutions
        if video.type == "reference" and allowed is not None and resolution not in allowed:
            self.error(
                "P002",
                f"{prof.id} takes a motion reference (`motion: {video.tag[1:]}`) only at "
                f"{' or '.join(sorted(allowed))}; the resolution is {resolution}{self.setting_source(shot, 'resolution')}",
                self.setting_at(shot, "resolution"),
                sid,
                help=f"set `resolution: {max(allowed, key=lambda r: int(r.rstrip('p')))}` on this shot",
                setting=True,
            )
        if video.video.file is not None:
            probe = self.media.probe(self.media.root / video.video.file)
            if isinstance(probe, str):
                self.error(
                    "M005",
                    f"cannot read `{video.video.file}` as a video: {probe}",
                    self.at("assets", video.tag[1:]),
                    sid,
                    help="re-encode it as an H.264 mp4",
                )
                return
        seconds, width, height, guess = self.ref_video_shape(video)
        if video.type == "reference" and seconds is not None and seconds > prof.reference_video_max_seconds + 1e-6:
            self.error(
                "V010",
                f"shot `{sid}`: the motion reference `{video.tag[1:]}` is {seconds:.1f} s; "
                f"{prof.id} takes a reference video of at most {prof.reference_video_max_seconds:g} s",
                where,
                sid,
                help="trim the reference video",
            )
        if prof.ref_video_min_pixels and width and height and width * height < prof.ref_video_min_pixels:
            self.error(
                "V011",
                f"shot `{sid}`: the reference video `{video.tag[1:]}` is {width}x{height} ({width * height:,} pixels); "
                f"{prof.id} needs at least {prof.ref_video_min_pixels:,} pixels",
                where,
                sid,
                help="use a 1080p 16:9 or 9:16 source (1920x1080 is 2,073,600 pixels)",
            )
        if video.type == "reference" and groups and not prof.reference_video_with_groups:  # extends: V003
            self.error(
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
        eff = self.shots[sid].settings
        if video.type == "reference" and eff["sound"] and not prof.reference_video_sound:
            self.error(
                "P005",
                f"{prof.id} generates no sound for a shot with a motion reference (`motion: {video.tag[1:]}`); "
                f"`sound` is true{self.setting_source(shot, 'sound')} and the reference video's own audio is carried to the output",
                self.setting_at(shot, "sound"),
                sid,
                help="set `sound: false` on this shot",
                setting=True,
            )
        if video.type == "reference" and not prof.reference_video_with_grid and any(g.type == "grid" for g in groups):
            self.error(
                "V018",
                f"shot `{sid}`: {prof.id} combines a reference video only with image groups, not grids",
                where,
                sid,
                help="use image characters in this shot",
            )

    def provider_tags(
        self, shot: Shot, prof: Profile, prompt: str | None, mids: list[MidFrame], video: RefVideo | None
    ) -> str | None:
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
            self.error(
                "I002",
                f"{prof.id} requires every tag in the prompt; appended {' '.join(missing)} to shot `{shot.id}`'s prompt",
                self.at("shots", self.ix(shot), "prompt"),
                shot=shot.id,
            )
            return f"{prompt} {' '.join(missing)}"
        if video is not None and video.tag in missing:
            self.error(
                "I001",
                f"the reference video of shot `{shot.id}` is tagged {video.tag} (its {'shot' if video.video.shot else 'asset'} name)",
                self.shot_at(shot, "extends" if video.type == "extend" else "motion"),
                shot=shot.id,
            )
        return prompt

    def seconds(self, shot: Shot, eff: dict[str, Any], video: RefVideo | None) -> tuple[float, float, bool]:
        """(new seconds in the clip, billed seconds, whether billing is an estimate)."""
        duration = float(eff["duration"])
        if video is None or video.type != "reference":
            return duration, duration, False
        length, _, _, guess = self.ref_video_shape(video)
        if length is None:
            return duration, duration, True
        billed = float(min(10, max(3, math.ceil(length - 1e-6))))
        where = self.shot_at(shot, "motion")
        self.error(
            "I004",
            f"shot `{shot.id}` follows its reference video: {length:.2f} s, billed as {billed:g} s"
            + (" (estimated)" if guess else ""),
            where,
            shot=shot.id,
        )
        if shot.duration is not None and shot.duration != billed:
            self.error(
                "W003",
                f"`duration: {shot.duration}` is ignored: shot `{shot.id}` follows its reference video ({length:.2f} s)",
                self.shot_at(shot, "duration"),
                shot=shot.id,
                help="remove `duration` from this shot",
            )
        return length, billed, guess

    # -- the film ----------------------------------------------------------------------
    def check_cut(self) -> list[str]:
        if self.board.cut is None:
            return [s.id for s in self.board.shots if s.id in self.shots]
        cut: list[str] = []
        for i, sid in enumerate(self.board.cut):
            if sid in self.shots:
                cut.append(sid)
            elif sid not in self.loaded.broken_names:
                guess = suggest(sid, self.shots)
                self.error(
                    "R002",
                    f"the cut names `{sid}`, which is no shot",
                    self.at("cut", i),
                    help=f"did you mean `{guess}`?" if guess else "list shot ids",
                )
        return cut

    def check_unused(self, used_by_others: set[str], cut: list[str]) -> None:
        for name in self.board.characters:
            if name not in self.used_names:
                self.error(
                    "W001",
                    f"character `{name}` is never used: no prompt mentions @{name}",
                    self.at("characters", name, key=True),
                    help=f"write @{name} in a prompt or remove the character",
                )
        for name in self.board.assets:
            if name not in self.used_names:
                self.error(
                    "W001",
                    f"asset `{name}` is never used by `motion:` or `audio:`",
                    self.at("assets", name, key=True),
                    help="use it or remove it",
                )
        in_cut = set(cut)
        if self.board.cut is None:
            return
        for sid in self.shots:
            if sid not in in_cut and sid not in used_by_others:
                self.error(
                    "W002",
                    f"shot `{sid}` is generated (and paid for) but is neither in the cut nor used by another shot",
                    self.shot_at(self.by_id[sid]),
                    shot=sid,
                    help=f"add `{sid}` to `cut:` or remove the shot",
                )


def _action(
    groups: list[RefGroup],
    video: RefVideo | None,
    audio: str | None,
    first: MediaRef | None,
    last: MediaRef | None,
    mids: list[MidFrame],
) -> Any:
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


_FEATURES: dict[str, Any] = {
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
