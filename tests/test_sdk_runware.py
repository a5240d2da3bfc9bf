"""Runware's own SDK (PyPI ``runware-sdk``, REST transport) against our Runware fake.

If the fake answers in shapes Runware's SDK cannot read, the fake is wrong, and so would be
every adapter test that trusts it. The SDK is pointed at the fake the only way it allows, a
constructor argument: ``http_base_url`` is the full POST URL (runware/types/sdk.py:57,
transport/rest.py:76). Its poll loop sleeps 1.0 s, 0.5 s, 0.75 s ... with no setting to change
it (client.py:648-687), so these tests either replace ``runware.client._interruptible_sleep``
(recording what it asked for) or call ``get_response`` themselves: no test waits on a clock.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

import av
import httpx
import pytest
import runware.client
from runware import Runware, RunwareError

from storyboard.compile.request import Request
from storyboard.run.hosted import adapters
from tests.fakes import FakeServer
from tests.fakes.server import FAILED_MESSAGE

ADAPTER = adapters()["runware"]
TASK: dict[str, Any] = {  # a videoInference as a user of the SDK writes it; taskType given, so no registry lookup
    "taskType": "videoInference",
    "model": "skywork:skyreels@v4",  # an AIR id (`:` and `@`): no model-slug lookup either (client.py:548-560)
    "positivePrompt": "a lighthouse at dusk",
    "width": 848,
    "height": 480,
    "duration": 3,
    "outputType": "URL",
    "outputFormat": "MP4",
    "includeCost": True,
    "settings": {"audio": True, "promptExtend": False},
}


def sdk(server: FakeServer) -> Runware:
    return Runware(api_key=server.key, transport="rest", http_base_url=f"{server.base_url}/v1", max_retries=0)


def run(coro: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(coro())


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The SDK's poll pauses, recorded instead of slept."""
    asked: list[float] = []

    async def no_sleep(seconds: float, cancel_event: asyncio.Event | None) -> None:
        asked.append(seconds)
        await asyncio.sleep(0)

    # a private name: if a release renames it the SDK just sleeps its ~2 s, and the tests still hold
    if hasattr(runware.client, "_interruptible_sleep"):
        monkeypatch.setattr(runware.client, "_interruptible_sleep", no_sleep)
    return asked


def test_run_submits_polls_and_reads_the_video_and_its_cost(
    fake_provider: Callable[..., FakeServer], sleeps: list[float]
) -> None:
    server = fake_provider("runware", min_polls=1)

    async def go() -> list[dict[str, Any]]:
        async with sdk(server) as client:
            return await client.run(dict(TASK))

    (item,) = run(go)
    task_uuid = server.submits[0].body[0]["taskUUID"]  # the SDK chose it
    assert item["taskUUID"] == task_uuid and list(server.jobs) == [task_uuid]
    assert item["videoURL"] == server.url(f"/files/{task_uuid}.mp4") and "status" not in item
    assert item["cost"] == pytest.approx(0.11 * 3)  # 848x480 is a 480p size: the 480p price, 3 s
    assert isinstance(item["seed"], int) and item["videoUUID"]
    assert [(m, p, s) for m, p, s in server.requests] == [("POST", "/v1", 200)] * 3  # submit, processing, result
    assert server.submits[0].body[0]["deliveryMethod"] == "async"  # the SDK's default (client.py:277)

    with av.open(io.BytesIO(httpx.get(item["videoURL"]).content)) as clip:
        video = clip.streams.video[0]
        assert (video.width, video.height) == (848, 480)


def test_get_response_by_hand_reads_what_our_adapter_reads(fake_provider: Callable[..., FakeServer]) -> None:
    """Our adapter's own body, submitted as it is; then the SDK's getResponse, one call per poll."""
    server = fake_provider("runware", min_polls=2)
    task_id = ADAPTER.new_task_id()
    request = Request(
        provider="runware", model="skyreels-v4-std", tier="std", mode="t2v", action="generate", prompt="a cafe at dawn",
        duration=4, resolution="720p", aspect_ratio="9:16", width=720, height=1280, sound=True, prompt_optimizer=True,
    )  # fmt: skip
    body = ADAPTER.body(request, lambda ref, kind: "unused", task_id)
    ack = httpx.post(f"{server.base_url}/v1", json=body, headers=ADAPTER.headers(server.key))
    assert ack.status_code == 200 and ADAPTER.submitted(ack.json(), task_id) == task_id

    async def go() -> list[list[dict[str, Any]]]:
        answers = []
        async with sdk(server) as client:
            for _ in range(3):
                answers.append(await client.get_response({"taskUUID": task_id}))
        return answers

    pending, still, (done,) = run(go)
    assert [i["status"] for i in pending + still] == ["processing", "processing"]
    assert ADAPTER.polled({"data": pending}).state == "running"
    assert "status" not in done and done["taskUUID"] == task_id
    state = ADAPTER.polled({"data": [done]})
    assert state.state == "done" and state.urls == (done["videoURL"],)
    assert state.cost_usd == Decimal(str(done["cost"])) and done["cost"] == pytest.approx(0.14 * 4)  # 720p, 4 s


def test_number_results_gives_the_sdk_that_many_results_and_our_adapter_each_its_own(
    fake_provider: Callable[..., FakeServer], sleeps: list[float]
) -> None:
    """seed 002 numberResults: one task, N result items sharing its taskUUID, each its own video, UUID, seed, cost;
    the SDK waits for all N (client.py:271, 1112) and our adapter reads them in the order it gives the takes."""
    server = fake_provider("runware", min_polls=1)

    async def go() -> list[dict[str, Any]]:
        async with sdk(server) as client:
            return await client.run({**TASK, "numberResults": 3})

    items = run(go)
    task_uuid = server.submits[0].body[0]["taskUUID"]
    assert len(items) == 3 and {i["taskUUID"] for i in items} == {task_uuid} and list(server.jobs) == [task_uuid]
    assert len({i["videoURL"] for i in items}) == 3 and len({i["videoUUID"] for i in items}) == 3
    assert len({i["seed"] for i in items}) == 3  # "Each result uses a different seed" (almost surely)
    assert all(i["cost"] == pytest.approx(0.11 * 3) for i in items)  # each result priced on its own
    state = ADAPTER.polled({"data": items})
    assert state.state == "done" and set(state.urls) == {i["videoURL"] for i in items}
    assert state.costs == (Decimal(str(items[0]["cost"])),) * 3


def test_a_failed_task_is_the_sdks_error(fake_provider: Callable[..., FakeServer], sleeps: list[float]) -> None:
    server = fake_provider("runware")
    server.inject("poll", "failed")
    task_uuid = str(uuid.uuid4())

    async def go() -> None:
        async with sdk(server) as client:
            await client.run({**TASK, "taskUUID": task_uuid})

    with pytest.raises(RunwareError) as caught:
        run(go)
    error = caught.value
    assert error.message == FAILED_MESSAGE and error.task_uuid == task_uuid  # read from the item's error.message
    assert server.jobs[task_uuid].status == "failed" and len(server.requests) == 2  # submit, then the failed poll


def test_an_unknown_task_uuid_is_not_found(fake_provider: Callable[..., FakeServer]) -> None:
    server = fake_provider("runware")
    unknown = str(uuid.uuid4())

    async def go() -> None:
        async with sdk(server) as client:
            await client.get_response({"taskUUID": unknown})

    with pytest.raises(RunwareError) as caught:
        run(go)
    error = caught.value
    assert error.code == "notFound" and error.status_code == 400 and not error.retryable  # taskFailedOrNotFound
    assert error.task_uuid == unknown and unknown in error.message


def test_a_resent_task_uuid_is_a_conflict(fake_provider: Callable[..., FakeServer], sleeps: list[float]) -> None:
    server = fake_provider("runware")
    task_uuid = str(uuid.uuid4())

    async def go() -> tuple[list[dict[str, Any]], RunwareError]:
        async with sdk(server) as client:
            first = await client.run({**TASK, "taskUUID": task_uuid})
            try:
                await client.run({**TASK, "taskUUID": task_uuid})
            except RunwareError as e:
                return first, e
            raise AssertionError("the resent taskUUID was accepted")

    first, error = run(go)
    assert first[0]["taskUUID"] == task_uuid
    assert error.code == "validation" and error.status_code == 400 and not error.retryable  # conflictTaskUUID
    assert error.task_uuid == task_uuid and len(server.jobs) == 1


def test_the_references_refusals_reach_the_sdk(fake_provider: Callable[..., FakeServer]) -> None:
    server = fake_provider("runware")

    async def go(task: dict[str, Any]) -> RunwareError:
        async with sdk(server) as client:
            try:
                await client.run(task)
            except RunwareError as e:
                return e
        raise AssertionError(f"accepted {task}")

    both = asyncio.run(go({**TASK, "resolution": "480p"}))
    assert (
        both.code == "validation"
        and both.parameter == "resolution"
        and "cannot be used with width/height" in both.message
    )
    odd = asyncio.run(go({**TASK, "width": 854}))
    assert odd.code == "validation" and "854x480" in odd.message  # unsupportedDimensions
    assert server.jobs == {}
