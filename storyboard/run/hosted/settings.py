"""What a user may tune per hosted provider: the key, the base URL, the limits.

Read once per build from the environment, before anything is sent, so every missing key or
bad number is named together (see ``hosted._configure``) and no job is half-submitted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import httpx

from ... import env
from ...errors import BuildError
from .api import Adapter

N = TypeVar("N", int, float)
D = TypeVar("D")


@dataclass(frozen=True)
class Settings:
    """What a user may tune per provider, from the environment (``<ID>_...``) or defaults."""

    base_url: str
    key: str
    concurrency: int
    submits_per_minute: int | None
    poll_seconds: float = 2.0  # the shortest poll interval; it grows with the job's age up to poll_max_seconds
    poll_max_seconds: float = 15.0
    http_timeout: float = 60.0
    retry_seconds: float = 1.0  # first backoff; exponential with jitter
    attempts: int = 6
    job_timeout: float = 3 * 3600.0
    submit_grace: float = 10.0  # Ctrl-C during a submit waits this long for its answer (the job id)

    @classmethod
    def from_env(cls, adapter: Adapter, environ: Mapping[str, str]) -> Settings:
        """The adapter's documented defaults, overridden by the environment; BuildError without a key."""
        key = environ.get(adapter.key_env, "").strip()
        if not key:
            raise BuildError(
                f"{adapter.key_env} is not set: export your {adapter.id} API key to build with it; nothing was sent"
            )
        base_var = env.for_provider(env.BASE_URL, adapter.id)
        base = environ.get(base_var, adapter.default_base_url).rstrip("/")
        check_base_url(base, base_var)
        per_minute = _number(
            environ, env.for_provider(env.SUBMITS_PER_MINUTE, adapter.id), adapter.submits_per_minute, int
        )
        return cls(
            base_url=base,
            key=key,
            concurrency=_number(environ, env.for_provider(env.CONCURRENCY, adapter.id), adapter.concurrency, int)
            or adapter.concurrency,
            submits_per_minute=per_minute or None,
            poll_seconds=_number(environ, env.POLL_SECONDS, 2.0, float) or 2.0,
            http_timeout=_number(environ, env.HTTP_TIMEOUT, 60.0, float) or 60.0,
            retry_seconds=_number(environ, env.RETRY_SECONDS, 1.0, float) or 1.0,
            job_timeout=_number(environ, env.JOB_TIMEOUT, 3 * 3600.0, float) or 3 * 3600.0,
        )


def _number(environ: Mapping[str, str], name: str, default: D, kind: Callable[[str], N]) -> N | D:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise BuildError(f"{name}={raw!r} is not a {'whole ' if kind is int else ''}number") from None
    if value < 0:
        raise BuildError(f"{name}={raw!r} must not be negative")
    return value


def check_base_url(url: str, name: str) -> None:
    """https only: the key travels in every request's headers, and plain http hands it to the path.

    There is no exception for this machine: tests reach their loopback fakes through an
    injected transport (``HostedProvider(transport=...)``), never through a looser rule here.
    """
    parsed = httpx.URL(url)
    if parsed.scheme == "https" and parsed.host:
        return
    raise BuildError(f"{name}={url!r}: use https:// (the API key goes with every request)")
