"""The object operations a team store needs from its bucket, beyond staging's put / head / presign.

Conditional writes are the coordination (S3, MinIO and R2 answer 412 to a ``PutObject`` whose
``If-None-Match: *`` finds the key taken, or whose ``If-Match`` finds another ETag): a claim
is created, renewed, taken over and dropped with them, never read-then-written. Ages are
measured on the server's clock (its ``Date`` header against the object's ``Last-Modified``),
so machines whose clocks disagree still agree when a claim expired. Files go up and come down
through boto3's managed transfer (s3transfer: multipart and parallel ranges once a file is
big enough to pay for it), and are hashed on the way so a clip is verified in and out.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .bucket import Bucket

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import GetObjectOutputTypeDef

_CONFLICT = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
_MISSING = {"NoSuchKey", "404", "NotFound"}
MULTIPART_BYTES = 64 * 1024 * 1024  # below it one PUT; above it parts in parallel


@dataclass(frozen=True)
class Listed:
    """One object of a listing (``key`` relative to the store's prefix)."""

    key: str
    size: int
    modified: datetime


@dataclass(frozen=True)
class Fetched:
    """A small object read whole: its bytes, its ETag (for a conditional write), its age on the server's clock."""

    body: bytes
    etag: str
    age_seconds: float
    metadata: dict[str, str]


class Objects:
    """Keys relative to the bucket's prefix; errors are the bucket's (they name the setting to fix)."""

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket

    def describe(self) -> str:
        """The store as the user wrote it (``s3://bucket/prefix``)."""
        return self.bucket.describe()

    def list(self, under: str) -> Iterator[Listed]:
        """Every object under ``under/`` (one request per thousand)."""
        paginator = self.bucket.client.get_paginator("list_objects_v2")
        start = self.bucket.key(under.rstrip("/") + "/")
        cut = len(self.bucket.key(""))
        from botocore import exceptions

        try:
            for page in paginator.paginate(Bucket=self.bucket.name, Prefix=start):
                for item in page.get("Contents", []):
                    yield Listed(item["Key"][cut:], int(item["Size"]), item["LastModified"])
        except (exceptions.BotoCoreError, exceptions.ClientError) as exc:
            raise self.bucket.failure(exc, f"list {under}/ in") from exc

    def get(self, key: str) -> Fetched | None:
        """A small object whole, or None when there is none."""
        from botocore import exceptions

        try:
            answer: GetObjectOutputTypeDef = self.bucket.client.get_object(
                Bucket=self.bucket.name, Key=self.bucket.key(key)
            )
        except exceptions.ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            raise self.bucket.failure(exc, f"read {key} in") from exc
        except exceptions.BotoCoreError as exc:
            raise self.bucket.failure(exc, f"read {key} in") from exc
        body = answer["Body"].read()
        return Fetched(body, answer["ETag"], _age(answer), dict(answer.get("Metadata", {})))

    def put(
        self, key: str, body: bytes, *, create: bool = False, replacing: str | None = None, content_type: str = ""
    ) -> str | None:
        """Write a small object; its new ETag, or None when the condition failed.

        ``create``: only if no object has the key (``If-None-Match: *``); ``replacing``: only if
        the object still has that ETag (``If-Match``). Without either the write is unconditional.
        """
        from botocore import exceptions

        extra: dict[str, Any] = {}
        if create:
            extra["IfNoneMatch"] = "*"
        if replacing is not None:
            extra["IfMatch"] = replacing
        try:
            answer = self.bucket.client.put_object(
                Bucket=self.bucket.name,
                Key=self.bucket.key(key),
                Body=body,
                ContentType=content_type or "application/json",
                **extra,
            )
        except exceptions.ClientError as exc:
            if _code(exc) in _CONFLICT or (replacing is not None and _code(exc) in _MISSING):
                return None
            raise self.bucket.failure(exc, f"write {key} in") from exc
        except exceptions.BotoCoreError as exc:
            raise self.bucket.failure(exc, f"write {key} in") from exc
        return str(answer["ETag"])

    def delete(self, key: str, *, etag: str | None = None) -> bool:
        """Remove the object (only if it still has ``etag`` when given); False when the condition failed."""
        from botocore import exceptions

        extra: dict[str, Any] = {"IfMatch": etag} if etag is not None else {}
        try:
            self.bucket.client.delete_object(Bucket=self.bucket.name, Key=self.bucket.key(key), **extra)
        except exceptions.ClientError as exc:
            if _code(exc) in _CONFLICT or _code(exc) in _MISSING:
                return False
            raise self.bucket.failure(exc, f"remove {key} from") from exc
        except exceptions.BotoCoreError as exc:
            raise self.bucket.failure(exc, f"remove {key} from") from exc
        return True

    def head(self, key: str) -> tuple[int, dict[str, str]] | None:
        """The object's size and metadata, or None when there is none."""
        from botocore import exceptions

        try:
            answer = self.bucket.client.head_object(Bucket=self.bucket.name, Key=self.bucket.key(key))
        except exceptions.ClientError as exc:
            if _code(exc) in _MISSING or _code(exc) == "403":
                return None
            raise self.bucket.failure(exc, f"look for {key} in") from exc
        except exceptions.BotoCoreError as exc:
            raise self.bucket.failure(exc, f"look for {key} in") from exc
        return int(answer["ContentLength"]), dict(answer.get("Metadata", {}))

    def upload(self, path: Path, key: str, *, sha256: str, metadata: dict[str, str]) -> None:
        """Send a file (multipart and parallel when big), checked by the server against its SHA-256."""
        from boto3.s3.transfer import TransferConfig
        from botocore import exceptions

        extra: dict[str, Any] = {"Metadata": {**metadata, "sha256": sha256}, "ContentType": "video/mp4"}
        config = TransferConfig(multipart_threshold=MULTIPART_BYTES, multipart_chunksize=MULTIPART_BYTES // 4)
        if path.stat().st_size < MULTIPART_BYTES:  # one PUT: the server checks the whole body's digest
            extra["ChecksumSHA256"] = base64.b64encode(bytes.fromhex(sha256)).decode()
        try:
            self.bucket.client.upload_file(
                str(path), self.bucket.name, self.bucket.key(key), ExtraArgs=extra, Config=config
            )
        except (exceptions.BotoCoreError, exceptions.ClientError) as exc:
            raise self.bucket.failure(exc, f"upload {key} to") from exc
        except OSError as exc:
            raise self.bucket.error(f"cannot read {path} to upload it: {exc.strerror or exc}") from exc
        except Exception as exc:  # s3transfer wraps a failed part in its own error types
            raise self.bucket.error(self.bucket.redact(f"cannot upload {key} to {self.describe()}: {exc}")) from exc

    def download(self, key: str, dest: Path) -> str:
        """Fetch ``key`` into ``dest`` (parallel ranges when big); the SHA-256 of what arrived."""
        from boto3.s3.transfer import TransferConfig
        from botocore import exceptions

        config = TransferConfig(multipart_threshold=MULTIPART_BYTES, multipart_chunksize=MULTIPART_BYTES // 4)
        try:
            self.bucket.client.download_file(self.bucket.name, self.bucket.key(key), str(dest), Config=config)
        except (exceptions.BotoCoreError, exceptions.ClientError) as exc:
            raise self.bucket.failure(exc, f"download {key} from") from exc
        except OSError as exc:
            raise self.bucket.error(f"cannot write {dest}: {exc.strerror or exc}") from exc
        digest = hashlib.sha256()
        with dest.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()


def _code(exc: Exception) -> str:
    response: dict[str, Any] = getattr(exc, "response", {}) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code if code and not code.isdigit() else str(status or code)


def _age(answer: Any) -> float:
    """Seconds since the object was last written, on the server's own clock (its Date header)."""
    modified: datetime = answer["LastModified"]
    date = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if not date:
        return 0.0
    return max(0.0, (parsedate_to_datetime(date) - modified).total_seconds())
