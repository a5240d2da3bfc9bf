"""Staging: local media put in an S3-compatible bucket and handed to providers as presigned GET URLs.

Hosted video APIs take media only as URLs. Objects are named by content hash, so the same bytes go
up once per bucket however many shots, builds or machines use them. boto3 is an optional extra and
is imported only when a Stager is made, so `storyboard --help` never pays for it.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ... import env
from ...errors import StagingError

URL_VAR, ENDPOINT_VAR, EXPIRES_VAR = env.UPLOAD_URL, env.UPLOAD_ENDPOINT, env.UPLOAD_EXPIRES
DEFAULT_EXPIRES = 86400
MAX_EXPIRES = 604800  # seven days: the longest a SigV4 presigned URL may live

_URL = re.compile(r"s3://(?P<bucket>[^/?#@:\s]+)(?P<prefix>/[^?#\s]*)?")
_USERINFO = re.compile(r"(?<=://)[^/@\s]*@")  # "user:password@" inside any URL we might echo
_AWS_HOSTS = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")
_BAD_CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}
_DENIED = {"AccessDenied", "AllAccessDisabled", "403"}


def _valid_expires(value: int, source: str) -> int:
    if not 1 <= value <= MAX_EXPIRES:
        raise StagingError(
            f"{source} must be 1 to {MAX_EXPIRES} seconds (7 days, the most a presigned URL allows), not {value}"
        )
    return value


def _is_aws(endpoint: str) -> bool:
    host = urlsplit(endpoint).hostname or ""
    return host == "amazonaws.com" or host.endswith(_AWS_HOSTS)


class Stager:
    """Puts local files where a provider can fetch them: an S3-compatible bucket, once per content."""

    def __init__(
        self, url: str, *, endpoint_url: str | None = None, expires: int = DEFAULT_EXPIRES, region: str | None = None
    ) -> None:
        match = _URL.fullmatch(url.strip())
        if match is None:
            raise StagingError(
                f"{URL_VAR} must look like s3://bucket or s3://bucket/prefix, not {_USERINFO.sub('', url)!r}"
            )
        self._bucket = match["bucket"]
        self._prefix = "/".join(part for part in (match["prefix"] or "").split("/") if part)
        self._expires = _valid_expires(expires, "expires")
        try:
            import boto3
            from botocore import exceptions
            from botocore.config import Config
        except ImportError:
            raise StagingError("uploading needs boto3: pip install 'storyboard[s3]'") from None
        self._errors = exceptions
        self._session = boto3.session.Session(region_name=region)

        def client(path_style: bool) -> Any:
            config = Config(
                signature_version="s3v4",
                retries={"mode": "standard"},
                s3={"addressing_style": "path"} if path_style else None,
            )
            try:
                return self._session.client("s3", endpoint_url=endpoint_url, config=config)
            except (exceptions.BotoCoreError, ValueError) as exc:
                raise StagingError(
                    self._redact(
                        f"cannot set up S3 for {self.describe()}: {exc}: check {ENDPOINT_VAR} and the AWS configuration"
                    )
                ) from exc

        self._client = client(path_style=endpoint_url is not None)
        if endpoint_url is None and not _is_aws(self._client.meta.endpoint_url):
            # boto3 found an endpoint of its own (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, a profile's
            # endpoint_url): S3-compatible servers want path-style addressing there too.
            self._client = client(path_style=True)
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
        return f"s3://{self._bucket}/{self._prefix}" if self._prefix else f"s3://{self._bucket}"

    def url_for(self, path: Path, sha256: str) -> str:
        """A presigned GET URL for ``path`` (whose content hash is ``sha256``), uploading it unless the bucket has it."""
        name = f"{sha256}{path.suffix.lower()}"
        key = f"{self._prefix}/{name}" if self._prefix else name
        if key not in self._known:
            with self._guard:
                lock = self._locks.setdefault(key, threading.Lock())
            with lock:  # one upload per content even when many shots stage it at once
                if key not in self._known:
                    if not self._exists(key):
                        self._put(path, key)
                    self._known.add(key)
        try:
            return str(
                self._client.generate_presigned_url(
                    "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=self._expires
                )
            )
        except self._errors.BotoCoreError as exc:
            raise self._failure(exc, f"sign a URL for {path.name} in") from exc

    def _exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self._bucket, Key=key)
        except self._errors.ClientError as exc:
            # A HEAD has no body, so a missing bucket looks like a missing object, and without
            # s3:ListBucket a missing object answers 403: the PUT that follows says what is wrong.
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (403, 404):
                return False
            raise self._failure(exc, f"look for {key} in") from exc
        except self._errors.BotoCoreError as exc:
            raise self._failure(exc, f"look for {key} in") from exc
        return True

    def _put(self, path: Path, key: str) -> None:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        try:
            with path.open("rb") as body:
                self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)
        except (self._errors.BotoCoreError, self._errors.ClientError) as exc:
            raise self._failure(exc, f"upload {path.name} to") from exc
        except OSError as exc:
            raise StagingError(f"cannot read {path} to upload it: {exc.strerror or exc}") from exc
        with self._guard:
            self._uploads += 1

    def _failure(self, exc: Exception, doing: str) -> StagingError:
        """A botocore error as a message naming the bucket and the fix, with no credentials in it."""
        errors, where, endpoint = self._errors, self.describe(), self._client.meta.endpoint_url
        if isinstance(exc, (errors.NoCredentialsError, errors.PartialCredentialsError)):
            why = "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        elif isinstance(exc, errors.ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "?"))
            if code == "NoSuchBucket":
                why = f"bucket {self._bucket!r} does not exist at {endpoint}: create it, or set {URL_VAR} to one that does"
            elif code in _DENIED:
                why = f"access denied: the credentials need s3:PutObject and s3:GetObject on {where}"
            elif code in _BAD_CREDENTIALS:
                why = (
                    f"the credentials were refused ({code}): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
                    f"AWS_SESSION_TOKEN, or AWS_PROFILE"
                )
            else:
                why = f"S3 answered {code}: {error.get('Message', '')}".rstrip(": ")
        elif isinstance(exc, errors.ConnectionError):
            why = f"cannot reach {endpoint}: check {ENDPOINT_VAR} (or AWS_ENDPOINT_URL_S3) and the network"
        else:
            why = str(exc)
        return StagingError(self._redact(f"cannot {doing} {where}: {why}"))

    def _redact(self, text: str) -> str:
        text = _USERINFO.sub("", text)
        with contextlib.suppress(self._errors.BotoCoreError):
            credentials = self._session.get_credentials()
            if credentials is not None:
                frozen = credentials.get_frozen_credentials()
                for secret in (frozen.access_key, frozen.secret_key, frozen.token):
                    if secret:
                        text = text.replace(secret, "***")
        return text


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
