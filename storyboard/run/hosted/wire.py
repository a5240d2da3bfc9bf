"""HTTP for one hosted provider: the httpx client, retries (tenacity) and the submit rate (aiolimiter).

Apart from the job's journal so the money rules can be read in one place: this module only
sorts each exchange into an answer, a refusal, a transient failure (safe to retry) or an
unknown outcome (a submit that may have made a job), and the journal decides what each costs.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import ssl
import time
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from ... import env
from ...errors import ProviderError, TransientError, UnknownOutcome
from .api import Adapter, Call
from .settings import Settings


class Wire:
    """One provider's connection pool, retry policy and submit limiter, made on first use."""

    def __init__(self, adapter: Adapter, settings: Settings, transport: httpx.AsyncBaseTransport | None) -> None:
        """``transport`` replaces the network (httpx's seam): an ``httpx.MockTransport`` in tests."""
        self.adapter = adapter
        self.id = adapter.id
        self.settings = settings
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._limiter: AsyncLimiter | None = None
        self._tls: ssl.SSLContext | bool = True
        self._tls_loading: asyncio.Future[ssl.SSLContext] | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """The shared client: keep-alive across a build's submits, polls and downloads."""
        if self._client is None:
            t = self.settings.http_timeout
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(t, connect=min(t, 15.0)),
                limits=httpx.Limits(max_connections=max(4, self.settings.concurrency * 2)),
                follow_redirects=True,
                verify=self._tls,
                transport=self._transport,
            )
        return self._client

    async def aclose(self) -> None:
        """Close the pool at the end of a build."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def ready(self) -> None:
        """Load the CA bundle in a thread: done on the event loop it stalls every shot for ~0.1 s."""
        if self._tls_loading is None:
            import certifi

            self._tls_loading = asyncio.ensure_future(
                asyncio.to_thread(ssl.create_default_context, cafile=certifi.where())
            )
        self._tls = await self._tls_loading

    def rate(self) -> AsyncLimiter:
        """The submit limiter: the provider's submits-per-minute quota, shared by every shot."""
        if self._limiter is None:
            per_minute = self.settings.submits_per_minute or 1_000_000
            self._limiter = AsyncLimiter(per_minute, 60)
        return self._limiter

    def retrying(self) -> AsyncRetrying:
        """Retry TransientError with exponential backoff and jitter, honouring Retry-After."""
        first = self.settings.retry_seconds
        backoff = wait_exponential(multiplier=first, max=60) + wait_random(0, first)  # exponential, with jitter

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            pause = float(backoff(state))
            if isinstance(exc, TransientError) and exc.retry_after is not None:
                return max(min(exc.retry_after, 600.0), pause if exc.retry_after == 0 else 0.0)
            return pause

        return AsyncRetrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(self.settings.attempts),
            wait=wait,
            reraise=True,
        )

    async def request(self, call: Call, *, submit: bool, task_id: str | None = None) -> tuple[int, Any]:
        """One API call with retries; 4xx come back as (status, answer) for the caller to read."""
        async for attempt in self.retrying():
            with attempt:
                return await self._once(call, submit, task_id)
        raise AssertionError("unreachable")  # pragma: no cover - reraise=True

    async def _once(self, call: Call, submit: bool, task_id: str | None) -> tuple[int, Any]:
        """One HTTP exchange, its outcome sorted for the money rules.

        A submit's outcome is unknown once the request may have reached the provider: a
        connection lost after sending, a 5xx (WaveSpeed's SDK: "the task may already have
        been created"), a 2xx that is not JSON. Only where the client chose an id that makes
        a resend safe is that retried; elsewhere it is UnknownOutcome, never resent blindly.
        """
        url = self.settings.base_url + call.path
        headers = self.adapter.headers(self.settings.key, task_id if submit else None)
        unsafe = submit and not self.adapter.client_task_ids
        try:
            # never follow an API call's redirect: httpx strips only `Authorization` across origins
            # (a key in any other header would travel), and a 307/308 would resend a paid submit
            # to a host nobody configured
            response = await self.client.request(
                call.method, url, json=call.json, headers=headers, follow_redirects=False
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(f"cannot reach {self.id} at {self.settings.base_url}: {why(exc)}") from None
        except httpx.TransportError as exc:
            if unsafe:
                raise UnknownOutcome(f"the connection failed after the request was sent: {why(exc)}") from None
            raise TransientError(f"{self.id} dropped the connection: {why(exc)}") from None
        status = response.status_code
        if 300 <= status < 400:
            where = response.headers.get("Location", "elsewhere")
            raise ProviderError(
                f"{self.id} answered {status}, redirecting to {where}; storyboard does not follow redirects on "
                f"API calls (the key would go with it): if the API moved, set {env.for_provider(env.BASE_URL, self.id)}"
            )
        if status >= 500 and unsafe:
            raise UnknownOutcome(f"{self.id} answered {status}: {self._message(response) or response.reason_phrase}")
        if status == 429 or status >= 500:
            raise TransientError(
                f"{self.id} answered {status}: {self._message(response) or response.reason_phrase}",
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        try:
            answer = response.json()
        except ValueError:
            if status < 400 and unsafe:
                raise UnknownOutcome(f"{self.id} answered {status} with a body that is not JSON") from None
            if status < 400:
                raise TransientError(f"{self.id} answered {status} with a body that is not JSON") from None
            answer = None
        if status == 401 or status == 403:
            raise ProviderError(
                f"{self.id} refused the key in {self.adapter.key_env} ({status}): {self.adapter.error_message(answer) or 'unauthorised'}"
            )
        return status, answer

    def _message(self, response: httpx.Response) -> str | None:
        try:
            return self.adapter.error_message(response.json())
        except ValueError:
            return None

    def refusal(self, status: int, answer: Any, what: str) -> str:
        """A 4xx in words: the provider's own message, else the start of its body."""
        message = self.adapter.error_message(answer) or (
            json.dumps(answer)[:300] if answer is not None else "no message"
        )
        return f"{self.id} refused {what} ({status}): {message}"


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number, or an HTTP date (RFC 9110)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def why(exc: Exception) -> str:
    """An exception in words, even when httpx gives it no message."""
    return str(exc) or type(exc).__name__
