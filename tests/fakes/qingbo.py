"""Fake qingbo, SkyReels V4 series ``skyreels-v4-fast`` / ``skyreels-v4-std`` (seed 003).

Submit ``POST /v1/tasks`` ``{model, action?, prompt, ...}``, poll ``GET /v1/tasks/{id}``
(queued, processing, completed with ``result.videos[].url``, failed, cancelled).
Errors are ``{"error": {code, message}}``.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from .server import (
    ASPECT_RATIOS,
    DEFAULT_DURATION,
    REQUIRED_URL,
    RESOLUTIONS,
    URL,
    ClipSpec,
    FakeServer,
    Field,
    Invalid,
    Reply,
    Request,
    Rule,
    check_fields,
    check_rules,
    frame_size,
)

SUBMIT_PATH = "/v1/tasks"
POLL_PATH = re.compile(r"/v1/tasks/(?P<id>[^/]+)")
MODELS = ("skyreels-v4-fast", "skyreels-v4-std")  # seed 003:8, 003:13
ACTIONS = ("generate", "image2video", "first_last_frame", "reference", "reference_video", "extend", "reference_audio")  # 003:20-52

MID_FRAME = Field(  # 003:65-81
    "object",
    fields={
        "tag": Field("string", required=True, min=1),  # 003:70-73 e.g. kf_2s / peak
        "image_url": REQUIRED_URL,  # 003:74-77
        "time_stamp": Field("number", required=True),  # 003:78-81 seconds, checked against duration below
    },
)
REF_GROUP = Field(  # 003:57, 003:64 "see Composite Field Reference"
    "object",
    fields={
        "tag": Field("string", required=True, min=1),
        "type": Field("string", required=True, enum=("image", "grid")),  # 003:57 image or grid
        "image_urls": Field("array", required=True, min=1, items=URL),
        "audio_url": URL,  # 003:57 may include audio_url as the driving audio
    },
)
REF_VIDEO = Field(  # 003:55 tag / type=reference|extend
    "object",
    fields={
        "tag": Field("string", required=True, min=1),
        "type": Field("string", required=True, enum=("reference", "extend")),
        "video_url": REQUIRED_URL,
    },
)
# The request, seed 003 (types of fields the page names without a table: the wire contract).
FIELDS: dict[str, Field] = {
    "model": Field("string", required=True, enum=MODELS),  # 003:8-17 the two tiers
    "action": Field("string", enum=ACTIONS),  # 003:20-53 optional: the backend auto-routes
    "prompt": Field("string", required=True, min=1),
    "duration": Field("integer", min=3, max=15),  # 003:2 any integer in 3-15 seconds
    "resolution": Field("string", enum=RESOLUTIONS),  # 003:2 billed by resolution
    "aspect_ratio": Field("string", enum=ASPECT_RATIOS),
    "sound": Field("boolean"),
    "prompt_optimizer": Field("boolean"),  # 003:59
    "first_frame_image": URL,  # 003:31
    "last_frame_image": URL,  # 003:35
    "mid_frame_images": Field("array", max=6, items=MID_FRAME),  # 003:58, 003:65 up to 6 items
    "ref_images": Field("array", max=6, items=REF_GROUP),  # 003:57 up to 6 items
    "ref_videos": Field("array", items=REF_VIDEO),  # 003:55
    "image_urls": Field("array", items=URL),  # 003:54 simplified mode
    "video_urls": Field("array", items=URL),  # 003:55 simplified mode
    "audio_urls": Field("array", items=URL),  # 003:56 simplified mode
}


def _video_types(b: dict[str, Any]) -> set[str]:
    return {v["type"] for v in b.get("ref_videos") or []} | ({"reference"} if b.get("video_urls") else set())


def _group_audio(b: dict[str, Any]) -> bool:
    return any("audio_url" in g for g in b.get("ref_images") or [])


def _stamps(b: dict[str, Any]) -> list[float]:
    return [m["time_stamp"] for m in b.get("mid_frame_images") or []]


# What each action needs, seed 003:20-52 ("Key Fields").
ACTION_NEEDS: dict[str, tuple[str, Any]] = {
    "image2video": ("first_frame_image", lambda b: "first_frame_image" in b),
    "first_last_frame": ("first_frame_image + last_frame_image", lambda b: "first_frame_image" in b and "last_frame_image" in b),
    "reference": ("ref_images", lambda b: bool(b.get("ref_images") or b.get("image_urls"))),
    "reference_video": ("ref_videos.type=reference", lambda b: "reference" in _video_types(b)),
    "extend": ("ref_videos.type=extend", lambda b: "extend" in _video_types(b)),
    "reference_audio": ("audio_urls or ref_images[].audio_url", lambda b: bool(b.get("audio_urls")) or _group_audio(b)),
}  # fmt: skip

RULES: list[Rule] = [
    # 003:54 one of image_urls or ref_images
    Rule("image_urls", "pass one of image_urls or ref_images, not both", lambda b: "image_urls" in b and "ref_images" in b),
    # 003:55 one of video_urls or ref_videos
    Rule("video_urls", "pass one of video_urls or ref_videos, not both", lambda b: "video_urls" in b and "ref_videos" in b),
    # 003:56 one of audio_urls or the audio_url field inside ref_images
    Rule("audio_urls", "pass one of audio_urls or ref_images[].audio_url, not both", lambda b: "audio_urls" in b and _group_audio(b)),
    # 003:81 time_stamp must lie in (0, duration)
    Rule("mid_frame_images", "time_stamp must lie in (0, duration)", lambda b: any(not 0 < t < b.get("duration", DEFAULT_DURATION) for t in _stamps(b))),
    # 003:81 time_stamps must be strictly increasing
    Rule("mid_frame_images", "time_stamp must be strictly increasing", lambda b: any(a >= c for a, c in zip(_stamps(b), _stamps(b)[1:], strict=False))),
    # 003:20-52 an explicit action needs its key fields
    *(Rule("action", f"action {a} needs {what}", lambda b, a=a, ok=ok: b.get("action") == a and not ok(b)) for a, (what, ok) in ACTION_NEEDS.items()),
]  # fmt: skip

DEFAULTS: dict[str, Any] = {"duration": DEFAULT_DURATION, "resolution": "1080p", "aspect_ratio": "16:9"}
ERROR_CODES = {400: "invalid_request", 401: "invalid_api_key", 404: "not_found", 429: "rate_limit_exceeded",
               500: "internal_error", 503: "service_unavailable"}  # fmt: skip


class QingboFake(FakeServer):
    provider = "qingbo"

    submit_paths = (SUBMIT_PATH,)
    poll_path = POLL_PATH

    def error(self, status: int, message: str, *, parameter: str | None = None, code: str | None = None) -> Reply:
        return Reply.json(status, {"error": {"code": code or ERROR_CODES.get(status, "error"), "message": message}})

    def submit(self, req: Request) -> Reply:
        body = req.json_object()
        if "negative_prompt" in body:  # 003:86 V4 does not support negative_prompt
            raise Invalid("negative_prompt", "SkyReels V4 does not support negative_prompt", code="unsupported_parameter")
        check_fields(body, FIELDS)
        check_rules(body, RULES)
        eff = {**DEFAULTS, **body}
        width, height = frame_size(eff["resolution"], eff["aspect_ratio"])
        video = (body.get("ref_videos") or [None])[0]
        video_type, video_url = (video["type"], video["video_url"]) if video else ("reference", (body.get("video_urls") or [None])[0])
        seconds = self.clip_seconds(eff["duration"], video_type, video_url, "ref_videos[0].video_url")
        job = self.new_job(req, [ClipSpec.of(width, height, seconds)], job_id=f"task_{secrets.token_hex(12)}")
        return Reply.json(200, {"task_id": job.id, "status": "queued"})

    def poll(self, req: Request) -> Reply:
        job = self.polled_job(req, "task_id", "task")
        state = self.advance(job, req)
        if state == "pending":
            return Reply.json(200, {"task_id": job.id, "status": "processing"})
        if state == "failed":
            return Reply.json(200, {"task_id": job.id, "status": "failed", "error": {"message": job.error}})
        return Reply.json(200, {"task_id": job.id, "status": "completed", "result": {"videos": [{"url": u} for u in job.urls]}})
