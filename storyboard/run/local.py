"""The `local` provider: an honest offline preview (animatic) of a shot, rendered with ffmpeg.

It is not AI generation. It makes every feature of the tool usable with no key and no
network: each clip has the requested length, size and frame rate, shows the shot id,
the prompt and a timecode, puts the first/last frame images at the ends and each
keyframe image at its time, shows reference images as labelled thumbnails and a motion
reference in a corner, starts an extension or a continuation from its parent's last
frame, and carries silence (or, with ``sound``, a tone).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import textwrap
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import MediaError, RenderError, RenderStalled
from ..media.ffmpeg import arun_ffmpeg, ffmpeg_head
from ..media.fonts import font_file  # the cut's cards and burned captions draw with it too
from ..media.probe import MediaInfo, check_image, probe_media
from ..plan.keys import take_identity
from .job import Generated, Job, Report

FPS = 32
AUDIO_RATE = 48000
HOLD = 0.75  # seconds an end frame or keyframe image stays on screen
# stills are read by their content, as `check` decoded them: the gif demuxer ffmpeg picks
# for a GIF takes no `loop` option, so a GIF that checked clean failed the render
STILL_DEMUXER = "image2pipe"
RENDER_TIMEOUT_BASE = 60.0
RENDER_TIMEOUT_PER_SECOND = 20.0
RENDER_ATTEMPTS = 3


class LocalProvider:
    """The ``local`` provider: $0, no key, no network; as many renders at once as there are cores."""

    id = "local"

    def __init__(self, concurrency: int | None = None) -> None:
        self._concurrency = concurrency or os.cpu_count() or 2

    @property
    def concurrency(self) -> int:
        """Renders at once (the CPU count by default); each render's ffmpeg gets cores / concurrency threads."""
        return self._concurrency

    async def aclose(self) -> None:
        """Nothing to release: each render is its own ffmpeg process, ended when it finishes."""
        return None

    async def generate(self, job: Job, report: Report) -> Generated:
        """Free, so no cost is reported; a render that stalls is tried anew, 3 times in all, then RenderError."""
        report(job.shot, "rendering", "ffmpeg preview")
        await asyncio.to_thread(_check_images, job)
        out = job.work / f"{job.shot}.mp4"
        args = preview_args(job, out, threads=max(1, (os.cpu_count() or 2) // max(1, self._concurrency)))
        seconds = job.expected_seconds or float(job.request.duration)
        timeout = RENDER_TIMEOUT_BASE + RENDER_TIMEOUT_PER_SECOND * seconds
        for attempt in range(1, RENDER_ATTEMPTS + 1):
            try:
                await arun_ffmpeg(args, what="rendering the preview", timeout=timeout)
                return Generated(out)
            except RenderStalled:
                # ffmpeg 9 occasionally stops making progress at the end of a render
                # (about 1 in 250 under load); a fresh run finishes normally
                report(job.shot, "rendering", f"ffmpeg stalled, attempt {attempt + 1}")
        raise RenderError(f"the preview render stalled {RENDER_ATTEMPTS} times")


def preview_args(job: Job, out: Path, *, threads: int = 0) -> list[str]:
    """The ffmpeg command line that renders ``job``'s preview into ``out``."""
    import ffmpeg

    req = job.request
    w, h = req.width, req.height
    seconds = job.expected_seconds or float(req.duration)
    bg = _colour(take_identity(job.key, job.take, job.version))  # takes (and replaced versions) told apart at a glance
    # One lavfi input makes both the canvas and the base audio: ffmpeg 9 sometimes never
    # finishes when two generated inputs end together (about 1 render in 50 under load).
    if req.sound:
        tone = f"sine=f=440:r={AUDIO_RATE}:d={seconds:.6f},volume=0.2,aformat=channel_layouts=stereo"
    else:
        tone = f"anullsrc=r={AUDIO_RATE}:cl=stereo:d={seconds:.6f}"
    canvas = ffmpeg.input(f"color=c={bg}:s={w}x{h}:r={FPS}:d={seconds:.6f}[out0];{tone}[out1]", f="lavfi")
    video: Any = canvas.video.filter("format", "yuv420p")

    # ffmpeg-python merges identical chains (the same image as first and last frame, or twice in
    # a group) into one node, and a node feeding two filters needs an explicit split
    made: dict[tuple[object, ...], list[Any]] = {}

    def shared(key: tuple[object, ...], uses: int, make: Callable[[], Any]) -> Any:
        if key not in made:
            base = make()
            if uses > 1:
                node = base.split()
                made[key] = [node[i] for i in range(uses)]
            else:
                made[key] = [base]
        return made[key].pop(0)

    def still(path: Path, start: float, hold: float, uses: int) -> Any:
        def make() -> Any:
            img = ffmpeg.input(str(path), loop=1, t=f"{hold:.6f}", framerate=FPS, f=STILL_DEMUXER)
            img = img.filter("scale", w, h, force_original_aspect_ratio="decrease")
            return img.filter("pad", w, h, "(ow-iw)/2", "(oh-ih)/2", color=bg).filter("setsar", 1)

        return shared(("still", path, hold), uses, make).filter("setpts", f"PTS+{start:.6f}/TB")

    # reference images: labelled thumbnails along the bottom, in fixed boxes that fit the frame
    thumb_h = max(16, h // 5)
    thumb_w = max(16, min(w // 3 - 16, int(thumb_h * 16 / 9)))
    slots = [16 + i * (thumb_w + 16) for i in range(max(1, (w - 16) // (thumb_w + 16)))]
    shown = [(g, ref) for g in req.ref_images for ref in g.images[:2]][: len(slots)]
    thumbs = Counter(job.local_path(ref) for _, ref in shown)
    for (group, ref), x in zip(shown, slots, strict=False):
        path = job.local_path(ref)
        if path is None:
            continue

        def make_thumb(path: Path = path) -> Any:
            thumb = ffmpeg.input(str(path), loop=1, t=f"{seconds:.6f}", framerate=FPS, f=STILL_DEMUXER)
            return thumb.filter("scale", thumb_w, thumb_h, force_original_aspect_ratio="decrease").filter("setsar", 1)

        thumb = shared(("thumb", path), thumbs[path], make_thumb)
        video = ffmpeg.overlay(video, thumb, x=x, y=h - thumb_h - 16 - h // 20, eof_action="pass")
        label = group.tag + (" (grid)" if group.type == "grid" else "")
        video = _text(video, label, x, h - 12 - h // 20, max(10, min(h // 28, thumb_w // max(4, len(label)))))
    # a motion reference in the top-right corner
    if req.ref_video is not None and req.ref_video.type == "reference":
        path = job.local_path(req.ref_video.video)
        if path is not None:
            corner = ffmpeg.input(str(path), stream_loop=_loops(path, seconds)).video
            corner = corner.filter("scale", -2, max(16, h // 4)).filter("setsar", 1).filter("fps", FPS)
            corner = corner.filter("trim", duration=f"{seconds:.6f}")
            video = ffmpeg.overlay(video, corner, x="W-w-16", y=16, eof_action="pass")
            video = _text(video, f"motion {req.ref_video.tag}", "w-tw-16", 16 + h // 4 + 8, h // 28)
    # frames: first (or the parent's last frame), keyframes at their times, last
    first = job.local_path(req.first_frame)
    if first is None and req.ref_video is not None and req.ref_video.type == "extend":
        first = job.parent_frames.get(req.ref_video.video.clip_of or "")
    planned: list[tuple[Path, float, float]] = []  # (image, from, for how long)
    if first is not None:
        planned.append((first, 0.0, min(HOLD, seconds)))
    for mid in req.mid_frames:
        path = job.local_path(mid.image)
        if path is not None:
            planned.append((path, max(0.0, min(seconds - HOLD, mid.time - HOLD / 2)), HOLD))
    last = job.local_path(req.last_frame)
    if last is not None:
        planned.append((last, max(0.0, seconds - HOLD), HOLD))
    uses = Counter((path, hold) for path, _, hold in planned)
    for path, start, hold in planned:
        video = ffmpeg.overlay(video, still(path, start, hold, uses[(path, hold)]), eof_action="pass")
    # the words: shot id, the prompt, what it is, a timecode
    big, small = max(12, h // 12), max(10, h // 26)
    video = _text(video, job.shot if job.take == 1 else f"{job.shot}  take {job.take}", 24, 20, big)
    mode = {"t2v": "text to video", "i2v": "image to video", "omni": "omni reference"}[req.mode]
    info = f"PREVIEW  {req.model}  {req.resolution} {req.aspect_ratio}  {mode}"
    video = _text(video, info, 24, 28 + big, max(8, min(small, int((w - 48) / (len(info) * 0.6)))))
    width_chars = max(20, int(w / (small * 0.62)) - 4)
    prompt = "\n".join(textwrap.wrap(req.prompt, width_chars)[:8])
    prompt_file = job.work / f"{job.shot}.prompt.txt"
    prompt_file.write_text(prompt, encoding="utf-8")
    video = video.drawtext(
        textfile=str(prompt_file),
        x=24,
        y=f"{40 + big + small * 2}",
        fontsize=small,
        fontcolor="white",
        line_spacing=small // 3,
        expansion="none",  # the prompt is user text: "50% off" is drawn, not expanded
        **_font(),
    )
    timecode_file = job.work / f"{job.shot}.timecode.txt"
    timecode_file.write_text("%{pts:hms}", encoding="utf-8")  # a file: no filtergraph escaping of % and :
    video = video.drawtext(
        textfile=str(timecode_file),
        x="w-tw-24",
        y="h-th-16",
        fontsize=small,
        fontcolor="white",
        box=1,
        boxcolor="black@0.5",
        **_font(),
    )
    # audio: silence or a tone from the canvas input, with the audio asset mixed over it
    audio = canvas.audio
    audio_path = job.local_path(req.audio)
    if audio_path is not None:
        asset = ffmpeg.input(str(audio_path), stream_loop=_loops(audio_path, seconds)).audio
        asset = asset.filter("aresample", AUDIO_RATE).filter("aformat", channel_layouts="stereo")
        audio = ffmpeg.filter([audio, asset], "amix", inputs=2, duration="first", normalize=0)
    audio = audio.filter("atrim", duration=f"{seconds:.6f}")
    output = ffmpeg.output(
        video,
        audio,
        str(out),
        t=f"{seconds:.6f}",
        r=FPS,
        vcodec="libx264",
        preset="ultrafast",
        pix_fmt="yuv420p",
        acodec="aac",
        ac=2,
        ar=AUDIO_RATE,
        **{"b:a": "96k", "movflags": "+faststart", "threads": threads or 0},
    )
    args: list[str] = output.compile(cmd=ffmpeg_head())
    return args


def _font() -> dict[str, str]:
    font = font_file()
    return {"fontfile": font} if font else {}


def _text(stream: Any, text: str, x: Any, y: Any, size: int) -> Any:
    safe = text.replace("%", "%%")
    return stream.drawtext(text=safe, x=x, y=y, fontsize=size, fontcolor="white", expansion="none", **_font())


def _colour(key: str) -> str:
    """A dark background colour from the key, so neighbouring shots are told apart."""
    digest = hashlib.sha256(key.encode()).digest()
    r, g, b = (40 + digest[i] % 60 for i in range(3))
    return f"0x{r:02x}{g:02x}{b:02x}"


def _check_images(job: Job) -> None:
    """Decode every still the preview loops; ffmpeg spins forever on a looped unreadable image."""
    req = job.request
    refs = [req.first_frame, req.last_frame, *(m.image for m in req.mid_frames)]
    refs += [img for group in req.ref_images for img in group.images[:2]]
    for ref in refs:
        path = job.local_path(ref)
        if path is None:
            continue
        try:
            check_image(path)
        except MediaError as exc:
            name = ref.file if ref is not None and ref.file else path.name
            raise RenderError(f"cannot decode the image `{name}`: {exc}") from exc


def _loops(path: Path, seconds: float) -> int:
    """How many extra plays of a media file cover ``seconds`` (finite: an endless
    ``-stream_loop -1`` input can leave ffmpeg running after the output is done)."""
    probe = probe_media(path)
    if not isinstance(probe, MediaInfo) or probe.seconds <= 0:
        return 0
    return max(0, math.ceil(seconds / probe.seconds) - 1)
