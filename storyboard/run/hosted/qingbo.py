"""qingbo, seed 003: the SkyReels V4 model series (`skyreels-v4-fast` / `skyreels-v4-std`).

The body uses V4's native names (see :mod:`.v4` for the field table); `action` locks the
mode, as the page advises ("Pass it explicitly to lock the mode and avoid ambiguity").

| step   | call                                   | answer |
| ------ | -------------------------------------- | ------ |
| submit | POST /v1/tasks {model, action, prompt, ...} | {task_id, status} |
| poll   | GET /v1/tasks/{task_id}                | status queued / processing / completed (result.videos[].url) / failed / cancelled |
"""

from __future__ import annotations

from typing import Any

from ...compile.request import Request
from ...errors import ProviderError
from .api import Adapter, Call, JobState, Media, first
from .v4 import v4_body


class Qingbo(Adapter):
    id = "qingbo"
    key_env = "QINGBO_API_KEY"
    default_base_url = "https://www.qingbo.dev"
    concurrency = 5  # the page states no limit: a safe default
    submits_per_minute = 60

    def body(self, request: Request, media: Media, task_id: str | None) -> Any:
        body = v4_body(request, media, last_frame_field="last_frame_image")
        body["action"] = request.action
        return body

    def submit(self, body: Any) -> Call:
        return Call("POST", "/v1/tasks", body)

    def submitted(self, answer: Any, task_id: str | None) -> str:
        data = answer.get("data", answer) if isinstance(answer, dict) else None
        job = data.get("task_id") or data.get("id") if isinstance(data, dict) else None
        if not job:
            raise ProviderError(f"qingbo accepted the task but sent no task_id: {answer!r:.200}")
        return str(job)

    def poll(self, job_id: str) -> Call:
        return Call("GET", f"/v1/tasks/{job_id}")

    def polled(self, answer: Any) -> JobState:
        data = answer.get("data", answer) if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise ProviderError(f"qingbo answered a poll with {answer!r:.200}")
        status = str(data.get("status", ""))
        if status == "completed":
            videos = (data.get("result") or {}).get("videos") or []
            return JobState("done", tuple(str(v["url"]) for v in videos if isinstance(v, dict) and v.get("url")), detail=status)
        if status in ("failed", "cancelled"):
            return JobState("failed", error=self.error_message(data) or f"the task was {status}", detail=status)
        return JobState("running", detail=status)

    def error_message(self, answer: Any) -> str | None:
        if isinstance(answer, dict) and isinstance(first(answer.get("errors")), dict):
            return str(answer["errors"][0].get("message"))
        return super().error_message(answer)
