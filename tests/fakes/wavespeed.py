"""Fake WaveSpeedAI "SkyReels V4 reference-to-video" (seed 000).

Submit ``POST /api/v3/skywork-ai/skyreels-v4/reference-to-video``, poll
``GET /api/v3/predictions/{id}/result`` (or without ``/result``, as get-result shows it);
both answer ``{code, message, data}``, the prediction object of
https://wavespeed.ai/docs/shared/api-result: ``data.has_nsfw_contents`` per output, and
``data.code`` from https://wavespeed.ai/docs/error-codes (0, or the failure's code).

A job beyond ``max_processing`` unfinished older jobs answers ``created`` (queued: "Bronze
users can only have 2 tasks processing simultaneously — if you submit a 3rd, it will wait
until one finishes", https://wavespeed.ai/docs/account-levels); the word only, the fake's
jobs still finish by polls and latency. The poll faults ``status:cancelled``,
``status:timeout`` and ``status:deleted`` end a job with the terminal words the SDK knows
(wavespeed 2.0.5 api/client.py:357-360).
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from .server import (
    RESOLUTIONS,
    URL,
    ClipSpec,
    FakeServer,
    Field,
    Job,
    Reply,
    Request,
    Rule,
    check_fields,
    check_rules,
    frame_size,
)

SUBMIT_PATH = "/api/v3/skywork-ai/skyreels-v4/reference-to-video"  # seed 000:177
POLL_PATH = re.compile(r"/api/v3/predictions/(?P<id>[^/]+)(?:/result)?")  # seed 000:189; get-result without /result
MODEL = "skywork-ai/skyreels-v4/reference-to-video"  # seed 000:1-3, data.model (000:214)

# The request table, seed 000:198-206 (and the Notes, 000:158-164).
FIELDS: dict[str, Field] = {
    "prompt": Field("string", required=True, min=1),  # 000:158, 000:199 prompt is required
    "images": Field("array", max=3, items=URL),  # 000:159, 000:200 reference image URLs, up to 3
    "ref_videos": Field("array", max=1, items=URL),  # 000:160, 000:201 at most 1 video URL
    "aspect_ratio": Field("string", enum=("16:9", "9:16", "1:1")),  # 000:202
    "duration": Field("integer", min=3, max=15),  # 000:161, 000:203 integer 3 ~ 15
    "resolution": Field("string", enum=RESOLUTIONS),  # 000:204
    "sound": Field("boolean"),  # 000:205
    "mode": Field("string", enum=("std", "fast")),  # 000:206
}
# Unknown fields are refused by the table (the wire contract: 400).

RULES: list[Rule] = [
    # 000:45, 000:137, 000:164, 000:206: fast mode currently requires sound=false
    Rule(
        "sound",
        "fast mode currently requires sound=false",
        lambda b: b.get("mode") == "fast" and b.get("sound") is True,
    ),
]

DEFAULTS: dict[str, Any] = {"aspect_ratio": "16:9", "duration": 5, "resolution": "1080p"}  # 000:202-204

FAILED_CODE = 1200  # error-codes: "Content Moderation" (the injected failure is a content policy violation)
# The terminal words of the SDK (api/client.py:357) and what the fake says with them: (data.error, data.code).
ENDINGS: dict[str, tuple[str, int]] = {
    "cancelled": ("", 0),
    "timeout": ("the task timed out (injected)", 5004),  # error-codes 5004 Timeout
    "deleted": ("", 0),  # what-are-predictions: deleted after 7 days
}


class WavespeedFake(FakeServer):
    provider = "wavespeed"

    submit_paths = (SUBMIT_PATH,)
    poll_path = POLL_PATH
    status_faults = frozenset(ENDINGS)

    def __init__(self, *, max_processing: int | None = 2, **options: Any) -> None:
        super().__init__(**options)
        self.max_processing = max_processing  # account-levels: Bronze "Max Concurrency" 2

    def error(self, status: int, message: str, *, parameter: str | None = None, code: str | None = None) -> Reply:
        return Reply.json(status, {"code": status, "message": message})

    def submit(self, req: Request) -> Reply:
        body = req.json_object()
        check_fields(body, FIELDS)
        check_rules(body, RULES)
        eff = {**DEFAULTS, **body}
        width, height = frame_size(eff["resolution"], eff["aspect_ratio"])
        # ref_videos guide motion (000:24, 000:40): like a `reference` video, it sets the length
        video = (body.get("ref_videos") or [None])[0]
        seconds = self.clip_seconds(eff["duration"], "reference", video, "ref_videos[0]")
        job = self.new_job(req, [ClipSpec.of(width, height, seconds)], job_id=secrets.token_hex(16))
        return Reply.json(200, self._envelope(job, "created"))

    def poll(self, req: Request) -> Reply:
        job = self.polled_job(req, "id", "prediction")
        state = self.advance(job, req)
        if state == "pending":
            return Reply.json(200, self._envelope(job, "created" if self._queued(job) else "processing"))
        return Reply.json(200, self._envelope(job, job.ended or state))

    def _queued(self, job: Job) -> bool:
        """Behind ``max_processing`` unfinished older jobs: waiting for one to finish (account-levels)."""
        if self.max_processing is None:
            return False
        with self._cond:
            older = 0
            for other in self.jobs.values():  # in submit order
                if other is job:
                    break
                older += other.status == "pending"
        return older >= self.max_processing

    def _envelope(self, job: Job, status: str) -> dict[str, Any]:
        """Seed 000:208-244 and shared/api-result: the same data object answers the submit and every poll."""
        end = job.finished_at if job.finished_at is not None else time.monotonic()
        outputs = list(job.urls) if status == "completed" else []
        error, code = ENDINGS.get(status, (job.error, FAILED_CODE if status == "failed" else 0))
        return {
            "code": 200,
            "message": "success",
            "data": {
                "id": job.id,
                "model": MODEL,
                "outputs": outputs,
                "urls": {"get": self.url(f"/api/v3/predictions/{job.id}/result")},
                "has_nsfw_contents": [False] * len(outputs),  # shared/api-result: one boolean per output
                "status": status,
                "created_at": job.created_iso,
                "error": error,
                "code": code,  # error-codes: 0 is success
                "timings": {"inference": int((end - job.created_at) * 1000) if status != "created" else 0},
            },
        }
