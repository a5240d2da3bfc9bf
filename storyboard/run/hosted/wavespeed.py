"""WaveSpeedAI, seed 000: SkyReels V4 reference-to-video.

| canonical        | wire                          | seed 000 line |
| ---------------- | ----------------------------- | ------------- |
| prompt           | prompt                        | "prompt Yes ... Reference tags are added automatically" |
| ref_images       | images: every group's images, flat (max 3) | "images ... Upload up to 3 images" |
| ref_video        | ref_videos: [url] (max 1)     | "ref_videos ... Upload at most 1 video" |
| aspect_ratio     | aspect_ratio (16:9, 9:16, 1:1) | "Supported values: 16:9, 9:16, 1:1" |
| duration         | duration (3-15)               | "Range: 3-15" |
| resolution       | resolution                    | "480p, 720p, 1080p" |
| sound            | sound                         | "fast mode currently requires sound=false" |
| tier             | mode (std, fast)              | "mode ... std, fast" |
| submit           | POST /api/v3/skywork-ai/skyreels-v4/reference-to-video -> data.id |
| poll             | GET /api/v3/predictions/{id}/result -> data.status created/processing/completed/failed, data.outputs, data.error |
"""

from __future__ import annotations

from typing import Any

from ...compile.request import Request
from ...errors import ProviderError
from .api import Adapter, Call, JobState, Media

SUBMIT = "/api/v3/skywork-ai/skyreels-v4/reference-to-video"
RESULT = "/api/v3/predictions/{id}/result"


class WaveSpeed(Adapter):
    id = "wavespeed"
    key_env = "WAVESPEED_API_KEY"
    default_base_url = "https://api.wavespeed.ai"
    concurrency = 5  # the page states no limit: a safe default
    submits_per_minute = 60

    def body(self, request: Request, media: Media, task_id: str | None) -> Any:
        body: dict[str, Any] = {
            "prompt": request.prompt,
            "aspect_ratio": request.aspect_ratio,
            "duration": request.duration,
            "resolution": request.resolution,
            "sound": request.sound,
            "mode": request.tier,
        }
        images = [media(i, "image") for g in request.ref_images for i in g.images]
        if images:
            body["images"] = images
        if request.ref_video is not None:
            body["ref_videos"] = [media(request.ref_video.video, "video")]
        return body

    def submit(self, body: Any) -> Call:
        return Call("POST", SUBMIT, body)

    def submitted(self, answer: Any, task_id: str | None) -> str:
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            raise ProviderError(f"wavespeed accepted the job but sent no id: {self.error_message(answer) or answer!r:.200}")
        return str(data["id"])

    def poll(self, job_id: str) -> Call:
        return Call("GET", RESULT.format(id=job_id))

    def polled(self, answer: Any) -> JobState:
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise ProviderError(f"wavespeed answered a poll without data: {answer!r:.200}")
        status = str(data.get("status", ""))
        if status == "completed":
            outputs = data.get("outputs") or []
            return JobState("done", tuple(str(u) for u in outputs if u), detail=status)
        if status == "failed":
            return JobState("failed", error=str(data.get("error") or "the job failed"), detail=status)
        return JobState("running", detail=status)
