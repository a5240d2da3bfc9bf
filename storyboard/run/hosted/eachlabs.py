"""eachlabs, seed 001: model `skyreels-v4-reference-to-video`.

| canonical        | wire (inside `input`)                              | seed 001 line |
| ---------------- | -------------------------------------------------- | ------------- |
| prompt           | prompt                                             | "prompt Yes ... Limit 1280 tokens" |
| ref_images       | ref_images [{tag, type image/grid, image_urls, audio_url?}] | "type=image accepts 1-5 image_urls ... Only image-type groups can include audio_url" |
| ref_video        | ref_videos [{tag, type extend/reference, video_url}] | "Single reference video used for motion, extension" |
| duration         | duration                                           | "Range 3-15" |
| aspect_ratio     | aspect_ratio                                       | "16:9,9:16,1:1,4:3,3:4" |
| resolution       | resolution                                         | "480p,720p,1080p" |
| tier             | mode                                               | "fast,std" |
| prompt_optimizer | prompt_optimizer                                   | "prompt_optimizer boolean" |
| submit           | POST /v1/prediction/ {model, input} -> predictionID | "Example Request" |
| poll             | GET /v1/prediction/{id} -> status processing/success/error, output | "Polling" |
| limits           | 10 concurrent, 100 creates a minute per key         | "429 Rate limit" |
| auth             | X-API-Key                                          | "Authentication" |
"""

from __future__ import annotations

from typing import Any

from ...compile.request import Request
from ...errors import ProviderError
from .api import Adapter, Call, JobState, Media, money
from .v4 import group_body

MODEL = "skyreels-v4-reference-to-video"


class Eachlabs(Adapter):
    id = "eachlabs"
    key_env = "EACHLABS_API_KEY"
    default_base_url = "https://api.eachlabs.ai"
    concurrency = 10
    submits_per_minute = 100

    def headers(self, key: str, task_id: str | None = None) -> dict[str, str]:
        return {"X-API-Key": key}

    def body(self, request: Request, media: Media, task_id: str | None) -> Any:
        body: dict[str, Any] = {
            "prompt": request.prompt,
            "duration": request.duration,
            "aspect_ratio": request.aspect_ratio,
            "resolution": request.resolution,
            "mode": request.tier,
            "prompt_optimizer": request.prompt_optimizer,
        }
        if request.ref_images:
            body["ref_images"] = [group_body(g, media, images_field="image_urls", audio_field="audio_url") for g in request.ref_images]
        if request.ref_video is not None:
            v = request.ref_video
            body["ref_videos"] = [{"tag": v.tag, "type": v.type, "video_url": media(v.video, "video")}]
        return {"model": MODEL, "input": body}

    def submit(self, body: Any) -> Call:
        return Call("POST", "/v1/prediction/", body)

    def submitted(self, answer: Any, task_id: str | None) -> str:
        if isinstance(answer, dict) and answer.get("status") == "error":
            raise ProviderError(f"eachlabs refused the job: {self.error_message(answer)}")
        job = answer.get("predictionID") if isinstance(answer, dict) else None
        if not job:
            raise ProviderError(f"eachlabs accepted the job but sent no predictionID: {answer!r:.200}")
        return str(job)

    def poll(self, job_id: str) -> Call:
        return Call("GET", f"/v1/prediction/{job_id}")

    def polled(self, answer: Any) -> JobState:
        if not isinstance(answer, dict):
            raise ProviderError(f"eachlabs answered a poll with {answer!r:.200}")
        status = str(answer.get("status", ""))
        if status in ("success", "succeeded"):
            output = answer.get("output")
            urls = tuple(str(u) for u in (output if isinstance(output, list) else [output]) if u)
            # "Cost equals the credits reported in the provider response multiplied by $0.01"
            credits = money(answer.get("credits"))
            return JobState("done", urls, cost_usd=credits / 100 if credits is not None else None, detail=status)
        if status in ("error", "failed"):
            message = self.error_message({k: answer.get(k) for k in ("message", "details", "error")})
            return JobState("failed", error=message or "the prediction failed", detail=status)
        return JobState("running", detail=status)
