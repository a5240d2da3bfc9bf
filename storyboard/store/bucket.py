"""An S3-compatible bucket: the one place storyboard talks to S3 (boto3).

Staging puts a build's local media here for providers that take only URLs; a remote clip
store is the next user. Both want the same things: a client that works against AWS and
against S3-compatible servers (path-style addressing off AWS), put / head / presign, and
errors that name the bucket and the fix and never a credential. boto3 is an optional extra,
imported only when a Bucket is made, so importing this module (and `storyboard --help`)
never pays for it.
"""

from __future__ import annotations

import contextlib
import mimetypes
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .. import env
from ..errors import StagingError, StoryboardError

if TYPE_CHECKING:
    from boto3.session import Session
    from botocore.config import Config
    from mypy_boto3_s3 import S3Client

_URL = re.compile(r"s3://(?P<bucket>[^/?#@:\s]+)(?P<prefix>/[^?#\s]*)?")
_USERINFO = re.compile(r"(?<=://)[^/@\s]*@")  # "user:password@" inside any URL we might echo
_AWS_HOSTS = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")
_BAD_CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}
_DENIED = {"AccessDenied", "AllAccessDisabled", "403"}


def strip_userinfo(text: str) -> str:
    """``text`` without any ``user:password@`` of a URL in it (a user may paste one into a setting)."""
    return _USERINFO.sub("", text)


def parse_url(url: str, setting: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` as (bucket, prefix), the prefix without empty parts; StagingError naming ``setting``."""
    match = _URL.fullmatch(url.strip())
    if match is None:
        raise StagingError(f"{setting} must look like s3://bucket or s3://bucket/prefix, not {strip_userinfo(url)!r}")
    return match["bucket"], "/".join(part for part in (match["prefix"] or "").split("/") if part)


def _is_aws(endpoint: str) -> bool:
    host = urlsplit(endpoint).hostname or ""
    return host == "amazonaws.com" or host.endswith(_AWS_HOSTS)


class Bucket:
    """``s3://bucket/prefix`` with its boto3 client; keys given to it are relative to the prefix.

    ``setting`` and ``endpoint_setting`` are the variables the user set, named in every
    message so each failure says which setting to fix.
    """

    def __init__(
        self,
        url: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        setting: str = env.UPLOAD_URL,
        endpoint_setting: str = env.UPLOAD_ENDPOINT,
        error: type[StoryboardError] = StagingError,
    ) -> None:
        self.error = error  # what its failures are raised as: staging's, or the team store's
        try:
            self.name, self.prefix = parse_url(url, setting)
        except StagingError as exc:
            raise error(str(exc)) from None
        self.setting, self.endpoint_setting = setting, endpoint_setting
        try:
            import boto3
        except ImportError:
            raise error(f"{setting} needs boto3: pip install 'storyboard[s3]'") from None
        self._session: Session = boto3.session.Session(region_name=region)
        self._endpoint_url = endpoint_url
        self._client: S3Client | None = None
        self._client_lock = threading.Lock()  # boto3 sessions are not thread-safe; staging uploads from threads
        self._validate()

    def _validate(self) -> None:
        """The checks botocore makes when it builds a client, made now and without building one.

        A client costs botocore's service model (a few hundred ms); ``plan`` and a build that
        uploads nothing never need it, yet a bad endpoint or region must fail before anything is sent.
        """
        from botocore import exceptions, utils

        endpoint = self._endpoint_url
        try:
            if endpoint is not None and not (
                utils.is_valid_endpoint_url(endpoint) or utils.is_valid_ipv6_endpoint_url(endpoint)
            ):
                raise ValueError(f"Invalid endpoint: {endpoint}")
            if self._session.region_name is not None:
                utils.validate_region_name(self._session.region_name)
        except (exceptions.BotoCoreError, ValueError) as exc:
            raise self._setup_failure(exc) from exc

    @property
    def client(self) -> S3Client:
        """The boto3 client, built on first use (see ``_validate``)."""
        with self._client_lock:
            if self._client is None:
                from botocore.config import Config

                client = self._make_client(Config, self._endpoint_url, path_style=self._endpoint_url is not None)
                if self._endpoint_url is None and not _is_aws(client.meta.endpoint_url):
                    # boto3 found an endpoint of its own (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, a
                    # profile's endpoint_url): S3-compatible servers want path-style addressing there too.
                    client = self._make_client(Config, None, path_style=True)
                self._client = client
            return self._client

    def _make_client(self, config: type[Config], endpoint_url: str | None, *, path_style: bool) -> S3Client:
        from botocore import exceptions

        settings = config(
            signature_version="s3v4",
            retries={"mode": "standard"},
            s3={"addressing_style": "path"} if path_style else None,
        )
        try:
            return self._session.client("s3", endpoint_url=endpoint_url, config=settings)
        except (exceptions.BotoCoreError, ValueError) as exc:
            raise self._setup_failure(exc) from exc

    def _setup_failure(self, exc: Exception) -> StoryboardError:
        return self.error(
            self.redact(
                f"cannot set up S3 for {self.describe()}: {exc}: check {self.endpoint_setting} and the AWS configuration"
            )
        )

    def describe(self) -> str:
        """Where objects go, as the user wrote it, for messages and the build summary."""
        return f"s3://{self.name}/{self.prefix}" if self.prefix else f"s3://{self.name}"

    def key(self, name: str) -> str:
        """The object key of ``name`` under the prefix."""
        return f"{self.prefix}/{name}" if self.prefix else name

    def exists(self, key: str) -> bool:
        """Whether the bucket holds ``key`` (a HEAD, so nothing is downloaded)."""
        from botocore import exceptions

        try:
            self.client.head_object(Bucket=self.name, Key=key)
        except exceptions.ClientError as exc:
            # A HEAD has no body, so a missing bucket looks like a missing object, and without
            # s3:ListBucket a missing object answers 403: the PUT that follows says what is wrong.
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (403, 404):
                return False
            raise self.failure(exc, f"look for {key} in") from exc
        except exceptions.BotoCoreError as exc:
            raise self.failure(exc, f"look for {key} in") from exc
        return True

    def put(self, path: Path, key: str) -> None:
        """Upload ``path`` as ``key``, typed by its suffix so a fetcher sees what it is."""
        from botocore import exceptions

        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        try:
            with path.open("rb") as body:
                self.client.put_object(Bucket=self.name, Key=key, Body=body, ContentType=content_type)
        except (exceptions.BotoCoreError, exceptions.ClientError) as exc:
            raise self.failure(exc, f"upload {path.name} to") from exc
        except OSError as exc:
            raise self.error(f"cannot read {path} to upload it: {exc.strerror or exc}") from exc

    def presign(self, key: str, expires: int, what: str) -> str:
        """A GET URL for ``key`` that anyone may fetch for ``expires`` seconds (no credentials in it)."""
        from botocore import exceptions

        try:
            return str(
                self.client.generate_presigned_url(
                    "get_object", Params={"Bucket": self.name, "Key": key}, ExpiresIn=expires
                )
            )
        except exceptions.BotoCoreError as exc:
            raise self.failure(exc, f"sign a URL for {what} in") from exc

    def failure(self, exc: Exception, doing: str) -> StoryboardError:
        """A botocore error as a message naming the bucket and the fix, with no credentials in it."""
        from botocore import exceptions as errors

        where, endpoint = self.describe(), self.client.meta.endpoint_url
        if isinstance(exc, (errors.NoCredentialsError, errors.PartialCredentialsError)):
            why = "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        elif isinstance(exc, errors.ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "?"))
            if code == "NoSuchBucket":
                why = f"bucket {self.name!r} does not exist at {endpoint}: create it, or set {self.setting} to one that does"
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
            why = f"cannot reach {endpoint}: check {self.endpoint_setting} (or AWS_ENDPOINT_URL_S3) and the network"
        else:
            why = str(exc)
        return self.error(self.redact(f"cannot {doing} {where}: {why}"))

    def redact(self, text: str) -> str:
        """``text`` without URL userinfo or any of the session's credentials."""
        from botocore import exceptions

        text = strip_userinfo(text)
        with contextlib.suppress(exceptions.BotoCoreError):
            credentials = self._session.get_credentials()
            if credentials is not None:
                frozen = credentials.get_frozen_credentials()
                for secret in (frozen.access_key, frozen.secret_key, frozen.token):
                    if secret:
                        text = text.replace(secret, "***")
        return text
