"""A team store for tests: moto's S3 server on loopback, with its conditional writes made atomic.

moto implements ``If-None-Match`` and ``If-Match`` on PutObject and ``If-Match`` on DeleteObject
from 5.1.5 (pyproject pins it). S3 (and MinIO, R2) decide such a write atomically; moto's
threaded server checks the condition and writes in two steps, so two requests at one instant
could both pass. The server here is moto's own WSGI app behind one lock (moto keeps every
object in memory: a request takes milliseconds), which gives the atomicity the real services
promise and nothing more. ``age`` moves an object's Last-Modified back, as ``os.utime`` ages a
file: a claim expires without the test sleeping.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.hosted_fixtures import aws_env

TEAM_BUCKET = "storyboard-team"


@dataclass
class TeamS3:
    endpoint: str
    bucket: str
    aws: dict[str, str]
    prefix: str = "team"

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def env(self, prefix: str | None = None, claim_seconds: float = 60) -> dict[str, str]:
        """What a machine of the team sets: the store, its endpoint, the credentials."""
        return {
            **self.aws,
            "STORYBOARD_STORE": f"s3://{self.bucket}/{prefix or self.prefix}",
            "STORYBOARD_STORE_ENDPOINT": self.endpoint,
            "STORYBOARD_CLAIM_SECONDS": str(claim_seconds),
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.aws["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.aws["AWS_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        )

    def keys(self, under: str, prefix: str | None = None) -> list[str]:
        """Object keys under ``<prefix>/<under>/``, relative to the prefix."""
        start = f"{prefix or self.prefix}/"
        found: list[str] = []
        for page in self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start + under):
            found += [item["Key"][len(start) :] for item in page.get("Contents", [])]
        return sorted(found)

    def age(self, keys: Iterable[str], seconds: float, prefix: str | None = None) -> None:
        """Make objects look ``seconds`` older to the server (its Last-Modified moved back)."""
        from moto.s3.models import s3_backends

        for key in keys:
            name = f"{prefix or self.prefix}/{key}"
            for backend in _backends(s3_backends):
                obj = backend.get_object(self.bucket, name) if self.bucket in backend.buckets else None
                if obj is not None:
                    obj.last_modified = obj.last_modified - timedelta(seconds=seconds)


def _backends(registry: Any) -> Iterator[Any]:
    for account in list(registry.keys()):
        for backend in registry[account].values():
            if hasattr(backend, "buckets"):
                yield backend


def _quiet_handler() -> type:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class Quiet(MotoRequestHandler):  # type: ignore[misc]
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # one line per request would drown a failing test's output

    return Quiet


class _Serialised:
    """A WSGI app one request at a time (see the module's docstring)."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self.lock:
            return list(self.app(environ, start_response))  # the body read under the lock too


@pytest.fixture(scope="module")
def team_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamS3]:
    import boto3
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    aws = aws_env(tmp_path_factory.mktemp("aws") / "none")
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            mp.delenv(name)
        for name, value in aws.items():
            mp.setenv(name, value)
        app = _Serialised(DomainDispatcherApplication(create_backend_app))
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_quiet_handler())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        endpoint = f"http://127.0.0.1:{server.server_port}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=TEAM_BUCKET)
        try:
            yield TeamS3(endpoint, TEAM_BUCKET, aws)
        finally:
            server.shutdown()
            thread.join(timeout=10)


def machine(base: Path, name: str, media_dir: Path, board: str) -> Path:
    """A folder as one machine of the team has it: the storyboard and its refs, no store yet."""
    import shutil

    root = base / name
    (root / "refs").mkdir(parents=True)
    for item in media_dir.iterdir():
        shutil.copy(item, root / "refs" / item.name)
    (root / "storyboard.yaml").write_text(board)
    return root
