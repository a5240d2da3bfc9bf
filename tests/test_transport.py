"""The hosted client's transport is injectable (httpx's seam): a build runs in process through
``httpx.MockTransport``, with no server, no socket and no sleep beyond the poll floor."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from storyboard.compile import compile_storyboard
from storyboard.load import load
from storyboard.ops import build
from storyboard.run.hosted import hosted_providers
from storyboard.store import Store
from tests.conftest import Project

BOARD = """
version: 1
settings: {provider: wavespeed, resolution: 480p, duration: 3, output: out/film.mp4}
shots:
  - {id: one, prompt: First.}
  - {id: two, prompt: Second.}
"""


def wavespeed(clip: bytes, seen: list[tuple[str, str]]) -> httpx.MockTransport:
    """WaveSpeed's protocol (seed 000, shared/api-result): submit, one processing poll, completed, the CDN."""
    jobs: dict[str, int] = {}

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        if request.url.host == "cdn.example":
            return httpx.Response(200, content=clip, headers={"Content-Type": "video/mp4"})
        assert request.headers["Authorization"] == "Bearer sk-mock"
        if request.method == "POST":
            job = f"job{len(jobs) + 1}"
            jobs[job] = 0
            assert json.loads(request.content)["duration"] == 3
            return httpx.Response(
                200, json={"code": 200, "message": "success", "data": {"id": job, "status": "created"}}
            )
        job = request.url.path.split("/")[-2]
        jobs[job] += 1
        done = jobs[job] > 1
        data = {"id": job, "status": "completed" if done else "processing",
                "outputs": [f"https://cdn.example/{job}.mp4"] if done else []}  # fmt: skip
        return httpx.Response(200, json={"code": 200, "message": "success", "data": data})

    return httpx.MockTransport(handle)


def test_a_build_through_an_injected_transport(
    project: Project, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAVESPEED_API_KEY", "sk-mock")
    monkeypatch.setenv("STORYBOARD_POLL_SECONDS", "0.01")
    path = project.write(BOARD)
    compiled = compile_storyboard(load(path))
    assert compiled.ok
    seen: list[tuple[str, str]] = []
    with Store(project.root, create=True) as store:
        available = hosted_providers(
            {"wavespeed"}, store, transport=wavespeed((media_dir / "dance.mp4").read_bytes(), seen)
        )
        result = build(compiled, available=available)
    assert result.ok and result.film is not None and result.film.is_file()
    assert sum(1 for method, _ in seen if method == "POST") == 2  # one paid submit per shot
    assert {p for m, p in seen if m == "GET" and p.endswith(".mp4")} == {"/job1.mp4", "/job2.mp4"}
    again = build(compile_storyboard(load(path)))
    assert again.ok and {r.status for r in again.run.shots.values()} == {"cached"}  # nothing sent: no transport needed


def test_a_build_through_a_fakes_own_handler(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same seam over a provider fake's protocol handler (``FakeServer.handle``): no socket."""
    from tests.fakes import PROVIDERS
    from tests.fakes.net import FakeNet

    fake = PROVIDERS["wavespeed"]()
    monkeypatch.setenv("WAVESPEED_API_KEY", fake.key)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake.base_url)
    monkeypatch.setenv("STORYBOARD_POLL_SECONDS", "0.01")
    assert fake.base_url.startswith("https://") and not fake.socket_url  # never served on a socket
    compiled = compile_storyboard(load(project.write(BOARD)))
    try:
        with Store(project.root, create=True) as store:
            result = build(compiled, available=hosted_providers({"wavespeed"}, store, transport=FakeNet(fake)))
        assert result.ok and result.film is not None and result.film.is_file()
        assert fake.submit_count(created=True) == 2 and fake.unfinished() == 0
        assert [s for _, p, s in fake.requests if p.startswith("/files/")] == [200, 200]  # each result fetched once
    finally:
        fake.close()
    assert not fake.errors


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_an_api_redirect_is_not_followed_so_the_key_stays_home(status: int) -> None:
    import asyncio

    import httpx

    from storyboard.errors import ProviderError
    from storyboard.run.hosted import adapters
    from storyboard.run.hosted.api import Call
    from storyboard.run.hosted.settings import Settings
    from storyboard.run.hosted.wire import Wire

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "api.eachlabs.ai":
            return httpx.Response(status, headers={"Location": "https://elsewhere.test/v1/prediction"})
        return httpx.Response(200, json={"status": "success", "predictionID": "p1"})

    adapter = adapters()["eachlabs"]
    settings = Settings.from_env(adapter, {"EACHLABS_API_KEY": "sk-do-not-forward"})
    wire = Wire(adapter, settings, httpx.MockTransport(handler))

    async def submit() -> None:
        try:
            await wire.request(Call("POST", "/v1/prediction", {"model": "x"}), submit=True)
        finally:
            await wire.aclose()

    with pytest.raises(
        ProviderError, match=f"answered {status}, redirecting to https://elsewhere.test.*EACHLABS_BASE_URL"
    ):
        asyncio.run(submit())
    assert [r.url.host for r in seen] == ["api.eachlabs.ai"]  # one request, to the provider only
