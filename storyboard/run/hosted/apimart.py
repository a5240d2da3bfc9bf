"""apimart, seed 004: SkyReels V4 with auto-routing (T2V / I2V / Omni).

The body uses V4's native names (see :mod:`.v4`), with `end_frame_image` for the last
frame, as this page names it. `model` is always sent ("no default value").

| step   | call                              | answer |
| ------ | --------------------------------- | ------ |
| submit | POST /v1/videos/generations       | {code, data: [{status, task_id}]} |
| poll   | GET /v1/tasks/{task_id}           | {code, data: {status, progress, result: {videos: [{url: [...]}]}}} |
"""

from __future__ import annotations

from typing import Any

from ...compile.request import Request
from ...errors import ProviderError
from .api import Adapter, Call, JobState, Media, first
from .v4 import v4_body


class Apimart(Adapter):
    id = "apimart"
    key_env = "APIMART_API_KEY"
    default_base_url = "https://api.apimart.ai"
    concurrency = 5  # the page states no limit: a safe default
    submits_per_minute = 60

    def body(self, request: Request, media: Media, task_id: str | None) -> Any:
        return v4_body(request, media, last_frame_field="end_frame_image")

    def submit(self, body: Any) -> Call:
        return Call("POST", "/v1/videos/generations", body)

    def submitted(self, answer: Any, task_id: str | None) -> str:
        item = first(answer.get("data")) if isinstance(answer, dict) else None
        if not isinstance(item, dict) or not item.get("task_id"):
            raise ProviderError(f"apimart accepted the task but sent no task_id: {self.error_message(answer) or answer!r:.200}")
        return str(item["task_id"])

    def poll(self, job_id: str) -> Call:
        return Call("GET", f"/v1/tasks/{job_id}")

    def polled(self, answer: Any) -> JobState:
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise ProviderError(f"apimart answered a poll with {answer!r:.200}")
        status = str(data.get("status", ""))
        progress = data.get("progress")
        detail = f"{status} {progress}%" if isinstance(progress, (int, float)) else status
        if status in ("completed", "succeeded", "success"):
            urls: list[str] = []
            for video in (data.get("result") or {}).get("videos") or []:
                found = video.get("url") if isinstance(video, dict) else None
                urls += [str(u) for u in (found if isinstance(found, list) else [found]) if u]
            return JobState("done", tuple(urls), detail=status)
        if status in ("failed", "cancelled", "error"):
            return JobState("failed", error=self.error_message(data) or f"the task {status}", detail=status)
        return JobState("running", detail=detail)
