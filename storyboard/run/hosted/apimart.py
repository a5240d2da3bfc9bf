"""apimart, seed 004: SkyReels V4 with auto-routing (T2V / I2V / Omni).

Sources:

- A1 https://docs.apimart.ai/en/api-reference/videos/skyreels-v4/generation (= seed 004; ko/cn the same)
- A2 https://docs.apimart.ai/en/api-reference/tasks/status (two stored versions: `url` a string, and an array)
- A3 apimart's cn docs compilation, "获取任务状态": the error object and each status code's body
- A4 apimart-ai/apimart-skills skills/apimart-generate-media/references/api-contract.md and
  scripts/apimart-media.mjs @5a49d91 (apimart's own agent client)
- A5 clients typed from the cn SkyReels page (secondary): a TS `ApimartSkyReelsV4Request`, `martianzhang/apimart-cli`

| what               | wire                                              | source | change from seed 004 / the old adapter |
| ------------------ | ------------------------------------------------- | ------ | ------------------------------------ |
| base URL, auth     | https://api.apimart.ai, Authorization: Bearer <key> | A1, A2 | none |
| submit             | POST /v1/videos/generations                       | A1     | none |
| submit answer      | {code: 200, data: [{status: submitted, task_id}]} | A1     | none |
| idempotency        | not sent; client_task_ids stays False             | A1/A2 silent. Only A4 (apimart's agent client) sends Idempotency-Key, together with X-APIMart-Response-Version: 2026-07-27, which changes `data` to an object; no API reference page documents a server-side replay, so a lost submit stays an unknown outcome | none |
| model              | model (required, no default)                      | A1 "must be explicitly provided" | none |
| prompt             | prompt; every @tag in it                          | A1 "max 1280 tokens", "@tag mechanism" | none |
| duration, resolution, aspect_ratio, prompt_optimizer | same names      | A1 example body; A5 ranges | none |
| first/last frame   | first_frame_image, end_frame_image                | A1 (I2V fields) | none |
| mid frames         | mid_frame_images [{tag @…, image_url, time_stamp}] | A1, A5 (max 6) | none |
| reference images   | ref_images [{tag @…, type image|grid, image_urls, audio_url?}] | A1, A5 | none |
| reference video    | ref_videos [{tag, type reference|extend, video_url}] (max 1) | A1 (seed 004:21-22), A5 | none |
| sound              | not sent                                          | not in A1's fields or examples, not in A5's typed request ("the docs are contradictory about sound", A5 note); SkyReels V4 returns audio with the picture | was always sent; `sound: true` is now a `check` error (P001) |
| standalone audio   | not sent (ProviderError if asked)                 | no `audio_urls` in A1 or A5; audio rides on ref_images[].audio_url (A5 "≤15s") | was audio_urls; now a `check` error (P001) |
| poll               | GET /v1/tasks/{task_id} -> {code, data: {id, status, progress, result, error}} | A2, A3 | none |
| status submitted, pending, processing | running                        | A1 (submit answer), A2 "pending - Queued for processing; processing - In progress" | `submitted`/`pending` named |
| status completed   | done; urls from result.videos[].url (a string or a list) | A2 (both versions), A3 | through api.result_urls |
| status failed      | failed; text from error.message (+ error.type)    | A2/A3 "error … only present when status is failed": {code: integer, message, type} | the type is added to the text |
| status cancelled   | cancelled                                         | A2 "cancelled - Cancelled by user" | was read as failed |
| any other word     | unknown (the client polls a few times, then stops; the job stays journalled) | api.Statuses | `succeeded`, `success`, `error` (never documented) were guesses; now unknown |
| progress           | shown as "<status> <n>%"                          | A2 "Task progress percentage (0–100)" | none |
| cost               | not read                                          | A2/A3 have no cost field (A5 reads data.cost / credits_cost, unit unstated) | none |
| HTTP errors        | {"error": {code: int, message, type}}: 400 invalid_request_error, 401 authentication_error, 402 payment_required, 403 permission_error, 422 (I2V + Omni), 429 rate_limit_error, 500 server_error, 502 bad_gateway | A1 (422), A3 | the type is added to the text |
| unknown job        | 404                                               | reference silent (A3 shows 400 "无效的任务ID" for a bad id) | none |
| concurrency, rate  | 5 in flight, 60 submits a minute                  | assumption: the pages state no limits | none |
"""

from __future__ import annotations

from typing import Any

from ...compile.request import Request
from ...errors import ProviderError
from .api import Adapter, Call, JobState, Media, Statuses, error_text, first, result_urls
from .v4 import v4_body

STATUSES = Statuses(
    finished=frozenset({"completed"}),  # A2 "completed - Finished successfully"
    failed=frozenset({"failed"}),  # A2 "failed - Failed"
    running=frozenset({"submitted", "pending", "processing"}),  # A1 submit answer; A2 "pending", "processing"
    cancelled=frozenset({"cancelled"}),  # A2 "cancelled - Cancelled by user"
)


class Apimart(Adapter):
    """Apimart: a task API with no documented idempotency, so a submit whose answer was lost is not resent."""

    id = "apimart"
    key_env = "APIMART_API_KEY"
    default_base_url = "https://api.apimart.ai"
    concurrency = 5  # the pages state no limit: a safe default
    submits_per_minute = 60

    def body(self, request: Request, media: Media, task_id: str | None) -> Any:
        """Refuses standalone audio (no field for it; ``check`` reports P001 first); the video goes as ref_videos."""
        if request.audio is not None:  # `storyboard check` refuses it first (P001)
            raise ProviderError("apimart documents no standalone audio field; audio goes on a reference image group")
        body = v4_body(request, media)
        if request.ref_video is not None:
            v = request.ref_video
            body["ref_videos"] = [{"tag": v.tag, "type": v.type, "video_url": media(v.video, "video")}]
        return body

    def submit(self, body: Any) -> Call:
        """Sent once: apimart documents no idempotency, so a lost answer is an unknown outcome."""
        return Call("POST", "/v1/videos/generations", body)

    def submitted(self, answer: Any, task_id: str | None) -> str:
        """The task_id of the first entry of ``data`` (a list, A1); none is a ProviderError, not a refusal."""
        item = first(answer.get("data")) if isinstance(answer, dict) else None
        if not isinstance(item, dict) or not item.get("task_id"):
            raise ProviderError(
                f"apimart accepted the task but sent no task_id: {self.error_message(answer) or answer!r:.200}"
            )
        return str(item["task_id"])

    def poll(self, job_id: str) -> Call:
        """Apimart's generic task endpoint (A2), not one under /v1/videos."""
        return Call("GET", f"/v1/tasks/{job_id}")

    def polled(self, answer: Any) -> JobState:
        """Reads ``data``: result.videos[].url (a string or a list), progress as <status> <n>%, error.message + type."""
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise ProviderError(f"apimart answered a poll with {answer!r:.200}")
        status = data.get("status")
        progress = data.get("progress")
        detail = (
            f"{status} {progress}%"
            if isinstance(progress, (int, float)) and not isinstance(progress, bool)
            else str(status or "")
        )
        result = data.get("result")
        urls = result_urls(result.get("videos")) if isinstance(result, dict) else ()
        return STATUSES.state(status, urls, error=error_text(data.get("error"), "type"), detail=detail)

    def error_message(self, answer: Any) -> str | None:
        """Apimart's error object {code, message, type} (A3): the message with its type appended."""
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            return error_text(answer["error"], "type")  # A3: {"error": {code, message, type}}
        return super().error_message(answer)
