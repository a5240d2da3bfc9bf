"""Each adapter's wire form, field for field, against its seed page; and its answers read.

The bodies here are the tables in each adapter module, written out: a change to a
provider's mapping must change one of these expectations.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from storyboard.compile.request import MediaRef, MidFrame, RefGroup, RefVideo, Request
from storyboard.errors import BuildError, ProviderError
from storyboard.run.hosted import adapters
from storyboard.run.hosted.client import Settings, check_base_url, media_kinds

ADAPTERS = adapters()


def url(ref: MediaRef, kind: str) -> str:
    name = ref.file or ref.clip_of or ref.last_frame_of or ref.url
    return f"https://cdn.test/{kind}/{name}"


def request(**fields: object) -> Request:
    base: dict[str, object] = dict(
        provider="x", model="skyreels-v4-std", tier="std", mode="t2v", action="generate", prompt="a cafe at dawn",
        duration=5, resolution="720p", aspect_ratio="16:9", width=1280, height=720, sound=False, prompt_optimizer=True,
    )
    base.update(fields)
    return Request(**base)  # type: ignore[arg-type]


MARA = RefGroup(tag="@Mara", type="image", images=(MediaRef(file="a.png"), MediaRef(file="b.png")), audio=MediaRef(file="v.wav"))
OMNI = request(
    mode="omni", action="reference", prompt="@Mara dances like @dance", ref_images=(MARA,),
    ref_video=RefVideo(tag="@dance", type="reference", video=MediaRef(file="dance.mp4")),
)
I2V = request(
    mode="i2v", action="first_last_frame", first_frame=MediaRef(last_frame_of="cup"), last_frame=MediaRef(file="top.png"),
    mid_frames=(MidFrame(tag="@kf1", image=MediaRef(file="mid.png"), time=2.5),),
)


def test_wavespeed_flattens_groups_into_images_and_sends_mode() -> None:
    body = ADAPTERS["wavespeed"].body(OMNI.model_copy(update={"tier": "fast"}), url, None)
    assert body == {
        "prompt": "@Mara dances like @dance",
        "images": ["https://cdn.test/image/a.png", "https://cdn.test/image/b.png"],
        "ref_videos": ["https://cdn.test/video/dance.mp4"],
        "aspect_ratio": "16:9", "duration": 5, "resolution": "720p", "sound": False, "mode": "fast",
    }
    assert ADAPTERS["wavespeed"].submit(body).path == "/api/v3/skywork-ai/skyreels-v4/reference-to-video"


def test_eachlabs_wraps_model_and_input() -> None:
    body = ADAPTERS["eachlabs"].body(OMNI, url, None)
    assert body == {
        "model": "skyreels-v4-reference-to-video",
        "input": {
            "prompt": "@Mara dances like @dance",
            "ref_images": [{"tag": "@Mara", "type": "image", "image_urls": ["https://cdn.test/image/a.png", "https://cdn.test/image/b.png"],
                            "audio_url": "https://cdn.test/audio/v.wav"}],
            "ref_videos": [{"tag": "@dance", "type": "reference", "video_url": "https://cdn.test/video/dance.mp4"}],
            "duration": 5, "aspect_ratio": "16:9", "resolution": "720p", "mode": "std", "prompt_optimizer": True,
        },
    }
    assert ADAPTERS["eachlabs"].headers("k") == {"X-API-Key": "k"}
    assert ADAPTERS["eachlabs"].submit(body).path == "/v1/prediction/"


def test_runware_is_one_async_task_with_our_uuid() -> None:
    adapter = ADAPTERS["runware"]
    task_id = adapter.new_task_id()
    body = adapter.body(I2V.model_copy(update={"sound": True}), url, task_id)
    assert body == [{
        "taskType": "videoInference", "taskUUID": task_id, "model": "skywork:skyreels@v4",
        "positivePrompt": "a cafe at dawn", "width": 1280, "height": 720, "resolution": "720p", "duration": 5,
        "deliveryMethod": "async", "outputType": "URL", "outputFormat": "MP4", "numberResults": 1, "includeCost": True,
        "settings": {"audio": True, "promptExtend": True},
        "inputs": {"frameImages": [
            {"image": "https://cdn.test/image/cup", "frame": "first"},
            {"image": "https://cdn.test/image/mid.png", "frame": 80},  # 2.5 s at 32 fps
            {"image": "https://cdn.test/image/top.png", "frame": "last"},
        ]},
    }]
    omni = adapter.body(OMNI, url, task_id)[0]["inputs"]
    assert omni["referenceImages"] == [{"tag": "@Mara", "type": "image", "images": ["https://cdn.test/image/a.png", "https://cdn.test/image/b.png"],
                                        "audio": "https://cdn.test/audio/v.wav"}]
    assert omni["referenceVideos"] == [{"type": "reference", "tag": "@dance", "video": "https://cdn.test/video/dance.mp4"}]
    assert adapter.poll(task_id).json == [{"taskType": "getResponse", "taskUUID": task_id}]
    assert adapter.new_task_id() != task_id


@pytest.mark.parametrize("pid, last_field", [("qingbo", "last_frame_image"), ("apimart", "end_frame_image")])
def test_v4_native_bodies(pid: str, last_field: str) -> None:
    body = ADAPTERS[pid].body(I2V, url, None)
    expected = {
        "model": "skyreels-v4-std", "prompt": "a cafe at dawn", "duration": 5, "resolution": "720p", "aspect_ratio": "16:9",
        "sound": False, "prompt_optimizer": True,
        "first_frame_image": "https://cdn.test/image/cup", last_field: "https://cdn.test/image/top.png",
        "mid_frame_images": [{"tag": "@kf1", "image_url": "https://cdn.test/image/mid.png", "time_stamp": 2.5}],
    }
    if pid == "qingbo":
        expected["action"] = "first_last_frame"  # the page: pass action to lock the mode
    assert body == expected
    omni = ADAPTERS[pid].body(OMNI.model_copy(update={"audio": MediaRef(file="song.wav")}), url, None)
    assert omni["ref_images"] == [{"tag": "@Mara", "type": "image", "image_urls": ["https://cdn.test/image/a.png", "https://cdn.test/image/b.png"],
                                   "audio_url": "https://cdn.test/audio/v.wav"}]
    assert omni["ref_videos"] == [{"tag": "@dance", "type": "reference", "video_url": "https://cdn.test/video/dance.mp4"}]
    assert omni["audio_urls"] == ["https://cdn.test/audio/song.wav"]


def test_media_kinds_name_every_input_once() -> None:
    kinds = [(ref.file or ref.last_frame_of, kind) for ref, kind in media_kinds(OMNI)] + [
        (ref.file or ref.last_frame_of, kind) for ref, kind in media_kinds(I2V)]
    assert kinds == [("a.png", "image"), ("b.png", "image"), ("v.wav", "audio"), ("dance.mp4", "video"),
                     ("cup", "image"), ("top.png", "image"), ("mid.png", "image")]


# -- answers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("pid, submitted, job", [
    ("wavespeed", {"code": 200, "message": "success", "data": {"id": "w1", "status": "created", "outputs": []}}, "w1"),
    ("eachlabs", {"status": "success", "message": "Prediction created successfully", "predictionID": "e1"}, "e1"),
    ("qingbo", {"task_id": "q1", "status": "queued"}, "q1"),
    ("apimart", {"code": 200, "data": [{"status": "submitted", "task_id": "a1"}]}, "a1"),
])
def test_submit_answers_give_the_job_id(pid: str, submitted: dict, job: str) -> None:
    assert ADAPTERS[pid].submitted(submitted, None) == job


def test_runware_submit_answer_must_be_our_task() -> None:
    adapter = ADAPTERS["runware"]
    assert adapter.submitted({"data": [{"taskType": "videoInference", "taskUUID": "u1"}]}, "u1") == "u1"
    with pytest.raises(ProviderError, match="another task"):
        adapter.submitted({"data": [{"taskType": "videoInference", "taskUUID": "u2"}]}, "u1")
    with pytest.raises(ProviderError, match="positivePrompt is too long"):
        adapter.submitted({"errors": [{"code": "invalidPositivePrompt", "message": "positivePrompt is too long"}]}, "u1")
    assert adapter.is_duplicate({"errors": [{"code": "duplicateTaskUUID", "message": "taken"}]})
    assert adapter.is_unknown_job(400, {"errors": [{"code": "taskNotFound", "message": "no"}]})


@pytest.mark.parametrize("pid, running, done, failed", [
    ("wavespeed",
     {"data": {"id": "w", "status": "processing", "outputs": []}},
     {"data": {"id": "w", "status": "completed", "outputs": ["https://r/w.mp4"]}},
     {"data": {"id": "w", "status": "failed", "error": "nsfw", "outputs": []}}),
    ("eachlabs",
     {"status": "processing", "predictionID": "e"},
     {"status": "success", "predictionID": "e", "output": "https://r/w.mp4"},
     {"status": "error", "message": "nsfw", "details": "policy"}),
    ("runware",
     {"data": [{"taskUUID": "u", "status": "processing"}]},
     {"data": [{"taskUUID": "u", "status": "success", "videoURL": "https://r/w.mp4", "cost": 1.75}]},
     {"data": [{"taskUUID": "u", "status": "error", "message": "nsfw"}]}),
    ("qingbo",
     {"task_id": "q", "status": "processing"},
     {"task_id": "q", "status": "completed", "result": {"videos": [{"url": "https://r/w.mp4"}]}},
     {"task_id": "q", "status": "failed", "error": {"message": "nsfw"}}),
    ("apimart",
     {"code": 200, "data": {"status": "processing", "progress": 40}},
     {"code": 200, "data": {"status": "completed", "progress": 100, "result": {"videos": [{"url": ["https://r/w.mp4"]}]}}},
     {"code": 200, "data": {"status": "failed", "error": {"message": "nsfw"}}}),
])
def test_poll_answers(pid: str, running: dict, done: dict, failed: dict) -> None:
    adapter = ADAPTERS[pid]
    assert adapter.polled(running).state == "running"
    state = adapter.polled(done)
    assert state.state == "done" and state.urls == ("https://r/w.mp4",)
    assert state.cost_usd == (Decimal("1.75") if pid == "runware" else None)
    state = adapter.polled(failed)
    assert state.state == "failed" and "nsfw" in (state.error or "")


def test_qingbo_cancelled_is_a_failure() -> None:
    assert ADAPTERS["qingbo"].polled({"task_id": "q", "status": "cancelled"}).state == "failed"


# -- settings ----------------------------------------------------------------------------------
@pytest.mark.parametrize("base", ["https://api.wavespeed.ai", "http://127.0.0.1:8123", "http://localhost:9", "http://[::1]:80"])
def test_base_urls_allowed(base: str) -> None:
    check_base_url(base, "WAVESPEED_BASE_URL")


@pytest.mark.parametrize("base", ["http://api.wavespeed.ai", "http://10.0.0.2:80", "ftp://127.0.0.1", "127.0.0.1:80"])
def test_plain_http_only_on_loopback(base: str) -> None:
    with pytest.raises(BuildError, match="WAVESPEED_BASE_URL"):
        check_base_url(base, "WAVESPEED_BASE_URL")


def test_settings_come_from_the_environment() -> None:
    adapter = ADAPTERS["eachlabs"]
    settings = Settings.from_env(adapter, {"EACHLABS_API_KEY": "k", "EACHLABS_CONCURRENCY": "3", "EACHLABS_SUBMITS_PER_MINUTE": "20"})
    assert (settings.key, settings.concurrency, settings.submits_per_minute) == ("k", 3, 20)
    assert settings.base_url == "https://api.eachlabs.ai"
    default = Settings.from_env(adapter, {"EACHLABS_API_KEY": "k"})
    assert (default.concurrency, default.submits_per_minute) == (10, 100)  # seed 001: 10 concurrent, 100 creates/min
    with pytest.raises(BuildError, match="EACHLABS_API_KEY is not set"):
        Settings.from_env(adapter, {})
    with pytest.raises(BuildError, match="EACHLABS_CONCURRENCY"):
        Settings.from_env(adapter, {"EACHLABS_API_KEY": "k", "EACHLABS_CONCURRENCY": "many"})
