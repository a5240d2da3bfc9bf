"""The client every hosted provider shares: submit, poll, download, with a journal.

Money rules, in the order a job meets them:

* The intent to submit is journalled before the request; the job id right after the
  answer, before any polling. A rebuild after a crash polls the journalled job.
* A submit is retried only when the provider certainly did not take it (no connection,
  429, 5xx). When a submit was sent but no answer came back, it is never resent blindly:
  with a client-chosen id (Runware) the job is looked up by that id; otherwise the shot
  fails, saying so, until the user checks and asks for ``--resubmit``.
* Results are downloaded as soon as the job is done (their URLs expire), checked to be
  video of the expected length, and only then handed to the store.

Keys live in this object only; every message that leaves it has the key scrubbed.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import hashlib
import json
import mimetypes
import ssl
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from ...compile.request import MediaRef, Request
from ...errors import BuildError, MediaError, ProviderError, Refused, StagingError, TransientError, UnknownOutcome
from ...media.frames import ClipInfo, probe_clip
from ...store import JournalEntry, Store
from ..job import Generated, Job, Report
from .api import Adapter, Call, JobState, MediaKind

if TYPE_CHECKING:
    from .stage import Stager

POLL_FRACTION = 0.02
UNKNOWN_JOB_POLLS = 3  # "no such job" this many polls in a row before it is believed
UNKNOWN_STATUS_POLLS = 5  # a status word outside the table this many polls in a row ends the wait
DURATION_TOLERANCE = 1.0  # seconds a provider's clip may differ from the asked length
LOOPBACK = ("127.", "::1", "[::1]", "localhost")


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


def _number(environ: Mapping[str, str], name: str, default: Any, kind: type) -> Any:
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
    """https anywhere; plain http only to this machine, where nothing can overhear the key."""
    parsed = httpx.URL(url)
    host = parsed.host or ""
    if parsed.scheme == "https" and host:
        return
    if parsed.scheme == "http" and host.startswith(LOOPBACK):
        return
    raise BuildError(f"{name}={url!r}: use https:// (plain http only to 127.0.0.1, ::1 or localhost)")


class HostedProvider:
    """One adapter plus the shared machinery: the runner's view of a hosted API."""

    def __init__(
        self,
        adapter: Adapter,
        store: Store,
        settings: Settings,
        stager: Stager | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """``transport`` replaces the network (httpx's seam): an ``httpx.MockTransport`` in tests."""
        self.adapter = adapter
        self.id = adapter.id
        self.store = store
        self.settings = settings
        self.stager = stager
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._limiter: AsyncLimiter | None = None
        self._tls: ssl.SSLContext | bool = True
        self._tls_loading: asyncio.Future[ssl.SSLContext] | None = None

    @property
    def concurrency(self) -> int:
        return self.settings.concurrency

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- the job -------------------------------------------------------------------------
    async def generate(self, job: Job, report: Report) -> Generated:
        try:
            return await self._generate(job, report)
        except ProviderError as exc:
            raise type(exc)(self.redact(str(exc))) from None

    async def _generate(self, job: Job, report: Report) -> Generated:
        await self._ready()
        entry = self.store.journal(job.key)
        if entry is not None and (entry.provider != self.id or entry.status == "failed"):
            self.store.journal_forget(job.key)
            entry = None
        state: JobState | None = None
        resumed = entry is not None
        if entry is None:
            job_id = await self._submit(job, report)
        elif entry.status == "done" and entry.result_urls:
            job_id = entry.job_id or ""
            report(job.shot, "downloading", f"fetching the result of job {job_id} again (already paid)")
            state = JobState(
                "done", entry.result_urls, Decimal(str(entry.cost_usd)) if entry.cost_usd is not None else None
            )
        elif entry.status in ("submitting", "unknown"):
            job_id = await self._recover(job, entry, report)
        elif entry.status == "lost":
            raise UnknownOutcome(
                self._unknown_message(job, entry.error or f"{self.id} no longer knows job {entry.job_id}")
            )
        else:
            assert entry.job_id is not None
            job_id = entry.job_id
            report(job.shot, "polling", f"resuming job {job_id} (already paid)")
        if state is None:
            state = await self._until_done(job, job_id, report)
        if state.state in ("failed", "cancelled"):
            # the provider ended the job without a clip: it is not paid, the next build sends it anew
            self.store.journal_update(job.key, "failed", error=state.error)
            ended = "was cancelled" if state.state == "cancelled" else "failed"
            raise ProviderError(f"{self.id} job {job_id} {ended}: {state.error}; the next build submits it anew")
        self.store.journal_update(
            job.key,
            "done",
            result_urls=state.urls,
            cost_usd=float(state.cost_usd) if state.cost_usd is not None else None,
        )
        clip, info = await self._result(job, job_id, state.urls, report, resumed=resumed)
        return Generated(clip, state.cost_usd, job_id, info, paid_here=not resumed)

    async def _result(
        self, job: Job, job_id: str, urls: tuple[str, ...], report: Report, *, resumed: bool
    ) -> tuple[Path, ClipInfo]:
        """Download and verify a finished job's clip. Whatever goes wrong, the paid job stays journalled."""
        try:
            return await self._fetch_checked(job, urls[0], report)
        except ProviderError as exc:
            first = exc
        if resumed and job_id:
            # URLs kept from an earlier build may have expired: the provider may hand out fresh ones
            try:
                status, answer = await self._request(self.adapter.poll(job_id), submit=False)
                fresh = self.adapter.polled(answer) if status < 400 else None
            except ProviderError:
                fresh = None
            if fresh is not None and fresh.state == "done" and fresh.urls and fresh.urls != urls:
                self.store.journal_update(job.key, "done", result_urls=fresh.urls)
                try:
                    return await self._fetch_checked(job, fresh.urls[0], report)
                except ProviderError as exc:
                    first = exc
        raise ProviderError(
            f"{first}. Job {job_id} finished and is paid for, so it stays journalled: the next build fetches "
            f"its result again at $0; to pay for a new clip instead, run `--only {job.shot} --resubmit`"
        )

    async def _fetch_checked(self, job: Job, url: str, report: Report) -> tuple[Path, ClipInfo]:
        report(job.shot, "downloading", url.split("?")[0][-40:])
        clip = await self._download(job, url)
        return clip, await asyncio.to_thread(self._check_clip, job, clip)

    async def _submit(self, job: Job, report: Report, task_id: str | None = None) -> str:
        reuse = {p: url for p in job.parent_keys if (url := self._reusable_url(job, p))}
        resolved = await asyncio.to_thread(self._resolve_media, job, reuse)
        task_id = task_id or self.adapter.new_task_id()
        body = self.adapter.body(job.request, lambda ref, kind: resolved[(ref, kind)], task_id)
        async with self._rate():
            # the intent first: a crash from here on leaves a trace the next build reads
            self.store.journal_intent(job.key, self.id, task_id, _journal_body(body))
            report(job.shot, "submitted", "sending")
            sending = asyncio.ensure_future(self._request(self.adapter.submit(body), submit=True, task_id=task_id))
            try:
                await asyncio.shield(sending)
            except asyncio.CancelledError:
                # Ctrl-C: wait briefly for the answer, so a job the provider took is journalled
                report(
                    job.shot, "submitted", f"interrupted: waiting up to {self.settings.submit_grace:g} s for the answer"
                )
                await asyncio.wait({sending}, timeout=self.settings.submit_grace)
                if not sending.done():
                    sending.cancel()
                    self.store.journal_update(
                        job.key, "unknown", error="the build was interrupted before the submit's answer came"
                    )
                else:
                    try:
                        self._settle(job, sending, task_id, report)
                    except ProviderError:
                        pass  # refused, or journalled as unknown: the journal says which
                raise
            except ProviderError:
                pass  # read below, as every outcome is
        return self._settle(job, sending, task_id, report)

    def _settle(self, job: Job, sending: asyncio.Future[tuple[int, Any]], task_id: str | None, report: Report) -> str:
        """Journal a submit's outcome: the job id, an unknown outcome, or a refusal that leaves no job."""
        try:
            status, answer = sending.result()
        except UnknownOutcome as exc:
            self.store.journal_update(job.key, "unknown", error=str(exc))
            raise UnknownOutcome(self._unknown_message(job, str(exc))) from None
        except TransientError as exc:
            if self.adapter.client_task_ids:
                # one of the attempts may have got through: the next build sends the same id again, safely
                self.store.journal_update(job.key, "unknown", error=str(exc))
            else:
                self.store.journal_forget(job.key)  # every attempt was refused (429, no connection): no job exists
            raise ProviderError(f"{self.id} kept refusing the submit: {exc}") from None
        except ProviderError:
            self.store.journal_forget(job.key)  # refused outright (a bad key): no job exists
            raise
        if status >= 400:
            if task_id is not None and self.adapter.is_duplicate(answer):
                self.store.journal_update(job.key, "submitted", job_id=task_id)
                return task_id  # an earlier attempt with this id got through
            self.store.journal_forget(job.key)
            raise ProviderError(self._refusal(status, answer, "the job"))
        try:
            job_id = self.adapter.submitted(answer, task_id)
        except Refused:
            self.store.journal_forget(job.key)
            raise
        except ProviderError as exc:
            # a 2xx that names no job: it may exist all the same, so it is not resent blindly
            self.store.journal_update(job.key, "unknown", error=str(exc))
            raise UnknownOutcome(self._unknown_message(job, str(exc))) from None
        self.store.journal_update(job.key, "submitted", job_id=job_id)
        report(job.shot, "submitted", job_id)
        return job_id

    async def _recover(self, job: Job, entry: JournalEntry, report: Report) -> str:
        """A submit that got no answer: send it again under the same id where that is safe, else refuse."""
        if entry.job_id is None or not self.adapter.client_task_ids:
            raise UnknownOutcome(self._unknown_message(job, entry.error or "the build stopped before the answer"))
        report(job.shot, "submitted", f"sending again under its id {entry.job_id} (the provider keeps one job per id)")
        return await self._submit(job, report, task_id=entry.job_id)

    def _unknown_message(self, job: Job, why: str) -> str:
        return (
            f"the submit of `{job.shot}` to {self.id} got no answer ({why}), so the job may exist and be billed; "
            f"it is not sent again blindly. Check your {self.id} dashboard, then rerun with "
            f"`--only {job.shot} --resubmit` to send it anew"
        )

    async def _until_done(self, job: Job, job_id: str, report: Report) -> JobState:
        started = time.monotonic()
        deadline = started + self.settings.job_timeout
        missing = strange = 0  # polls in a row that found no such job / a status word outside the table
        while True:
            # a finished job waits at most ~2% of its age (or the floor) for the poll that sees it
            age = time.monotonic() - started
            await asyncio.sleep(
                max(self.settings.poll_seconds, min(age * POLL_FRACTION, self.settings.poll_max_seconds))
            )
            status, answer = await self._request(self.adapter.poll(job_id), submit=False)
            if self.adapter.is_unknown_job(status, answer):
                missing += 1  # a job just accepted may not be visible yet: believe it only after a few polls
                if missing < UNKNOWN_JOB_POLLS:
                    continue
                # never resent on its own, even under a client id: the job may have run (and be billed)
                self.store.journal_update(job.key, "lost", error=f"{self.id} answered that it has no job {job_id}")
                raise UnknownOutcome(
                    self._unknown_message(
                        job, f"{self.id} answered {missing} polls in a row that it has no job {job_id}"
                    )
                )
            missing = 0
            if status >= 400:
                raise ProviderError(
                    self._refusal(status, answer, f"polling job {job_id}") + "; the job stays journalled"
                )
            state = self.adapter.polled(answer)
            if state.state == "done" and not state.urls:
                raise ProviderError(
                    f"{self.id} job {job_id} finished without a result URL; it stays journalled and the next build asks again"
                )
            if state.state == "unknown":
                strange += 1
                if strange >= UNKNOWN_STATUS_POLLS:
                    raise ProviderError(
                        f"{self.id} job {job_id} answered status {state.error or state.detail!r} {strange} times, a word storyboard does not "
                        "know; it stays journalled (it may be paid) and the next build polls it again"
                    )
            elif state.state != "running":
                return state
            else:
                strange = 0
            report(job.shot, "polling", f"{job_id} {state.detail}".strip())
            if time.monotonic() > deadline:
                raise ProviderError(
                    f"{self.id} job {job_id} still running after {self.settings.job_timeout:.0f} s; "
                    "build again later to pick it up (it is journalled, not resent)"
                )

    # -- HTTP ----------------------------------------------------------------------------
    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            t = self.settings.http_timeout
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(t, connect=min(t, 15.0)),
                limits=httpx.Limits(max_connections=max(4, self.concurrency * 2)),
                follow_redirects=True,
                verify=self._tls,
                transport=self._transport,
            )
        return self._client

    async def _ready(self) -> None:
        """Load the CA bundle in a thread: done on the event loop it stalls every shot for ~0.1 s."""
        if self._tls_loading is None:
            import certifi

            self._tls_loading = asyncio.ensure_future(
                asyncio.to_thread(ssl.create_default_context, cafile=certifi.where())
            )
        self._tls = await self._tls_loading

    def _rate(self) -> AsyncLimiter:
        if self._limiter is None:
            per_minute = self.settings.submits_per_minute or 1_000_000
            self._limiter = AsyncLimiter(per_minute, 60)
        return self._limiter

    def _retrying(self) -> AsyncRetrying:
        first = self.settings.retry_seconds
        backoff = wait_exponential(multiplier=first, max=60) + wait_random(0, first)  # exponential, with jitter

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            pause = backoff(state)
            if isinstance(exc, TransientError) and exc.retry_after is not None:
                return max(min(exc.retry_after, 600.0), pause if exc.retry_after == 0 else 0.0)
            return pause

        return AsyncRetrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(self.settings.attempts),
            wait=wait,
            reraise=True,
        )

    async def _request(self, call: Call, *, submit: bool, task_id: str | None = None) -> tuple[int, Any]:
        """One API call with retries; 4xx come back as (status, answer) for the caller to read."""
        async for attempt in self._retrying():
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
            response = await self.client.request(call.method, url, json=call.json, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(f"cannot reach {self.id} at {self.settings.base_url}: {_why(exc)}") from None
        except httpx.TransportError as exc:
            if unsafe:
                raise UnknownOutcome(f"the connection failed after the request was sent: {_why(exc)}") from None
            raise TransientError(f"{self.id} dropped the connection: {_why(exc)}") from None
        status = response.status_code
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

    def _refusal(self, status: int, answer: Any, what: str) -> str:
        message = self.adapter.error_message(answer) or (
            json.dumps(answer)[:300] if answer is not None else "no message"
        )
        return f"{self.id} refused {what} ({status}): {message}"

    def redact(self, text: str) -> str:
        return text.replace(self.settings.key, "***") if self.settings.key else text

    # -- media ---------------------------------------------------------------------------
    def _reusable_url(self, job: Job, parent: str) -> str | None:
        """The provider's own result URL of a parent clip, while it is fresh and is the whole clip."""
        key = job.parent_keys[parent]
        entry = self.store.journal(key)
        if entry is None or entry.provider != self.id or entry.status != "done" or not entry.result_urls:
            return None
        if time.time() - entry.updated > self.adapter.result_url_seconds:
            return None
        if job.parent_clips.get(parent) != self.store.clip_path(key):
            return None  # the extension gets a tail of the parent, not the parent
        return entry.result_urls[0]

    def _resolve_media(self, job: Job, reuse: dict[str, str]) -> dict[tuple[MediaRef, MediaKind], str]:
        return {(ref, kind): self._media_value(job, ref, kind, reuse) for ref, kind in media_kinds(job.request)}

    def _media_value(self, job: Job, ref: MediaRef, kind: MediaKind, reuse: dict[str, str]) -> str:
        if ref.url is not None:
            return ref.url
        if ref.clip_of is not None and ref.clip_of in reuse:
            return reuse[ref.clip_of]
        path = job.local_path(ref)
        if path is None:
            raise StagingError(f"shot `{job.shot}`: no file for {_describe(ref)}")
        if kind in self.adapter.data_uri_kinds:
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"
        if self.stager is None:
            raise StagingError(
                f"shot `{job.shot}`: {_describe(ref)} is a local file and {self.id} takes only URLs; "
                "set STORYBOARD_UPLOAD_URL=s3://bucket/prefix so storyboard can upload it"
            )
        return self.stager.url_for(path, _sha256(path))

    # -- the result ----------------------------------------------------------------------
    async def _download(self, job: Job, url: str) -> Path:
        if httpx.URL(url).scheme not in ("http", "https"):
            raise ProviderError(f"{self.id} gave a result URL that is not http(s): {url[:80]}")
        out = job.work / "result.mp4"
        async for attempt in self._retrying():
            with attempt:
                await self._fetch(url, out)
        return out

    async def _fetch(self, url: str, out: Path) -> None:
        short = url.split("?")[0]
        try:
            async with self.client.stream("GET", url) as response:  # no key: result URLs are public
                if response.status_code == 429 or response.status_code >= 500:
                    raise TransientError(f"downloading {short} answered {response.status_code}")
                if response.status_code >= 400:
                    raise ProviderError(
                        f"downloading the result {short} answered {response.status_code} (the URL may have expired); "
                        "rerun with --resubmit for this shot to generate it again"
                    )
                expected = response.headers.get("Content-Length")
                received = 0
                with open(out, "wb") as fh:
                    async for chunk in response.aiter_bytes(1 << 20):
                        fh.write(chunk)
                        received += len(chunk)
        except httpx.TransportError as exc:
            raise TransientError(f"downloading {short} failed: {_why(exc)}") from None
        if expected is not None and expected.isdigit() and int(expected) != received:
            raise TransientError(f"downloading {short} stopped at {received} of {expected} bytes")

    def _check_clip(self, job: Job, clip: Path) -> ClipInfo:
        try:
            info = probe_clip(clip)
        except MediaError as exc:
            raise ProviderError(f"{self.id} returned something that is not a video: {exc}") from None
        expected = job.expected_seconds or float(job.request.duration)
        allowed = [expected]
        video = job.request.ref_video
        if video is not None and video.type == "extend" and video.video.clip_of in job.parent_clips:
            allowed.append(expected + probe_clip(job.parent_clips[video.video.clip_of]).seconds)
        if not any(abs(info.seconds - s) <= DURATION_TOLERANCE for s in allowed):
            raise ProviderError(
                f"{self.id} returned a clip of {info.seconds:.2f} s for `{job.shot}`; expected "
                + " or ".join(f"{s:.2f} s" for s in allowed)
            )
        return info


def media_kinds(request: Request) -> Iterator[tuple[MediaRef, MediaKind]]:
    """Every media input with the kind of file it is."""
    for frame in (request.first_frame, request.last_frame):
        if frame is not None:
            yield frame, "image"
    for mid in request.mid_frames:
        yield mid.image, "image"
    for group in request.ref_images:
        for image in group.images:
            yield image, "image"
        if group.audio is not None:
            yield group.audio, "audio"
    if request.ref_video is not None:
        yield request.ref_video.video, "video"
    if request.audio is not None:
        yield request.audio, "audio"


def _describe(ref: MediaRef) -> str:
    if ref.file is not None:
        return f"`{ref.file}`"
    if ref.clip_of is not None:
        return f"the clip of `{ref.clip_of}`"
    if ref.last_frame_of is not None:
        return f"the last frame of `{ref.last_frame_of}`"
    return f"`{ref.url}`"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _journal_body(body: Any) -> str:
    """The body as sent, with inline media shortened to their hash (the journal stays small)."""

    def shorten(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("data:") and len(value) > 80:
            return f"{value[:30]}...sha256={hashlib.sha256(value.encode()).hexdigest()[:16]}"
        if isinstance(value, list):
            return [shorten(v) for v in value]
        if isinstance(value, dict):
            return {k: shorten(v) for k, v in value.items()}
        return value

    return json.dumps(shorten(body), sort_keys=True)


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


def _why(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
