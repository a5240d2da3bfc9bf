"""The WaveSpeed adapter's reading of answers, word for word against its mapping table.

Each status, field and error below is cited in ``storyboard/run/hosted/wavespeed.py``:
the reference pages (get-result, shared/api-result, error-codes, account-levels), the
official SDK ``wavespeed`` 2.0.5 and the official desktop client.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from storyboard.errors import ProviderError
from storyboard.run.hosted.settings import Settings
from storyboard.run.hosted.wavespeed import SUBMIT, WaveSpeed
from tests.fakes import FakeServer

W = WaveSpeed()


def answer(**data: object) -> dict[str, object]:
    return {"code": 200, "message": "success", "data": {"id": "w1", "outputs": [], "error": "", **data}}


@pytest.mark.parametrize("status, state", [
    ("created", "running"),  # get-result: queued
    ("processing", "running"),
    ("pending", "running"),  # desktop src/types/prediction.ts
    ("completed", "done"),
    ("failed", "failed"),
    ("timeout", "failed"),  # SDK api/client.py:357-360: terminal
    ("deleted", "failed"),
    ("cancelled", "cancelled"),
    ("Cancelled", "cancelled"),  # the table is read case-blind
    ("paused", "unknown"),  # a word outside the table: the client polls a few times, then stops
])  # fmt: skip
def test_every_status_word_of_the_table(status: str, state: str) -> None:
    outputs = ["https://r/w.mp4"] if state == "done" else []
    got = W.polled(answer(status=status, outputs=outputs))
    assert got.state == state
    assert got.urls == (("https://r/w.mp4",) if state == "done" else ())
    if state in ("failed", "cancelled"):
        assert got.error


def test_terminal_words_without_an_error_text_say_what_happened() -> None:
    assert W.polled(answer(status="cancelled")).error == "the prediction was cancelled"
    assert W.polled(answer(status="timeout")).error == "the prediction timed out"
    assert "deleted" in (W.polled(answer(status="deleted")).error or "")
    assert W.polled(answer(status="failed")).error == "the prediction failed"


@pytest.mark.parametrize("data, text", [
    ({"error": "Failed to download image from the provided URL.", "code": 1402},
     "Failed to download image from the provided URL. (code 1402, media access failed)"),  # error-codes example
    ({"error": "nsfw", "code": 1200}, "nsfw (code 1200, content moderation)"),
    ({"error": "", "code": 5003}, "code 5003, service unavailable"),
    ({"error": "odd", "code": 4242}, "odd (code 4242)"),  # a code the page does not list
    ({"error": "plain", "code": 0}, "plain"),  # 0 is success: not shown
    ({"error": "no code at all"}, "no code at all"),
])  # fmt: skip
def test_the_failure_text_is_data_error_with_data_code(data: dict[str, object], text: str) -> None:
    state = W.polled(answer(status="failed", **data))
    assert state.state == "failed" and state.error == text


def test_outputs_are_read_as_urls_never_stringified() -> None:
    assert W.polled(answer(status="completed", outputs=["https://r/a.mp4", "https://r/b.mp4"])).urls == (
        "https://r/a.mp4", "https://r/b.mp4")  # fmt: skip
    objects = W.polled(answer(status="completed", outputs=[{"url": "https://r/o.mp4"}]))  # desktop: (string | Record)[]
    assert objects.urls == ("https://r/o.mp4",)
    nothing = W.polled(answer(status="completed", outputs=[]))
    assert nothing.state == "done" and nothing.urls == ()  # the client says "finished without a result URL"
    missing_status = W.polled(answer(outputs=["https://r/w.mp4"]))
    assert missing_status.state == "done"  # an item with a result URL is done


def test_a_200_whose_envelope_code_is_not_200_is_a_refusal() -> None:
    """desktop src/api/client.ts runPrediction / getResult: `response.data.code !== 200` throws its message."""
    refused = {"code": 400, "message": "insufficient balance", "data": None}
    with pytest.raises(ProviderError, match="refused the job: code 400: insufficient balance"):
        W.submitted(refused, None)
    with pytest.raises(ProviderError, match="refused the poll: code 500: busy"):
        W.polled({"code": 500, "message": "busy", "data": {"id": "w1", "status": "processing"}})
    assert W.submitted(answer(status="created"), None) == "w1"
    assert W.submitted({"message": "success", "data": {"id": "w2"}}, None) == "w2"  # no code at all: not a refusal
    with pytest.raises(ProviderError, match="sent no id"):
        W.submitted({"code": 200, "message": "success", "data": None}, None)


def test_unknown_job_is_a_404_or_an_envelope_saying_404() -> None:
    assert W.is_unknown_job(404, {"code": 404, "message": "prediction not found"})
    assert W.is_unknown_job(200, {"code": 404, "message": "prediction not found", "data": None})
    assert not W.is_unknown_job(200, answer(status="processing"))
    assert not W.is_unknown_job(500, None)


def test_default_limits_are_bronze_and_the_environment_raises_them() -> None:
    """account-levels: Bronze (the default level) 2 videos/min, 2 at once; Silver 500 and 300."""
    default = Settings.from_env(W, {"WAVESPEED_API_KEY": "k"})
    assert (default.concurrency, default.submits_per_minute) == (2, 2)
    silver = Settings.from_env(
        W, {"WAVESPEED_API_KEY": "k", "WAVESPEED_CONCURRENCY": "300", "WAVESPEED_SUBMITS_PER_MINUTE": "500"}
    )
    assert (silver.concurrency, silver.submits_per_minute) == (300, 500)


# -- the fake answers in the reference's shapes ------------------------------------------------
def _wire(fake: FakeServer) -> httpx.Client:
    return httpx.Client(
        base_url=fake.base_url, transport=fake.transport(), headers={"Authorization": f"Bearer {fake.key}"}, timeout=20
    )


BODY = {"prompt": "a cafe at dawn", "duration": 3, "resolution": "480p"}


def test_the_fake_answers_the_prediction_object(fake_net: Callable[..., FakeServer]) -> None:
    fake = fake_net("wavespeed")
    with _wire(fake) as c:
        job = c.post(SUBMIT, json=BODY).json()["data"]["id"]
        running = c.get(f"/api/v3/predictions/{job}/result").json()["data"]
        assert running["status"] == "processing" and running["outputs"] == [] and running["has_nsfw_contents"] == []
        done = c.get(f"/api/v3/predictions/{job}").json()  # get-result's form, without /result
        data = done["data"]
        assert done["code"] == 200 and data["status"] == "completed" and data["code"] == 0 and data["error"] == ""
        assert len(data["outputs"]) == 1 and data["has_nsfw_contents"] == [False]  # one boolean per output
        assert set(data) == {
            "id",
            "model",
            "outputs",
            "urls",
            "has_nsfw_contents",
            "status",
            "created_at",
            "error",
            "code",
            "timings",
        }
        assert W.polled(done).urls == tuple(data["outputs"])


@pytest.mark.parametrize("word, error, code, state", [
    ("cancelled", "", 0, "cancelled"),
    ("timeout", "the task timed out (injected)", 5004, "failed"),
    ("deleted", "", 0, "failed"),
])  # fmt: skip
def test_the_fake_ends_a_job_with_each_terminal_word(
    fake_net: Callable[..., FakeServer], word: str, error: str, code: int, state: str
) -> None:
    fake = fake_net("wavespeed", min_polls=5)
    with _wire(fake) as c:
        job = c.post(SUBMIT, json=BODY).json()["data"]["id"]
        assert c.get(f"/api/v3/predictions/{job}/result").json()["data"]["status"] == "processing"
        fake.inject("poll", f"status:{word}")
        for _ in range(2):  # it stays ended
            answer = c.get(f"/api/v3/predictions/{job}/result").json()
            data = answer["data"]
            assert (data["status"], data["error"], data["code"], data["outputs"]) == (word, error, code, [])
        assert fake.jobs[job].status == "failed" and fake.jobs[job].ended == word and fake.jobs[job].files == []
        assert fake.unfinished() == 0
        assert W.polled(answer).state == state


def test_the_status_faults_are_named_apart_from_the_network_timeout(fake_net: Callable[..., FakeServer]) -> None:
    fake = fake_net("wavespeed")
    for endpoint, kind in [("poll", "status:paused"), ("submit", "status:cancelled"), ("download", "status:deleted")]:
        with pytest.raises(ValueError, match="does not apply"):
            fake.inject(endpoint, kind)  # type: ignore[arg-type]
    fake.inject("poll", "timeout")  # the network fault: no answer at all
    fake.inject("poll", "status:timeout")  # the job outcome
    assert fake.faults_left("poll") == 2
    other = fake_net("eachlabs")
    with pytest.raises(ValueError):
        other.inject("poll", "status:timeout")  # a fake offers only the words of its own provider
