"""A finished job's clip: downloaded at once (result URLs expire), then checked to be video of the
length asked, before the runner hands it to the store.

A paid job's result is never given up on here: whatever goes wrong, the job stays journalled
as done, so the next build fetches it again at no cost instead of paying for a new one.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from ...errors import MediaError, ProviderError, TransientError
from ...media.probe import ClipInfo, probe_clip
from ...store import Store
from ..job import Job, Report
from .api import Adapter
from .wire import Wire, why

DURATION_TOLERANCE = 1.0  # seconds a provider's clip may differ from the asked length


class Results:
    """Downloads and verifies result clips for one provider."""

    def __init__(self, adapter: Adapter, store: Store, wire: Wire) -> None:
        self.adapter = adapter
        self.id = adapter.id
        self.store = store
        self.wire = wire

    async def fetch(
        self, job: Job, job_id: str, urls: tuple[str, ...], report: Report, *, resumed: bool, index: int = 0
    ) -> tuple[Path, ClipInfo]:
        """Download and verify a finished job's clip (``index``: this take's result of a task of several).
        Whatever goes wrong, the paid job stays journalled."""
        try:
            return await self._fetch_checked(job, urls[0], report)
        except ProviderError as exc:
            first = exc
        if resumed and job_id:
            # URLs kept from an earlier build may have expired: the provider may hand out fresh ones
            try:
                status, answer = await self.wire.request(self.adapter.poll(job_id), submit=False)
                fresh = self.adapter.polled(answer) if status < 400 else None
            except ProviderError:
                fresh = None
            url = fresh.urls[index] if fresh is not None and fresh.state == "done" and index < len(fresh.urls) else None
            if url is not None and url not in urls:
                self.store.journal_update(job.key, "done", take=job.take, result_urls=(url,))
                try:
                    return await self._fetch_checked(job, url, report)
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

    async def _download(self, job: Job, url: str) -> Path:
        if httpx.URL(url).scheme not in ("http", "https"):
            raise ProviderError(f"{self.id} gave a result URL that is not http(s): {url[:80]}")
        out = job.work / "result.mp4"
        async for attempt in self.wire.retrying():
            with attempt:
                await self._get(url, out)
        return out

    async def _get(self, url: str, out: Path) -> None:
        short = url.split("?")[0]
        try:
            async with self.wire.client.stream("GET", url) as response:  # no key: result URLs are public
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
            raise TransientError(f"downloading {short} failed: {why(exc)}") from None
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
