"""Runware, seed 002: `videoInference` with model `skywork:skyreels@v4`.

Sources: **seed** = shared/seeds/002 (line); **MD** = https://runware.ai/docs/models/skywork-skyreels-v4.md
(its "Compatibility & Validation" rules and dimension table); **EX** = the same page's /examples;
**POLL** = https://runware.ai/docs/platform/task-polling.md; **SDK** = PyPI runware-sdk 1.8.0
(``runware/`` file:line); **SDK0.5** = PyPI runware 0.5.24.

| canonical        | wire (one task in a JSON array)                       | source |
| ---------------- | ----------------------------------------------------- | ------ |
| (job id)         | taskUUID, chosen by us, UUID v4                       | seed 12 "Must be unique per task" |
| prompt           | positivePrompt                                        | seed 97 "max: 5120" |
| width, height    | width + height from SIZES, **or** resolution alone, never both | MD "`resolution` cannot be used with `width/height`", "`width` and `height` must be used together" |
| (size table)     | 480p 848x480, 480x848, 736x560 (~4:3), 560x736, 640x640; 720p 1280x720 | MD dimension table |
|                  | 720p 720x1280, 960x960                                | a third-party table re-checked against MD (MD's stored copy ends at 720p 16:9) |
|                  | any other pair at 16:9 (1080p): `resolution` alone     | EX sends `resolution: "1080p"` with no width/height; other pairs are refused by the compiler (P006) |
| duration         | duration                                              | seed 104 "min: 3 max: 15" |
| ref_images       | inputs.referenceImages [{type, tag, images, audio?}]  | seed 60-72; MD: not with referenceVideos (V020), a grid alone (V021) |
| first frame      | inputs.frameImages [{image}] (no `frame`)              | EX `{"image": URL}` |
| last frame       | inputs.frameImages [{image, frame: "last"}]           | EX `{"image": URL, "frame": "last"}` |
| mid frames       | inputs.frameImages [{image, frame: <frame index at 32 fps>}] | seed 74-77 "an object with an image and a target position"; the integer index is UNVERIFIED |
| ref_video        | inputs.referenceVideos [{type, tag, video}]           | seed 78-89 |
| sound            | settings.audio; the key is left out with a `reference` video | seed 108; MD "When referenceVideos includes type reference, settings.audio cannot be used" |
| prompt_optimizer | settings.promptExtend                                 | seed 110 |
| (delivery)       | deliveryMethod async, outputType URL, outputFormat MP4, includeCost true | seed 29-32, 55-56 |
| takes            | numberResults = the shot's missing takes (1-4), one task | seed 92-93 "max: 4", "Each result uses a different seed" |
| several results  | one item per result, sharing taskUUID, each its videoURL, videoUUID, cost; done once all are in | SDK client.py:271 (expected = numberResults), 1001-1121 |
| submit answer    | {"data": [{taskType, taskUUID}]}, or an empty/absent data (the id is ours) | seed 31 "an immediate acknowledgment"; SDK client.py:641-645 checks nothing |
| poll             | [{taskType: getResponse, taskUUID}]                   | POLL; SDK client.py:666-669 |
| status running   | processing; pending                                   | POLL "processing, success, or error"; the older /docs/en page says "pending"; SDK types/task_map.py:13839 |
| status finished  | success; or a videoURL with no status                 | POLL; EX prints a result item without status; SDK client.py:1203-1214 |
| status failed    | error, text in error.message (or message)             | POLL; SDK client.py:1140-1148 `{status: error, error: {code, message}}` |
| result           | data[].videoURL, cost (USD), videoUUID, seed          | EX; SDK types/task_map.py:7930-7941 |
| error envelope   | {"errors": [{code, message, parameter, taskType, taskUUID}]} or {"error": {...}} | https://runware.ai/docs/platform/errors; SDK errors.py:375-420 |
| duplicate id     | conflictTaskUUID (alias: duplicateTaskUUID)           | SDK0.5 base.py:422,470; SDK errors.py:199 (no Runware page names either) |
| unknown job      | taskFailedOrNotFound (alias: taskNotFound), on any HTTP status, or a 404 | SDK errors.py:113,184; raised on HTTP 200 too (SDK client.py:1294) |

Images may travel inline as data URIs ("Image inputs (UUID, URL, Data URI, or Base64)");
audio and video may not ("UUID or URL"), so those are staged.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from ...compile.profiles import PROFILES
from ...compile.request import Request
from ...errors import ProviderError, Refused
from .api import Adapter, Call, JobState, Media, Statuses, first, money, result_urls
from .v4 import group_body

MODEL = "skywork:skyreels@v4"
FPS = 32  # SkyReels V4 renders 32 fps; a mid frame's target position is a frame index (unverified)
PROFILE = PROFILES["runware"]
SIZES = PROFILE.sizes or {}  # (resolution, aspect ratio) -> (width, height): compile/profiles.py RUNWARE_SIZES
STATUSES = Statuses(
    finished=frozenset({"success"}),  # POLL; SDK client.py:1205
    failed=frozenset({"error"}),  # POLL; SDK client.py:1064
    running=frozenset({"processing", "pending"}),  # POLL; the older /docs/en page: "pending"
)
DUPLICATE_CODES = frozenset({"conflictTaskUUID", "duplicateTaskUUID"})  # SDK0.5 base.py:422; the alias harmless
UNKNOWN_JOB_CODES = frozenset({"taskFailedOrNotFound", "taskNotFound"})  # SDK errors.py:113; the alias harmless


def size_fields(resolution: str, aspect_ratio: str) -> dict[str, Any]:
    """`width` and `height` from the size table, or `resolution` alone; never both (MD)."""
    size = SIZES.get((resolution, aspect_ratio))
    if size is not None:
        return {"width": size[0], "height": size[1]}
    if aspect_ratio in PROFILE.resolution_only_ratios:
        return {"resolution": resolution}
    raise ProviderError(  # the compiler refuses these (P006): reaching here is a bug
        f"runware takes no {resolution} {aspect_ratio} size: width x height only from its table "
        f"({', '.join(f'{r} {a}' for r, a in SIZES)}), other sizes only at 16:9"
    )


def _items(answer: Any) -> list[dict[str, Any]]:
    """The task items of an answer: ``data`` of the envelope (or a bare list, as the SDK reads it)."""
    data = answer.get("data") if isinstance(answer, dict) else answer
    return [i for i in data if isinstance(i, dict)] if isinstance(data, list) else []


def _envelope_error(answer: Any) -> dict[str, Any] | None:
    """The first entry of ``errors``, or the singular ``error`` object (SDK errors.py:396-407)."""
    if not isinstance(answer, dict):
        return None
    error = first(answer.get("errors"))
    if isinstance(error, dict):
        return error
    single = answer.get("error")
    if isinstance(single, dict):
        return single
    if isinstance(single, str) and single:
        return {"message": single}
    return None


def _result_order(item: dict[str, Any]) -> tuple[int, str]:
    """The results of one task share its taskUUID: ``resultIndex`` orders them where sent (SDK client.py:1101-1121
    keys on it first), else ``videoUUID``, so every poll, a rebuild's too, gives each take the same result."""
    index = item.get("resultIndex")
    return (index if isinstance(index, int) else 1 << 30, str(item.get("videoUUID") or item.get("videoURL")))


def _item_error(item: dict[str, Any]) -> str:
    """A failed item's text: ``error.message`` (SDK client.py:1140-1148), or a flat ``message``."""
    error = item.get("error")
    if isinstance(error, dict):
        text = error.get("message") or error.get("code")
        if text:
            return str(text)
    if isinstance(error, str) and error:
        return error
    return str(item.get("message") or "the task failed")


class Runware(Adapter):
    """Runware: one POST endpoint for every task, a client-chosen taskUUID that makes a resend safe."""

    id = "runware"
    key_env = "RUNWARE_API_KEY"
    default_base_url = "https://api.runware.ai"
    concurrency = 5  # the page states no limit: a safe default
    submits_per_minute = 60
    client_task_ids = True
    max_results = 4  # seed 002 "numberResults min: 1 max: 4": a shot's takes go as one task, a seed each

    def new_task_id(self) -> str:
        """Never None: the taskUUID is in the body (``body`` asserts it) and every poll asks by it."""
        return str(uuid.uuid4())

    def body(self, request: Request, media: Media, task_id: str | None) -> Any:
        """One videoInference task in a JSON array; the size as width and height from the table or resolution alone,
        and no settings.audio beside a motion (reference) video."""
        assert task_id is not None
        inputs: dict[str, Any] = {}
        if request.ref_images:
            inputs["referenceImages"] = [
                group_body(g, media, images_field="images", audio_field="audio") for g in request.ref_images
            ]
        frames: list[dict[str, Any]] = []
        if request.first_frame is not None:
            frames.append({"image": media(request.first_frame, "image")})
        frames += [{"image": media(m.image, "image"), "frame": round(m.time * FPS)} for m in request.mid_frames]
        if request.last_frame is not None:
            frames.append({"image": media(request.last_frame, "image"), "frame": "last"})
        if frames:
            inputs["frameImages"] = frames
        settings: dict[str, Any] = {"promptExtend": request.prompt_optimizer}
        if request.ref_video is not None:
            v = request.ref_video
            inputs["referenceVideos"] = [{"type": v.type, "tag": v.tag, "video": media(v.video, "video")}]
        if request.ref_video is None or request.ref_video.type != "reference":
            settings = {"audio": request.sound, **settings}
        task: dict[str, Any] = {
            "taskType": "videoInference",
            "taskUUID": task_id,
            "model": MODEL,
            "positivePrompt": request.prompt,
            **size_fields(request.resolution, request.aspect_ratio),
            "duration": request.duration,
            "deliveryMethod": "async",
            "outputType": "URL",
            "outputFormat": "MP4",
            "numberResults": 1,
            "includeCost": True,
            "settings": settings,
        }
        if inputs:
            task["inputs"] = inputs
        return [task]

    def with_results(self, body: Any, n: int) -> Any:
        """The task asking for ``n`` results (seed 002: "Each result uses a different seed"); the SDK reads as many
        result items, sharing the taskUUID, before the task is done (client.py:271, 1112)."""
        assert 1 <= n <= self.max_results
        return [{**body[0], "numberResults": n}]

    def submit(self, body: Any) -> Call:
        """Runware's one endpoint for every task type; the poll is POSTed there too."""
        return Call("POST", "/v1", body)

    def submitted(self, answer: Any, task_id: str | None) -> str:
        """The id is our taskUUID: an empty acknowledgment is enough; an item naming another task is a ProviderError,
        an error item or envelope a refusal."""
        message = self.error_message(answer)
        if message:
            raise Refused(f"runware refused the task: {message}")
        for item in _items(answer):  # an empty or absent `data` is an acknowledgment too: the id is ours
            if item.get("taskUUID") not in (None, task_id):
                raise ProviderError(f"runware acknowledged another task than ours: {answer!r:.200}")
            if item.get("status") == "error":
                raise Refused(f"runware refused the task: {_item_error(item)}")
        return str(task_id)

    def poll(self, job_id: str) -> Call:
        """A getResponse task POSTed to /v1, not a GET: Runware takes every request as a task list."""
        return Call("POST", "/v1", [{"taskType": "getResponse", "taskUUID": job_id}])

    def polled(self, answer: Any) -> JobState:
        """An unknown-task code is ``unknown``, not failed; no item yet is still running; any error item fails it."""
        error = _envelope_error(answer)
        if error is not None:
            message = str(error.get("message") or error.get("code") or "an error without a message")
            if error.get("code") in UNKNOWN_JOB_CODES:  # "failed or not found": not ours to call failed
                return JobState("unknown", error=message, detail=str(error["code"]))
            return JobState("failed", error=message, detail="error")
        if not isinstance(answer, (dict, list)):
            raise ProviderError(f"runware answered a poll with {answer!r:.200}")
        items = _items(answer)
        if not items:
            return JobState("running", detail="")  # no item yet: the SDK polls on (client.py:1112)
        failed = [i for i in items if i.get("status") == "error"]
        done = sorted((i for i in items if isinstance(i.get("videoURL"), str) and i["videoURL"]), key=_result_order)
        if failed and any(i.get("status") in STATUSES.running for i in items):
            return JobState("running", detail="a result failed; waiting for the others")  # never resend a paid part
        if failed and done:
            # some results of the task failed and the rest are in (and paid for): the takes keep those, never resent
            urls = result_urls([i["videoURL"] for i in done])
            costs = tuple(money(i.get("cost")) for i in done)
            return JobState("done", urls, error=_item_error(failed[0]), costs=costs, failed_results=len(failed))
        if failed:
            return STATUSES.state("error", (), error=_item_error(failed[0]))
        if len(done) > 1:  # several results of one task (numberResults): each its own URL and cost, in a fixed order
            state = STATUSES.state(done[0].get("status"), result_urls([i["videoURL"] for i in done]))
            return replace(state, costs=tuple(money(i.get("cost")) for i in done)) if state.state == "done" else state
        item = items[0]
        urls = result_urls([i.get("videoURL") for i in items])
        return STATUSES.state(item.get("status"), urls, cost_usd=money(item.get("cost")))

    def error_message(self, answer: Any) -> str | None:
        """The first of ``errors``, or the single ``error``; None otherwise (the base's generic keys are not read)."""
        error = _envelope_error(answer)
        if error is None:
            return None
        return str(error.get("message") or error.get("code") or "an error without a message")

    def _error_code(self, answer: Any) -> str:
        error = _envelope_error(answer)
        return str(error.get("code") or "") if error is not None else ""

    def is_duplicate(self, answer: Any) -> bool:
        """conflictTaskUUID (or its alias): our taskUUID is taken, so the job exists and is polled, not sent again."""
        return self._error_code(answer) in DUPLICATE_CODES

    def is_unknown_job(self, status: int, answer: Any) -> bool:
        """An unknown-task code on any HTTP status (Runware sends it inside a 200), or a 404."""
        return self._error_code(answer) in UNKNOWN_JOB_CODES or status == 404
