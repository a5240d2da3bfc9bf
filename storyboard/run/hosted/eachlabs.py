r"""eachlabs, seed 001: model `skyreels-v4-reference-to-video`.

Sources: the seed (001:line, "Last Updated: 2026-04-29"); the reference at https://docs.eachlabs.ai,
whose source is the repository eachlabs/mintlify-docs @f10dd45 (2026-08-21): the guides
api/predictions/create-prediction.mdx (E4), get-prediction.mdx (E5, 2026-07-27), errors.mdx (E6),
authentication.mdx and changelog.mdx (E9, E12), the OpenAPI spec openapi_specs/models.json (E10),
the error catalog video/billing-limits.mdx#error-catalog (E11), the webhook payload reference
api/webhooks/payload-reference.mdx (E7), and the cancel endpoint /v1/prediction/{id}/cancel (E3).

| canonical / wire   | ours                                                          | source                                                   | changed |
| ------------------ | ------------------------------------------------------------- | -------------------------------------------------------- | ------- |
| prompt             | input.prompt                                                  | 001:25 "Limit 1280 tokens"                               | - |
| ref_images         | input.ref_images [{tag, type image/grid, image_urls, audio_url?}] | 001:26 "type=image accepts 1-5 image_urls ... Only image-type groups can include audio_url" | - |
| ref_video          | input.ref_videos [{tag, type extend/reference, video_url}]    | 001:27 "Single reference video used for motion, extension" | - |
| duration           | input.duration                                                | 001:28 "Range 3-15"                                      | - |
| aspect_ratio       | input.aspect_ratio                                            | 001:29 "16:9,9:16,1:1,4:3,3:4"                           | - |
| resolution         | input.resolution                                              | 001:30 "480p,720p,1080p"                                 | - |
| tier               | input.mode                                                    | 001:31 "fast,std"                                        | - |
| prompt_optimizer   | input.prompt_optimizer                                        | 001:32                                                   | - |
| model, version     | model: skyreels-v4-reference-to-video; version: 0.0.1         | 001:4, 001:10 "Version: 0.0.1"; E4 table "version ... Yes" (required); E10 "Deprecated. This field is ignored" | version new: satisfies both readings |
| auth               | Authorization: Bearer <key>                                   | E9 "All each::labs APIs authenticate ... as a Bearer token"; changelog July 27, 2026; commit dc361e7 "X-API-Key stays functional but undocumented" | was X-API-Key (001:36, 001:94) |
| submit             | POST /v1/prediction                                           | E4 "POST https://api.eachlabs.ai/v1/prediction"; E10 path | was /v1/prediction/ (001:35) |
| submit answer      | predictionID (E4, E10 CreatePredictionResponse); `id` accepted too (the poll answer's name, E5) | E4 response; E5 | `id` new |
| submit refusal     | a 2xx with status "error" or an `error` and no id             | 001:79; E6 envelope {"error": ...}                        | `error` new |
| poll               | GET /v1/prediction/{id}                                       | E5; 001:59                                               | - |
| status created, starting, processing | running                                     | E5 "created, starting, processing, success, error, or cancelled" | created/starting listed (were running by default) |
| status success     | done                                                          | E5; 001:65                                               | - |
| status succeeded   | done                                                          | E7 webhook status "succeeded"; 001:77                    | - |
| status error       | failed                                                        | E5; E11 "status: \"error\" — never \"failed\""; E12      | - |
| status failed      | failed                                                        | E10 enum (still "failed", older); E7 webhook             | - |
| status cancelled   | cancelled                                                     | E5; E10 enum; E3 cancel answer; E11 "a cancelled prediction never bills" | new: was "running" until the 3 h job timeout |
| any other word     | unknown (the client polls a few times, then stops)            | api.Statuses                                             | new: was "running" |
| output             | result URLs via result_urls: a string, a list, an object's url/urls/video_url; else an http(s) string among the object's values (no key is documented) | E5 "string \| array \| object ... (type depends on model)"; 001:51 string | was str() of a dict |
| output error envelope | an object with error_code / error_message (or success false) is a failure: "error_message (error_code)", else its `error` | E6 "its output carries an error envelope with error_code and error_message"; E11 | new |
| logs               | the failure text when the output carries none                 | E5 `print(f"Failed: {data.get('logs')}")`; "logs string \| null" | new |
| top-level message / details / error | the last resort for the failure text             | 001:66 "read message / details"                          | - |
| cost               | metrics.cost, USD, as is                                      | E5 "metrics.cost number Cost in USD"; E10 "Cost of the prediction in USD"; 001:97 "Monetary values are reported in USD" | was top-level `credits` / 100 (001:11), a field no answer has |
| error bodies       | {"error", "details"?, "status"?}: shown as "error: details"   | E6 (402, 429 bodies); E10 Error "shared error paths may also include status and details" | details joined |
| 402                | a refusal: the client shows it, sends nothing again          | E6 "Balance too low to cover the request"                 | - (client) |
| not found          | HTTP 404 {"error": "Prediction not found"}                    | E5 error responses                                        | - |
| limits             | 10 jobs at once; no per-minute limit. EACHLABS_CONCURRENCY lowers it: at a balance of $10 or less a model "the platform cannot price before it runs" is capped at 2 | E6 "There is no per-second request limit on predictions ... 10 predictions in flight ... and 2 for a model the platform cannot price"; 001:16 "Charge Type: dynamic" | was 10 and 100 a minute (001:85, absent from the reference) |
"""

from __future__ import annotations

from typing import Any

from ...compile.request import Request
from ...errors import ProviderError, Refused
from .api import Adapter, Call, JobState, Media, Statuses, money, result_urls
from .v4 import group_body

MODEL = "skyreels-v4-reference-to-video"
VERSION = "0.0.1"  # 001:10

STATUSES = Statuses(
    finished=frozenset({"success", "succeeded"}),
    failed=frozenset({"error", "failed"}),
    running=frozenset({"created", "starting", "processing"}),
    cancelled=frozenset({"cancelled"}),
)
# what a terminal status means when the answer gives no reason
ENDED = {
    "error": "the prediction failed",
    "failed": "the prediction failed",
    "cancelled": "the prediction was cancelled",
}


class Eachlabs(Adapter):
    """Eachlabs: a prediction API wrapping the model's input; the provider picks the id and reports the cost."""

    id = "eachlabs"
    key_env = "EACHLABS_API_KEY"
    default_base_url = "https://api.eachlabs.ai"
    concurrency = 10  # E6: the documented cap (2 for unpriced models at a balance of $10 or less)
    submits_per_minute = None  # E6: "There is no per-second request limit on predictions"

    def body(self, request: Request, media: Media, task_id: str | None) -> Any:
        """The fields go under ``input`` beside model and version (sent though E10 calls it ignored); tier as ``mode``;
        no frames and no sound."""
        body: dict[str, Any] = {
            "prompt": request.prompt,
            "duration": request.duration,
            "aspect_ratio": request.aspect_ratio,
            "resolution": request.resolution,
            "mode": request.tier,
            "prompt_optimizer": request.prompt_optimizer,
        }
        if request.ref_images:
            body["ref_images"] = [
                group_body(g, media, images_field="image_urls", audio_field="audio_url") for g in request.ref_images
            ]
        if request.ref_video is not None:
            v = request.ref_video
            body["ref_videos"] = [{"tag": v.tag, "type": v.type, "video_url": media(v.video, "video")}]
        return {"model": MODEL, "version": VERSION, "input": body}

    def submit(self, body: Any) -> Call:
        """POST /v1/prediction, without the trailing slash seed 001 shows (E4)."""
        return Call("POST", "/v1/prediction", body)

    def submitted(self, answer: Any, task_id: str | None) -> str:
        """predictionID, or ``id``; a 2xx with status error, or an error and no id, is a refusal (no job exists)."""
        if not isinstance(answer, dict):
            raise ProviderError(f"eachlabs accepted the job but answered {answer!r:.200}")
        job = answer.get("predictionID") or answer.get("id")
        if answer.get("status") == "error" or (not job and answer.get("error")):
            raise Refused(f"eachlabs refused the job: {self.error_message(answer)}")
        if not job:
            raise ProviderError(f"eachlabs accepted the job but sent no predictionID: {answer!r:.200}")
        return str(job)

    def poll(self, job_id: str) -> Call:
        """The prediction by the id eachlabs chose (E5)."""
        return Call("GET", f"/v1/prediction/{job_id}")

    def polled(self, answer: Any) -> JobState:
        """An error envelope in ``output`` fails the job whatever the status says (E6); cost is metrics.cost, USD."""
        if not isinstance(answer, dict):
            raise ProviderError(f"eachlabs answered a poll with {answer!r:.200}")
        status = answer.get("status")
        output = answer.get("output")
        metrics = answer.get("metrics")
        cost = money(metrics.get("cost")) if isinstance(metrics, dict) else None
        envelope = _error_envelope(output)
        if envelope is not None and str(status or "").lower() not in STATUSES.cancelled:
            # E6: a failure's output is its error envelope, whatever the status word says
            return STATUSES.state("error", (), error=envelope or self._failure(answer), detail=str(status or ""))
        reason = self._failure(answer) or ENDED.get(str(status or "").strip().lower())
        return STATUSES.state(status, output_urls(output), cost_usd=cost, error=reason)

    def _failure(self, answer: dict[str, Any]) -> str | None:
        """The failure text: the output's error envelope, then `logs`, then the top-level message."""
        envelope = _error_envelope(answer.get("output"))
        if envelope:
            return envelope
        first = answer["output"][0] if isinstance(answer.get("output"), list) and answer["output"] else None
        if isinstance(first, dict) and isinstance(first.get("error"), str) and first["error"]:
            return str(first["error"])  # E7: a webhook-style output wraps the error in a list
        logs = answer.get("logs")
        if isinstance(logs, str) and logs.strip():
            return logs.strip()[-500:]  # execution logs: the end says why
        return self.error_message({k: answer.get(k) for k in ("message", "details", "error")})

    def error_message(self, answer: Any) -> str | None:
        """E6: {"error": terse, "details": the cap or balance that applied}; seed 001:79 {message, details}."""
        if isinstance(answer, dict):
            error, details = answer.get("error"), answer.get("details")
            if isinstance(error, str) and error and isinstance(details, str) and details and "message" not in answer:
                return f"{error}: {details}"
        return super().error_message(answer)


def _error_envelope(output: Any) -> str | None:
    """E6/E11: an output object with error_code / error_message (or success false) is a failure.

    Returns its text ("error_message (error_code)", else its `error`), "" when it names none,
    or None when ``output`` is not an error envelope.
    """
    if not isinstance(output, dict):
        return None
    if not any(k in output for k in ("error_code", "error_message")) and output.get("success") is not False:
        return None
    message, code = output.get("error_message"), output.get("error_code")
    if isinstance(message, str) and message:
        return f"{message} ({code})" if isinstance(code, str) and code else message
    error = output.get("error")
    if isinstance(error, str) and error:
        return f"{error} ({code})" if isinstance(code, str) and code else error
    return str(code) if isinstance(code, str) and code else ""


def output_urls(output: Any) -> tuple[str, ...]:
    """E5: output is a string, an array or an object; an object's URL key is not documented."""
    urls = result_urls(output)
    if urls or not isinstance(output, dict):
        return urls
    return tuple(
        v.strip() for v in output.values() if isinstance(v, str) and v.strip().startswith(("https://", "http://"))
    )
