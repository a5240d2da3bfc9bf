"""Runware, seed 002: `videoInference` with model `skywork:skyreels@v4`.

| canonical        | wire (one task in a JSON array)                       | seed 002 line |
| ---------------- | ----------------------------------------------------- | ------------- |
| (job id)         | taskUUID, chosen by us, UUID v4                       | "taskUUID ... Must be unique per task" |
| prompt           | positivePrompt                                        | "positivePrompt ... max: 5120" |
| width, height    | width, height; resolution                             | "Width/Height of the generated media"; "resolution" |
| duration         | duration                                              | "min: 3 max: 15" |
| ref_images       | inputs.referenceImages [{type, tag, images, audio?}]  | "1-3 groups, 1-5 images each, optional audio" |
| first/last/mid frames | inputs.frameImages [{image, frame: first/last/frame index}] | "an object with an image and a target position" |
| ref_video        | inputs.referenceVideos [{type, tag, video}]           | "Reference video ... video extension" |
| sound            | settings.audio                                        | "Sound effect generation" |
| prompt_optimizer | settings.promptExtend                                 | "Automatic prompt expansion" |
| (delivery)       | deliveryMethod async, outputType URL, outputFormat MP4, numberResults 1, includeCost true | "deliveryMethod", "includeCost" |
| poll             | [{taskType: getResponse, taskUUID}] -> data[].status processing/success/error, videoURL, cost | Runware task polling |

Images may travel inline as data URIs ("Image inputs (UUID, URL, Data URI, or Base64)");
audio and video may not ("UUID or URL"), so those are staged.
"""

from __future__ import annotations

import uuid
from typing import Any

from ...compile.request import Request
from ...errors import ProviderError
from .api import Adapter, Call, JobState, Media, first, money
from .v4 import group_body

MODEL = "skywork:skyreels@v4"
FPS = 32  # SkyReels V4 renders 32 fps; a mid frame's target position is a frame index


class Runware(Adapter):
    id = "runware"
    key_env = "RUNWARE_API_KEY"
    default_base_url = "https://api.runware.ai"
    concurrency = 5  # the page states no limit: a safe default
    submits_per_minute = 60
    data_uri_kinds = frozenset({"image"})
    client_task_ids = True

    def new_task_id(self) -> str:
        return str(uuid.uuid4())

    def body(self, request: Request, media: Media, task_id: str | None) -> Any:
        assert task_id is not None
        inputs: dict[str, Any] = {}
        if request.ref_images:
            inputs["referenceImages"] = [group_body(g, media, images_field="images", audio_field="audio") for g in request.ref_images]
        frames: list[dict[str, Any]] = []
        if request.first_frame is not None:
            frames.append({"image": media(request.first_frame, "image"), "frame": "first"})
        frames += [{"image": media(m.image, "image"), "frame": round(m.time * FPS)} for m in request.mid_frames]
        if request.last_frame is not None:
            frames.append({"image": media(request.last_frame, "image"), "frame": "last"})
        if frames:
            inputs["frameImages"] = frames
        if request.ref_video is not None:
            v = request.ref_video
            inputs["referenceVideos"] = [{"type": v.type, "tag": v.tag, "video": media(v.video, "video")}]
        task: dict[str, Any] = {
            "taskType": "videoInference",
            "taskUUID": task_id,
            "model": MODEL,
            "positivePrompt": request.prompt,
            "width": request.width,
            "height": request.height,
            "resolution": request.resolution,
            "duration": request.duration,
            "deliveryMethod": "async",
            "outputType": "URL",
            "outputFormat": "MP4",
            "numberResults": 1,
            "includeCost": True,
            "settings": {"audio": request.sound, "promptExtend": request.prompt_optimizer},
        }
        if inputs:
            task["inputs"] = inputs
        return [task]

    def submit(self, body: Any) -> Call:
        return Call("POST", "/v1", body)

    def submitted(self, answer: Any, task_id: str | None) -> str:
        message = self.error_message(answer)
        if message:
            raise ProviderError(f"runware refused the task: {message}")
        item = first(answer.get("data")) if isinstance(answer, dict) else None
        if not isinstance(item, dict) or item.get("taskUUID") != task_id:
            raise ProviderError(f"runware acknowledged another task than ours: {answer!r:.200}")
        return str(task_id)

    def poll(self, job_id: str) -> Call:
        return Call("POST", "/v1", [{"taskType": "getResponse", "taskUUID": job_id}])

    def polled(self, answer: Any) -> JobState:
        message = self.error_message(answer)
        if message:
            return JobState("failed", error=message, detail="error")
        item = first(answer.get("data")) if isinstance(answer, dict) else None
        if not isinstance(item, dict):
            raise ProviderError(f"runware answered a poll with {answer!r:.200}")
        status = str(item.get("status", ""))
        if status == "success":
            url = item.get("videoURL")
            return JobState("done", (str(url),) if url else (), cost_usd=money(item.get("cost")), detail=status)
        if status == "error":
            return JobState("failed", error=str(item.get("message") or item.get("error") or "the task failed"), detail=status)
        return JobState("running", detail=status)

    def error_message(self, answer: Any) -> str | None:
        error = first(answer.get("errors")) if isinstance(answer, dict) else None
        if isinstance(error, dict):
            return str(error.get("message") or error.get("code"))
        return None

    def _error_code(self, answer: Any) -> str:
        error = first(answer.get("errors")) if isinstance(answer, dict) else None
        return str(error.get("code", "")) if isinstance(error, dict) else ""

    def is_duplicate(self, answer: Any) -> bool:
        return self._error_code(answer) == "duplicateTaskUUID"

    def is_unknown_job(self, status: int, answer: Any) -> bool:
        return self._error_code(answer) == "taskNotFound" or status == 404
