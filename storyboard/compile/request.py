"""The canonical SkyReels V4 request: what one shot asks of the model, provider-neutral.

Each provider adapter maps this one shape onto its own wire form; plan prints it; the
shot's key hashes it. Media are named by where they come from (a file of the project, a
URL, or another shot's clip or last frame), never by a provider-specific upload.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

Mode = Literal["t2v", "i2v", "omni"]
Action = Literal[
    "generate", "image2video", "first_last_frame", "reference", "reference_video", "extend", "reference_audio"
]
MediaKind = Literal["image", "video", "audio"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MediaRef(_Frozen):
    """Exactly one of the fields is set."""

    file: str | None = None  # POSIX path relative to the storyboard's folder
    url: str | None = None  # https:// URL
    clip_of: str | None = None  # the clip of another shot
    last_frame_of: str | None = None  # the last decoded frame of another shot's clip

    @property
    def shot(self) -> str | None:
        """The shot whose clip or last frame this is (None for a file or URL): that shot must be built first."""
        return self.clip_of or self.last_frame_of


class RefGroup(_Frozen):
    """One reference group, named by its tag in the prompt: an image group (1 to 5 images, optionally a voice)
    or a grid (one collage)."""

    tag: str  # "@Mara"
    type: Literal["image", "grid"]
    images: tuple[MediaRef, ...]
    audio: MediaRef | None = None


class MidFrame(_Frozen):
    """A keyframe image the clip passes through ``time`` seconds after its start; its tag is derived (``@kf1``, ...)."""

    tag: str
    image: MediaRef
    time: float


class RefVideo(_Frozen):
    """The one reference video: ``reference`` imitates its motion, ``extend`` continues it (often a shot's clip)."""

    tag: str
    type: Literal["reference", "extend"]
    video: MediaRef


class Request(_Frozen):
    """Everything one shot asks of the model. Its dump is hashed into the shot's key, so changing a field
    (or its default) means a new clip."""

    provider: str
    model: str  # skyreels-v4-std | skyreels-v4-fast
    tier: Literal["std", "fast"]
    mode: Mode
    action: Action
    prompt: str
    duration: int
    resolution: Literal["480p", "720p", "1080p"]
    aspect_ratio: Literal["16:9", "9:16", "1:1", "4:3", "3:4"]
    width: int
    height: int
    sound: bool
    prompt_optimizer: bool
    first_frame: MediaRef | None = None
    last_frame: MediaRef | None = None
    mid_frames: tuple[MidFrame, ...] = ()
    ref_images: tuple[RefGroup, ...] = ()
    ref_video: RefVideo | None = None
    audio: MediaRef | None = None

    def media(self) -> list[tuple[str, MediaRef]]:
        """Every media input with its role, in a stable order (for keys and staging)."""
        return [(item.role, item.ref) for item in media_inputs(self)]

    @property
    def video_input(self) -> bool:
        """Whether the with-video-input price applies (seed 000: adding ref_videos)."""
        return self.ref_video is not None


class MediaInput(NamedTuple):
    """One media input of a request, with everything a caller needs to name, fetch or place it."""

    role: str  # "first_frame", "mid_frames[0]", "@Mara[1]", "@Mara.audio", "@intro (extend)", "audio"
    kind: MediaKind  # the kind of file it must be
    ref: MediaRef
    path: tuple[str | int, ...]  # its field in the request: ("ref_images", 0, "images", 1)


def media_inputs(request: Request) -> Iterator[MediaInput]:
    """Every media input of ``request`` in one stable order: frames, mid frames, groups, video, audio.

    The one walk over a request's media, so that keys, staging, the previewer and the
    compiler's checks cannot disagree about which inputs a request has.
    """
    if request.first_frame is not None:
        yield MediaInput("first_frame", "image", request.first_frame, ("first_frame",))
    if request.last_frame is not None:
        yield MediaInput("last_frame", "image", request.last_frame, ("last_frame",))
    for i, mid in enumerate(request.mid_frames):
        yield MediaInput(f"mid_frames[{i}]", "image", mid.image, ("mid_frames", i, "image"))
    for g, group in enumerate(request.ref_images):
        for j, image in enumerate(group.images):
            yield MediaInput(f"{group.tag}[{j}]", "image", image, ("ref_images", g, "images", j))
        if group.audio is not None:
            yield MediaInput(f"{group.tag}.audio", "audio", group.audio, ("ref_images", g, "audio"))
    if request.ref_video is not None:
        video = request.ref_video
        yield MediaInput(f"{video.tag} ({video.type})", "video", video.video, ("ref_video", "video"))
    if request.audio is not None:
        yield MediaInput("audio", "audio", request.audio, ("audio",))


@cache
def frame_size(resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """Width and height: short side = the `p` number, long side from the ratio, even."""
    short = int(resolution.rstrip("p"))
    a, b = (int(x) for x in aspect_ratio.split(":"))
    long_side = short * max(a, b) / min(a, b)
    long_even = int(round(long_side / 2.0)) * 2
    return (long_even, short) if a >= b else (short, long_even)
