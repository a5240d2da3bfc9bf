"""Fake apimart, SkyReels V4 with auto-routing T2V / I2V / Omni (seed 004).

Submit ``POST /v1/videos/generations`` -> ``{code, data: [{status: submitted, task_id}]}``;
poll ``GET /v1/tasks/{task_id}`` -> ``{code, data: {id, status, progress, result, created,
completed, estimated_time, actual_time}}``: ``pending``, then ``processing``, then
``completed`` (``result.videos[].url`` a list, with ``expires_at``), ``failed`` (``error
{code, message, type}``) or ``cancelled`` (the poll fault ``status:cancelled``), as the task
status page lists them (A2: https://docs.apimart.ai/en/api-reference/tasks/status). Errors
are ``{"error": {code, message, type}}`` (A3: each status code's body): 400 for a malformed
field, 422 for the page's combination rules (its only stated code, 004:15).

Fields the page does not list (``sound``, ``audio_urls``) are refused like any unknown
field; the typed clients of its cn page (A5) list neither.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from .server import (
    ASPECT_RATIOS,
    PROBE_TOLERANCE,
    REFERENCE_MAX_SECONDS,
    REQUIRED_URL,
    RESOLUTIONS,
    URL,
    ClipSpec,
    FakeServer,
    Field,
    Invalid,
    Job,
    Reply,
    Request,
    Rule,
    check_fields,
    check_rules,
    frame_size,
    tag_in_prompt,
)

SUBMIT_PATH = "/v1/videos/generations"
POLL_PATH = re.compile(r"/v1/tasks/(?P<id>[^/]+)")
MODELS = ("skyreels-v4-fast", "skyreels-v4-std")

TAG = Field("string", required=True)  # 004:16 each element must declare a tag (the @ is checked below, 422)
MID_FRAME = Field(
    "object", fields={"tag": TAG, "image_url": REQUIRED_URL, "time_stamp": Field("number", required=True)}
)  # A5: -1 = auto
REF_GROUP = Field(
    "object",
    fields={
        "tag": TAG,
        "type": Field("string", required=True, enum=("image", "grid")),  # 004:13 subject reference, grid collage
        "image_urls": Field(
            "array", required=True, min=1, max=5, items=URL
        ),  # SkyReels V4: 1-5 (A5 says "image: 1–3 urls")
        "audio_url": URL,  # 004:13 audio sync; A5 "≤15s"
    },
)
REF_VIDEO = Field(
    "object",
    fields={
        "tag": TAG,
        "type": Field("string", required=True, enum=("reference", "extend")),  # 004:21-22
        "video_url": REQUIRED_URL,
    },
)
# The request (fields per the wire contract; the page's own words where it has them).
FIELDS: dict[str, Field] = {
    "model": Field("string", required=True, enum=MODELS),  # 004:17 must be explicitly provided, no default
    "prompt": Field("string", required=True, min=1, max=4000),  # 004:19 max 1280 tokens (~4000 characters, 001:25)
    "duration": Field("integer", min=3, max=15),
    "resolution": Field("string", enum=RESOLUTIONS),  # 004:18
    "aspect_ratio": Field("string", enum=ASPECT_RATIOS),
    "prompt_optimizer": Field("boolean"),
    "first_frame_image": URL,  # 004:10
    "end_frame_image": URL,  # 004:20
    "mid_frame_images": Field("array", max=6, items=MID_FRAME),  # 004:10; A5 max 6
    "ref_images": Field("array", items=REF_GROUP),  # 004:13
    "ref_videos": Field("array", max=1, items=REF_VIDEO),  # 004:13; A5 max 1
}

I2V = ("first_frame_image", "end_frame_image", "mid_frame_images")  # 004:10
OMNI = ("ref_images", "ref_videos")  # 004:13


def _used(b: dict[str, Any], names: tuple[str, ...]) -> bool:
    return any(b.get(n) not in (None, []) for n in names)


def _tags(b: dict[str, Any]) -> list[str]:
    return [item["tag"] for n in ("mid_frame_images", "ref_images", "ref_videos") for item in b.get(n) or []]


def _video_types(b: dict[str, Any]) -> set[str]:
    return {v["type"] for v in b.get("ref_videos") or []}


def _stamp_ok(t: float, duration: float) -> bool:
    return t == -1 or 0 < t < duration


RULES: list[Rule] = [
    # 004:15 I2V fields and Omni fields cannot be used together -> 422
    Rule("ref_images", "I2V fields (first_frame_image / end_frame_image / mid_frame_images) and Omni fields (ref_images / ref_videos) cannot be used together", lambda b: _used(b, I2V) and _used(b, OMNI), 422),
    # 004:16 each element must declare a tag starting with @
    Rule("tag", "every tag must start with @", lambda b: any(not t.startswith("@") or len(t) < 2 for t in _tags(b)), 422),
    # 004:16, 004:19 the tag must appear in the prompt
    Rule("prompt", "every declared @tag must appear in the prompt", lambda b: any(not tag_in_prompt(t, b["prompt"]) for t in _tags(b)), 422),
    # 004:22 extend cannot be combined with ref_images
    Rule("ref_videos", "an extend video cannot be combined with ref_images", lambda b: "extend" in _video_types(b) and _used(b, ("ref_images",)), 422),
    # 004:21 reference can be combined with ref_images.type=image (not grid)
    Rule("ref_images", "a reference video combines only with ref_images of type image", lambda b: "reference" in _video_types(b) and any(g["type"] != "image" for g in b.get("ref_images") or []), 422),
    # A5 "grid: exactly 1 url"
    Rule("ref_images", "a grid group takes exactly 1 image_url", lambda b: any(g["type"] == "grid" and len(g["image_urls"]) != 1 for g in b.get("ref_images") or [])),
    # A5 "time_stamp: -1 = auto; or 0 < value < duration"
    Rule("mid_frame_images", "time_stamp must be -1 or lie in (0, duration)", lambda b: any(not _stamp_ok(m["time_stamp"], b.get("duration", DEFAULTS["duration"])) for m in b.get("mid_frame_images") or [])),
]  # fmt: skip

DEFAULTS: dict[str, Any] = {"duration": 5, "resolution": "1080p", "aspect_ratio": "16:9"}
# A3: each documented status code's `type`; 404, 422 and 503 are not in A3's list, so their types are guesses
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "payment_required", 403: "permission_error",
               404: "not_found_error", 422: "invalid_request_error", 429: "rate_limit_error", 500: "server_error",
               502: "bad_gateway", 503: "server_error"}  # fmt: skip
ESTIMATED_SECONDS = 60


class ApimartFake(FakeServer):
    provider = "apimart"
    status_faults = frozenset({"cancelled"})  # A2 "cancelled - Cancelled by user"

    submit_paths = (SUBMIT_PATH,)
    poll_path = POLL_PATH

    def error(self, status: int, message: str, *, parameter: str | None = None, code: str | None = None) -> Reply:
        return Reply.json(
            status, {"error": {"code": status, "message": message, "type": ERROR_TYPES.get(status, "api_error")}}
        )

    def submit(self, req: Request) -> Reply:
        body = req.json_object()
        check_fields(body, FIELDS)
        check_rules(body, RULES)
        video = (body.get("ref_videos") or [None])[0]
        if video is not None and video["type"] == "reference":
            # 004:21 a reference video sets the length, max 10 seconds
            info = self.probe(video["video_url"], "ref_videos[0].video_url", 422)
            if info is not None and info.seconds > REFERENCE_MAX_SECONDS + PROBE_TOLERANCE:
                raise Invalid(
                    "ref_videos", f"a reference video may be at most 10 seconds, found {info.seconds:.2f} s", 422
                )
        eff = {**DEFAULTS, **body}
        width, height = frame_size(eff["resolution"], eff["aspect_ratio"])
        seconds = self.clip_seconds(
            eff["duration"], video and video["type"], video and video["video_url"], "ref_videos[0].video_url"
        )
        job = self.new_job(
            req, [ClipSpec.of(width, height, seconds)], job_id=f"task_{secrets.token_hex(12)}", created=int(time.time())
        )
        return Reply.json(200, {"code": 200, "data": [{"status": "submitted", "task_id": job.id}]})

    def poll(self, req: Request) -> Reply:
        job = self.polled_job(req, "task_id", "task")
        state = self.advance(job, req)
        return Reply.json(200, {"code": 200, "data": self._data(job, state)})

    def _data(self, job: Job, state: str) -> dict[str, Any]:
        created = job.extra["created"]
        data: dict[str, Any] = {"id": job.id, "created": created, "estimated_time": ESTIMATED_SECONDS}
        if state == "pending":
            progress = min(99, 100 * job.polls // (self.min_polls + 1))
            data |= {
                "status": "pending" if job.polls <= 1 else "processing",
                "progress": 0 if job.polls <= 1 else progress,
            }
        elif state == "failed" and job.ended == "cancelled":
            data |= {"status": "cancelled", "progress": 0}
        elif state == "failed":  # A2/A3: error {code: integer, message, type}, only when failed
            data |= {
                "status": "failed",
                "progress": 100,
                "error": {"code": 400, "message": job.error, "type": "invalid_request_error"},
            }
        else:
            actual = 20
            data |= {"status": "completed", "progress": 100, "completed": created + actual, "actual_time": actual,
                     "result": {"videos": [{"url": list(job.urls), "expires_at": created + actual + 72 * 3600}]}}  # fmt: skip
        return data
