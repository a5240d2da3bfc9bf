"""Fake qingbo (QWave API), SkyReels V4 series ``skyreels-v4-fast`` / ``skyreels-v4-std``.

Written from the newest SkyReels page, not seed 003 (sources as in
storyboard/run/hosted/qingbo.py; QingBo-AI/WaveAPI-Doc):
Q5 en/api-reference/video/skyreels.mdx @624b9e5, Q6 en/api-reference/task/status.mdx @8846645,
Q7 en/api-reference/task/submit.mdx @1ddf276, Q3 (Kaiho1015/WaveAPI-Doc) en/docs/request-response.mdx.

Submit ``POST /v1/tasks`` with the fields Q5 lists ("Any other parameter returns `400` and
is not billed") -> ``{task_id, model, action, status: queued, created_at, progress: 0,
pre_consumed_cost}`` (Q7). An ``Idempotency-Key`` header seen before answers with the task it
made, no new job (Q7). Poll ``GET /v1/tasks/{task_id}``: ``queued`` (progress ""), then
``processing`` (progress "NN%"), then ``completed`` with ``result.videos[].url`` a string
array and ``cost`` in quota (500,000 = 1 USD), ``failed`` with ``error {message, code}`` and
``cost: 0``, or ``cancelled`` (the poll fault ``status:cancelled``) (Q6). Errors are
``{"error": {message, code}}`` (Q3); 404 ``task_not_found`` (Q6).
"""

from __future__ import annotations

import re
import secrets
import time
from decimal import Decimal
from typing import Any

from .server import (
    ASPECT_RATIOS,
    DEFAULT_DURATION,
    PROBE_TOLERANCE,
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
    at_tag_form,
    check_fields,
    check_rules,
    frame_size,
    tag_in_prompt,
)

SUBMIT_PATH = "/v1/tasks"
POLL_PATH = re.compile(r"/v1/tasks/(?P<id>[^/]+)")
MODELS = ("skyreels-v4-fast", "skyreels-v4-std")  # Q5 "Either `skyreels-v4-fast` or `skyreels-v4-std`"
VIDEO_RESOLUTIONS = ("480p", "720p")  # Q5 "Only `480p` and `720p` are available when `video_urls` is present"
AUDIO_MAX_SECONDS = 15.0  # Q5 ref_images[].audio_url "up to 15 seconds"
QUOTA_PER_USD = 500_000  # Q5 "500,000 quota = 1 USD"
# USD per second, (tier, with video) -> resolution: the fake's price list (Q5 lists no amounts;
# these are storyboard's list prices, so a build's reported cost equals its estimate by default)
PRICE = {
    ("fast", False): {"480p": "0.08", "720p": "0.11", "1080p": "0.275"},
    ("std", False): {"480p": "0.11", "720p": "0.14", "1080p": "0.35"},
    ("fast", True): {"480p": "0.15", "720p": "0.20", "1080p": "0.50"},
    ("std", True): {"480p": "0.18", "720p": "0.25", "1080p": "0.625"},
}

TAG = Field("string", required=True, form=at_tag_form)  # Q5 "a tag starting with `@` that must appear in the prompt"
MID_FRAME = Field(  # Q5 mid_frame_images entries
    "object",
    fields={
        "tag": TAG,
        "image_url": REQUIRED_URL,
        "time_stamp": Field(
            "number"
        ),  # Q5 "`-1` (the default) leaves it unspecified; otherwise `0 < time_stamp < duration`"
    },
)
REF_GROUP = Field(  # Q5 ref_images entries
    "object",
    fields={
        "tag": TAG,
        "type": Field("string", required=True, enum=("image", "grid")),
        "image_urls": Field("array", required=True, min=1, max=5, items=URL),  # Q5 "1 to 5 images each"
        "audio_url": URL,  # Q5 "allowed only when `type` is `image`, up to 15 seconds"
    },
)
# The request: Q5's parameters, plus the submit page's callback fields (Q5: "See Submit Task for
# `callback_url`, `callback_events`"). Anything else is a 400, not billed (Q5).
FIELDS: dict[str, Field] = {
    "model": Field("string", required=True, enum=MODELS),
    "action": Field("string", enum=("generate",)),  # Q5 "`generate` is the only action in this series"
    "prompt": Field("string", required=True, min=1),
    "duration": Field("integer", min=3, max=15),  # Q5 "an integer from `3` to `15`"
    "resolution": Field("string", enum=RESOLUTIONS),  # Q5 480p / 720p / 1080p, default 1080p
    "aspect_ratio": Field("string", enum=ASPECT_RATIOS),  # Q5 16:9 / 9:16 / 1:1 / 4:3 / 3:4
    "video_urls": Field("array", min=1, max=1, items=URL),  # Q5 "1 clip"
    "first_frame_image": URL,
    "end_frame_image": URL,
    "mid_frame_images": Field("array", max=6, items=MID_FRAME),  # Q5 "up to 6 entries"
    "ref_images": Field("array", min=1, max=3, items=REF_GROUP),  # Q5 "`type: image`: 1 to 3 entries"
    "prompt_optimizer": Field("boolean"),
    "callback_url": URL,  # Q7
    "callback_events": Field("array", items=Field("string")),
}

I2V = ("first_frame_image", "end_frame_image", "mid_frame_images")
REFERENCE = ("ref_images", "video_urls")


def _used(b: dict[str, Any], names: tuple[str, ...]) -> bool:
    return any(b.get(n) not in (None, []) for n in names)


def _groups(b: dict[str, Any]) -> list[dict[str, Any]]:
    return b.get("ref_images") or []


def _tags(b: dict[str, Any]) -> list[str]:
    return [item["tag"] for n in ("mid_frame_images", "ref_images") for item in b.get(n) or []] + [
        f"@video_{i}"
        for i in range(1, len(b.get("video_urls") or []) + 1)  # Q5 "The Nth entry gets the tag `@video_N`"
    ]


def _stamp_ok(t: float, duration: float) -> bool:
    return t == -1 or 0 < t < duration


RULES: list[Rule] = [
    # Q5 "`first_frame_image` / `end_frame_image` / `mid_frame_images` cannot be combined with `ref_images` / `video_urls`"
    Rule("ref_images", "first_frame_image / end_frame_image / mid_frame_images cannot be combined with ref_images / video_urls", lambda b: _used(b, I2V) and _used(b, REFERENCE)),
    # Q5 "All entries must share the same `type`"
    Rule("ref_images", "all ref_images entries must share the same type", lambda b: len({g["type"] for g in _groups(b)}) > 1),
    # Q5 "`type: grid`: 1 entry with 1 image"
    Rule("ref_images", "type grid takes 1 entry with 1 image", lambda b: any(g["type"] == "grid" for g in _groups(b)) and (len(_groups(b)) > 1 or any(len(g["image_urls"]) != 1 for g in _groups(b)))),
    # Q5 "`audio_url`: … allowed only when `type` is `image`"
    Rule("ref_images", "audio_url is allowed only when type is image", lambda b: any("audio_url" in g and g["type"] != "image" for g in _groups(b))),
    # Q5 "`-1` (the default) leaves it unspecified; otherwise `0 < time_stamp < duration`"
    Rule("mid_frame_images", "time_stamp must be -1 or lie in (0, duration)", lambda b: any(not _stamp_ok(m.get("time_stamp", -1), b.get("duration", DEFAULT_DURATION)) for m in b.get("mid_frame_images") or [])),
    # Q5 "When you send `video_urls`, `ref_images` or `mid_frame_images`, the prompt must contain the matching `@` tag"
    Rule("prompt", "the prompt must contain the @ tag of every video_urls, ref_images and mid_frame_images entry", lambda b: any(not tag_in_prompt(t, b["prompt"]) for t in _tags(b))),
    # Q5 "you must send one of them explicitly: without it the request falls back to the `1080p` default and returns `400`"
    Rule("resolution", "with video_urls send resolution 480p or 720p explicitly", lambda b: "video_urls" in b and b.get("resolution") not in VIDEO_RESOLUTIONS),
]  # fmt: skip

DEFAULTS: dict[str, Any] = {"duration": DEFAULT_DURATION, "resolution": "1080p", "aspect_ratio": "16:9"}  # Q5 defaults
ERROR_CODES = {400: "invalid_request", 401: "invalid_api_key", 402: "insufficient_balance", 404: "task_not_found",
               429: "quota_window_exceeded", 500: "internal_error", 503: "upstream_unavailable"}  # fmt: skip


def quota(usd: Decimal) -> int:
    return int((usd * QUOTA_PER_USD).to_integral_value())


class QingboFake(FakeServer):
    provider = "qingbo"
    status_faults = frozenset({"cancelled"})  # Q6 "`cancelled` — Cancelled (only `queued` tasks can be cancelled)"

    submit_paths = (SUBMIT_PATH,)
    poll_path = POLL_PATH

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.idempotency: dict[str, str] = {}  # Idempotency-Key -> task_id (Q7)

    def error(self, status: int, message: str, *, parameter: str | None = None, code: str | None = None) -> Reply:
        error: dict[str, Any] = {"message": message, "code": code or ERROR_CODES.get(status, "error")}
        if status == 429:  # Q3 "response includes `window`/`used`/`cap`/`reset_at`"
            error |= {"window": "1m", "used": 60, "cap": 60, "reset_at": int(time.time()) + 60}
        return Reply.json(status, {"error": error})

    def submit(self, req: Request) -> Reply:
        key = (req.headers.get("Idempotency-Key") or "").strip()
        replay = self._replay(req, key)
        if replay is not None:
            return replay
        body = req.json_object()
        if body.get(
            "extra"
        ):  # Q7 "A non-empty `extra` is rejected … with HTTP 400 (`code: capability_violation`, `param: extra`)"
            raise Invalid(
                "extra",
                "extra is no longer accepted: put model parameters at the root of the body",
                code="capability_violation",
            )
        check_fields(body, FIELDS)
        check_rules(body, RULES)
        for i, group in enumerate(_groups(body)):
            if "audio_url" in group:
                info = self.probe(group["audio_url"], f"ref_images[{i}].audio_url")
                if info is not None and info.seconds > AUDIO_MAX_SECONDS + PROBE_TOLERANCE:
                    raise Invalid(
                        "ref_images", f"ref_images[{i}].audio_url may be at most 15 seconds, found {info.seconds:.2f} s"
                    )
        eff = {**DEFAULTS, **body}
        width, height = frame_size(eff["resolution"], eff["aspect_ratio"])
        video = (body.get("video_urls") or [None])[0]
        # Q5: with video_urls "the output follows the reference video", capped at 10 s
        seconds = self.clip_seconds(eff["duration"], "reference" if video else None, video, "video_urls[0]")
        tier = body["model"].rsplit("-", 1)[-1]
        cost = quota(Decimal(PRICE[(tier, video is not None)][eff["resolution"]]) * Decimal(str(seconds)))
        with self._cond:
            replay = self._replay(req, key)  # the same key arrived twice at once
            if replay is not None:
                return replay
            job_id = f"task-wave{int(time.time())}b{secrets.randbelow(10**12):012d}"
            job = self.new_job(
                req, [ClipSpec.of(width, height, seconds)], job_id=job_id, cost=cost, created=int(time.time())
            )
            if key:
                self.idempotency[key] = job.id
        return Reply.json(200, self._submitted(job))

    def _replay(self, req: Request, key: str) -> Reply | None:
        """Q7: a key seen within 24 hours answers with the task it made; no new job, nothing billed."""
        with self._cond:
            job = self.jobs.get(self.idempotency.get(key, "")) if key else None
            if job is None:
                return None
            if req.record is not None:
                req.record.job_ids.append(job.id)
            return Reply.json(200, self._submitted(job))

    def _submitted(self, job: Job) -> dict[str, Any]:
        return {"task_id": job.id, "model": job.body["model"], "action": "generate", "status": "queued",
                "created_at": job.extra["created"], "progress": 0, "pre_consumed_cost": job.extra["cost"]}  # fmt: skip

    def poll(self, req: Request) -> Reply:
        job = self.polled_job(req, "task_id", "task")
        state = self.advance(job, req)
        task: dict[str, Any] = {"task_id": job.id, "model": job.body["model"], "action": "generate",
                                "created_at": job.extra["created"]}  # fmt: skip
        if state == "pending":
            if job.polls <= 1:  # Q6 queued: progress "" right after queuing
                task |= {"status": "queued", "progress": ""}
            else:
                task |= {"status": "processing", "progress": f"{min(99, 100 * job.polls // (self.min_polls + 1))}%"}
        elif state == "failed" and job.ended == "cancelled":  # Q6, Q9: quota refunded
            task |= {"status": "cancelled", "progress": "", "completed_at": int(time.time()), "cost": 0}
        elif state == "failed":
            task |= {"status": "failed", "progress": "100%", "completed_at": int(time.time()), "cost": 0,
                     "error": {"message": job.error, "code": "task_failed"}}  # fmt: skip
        else:
            finished = job.extra["created"] + 30
            task |= {
                "status": "completed", "progress": "100%", "completed_at": finished,
                "result": {"videos": [{"expires_at": finished + 7 * 86400, "url": [u]} for u in job.urls]},
                "billing_status": "settled", "cost": job.extra["cost"],
            }  # fmt: skip
        base = self.url(f"/v1/tasks/{job.id}")
        task["urls"] = {"get": base, "cancel": f"{base}/cancel"}
        return Reply.json(200, task)
