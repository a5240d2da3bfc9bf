r"""WaveSpeedAI, seed 000: SkyReels V4 reference-to-video.

Sources: the seed (000:line); the reference pages https://wavespeed.ai/docs/... (get-result,
shared/api-result, error-codes, account-levels); the official Python SDK `wavespeed` 2.0.5
(SDK file:line, under wavespeed/); the official desktop client WaveSpeedAI/wavespeed-desktop
@1b4f9a4 (desktop file function).

| canonical / wire        | ours                                                    | source                                                        | changed |
| ----------------------- | ------------------------------------------------------- | ------------------------------------------------------------- | ------- |
| prompt                  | prompt                                                  | 000:199 "prompt Yes ... Reference tags are added automatically" | - |
| ref_images              | images: every group's images, flat (max 3)              | 000:200 "images ... Upload up to 3 images"                    | - |
| ref_video               | ref_videos: [url] (max 1)                               | 000:201 "ref_videos ... Upload at most 1 video"               | - |
| aspect_ratio            | aspect_ratio (16:9, 9:16, 1:1)                          | 000:202                                                       | - |
| duration                | duration (3-15)                                         | 000:203 "3 ~ 15"                                              | - |
| resolution              | resolution                                              | 000:204 "480p, 720p, 1080p"                                   | - |
| sound                   | sound                                                   | 000:205; 000:206 "Fast mode currently requires sound to be false" | - |
| tier                    | mode (std, fast)                                        | 000:206                                                       | - |
| auth                    | Authorization: Bearer <key>                             | 000:179; SDK api/client.py:130                                | - |
| submit                  | POST /api/v3/skywork-ai/skyreels-v4/reference-to-video -> data.id | 000:177; SDK api/client.py:177, :215-217           | - |
| submit / poll envelope  | {code, message, data}; an HTTP 200 whose `code` is not 200 is a refusal with its `message` | shared/api-result ("code: HTTP status code (e.g., 200 for success)"); desktop src/api/client.ts runPrediction / getResult (`response.data.code !== 200` throws) | new: was ignored (the SDK ignores it too, api/client.py:210-217) |
| poll                    | GET /api/v3/predictions/{id}/result                     | 000:189; SDK api/client.py:256; webhooks page                 | - |
| status created          | running                                                 | get-result ("created: queued, continue polling"); 000:240     | was running by default; now listed |
| status processing       | running                                                 | get-result; 000:240                                           | listed |
| status pending          | running                                                 | desktop src/types/prediction.ts:4 (status union)              | new |
| status completed        | done                                                    | get-result; SDK api/client.py:354                             | - |
| status failed           | failed                                                  | get-result; SDK api/client.py:357-360                         | - |
| status cancelled        | cancelled (ends the wait, not paid, sent anew next build) | SDK api/client.py:357-360 (terminal, RuntimeError)          | new: was "running" until the 3 h job timeout |
| status timeout, deleted | failed                                                  | SDK api/client.py:357-360 (terminal); what-are-predictions ("After 7 days, prediction data and outputs are deleted") | new: was "running" until the 3 h job timeout |
| any other status word   | unknown (the client polls a few times, then stops; the job stays journalled) | api.Statuses                                 | new: was "running" |
| data.outputs            | result URLs via result_urls (strings, or objects with url) | shared/api-result "Array of URLs"; desktop src/types/prediction.ts:5 `(string \| Record)[]` | was str() of each item |
| data.error + data.code  | the failure text: "error (code N, name)"; code 0 = success, not shown | error-codes (0 success; 1200, 1400-1405, 5000-5004); SDK api/client.py:358 reads data.error | new: data.code appended |
| data.has_nsfw_contents, timings, urls, created_at, model | not read              | shared/api-result; SDK never reads them                        | - |
| not found               | HTTP 404, or an envelope whose code is 404              | shared/api-result (code = HTTP status)                        | envelope code new |
| limits                  | 2 jobs at once, 2 submits a minute: Bronze, the default level; WAVESPEED_CONCURRENCY / WAVESPEED_SUBMITS_PER_MINUTE raise them (Silver: 300 / 500, Gold: 3,000 / 3,000) | account-levels ("Bronze ... 2 ... 2 ... Default for new users"; "if you submit a 3rd, it will wait until one finishes") | was 5 / 60 ("the page states no limit") |
| poll interval           | not the adapter's: the client's STORYBOARD_POLL_SECONDS (2 s floor, growing with the job's age) | get-result "Video tasks: At least 5 seconds between checks" | - (a per-provider floor is the client's to add) |
| submit retries          | not the adapter's: the SDK sends a submit once, even after a 5xx ("the task may already have been created") | SDK api/client.py:196-208, :371-383; config.py:50-51 | - (client) |
"""

from __future__ import annotations

from typing import Any

from ...compile.request import Request
from ...errors import ProviderError, Refused
from .api import Adapter, Call, JobState, Media, Statuses, result_urls

SUBMIT = "/api/v3/skywork-ai/skyreels-v4/reference-to-video"
RESULT = "/api/v3/predictions/{id}/result"

STATUSES = Statuses(
    finished=frozenset({"completed"}),
    failed=frozenset({"failed", "timeout", "deleted"}),
    running=frozenset({"created", "processing", "pending"}),
    cancelled=frozenset({"cancelled"}),
)
# https://wavespeed.ai/docs/error-codes: the task's `code` beside its `error`
ERROR_CODES = {
    1200: "content moderation",
    1400: "missing parameter",
    1401: "invalid parameter",
    1402: "media access failed",
    1403: "task execution failed",
    1405: "task failed",
    5000: "internal error",
    5003: "service unavailable",
    5004: "timeout",
}
# what a terminal status means when the answer gives no error text
ENDED = {
    "failed": "the prediction failed",
    "cancelled": "the prediction was cancelled",
    "timeout": "the prediction timed out",
    "deleted": "the prediction was deleted (predictions are kept 7 days: what-are-predictions)",
}


class WaveSpeed(Adapter):
    """WaveSpeed: a REST prediction API; the provider picks the job id, so a lost submit is not resent."""

    id = "wavespeed"
    key_env = "WAVESPEED_API_KEY"
    default_base_url = "https://api.wavespeed.ai"
    concurrency = 2  # Bronze, the default account level (account-levels); raise with WAVESPEED_CONCURRENCY
    submits_per_minute = 2  # Bronze "Videos/min"; raise with WAVESPEED_SUBMITS_PER_MINUTE

    def body(self, request: Request, media: Media, task_id: str | None) -> Any:
        """Every group's images flat in ``images`` (tags and voices dropped, at most 3); ref_videos: the URL alone."""
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
        """The model's own path; the provider picks the job id, so the submit is sent once."""
        return Call("POST", SUBMIT, body)

    def submitted(self, answer: Any, task_id: str | None) -> str:
        """data.id; an HTTP 200 whose envelope ``code`` is not 200 is a refusal with its message."""
        refused = _refusal(answer)
        if refused:
            raise Refused(f"wavespeed refused the job: {refused}")
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            raise ProviderError(
                f"wavespeed accepted the job but sent no id: {self.error_message(answer) or answer!r:.200}"
            )
        return str(data["id"])

    def poll(self, job_id: str) -> Call:
        """The prediction's result; predictions are kept 7 days, after which the status is deleted."""
        return Call("GET", RESULT.format(id=job_id))

    def polled(self, answer: Any) -> JobState:
        """An envelope code other than 200 is an error; the failure text is data.error with its error-code name."""
        refused = _refusal(answer)
        if refused:
            raise ProviderError(f"wavespeed refused the poll: {refused}")
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise ProviderError(f"wavespeed answered a poll without data: {answer!r:.200}")
        status = data.get("status")
        reason = failure_text(data) or ENDED.get(str(status or "").strip().lower())
        return STATUSES.state(status, result_urls(data.get("outputs")), error=reason)

    def is_unknown_job(self, status: int, answer: Any) -> bool:
        """Also an HTTP 200 whose envelope ``code`` is 404: the envelope carries the HTTP status."""
        return status == 404 or (isinstance(answer, dict) and answer.get("code") == 404)


def _refusal(answer: Any) -> str | None:
    """An HTTP 200 whose envelope `code` is not 200: the desktop client's refusal, with its message."""
    if not isinstance(answer, dict) or "code" not in answer or answer.get("code") in (200, "200"):
        return None
    message = answer.get("message")
    return f"code {answer.get('code')}: {message if isinstance(message, str) and message else 'no message'}"


def failure_text(data: dict[str, Any]) -> str | None:
    """data.error with data.code and its name from the error-codes page (0 is success: not shown)."""
    error = data.get("error")
    text = error.strip() if isinstance(error, str) else ""
    code = data.get("code")
    if isinstance(code, int) and not isinstance(code, bool) and code != 0:
        name = ERROR_CODES.get(code)
        tag = f"code {code}, {name}" if name else f"code {code}"
        return f"{text} ({tag})" if text else tag
    return text or None
