"""A run's side of the team store: claims around paid submits, clips fetched and sent, the ledger.

The runner asks three things of it, under the local claim of a take: :meth:`TeamRun.acquire`
(the remote claim, or the clip another machine made while this one waited), :meth:`stored`
(the clip made here goes up, its spend into the ledger, the claim is dropped) and
:meth:`ended` (a take that failed: its claim is dropped when no job exists, else left to
expire so another machine resumes the job). Held claims are renewed in the background, and
every journal write of a held take is copied into its claim at once: a machine killed right
after the provider accepted its job leaves the job id where the next holder finds it.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from ..errors import StoryboardError
from ..plan import PlannedShot
from ..store import Store
from ..store.team import TeamStore
from ..store.teamclaims import HeldClaim, Seen, TeamClaims
from .job import Report

# what a claim's job status becomes in the journal of the machine that takes it over
_RESUMES = {
    "submitted": "submitted",
    "done": "submitted",
    "submitting": "unknown",
    "unknown": "unknown",
    "lost": "lost",
}


class TeamRun:
    """One run's claims in one team store."""

    def __init__(self, store: Store, team: TeamStore, storyboard: str, report: Report) -> None:
        self.store, self.team, self.storyboard, self.report = store, team, storyboard, report
        self.claims = TeamClaims(team, str(store.root))
        self.held: dict[tuple[str, int], HeldClaim] = {}
        self.poll_seconds = max(0.05, min(2.0, team.claim_seconds / 20))
        store.journal_hooks.append(self._journalled)

    def close(self) -> None:
        """Stop hearing the journal (the run is over)."""
        if self._journalled in self.store.journal_hooks:
            self.store.journal_hooks.remove(self._journalled)

    # -- clips ---------------------------------------------------------------------------
    async def fetch(self, shot: PlannedShot) -> Path:
        """The take's clip from the team store into the local one (verified), for a take plan found there."""
        self.report(shot.label, "downloading", f"from the team store {self.team.describe()}")
        path, record = await asyncio.to_thread(self.team.fetch, shot.key, shot.take, self.store.local)
        self.store.record_clip(shot.key, record, take=shot.take)
        return path

    async def send(self, shot: PlannedShot, path: Path, about: dict[str, str]) -> None:
        """Write-through: a clip this folder has and the team store lacks goes up."""
        record = self.store.records.get(shot.key, take=shot.take)
        await asyncio.to_thread(
            self.team.put, shot.key, shot.take, path, sha256=record.sha256 if record else None, about=about
        )

    def lacks(self, shot: PlannedShot) -> bool:
        """Whether the team store's listing lacks the take (plan listed it once)."""
        return not self.team.index().has(shot.key, shot.take)

    # -- claims --------------------------------------------------------------------------
    async def acquire(self, shot: PlannedShot) -> Path | None:
        """Hold the take's remote claim (None), or return the clip another machine stored meanwhile.

        A live claim is waited on; a dead one (or one this folder's killed build left) is taken
        over with its job, which goes into the local journal so the provider client resumes it.
        """
        about = {"provider": shot.provider, "shot": shot.id, "storyboard": self.storyboard}
        told = ""
        while True:
            if await asyncio.to_thread(self.team.has, shot.key, shot.take):
                return await self.fetch(shot)
            got: HeldClaim | Seen = await asyncio.to_thread(self.claims.claim, shot.key, shot.take, about)
            if isinstance(got, HeldClaim):
                # the holder before us uploads, then drops its claim: between our look and our create it
                # may have done both, so under the claim look once more
                if await asyncio.to_thread(self.team.has, shot.key, shot.take):
                    await asyncio.to_thread(got.release)
                    return await self.fetch(shot)
                self.held[(shot.key, shot.take)] = got
                return None
            if not got.live or self.claims.mine_from_before(got):
                taken = await asyncio.to_thread(self.claims.take_over, shot.key, shot.take, got, about)
                if taken is not None:
                    if await asyncio.to_thread(self.team.has, shot.key, shot.take):
                        await asyncio.to_thread(taken.release)  # its holder stored it after all
                        return await self.fetch(shot)
                    self.held[(shot.key, shot.take)] = taken
                    self._resume(shot, got)
                    return None
                continue  # another machine took it over first: look again
            if got.describe() != told:
                told = got.describe()
                self.report(shot.label, "waiting", f"{told} (team store)")
            await asyncio.sleep(self.poll_seconds)

    def _resume(self, shot: PlannedShot, seen: Seen) -> None:
        """The dead holder's job into this folder's journal, unless this folder already journals one."""
        status = _RESUMES.get(str(seen.body.get("status", "")))
        provider = seen.body.get("provider")
        if status is None or provider != shot.provider or self.store.journal(shot.key, take=shot.take) is not None:
            why = "nothing was sent" if status is None else "this folder's journal has the job"
            self.report(shot.label, "waiting", f"took over the claim of {seen.host} ({why})")
            return
        job = seen.job_id
        self.store.jobs.intent(shot.key, str(provider), job, str(seen.body.get("request", "")), take=shot.take)
        error = None if status == "submitted" else f"{seen.host} stopped before it knew the job's fate"
        self.store.jobs.update(shot.key, status, take=shot.take, job_id=job, error=error)
        self.report(shot.label, "waiting", f"took over {seen.describe()}: resuming it, not paying again")

    def _journalled(self, key: str, take: int) -> None:
        """A journal write of a held take: the claim gets the job id and status now (a PUT, on this thread)."""
        claim = self.held.get((key, take))
        entry = self.store.journal(key, take=take)
        if claim is None or entry is None:
            return
        changes: dict[str, Any] = {"provider": entry.provider, "status": entry.status, "request": entry.request}
        if entry.job_id:
            changes["job_id"] = entry.job_id
        try:
            claim.update(**changes)
        except StoryboardError as exc:  # the renewal loop tries again; the journal has it either way
            self.report(key, "waiting", f"could not update the team claim: {exc}")

    async def stored(
        self, shot: PlannedShot, path: Path, job: str | None, spend: dict[str, Any], about: dict[str, str]
    ) -> None:
        """The clip made here goes up, its job's spend into the ledger, then the claim is dropped.

        If the upload fails the claim is left to expire: the job is paid, so another machine
        resumes it (fetching its result again) rather than paying for the take anew."""
        claim = self.held.pop((shot.key, shot.take), None)
        try:
            self.report(shot.label, "uploading", f"to the team store {self.team.describe()}")
            await self.send(shot, path, about)
            if job:  # a job of a provider's (the local previewer's clips have none, and cost nothing)
                await asyncio.to_thread(self.team.record_spend, shot.key, shot.take, job, spend)
        except BaseException:
            if claim is not None:
                claim.abandon()
            raise
        if claim is not None:
            await asyncio.to_thread(claim.release)

    def ended(self, shot: PlannedShot) -> None:
        """The take did not get a clip here: free its claim, unless a job the provider accepted is journalled."""
        claim = self.held.pop((shot.key, shot.take), None)
        if claim is None:
            return
        entry = self.store.journal(shot.key, take=shot.take)
        if entry is not None and entry.status not in ("failed",):
            claim.abandon()  # expires; whoever takes it over resumes the job
        else:
            claim.release()  # on this thread: it also runs as a cancelled build unwinds

    async def renewing(self) -> None:
        """Rewrite every held claim well before it could expire (runs until cancelled)."""
        every = self.team.claim_seconds / 4
        while True:
            await asyncio.sleep(every / 4)
            now = time.monotonic()
            for claim in list(self.held.values()):
                if claim.held and now - claim.renewed >= every:
                    try:
                        await asyncio.to_thread(claim.renew)
                    except StoryboardError:
                        pass  # the next round tries again, well before the claim expires
