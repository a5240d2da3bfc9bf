"""Shared by the builds through hosted providers: the fake's env, a moto S3, one `Hosted` per test.

A pytest plugin (see conftest.py), so every test module gets the `hosted`, `fake_net` and
`s3` fixtures without importing them. The fakes run in process: a build's hosted clients
reach them through an injected transport (``tests.fakes.net.FakeNet``); only a build in
another process (kill -9, Ctrl-C, two at once) makes a fake open a loopback socket.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncBaseTransport

import storyboard.run.hosted
from storyboard.media.probe import probe_clip
from storyboard.run.hosted.client import HostedProvider
from storyboard.store import Store
from tests.conftest import Project
from tests.fakes import PROVIDERS, FakeServer
from tests.fakes.net import ROUTES_VAR, FakeNet, encode_routes

KEY = "sk-live-3f9c2e71d6a84b0c9e5f"  # a key that must never reach disk, logs or messages
BUCKET = "storyboard-e2e"

BOARD = """
version: 1
settings: {{provider: {provider}, resolution: {resolution}, duration: 3, output: out/film.mp4}}
characters:
  Mara: {{images: [refs/a.png]}}
shots:
  - {{id: open, prompt: The cafe at dawn.}}
  - {{id: pour, prompt: "@Mara pours latte art."}}
  - {{id: move, motion: pour, prompt: "A dancer repeats the move in @pour."}}
"""
TEXT_ONLY = """
version: 1
settings: {{provider: {provider}, resolution: 480p, duration: 3, output: out/film.mp4}}
shots:
  - {{id: one, prompt: First.}}
  - {{id: two, prompt: Second.}}
  - {{id: three, prompt: Third.}}
"""
RESOLUTION = {"runware": "1080p"}  # its page: a reference video has at least 1,866,240 pixels


@dataclass
class S3:
    endpoint: str


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3]:
    import boto3
    from moto.server import ThreadedMotoServer

    nowhere = tmp_path_factory.mktemp("aws") / "none"
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            mp.delenv(name)
        for name, value in aws_env(nowhere).items():
            mp.setenv(name, value)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
        try:
            yield S3(endpoint)
        finally:
            server.stop()


def aws_env(nowhere: Path) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(nowhere),
        "AWS_SHARED_CREDENTIALS_FILE": str(nowhere),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@dataclass
class Hosted:
    project: Project
    server: FakeServer
    provider: str
    env: dict[str, str]

    def build(self, *args: str) -> tuple[int, str]:
        result = self.project.cli("build", str(self.project.root / "storyboard.yaml"), "--yes", *args)
        assert "Traceback" not in result.output, result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.output

    def journal(self) -> dict[str, tuple[str, str | None]]:
        db = sqlite3.connect(self.project.root / ".storyboard" / "state.db")
        try:
            rows = db.execute("SELECT b.shot, j.status, j.job_id FROM jobs j JOIN builds b ON b.key = j.key").fetchall()
            pending = db.execute("SELECT status, job_id FROM jobs").fetchall()
        finally:
            db.close()
        found = {shot: (status, job) for shot, status, job in rows}
        found.update({f"?{i}": row for i, row in enumerate(pending) if row[1] not in {j for _, j in found.values()}})
        return found

    def film_seconds(self) -> float:
        return probe_clip(self.project.root / "out" / "film.mp4").seconds

    def crash_between_request_and_answer(self) -> None:
        """kill -9 a build after the provider made its first job but before the answer reached it."""
        hold = self.server.hold("submit")
        process = self.subprocess_build("--jobs", "1")
        self.server.wait_for(lambda: self.server.submit_count(created=True) == 1, timeout=60)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        hold.release()

    def subprocess_build(self, *args: str) -> subprocess.Popen[bytes]:
        """A build in a process of its own, reaching the fake's loopback socket (opened on first use)."""
        if not self.server.socket_url:
            self.server.start(advertise_socket=False)
        env = {**os.environ, **self.env, ROUTES_VAR: encode_routes([self.server])}
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.fakes.launch",
                "build",
                str(self.project.root / "storyboard.yaml"),
                "--yes",
                *args,
            ],  # fmt: skip
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )


@pytest.fixture
def fake_net(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., FakeServer]]:
    """In-process fakes: ``fake_net("runware", latency=0.2)``; every build in this process reaches them.

    The hosted clients a build makes get a :class:`FakeNet` transport (unless one is given),
    so the CLI and ``build()`` run unchanged. Clips are cached once per session, each fake
    is closed at teardown, and a bug inside a fake (an internal 500) fails the test.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the session's workers: a clip is rendered whole, then renamed into place
    cache = root / "fake-clips"
    cache.mkdir(exist_ok=True)
    net = FakeNet()
    fakes: list[FakeServer] = []
    original = storyboard.run.hosted.hosted_providers

    def through_the_fakes(
        ids: set[str],
        store: Store,
        environ: Mapping[str, str] | None = None,
        transport: AsyncBaseTransport | None = None,
    ) -> dict[str, HostedProvider]:
        return original(ids, store, environ, transport if transport is not None else net)

    monkeypatch.setattr(storyboard.run.hosted, "hosted_providers", through_the_fakes)

    def make(provider_id: str, **options: Any) -> FakeServer:
        options.setdefault("cache_dir", cache)
        fake = PROVIDERS[provider_id](**options)
        fakes.append(fake)
        net.add(fake)
        return fake

    yield make
    for fake in fakes:
        fake.close()
    bugs = [e for fake in fakes for e in fake.errors]
    assert not bugs, "a fake raised:\n" + "\n".join(bugs)


@pytest.fixture
def hosted(
    project: Project, fake_net: Callable[..., FakeServer], s3: S3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., Hosted]:
    def start(provider: str, board: str = BOARD, **options: object) -> Hosted:
        server = fake_net(provider, key=KEY, **options)
        prefix = provider.upper()
        env = {
            f"{prefix}_BASE_URL": server.base_url,
            f"{prefix}_API_KEY": KEY,
            f"{prefix}_SUBMITS_PER_MINUTE": "1000",  # the documented defaults are for real accounts (WaveSpeed's: 2)
            "STORYBOARD_POLL_SECONDS": "0.01",
            "STORYBOARD_RETRY_SECONDS": "0.01",
            "STORYBOARD_UPLOAD_URL": f"s3://{BUCKET}/{provider}",
            "STORYBOARD_UPLOAD_ENDPOINT": s3.endpoint,
            **aws_env(tmp_path / "no-aws"),
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        project.write(board.format(provider=provider, resolution=RESOLUTION.get(provider, "480p")))
        return Hosted(project, server, provider, env)

    return start
