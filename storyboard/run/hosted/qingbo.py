"""qingbo (QWave API): the SkyReels V4 series `skyreels-v4-fast` / `skyreels-v4-std`.

Seed 003 is the 2026-04-29 page; the page has been rewritten twice since. This module
follows the newest one, whose field list ends "Any other parameter returns `400` and is
not billed". Sources (QingBo-AI/WaveAPI-Doc unless said otherwise):

- Q2 https://docs.qingbo.dev/en/api-reference/task/status (Kaiho1015/WaveAPI-Doc en/api-reference/task/status.mdx @05f7376)
- Q3 https://docs.qingbo.dev/en/docs/request-response (Kaiho1015/WaveAPI-Doc en/docs/request-response.mdx @05f7376)
- Q5 en/api-reference/video/skyreels.mdx @624b9e5 (https://docs.qingbo.dev/en/api-reference/video/skyreels, rewrite 2)
- Q6 en/api-reference/task/status.mdx @8846645
- Q7 en/api-reference/task/submit.mdx @1ddf276 (the same text @61e3d91 under www.qingbo.dev)
- Q8 cn/changelog/models.mdx @122d654 (entry 2026-09-23), cn/changelog/notices.mdx @8846645 (2026-09-10, 2026-07-10)
- Q9 en/docs/task-system.mdx @1ddf276

| what                 | wire                                              | source | change from seed 003 / the old adapter |
| -------------------- | ------------------------------------------------- | ------ | ----------------------------------- |
| base URL             | https://api.qingbo.ai                             | Q5-Q7, Q9 (`api: "POST https://api.qingbo.ai/v1/tasks"`); Q8 2026-09-10 "接口路径与 API Key 保持不变" | was https://www.qingbo.dev (Q1, Q2); Q8 2026-07-10: qingbo.dev "仍可…正常用于 API 调用", so QINGBO_BASE_URL=https://www.qingbo.dev still works |
| auth                 | Authorization: Bearer <key>                       | Q3, Q5 | none |
| idempotency          | Idempotency-Key: <our task id> on every submit    | Q7 "repeated requests with the same key within 24 hours reuse the originally created task (same task_id, no double billing)" | new: a submit whose answer was lost is resent under the same key |
| submit               | POST /v1/tasks                                    | Q5, Q7 | none |
| submit answer        | top-level {task_id, status: queued, progress: 0, pre_consumed_cost} | Q7 | read `task_id` only (no `data` wrapper, no `id`) |
| model                | model: skyreels-v4-std / skyreels-v4-fast          | Q5     | none |
| action               | action: "generate", always                        | Q5 "`generate` is the only action in this series" | was one of 7 (image2video, first_last_frame, reference, reference_video, extend, reference_audio) |
| prompt               | prompt; the reference video's tag becomes @video_1 | Q5 "The Nth entry gets the tag `@video_N`, which the prompt must reference" | new: the rewrite |
| duration             | duration (3-15; ignored with video_urls)          | Q5     | none |
| resolution           | resolution, always sent; 480p/720p with a video   | Q5 "you must send one of them explicitly"; Q8 2026-09-23 | the 480p/720p rule is a `storyboard check` error (P002) |
| aspect_ratio         | aspect_ratio                                      | Q5     | none |
| prompt_optimizer     | prompt_optimizer                                  | Q5     | none |
| first frame          | first_frame_image                                 | Q5     | none |
| last frame           | end_frame_image                                   | Q5     | was last_frame_image (Q1) |
| mid frames           | mid_frame_images [{tag @…, image_url, time_stamp}] | Q5 ("up to 6", tag in the prompt) | none |
| reference images     | ref_images [{tag @…, type image|grid, image_urls, audio_url?}] | Q5 (image: 1-3 entries × 1-5 images; grid: 1 entry × 1 image) | limits are `check` errors (V005, V021) |
| reference video      | video_urls: [url]                                 | Q5 ("1 clip"); motion reference only | was ref_videos [{tag, type, video_url}] |
| extension            | not offered (ProviderError if asked)                 | Q5 has no extend (Q4 had `action: extend`) | was ref_videos type extend; now a `check` error (P001) |
| sound                | not sent                                          | Q5 lists no `sound`; "Any other parameter returns 400"; the output carries audio | was always sent; `sound: true` is a `check` error (P001) |
| standalone audio     | not sent (ProviderError if asked)                    | Q5: audio only as ref_images[].audio_url (type image, ≤ 15 s) | was audio_urls; now a `check` error (P001) |
| poll                 | GET /v1/tasks/{task_id}                           | Q2, Q6 | none |
| status queued, processing | running                                      | Q6, Q9 | none |
| status completed     | done; urls from result.videos[].url (string[])    | Q6 "`url` — `string[]` array (always an array, even with a single element)"; Q5 | was `str()` of the list: "['https://…']", every download failed |
| status failed        | failed; text from error.message (+ error.code)    | Q6 (codes upstream_unavailable, upstream_bad_request, upstream_rate_limited, task_failed) | the code is added to the text |
| status cancelled     | cancelled                                         | Q6 "only `queued` tasks can be cancelled"; Q9 quota refunded | was read as failed |
| any other word       | unknown (the client polls a few times, then stops; the job stays journalled) | api.Statuses | was read as running, forever |
| progress             | shown as given ("45%", "" or an integer); never parsed | Q6 "a percentage string … do not parse it as a number" | new in the display |
| cost                 | cost (integer quota) ÷ 500,000 = USD              | Q5 "an integer quota, not dollars (500,000 quota = 1 USD)"; Q6 terminal states only | was not read |
| HTTP errors          | {"error": {message, code}}: 400, 401, 402, 404 task_not_found, 429 quota_window_exceeded, 500 | Q3, Q6 | the code is added to the text |
| unknown job          | 404 (task_not_found)                              | Q6     | none |
| concurrency          | 5                                                 | Q1 "≤ 5 queued tasks per account"; Q5 silent | the old comment said the page states none |
| submits per minute   | 60                                                | assumption: Q3 names a sliding-window quota, no numbers | none |
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ...compile.request import Request
from ...errors import ProviderError
from .api import Adapter, Call, JobState, Media, Statuses, error_text, money, result_urls
from .v4 import v4_body

QUOTA_PER_USD = Decimal(500_000)  # Q5: "500,000 quota = 1 USD"
VIDEO_TAG = "@video_1"  # Q5: "The Nth entry gets the tag `@video_N`"
STATUSES = Statuses(
    finished=frozenset({"completed"}),  # Q6 "Done; `result` contains the generated output"
    failed=frozenset({"failed"}),  # Q6 "Failed; `error` contains the error details"
    running=frozenset({"queued", "processing"}),  # Q6 "Submitted, waiting to be processed" / "In progress"
    cancelled=frozenset({"cancelled"}),  # Q6 "Cancelled (only `queued` tasks can be cancelled)"
)


class Qingbo(Adapter):
    """Qingbo: a task API with an Idempotency-Key header, so a lost submit is resent under the same key."""

    id = "qingbo"
    key_env = "QINGBO_API_KEY"
    default_base_url = "https://api.qingbo.ai"  # Q5-Q7; www.qingbo.dev still serves the API (Q8 2026-07-10)
    concurrency = 5  # Q1: "≤ 5 queued tasks per account at the same time"
    submits_per_minute = 60  # assumption: Q3 names a sliding-window quota without numbers
    client_task_ids = True  # Q7: Idempotency-Key, the same task_id for 24 hours, no double billing

    def headers(self, key: str, task_id: str | None = None) -> dict[str, str]:
        """Adds Idempotency-Key on a submit: a resend within 24 hours returns the same task, unbilled (Q7)."""
        headers = super().headers(key, task_id)
        if task_id is not None:
            headers["Idempotency-Key"] = task_id  # Q7
        return headers

    def body(self, request: Request, media: Media, task_id: str | None) -> Any:
        """Always action generate (Q5); a motion video goes as video_urls with its tag retagged @video_1 in the prompt.
        Extension and standalone audio are refused."""
        if request.audio is not None:  # `storyboard check` refuses it first (P001)
            raise ProviderError(
                "qingbo takes audio only on a reference image group (ref_images[].audio_url), not on its own"
            )
        body = {"model": request.model, "action": "generate", **v4_body(request, media)}  # Q5: generate only
        video = request.ref_video
        if video is not None:
            if video.type != "reference":  # `storyboard check` refuses it first (P001)
                raise ProviderError("qingbo's SkyReels page offers no video extension (generate only)")
            body["video_urls"] = [media(video.video, "video")]
            body["prompt"] = _retag(request.prompt, video.tag, VIDEO_TAG)
        return body

    def submit(self, body: Any) -> Call:
        """qingbo's generic task endpoint; the model is named in the body (Q7)."""
        return Call("POST", "/v1/tasks", body)

    def submitted(self, answer: Any, task_id: str | None) -> str:
        """The server's top-level task_id (Q7: no ``data`` wrapper), not the id sent as Idempotency-Key."""
        job = answer.get("task_id") if isinstance(answer, dict) else None  # Q7: top level
        if not isinstance(job, str) or not job:
            raise ProviderError(
                f"qingbo accepted the task but sent no task_id: {self.error_message(answer) or answer!r:.200}"
            )
        return job

    def poll(self, job_id: str) -> Call:
        """The task by qingbo's task_id; an unknown one is a 404 task_not_found (Q6)."""
        return Call("GET", f"/v1/tasks/{job_id}")

    def polled(self, answer: Any) -> JobState:
        """Cost comes as integer quota (500,000 = 1 USD, Q5), converted here; progress is shown as given, not parsed."""
        if not isinstance(answer, dict):
            raise ProviderError(f"qingbo answered a poll with {answer!r:.200}")
        status = answer.get("status")
        result = answer.get("result")
        urls = result_urls(result.get("videos")) if isinstance(result, dict) else ()
        progress = answer.get("progress")
        detail = f"{status or ''} {progress}".strip() if progress not in (None, "") else str(status or "")
        return STATUSES.state(
            status,
            urls,
            cost_usd=_usd(answer.get("cost")),
            error=error_text(answer.get("error"), "code"),
            detail=detail,
        )

    def error_message(self, answer: Any) -> str | None:
        """Qingbo's {error: {message, code}} (Q3): the message with its code appended."""
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            return error_text(answer["error"], "code")  # Q3: {"error": {"message", "code"}}
        return super().error_message(answer)


def _retag(prompt: str, tag: str, wire_tag: str) -> str:
    """The prompt with our tag for the reference video replaced by the page's ``@video_1``."""
    out = re.sub(r"(?<![\w@.])" + re.escape(tag) + r"(?![A-Za-z0-9_-])", wire_tag, prompt)
    if re.search(re.escape(wire_tag) + r"(?![A-Za-z0-9_-])", out) is None:
        out = f"{out} {wire_tag}"  # Q5: the prompt must reference it
    return out


def _usd(quota: Any) -> Decimal | None:
    amount = money(quota)
    return None if amount is None else amount / QUOTA_PER_USD
