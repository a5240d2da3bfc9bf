"""Every environment variable storyboard reads, named once (the README's table lists the same).

Read where they apply (the stager, the hosted client, the ffmpeg lookup, the console
script); named here so nothing is read that the README does not document, which
``tests/test_env.py`` checks. ``<ID>`` is a hosted provider's id in capitals.
"""

from __future__ import annotations

UPLOAD_URL = "STORYBOARD_UPLOAD_URL"
UPLOAD_ENDPOINT = "STORYBOARD_UPLOAD_ENDPOINT"
UPLOAD_EXPIRES = "STORYBOARD_UPLOAD_EXPIRES"
STORE = "STORYBOARD_STORE"
STORE_ENDPOINT = "STORYBOARD_STORE_ENDPOINT"
CLAIM_SECONDS = "STORYBOARD_CLAIM_SECONDS"
POLL_SECONDS = "STORYBOARD_POLL_SECONDS"
HTTP_TIMEOUT = "STORYBOARD_HTTP_TIMEOUT"
RETRY_SECONDS = "STORYBOARD_RETRY_SECONDS"
JOB_TIMEOUT = "STORYBOARD_JOB_TIMEOUT"
FFMPEG = "STORYBOARD_FFMPEG"
DEBUG = "STORYBOARD_DEBUG"

# per hosted provider: "{ID}" is its id in capitals (WAVESPEED_BASE_URL)
API_KEY = "{ID}_API_KEY"
BASE_URL = "{ID}_BASE_URL"
CONCURRENCY = "{ID}_CONCURRENCY"
SUBMITS_PER_MINUTE = "{ID}_SUBMITS_PER_MINUTE"

VARIABLES: dict[str, str] = {
    UPLOAD_URL: "s3://bucket/prefix: where local files go for providers that take only URLs",
    UPLOAD_ENDPOINT: "the S3 endpoint of a non-AWS bucket (MinIO, R2, ...)",
    UPLOAD_EXPIRES: "seconds a presigned upload URL lives (default 86400, at most 604800)",
    STORE: "s3://bucket/prefix: the team's clip store (overrides settings.store)",
    STORE_ENDPOINT: "the S3 endpoint of a non-AWS team store (MinIO, R2, ...); else boto3's AWS_ENDPOINT_URL",
    CLAIM_SECONDS: "how long a team-store claim lives unrenewed before another machine takes it over (default 120)",
    POLL_SECONDS: "the shortest poll interval in seconds (default 2)",
    HTTP_TIMEOUT: "the HTTP timeout in seconds (default 60)",
    RETRY_SECONDS: "the first retry backoff in seconds (default 1)",
    JOB_TIMEOUT: "how long a build waits for one provider job, in seconds (default 10800)",
    FFMPEG: "the ffmpeg binary to use (default: PATH, else imageio-ffmpeg's)",
    DEBUG: "show the traceback of an error instead of its message",
    API_KEY: "the provider's key (read from the environment only)",
    BASE_URL: "replaces the provider's scheme and host",
    CONCURRENCY: "jobs in flight at once per key",
    SUBMITS_PER_MINUTE: "submits a minute per key",
}


def for_provider(pattern: str, provider: str) -> str:
    """``for_provider(BASE_URL, "wavespeed")`` -> ``WAVESPEED_BASE_URL``."""
    return pattern.replace("{ID}", provider.upper())
