"""SkyReels V4's native field names, the part qingbo and apimart share.

Each adapter adds what differs (the reference video, `action`); see the mapping table
at the top of :mod:`.qingbo` and :mod:`.apimart` for every field and its source.

| canonical            | wire                                                  | qingbo (Q5) | apimart (A1, A5) |
| -------------------- | ----------------------------------------------------- | ----------- | ---------------- |
| model                | model (skyreels-v4-std / skyreels-v4-fast)            | yes         | yes, "no default value" |
| prompt               | prompt                                                | yes         | yes |
| duration, resolution, aspect_ratio, prompt_optimizer | same names            | yes         | yes |
| first_frame          | first_frame_image                                     | yes         | yes |
| last_frame           | end_frame_image                                       | yes (was last_frame_image in seed 003) | yes |
| mid_frames           | mid_frame_images [{tag, image_url, time_stamp}]       | yes         | yes |
| ref_images           | ref_images [{tag, type, image_urls, audio_url?}]      | yes         | yes |
| sound                | not sent: neither page has the parameter (qingbo: "Any other parameter returns 400") | | |
| audio (standalone)   | not sent: no `audio_urls` on either page; audio rides on ref_images[].audio_url | | |
"""

from __future__ import annotations

from typing import Any

from ...compile.request import Request
from .api import Media


def v4_body(request: Request, media: Media) -> dict[str, Any]:
    """The fields both pages name alike (no sound, no standalone audio, no video: see the table)."""
    body: dict[str, Any] = {
        "model": request.model,
        "prompt": request.prompt,
        "duration": request.duration,
        "resolution": request.resolution,
        "aspect_ratio": request.aspect_ratio,
        "prompt_optimizer": request.prompt_optimizer,
    }
    if request.first_frame is not None:
        body["first_frame_image"] = media(request.first_frame, "image")
    if request.last_frame is not None:
        body["end_frame_image"] = media(request.last_frame, "image")
    if request.mid_frames:
        body["mid_frame_images"] = [
            {"tag": m.tag, "image_url": media(m.image, "image"), "time_stamp": m.time} for m in request.mid_frames
        ]
    if request.ref_images:
        body["ref_images"] = [
            group_body(g, media, images_field="image_urls", audio_field="audio_url") for g in request.ref_images
        ]
    return body


def group_body(group: Any, media: Media, *, images_field: str, audio_field: str) -> dict[str, Any]:
    """One reference group: {tag, type, <images>, <audio>?} (seeds 001, 002, 003)."""
    out: dict[str, Any] = {
        "tag": group.tag,
        "type": group.type,
        images_field: [media(i, "image") for i in group.images],
    }
    if group.audio is not None:
        out[audio_field] = media(group.audio, "audio")
    return out
