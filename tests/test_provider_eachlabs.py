"""The eachlabs adapter's reading of answers, word for word against its mapping table.

Each status, field and error below is cited in ``storyboard/run/hosted/eachlabs.py``: the
reference at docs.eachlabs.ai (get-prediction, create-prediction, errors, the OpenAPI spec,
the error catalog) and seed 001.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from storyboard.errors import ProviderError
from storyboard.run.hosted.eachlabs import Eachlabs
from tests.fakes import FakeServer
from tests.fakes.server import FAILED_MESSAGE

E = Eachlabs()
URL = "https://cdn.eachlabs.ai/out/e.mp4"


def prediction(status: str | None, output: Any = None, **extra: Any) -> dict[str, Any]:
    return {"id": "e1", "input": {}, "status": status, "output": output, "logs": None, "metrics": {}, **extra}


@pytest.mark.parametrize("status, state", [
    ("created", "running"), ("starting", "running"), ("processing", "running"),  # get-prediction
    ("success", "done"),
    ("succeeded", "done"),  # the webhook payload's word
    ("error", "failed"),  # get-prediction, the error catalog: "never failed"
    ("failed", "failed"),  # the OpenAPI enum (older)
    ("cancelled", "cancelled"),  # get-prediction, cancel-prediction
    ("queued", "unknown"),  # not eachlabs' word: the client polls a few times, then stops
])  # fmt: skip
def test_every_status_word_of_the_table(status: str, state: str) -> None:
    got = E.polled(prediction(status, URL if state == "done" else None))
    assert got.state == state
    assert got.urls == ((URL,) if state == "done" else ())


@pytest.mark.parametrize("output, urls", [
    (URL, (URL,)),  # seed 001:51
    ([URL, "https://cdn.eachlabs.ai/out/f.mp4"], (URL, "https://cdn.eachlabs.ai/out/f.mp4")),
    ({"url": URL}, (URL,)),
    ({"urls": [URL]}, (URL,)),
    ({"video": URL, "seed": 7}, (URL,)),  # an object whose URL key is undocumented: its http(s) value
    ([{"url": URL}], (URL,)),
])  # fmt: skip
def test_output_is_a_string_a_list_or_an_object(output: Any, urls: tuple[str, ...]) -> None:
    state = E.polled(prediction("success", output))
    assert state.state == "done" and state.urls == urls
    assert all(u.startswith("https://") for u in state.urls)  # never str() of a dict or a list


def test_cost_is_metrics_cost_in_usd() -> None:
    done = E.polled(prediction("success", URL, metrics={"predict_time": 41.2, "cost": 0.55}))
    assert done.cost_usd == Decimal("0.55")  # "metrics.cost number Cost in USD": no conversion
    assert (
        E.polled(prediction("success", URL, credits=55)).cost_usd is None
    )  # seed 001:11's credits: not an answer field
    failed = E.polled(
        prediction("error", {"error_code": "PROVIDER_FAILED", "error_message": "exec_error"}, metrics={"cost": 0})
    )
    assert failed.state == "failed" and failed.cost_usd is None


@pytest.mark.parametrize("answer, text", [
    # errors.mdx / the error catalog: the failure's output is its error envelope
    (prediction("error", {"error": "Execution failed", "error_code": "PROVIDER_FAILED", "error_message": "exec_error"}),
     "exec_error (PROVIDER_FAILED)"),
    (prediction("error", {"error": "dispatch failed: no GPU", "success": False}), "dispatch failed: no GPU"),
    (prediction("error", [{"error": "upstream refused"}]), "upstream refused"),  # the webhook form wraps it in a list
    (prediction("error", None, logs="step 1\nstep 2\nNSFW content detected"), "step 1\nstep 2\nNSFW content detected"),
    (prediction("error", None, message="nsfw", details="policy"), "nsfw"),  # seed 001:66 message / details
    (prediction("error"), "the prediction failed"),
    (prediction("cancelled"), "the prediction was cancelled"),
])  # fmt: skip
def test_the_failure_text(answer: dict[str, Any], text: str) -> None:
    state = E.polled(answer)
    assert state.error == text


def test_an_error_envelope_output_is_a_failure_whatever_the_status() -> None:
    state = E.polled(prediction("success", {"error_code": "INPUT_VALIDATION_ERROR", "error_message": "bad ratio"}))
    assert state.state == "failed" and state.error == "bad ratio (INPUT_VALIDATION_ERROR)" and state.urls == ()
    assert E.polled(prediction("cancelled", {"error_code": "X", "error_message": "y"})).state == "cancelled"


def test_submit_answers_and_refusals() -> None:
    assert (
        E.submitted({"status": "success", "message": "Prediction created successfully", "predictionID": "p1"}, None)
        == "p1"
    )
    assert E.submitted({"id": "p2"}, None) == "p2"
    with pytest.raises(ProviderError, match="refused the job: Invalid input"):
        E.submitted({"status": "error", "message": "Invalid input", "details": "duration"}, None)  # seed 001:79
    with pytest.raises(ProviderError, match="refused the job: model field is required"):
        E.submitted({"error": "model field is required"}, None)  # create-prediction
    with pytest.raises(ProviderError, match="sent no predictionID"):
        E.submitted({"status": "success"}, None)


def test_error_bodies_join_the_terse_error_and_its_details() -> None:
    """errors.mdx: 402 and 429 say "payment required" / "too many requests"; `details` names the cap."""
    limited = {"status": 429, "error": "too many requests",
               "details": "Account rate limited: accounts with a balance of $10.00 or less are limited to 10 concurrent executions."}  # fmt: skip
    assert E.error_message(limited) == f"too many requests: {limited['details']}"
    assert E.error_message({"error": "Prediction not found"}) == "Prediction not found"
    assert E.error_message({"status": "error", "message": "Invalid input", "details": "Missing"}) == "Invalid input"
    assert E.error_message({"error": "payment required", "details": None}) == "payment required"


def test_is_unknown_job_is_the_404() -> None:
    assert E.is_unknown_job(404, {"error": "Prediction not found"})
    assert not E.is_unknown_job(200, prediction("processing"))


# -- the fake answers in the reference's shapes ------------------------------------------------
def _wire(fake: FakeServer) -> httpx.Client:
    return httpx.Client(
        base_url=fake.base_url, transport=fake.transport(), headers={"Authorization": f"Bearer {fake.key}"}, timeout=20
    )


def _body(**input: Any) -> dict[str, Any]:
    return {"model": "skyreels-v4-reference-to-video", "version": "0.0.1",
            "input": {"prompt": "a cafe at dawn", "duration": 3, "resolution": "480p", **input}}  # fmt: skip


@pytest.mark.parametrize("input, cost", [
    ({}, 0.33),  # std 480p $0.11/s x 3 s (seed 001:11)
    ({"mode": "fast", "resolution": "720p"}, 0.33),  # fast 720p $0.11/s
    ({"resolution": "1080p", "duration": 5}, 1.75),  # std 1080p $0.35/s x 5 s
])  # fmt: skip
def test_the_fake_runs_created_starting_processing_success_with_its_cost(
    fake_net: Callable[..., FakeServer], input: dict[str, Any], cost: float
) -> None:
    fake = fake_net("eachlabs", min_polls=3)
    with _wire(fake) as c:
        created = c.post("/v1/prediction", json=_body(**input)).json()
        job = created["predictionID"]
        answers = [c.get(f"/v1/prediction/{job}").json() for _ in range(4)]
    assert [a["status"] for a in answers] == ["created", "starting", "processing", "success"]
    done = answers[-1]
    assert set(done) == {"id", "input", "status", "output", "logs", "metrics", "urls"} and done["id"] == job
    assert done["input"] == _body(**input)["input"] and done["logs"] is None
    assert done["metrics"]["cost"] == pytest.approx(cost) and done["metrics"]["predict_time"] >= 0
    assert done["urls"] == {
        "cancel": fake.url(f"/v1/prediction/{job}/cancel"),
        "get": fake.url(f"/v1/prediction/{job}"),
    }
    assert all(E.polled(a).state == "running" for a in answers[:3])
    state = E.polled(done)
    assert (
        state.state == "done"
        and state.urls == (done["output"],)
        and state.cost_usd == Decimal(str(done["metrics"]["cost"]))
    )


def test_the_fake_cancels_a_prediction_at_no_cost(fake_net: Callable[..., FakeServer]) -> None:
    fake = fake_net("eachlabs", min_polls=5)
    with _wire(fake) as c:
        job = c.post("/v1/prediction", json=_body()).json()["predictionID"]
        c.get(f"/v1/prediction/{job}")
        fake.inject("poll", "status:cancelled")
        answer = c.get(f"/v1/prediction/{job}").json()
        assert (answer["status"], answer["output"], answer["metrics"]["cost"]) == ("cancelled", None, 0)
        assert c.get(f"/v1/prediction/{job}").json()["status"] == "cancelled"  # it stays cancelled
    assert fake.unfinished() == 0
    state = E.polled(answer)
    assert state.state == "cancelled" and state.error == "the prediction was cancelled"


def test_the_fake_fails_with_the_error_envelope_the_adapter_reads(fake_net: Callable[..., FakeServer]) -> None:
    fake = fake_net("eachlabs")
    with _wire(fake) as c:
        job = c.post("/v1/prediction", json=_body()).json()["predictionID"]
        fake.inject("poll", "failed")
        answer = c.get(f"/v1/prediction/{job}").json()
        missing = c.get("/v1/prediction/no-such-id")
    assert answer["status"] == "error" and answer["output"]["error_code"] == "PROVIDER_FAILED"
    state = E.polled(answer)
    assert state.state == "failed" and state.error == f"{FAILED_MESSAGE} (PROVIDER_FAILED)"
    assert missing.status_code == 404 and missing.json() == {"error": "Prediction not found"}
    assert E.is_unknown_job(missing.status_code, missing.json())
