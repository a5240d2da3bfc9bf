"""The canonical SkyReels V4 request: what one shot asks of the model, provider-neutral.

Each provider adapter maps this one shape onto its own wire form; plan prints it; the
shot's key hashes it. Media are named by where they come from (a file of the project, a
URL, or another shot's clip or last frame), never by a provider-specific upload.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

Mode = Literal["t2v", "i2v", "omni"]
Action = Literal[
    "generate", "image2video", "first_last_frame", "reference", "reference_video", "extend", "reference_audio"
]


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
        return self.clip_of or self.last_frame_of


class RefGroup(_Frozen):
    tag: str  # "@Mara"
    type: Literal["image", "grid"]
    images: tuple[MediaRef, ...]
    audio: MediaRef | None = None


class MidFrame(_Frozen):
    tag: str
    image: MediaRef
    time: float


class RefVideo(_Frozen):
    tag: str
    type: Literal["reference", "extend"]
    video: MediaRef


class Request(_Frozen):
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
        out: list[tuple[str, MediaRef]] = []
        if self.first_frame:
            out.append(("first_frame", self.first_frame))
        if self.last_frame:
            out.append(("last_frame", self.last_frame))
        for i, mf in enumerate(self.mid_frames):
            out.append((f"mid_frames[{i}]", mf.image))
        for group in self.ref_images:
            for j, img in enumerate(group.images):
                out.append((f"{group.tag}[{j}]", img))
            if group.audio:
                out.append((f"{group.tag}.audio", group.audio))
        if self.ref_video:
            out.append((f"{self.ref_video.tag} ({self.ref_video.type})", self.ref_video.video))
        if self.audio:
            out.append(("audio", self.audio))
        return out

    @property
    def video_input(self) -> bool:
        """Whether the with-video-input price applies (seed 000: adding ref_videos)."""
        return self.ref_video is not None


@cache
def frame_size(resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """Width and height: short side = the `p` number, long side from the ratio, even."""
    short = int(resolution.rstrip("p"))
    a, b = (int(x) for x in aspect_ratio.split(":"))
    long_side = short * max(a, b) / min(a, b)
    long_even = int(round(long_side / 2.0)) * 2
    return (long_even, short) if a >= b else (short, long_even)
