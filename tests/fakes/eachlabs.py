"""Fake eachlabs, model ``skyreels-v4-reference-to-video`` (seed 001), as the reference documents it.

Sources: the seed (001:line) for the model's input schema and prices; the reference
https://docs.eachlabs.ai (repository eachlabs/mintlify-docs @f10dd45) for the protocol:
``api/predictions/create-prediction.mdx`` (E4), ``get-prediction.mdx`` (E5), ``errors.mdx``
(E6), ``authentication.mdx`` (E9), ``openapi_specs/models.json`` (E10) and
``video/billing-limits.mdx#error-catalog`` (E11).

Submit ``POST /v1/prediction`` (``/v1/prediction/`` too, seed 001:35) ``{model, version?, input,
webhook_url?, webhook_secret?}`` with ``Authorization: Bearer`` (E9; the legacy ``X-API-Key`` of
001:36 still works, "functional but undocumented"), answered ``{status, message, predictionID}``
(E4). Poll ``GET /v1/prediction/{id}`` answers the prediction object of E5: ``id, input, status,
output, logs, metrics {predict_time, cost}, urls``. Statuses: ``created``, ``starting``, then
``processing`` while running (E5), ``success``, ``error`` (E11: "never failed") with the error
envelope in ``output``, ``cancelled`` (the poll fault ``status:cancelled``; $0, E11). Errors are
``{"error": ...}``; 400, 402 and 429 add ``status`` and ``details`` (E6, E10). The only limit is
the concurrency cap: ``max_concurrent`` predictions in flight per key (E6: "10 predictions in
flight at once"; no per-minute limit). ``balance_usd`` set: a submit whose estimated cost with the
in-flight ones exceeds it is refused 402 (E6).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from .server import (
    ASPECT_RATIOS,
    REQUIRED_URL,
    RESOLUTIONS,
    URL,
    ClipSpec,
    FakeServer,
    Field,
    Invalid,
    Job,
    Reply,
    Request,
    Rule,
    check_fields,
    check_rules,
    frame_size,
    url_form,
)

SUBMIT_PATHS = ("/v1/prediction", "/v1/prediction/")  # E4; seed 001:35
POLL_PATH = re.compile(r"/v1/prediction/(?P<id>[^/]+)/?")  # E5; seed 001:59
MODEL = "skyreels-v4-reference-to-video"  # seed 001:4

# A reference image group, seed 001:26.
GROUP = Field(
    "object",
    fields={
        "tag": Field("string", required=True, min=1),  # 001:26 "Use prompt tags to invoke each group"
        "type": Field("string", required=True, enum=("image", "grid")),  # 001:26
        "image_urls": Field("array", required=True, min=1, max=5, items=URL),  # 001:26 image: 1-5 (grid: 1, below)
        "audio_url": URL,  # 001:26 only image-type groups (below)
    },
)
# The reference video, seed 001:27.
VIDEO = Field(
    "object",
    fields={
        "tag": Field("string", required=True, min=1),  # 001:25 "reference videos via tags like @video1"
        "type": Field("string", required=True, enum=("extend", "reference")),  # 001:27
        "video_url": REQUIRED_URL,  # 001:95 file parameters are URLs
    },
)
# The input schema, seed 001:23-32. File parameters take URLs, never data URIs (001:95).
INPUT: dict[str, Field] = {
    "prompt": Field("string", required=True, min=1, max=4000),  # 001:25 1280 tokens (roughly 4000 characters)
    "ref_images": Field("array", items=GROUP),  # 001:26
    "ref_videos": Field("array", max=1, items=VIDEO),  # 001:27 a single reference video
    "duration": Field("integer", min=3, max=15),  # 001:28 range 3-15
    "aspect_ratio": Field("string", enum=ASPECT_RATIOS),  # 001:29
    "resolution": Field("string", enum=RESOLUTIONS),  # 001:30
    "mode": Field("string", enum=("fast", "std")),  # 001:31
    "prompt_optimizer": Field("boolean"),  # 001:32
}
BODY: dict[str, Field] = {
    "model": Field("string", required=True),  # E4, E10 (an unknown model is 404, 001:84)
    "version": Field("string"),  # E4 "Yes"; E10 "Deprecated. This field is ignored"
    "input": Field("object", required=True, fields=INPUT),  # E4, E10
    "webhook_url": Field("string", form=url_form),  # E4, E10 format uri
    "webhook_secret": Field("string"),  # E4, E10
}


def _groups(b: dict[str, Any]) -> list[dict[str, Any]]:
    return list(b.get("ref_images") or [])


RULES: list[Rule] = [
    # 001:26 all items must share the same type
    Rule("ref_images", "all ref_images groups must share the same type", lambda b: len({g["type"] for g in _groups(b)}) > 1),
    # 001:26 type=grid accepts exactly 1 image_url per group
    Rule("ref_images", "a grid group accepts exactly 1 image_url", lambda b: any(g["type"] == "grid" and len(g["image_urls"]) != 1 for g in _groups(b))),
    # 001:26 only image-type groups can include audio_url
    Rule("ref_images", "only image-type groups can include audio_url", lambda b: any(g["type"] != "image" and "audio_url" in g for g in _groups(b))),
    # 001:26 ref_images cannot combine with extend-type ref_videos
    Rule("ref_images", "ref_images cannot combine with extend-type ref_videos", lambda b: bool(_groups(b)) and any(v["type"] == "extend" for v in b.get("ref_videos") or [])),
]  # fmt: skip

DEFAULTS: dict[str, Any] = {"duration": 5, "aspect_ratio": "16:9", "mode": "std", "resolution": "1080p"}  # 001:28-31

# Seed 001:11, USD per second: (mode, resolution) -> (without video input, with video input)
RATES: dict[tuple[str, str], tuple[float, float]] = {
    ("fast", "480p"): (0.08, 0.15), ("fast", "720p"): (0.11, 0.20), ("fast", "1080p"): (0.275, 0.50),
    ("std", "480p"): (0.11, 0.18), ("std", "720p"): (0.14, 0.25), ("std", "1080p"): (0.35, 0.625),
}  # fmt: skip
IN_PROGRESS = ("created", "starting")  # E5: queued, initializing; then "processing"
FAILED_CODE = "PROVIDER_FAILED"  # E11: "The job failed after the engine accepted it"
TERSE = {400: "Invalid input for model", 402: "payment required", 429: "too many requests"}  # E4, E6


class EachlabsFake(FakeServer):
    provider = "eachlabs"
    status_faults = frozenset({"cancelled"})
    legacy_auth_header = "X-API-Key"  # 001:36, 001:94; dc361e7 "X-API-Key stays functional but undocumented"

    def __init__(self, *, max_concurrent: int = 10, balance_usd: float | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.max_concurrent = max_concurrent  # E6: 10 in flight at a balance of $10 or less
        self.balance_usd = balance_usd  # E6 402: in-flight estimates over the balance (None: unlimited)

    submit_paths = SUBMIT_PATHS
    poll_path = POLL_PATH

    def _authorized(self, req: Request) -> bool:
        legacy = (req.headers.get(self.legacy_auth_header) or "").strip()
        return super()._authorized(req) or (bool(legacy) and legacy == self.key)

    def error(self, status: int, message: str, *, parameter: str | None = None, code: str | None = None) -> Reply:
        if status == 401:
            return Reply.json(401, {"error": "Invalid or missing API key"})  # E4, E6
        if status == 404 and parameter == "id":
            return Reply.json(404, {"error": "Prediction not found"})  # E5
        if status in TERSE:  # E6 (402, 429), E10 "shared error paths may also include status and details"
            return Reply.json(status, {"status": status, "error": TERSE[status], "details": message})
        return Reply.json(status, {"error": message})  # E6

    def submit(self, req: Request) -> Reply:
        body = req.json_object()
        if isinstance(body.get("model"), str) and body["model"] != MODEL:
            raise Invalid("model", f"Failed to fetch model: model {body['model']} not found", 404)  # E6 404
        check_fields(body, BODY)
        inp = body["input"]
        check_rules(inp, RULES)
        eff = {**DEFAULTS, **inp}
        width, height = frame_size(eff["resolution"], eff["aspect_ratio"])
        video = (inp.get("ref_videos") or [None])[0]
        seconds = self.clip_seconds(
            eff["duration"], video and video["type"], video and video["video_url"], "input.ref_videos[0].video_url"
        )  # 001:28 a `reference` video overrides the duration (max 10 s)
        cost = round(RATES[eff["mode"], eff["resolution"]][video is not None] * seconds, 4)  # 001:11 per second
        with self._cond:  # the limit check and the create are one step
            refused = self._refused(cost)
            if refused:
                return self.error(*refused)
            job = self.new_job(req, [ClipSpec.of(width, height, seconds)], job_id=str(uuid.uuid4()), cost=cost)
        return Reply.json(
            200, {"status": "success", "message": "Prediction created successfully", "predictionID": job.id}
        )

    def _refused(self, cost: float) -> tuple[int, str] | None:
        """E6: the cap that applies to a create now (status, details), or None. A refused create makes nothing."""
        pending = [j for j in self.jobs.values() if j.status == "pending"]
        if len(pending) >= self.max_concurrent:
            return 429, (
                f"Account rate limited: accounts with a balance of $10.00 or less are limited to {self.max_concurrent} "
                "concurrent executions. Keep your balance above $10.00 for higher concurrency, or wait for an active "
                "execution to finish."
            )
        if (
            self.balance_usd is not None
            and cost + sum(float(j.extra.get("cost", 0)) for j in pending) > self.balance_usd
        ):
            return 402, (
                f"the estimated cost of your in-flight executions exceeds your current balance (${self.balance_usd:.2f}). "
                "please wait for an active execution to finish or top up your balance"
            )
        return None

    def poll(self, req: Request) -> Reply:
        job = self.polled_job(req, "id", "prediction")
        state = self.advance(job, req)
        if state == "pending":
            word = IN_PROGRESS[job.polls - 1] if job.polls - 1 < len(IN_PROGRESS) else "processing"
            return Reply.json(200, self._prediction(job, word, output=None, metrics={}))
        assert job.finished_at is not None
        took = round(job.finished_at - job.created_at, 3)
        if job.ended == "cancelled":  # E11: "a cancelled prediction never bills"
            return Reply.json(
                200, self._prediction(job, "cancelled", output=None, metrics={"predict_time": took, "cost": 0})
            )
        if state == "failed":  # E6, E11: status "error", the error envelope in output, cost 0
            envelope = {"error": "Execution failed", "error_code": FAILED_CODE, "error_message": job.error,
                        "retryable": False, "success": False}  # fmt: skip
            return Reply.json(
                200, self._prediction(job, "error", output=envelope, metrics={"predict_time": took, "cost": 0})
            )
        cost = job.extra.get("cost")
        return Reply.json(
            200, self._prediction(job, "success", output=job.urls[0], metrics={"predict_time": took, "cost": cost})
        )

    def _prediction(self, job: Job, status: str, *, output: Any, metrics: dict[str, Any]) -> dict[str, Any]:
        """E5's prediction object."""
        body = job.body if isinstance(job.body, dict) else {}
        return {
            "id": job.id,
            "input": body.get("input", {}),
            "status": status,
            "output": output,
            "logs": None,
            "metrics": metrics,
            "urls": {
                "cancel": self.url(f"/v1/prediction/{job.id}/cancel"),
                "get": self.url(f"/v1/prediction/{job.id}"),
            },
        }
