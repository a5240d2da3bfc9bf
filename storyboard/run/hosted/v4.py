"""SkyReels V4's native field names, which qingbo (seed 003) and apimart (seed 004) both use.

| canonical            | wire                                                  | seed line |
| -------------------- | ----------------------------------------------------- | --------- |
| model                | model (skyreels-v4-std / skyreels-v4-fast)            | 003 tiers; 004 "model must be explicitly provided" |
| prompt               | prompt                                                | 003, 004 |
| duration, resolution, aspect_ratio, sound, prompt_optimizer | same names | 003 |
| first_frame          | first_frame_image                                     | 003 image2video |
| last_frame           | last_frame_image (qingbo) / end_frame_image (apimart) | 003 first_last_frame; 004 end_frame_image |
| mid_frames           | mid_frame_images [{tag, image_url, time_stamp}]       | 003 composite fields |
| ref_images           | ref_images [{tag, type, image_urls, audio_url?}]      | 003 ref_images, type image or grid |
| ref_video            | ref_videos [{tag, type, video_url}]                   | 003 ref_videos type reference / extend |
| audio                | audio_urls [url]                                      | 003 reference_audio mode |
"""

from __future__ import annotations

from typing import Any

from ...compile.request import Request
from .api import Media


def v4_body(request: Request, media: Media, *, last_frame_field: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": request.model,
        "prompt": request.prompt,
        "duration": request.duration,
        "resolution": request.resolution,
        "aspect_ratio": request.aspect_ratio,
        "sound": request.sound,
        "prompt_optimizer": request.prompt_optimizer,
    }
    if request.first_frame is not None:
        body["first_frame_image"] = media(request.first_frame, "image")
    if request.last_frame is not None:
        body[last_frame_field] = media(request.last_frame, "image")
    if request.mid_frames:
        body["mid_frame_images"] = [
            {"tag": m.tag, "image_url": media(m.image, "image"), "time_stamp": m.time} for m in request.mid_frames
        ]
    if request.ref_images:
        body["ref_images"] = [group_body(g, media, images_field="image_urls", audio_field="audio_url") for g in request.ref_images]
    if request.ref_video is not None:
        v = request.ref_video
        body["ref_videos"] = [{"tag": v.tag, "type": v.type, "video_url": media(v.video, "video")}]
    if request.audio is not None:
        body["audio_urls"] = [media(request.audio, "audio")]
    return body


def group_body(group: Any, media: Media, *, images_field: str, audio_field: str) -> dict[str, Any]:
    """One reference group: {tag, type, <images>, <audio>?} (seeds 001, 002, 003)."""
    out: dict[str, Any] = {"tag": group.tag, "type": group.type, images_field: [media(i, "image") for i in group.images]}
    if group.audio is not None:
        out[audio_field] = media(group.audio, "audio")
    return out
