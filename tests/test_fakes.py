"""The provider fakes themselves, spoken to with plain httpx (not storyboard's adapters).

In process by default (``FakeServer.handle`` behind ``httpx.MockTransport``); the network
faults are also acted out over a real loopback socket (``socket=True``), where a reset is
an RST and a stalled answer holds a connection open.

Each fake must accept a valid request and finish it with a real, downloadable mp4 of the
requested length; refuse each rule its page states with the page's status and envelope;
refuse a wrong key; and act out every injected fault. If a fake drifts from its page,
these tests say so before an adapter test is misled by it.
"""

from __future__ import annotations

import base64
import io
import json
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from tests.fakes import FakeServer
from tests.fakes.server import (
    FAILED_MESSAGE,
    FAULT_MESSAGES,
    ClipSpec,
    frame_size,
    make_clip,
)

SSL = ssl.create_default_context()  # shared: building one per client costs ~30 ms
PROVIDERS = ["wavespeed", "eachlabs", "runware", "qingbo", "apimart"]
DROP = object()  # a body override that removes the field
PROMPT = "@hero walks through the rain"


# -- speaking each provider's wire form -------------------------------------------------


@dataclass
class Wire:
    """How these tests talk to one provider: paths, body shape, envelopes (from its page)."""

    server: FakeServer
    client: httpx.Client
    socket: bool = False  # over the fake's loopback socket, not in process

    def new_client(self, **options: Any) -> httpx.Client:
        """Another client to the same fake, the same way (in process or over its socket)."""
        transport = None if self.socket else self.server.transport()
        return httpx.Client(verify=SSL, transport=transport, **options)

    @property
    def pid(self) -> str:
        return self.server.provider

    def auth(self, key: str | None = None) -> dict[str, str]:
        key = self.server.key if key is None else key
        return {"Authorization": f"Bearer {key}"}  # eachlabs too, since 2026-07-27 (its authentication page)

    def body(self, **fields: Any) -> Any:
        """A valid 3 s 480p request with ``fields`` merged where the provider keeps its parameters."""

        def merge(base: dict[str, Any]) -> dict[str, Any]:
            out = {**base, **fields}
            return {k: v for k, v in out.items() if v is not DROP}

        if self.pid == "wavespeed":
            return merge({"prompt": PROMPT, "duration": 3, "resolution": "480p"})
        if self.pid == "eachlabs":
            return {
                "model": "skyreels-v4-reference-to-video",
                "input": merge({"prompt": PROMPT, "duration": 3, "resolution": "480p"}),
            }
        if self.pid == "runware":
            base = {"taskType": "videoInference", "taskUUID": str(uuid.uuid4()), "model": "skywork:skyreels@v4",
                    "positivePrompt": PROMPT, "deliveryMethod": "async", "outputType": "URL", "duration": 3,
                    "resolution": "480p"}  # fmt: skip
            return [merge(base)]
        return merge({"model": "skyreels-v4-fast", "prompt": PROMPT, "duration": 3, "resolution": "480p"})

    def submit_path(self) -> str:
        return {"wavespeed": "/api/v3/skywork-ai/skyreels-v4/reference-to-video", "eachlabs": "/v1/prediction",
                "runware": "/v1", "qingbo": "/v1/tasks", "apimart": "/v1/videos/generations"}[self.pid]  # fmt: skip

    def submit(self, body: Any = None, headers: dict[str, str] | None = None, **fields: Any) -> httpx.Response:
        body = self.body(**fields) if body is None else body
        return self.client.post(self.submit_path(), json=body, headers=self.auth() if headers is None else headers)

    def job_id(self, r: httpx.Response) -> str:
        j = r.json()
        return {
            "wavespeed": lambda: j["data"]["id"],
            "eachlabs": lambda: j["predictionID"],
            "runware": lambda: j["data"][0]["taskUUID"],
            "qingbo": lambda: j["task_id"],
            "apimart": lambda: j["data"][0]["task_id"],
        }[self.pid]()

    def poll(self, job_id: str, headers: dict[str, str] | None = None) -> httpx.Response:
        headers = self.auth() if headers is None else headers
        if self.pid == "runware":
            return self.client.post("/v1", json=[{"taskType": "getResponse", "taskUUID": job_id}], headers=headers)
        path = {"wavespeed": f"/api/v3/predictions/{job_id}/result", "eachlabs": f"/v1/prediction/{job_id}"}.get(
            self.pid, f"/v1/tasks/{job_id}"
        )
        return self.client.get(path, headers=headers)

    def state(self, r: httpx.Response) -> str:
        """pending, completed or failed, from a 200 poll answer."""
        assert r.status_code == 200, r.text
        j = r.json()
        status = {
            "wavespeed": lambda: j["data"]["status"],
            "eachlabs": lambda: j["status"],
            "runware": lambda: j["data"][0].get("status") or ("success" if j["data"][0].get("videoURL") else "?"),
            "qingbo": lambda: j["status"],
            "apimart": lambda: j["data"]["status"],
        }[self.pid]()
        if status in ("completed", "success"):
            return "completed"
        if status in ("failed", "error"):
            return "failed"
        if status == "cancelled":  # qingbo Q6, apimart A2
            return "cancelled"
        assert status in ("created", "starting", "processing", "queued", "submitted", "pending"), status
        return "pending"

    def urls(self, r: httpx.Response) -> list[str]:
        j = r.json()
        return {
            "wavespeed": lambda: j["data"]["outputs"],
            "eachlabs": lambda: [j["output"]],
            "runware": lambda: [d["videoURL"] for d in j["data"]],
            "qingbo": lambda: [u for v in j["result"]["videos"] for u in v["url"]],  # Q6: always a string array
            "apimart": lambda: [u for v in j["data"]["result"]["videos"] for u in v["url"]],
        }[self.pid]()

    def failure(self, r: httpx.Response) -> str:
        """The failure message of a failed job's poll answer."""
        j = r.json()
        return {
            "wavespeed": lambda: j["data"]["error"],
            "eachlabs": lambda: j["output"]["error_message"],  # errors.mdx: the error envelope in output
            "runware": lambda: j["data"][0]["error"]["message"],
            "qingbo": lambda: j["error"]["message"],
            "apimart": lambda: j["data"]["error"]["message"],
        }[self.pid]()

    def error(self, r: httpx.Response, status: int) -> str:
        """Assert ``r`` is an error in the provider's envelope with ``status``; its message."""
        assert r.status_code == status, r.text
        j = r.json()
        if self.pid == "wavespeed":
            assert set(j) == {"code", "message"} and j["code"] == status
            return j["message"]
        if self.pid == "eachlabs":  # errors.mdx: {"error"}; 400, 402, 429 add status and details
            assert set(j) <= {"status", "error", "details"} and isinstance(j["error"], str), j
            assert j.get("status", status) == status
            return f"{j['error']}: {j['details']}" if j.get("details") else j["error"]
        if self.pid == "runware":
            assert isinstance(j["errors"], list) and j["errors"]
            assert all(isinstance(e["code"], str) and isinstance(e["message"], str) for e in j["errors"])
            return json.dumps(j["errors"])
        if self.pid == "qingbo":
            assert set(j) == {"error"} and isinstance(j["error"]["code"], str)
            return j["error"]["message"]
        assert set(j) == {"error"} and j["error"]["code"] == status and isinstance(j["error"]["type"], str)
        return j["error"]["message"]

    def run_to_completion(self, **fields: Any) -> tuple[str, httpx.Response]:
        r = self.submit(**fields)
        assert r.status_code == 200, r.text
        job = self.job_id(r)
        first = self.poll(job)
        assert self.state(first) == "pending"
        done = self.poll(job)
        assert self.state(done) == "completed", done.text
        return job, done


@dataclass(frozen=True)
class Media:
    """Media the tests host on the fake's own CDN, by URL."""

    png: str
    dance: str  # 3 s, 320x180, with audio
    long: str  # 12 s, 160x90
    hd: str  # 3 s, 1920x1080
    hd_long: str  # 16 s, 1920x972 (exactly the runware pixel minimum)
    voice: str  # 3 s
    long_voice: str  # 16 s


@pytest.fixture(scope="module")
def hd_long(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from storyboard.media.ffmpeg import ffmpeg_exe

    out = tmp_path_factory.mktemp("fakes") / "hd_long.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=1920x972:r=1:d=16",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out)],
        check=True,
    )  # fmt: skip
    return out


@pytest.fixture
def fake(
    fake_net: Callable[..., FakeServer], fake_provider: Callable[..., FakeServer]
) -> Iterator[Callable[..., Wire]]:
    """``fake(pid, **options)``: a fake in process; ``socket=True``: one served on 127.0.0.1."""
    clients: list[httpx.Client] = []

    def start(pid: str, *, socket: bool = False, **options: Any) -> Wire:
        server = fake_provider(pid, **options) if socket else fake_net(pid, **options)
        client = httpx.Client(
            base_url=server.base_url, timeout=20, verify=SSL, transport=None if socket else server.transport()
        )
        clients.append(client)
        return Wire(server, client, socket)

    yield start
    for c in clients:
        c.close()


def host(server: FakeServer, media_dir: Path, hd_long: Path) -> Media:
    return Media(
        png=server.add_file("a.png", media_dir / "a.png"),
        dance=server.add_file("dance.mp4", media_dir / "dance.mp4"),
        long=server.add_file("long.mp4", media_dir / "long.mp4"),
        hd=server.add_file("hd.mp4", media_dir / "hd.mp4"),
        hd_long=server.add_file("hd_long.mp4", hd_long),
        voice=server.add_file("voice.wav", media_dir / "voice.wav"),
        long_voice=server.add_file("long_voice.wav", media_dir / "long_voice.wav"),
    )


def probe(data: bytes) -> tuple[float, int, int, int, int]:
    """(seconds, width, height, audio channels, audio rate) of a clip held in memory."""
    with av.open(io.BytesIO(data)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        assert v.codec_context.name == "h264" and v.average_rate == 32 and v.format.name == "yuv420p"
        return c.duration / av.time_base, v.width, v.height, a.channels, a.rate


def seconds_of(path: Path) -> float:
    with av.open(str(path)) as c:
        return c.duration / av.time_base


# -- a valid request runs to a real clip --------------------------------------------------


@pytest.mark.parametrize("pid", PROVIDERS)
def test_valid_request_completes_with_a_clip_of_the_requested_length(fake: Callable[..., Wire], pid: str) -> None:
    w = fake(pid)
    r = w.submit()
    assert r.status_code == 200, r.text
    job = w.job_id(r)
    assert w.server.submit_count() == 1 and w.server.submits[0].created and w.server.submits[0].job_ids == [job]
    assert w.server.jobs[job].status == "pending"

    first = w.poll(job)
    assert w.state(first) == "pending"  # min_polls=1: one in-progress answer first
    done = w.poll(job)
    assert w.state(done) == "completed"
    (url,) = w.urls(done)
    assert url.startswith(w.server.base_url + "/files/")

    clip = w.client.get(url)  # no auth on downloads, like a CDN
    assert clip.status_code == 200 and clip.headers["content-type"] == "video/mp4"
    assert int(clip.headers["content-length"]) == len(clip.content)
    seconds, width, height, channels, rate = probe(clip.content)
    assert seconds == pytest.approx(3.0, abs=0.05)
    # 480p 16:9: long side 853.3 rounded to even; runware's own size table says 848x480
    assert (width, height) == ((848, 480) if pid == "runware" else (854, 480))
    assert (channels, rate) == (2, 48000)
    head = w.client.head(url)
    assert head.status_code == 200 and head.headers["content-length"] == clip.headers["content-length"]
    assert head.content == b""

    assert w.state(w.poll(job)) == "completed"  # stays completed
    assert [s for _, _, s in w.server.requests] == [200] * 6


def test_submit_answers_follow_each_page(fake: Callable[..., Wire]) -> None:
    """The exact first answer of each provider (the contract the adapters parse)."""
    ws = fake("wavespeed")
    j = ws.submit().json()
    assert j["code"] == 200 and j["message"] == "success"
    assert j["data"]["status"] == "created" and j["data"]["outputs"] == [] and j["data"]["error"] == ""
    assert j["data"]["has_nsfw_contents"] == [] and j["data"]["code"] == 0  # shared/api-result, error-codes
    assert j["data"]["model"] == "skywork-ai/skyreels-v4/reference-to-video"
    assert j["data"]["urls"]["get"] == ws.server.url(f"/api/v3/predictions/{j['data']['id']}/result")
    assert j["data"]["created_at"].endswith("Z") and j["data"]["timings"] == {"inference": 0}

    el = fake("eachlabs")
    j = el.submit().json()
    assert j == {"status": "success", "message": "Prediction created successfully", "predictionID": j["predictionID"]}

    rw = fake("runware")
    body = rw.body()
    assert rw.submit(body).json() == {"data": [{"taskType": "videoInference", "taskUUID": body[0]["taskUUID"]}]}

    qb = fake("qingbo")  # Q7's answer, field for field
    j = qb.submit().json()
    assert j == {"task_id": j["task_id"], "model": "skyreels-v4-fast", "action": "generate", "status": "queued",
                 "created_at": j["created_at"], "progress": 0, "pre_consumed_cost": 120_000}  # fast 480p $0.08 x 3 s  # fmt: skip
    assert j["task_id"].startswith("task-wave") and isinstance(j["created_at"], int)

    am = fake("apimart")
    j = am.submit().json()
    assert j == {"code": 200, "data": [{"status": "submitted", "task_id": j["data"][0]["task_id"]}]}
    poll = am.poll(j["data"][0]["task_id"]).json()
    assert poll["data"]["status"] == "pending" and poll["data"]["progress"] == 0  # A2 "pending - Queued for processing"


def test_min_polls_and_latency_decide_when_a_job_completes(fake: Callable[..., Wire]) -> None:
    w = fake("qingbo", min_polls=3)
    job = w.job_id(w.submit())
    assert [w.state(w.poll(job)) for _ in range(4)] == ["pending"] * 3 + ["completed"]

    slow = fake("qingbo", latency=3600)
    job = slow.job_id(slow.submit())
    assert [slow.state(slow.poll(job)) for _ in range(3)] == ["pending"] * 3  # polls alone do not finish it
    assert slow.server.jobs[job].polls == 3


def test_wait_for_wakes_on_requests_and_times_out(fake: Callable[..., Wire]) -> None:
    w = fake("apimart")
    t = threading.Thread(target=w.submit)
    t.start()
    assert w.server.wait_for(lambda: len(w.server.jobs) == 1)
    t.join()
    with pytest.raises(TimeoutError):
        w.server.wait_for(lambda: False, timeout=0.05)


# -- auth --------------------------------------------------------------------------------


@pytest.mark.parametrize("pid", PROVIDERS)
@pytest.mark.parametrize("key", [None, "wrong-key"], ids=["missing", "wrong"])
def test_a_missing_or_wrong_key_is_401_in_the_envelope(fake: Callable[..., Wire], pid: str, key: str | None) -> None:
    w = fake(pid)
    headers = {} if key is None else w.auth(key)
    w.error(w.submit(headers=headers), 401)
    assert w.server.jobs == {} and w.server.submit_count(created=False) == 1
    job = w.job_id(w.submit())
    w.error(w.poll(job, headers=headers), 401)
    assert w.server.jobs[job].polls == 0  # a refused poll is not an answered poll


def test_the_key_goes_where_each_page_says(fake: Callable[..., Wire]) -> None:
    el = fake("eachlabs")  # a bearer token (authentication page); the seed's X-API-Key still works (undocumented)
    assert el.submit(headers={"Authorization": f"Bearer {el.server.key}"}).status_code == 200
    assert el.submit(headers={"X-API-Key": el.server.key}).status_code == 200
    assert el.error(el.submit(headers={"X-API-Key": "wrong"}), 401) == "Invalid or missing API key"
    el.error(el.submit(headers={"Authorization": el.server.key}), 401)  # no scheme
    ws = fake("wavespeed")  # a bearer token, not X-API-Key
    ws.error(ws.submit(headers={"X-API-Key": ws.server.key}), 401)
    assert (
        ws.submit(headers={"Authorization": f"bearer {ws.server.key}"}).status_code == 200
    )  # scheme is case-insensitive


@pytest.mark.parametrize("pid", PROVIDERS)
def test_an_unknown_job_id_is_not_found(fake: Callable[..., Wire], pid: str) -> None:
    w = fake(pid)
    unknown = str(uuid.uuid4())
    if pid == "runware":
        message = w.error(w.poll(unknown), 400)
        assert "taskFailedOrNotFound" in message and unknown in message
    else:
        w.error(w.poll(unknown), 404)


# -- each page's rules -------------------------------------------------------------------

Case = Callable[[Wire, Media], Any]  # -> the request body


def fields(**kw: Any) -> Case:
    return lambda w, m: w.body(**kw)


def media(make: Callable[[Media], dict[str, Any]]) -> Case:
    return lambda w, m: w.body(**make(m))


def group(tag: str = "@hero", type: str = "image", urls: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "tag": tag,
        "type": type,
        "image_urls": [f"https://cdn.example/{tag[1:]}{i}.png" for i in range(urls)],
        **extra,
    }


def rw_group(tag: str = "@hero", type: str = "image", images: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "tag": tag,
        "type": type,
        "images": [f"https://cdn.example/{tag[1:]}{i}.png" for i in range(images)],
        **extra,
    }


def video(url: str, type: str = "reference", tag: str = "@v", key: str = "video_url") -> dict[str, Any]:
    return {"tag": tag, "type": type, key: url}


def mid(tag: str, t: float) -> dict[str, Any]:
    return {"tag": tag, "image_url": f"https://cdn.example/{tag.strip('@')}.png", "time_stamp": t}


DATA_URI = "data:image/png;base64," + base64.b64encode(b"\x89PNG fake").decode()

RULE_CASES: list[Any] = [
    # wavespeed, seed 000
    ("wavespeed", "prompt required (000:158)", fields(prompt=DROP), 400, "prompt is required"),
    ("wavespeed", "images max 3 (000:159)", fields(images=[f"https://cdn.example/{i}.png" for i in range(4)]), 400, "images must be at most 3"),
    ("wavespeed", "images are URLs (000:200)", fields(images=[DATA_URI]), 400, "not a data URI"),
    ("wavespeed", "ref_videos max 1 (000:160)", media(lambda m: {"ref_videos": [m.dance, m.dance]}), 400, "ref_videos must be at most 1"),
    ("wavespeed", "aspect ratios (000:202)", fields(aspect_ratio="4:3"), 400, "aspect_ratio must be one of 16:9, 9:16, 1:1"),
    ("wavespeed", "duration min 3 (000:203)", fields(duration=2), 400, "duration must be at least 3"),
    ("wavespeed", "duration max 15 (000:203)", fields(duration=16), 400, "duration must be at most 15"),
    ("wavespeed", "duration integer (000:203)", fields(duration=5.5), 400, "duration must be integer"),
    ("wavespeed", "resolution (000:204)", fields(resolution="4k"), 400, "resolution must be one of"),
    ("wavespeed", "sound boolean (000:205)", fields(sound="yes"), 400, "sound must be boolean"),
    ("wavespeed", "mode (000:206)", fields(mode="turbo"), 400, "mode must be one of std, fast"),
    ("wavespeed", "fast needs sound=false (000:45)", fields(mode="fast", sound=True), 400, "fast mode currently requires sound=false"),
    ("wavespeed", "unknown field (contract)", fields(seed=7), 400, "seed is not a parameter"),
    ("wavespeed", "null is not absent", fields(images=None), 400, "images must be array, found null"),
    # eachlabs, seed 001
    ("eachlabs", "unknown model is 404 (001:84)", lambda w, m: {**w.body(), "model": "skyreels-v5"}, 404, "not found"),
    ("eachlabs", "prompt required (001:25)", fields(prompt=DROP), 400, "input.prompt is required"),
    ("eachlabs", "prompt 4000 chars (001:25)", fields(prompt="x" * 4001), 400, "at most 4000 characters"),
    ("eachlabs", "image group 1-5 urls (001:26)", fields(ref_images=[group(urls=6)]), 400, "image_urls must be at most 5"),
    ("eachlabs", "grid exactly 1 url (001:26)", fields(ref_images=[group(type="grid", urls=2)]), 400, "exactly 1 image_url"),
    ("eachlabs", "audio only on image groups (001:26)", fields(ref_images=[group(type="grid", audio_url="https://cdn.example/v.wav")]), 400, "only image-type groups"),
    ("eachlabs", "one group type (001:26)", fields(ref_images=[group(), group("@set", type="grid")]), 400, "share the same type"),
    ("eachlabs", "no ref_images with extend (001:26)", media(lambda m: {"ref_images": [group()], "ref_videos": [video(m.dance, "extend")]}), 400, "cannot combine with extend"),
    ("eachlabs", "one ref video (001:27)", media(lambda m: {"ref_videos": [video(m.dance), video(m.dance)]}), 400, "ref_videos must be at most 1"),
    ("eachlabs", "video types (001:27)", media(lambda m: {"ref_videos": [video(m.dance, "edit")]}), 400, "must be one of extend, reference"),
    ("eachlabs", "duration 3-15 (001:28)", fields(duration=16), 400, "input.duration must be at most 15"),
    ("eachlabs", "aspect ratios (001:29)", fields(aspect_ratio="21:9"), 400, "aspect_ratio must be one of"),
    ("eachlabs", "mode (001:31)", fields(mode="pro"), 400, "mode must be one of fast, std"),
    ("eachlabs", "prompt_optimizer boolean (001:32)", fields(prompt_optimizer="on"), 400, "must be boolean"),
    ("eachlabs", "no data URIs (001:95)", fields(ref_images=[{**group(), "image_urls": [DATA_URI]}]), 400, "not a data URI"),
    ("eachlabs", "https only (001:95)", fields(ref_images=[{**group(), "image_urls": ["http://cdn.example/a.png"]}]), 400, "https URL"),
    ("eachlabs", "unknown input field", fields(sound=True), 400, "input.sound is not a parameter"),
    ("eachlabs", "webhook is a URL (001:68)", lambda w, m: {**w.body(), "webhook_url": "not a url"}, 400, "webhook_url"),
    ("eachlabs", "version is a string (OpenAPI)", lambda w, m: {**w.body(), "version": 1}, 400, "version must be string"),
    ("eachlabs", "input required (create-prediction)", lambda w, m: {"model": "skyreels-v4-reference-to-video"}, 400, "input is required"),
    # runware, seed 002
    ("runware", "taskUUID is v4 (002:12)", fields(taskUUID=str(uuid.uuid1())), 400, "invalidTaskUUID"),
    ("runware", "model (002:95)", fields(model="skywork:skyreels@v3"), 400, "invalidModel"),
    ("runware", "positivePrompt required (002:97)", fields(positivePrompt=DROP), 400, "positivePrompt is required"),
    ("runware", "positivePrompt max 5120 (002:97)", fields(positivePrompt="x" * 5121), 400, "invalidPositivePrompt"),
    ("runware", "numberResults 1-4 (002:93)", fields(numberResults=5), 400, "invalidNumberResults"),
    ("runware", "outputQuality 20-99 (002:23)", fields(outputQuality=19), 400, "invalidOutputQuality"),
    ("runware", "outputFormat (002:18-20)", fields(outputFormat="AVI"), 400, "invalidOutputFormat"),
    ("runware", "deliveryMethod async (002:30)", fields(deliveryMethod="sync"), 400, "invalidDeliveryMethod"),
    ("runware", "outputType URL (002:15)", fields(outputType="base64Data"), 400, "invalidOutputType"),
    ("runware", "duration 3-15 (002:104)", fields(duration=15.5), 400, "invalidDuration"),
    ("runware", "resolution (002:102)", fields(resolution="2k"), 400, "invalidResolution"),
    ("runware", "1-3 reference groups (002:60)", fields(inputs={"referenceImages": [rw_group(f"@g{i}") for i in range(4)]}), 400, "invalidReferenceImages"),
    ("runware", "1-5 images a group (002:70)", fields(inputs={"referenceImages": [rw_group(images=6)]}), 400, "invalidImages"),
    ("runware", "tag starts with @ (002:72)", fields(inputs={"referenceImages": [rw_group("hero")]}), 400, "must start with @"),
    ("runware", "one group type (002:60)", fields(inputs={"referenceImages": [rw_group(), rw_group("@set", "grid")]}), 400, "share the same type"),
    ("runware", "grid is one collage (002:65)", fields(inputs={"referenceImages": [rw_group(type="grid", images=2)]}), 400, "single collage image"),
    ("runware", "audio is not a data URI (002:68)", fields(inputs={"referenceImages": [rw_group(audio="data:audio/wav;base64,UklGRg==")]}), 400, "not a data URI"),
    ("runware", "audio max 15 s (002:68)", media(lambda m: {"inputs": {"referenceImages": [rw_group(audio=m.long_voice)]}}), 400, "at most 15 seconds"),
    ("runware", "1-8 frame images (002:74)", fields(inputs={"frameImages": [f"https://cdn.example/{i}.png" for i in range(9)]}), 400, "invalidFrameImages"),
    ("runware", "frame position (002:77)", fields(inputs={"frameImages": [{"image": "https://cdn.example/a.png", "frame": "middle"}]}), 400, "must be one of first, last"),
    ("runware", "images are image inputs (002:70)", fields(inputs={"frameImages": ["not an image!"]}), 400, "must be an image UUID, URL"),
    ("runware", "exactly 1 reference video (002:79)", media(lambda m: {"inputs": {"referenceVideos": [video(m.hd, key="video")] * 2}}), 400, "invalidReferenceVideos"),
    ("runware", "video is not a data URI (002:89)", fields(inputs={"referenceVideos": [video("data:video/mp4;base64,AAAAIGZ0eXA=", key="video")]}), 400, "not a data URI"),
    ("runware", "video min 1,866,240 pixels (002:89)", media(lambda m: {"inputs": {"referenceVideos": [video(m.dance, key="video")]}}), 400, "at least 1,866,240 total pixels"),
    ("runware", "video max 15 s (002:89)", media(lambda m: {"inputs": {"referenceVideos": [video(m.hd_long, key="video")]}}), 400, "at most 15 seconds"),
    ("runware", "unknown settings (002:105)", fields(settings={"audio": True, "seed": 1}), 400, "settings.seed is not a parameter"),
    ("runware", "not an array", lambda w, m: w.body()[0], 400, "JSON array"),
    ("runware", "resolution or width/height (MD)", fields(width=848, height=480), 400, "resolution cannot be used with width/height"),
    ("runware", "width without height (MD)", fields(resolution=DROP, width=848), 400, "width and height must be used together"),
    ("runware", "height without width (MD)", fields(resolution=DROP, height=480), 400, "width and height must be used together"),
    ("runware", "sizes from the table (MD)", fields(resolution=DROP, width=854, height=480), 400, "unsupported dimensions 854x480"),
    ("runware", "no unread 1080p size (MD)", fields(resolution=DROP, width=1920, height=1080), 400, "unsupported dimensions"),
    ("runware", "a grid alone (MD)", fields(inputs={"referenceImages": [rw_group("@a", "grid"), rw_group("@b", "grid")]}), 400, "limited to 1 item"),
    ("runware", "no referenceImages with referenceVideos (MD)", media(lambda m: {"inputs": {"referenceImages": [rw_group()], "referenceVideos": [video(m.hd, key="video")]}}), 400, "referenceImages cannot be used"),
    ("runware", "no referenceImages with an extension (MD)", media(lambda m: {"inputs": {"referenceImages": [rw_group()], "referenceVideos": [video(m.hd, "extend", key="video")]}}), 400, "referenceImages cannot be used"),
    ("runware", "no settings.audio with a reference video (MD)", media(lambda m: {"settings": {"audio": False}, "inputs": {"referenceVideos": [video(m.hd, key="video")]}}), 400, "settings.audio cannot be used"),
    # qingbo: the newest SkyReels page (Q5, QingBo-AI/WaveAPI-Doc skyreels.mdx @624b9e5), "Any other parameter returns 400"
    ("qingbo", "no negative_prompt (Q5: any other parameter)", fields(negative_prompt="blur"), 400, "negative_prompt is not a parameter"),
    ("qingbo", "no sound (Q5)", fields(sound=True), 400, "sound is not a parameter"),
    ("qingbo", "no last_frame_image (Q5: end_frame_image)", fields(last_frame_image="https://cdn.example/a.png"), 400, "last_frame_image is not a parameter"),
    ("qingbo", "no ref_videos (Q5: video_urls)", media(lambda m: {"ref_videos": [video(m.dance)]}), 400, "ref_videos is not a parameter"),
    ("qingbo", "no audio_urls (Q5)", fields(audio_urls=["https://cdn.example/v.wav"]), 400, "audio_urls is not a parameter"),
    ("qingbo", "no image_urls (Q5)", fields(image_urls=["https://cdn.example/a.png"]), 400, "image_urls is not a parameter"),
    ("qingbo", "no extra (Q7)", fields(extra={"seed": 1}), 400, "extra is no longer accepted"),
    ("qingbo", "model required (Q5)", fields(model=DROP), 400, "model is required"),
    ("qingbo", "model tiers (Q5)", fields(model="skyreels-v3"), 400, "model must be one of skyreels-v4-fast, skyreels-v4-std"),
    ("qingbo", "generate only (Q5)", fields(action="extend"), 400, "action must be one of generate"),
    ("qingbo", "duration 3-15 (Q5)", fields(duration=16), 400, "duration must be at most 15"),
    ("qingbo", "at most 6 mid frames (Q5)", fields(duration=15, mid_frame_images=[mid(f"@kf{i}", i + 1) for i in range(7)]), 400, "mid_frame_images must be at most 6"),
    ("qingbo", "time_stamp above 0 (Q5)", fields(prompt="@kf", mid_frame_images=[mid("@kf", 0)]), 400, "-1 or lie in (0, duration)"),
    ("qingbo", "time_stamp below duration (Q5)", fields(prompt="@kf", duration=3, mid_frame_images=[mid("@kf", 3)]), 400, "-1 or lie in (0, duration)"),
    ("qingbo", "mid frame tags start with @ (Q5)", fields(prompt="kf", mid_frame_images=[mid("kf", 1)]), 400, "must start with @"),
    ("qingbo", "mid frame tags in the prompt (Q5)", fields(mid_frame_images=[mid("@kf", 1)]), 400, "the prompt must contain the @ tag"),
    ("qingbo", "ref tags in the prompt (Q5)", fields(ref_images=[group("@villain")]), 400, "the prompt must contain the @ tag"),
    ("qingbo", "@video_1 in the prompt (Q5)", media(lambda m: {"video_urls": [m.dance]}), 400, "the prompt must contain the @ tag"),
    ("qingbo", "at most 3 image groups (Q5)", fields(prompt="@g0 @g1 @g2 @g3", ref_images=[group(f"@g{i}") for i in range(4)]), 400, "ref_images must be at most 3"),
    ("qingbo", "at most 5 images a group (Q5)", fields(ref_images=[group(urls=6)]), 400, "image_urls must be at most 5"),
    ("qingbo", "one grid entry (Q5)", fields(prompt="@a @b", ref_images=[group("@a", "grid"), group("@b", "grid")]), 400, "type grid takes 1 entry with 1 image"),
    ("qingbo", "a grid is one image (Q5)", fields(ref_images=[group(type="grid", urls=2)]), 400, "type grid takes 1 entry with 1 image"),
    ("qingbo", "one type of group (Q5)", fields(prompt="@hero @set", ref_images=[group(), group("@set", "grid")]), 400, "share the same type"),
    ("qingbo", "audio only on image groups (Q5)", fields(ref_images=[group(type="grid", audio_url="https://cdn.example/v.wav")]), 400, "allowed only when type is image"),
    ("qingbo", "audio at most 15 s (Q5)", media(lambda m: {"ref_images": [group(audio_url=m.long_voice)]}), 400, "at most 15 seconds"),
    ("qingbo", "frames and references exclusive (Q5)", fields(first_frame_image="https://cdn.example/a.png", ref_images=[group()]), 400, "cannot be combined"),
    ("qingbo", "one video (Q5)", media(lambda m: {"prompt": "@video_1 @video_2", "video_urls": [m.dance, m.dance]}), 400, "video_urls must be at most 1"),
    ("qingbo", "resolution with a video (Q5, Q8)", media(lambda m: {"prompt": "like @video_1", "video_urls": [m.dance], "resolution": DROP}), 400, "480p or 720p explicitly"),
    ("qingbo", "no 1080p with a video (Q5)", media(lambda m: {"prompt": "like @video_1", "video_urls": [m.dance], "resolution": "1080p"}), 400, "480p or 720p explicitly"),
    ("qingbo", "unknown field", fields(seed=3), 400, "seed is not a parameter"),
    # apimart, seed 004 (A1) and its task pages (A2, A3)
    ("apimart", "model has no default (004:17)", fields(model=DROP), 400, "model is required"),
    ("apimart", "I2V and Omni exclusive (004:15)", fields(first_frame_image="https://cdn.example/a.png", ref_images=[group()]), 422, "cannot be used together"),
    ("apimart", "mid frames are I2V (004:15)", media(lambda m: {"prompt": "@kf then @v", "mid_frame_images": [mid("@kf", 1)], "ref_videos": [video(m.dance)]}), 422, "cannot be used together"),
    ("apimart", "tags start with @ (004:16)", fields(prompt="hero walks", ref_images=[group("hero")]), 422, "start with @"),
    ("apimart", "tags appear in the prompt (004:16)", fields(ref_images=[group("@villain")]), 422, "appear in the prompt"),
    ("apimart", "a tag is a whole word (004:16)", fields(prompt="@hero10 waves", ref_images=[group("@hero1")]), 422, "appear in the prompt"),
    ("apimart", "mid frame tags too (004:16)", fields(mid_frame_images=[mid("@kf", 1)]), 422, "appear in the prompt"),
    ("apimart", "extend without ref_images (004:22)", media(lambda m: {"prompt": "@hero in @v", "ref_images": [group()], "ref_videos": [video(m.dance, "extend")]}), 422, "extend video cannot be combined"),
    ("apimart", "reference only with image groups (004:21)", media(lambda m: {"prompt": "@hero in @v", "ref_images": [group(type="grid")], "ref_videos": [video(m.dance)]}), 422, "only with ref_images of type image"),
    ("apimart", "reference video max 10 s (004:21)", media(lambda m: {"prompt": "like @v", "ref_videos": [video(m.long)]}), 422, "at most 10 seconds"),
    ("apimart", "one reference video (A5)", media(lambda m: {"prompt": "like @v", "ref_videos": [video(m.dance), video(m.dance)]}), 400, "ref_videos must be at most 1"),
    ("apimart", "a grid is one image (A5)", fields(ref_images=[group(type="grid", urls=2)]), 400, "exactly 1 image_url"),
    ("apimart", "time_stamp -1 or inside (A5)", fields(prompt="@kf", duration=3, mid_frame_images=[mid("@kf", 3)]), 400, "-1 or lie in (0, duration)"),
    ("apimart", "at most 6 mid frames (A5)", fields(prompt=" ".join(f"@k{i}" for i in range(7)), duration=15, mid_frame_images=[mid(f"@k{i}", i + 1) for i in range(7)]), 400, "mid_frame_images must be at most 6"),
    ("apimart", "duration 3-15", fields(duration=2), 400, "duration must be at least 3"),
    ("apimart", "prompt max 1280 tokens (004:19)", fields(prompt="x" * 4001), 400, "at most 4000 characters"),
    ("apimart", "no sound (A1, A5)", fields(sound=True), 400, "sound is not a parameter"),
    ("apimart", "no audio_urls (A1, A5)", fields(audio_urls=["https://cdn.example/v.wav"]), 400, "audio_urls is not a parameter"),
    ("apimart", "unknown field", fields(last_frame_image="https://cdn.example/a.png"), 400, "last_frame_image is not a parameter"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("pid", "rule", "case", "status", "says"), RULE_CASES, ids=[f"{c[0]}: {c[1]}" for c in RULE_CASES]
)
def test_each_documented_rule_is_refused_with_the_pages_status(
    fake: Callable[..., Wire], media_dir: Path, hd_long: Path, pid: str, rule: str, case: Case, status: int, says: str
) -> None:
    w = fake(pid)
    body = case(w, host(w.server, media_dir, hd_long))
    r = w.submit(body)
    message = w.error(r, status)
    assert says in message, (rule, message)
    assert w.server.jobs == {} and w.server.submits[-1].created is False and w.server.submits[-1].status == status
    if pid == "runware" and "JSON array" not in says:
        (item,) = r.json()["errors"]
        assert item["taskType"] == "videoInference" and item["taskUUID"] == body[0]["taskUUID"]
        assert item["parameter"] and item["code"].startswith(("invalid", "unsupported")), item


@pytest.mark.parametrize("pid", PROVIDERS)
def test_invalid_json_is_400(fake: Callable[..., Wire], pid: str) -> None:
    w = fake(pid)
    r = w.client.post(w.submit_path(), content=b"{not json", headers={**w.auth(), "Content-Type": "application/json"})
    assert "not valid JSON" in w.error(r, 400)
    assert w.server.submits[0].body == "{not json"


# -- what the page allows is accepted ------------------------------------------------------


def test_rich_valid_requests_are_accepted(fake: Callable[..., Wire], media_dir: Path, hd_long: Path) -> None:
    """The fullest body each page allows must pass (a fake stricter than its page misleads)."""
    ws = fake("wavespeed")
    m = host(ws.server, media_dir, hd_long)
    assert ws.submit(images=[m.png] * 3, aspect_ratio="9:16", mode="fast", sound=False).status_code == 200

    el = fake("eachlabs")
    r = el.submit(
        {**el.body(ref_images=[group(urls=5, audio_url="https://cdn.example/v.wav"), group("@set", urls=2)],
                   aspect_ratio="3:4", mode="fast", prompt_optimizer=False),
         "version": "0.0.1", "webhook_url": "https://hooks.example/done", "webhook_secret": "s3cret"}
    )  # fmt: skip
    assert r.status_code == 200, r.text

    rw = fake("runware")
    m = host(rw.server, media_dir, hd_long)
    png = base64.b64encode((media_dir / "a.png").read_bytes()).decode()
    r = rw.submit(
        outputFormat="MP4", outputQuality=80, includeCost=False, numberResults=1, resolution=DROP, width=480, height=848,
        duration=4.5, settings={"audio": True, "promptExtend": False}, safety={"checkContent": True, "mode": "fast"}, ttl=3600,
        inputs={
            "referenceImages": [rw_group(images=5, audio=m.voice), {"tag": "@b64", "type": "image", "images": [f"data:image/png;base64,{png}", png, str(uuid.uuid4())]}],
            "frameImages": [{"image": m.png}, m.png, {"image": DATA_URI, "frame": "last"}, {"image": m.png, "frame": 40}],
        },
    )  # fmt: skip
    assert r.status_code == 200, r.text
    for size in [(848, 480), (480, 848), (736, 560), (560, 736), (640, 640), (1280, 720), (720, 1280), (960, 960)]:
        assert rw.submit(resolution=DROP, width=size[0], height=size[1]).status_code == 200, size  # MD's table
    motion = rw.submit(
        settings={"promptExtend": False}, inputs={"referenceVideos": [video(m.hd, "reference", key="video")]}
    )
    assert motion.status_code == 200, (
        motion.text
    )  # a reference video without settings.audio and without referenceImages
    extend = rw.submit(settings={"audio": True}, inputs={"referenceVideos": [video(m.hd, "extend", key="video")]})
    assert extend.status_code == 200, extend.text  # settings.audio is refused only with a reference-type video
    grid = rw.submit(inputs={"referenceImages": [rw_group("@set", "grid")]})
    assert grid.status_code == 200, grid.text  # one grid group alone

    qb = fake("qingbo")
    m = host(qb.server, media_dir, hd_long)
    r = qb.submit(
        prompt="from @kf0 to @kf5 " + " ".join(f"@kf{i}" for i in range(1, 5)), action="generate", duration=8,
        aspect_ratio="4:3", prompt_optimizer=False, callback_url="https://hooks.example/done", callback_events=["completed"],
        first_frame_image="https://cdn.example/a.png", end_frame_image="https://cdn.example/b.png",
        mid_frame_images=[mid(f"@kf{i}", i + 0.5) for i in range(5)] + [{"tag": "@kf5", "image_url": "https://cdn.example/k.png"}],
    )  # fmt: skip
    assert r.status_code == 200, r.text  # Q5: time_stamp may be left out (-1, unspecified)
    r = qb.submit(prompt="@hero-1 meets @x at @set", resolution="1080p",
                  ref_images=[group("@hero-1", urls=5, audio_url=m.voice), group("@set", urls=2), group("@x", urls=1)])  # fmt: skip
    assert r.status_code == 200, r.text  # 3 image groups of up to 5, a voice of 3 s
    assert (
        qb.submit(
            prompt="@x in @video_1", resolution="720p", video_urls=[m.dance], ref_images=[group("@x")]
        ).status_code
        == 200
    )
    assert qb.submit(prompt="@board", ref_images=[group("@board", type="grid")]).status_code == 200

    am = fake("apimart")
    m = host(am.server, media_dir, hd_long)
    r = am.submit(
        prompt="@hero-1 dances like @v, then @set", prompt_optimizer=True, aspect_ratio="1:1",
        ref_images=[group("@hero-1", audio_url=m.voice), group("@set", urls=3)], ref_videos=[video(m.dance)],
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert am.submit(prompt="@kf", mid_frame_images=[mid("@kf", -1)]).status_code == 200  # A5: -1 = auto


# -- the result clip follows the request ----------------------------------------------------


def _clip(w: Wire, **fields: Any) -> tuple[float, int, int]:
    _, done = w.run_to_completion(**fields)
    seconds, width, height, _, _ = probe(w.client.get(w.urls(done)[0]).content)
    return seconds, width, height


def test_a_reference_video_sets_the_length_capped_at_10_s(
    fake: Callable[..., Wire], media_dir: Path, hd_long: Path
) -> None:
    dance = seconds_of(media_dir / "dance.mp4")
    el = fake("eachlabs")  # 001:28 duration overridden to match the source video (max 10 s)
    m = host(el.server, media_dir, hd_long)
    assert _clip(el, duration=8, ref_videos=[video(m.dance)])[0] == pytest.approx(dance, abs=0.05)
    qb = fake("qingbo")  # Q5: with video_urls the output follows the reference, capped at 10 s
    m = host(qb.server, media_dir, hd_long)
    assert _clip(qb, prompt="like @video_1", duration=4, video_urls=[m.long])[0] == pytest.approx(10.0, abs=0.05)
    ws = fake("wavespeed")  # its one untyped video guides motion: a reference
    m = host(ws.server, media_dir, hd_long)
    assert _clip(ws, duration=5, ref_videos=[m.dance])[0] == pytest.approx(dance, abs=0.05)


def test_an_extension_holds_the_new_seconds_or_the_whole_video(
    fake: Callable[..., Wire], media_dir: Path, hd_long: Path
) -> None:
    dance = seconds_of(media_dir / "dance.mp4")
    new = fake("apimart")
    m = host(new.server, media_dir, hd_long)
    assert _clip(new, prompt="@v continues", duration=4, ref_videos=[video(m.dance, "extend")])[0] == pytest.approx(
        4.0, abs=0.05
    )
    whole = fake("apimart", extend_whole=True)
    m = host(whole.server, media_dir, hd_long)
    seconds = _clip(whole, prompt="@v continues", duration=4, ref_videos=[video(m.dance, "extend")])[0]
    assert seconds == pytest.approx(dance + 4.0, abs=0.05)


def test_size_follows_resolution_and_aspect_ratio(fake: Callable[..., Wire]) -> None:
    assert frame_size("480p", "16:9") == (854, 480)
    assert frame_size("720p", "9:16") == (720, 1280)
    assert frame_size("1080p", "4:3") == (1440, 1080)
    assert frame_size("480p", "1:1") == (480, 480)
    assert _clip(fake("qingbo"), aspect_ratio="9:16")[1:] == (480, 854)


def test_runware_results_size_format_count_and_cost(fake: Callable[..., Wire]) -> None:
    w = fake("runware")
    job, done = w.run_to_completion(
        resolution=DROP, width=480, height=848, numberResults=2, includeCost=True, outputFormat="MOV"
    )
    items = done.json()["data"]
    assert len(items) == 2 and len({i["videoUUID"] for i in items}) == 2 and len({i["videoURL"] for i in items}) == 2
    # EX's result item: no status, a seed per result
    assert all(set(i) == {"taskType", "taskUUID", "videoUUID", "videoURL", "seed", "cost"} for i in items)
    assert all(i["taskUUID"] == job and i["taskType"] == "videoInference" and isinstance(i["seed"], int) for i in items)
    assert items[0]["cost"] == pytest.approx(0.11 * 3)  # 480x848 is a 480p size: the 480p price, 3 s
    clip = w.client.get(items[0]["videoURL"])
    assert clip.headers["content-type"] == "video/quicktime"
    seconds, width, height, _, _ = probe(clip.content)
    assert (width, height) == (480, 848) and seconds == pytest.approx(3.0, abs=0.05)

    _, done = w.run_to_completion()
    assert "cost" not in done.json()["data"][0]  # only with includeCost (002:55)


def test_media_the_fake_cannot_read_is_taken_on_trust(
    fake: Callable[..., Wire], media_dir: Path, hd_long: Path
) -> None:
    """Only loopback media is fetched (the tests are offline); an upload UUID or a remote URL is not read."""
    w = fake("runware")
    m = host(w.server, media_dir, hd_long)
    for where in ("https://cdn.example/motion.mp4", str(uuid.uuid4())):
        job, _ = w.run_to_completion(inputs={"referenceVideos": [video(where, key="video")]})
        assert w.server.jobs[job].seconds == 3.0  # the requested duration: the length is unknown
    small = w.submit(inputs={"referenceVideos": [video(m.dance, key="video")]})  # read, and too small
    assert "1,866,240" in w.error(small, 400)
    assert [p for _, p, _ in w.server.requests if p.startswith("/files/dance")] == ["/files/dance.mp4"]


def test_clips_are_cached_per_size_and_length(tmp_path: Path) -> None:
    spec = ClipSpec.of(321, 180, 3)  # an odd side is rounded up for yuv420p
    assert (spec.width, spec.height, spec.seconds) == (322, 180, 3.0)
    first = make_clip(spec, tmp_path)
    mtime = first.stat().st_mtime_ns
    assert make_clip(ClipSpec.of(322, 180, 3.0), tmp_path) == first and first.stat().st_mtime_ns == mtime


# -- runware's taskUUID is the idempotency key -----------------------------------------------


def test_runware_refuses_a_taskuuid_it_has_seen(fake: Callable[..., Wire]) -> None:
    w = fake("runware")
    w.server.inject("submit", "reset")  # the provider took the job, the answer was lost
    body = w.body()
    with pytest.raises(httpx.TransportError):
        w.submit(body)
    assert list(w.server.jobs) == [body[0]["taskUUID"]]
    r = w.submit(body)  # the client resends the same task
    (item,) = r.json()["errors"]
    assert r.status_code == 400 and item == {"code": "conflictTaskUUID", "message": item["message"],
                                             "taskUUID": body[0]["taskUUID"], "taskType": "videoInference"}  # fmt: skip
    assert len(w.server.jobs) == 1 and w.server.submit_count(created=True) == 1
    twice = w.body() * 2  # the same UUID twice in one request
    assert "conflictTaskUUID" in w.error(w.submit(twice), 400) and len(w.server.jobs) == 1


# -- eachlabs' limits (errors.mdx: a concurrency cap, a balance; no per-minute limit) -----------


def test_eachlabs_limits_concurrent_predictions(fake: Callable[..., Wire]) -> None:
    w = fake("eachlabs", max_concurrent=2)
    first = w.job_id(w.submit())
    w.submit()
    r = w.submit()
    assert (
        "too many requests: Account rate limited" in w.error(r, 429)
        and "limited to 2 concurrent" in r.json()["details"]
    )
    assert len(w.server.jobs) == 2  # "A rejected request creates no prediction"
    assert [w.state(w.poll(first)) for _ in range(2)] == ["pending", "completed"]
    assert w.submit().status_code == 200  # a finished prediction frees its slot


def test_eachlabs_has_no_per_minute_limit(fake: Callable[..., Wire]) -> None:
    w = fake("eachlabs")  # "There is no per-second request limit on predictions"
    for _ in range(12):
        job = w.job_id(w.submit())
        w.poll(job), w.poll(job)
    assert w.server.submit_count(created=True) == 12


def test_eachlabs_refuses_what_the_balance_cannot_cover_with_402(fake: Callable[..., Wire]) -> None:
    w = fake("eachlabs", balance_usd=0.5)  # std 480p $0.11/s: a 3 s prediction is estimated at $0.33
    job = w.job_id(w.submit())
    message = w.error(w.submit(), 402)
    assert message.startswith(
        "payment required: the estimated cost of your in-flight executions exceeds your current balance ($0.50)"
    )
    assert len(w.server.jobs) == 1
    w.poll(job), w.poll(job)
    assert w.submit().status_code == 200  # settled: the reservation is released


# -- qingbo: Idempotency-Key (Q7), the status page's answers (Q6) ------------------------------


def test_qingbo_replays_a_submit_with_the_same_idempotency_key(fake: Callable[..., Wire]) -> None:
    """Q7: "repeated requests with the same key within 24 hours reuse the originally created task (same task_id, no double billing)"."""
    w = fake("qingbo")
    keyed = {**w.auth(), "Idempotency-Key": "key-1"}
    w.server.inject("submit", "reset")  # qingbo took the task; the answer was lost
    with pytest.raises(httpx.TransportError):
        w.submit(headers=keyed)
    (job,) = w.server.jobs
    again = w.submit(headers=keyed)  # the client resends under the same key
    assert again.status_code == 200 and w.job_id(again) == job
    assert len(w.server.jobs) == 1 and w.server.submit_count(created=True) == 1  # one task, billed once
    assert w.server.submits[-1].job_ids == [job] and not w.server.submits[-1].created
    other = w.submit(headers={**w.auth(), "Idempotency-Key": "key-2"})
    assert w.job_id(other) != job and w.job_id(w.submit()) not in (job, w.job_id(other))  # no key: a new task each time
    assert w.server.submit_count(created=True) == 3
    refused = w.submit(headers={**w.auth(), "Idempotency-Key": "key-3"}, sound=True)
    assert "sound" in w.error(refused, 400) and w.server.submit_count(created=True) == 3  # a refusal reserves no key
    assert w.submit(headers={**w.auth(), "Idempotency-Key": "key-3"}).status_code == 200


def test_qingbo_answers_each_stage_as_the_status_page_shows(fake: Callable[..., Wire]) -> None:
    w = fake("qingbo", min_polls=3)
    job = w.job_id(w.submit())
    stages = [w.poll(job).json() for _ in range(4)]
    assert [(s["status"], s["progress"]) for s in stages] == [
        ("queued", ""),
        ("processing", "50%"),
        ("processing", "75%"),
        ("completed", "100%"),
    ]
    done = stages[-1]
    assert done["cost"] == 120_000 and done["billing_status"] == "settled"  # fast 480p $0.08 x 3 s = $0.24 in quota
    (video,) = done["result"]["videos"]
    assert isinstance(video["url"], list) and len(video["url"]) == 1 and video["expires_at"] > done["completed_at"]
    assert done["urls"] == {"get": w.server.url(f"/v1/tasks/{job}"), "cancel": w.server.url(f"/v1/tasks/{job}/cancel")}
    assert all("cost" not in s and "result" not in s for s in stages[:3])  # cost only in terminal states
    missing = w.poll("task-wave0b000000000000")
    assert (
        w.error(missing, 404) == "task task-wave0b000000000000 not found"
        and missing.json()["error"]["code"] == "task_not_found"
    )
    w.server.inject("submit", "429")
    limited = w.submit().json()["error"]
    assert limited["code"] == "quota_window_exceeded" and {"window", "used", "cap", "reset_at"} <= set(limited)  # Q3


@pytest.mark.parametrize("pid", ["qingbo", "apimart"])
def test_a_cancelled_task_answers_cancelled(fake: Callable[..., Wire], pid: str) -> None:
    w = fake(pid)
    job = w.job_id(w.submit())
    w.server.inject("poll", "status:cancelled")
    r = w.poll(job)
    assert w.state(r) == "cancelled" and w.state(w.poll(job)) == "cancelled"  # it stays cancelled
    j = r.json()
    if pid == "qingbo":  # Q6: cost 0 (refunded), no error object, no result
        assert j["cost"] == 0 and "error" not in j and "result" not in j
    else:  # A2: error only when failed
        assert "error" not in j["data"] and "result" not in j["data"]


def test_apimart_answers_pending_then_processing_then_completed(fake: Callable[..., Wire]) -> None:
    w = fake("apimart", min_polls=2)
    job = w.job_id(w.submit())
    answers = [w.poll(job).json()["data"] for _ in range(3)]
    assert [a["status"] for a in answers] == ["pending", "processing", "completed"]
    done = answers[-1]
    assert done["progress"] == 100 and done["completed"] >= done["created"] and isinstance(done["actual_time"], int)
    (video,) = done["result"]["videos"]
    assert isinstance(video["url"], list) and video["expires_at"] > done["completed"]
    for status, kind in [(402, "payment_required"), (403, "permission_error"), (502, "bad_gateway")]:  # A3
        body = json.loads(w.server.error(status, "x").body)
        assert body == {"error": {"code": status, "message": "x", "type": kind}}


# -- faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("pid", PROVIDERS)
def test_429_answers_in_the_envelope_with_retry_after(fake: Callable[..., Wire], pid: str) -> None:
    w = fake(pid)
    w.server.inject("submit", "429", retry_after=7)
    r = w.submit()
    w.error(r, 429)
    assert r.headers["retry-after"] == "7"
    assert w.server.jobs == {} and w.server.submits[0].created is False
    assert w.submit().status_code == 200 and w.server.faults_left() == 0  # consumed once


@pytest.mark.parametrize("kind", ["500", "503"])
def test_server_errors_on_submit_make_no_job_unless_told(fake: Callable[..., Wire], kind: str) -> None:
    w = fake("wavespeed")
    w.server.inject("submit", kind, times=2)
    r = w.submit()
    assert FAULT_MESSAGES[kind] == w.error(r, int(kind)) and "retry-after" not in r.headers
    assert w.server.jobs == {}
    w.server.inject("submit", kind, created=True)
    w.error(w.submit(), int(kind))  # the second of the first two
    w.error(w.submit(), int(kind))  # created=True: the job exists behind the error
    assert len(w.server.jobs) == 1 and [s.created for s in w.server.submits] == [False, False, True]
    assert w.submit().status_code == 200


@pytest.mark.parametrize("socket", [False, True], ids=["in_process", "socket"])
@pytest.mark.parametrize("pid", PROVIDERS)
def test_a_reset_after_submit_leaves_the_job_created(fake: Callable[..., Wire], pid: str, socket: bool) -> None:
    w = fake(pid, socket=socket)
    w.server.inject("submit", "reset")
    with pytest.raises(httpx.ReadError, match="reset by peer"):  # an RST, not a clean close
        w.submit()
    assert len(w.server.jobs) == 1 and w.server.submits[0].created and w.server.submits[0].status == 0
    assert w.submit().status_code == 200  # the connection pool recovers


@pytest.mark.parametrize("socket", [False, True], ids=["in_process", "socket"])
def test_reset_can_drop_the_job_too(fake: Callable[..., Wire], socket: bool) -> None:
    w = fake("qingbo", socket=socket)
    w.server.inject("submit", "reset", created=False)
    with pytest.raises(httpx.TransportError):
        w.submit()
    assert w.server.jobs == {} and w.server.submit_count(created=False) == 1


def test_a_submit_timeout_holds_until_the_client_hangs_up(fake: Callable[..., Wire]) -> None:
    w = fake("eachlabs", socket=True)
    w.server.inject("submit", "timeout")
    with httpx.Client(base_url=w.server.base_url, timeout=0.3) as quick, pytest.raises(httpx.ReadTimeout):
        quick.post(w.submit_path(), json=w.body(), headers=w.auth())
    assert len(w.server.jobs) == 1  # taken, never answered
    w.server.wait_for(lambda: ("POST", "/v1/prediction", 0) in w.server.requests)  # the hang-up freed the handler


def test_a_submit_timeout_in_process_is_the_clients_read_timeout(fake: Callable[..., Wire]) -> None:
    w = fake("eachlabs")
    w.server.inject("submit", "timeout")
    with pytest.raises(httpx.ReadTimeout):
        w.submit()
    assert len(w.server.jobs) == 1 and ("POST", "/v1/prediction", 0) in w.server.requests  # taken, never answered


def test_a_stalled_request_does_not_block_close(fake: Callable[..., Wire]) -> None:
    w = fake("apimart", socket=True)
    job = w.job_id(w.submit())
    w.server.inject("poll", "timeout")
    outcome: list[BaseException | httpx.Response] = []

    def poll() -> None:
        try:
            outcome.append(w.poll(job))
        except httpx.HTTPError as e:
            outcome.append(e)

    t = threading.Thread(target=poll)
    t.start()
    w.server.wait_for(lambda: w.server.faults_left("poll") == 0)  # the poll arrived and drew the fault
    started = time.monotonic()
    w.server.close()
    t.join(timeout=10)
    assert time.monotonic() - started < 5 and not t.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.TransportError)


@pytest.mark.parametrize("endpoint", ["submit", "poll", "download"])
def test_malformed_is_a_200_that_is_not_json(fake: Callable[..., Wire], endpoint: str) -> None:
    w = fake("runware")
    job, done = w.run_to_completion()
    w.server.inject(endpoint, "malformed")
    r = {"submit": lambda: w.submit(), "poll": lambda: w.poll(job), "download": lambda: w.client.get(w.urls(done)[0])}[
        endpoint
    ]()
    assert r.status_code == 200 and r.headers["content-type"] == "application/json" and r.content == b'{"data": ['
    with pytest.raises(json.JSONDecodeError):
        r.json()
    assert len(w.server.jobs) == (2 if endpoint == "submit" else 1)  # malformed submit: the job was taken


@pytest.mark.parametrize("kind", ["429", "500", "503", "reset", "malformed"])
def test_poll_faults_do_not_count_as_polls(fake: Callable[..., Wire], kind: str) -> None:
    w = fake("wavespeed", socket=kind == "reset")
    job = w.job_id(w.submit())
    w.server.inject("poll", kind, retry_after=2 if kind == "429" else None)
    try:
        r = w.poll(job)
        if kind == "malformed":
            assert r.status_code == 200 and r.content == b'{"data": ['
        else:
            w.error(r, int(kind))
            assert r.headers.get("retry-after") == ("2" if kind == "429" else None)
    except httpx.TransportError:
        assert kind == "reset"
    assert w.server.jobs[job].polls == 0 and w.server.jobs[job].status == "pending"
    assert [w.state(w.poll(job)) for _ in range(2)] == ["pending", "completed"]


@pytest.mark.parametrize("pid", PROVIDERS)
def test_a_failed_job_answers_the_pages_failure(fake: Callable[..., Wire], pid: str) -> None:
    w = fake(pid)
    job = w.job_id(w.submit())
    w.server.inject("poll", "failed")
    r = w.poll(job)
    assert w.state(r) == "failed" and w.failure(r) == FAILED_MESSAGE
    assert w.state(w.poll(job)) == "failed"  # it stays failed
    assert w.server.jobs[job].status == "failed" and w.server.jobs[job].files == []
    if pid == "eachlabs":  # errors.mdx, the error catalog: status error, the envelope in output, $0
        j = r.json()
        assert j["output"] == {"error": "Execution failed", "error_code": "PROVIDER_FAILED", "error_message": FAILED_MESSAGE,
                               "retryable": False, "success": False}  # fmt: skip
        assert j["logs"] is None and j["metrics"]["cost"] == 0 and j["id"] == job
    if pid == "wavespeed":  # error-codes: the task's code beside its error
        assert r.json()["data"]["code"] == 1200 and r.json()["data"]["outputs"] == []
    if pid == "qingbo":  # Q6's failed example: cost 0 (refunded), error {message, code}
        j = r.json()
        assert (
            j["status"] == "failed"
            and j["cost"] == 0
            and j["progress"] == "100%"
            and isinstance(j["completed_at"], int)
        )
        assert j["error"] == {"message": FAILED_MESSAGE, "code": "task_failed"} and "result" not in j
    if pid == "apimart":  # A2/A3: error {code: integer, message, type}
        assert r.json()["data"]["error"] == {"code": 400, "message": FAILED_MESSAGE, "type": "invalid_request_error"}
    if pid == "runware":  # SDK client.py:1140-1148
        assert r.json() == {"data": [{"taskType": "videoInference", "taskUUID": job, "status": "error",
                                      "error": {"code": "inferenceError", "message": FAILED_MESSAGE}}]}  # fmt: skip


@pytest.mark.parametrize("socket", [False, True], ids=["in_process", "socket"])
def test_download_faults(fake: Callable[..., Wire], socket: bool) -> None:
    w = fake("qingbo", socket=socket)
    _, done = w.run_to_completion()
    url = w.urls(done)[0]
    full = w.client.get(url).content

    w.server.inject("download", "404")
    assert w.client.get(url).status_code == 404

    w.server.inject("download", "truncate")
    with w.new_client() as c, c.stream("GET", url) as r:
        assert int(r.headers["content-length"]) == len(full)
        with pytest.raises(httpx.RemoteProtocolError):
            r.read()

    w.server.inject("download", "503", retry_after=1)
    r = w.client.get(url)
    assert r.status_code == 503 and r.headers["retry-after"] == "1"

    w.server.inject("download", "reset")
    with pytest.raises(httpx.TransportError):
        w.client.get(url)

    w.server.inject("download", "404")
    assert w.client.head(url).status_code == 200  # a HEAD draws no fault
    assert w.client.get(url).status_code == 404
    assert w.client.get(url).content == full  # every fault consumed, FIFO


def test_faults_are_fifo_per_endpoint(fake: Callable[..., Wire]) -> None:
    w = fake("apimart")
    w.server.inject("submit", "503")
    w.server.inject("poll", "500")
    w.server.inject("submit", "429")
    w.error(w.submit(), 503)
    w.error(w.submit(), 429)
    job = w.job_id(w.submit())
    w.error(w.poll(job), 500)
    assert w.server.faults_left() == 0


def test_inject_refuses_what_does_not_apply(fake: Callable[..., Wire]) -> None:
    server = fake("wavespeed").server
    for endpoint, kind, kw in [("submit", "failed", {}), ("poll", "truncate", {}), ("download", "failed", {}),
                               ("poll", "500", {"created": True}), ("status", "500", {})]:  # fmt: skip
        with pytest.raises(ValueError):
            server.inject(endpoint, kind, **kw)  # type: ignore[arg-type]
    assert server.faults_left() == 0


# -- holding an answer: a crash between the request and its answer ---------------------------


def test_a_held_submit_makes_the_job_but_withholds_the_answer(fake: Callable[..., Wire]) -> None:
    w = fake("runware")
    handle = w.server.hold("submit")
    answers: list[httpx.Response] = []
    t = threading.Thread(target=lambda: answers.append(w.submit()))
    t.start()
    w.server.wait_for(lambda: handle.waiting == 1)
    assert len(w.server.jobs) == 1 and w.server.submits[0].created and answers == []
    handle.release()
    t.join(timeout=10)
    assert answers[0].status_code == 200 and w.job_id(answers[0]) in w.server.jobs
    assert w.submit().status_code == 200  # released: later submits answer at once


@pytest.mark.parametrize("socket", [False, True], ids=["in_process", "socket"])
def test_close_releases_held_answers(fake: Callable[..., Wire], socket: bool) -> None:
    w = fake("eachlabs", socket=socket)
    w.server.hold("submit")
    outcome: list[Any] = []

    def submit() -> None:
        try:
            outcome.append(w.submit().status_code)
        except httpx.HTTPError as e:
            outcome.append(e)

    t = threading.Thread(target=submit)
    t.start()
    w.server.wait_for(lambda: len(w.server.jobs) == 1)
    w.server.close()
    t.join(timeout=10)
    assert not t.is_alive() and len(outcome) == 1
