"""Fake Runware ``videoInference`` with model ``skywork:skyreels@v4`` (seed 002).

Everything is ``POST /v1`` with a JSON array of tasks: a ``videoInference`` task submits
(``deliveryMethod: async``), a ``getResponse`` task polls by ``taskUUID``. The client's
``taskUUID`` is the job id, so a resent submit is caught as ``conflictTaskUUID``.

Beyond seed 002, the model's reference page (**MD** = https://runware.ai/docs/models/skywork-skyreels-v4.md,
"Compatibility & Validation") and its examples (**EX** = .../skywork-skyreels-v4/examples) say which
combinations are refused and what answers look like; the SDK (PyPI runware-sdk 1.8.0) shows how
they are read. Codes no Runware page lists are marked as such.
"""

from __future__ import annotations

import random
import re
import uuid
from typing import Any

from .server import (
    PROBE_TOLERANCE,
    RESOLUTIONS,
    ClipSpec,
    Endpoint,
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
    check_value,
    frame_size,
    media_kind,
    url_form,
    uuid_v4_form,
)

PATHS = ("/v1", "/v1/")
# MD "The following dimension combinations are supported"; its stored copy ends after 720p 16:9:
# 720p 9:16 and 1:1 rest on a third-party table re-checked against MD. Other sizes are refused.
SIZES: dict[tuple[str, str], tuple[int, int]] = {
    ("480p", "16:9"): (848, 480), ("480p", "9:16"): (480, 848), ("480p", "4:3"): (736, 560),
    ("480p", "3:4"): (560, 736), ("480p", "1:1"): (640, 640), ("720p", "16:9"): (1280, 720),
    ("720p", "9:16"): (720, 1280), ("720p", "1:1"): (960, 960),
}  # fmt: skip
RESOLUTION_OF = {size: resolution for (resolution, _), size in SIZES.items()}  # the price row of a width x height
DUPLICATE_CODE = "conflictTaskUUID"  # SDK0.5 base.py:422; no Runware page lists it (status 400 unverified)
NOT_FOUND_CODE = "taskFailedOrNotFound"  # SDK errors.py:113; no Runware page lists it (status 400 unverified)
DIMENSIONS_CODE = "unsupportedDimensions"  # a third-party quote of Runware's error for an unlisted size (Wan2.2)
FAILED_CODE = "inferenceError"  # SDK errors.py: a provider-side failure; the item shape is SDK client.py:1140-1148
MODEL = "skywork:skyreels@v4"  # seed 002:94-95
FAILED_RESULT = "one result failed (injected)"
REFERENCE_VIDEO_MAX_SECONDS = 15.0  # seed 002:89
REFERENCE_VIDEO_MIN_PIXELS = 1_866_240  # seed 002:89 (e.g. 1920x972)
AUDIO_MAX_SECONDS = 15.0  # seed 002:68
CONTAINERS = {"MP4": "mp4", "WEBM": "webm", "MOV": "mov"}  # seed 002:18-20
# USD per second: seed 002 prints no price; the SkyReels V4 std list price (seeds 000:70-91, 001:11),
# with the video-input rate when referenceVideos is used, which MD's pricing repeats to the cent.
PRICE = {False: {"480p": 0.11, "720p": 0.14, "1080p": 0.35}, True: {"480p": 0.18, "720p": 0.25, "1080p": 0.625}}


def _image_form(value: str) -> str | None:
    """002:70, 002:74 an image input: UUID, URL, data URI or base64."""
    if media_kind(value) in ("uuid", "url", "data_uri", "base64"):
        return None
    return "must be an image UUID, URL, data URI or base64 data"


def _uuid_or_url_form(value: str) -> str | None:
    """002:68, 002:89 an audio or video input: UUID or URL (no data URI, no base64)."""
    if media_kind(value) in ("uuid", "url"):
        return None
    return "must be a UUID or a URL (not a data URI)"


IMAGE = Field("string", form=_image_form)
REFERENCE_GROUP = Field(
    "object",
    fields={
        "type": Field("string", required=True, enum=("image", "grid")),  # 002:62-66
        "audio": Field("string", form=_uuid_or_url_form),  # 002:67-68 UUID or URL, max 15 s (probed)
        "images": Field("array", required=True, min=1, max=5, items=IMAGE),  # 002:69-70
        "tag": Field("string", required=True, form=at_tag_form),  # 002:71-72 must start with @
    },
)
FRAME_IMAGE = Field(  # 002:73-77 a plain image input, or {image, frame}
    "string|object",
    form=_image_form,
    fields={
        "image": Field("string", required=True, form=_image_form),
        "frame": Field(
            "string|integer", enum=("first", "last"), min=0
        ),  # position: last or a frame index; EX's first frame has none
    },
)
REFERENCE_VIDEO = Field(
    "object",
    fields={
        "type": Field("string", required=True, enum=("reference", "extend")),  # 002:81-85
        "tag": Field("string", required=True, form=at_tag_form),  # 002:86-87 must start with @
        "video": Field("string", required=True, form=_uuid_or_url_form),  # 002:88-89 UUID or URL
    },
)

# The videoInference task, seed 002:9-110.
FIELDS: dict[str, Field] = {
    "taskType": Field("string", required=True, enum=("videoInference",)),  # 002:9-10
    "taskUUID": Field("string", required=True, form=uuid_v4_form),  # 002:11-12 UUID v4
    "outputType": Field("string", enum=("URL",)),  # 002:13-15 one allowed value, default URL
    "outputFormat": Field("string", enum=tuple(CONTAINERS)),  # 002:16-21
    "outputQuality": Field("integer", min=20, max=99),  # 002:22-23
    "webhookURL": Field("string", form=url_form),  # 002:24-25 URI
    "deliveryMethod": Field("string", enum=("async",)),  # 002:29-32 one allowed value
    "uploadEndpoint": Field("string", form=url_form),  # 002:35-40 URI
    "safety": Field(  # 002:41-51
        "object", fields={"checkContent": Field("boolean"), "mode": Field("string", enum=("none", "fast", "full"))}
    ),
    "ttl": Field("integer", min=60),  # 002:52-54
    "includeCost": Field("boolean"),  # 002:55-56
    "inputs": Field(  # 002:57-58
        "object",
        fields={
            "referenceImages": Field("array", min=1, max=3, items=REFERENCE_GROUP),  # 002:59-60 1-3 groups
            "frameImages": Field("array", min=1, max=8, items=FRAME_IMAGE),  # 002:73-74 1-8 items
            "referenceVideos": Field("array", min=1, max=1, items=REFERENCE_VIDEO),  # 002:78-79 items: 1
        },
    ),
    "numberResults": Field("integer", min=1, max=4),  # 002:92-93
    "model": Field("string", required=True, enum=(MODEL,)),  # 002:94-95
    "positivePrompt": Field("string", required=True, min=1, max=5120),  # 002:96-97
    "width": Field("integer", min=1),  # 002:98
    "height": Field("integer", min=1),  # 002:99
    "resolution": Field("string", enum=RESOLUTIONS),  # 002:100-102
    "duration": Field("number", min=3, max=15),  # 002:103-104 float 3-15
    "settings": Field("object", fields={"audio": Field("boolean"), "promptExtend": Field("boolean")}),  # 002:105-110
}
GET_RESPONSE: dict[str, Field] = {
    "taskType": Field("string", required=True, enum=("getResponse",)),
    "taskUUID": Field("string", required=True, form=uuid_v4_form),
}


def _groups(t: dict[str, Any]) -> list[dict[str, Any]]:
    return list((t.get("inputs") or {}).get("referenceImages") or [])


def _videos(t: dict[str, Any]) -> list[dict[str, Any]]:
    return list((t.get("inputs") or {}).get("referenceVideos") or [])


RULES: list[Rule] = [
    # 002:60 all items must share the same type
    Rule("inputs.referenceImages", "all referenceImages groups must share the same type", lambda t: len({g["type"] for g in _groups(t)}) > 1),
    # 002:65 a grid group is a single collage image
    Rule("inputs.referenceImages", "a grid group holds a single collage image", lambda t: any(g["type"] == "grid" and len(g["images"]) != 1 for g in _groups(t))),
    # MD: when inputs.referenceImages includes type grid, inputs.referenceImages is limited to 1 item
    Rule("inputs.referenceImages", "when inputs.referenceImages includes type grid, inputs.referenceImages is limited to 1 item", lambda t: any(g["type"] == "grid" for g in _groups(t)) and len(_groups(t)) > 1),
    # MD: when inputs.referenceVideos is provided, inputs.referenceImages cannot be used
    Rule("inputs.referenceImages", "when inputs.referenceVideos is provided, inputs.referenceImages cannot be used", lambda t: bool(_groups(t)) and bool(_videos(t))),
    # MD: when inputs.referenceVideos includes type reference, settings.audio cannot be used
    Rule("settings.audio", "when inputs.referenceVideos includes type reference, settings.audio cannot be used", lambda t: "audio" in (t.get("settings") or {}) and any(v["type"] == "reference" for v in _videos(t))),
    # MD: resolution cannot be used with width/height
    Rule("resolution", "resolution cannot be used with width/height", lambda t: "resolution" in t and ("width" in t or "height" in t)),
    # MD: width and height must be used together
    Rule("width", "width and height must be used together", lambda t: ("width" in t) != ("height" in t)),
]  # fmt: skip

DEFAULTS: dict[str, Any] = {
    "duration": 5,
    "resolution": "1080p",
    "numberResults": 1,
    "outputFormat": "MP4",
}  # 002:17, 93, 101, 104


def _code(parameter: str) -> str:
    """Runware-style error code from the parameter: inputs.referenceVideos[0].video -> invalidVideo."""
    names = re.findall(r"[A-Za-z]+", parameter) or ["request"]
    return "invalid" + names[-1][0].upper() + names[-1][1:]


class RunwareFake(FakeServer):
    provider = "runware"
    # Results of a task of several that end in error (the last ones), set by a test; the SDK reads such an item
    # as {status: error, error: {code, message}} beside the others (client.py:1058-1073).
    failed_results = 0

    def endpoint(self, req: Request) -> Endpoint | None:
        if req.method != "POST" or req.path not in PATHS:
            return None
        try:
            tasks = req.json()
        except Invalid:
            return "submit"
        polls = (
            isinstance(tasks, list)
            and tasks
            and all(isinstance(t, dict) and t.get("taskType") == "getResponse" for t in tasks)
        )
        return "poll" if polls else "submit"

    def error(self, status: int, message: str, *, parameter: str | None = None, code: str | None = None) -> Reply:
        default = {401: "invalidApiKey", 404: "notFound", 429: "tooManyRequests", 500: "internalServerError",
                   503: "serviceUnavailable"}.get(status, "invalidRequest")  # fmt: skip
        item: dict[str, Any] = {"code": code or default, "message": message}
        if parameter:
            item["parameter"] = parameter
        return Reply.json(status, {"errors": [item]})

    def invalid(self, e: Invalid) -> Reply:
        return Reply.json(e.status, {"errors": [self._error_item(e)]})

    @staticmethod
    def _error_item(e: Invalid) -> dict[str, Any]:
        item: dict[str, Any] = {"code": e.code or _code(e.parameter), "message": e.message}
        if e.code not in (DUPLICATE_CODE, NOT_FOUND_CODE):
            item["parameter"] = e.parameter
        item.update(e.context)
        return item

    @staticmethod
    def _tasks(req: Request) -> list[dict[str, Any]]:
        tasks = req.json()
        if not isinstance(tasks, list) or not tasks:
            raise Invalid("body", "the request body must be a non-empty JSON array of tasks")
        for t in tasks:
            if not isinstance(t, dict):
                raise Invalid("body", "each task must be a JSON object")
            if t.get("taskType") not in ("videoInference", "getResponse"):
                raise Invalid("taskType", f"unsupported taskType {t.get('taskType')!r}")
        return tasks

    # -- submit ------------------------------------------------------------------------
    def submit(self, req: Request) -> Reply:
        tasks = self._tasks(req)
        errors: list[dict[str, Any]] = []
        accepted: list[tuple[dict[str, Any], list[ClipSpec], dict[str, Any]]] = []
        seen: set[str] = set()
        for task in (t for t in tasks if t["taskType"] == "videoInference"):
            try:
                clips, extra = self._validate(task, seen)
                accepted.append((task, clips, extra))
            except Invalid as e:
                e.context.setdefault("taskType", "videoInference")
                if isinstance(task.get("taskUUID"), str):
                    e.context.setdefault("taskUUID", task["taskUUID"])
                errors.append(self._error_item(e))
        if errors:
            return Reply.json(400, {"errors": errors})
        data: list[dict[str, Any]] = []
        with self._cond:  # a resent taskUUID is refused even when two race
            for task, _, _ in accepted:
                if task["taskUUID"] in self.jobs:
                    return self.invalid(self._duplicate(task["taskUUID"]))
            for task, clips, extra in accepted:
                job = self.new_job(req, clips, job_id=task["taskUUID"], **extra)
                data.append({"taskType": "videoInference", "taskUUID": job.id})
        for task in (t for t in tasks if t["taskType"] == "getResponse"):
            data.extend(self._response(task, req))
        return Reply.json(200, {"data": data})

    @staticmethod
    def _duplicate(task_uuid: str) -> Invalid:
        e = Invalid("taskUUID", f"taskUUID {task_uuid} was already used", code=DUPLICATE_CODE)
        e.context["taskUUID"] = task_uuid
        return e

    def _validate(self, task: dict[str, Any], seen: set[str]) -> tuple[list[ClipSpec], dict[str, Any]]:
        """The page's table, then its rules, then the rules that need the media itself."""
        if "taskUUID" not in task:  # 002:11 required
            raise Invalid("taskUUID", "taskUUID is required")
        check_value(task["taskUUID"], FIELDS["taskUUID"], "taskUUID")
        if task["taskUUID"] in self.jobs or task["taskUUID"] in seen:  # 002:12 must be unique per task
            raise self._duplicate(task["taskUUID"])
        seen.add(task["taskUUID"])
        check_fields(task, FIELDS)
        check_rules(task, RULES)
        if "width" in task and (task["width"], task["height"]) not in RESOLUTION_OF:  # MD dimension table
            supported = ", ".join(f"{w}x{h}" for w, h in SIZES.values())
            raise Invalid("width", f"unsupported dimensions {task['width']}x{task['height']}; supported: {supported}",
                          code=DIMENSIONS_CODE)  # fmt: skip
        inputs = task.get("inputs") or {}
        for i, group in enumerate(inputs.get("referenceImages") or []):
            audio = group.get("audio")
            where = f"inputs.referenceImages[{i}].audio"
            sound = self.probe(audio, where) if audio is not None else None
            if sound is not None and sound.seconds > AUDIO_MAX_SECONDS + PROBE_TOLERANCE:  # 002:68 max 15 seconds
                raise Invalid(where, f"{where} must be at most 15 seconds long, found {sound.seconds:.2f} s")
        video = (inputs.get("referenceVideos") or [None])[0]
        where = "inputs.referenceVideos[0].video"
        info = self.probe(video["video"], where) if video is not None else None
        if info is not None:  # 002:89 max 15 seconds, at least 1,866,240 total pixels
            if info.seconds > REFERENCE_VIDEO_MAX_SECONDS + PROBE_TOLERANCE:
                raise Invalid(where, f"{where} must be at most 15 seconds long, found {info.seconds:.2f} s")
            if info.pixels < REFERENCE_VIDEO_MIN_PIXELS:
                raise Invalid(
                    where, f"{where} must have at least 1,866,240 total pixels, found {info.width}x{info.height}"
                )
        eff = {**DEFAULTS, **task}
        if "width" in task:
            width, height = task["width"], task["height"]
            eff["resolution"] = RESOLUTION_OF[(width, height)]  # the price row the size belongs to
        else:  # no aspect ratio parameter on this page: 16:9 at the resolution preset (the table's, where it has one)
            width, height = SIZES.get((eff["resolution"], "16:9")) or frame_size(eff["resolution"], "16:9")
        seconds = self.clip_seconds(
            eff["duration"], video and video["type"], video and video["video"], "inputs.referenceVideos[0].video"
        )
        clip = ClipSpec.of(width, height, seconds, CONTAINERS[eff["outputFormat"]])
        extra: dict[str, Any] = {
            "video_uuids": [str(uuid.uuid4()) for _ in range(eff["numberResults"])],
            "seeds": [random.randrange(1, 2**31) for _ in range(eff["numberResults"])],  # EX: "seed": 1925401861
            "cost": round(PRICE[video is not None][eff["resolution"]] * seconds, 4)
            if task.get("includeCost")
            else None,
        }
        return [clip] * eff["numberResults"], extra

    # -- poll --------------------------------------------------------------------------
    def poll(self, req: Request) -> Reply:
        data: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for task in self._tasks(req):
            try:
                data.extend(self._response(task, req))
            except Invalid as e:
                if isinstance(task.get("taskUUID"), str):
                    e.context.setdefault("taskUUID", task["taskUUID"])
                errors.append(self._error_item(e))
        if errors:
            return Reply.json(400, {"errors": errors})
        return Reply.json(200, {"data": data})

    def _response(self, task: dict[str, Any], req: Request) -> list[dict[str, Any]]:
        """The answer items of one getResponse task: one while running, one per result when done."""
        check_fields(task, GET_RESPONSE)
        job = self.jobs.get(task["taskUUID"])
        if job is None:
            raise Invalid("taskUUID", f"no task with taskUUID {task['taskUUID']}", code=NOT_FOUND_CODE)
        state = self.advance(job, req)
        head: dict[str, Any] = {"taskType": "videoInference", "taskUUID": job.id}
        if state == "pending":
            return [{**head, "status": "processing"}]
        if state == "failed":  # SDK client.py:1140-1148: {status: error, error: {code, message}}
            return [{**head, "status": "error", "error": {"code": FAILED_CODE, "message": job.error}}]
        made = len(job.urls) - (self.failed_results if len(job.urls) > 1 else 0)
        failed = {**head, "status": "error", "error": {"code": FAILED_CODE, "message": FAILED_RESULT}}
        return [self._result(job, head, i) for i in range(made)] + [failed] * (len(job.urls) - made)

    @staticmethod
    def _result(job: Job, head: dict[str, Any], i: int) -> dict[str, Any]:
        """EX's result item: taskType, taskUUID, videoUUID, videoURL, seed, cost; no status."""
        item = {
            **head,
            "videoUUID": job.extra["video_uuids"][i],
            "videoURL": job.urls[i],
            "seed": job.extra["seeds"][i],
        }
        if job.extra["cost"] is not None:  # 002:55-56 only with includeCost
            item["cost"] = job.extra["cost"]
        return item
