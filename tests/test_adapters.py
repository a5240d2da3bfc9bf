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
from storyboard.run.hosted.media import media_kinds
from storyboard.run.hosted.settings import Settings, check_base_url

ADAPTERS = adapters()


def url(ref: MediaRef, kind: str) -> str:
    name = ref.file or ref.clip_of or ref.last_frame_of or ref.url
    return f"https://cdn.test/{kind}/{name}"


def request(**fields: object) -> Request:
    base: dict[str, object] = dict(
        provider="x",
        model="skyreels-v4-std",
        tier="std",
        mode="t2v",
        action="generate",
        prompt="a cafe at dawn",
        duration=5,
        resolution="720p",
        aspect_ratio="16:9",
        width=1280,
        height=720,
        sound=False,
        prompt_optimizer=True,
    )
    base.update(fields)
    return Request(**base)  # type: ignore[arg-type]


MARA = RefGroup(
    tag="@Mara", type="image", images=(MediaRef(file="a.png"), MediaRef(file="b.png")), audio=MediaRef(file="v.wav")
)
OMNI = request(
    mode="omni",
    action="reference",
    prompt="@Mara dances like @dance",
    ref_images=(MARA,),
    ref_video=RefVideo(tag="@dance", type="reference", video=MediaRef(file="dance.mp4")),
)
I2V = request(
    mode="i2v",
    action="first_last_frame",
    first_frame=MediaRef(last_frame_of="cup"),
    last_frame=MediaRef(file="top.png"),
    mid_frames=(MidFrame(tag="@kf1", image=MediaRef(file="mid.png"), time=2.5),),
)


def test_wavespeed_flattens_groups_into_images_and_sends_mode() -> None:
    body = ADAPTERS["wavespeed"].body(OMNI.model_copy(update={"tier": "fast"}), url, None)
    assert body == {
        "prompt": "@Mara dances like @dance",
        "images": ["https://cdn.test/image/a.png", "https://cdn.test/image/b.png"],
        "ref_videos": ["https://cdn.test/video/dance.mp4"],
        "aspect_ratio": "16:9",
        "duration": 5,
        "resolution": "720p",
        "sound": False,
        "mode": "fast",
    }
    assert ADAPTERS["wavespeed"].submit(body).path == "/api/v3/skywork-ai/skyreels-v4/reference-to-video"


def test_eachlabs_wraps_model_and_input() -> None:
    body = ADAPTERS["eachlabs"].body(OMNI, url, None)
    assert body == {
        "model": "skyreels-v4-reference-to-video",
        "version": "0.0.1",  # seed 001:10; the reference: required (create-prediction) or ignored (OpenAPI)
        "input": {
            "prompt": "@Mara dances like @dance",
            "ref_images": [
                {
                    "tag": "@Mara",
                    "type": "image",
                    "image_urls": ["https://cdn.test/image/a.png", "https://cdn.test/image/b.png"],
                    "audio_url": "https://cdn.test/audio/v.wav",
                }
            ],
            "ref_videos": [{"tag": "@dance", "type": "reference", "video_url": "https://cdn.test/video/dance.mp4"}],
            "duration": 5,
            "aspect_ratio": "16:9",
            "resolution": "720p",
            "mode": "std",
            "prompt_optimizer": True,
        },
    }
    assert ADAPTERS["eachlabs"].headers("k") == {"Authorization": "Bearer k"}  # the reference since 2026-07-27
    assert ADAPTERS["eachlabs"].submit(body).path == "/v1/prediction"  # create-prediction: no trailing slash


def test_runware_is_one_async_task_with_our_uuid() -> None:
    adapter = ADAPTERS["runware"]
    task_id = adapter.new_task_id()
    body = adapter.body(I2V.model_copy(update={"sound": True}), url, task_id)
    assert body == [
        {
            "taskType": "videoInference",
            "taskUUID": task_id,
            "model": "skywork:skyreels@v4",
            "positivePrompt": "a cafe at dawn",
            "width": 1280,
            "height": 720,
            "duration": 5,  # no resolution with width/height
            "deliveryMethod": "async",
            "outputType": "URL",
            "outputFormat": "MP4",
            "numberResults": 1,
            "includeCost": True,
            "settings": {"audio": True, "promptExtend": True},
            "inputs": {
                "frameImages": [
                    {"image": "https://cdn.test/image/cup"},  # the examples page: the first frame carries no `frame`
                    {"image": "https://cdn.test/image/mid.png", "frame": 80},  # 2.5 s at 32 fps (unverified)
                    {"image": "https://cdn.test/image/top.png", "frame": "last"},
                ]
            },
        }
    ]
    images = adapter.body(OMNI.model_copy(update={"ref_video": None, "sound": True}), url, task_id)[0]
    assert images["inputs"] == {"referenceImages": [{"tag": "@Mara", "type": "image", "images": ["https://cdn.test/image/a.png", "https://cdn.test/image/b.png"],
                                                     "audio": "https://cdn.test/audio/v.wav"}]}  # fmt: skip
    assert images["settings"] == {"audio": True, "promptExtend": True}
    motion = adapter.body(OMNI.model_copy(update={"ref_images": (), "sound": True}), url, task_id)[0]
    assert motion["inputs"] == {
        "referenceVideos": [{"type": "reference", "tag": "@dance", "video": "https://cdn.test/video/dance.mp4"}]
    }
    assert motion["settings"] == {"promptExtend": True}  # no settings.audio with a reference-type video, not even false
    extend = RefVideo(tag="@pour", type="extend", video=MediaRef(clip_of="pour"))
    assert adapter.body(OMNI.model_copy(update={"ref_images": (), "ref_video": extend}), url, task_id)[0]["settings"] == {
        "audio": False, "promptExtend": True}  # fmt: skip
    assert adapter.poll(task_id).json == [{"taskType": "getResponse", "taskUUID": task_id}]
    assert adapter.new_task_id() != task_id


@pytest.mark.parametrize(("resolution", "ratio", "size"), [
    ("480p", "16:9", {"width": 848, "height": 480}), ("480p", "9:16", {"width": 480, "height": 848}),
    ("480p", "4:3", {"width": 736, "height": 560}), ("480p", "3:4", {"width": 560, "height": 736}),
    ("480p", "1:1", {"width": 640, "height": 640}), ("720p", "16:9", {"width": 1280, "height": 720}),
    ("720p", "9:16", {"width": 720, "height": 1280}), ("720p", "1:1", {"width": 960, "height": 960}),
    ("1080p", "16:9", {"resolution": "1080p"}),  # the examples page: resolution alone
])  # fmt: skip
def test_runware_sends_a_table_size_or_the_resolution_alone(
    resolution: str, ratio: str, size: dict[str, object]
) -> None:
    task = ADAPTERS["runware"].body(request(resolution=resolution, aspect_ratio=ratio), url, "u1")[0]
    assert {k: task[k] for k in ("width", "height", "resolution") if k in task} == size


@pytest.mark.parametrize(("resolution", "ratio"), [("1080p", "4:3"), ("1080p", "9:16"), ("720p", "3:4")])
def test_runware_refuses_a_size_outside_its_table(resolution: str, ratio: str) -> None:
    with pytest.raises(ProviderError, match=f"no {resolution} {ratio} size"):  # the compiler's P006 stops these first
        ADAPTERS["runware"].body(request(resolution=resolution, aspect_ratio=ratio), url, "u1")


def test_runware_size_table_is_the_fakes() -> None:
    from storyboard.compile.profiles import RUNWARE_SIZES
    from tests.fakes.runware import SIZES

    assert dict(RUNWARE_SIZES) == SIZES


V4_I2V = {
    "model": "skyreels-v4-std", "prompt": "a cafe at dawn", "duration": 5, "resolution": "720p", "aspect_ratio": "16:9",
    "prompt_optimizer": True,
    "first_frame_image": "https://cdn.test/image/cup", "end_frame_image": "https://cdn.test/image/top.png",
    "mid_frame_images": [{"tag": "@kf1", "image_url": "https://cdn.test/image/mid.png", "time_stamp": 2.5}],
}  # fmt: skip
MARA_WIRE = [{"tag": "@Mara", "type": "image", "image_urls": ["https://cdn.test/image/a.png", "https://cdn.test/image/b.png"],
              "audio_url": "https://cdn.test/audio/v.wav"}]  # fmt: skip


def test_qingbo_body_is_the_newest_pages_field_list() -> None:
    """Q5: generate only, end_frame_image, video_urls with @video_1, no sound, no audio_urls; "any other parameter returns 400"."""
    adapter = ADAPTERS["qingbo"]
    assert adapter.body(I2V.model_copy(update={"sound": True}), url, None) == {"action": "generate", **V4_I2V}
    omni = adapter.body(OMNI, url, None)
    assert omni == {
        "model": "skyreels-v4-std", "action": "generate", "prompt": "@Mara dances like @video_1", "duration": 5,
        "resolution": "720p", "aspect_ratio": "16:9", "prompt_optimizer": True,
        "ref_images": MARA_WIRE, "video_urls": ["https://cdn.test/video/dance.mp4"],
    }  # fmt: skip
    untagged = adapter.body(OMNI.model_copy(update={"prompt": "@Mara dances like @dancer, @dance-"}), url, None)
    assert (
        untagged["prompt"] == "@Mara dances like @dancer, @dance- @video_1"
    )  # whole tags only; the page's tag is always there
    for bad in (
        {"ref_video": RefVideo(tag="@cup", type="extend", video=MediaRef(clip_of="cup"))},
        {"audio": MediaRef(file="song.wav")},
    ):
        with pytest.raises(
            ProviderError
        ):  # `storyboard check` refuses both first; the adapter never drops them silently
            adapter.body(OMNI.model_copy(update=bad), url, None)


def test_qingbo_sends_an_idempotency_key_and_reads_the_servers_task_id() -> None:
    adapter = ADAPTERS["qingbo"]
    assert adapter.client_task_ids
    key = adapter.new_task_id()
    assert key and key != adapter.new_task_id()
    assert adapter.headers("k", key) == {"Authorization": "Bearer k", "Idempotency-Key": key}  # Q7
    assert adapter.headers("k") == {"Authorization": "Bearer k"}  # polls carry no key
    answer = {"task_id": "task-wave1789004688b950049238", "model": "skyreels-v4-std", "action": "generate",
              "status": "queued", "created_at": 1720000000, "progress": 0, "pre_consumed_cost": 5500}  # Q7  # fmt: skip
    assert adapter.submitted(answer, key) == "task-wave1789004688b950049238"
    with pytest.raises(ProviderError, match="no task_id"):
        adapter.submitted({"data": {"id": "x"}}, key)
    assert adapter.default_base_url == "https://api.qingbo.ai"  # Q5-Q7 (www.qingbo.dev still serves the API, Q8)


def test_apimart_body_sends_no_sound_and_no_audio_urls() -> None:
    adapter = ADAPTERS["apimart"]
    assert not adapter.client_task_ids  # no reference page documents a server-side Idempotency-Key
    assert adapter.headers("k", "id") == {"Authorization": "Bearer k"}
    assert adapter.body(I2V.model_copy(update={"sound": True}), url, None) == V4_I2V
    omni = adapter.body(OMNI, url, None)
    assert omni["ref_images"] == MARA_WIRE and omni["prompt"] == "@Mara dances like @dance"
    assert omni["ref_videos"] == [
        {"tag": "@dance", "type": "reference", "video_url": "https://cdn.test/video/dance.mp4"}
    ]
    assert "sound" not in omni and "audio_urls" not in omni
    with pytest.raises(ProviderError):
        adapter.body(OMNI.model_copy(update={"audio": MediaRef(file="song.wav")}), url, None)


def test_media_kinds_name_every_input_once() -> None:
    kinds = [(ref.file or ref.last_frame_of, kind) for ref, kind in media_kinds(OMNI)] + [
        (ref.file or ref.last_frame_of, kind) for ref, kind in media_kinds(I2V)
    ]
    assert kinds == [
        ("a.png", "image"),
        ("b.png", "image"),
        ("v.wav", "audio"),
        ("dance.mp4", "video"),
        ("cup", "image"),
        ("top.png", "image"),
        ("mid.png", "image"),
    ]


# -- answers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "pid, submitted, job",
    [
        (
            "wavespeed",
            {"code": 200, "message": "success", "data": {"id": "w1", "status": "created", "outputs": []}},
            "w1",
        ),
        ("eachlabs", {"status": "success", "message": "Prediction created successfully", "predictionID": "e1"}, "e1"),
        ("eachlabs", {"status": "success", "id": "e2"}, "e2"),  # the poll answer's name for it
        ("qingbo", {"task_id": "q1", "status": "queued"}, "q1"),
        ("apimart", {"code": 200, "data": [{"status": "submitted", "task_id": "a1"}]}, "a1"),
    ],
)
def test_submit_answers_give_the_job_id(pid: str, submitted: dict, job: str) -> None:
    assert ADAPTERS[pid].submitted(submitted, None) == job


def test_runware_submit_answer_must_be_our_task() -> None:
    adapter = ADAPTERS["runware"]
    assert adapter.submitted({"data": [{"taskType": "videoInference", "taskUUID": "u1"}]}, "u1") == "u1"
    assert (
        adapter.submitted({"data": []}, "u1") == "u1"
    )  # the SDK's own tests acknowledge with no items: the id is ours
    assert adapter.submitted({}, "u1") == "u1"
    with pytest.raises(ProviderError, match="another task"):
        adapter.submitted({"data": [{"taskType": "videoInference", "taskUUID": "u2"}]}, "u1")
    with pytest.raises(ProviderError, match="positivePrompt is too long"):
        adapter.submitted(
            {"errors": [{"code": "invalidPositivePrompt", "message": "positivePrompt is too long"}]}, "u1"
        )
    with pytest.raises(ProviderError, match="no credits"):
        adapter.submitted(
            {"error": {"code": "insufficientCredits", "message": "no credits"}}, "u1"
        )  # the singular envelope
    for code in ("conflictTaskUUID", "duplicateTaskUUID"):
        assert adapter.is_duplicate({"errors": [{"code": code, "message": "taken", "taskUUID": "u1"}]})
    assert not adapter.is_duplicate({"errors": [{"code": "invalidTaskUUID", "message": "not a v4"}]})


@pytest.mark.parametrize("status", [200, 400])
@pytest.mark.parametrize("code", ["taskFailedOrNotFound", "taskNotFound"])
def test_runware_unknown_job_on_any_status(status: int, code: str) -> None:
    adapter = ADAPTERS["runware"]
    answer = {"errors": [{"code": code, "message": "Task not found or failed", "taskUUID": "u1"}]}
    assert adapter.is_unknown_job(status, answer)
    state = adapter.polled(answer)  # asked anyway: "failed or not found" is not ours to call failed
    assert state.state == "unknown" and state.error == "Task not found or failed"
    assert not adapter.is_unknown_job(200, {"data": [{"taskUUID": "u1", "status": "processing"}]})
    assert adapter.error_message({"error": {"code": "taskFailedOrNotFound", "message": "gone"}}) == "gone"


def test_runware_poll_answers_as_the_reference_prints_them() -> None:
    adapter = ADAPTERS["runware"]
    example = {
        "data": [
            {
                "taskType": "videoInference",
                "taskUUID": "u",
                "videoUUID": "v",
                "seed": 1925401861,
                "videoURL": "https://vm.runware.ai/video/v.mp4",
                "cost": 2.8109,
            }
        ]
    }  # the examples page, no status
    state = adapter.polled(example)
    assert (state.state, state.urls, state.cost_usd) == (
        "done",
        ("https://vm.runware.ai/video/v.mp4",),
        Decimal("2.8109"),
    )
    assert (
        adapter.polled({"data": [{"taskUUID": "u", "status": "pending"}]}).state == "running"
    )  # the older page's word
    assert adapter.polled({"data": []}).state == "running"  # no item yet: the SDK polls on
    assert adapter.polled({"data": [{"taskUUID": "u", "status": "queued-ish"}]}).state == "unknown"
    failed = adapter.polled(
        {"data": [{"taskUUID": "u", "status": "error", "error": {"code": "inferenceError", "message": "nsfw"}}]}
    )
    assert failed.state == "failed" and failed.error == "nsfw"
    assert adapter.polled({"data": [{"taskUUID": "u", "status": "error", "message": "flat"}]}).error == "flat"


@pytest.mark.parametrize(
    "pid, running, done, failed",
    [
        (
            "wavespeed",
            {"data": {"id": "w", "status": "processing", "outputs": []}},
            {"data": {"id": "w", "status": "completed", "outputs": ["https://r/w.mp4"]}},
            {"data": {"id": "w", "status": "failed", "error": "nsfw", "outputs": []}},
        ),
        (
            "eachlabs",
            {"id": "e", "status": "processing", "output": None, "logs": None, "metrics": {}},
            {
                "id": "e",
                "status": "success",
                "output": "https://r/w.mp4",
                "logs": None,
                "metrics": {"predict_time": 9.5},
            },
            {
                "id": "e",
                "status": "error",
                "logs": None,
                "metrics": {"predict_time": 3.4, "cost": 0},
                "output": {
                    "error": "Execution failed",
                    "error_code": "PROVIDER_FAILED",
                    "error_message": "nsfw",
                    "retryable": False,
                },
            },
        ),
        (
            "runware",
            {"data": [{"taskUUID": "u", "status": "processing"}]},
            {"data": [{"taskUUID": "u", "status": "success", "videoURL": "https://r/w.mp4", "cost": 1.75}]},
            {"data": [{"taskUUID": "u", "status": "error", "error": {"code": "inferenceError", "message": "nsfw"}}]},
        ),
        (
            "qingbo",
            {"task_id": "q", "status": "processing", "progress": "45%"},
            {
                "task_id": "q",
                "status": "completed",
                "progress": "100%",
                "result": {"videos": [{"expires_at": 1, "url": ["https://r/w.mp4"]}]},
            },
            {
                "task_id": "q",
                "status": "failed",
                "cost": 0,
                "error": {"message": "nsfw", "code": "upstream_bad_request"},
            },
        ),
        (
            "apimart",
            {"code": 200, "data": {"status": "processing", "progress": 40}},
            {
                "code": 200,
                "data": {"status": "completed", "progress": 100, "result": {"videos": [{"url": ["https://r/w.mp4"]}]}},
            },
            {"code": 200, "data": {"status": "failed", "error": {"message": "nsfw"}}},
        ),
    ],
)
def test_poll_answers(pid: str, running: dict, done: dict, failed: dict) -> None:
    adapter = ADAPTERS[pid]
    assert adapter.polled(running).state == "running"
    state = adapter.polled(done)
    assert state.state == "done" and state.urls == ("https://r/w.mp4",)
    assert state.cost_usd == (Decimal("1.75") if pid == "runware" else None)
    state = adapter.polled(failed)
    assert state.state == "failed" and "nsfw" in (state.error or "")


def test_qingbo_answers_as_the_status_page_shows_them() -> None:
    """Q6: url is always a string array; cost is quota (500,000 = 1 USD); error {message, code}; five words."""
    adapter = ADAPTERS["qingbo"]
    done = adapter.polled({
        "task_id": "t", "model": "skyreels-v4-fast", "action": "generate", "status": "completed", "progress": "100%",
        "created_at": 1775285160, "completed_at": 1775285320, "billing_status": "settled", "cost": 61875,
        "result": {"videos": [{"expires_at": 1775371560, "url": ["https://cdn.example.com/result.mp4"]}]},
        "urls": {"get": "https://api.qingbo.ai/v1/tasks/t", "cancel": "https://api.qingbo.ai/v1/tasks/t/cancel"},
    })  # Q5's example, field for field  # fmt: skip
    assert done.state == "done" and done.urls == ("https://cdn.example.com/result.mp4",)  # not "['https://…']"
    assert done.cost_usd == Decimal("0.12375")
    queued = adapter.polled({"task_id": "t", "status": "queued", "progress": ""})
    assert (queued.state, queued.detail) == ("running", "queued")
    assert adapter.polled({"task_id": "t", "status": "processing", "progress": "45%"}).detail == "processing 45%"
    assert (
        adapter.polled({"task_id": "t", "status": "processing", "progress": 0}).detail == "processing 0"
    )  # never parsed
    failed = adapter.polled(
        {
            "task_id": "t",
            "status": "failed",
            "cost": 0,
            "error": {
                "message": "[upstream_bad_request] Upstream returned: invalid prompt",
                "code": "upstream_bad_request",
            },
        }
    )
    assert failed.state == "failed" and failed.error == "[upstream_bad_request] Upstream returned: invalid prompt"
    assert (
        adapter.polled({"status": "failed", "error": {"message": "boom", "code": "task_failed"}}).error
        == "boom (task_failed)"
    )
    cancelled = adapter.polled({"task_id": "t", "status": "cancelled", "cost": 0})
    assert cancelled.state == "cancelled" and cancelled.error
    assert adapter.polled({"task_id": "t", "status": "succeeded"}).state == "unknown"  # not in the table
    assert adapter.error_message(
        {"error": {"message": "Rate limit exceeded", "code": "quota_window_exceeded", "reset_at": 9}}
    ) == ("Rate limit exceeded (quota_window_exceeded)")
    assert adapter.is_unknown_job(404, {"error": {"message": "task t not found", "code": "task_not_found"}})


def test_apimart_answers_as_the_status_page_shows_them() -> None:
    """A2/A3: pending / processing / completed / failed / cancelled; url a string or a list; error {code, message, type}."""
    adapter = ADAPTERS["apimart"]
    assert adapter.polled({"code": 200, "data": {"id": "a", "status": "pending", "progress": 0}}).state == "running"
    assert (
        adapter.polled({"code": 200, "data": {"id": "a", "status": "submitted"}}).state == "running"
    )  # the submit's word
    single = adapter.polled({"code": 200, "data": {"id": "a", "status": "completed", "progress": 100,
                             "result": {"videos": [{"url": "https://r/a.mp4", "expires_at": 1}]}}})  # fmt: skip
    assert single.urls == ("https://r/a.mp4",) and single.cost_usd is None  # the pages report no cost
    failed = adapter.polled(
        {
            "code": 200,
            "data": {
                "id": "a",
                "status": "failed",
                "error": {"code": 400, "message": "bad prompt", "type": "invalid_request_error"},
            },
        }
    )
    assert failed.state == "failed" and failed.error == "bad prompt (invalid_request_error)"
    assert adapter.polled({"code": 200, "data": {"id": "a", "status": "cancelled"}}).state == "cancelled"
    assert (
        adapter.polled({"code": 200, "data": {"id": "a", "status": "success"}}).state == "unknown"
    )  # never documented
    assert adapter.error_message({"error": {"code": 402, "message": "账户余额不足", "type": "payment_required"}}) == (
        "账户余额不足 (payment_required)"
    )


# -- settings ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "base", ["https://api.wavespeed.ai", "https://127.0.0.1:8123", "https://[::1]", "https://x.test"]
)
def test_base_urls_allowed(base: str) -> None:
    check_base_url(base, "WAVESPEED_BASE_URL")


@pytest.mark.parametrize(
    "base",
    [
        "http://api.wavespeed.ai",
        "http://10.0.0.2:80",
        "ftp://127.0.0.1",
        "127.0.0.1:80",
        "https://",
        "http://127.0.0.1:8123",
        "http://localhost:9",
        "http://[::1]:80",
    ],  # fmt: skip
)
def test_plain_http_is_refused_even_on_loopback(base: str) -> None:
    with pytest.raises(BuildError, match="WAVESPEED_BASE_URL.*use https://"):
        check_base_url(base, "WAVESPEED_BASE_URL")


def test_an_http_base_url_in_the_environment_is_refused_before_anything_is_sent() -> None:
    env = {"WAVESPEED_API_KEY": "k", "WAVESPEED_BASE_URL": "http://127.0.0.1:8123"}
    with pytest.raises(BuildError, match="WAVESPEED_BASE_URL='http://127.0.0.1:8123': use https://"):
        Settings.from_env(adapters()["wavespeed"], env)


def test_settings_come_from_the_environment() -> None:
    adapter = ADAPTERS["eachlabs"]
    settings = Settings.from_env(
        adapter, {"EACHLABS_API_KEY": "k", "EACHLABS_CONCURRENCY": "3", "EACHLABS_SUBMITS_PER_MINUTE": "20"}
    )
    assert (settings.key, settings.concurrency, settings.submits_per_minute) == ("k", 3, 20)
    assert settings.base_url == "https://api.eachlabs.ai"
    default = Settings.from_env(adapter, {"EACHLABS_API_KEY": "k"})
    assert (default.concurrency, default.submits_per_minute) == (
        10,
        None,
    )  # errors.mdx: 10 in flight, no per-minute limit
    with pytest.raises(BuildError, match="EACHLABS_API_KEY is not set"):
        Settings.from_env(adapter, {})
    with pytest.raises(BuildError, match="EACHLABS_CONCURRENCY"):
        Settings.from_env(adapter, {"EACHLABS_API_KEY": "k", "EACHLABS_CONCURRENCY": "many"})


# -- the one tolerant reading every adapter shares (api.py) ----------------------------------
def test_status_table_reading() -> None:
    from storyboard.run.hosted.api import Statuses

    table = Statuses(
        frozenset({"completed"}), frozenset({"failed"}), frozenset({"processing"}), frozenset({"cancelled"})
    )
    cases = [
        ("completed", (), "done"), ("Failed", (), "failed"), ("CANCELLED", (), "cancelled"), ("processing", (), "running"),
        ("processing", ("https://cdn/a.mp4",), "running"),  # a listed word is believed
        (None, ("https://cdn/a.mp4",), "done"), ("", ("https://cdn/a.mp4",), "done"),  # a result without a status
        ("paused", (), "unknown"), ("paused", ("https://cdn/a.mp4",), "done"), (None, (), "unknown"),
    ]  # fmt: skip
    assert [table.read(word, urls) for word, urls, _ in cases] == [want for _, _, want in cases]
    state = table.state("paused", ())
    assert state.state == "unknown" and state.error == "paused" and state.urls == ()
    assert table.state("failed", (), error="no credit").error == "no credit"


def test_result_urls_are_strings_lists_or_objects_never_a_list_turned_string() -> None:
    from storyboard.run.hosted.api import result_urls

    assert result_urls("https://a") == ("https://a",)
    assert result_urls(["https://a", "https://b"]) == ("https://a", "https://b")
    assert result_urls([{"url": ["https://a"]}, {"url": "https://b"}]) == ("https://a", "https://b")  # qingbo, apimart
    assert result_urls([{"url": ["https://a"]}, "https://a"]) == ("https://a",)  # once each
    assert result_urls([None, 3, {"size": 1}, " "]) == ()


def test_error_text_names_the_qualifier_once() -> None:
    from storyboard.run.hosted.api import error_text

    assert (
        error_text({"message": "bad prompt", "code": "upstream_bad_request"}, "code")
        == "bad prompt (upstream_bad_request)"
    )
    assert (
        error_text({"message": "[upstream_bad_request] bad", "code": "upstream_bad_request"}, "code")
        == "[upstream_bad_request] bad"
    )
    assert error_text({"code": 500}, "type") == "error 500" and error_text("plain", "code") == "plain"
    assert error_text(None, "code") is None
