"""Staging: local media put in an S3-compatible bucket and handed to providers as presigned GET URLs.

Hosted video APIs take media only as URLs. Objects are named by content hash, so the same bytes go
up once per bucket however many shots, builds or machines use them. This module is that policy;
the bucket itself (boto3, put / head / presign, its errors) is ``storyboard.store.bucket``, which
imports boto3 only when a Stager is made, so `storyboard --help` never pays for it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path

from ... import env
from ...errors import StagingError
from ...store.bucket import Bucket, parse_url

URL_VAR, ENDPOINT_VAR, EXPIRES_VAR = env.UPLOAD_URL, env.UPLOAD_ENDPOINT, env.UPLOAD_EXPIRES
DEFAULT_EXPIRES = 86400
MAX_EXPIRES = 604800  # seven days: the longest a SigV4 presigned URL may live


def _valid_expires(value: int, source: str) -> int:
    if not 1 <= value <= MAX_EXPIRES:
        raise StagingError(
            f"{source} must be 1 to {MAX_EXPIRES} seconds (7 days, the most a presigned URL allows), not {value}"
        )
    return value


class Stager:
    """Puts local files where a provider can fetch them: an S3-compatible bucket, once per content."""

    def __init__(
        self, url: str, *, endpoint_url: str | None = None, expires: int = DEFAULT_EXPIRES, region: str | None = None
    ) -> None:
        parse_url(url, URL_VAR)  # a malformed URL is named before the expiry or a missing boto3
        self._expires = _valid_expires(expires, "expires")
        self.bucket = Bucket(
            url, endpoint_url=endpoint_url, region=region, setting=URL_VAR, endpoint_setting=ENDPOINT_VAR
        )
        self._known: set[str] = set()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._uploads = 0

    @property
    def uploads(self) -> int:
        """How many objects this instance put (the rest were already in the bucket)."""
        return self._uploads

    def describe(self) -> str:
        """Where files go, as the user wrote it, for messages and the build summary."""
        return self.bucket.describe()

    def url_for(self, path: Path, sha256: str) -> str:
        """A presigned GET URL for ``path`` (whose content hash is ``sha256``), uploading it unless the bucket has it."""
        key = self.bucket.key(f"{sha256}{path.suffix.lower()}")
        if key not in self._known:
            with self._guard:
                lock = self._locks.setdefault(key, threading.Lock())
            with lock:  # one upload per content even when many shots stage it at once
                if key not in self._known:
                    if not self.bucket.exists(key):
                        self.bucket.put(path, key)
                        with self._guard:
                            self._uploads += 1
                    self._known.add(key)
        return self.bucket.presign(key, self._expires, path.name)


def stager_from_env(environ: Mapping[str, str] | None = None) -> Stager | None:
    """STORYBOARD_UPLOAD_URL=s3://bucket/prefix enables staging; unset -> None.

    Endpoint: STORYBOARD_UPLOAD_ENDPOINT, else boto3's own AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL handling.
    STORYBOARD_UPLOAD_EXPIRES (seconds, default 86400, max 604800 as SigV4 allows) -> StagingError if not an int in range.
    """
    env = os.environ if environ is None else environ
    url = env.get(URL_VAR, "").strip()
    if not url:
        return None
    raw = env.get(EXPIRES_VAR, "").strip()
    try:
        expires = int(raw) if raw else DEFAULT_EXPIRES
    except ValueError:
        raise StagingError(
            f"{EXPIRES_VAR} must be a whole number of seconds from 1 to {MAX_EXPIRES}, not {raw!r}"
        ) from None
    return Stager(
        url,
        endpoint_url=env.get(ENDPOINT_VAR, "").strip() or None,
        expires=_valid_expires(expires, EXPIRES_VAR),
    )
