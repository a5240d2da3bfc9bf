"""Fake WaveSpeedAI "SkyReels V4 reference-to-video" (seed 000).

Submit ``POST /api/v3/skywork-ai/skyreels-v4/reference-to-video``, poll
``GET /api/v3/predictions/{id}/result``; both answer ``{code, message, data}``.
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
POLL_PATH = re.compile(r"/api/v3/predictions/(?P<id>[^/]+)/result")  # seed 000:189
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
    Rule("sound", "fast mode currently requires sound=false", lambda b: b.get("mode") == "fast" and b.get("sound") is True),
]

DEFAULTS: dict[str, Any] = {"aspect_ratio": "16:9", "duration": 5, "resolution": "1080p"}  # 000:202-204


class WavespeedFake(FakeServer):
    provider = "wavespeed"

    submit_paths = (SUBMIT_PATH,)
    poll_path = POLL_PATH

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
        return Reply.json(200, self._envelope(job, "processing" if state == "pending" else state))

    def _envelope(self, job: Job, status: str) -> dict[str, Any]:
        """Seed 000:208-244: the same data object answers the submit and every poll."""
        end = job.finished_at if job.finished_at is not None else time.monotonic()
        return {
            "code": 200,
            "message": "success",
            "data": {
                "id": job.id,
                "model": MODEL,
                "outputs": list(job.urls) if status == "completed" else [],
                "urls": {"get": self.url(f"/api/v3/predictions/{job.id}/result")},
                "status": status,
                "created_at": job.created_iso,
                "error": job.error,
                "timings": {"inference": int((end - job.created_at) * 1000) if status != "created" else 0},
            },
        }
