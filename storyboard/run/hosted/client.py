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

This module is the journal's state machine; the HTTP (``wire``), the media inputs
(``media``), the results (``results``) and the settings (``settings``) are its parts.
Keys live in these objects only; every message that leaves them has the key scrubbed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from ...errors import ProviderError, Refused, TransientError, UnknownOutcome
from ...store import JournalEntry, Store
from ..job import Generated, Job, Report
from .api import Adapter, JobState
from .batch import batch_of, missing_takes, note
from .media import Media
from .results import Results
from .settings import Settings
from .wire import Wire

if TYPE_CHECKING:
    from .stage import Stager

POLL_FRACTION = 0.02
UNKNOWN_JOB_POLLS = 3  # "no such job" this many polls in a row before it is believed
UNKNOWN_STATUS_POLLS = 5  # a status word outside the table this many polls in a row ends the wait


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
        self.wire = Wire(adapter, settings, transport)
        self.media = Media(adapter, store, stager)
        self.results = Results(adapter, store, self.wire)
        self._locks: dict[str, asyncio.Lock] = {}  # by key: one take at a time decides a shot's batch
        self._polls: dict[str, asyncio.Task[JobState]] = {}  # a batch's one poll loop, by task id
        self._sent: set[tuple[str, int]] = set()  # (key, take) whose batch this build submitted (and pays)

    @property
    def concurrency(self) -> int:
        """Jobs in flight at once: the runner keeps under the provider's per-key limit."""
        return self.settings.concurrency

    async def aclose(self) -> None:
        """Release the connection pool at the end of a build."""
        for task in self._polls.values():
            task.cancel()
        await self.wire.aclose()

    def redact(self, text: str) -> str:
        """``text`` with the key replaced by ***, for every message that leaves the client."""
        return text.replace(self.settings.key, "***") if self.settings.key else text

    def _journal_update(
        self,
        job: Job,
        status: str,
        *,
        job_id: str | None = None,
        result_urls: tuple[str, ...] | None = None,
        error: str | None = None,
        cost_usd: float | None = None,
        takes: tuple[int, ...] = (),
    ) -> None:
        """The store's journal update (of every take of a batch), with the key scrubbed from the error."""
        for take in takes or (job.take,):
            self.store.journal_update(
                job.key,
                status,
                take=take,
                job_id=job_id,
                result_urls=result_urls,
                error=self.redact(error) if error is not None else None,
                cost_usd=cost_usd,
            )

    def _forget(self, job: Job, takes: tuple[int, ...] = ()) -> None:
        """No job exists for these takes (a refusal): the next build sends them anew."""
        for take in takes or (job.take,):
            self.store.journal_forget(job.key, take=take)

    # -- the job -------------------------------------------------------------------------
    async def generate(self, job: Job, report: Report) -> Generated:
        """Submit (or resume) the job, wait for it, fetch its clip; any error leaves with the key scrubbed."""
        try:
            return await self._generate(job, report)
        except ProviderError as exc:
            raise type(exc)(self.redact(str(exc))) from None

    async def _generate(self, job: Job, report: Report) -> Generated:
        await self.wire.ready()
        if self.adapter.max_results > 1 and len(job.batch) > 1:
            async with self._locks.setdefault(job.key, asyncio.Lock()):  # one take at a time decides the batch
                entry, job_id, state = await self._start(job, report)
        else:
            entry, job_id, state = await self._start(job, report)
        resumed = entry is not None and (job.key, job.take) not in self._sent  # an earlier build paid for it
        batch = batch_of(self.store.journal(job.key, take=job.take))  # this take's result of a task of several
        polled = state is None  # else the journal holds this take's own result already
        if state is None:
            state = await self._poll(job, job_id, report, len(batch.takes) if batch else 1)
        if state.state in ("failed", "cancelled"):
            # the provider ended the job without a clip: it is not paid, the next build sends it anew
            self._journal_update(job, "failed", error=state.error)
            ended = "was cancelled" if state.state == "cancelled" else "failed"
            raise ProviderError(f"{self.id} job {job_id} {ended}: {state.error}; the next build submits it anew")
        if polled and batch is not None and batch.index >= len(state.urls):  # its result failed; the others came
            self._journal_update(job, "failed", error=state.error)
            raise ProviderError(
                f"{self.id} job {job_id}: {state.failed_results} of its {len(batch.takes)} results failed "
                f"({state.error}); this take gets none, and the next build submits it anew"
            )
        if polled and batch is not None:  # this take's own result of the task, priced on its own
            cost = state.costs[batch.index] if len(state.costs) == len(state.urls) else state.cost_usd
            state = JobState("done", (state.urls[batch.index],), cost)
        self._journal_update(
            job,
            "done",
            result_urls=state.urls,
            cost_usd=float(state.cost_usd) if state.cost_usd is not None else None,
        )
        index = batch.index if batch else 0
        clip, info = await self.results.fetch(job, job_id, state.urls, report, resumed=resumed, index=index)
        return Generated(clip, state.cost_usd, job_id, info, paid_here=not resumed)

    async def _start(self, job: Job, report: Report) -> tuple[JournalEntry | None, str, JobState | None]:
        """The journal read and acted on: a job submitted (or sent again under its id), or the one to resume;
        the state too when the journal already holds the result."""
        entry = self.store.journal(job.key, take=job.take)
        if entry is not None and (entry.provider != self.id or entry.status == "failed"):
            self.store.journal_forget(job.key, take=job.take)
            entry = None
        if entry is None:
            return None, await self._submit(job, report), None
        if entry.status == "done" and entry.result_urls:
            job_id = entry.job_id or ""
            report(job.shot, "downloading", f"fetching the result of job {job_id} again (already paid)")
            cost = Decimal(str(entry.cost_usd)) if entry.cost_usd is not None else None
            return entry, job_id, JobState("done", entry.result_urls, cost)
        if entry.status in ("submitting", "unknown"):
            return entry, await self._recover(job, entry, report), None
        if entry.status == "lost":
            raise UnknownOutcome(
                self._unknown_message(job, entry.error or f"{self.id} no longer knows job {entry.job_id}")
            )
        assert entry.job_id is not None
        if (job.key, job.take) in self._sent:
            report(job.shot, "polling", f"one of the takes of job {entry.job_id}")
        else:
            report(job.shot, "polling", f"resuming job {entry.job_id} (already paid)")
        return entry, entry.job_id, None

    async def _poll(self, job: Job, job_id: str, report: Report, results: int) -> JobState:
        """Wait for the job; the takes of one task share one poll loop, each then takes its own result."""
        if results == 1:
            return await self._until_done(job, job_id, report)
        task = self._polls.get(job_id)
        if task is None or task.cancelled():
            task = self._polls[job_id] = asyncio.ensure_future(self._until_done(job, job_id, report, results))
        return await asyncio.shield(task)

    async def _submit(
        self, job: Job, report: Report, task_id: str | None = None, takes: tuple[int, ...] | None = None
    ) -> str:
        """Send the job: one task for ``takes`` (a batch resent under its id), else for this take and the
        shot's other takes with no journalled job where the provider makes several results per task."""
        resolved = await self.media.resolve(job)
        task_id = task_id or self.adapter.new_task_id()
        body = self.adapter.body(job.request, lambda ref, kind: resolved[(ref, kind)], task_id)
        async with self.wire.rate():
            # which takes go is read here, with no await before their intents: another take cannot slip in
            fresh = takes is None
            batch = takes or missing_takes(self.adapter, self.store, job)
            if len(batch) > 1:
                body = self.adapter.with_results(body, len(batch))
            # a batch sent again is journalled only for the takes still waiting on it (not one resubmitted since)
            takes = batch if fresh else tuple(t for t in batch if t == job.take or self._waits_on(job, t, task_id))
            # the intent first: a crash from here on leaves a trace the next build reads
            text = _journal_body(body)
            for take in takes:
                request = note(text, batch, batch.index(take)) if len(batch) > 1 else text
                self.store.journal_intent(job.key, self.id, task_id, request, take=take)
            if fresh:  # this build sends them, so this build pays for them, whichever take fetches its clip
                self._sent.update((job.key, take) for take in takes)
            report(job.shot, "submitted", "sending")
            sending = asyncio.ensure_future(self.wire.request(self.adapter.submit(body), submit=True, task_id=task_id))
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
                    self._journal_update(
                        job, "unknown", error="the build was interrupted before the submit's answer came", takes=takes
                    )
                else:
                    try:
                        self._settle(job, sending, task_id, report, takes)
                    except ProviderError:
                        pass  # refused, or journalled as unknown: the journal says which
                raise
            except ProviderError:
                pass  # read below, as every outcome is
        return self._settle(job, sending, task_id, report, takes)

    def _waits_on(self, job: Job, take: int, task_id: str | None) -> bool:
        """Whether ``take`` of the job's shot is journalled as waiting on ``task_id``'s submit."""
        entry = self.store.journal(job.key, take=take)
        return entry is not None and entry.job_id == task_id and entry.status in ("submitting", "unknown")

    def _settle(
        self,
        job: Job,
        sending: asyncio.Future[tuple[int, Any]],
        task_id: str | None,
        report: Report,
        takes: tuple[int, ...],
    ) -> str:
        """Journal a submit's outcome: the job id, an unknown outcome, or a refusal that leaves no job."""
        try:
            status, answer = sending.result()
        except UnknownOutcome as exc:
            self._journal_update(job, "unknown", error=str(exc), takes=takes)
            raise UnknownOutcome(self._unknown_message(job, str(exc))) from None
        except TransientError as exc:
            if self.adapter.client_task_ids:
                # one of the attempts may have got through: the next build sends the same id again, safely
                self._journal_update(job, "unknown", error=str(exc), takes=takes)
            else:
                self._forget(job, takes)  # every attempt was refused (429, no connection): no job exists
            raise ProviderError(f"{self.id} kept refusing the submit: {exc}") from None
        except ProviderError:
            self._forget(job, takes)  # refused outright (a bad key): no job exists
            raise
        if status >= 400:
            if task_id is not None and self.adapter.is_duplicate(answer):
                self._journal_update(job, "submitted", job_id=task_id, takes=takes)
                return task_id  # an earlier attempt with this id got through
            self._forget(job, takes)
            raise ProviderError(self.wire.refusal(status, answer, "the job"))
        try:
            job_id = self.adapter.submitted(answer, task_id)
        except Refused:
            self._forget(job, takes)
            raise
        except ProviderError as exc:
            # a 2xx that names no job: it may exist all the same, so it is not resent blindly
            self._journal_update(job, "unknown", error=str(exc), takes=takes)
            raise UnknownOutcome(self._unknown_message(job, str(exc))) from None
        self._journal_update(job, "submitted", job_id=job_id, takes=takes)
        report(job.shot, "submitted", job_id if len(takes) == 1 else f"{job_id}: {len(takes)} takes in one task")
        return job_id

    async def _recover(self, job: Job, entry: JournalEntry, report: Report) -> str:
        """A submit that got no answer: send it again under the same id where that is safe, else refuse."""
        if entry.job_id is None or not self.adapter.client_task_ids:
            raise UnknownOutcome(self._unknown_message(job, entry.error or "the build stopped before the answer"))
        report(job.shot, "submitted", f"sending again under its id {entry.job_id} (the provider keeps one job per id)")
        batch = batch_of(entry)  # a batch goes again whole, asking as many results: never a task of its own
        return await self._submit(job, report, task_id=entry.job_id, takes=batch.takes if batch else (job.take,))

    def _unknown_message(self, job: Job, why: str) -> str:
        return (
            f"the submit of `{job.shot}` to {self.id} got no answer ({why}), so the job may exist and be billed; "
            f"it is not sent again blindly. Check your {self.id} dashboard, then rerun with "
            f"`--only {job.shot} --resubmit` to send it anew"
        )

    async def _until_done(self, job: Job, job_id: str, report: Report, results: int = 1) -> JobState:
        started = time.monotonic()
        deadline = started + self.settings.job_timeout
        missing = strange = 0  # polls in a row that found no such job / a status word outside the table
        while True:
            # a finished job waits at most ~2% of its age (or the floor) for the poll that sees it
            age = time.monotonic() - started
            await asyncio.sleep(
                max(self.settings.poll_seconds, min(age * POLL_FRACTION, self.settings.poll_max_seconds))
            )
            status, answer = await self.wire.request(self.adapter.poll(job_id), submit=False)
            if self.adapter.is_unknown_job(status, answer):
                missing += 1  # a job just accepted may not be visible yet: believe it only after a few polls
                if missing < UNKNOWN_JOB_POLLS:
                    continue
                # never resent on its own, even under a client id: the job may have run (and be billed)
                self._journal_update(job, "lost", error=f"{self.id} answered that it has no job {job_id}")
                raise UnknownOutcome(
                    self._unknown_message(
                        job, f"{self.id} answered {missing} polls in a row that it has no job {job_id}"
                    )
                )
            missing = 0
            if status >= 400:
                raise ProviderError(
                    self.wire.refusal(status, answer, f"polling job {job_id}") + "; the job stays journalled"
                )
            state = self.adapter.polled(answer)
            if state.state == "done" and not state.urls:
                raise ProviderError(
                    f"{self.id} job {job_id} finished without a result URL; it stays journalled and the next build asks again"
                )
            if state.state == "done" and len(state.urls) + state.failed_results < results:  # done once all are in
                state = JobState("running", detail=f"{len(state.urls)} of {results} results")
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
