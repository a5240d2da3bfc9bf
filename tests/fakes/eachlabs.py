"""Fake eachlabs, model ``skyreels-v4-reference-to-video`` (seed 001).

Submit ``POST /v1/prediction/`` ``{model, input, webhook_url?}`` with ``X-API-Key``;
poll ``GET /v1/prediction/{id}``. Errors are ``{status: "error", message, details}``.
The page's rate limit is enforced per key: ``max_concurrent`` unfinished predictions
and ``creates_per_minute`` creates (seed 001:85).
"""

from __future__ import annotations

import re
import time
import uuid
from collections import deque
from typing import Any

from .server import (
    ASPECT_RATIOS,
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
    url_form,
)

SUBMIT_PATHS = ("/v1/prediction/", "/v1/prediction")  # seed 001:35
POLL_PATH = re.compile(r"/v1/prediction/(?P<id>[^/]+)/?")  # seed 001:59
MODEL = "skyreels-v4-reference-to-video"  # seed 001:4

# A reference image group, seed 001:26.
GROUP = Field(
    "object",
    fields={
        "tag": Field("string", required=True, min=1),  # 001:26 "Use prompt tags to invoke each group"
        "type": Field("string", required=True, enum=("image", "grid")),  # 001:26
        "image_urls": Field("array", required=True, min=1, max=5, items=URL),  # 001:26 image: 1-5 (grid: 1, below)
        "audio_url": URL,  # 001:26 only image-type groups (below)
    },
)
# The reference video, seed 001:27.
VIDEO = Field(
    "object",
    fields={
        "tag": Field("string", required=True, min=1),  # 001:25 "reference videos via tags like @video1"
        "type": Field("string", required=True, enum=("extend", "reference")),  # 001:27
        "video_url": REQUIRED_URL,  # 001:95 file parameters are URLs
    },
)
# The input schema, seed 001:23-32. File parameters take URLs, never data URIs (001:95).
INPUT: dict[str, Field] = {
    "prompt": Field("string", required=True, min=1, max=4000),  # 001:25 1280 tokens (roughly 4000 characters)
    "ref_images": Field("array", items=GROUP),  # 001:26
    "ref_videos": Field("array", max=1, items=VIDEO),  # 001:27 a single reference video
    "duration": Field("integer", min=3, max=15),  # 001:28 range 3-15
    "aspect_ratio": Field("string", enum=ASPECT_RATIOS),  # 001:29
    "resolution": Field("string", enum=RESOLUTIONS),  # 001:30
    "mode": Field("string", enum=("fast", "std")),  # 001:31
    "prompt_optimizer": Field("boolean"),  # 001:32
}
BODY: dict[str, Field] = {
    "model": Field("string", required=True),  # 001:39 (an unknown model is 404, 001:84)
    "input": Field("object", required=True, fields=INPUT),  # 001:40
    "webhook_url": Field("string", form=url_form),  # 001:68
}


def _groups(b: dict[str, Any]) -> list[dict[str, Any]]:
    return list(b.get("ref_images") or [])


RULES: list[Rule] = [
    # 001:26 all items must share the same type
    Rule("ref_images", "all ref_images groups must share the same type", lambda b: len({g["type"] for g in _groups(b)}) > 1),
    # 001:26 type=grid accepts exactly 1 image_url per group
    Rule("ref_images", "a grid group accepts exactly 1 image_url", lambda b: any(g["type"] == "grid" and len(g["image_urls"]) != 1 for g in _groups(b))),
    # 001:26 only image-type groups can include audio_url
    Rule("ref_images", "only image-type groups can include audio_url", lambda b: any(g["type"] != "image" and "audio_url" in g for g in _groups(b))),
    # 001:26 ref_images cannot combine with extend-type ref_videos
    Rule("ref_images", "ref_images cannot combine with extend-type ref_videos", lambda b: bool(_groups(b)) and any(v["type"] == "extend" for v in b.get("ref_videos") or [])),
]  # fmt: skip

DEFAULTS: dict[str, Any] = {"duration": 5, "aspect_ratio": "16:9", "resolution": "1080p"}  # 001:28-30


class EachlabsFake(FakeServer):
    provider = "eachlabs"
    auth_header = "X-API-Key"  # 001:83, 001:94
    auth_scheme = ""

    def __init__(self, *, max_concurrent: int = 10, creates_per_minute: int = 100, **options: Any) -> None:
        super().__init__(**options)
        self.max_concurrent = max_concurrent  # 001:85 10 concurrent per key
        self.creates_per_minute = creates_per_minute  # 001:85 100 creates / min
        self._creates: deque[float] = deque()

    submit_paths = SUBMIT_PATHS
    poll_path = POLL_PATH

    def error(self, status: int, message: str, *, parameter: str | None = None, code: str | None = None) -> Reply:
        details = {400: "Invalid input", 401: "Missing / invalid X-API-Key", 404: "Unknown model or prediction id",
                   429: "Rate limit - 100 creates / min, 10 concurrent per key"}.get(status, "Retry with backoff")  # fmt: skip
        return Reply.json(status, {"status": "error", "message": message, "details": details})  # 001:79-86

    def submit(self, req: Request) -> Reply:
        body = req.json_object()
        if isinstance(body.get("model"), str) and body["model"] != MODEL:
            raise Invalid("model", f"model {body['model']} not found", 404)  # 001:84
        check_fields(body, BODY)
        inp = body["input"]
        check_rules(inp, RULES)
        eff = {**DEFAULTS, **inp}
        width, height = frame_size(eff["resolution"], eff["aspect_ratio"])
        video = (inp.get("ref_videos") or [None])[0]
        seconds = self.clip_seconds(
            eff["duration"], video and video["type"], video and video["video_url"], "input.ref_videos[0].video_url"
        )  # 001:28 a `reference` video overrides the duration (max 10 s)
        with self._cond:  # the limit check and the create are one step
            limited = self._limited()
            if limited:
                return self.error(429, limited)
            job = self.new_job(req, [ClipSpec.of(width, height, seconds)], job_id=str(uuid.uuid4()))
            self._creates.append(time.monotonic())
        return Reply.json(200, {"status": "success", "message": "Prediction created successfully", "predictionID": job.id})

    def _limited(self) -> str | None:
        """Seed 001:85: the reason a create is refused now, or None."""
        now = time.monotonic()
        while self._creates and now - self._creates[0] >= 60:
            self._creates.popleft()
        if self.unfinished() >= self.max_concurrent:
            return f"rate limit: {self.max_concurrent} concurrent predictions per key"
        if len(self._creates) >= self.creates_per_minute:
            return f"rate limit: {self.creates_per_minute} creates per minute per key"
        return None

    def poll(self, req: Request) -> Reply:
        job = self.polled_job(req, "id", "prediction")  # 001:84
        state = self.advance(job, req)
        if state == "pending":
            return Reply.json(200, {"status": "processing", "predictionID": job.id})  # 001:64
        if state == "failed":  # 001:66 read message / details
            return Reply.json(200, {"status": "error", "predictionID": job.id, "message": job.error, "details": job.error})
        assert job.finished_at is not None
        return Reply.json(  # 001:47-56
            200,
            {
                "status": "success",
                "predictionID": job.id,
                "output": job.urls[0],
                "metrics": {"predict_time": round(job.finished_at - job.created_at, 3)},
            },
        )
