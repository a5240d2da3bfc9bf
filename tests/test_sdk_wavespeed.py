"""WaveSpeed's own Python SDK (PyPI `wavespeed`) driving our WaveSpeed fake.

The fake is written from the reference pages; the SDK is the vendor's reading of the same
protocol. Where both agree the fake is a fair stand-in, and these tests pin the vendor rules
our client follows: terminal statuses (``api/client.py:357-360``: failed, cancelled, timeout,
deleted), outputs as a list of URLs (``:354-355``), and a submit sent at most once, even
after a 5xx ("Submission POSTs are intentionally sent at most once", ``config.py:50-51``;
"Submission errors are ambiguous (the task may already exist)", ``api/client.py:371-376``).

``Client(api_key=..., base_url=...)`` is used rather than WAVESPEED_API_KEY, which the SDK reads
once at import (``config.py:19``). ``retry_interval=0`` keeps its poll retries from sleeping; it
prints each retry to stdout (``api/client.py:281-285``), which pytest captures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from wavespeed import Client

from storyboard.run.hosted.wavespeed import WaveSpeed
from tests.fakes import FakeServer
from tests.fakes.server import FAILED_MESSAGE
from tests.fakes.wavespeed import MODEL

BODY = {"prompt": "@hero walks through the rain", "aspect_ratio": "16:9", "duration": 3, "resolution": "480p",
        "sound": False, "mode": "std"}  # fmt: skip


def client(fake: FakeServer, **options: Any) -> Client:
    return Client(api_key=fake.key, base_url=fake.base_url, retry_interval=0, **options)


def posts(fake: FakeServer) -> int:
    return sum(1 for method, _, _ in fake.requests if method == "POST")


def test_the_sdk_runs_a_job_to_its_outputs(fake_provider: Callable[..., FakeServer]) -> None:
    fake = fake_provider("wavespeed", min_polls=2)
    out = client(fake).run(MODEL, BODY, poll_interval=0, timeout=30)
    (url,) = out["outputs"]
    assert url.startswith(fake.base_url + "/files/")
    job_id = next(iter(fake.jobs))
    assert [(m, s) for m, _, s in fake.requests] == [("POST", 200)] + [
        ("GET", 200)
    ] * 3  # 2 in progress, then completed
    clip = httpx.get(url)
    assert clip.status_code == 200 and clip.headers["content-type"] == "video/mp4"

    envelope = client(fake).get_result(job_id)  # the whole envelope, as our adapter reads it
    assert envelope["code"] == 200 and envelope["data"]["status"] == "completed"
    assert envelope["data"]["has_nsfw_contents"] == [False] and envelope["data"]["code"] == 0
    state = WaveSpeed().polled(envelope)
    assert state.state == "done" and state.urls == (url,)  # the SDK and our adapter read the same answer alike


def test_a_failed_job_raises_its_error_and_is_not_run_again(fake_provider: Callable[..., FakeServer]) -> None:
    fake = fake_provider("wavespeed")
    fake.inject("poll", "failed")
    with pytest.raises(RuntimeError) as caught:
        client(fake).run(MODEL, BODY, poll_interval=0, timeout=30, max_retries=2)
    assert FAILED_MESSAGE in str(caught.value)  # the fake's own text reaches the SDK's caller
    assert posts(fake) == 1  # a content failure is not re-run (only "HTTP 5" / "HTTP 429" in its text, :380-383)
    (job,) = fake.jobs.values()
    state = WaveSpeed().polled(client(fake).get_result(job.id))
    assert state.state == "failed" and state.error == f"{FAILED_MESSAGE} (code 1200, content moderation)"


@pytest.mark.parametrize("word, text, state", [
    ("cancelled", "Unknown error", "cancelled"),  # no error text: the SDK says "Unknown error"
    ("timeout", "the task timed out (injected)", "failed"),
    ("deleted", "Unknown error", "failed"),
])  # fmt: skip
def test_cancelled_timeout_and_deleted_end_the_wait(
    fake_provider: Callable[..., FakeServer], word: str, text: str, state: str
) -> None:
    fake = fake_provider("wavespeed", min_polls=3)
    fake.inject("poll", f"status:{word}")
    with pytest.raises(RuntimeError):
        client(fake).run(MODEL, BODY, poll_interval=0, timeout=30, max_retries=2)
    assert posts(fake) == 1 and len(fake.requests) == 2  # one submit, one poll: the first terminal answer ends it
    (job,) = fake.jobs.values()
    ours = WaveSpeed().polled(client(fake).get_result(job.id))
    assert ours.state == state and ours.error  # our adapter ends the wait on the same words


@pytest.mark.parametrize("kind", ["500", "503", "429"])
def test_a_submit_answered_5xx_or_429_is_sent_once(fake_provider: Callable[..., FakeServer], kind: str) -> None:
    """The vendor's rule our client follows: a submit is not resent after an answer that may hide a job."""
    fake = fake_provider("wavespeed")
    fake.inject("submit", kind, created=kind != "429")  # a 5xx may come after the task was made
    with pytest.raises(RuntimeError):
        client(fake).run(MODEL, BODY, poll_interval=0, timeout=30, max_retries=3)
    assert fake.submit_count() == 1  # not retried, not re-run (config.py:50-51)
    assert len(fake.jobs) == (0 if kind == "429" else 1)  # the job behind the 5xx exists, and would be billed


def test_a_submit_without_an_answer_is_not_resent(fake_provider: Callable[..., FakeServer]) -> None:
    fake = fake_provider("wavespeed")
    fake.inject("submit", "reset")  # the provider took the job, the answer was lost
    with pytest.raises(RuntimeError):
        client(fake).run(MODEL, BODY, poll_interval=0, timeout=30, max_retries=3)
    assert fake.submit_count() == 1 and len(fake.jobs) == 1


def test_polls_are_retried_after_5xx_and_429(
    fake_provider: Callable[..., FakeServer], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = fake_provider("wavespeed")
    fake.inject("poll", "500")
    fake.inject("poll", "429")
    out = client(fake, max_connection_retries=2).run(MODEL, BODY, poll_interval=0, timeout=30)
    assert len(out["outputs"]) == 1
    assert [s for m, _, s in fake.requests if m == "GET"] == [500, 429, 200, 200]
    capsys.readouterr()  # the SDK prints each retry; its words are its own


def test_a_queued_job_answers_created_and_the_sdk_keeps_polling(fake_provider: Callable[..., FakeServer]) -> None:
    """account-levels: Bronze runs 2 at once, "if you submit a 3rd, it will wait until one finishes"."""
    fake = fake_provider("wavespeed", min_polls=2)
    sdk = client(fake)
    submit = f"{fake.base_url}/api/v3/{MODEL}"
    first, second, third = (
        httpx.post(submit, json=BODY, headers={"Authorization": f"Bearer {fake.key}"}).json()["data"]["id"]
        for _ in range(3)
    )
    assert sdk.get_result(third)["data"]["status"] == "created"  # queued behind the first two
    assert sdk.get_result(first)["data"]["status"] == "processing"
    for job in (first, second):
        assert "completed" in [sdk.get_result(job)["data"]["status"] for _ in range(3)]
    seen = [sdk.get_result(third)["data"]["status"] for _ in range(4)]
    assert "created" not in seen and seen[-1] == "completed"  # its turn came: it runs to the end


def test_refusals_the_sdk_reports_with_the_fakes_message(fake_provider: Callable[..., FakeServer]) -> None:
    fake = fake_provider("wavespeed")
    with pytest.raises(RuntimeError, match="fast mode currently requires sound=false"):  # the fake's words
        client(fake).run(MODEL, {**BODY, "mode": "fast", "sound": True}, poll_interval=0, timeout=30)
    with pytest.raises(RuntimeError):
        Client(api_key="wrong", base_url=fake.base_url, retry_interval=0).run(MODEL, BODY, poll_interval=0, timeout=30)
    with pytest.raises(RuntimeError):
        client(fake).get_result("0123456789abcdef")
    assert [s for _, _, s in fake.requests] == [400, 401, 404]
    assert fake.jobs == {}
