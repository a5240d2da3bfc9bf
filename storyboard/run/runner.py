"""run: execute a plan over the DAG, in dependency order, as many shots at a time as allowed.

A shot starts as soon as its parents' clips exist. A failed shot fails only its
descendants: every other shot still finishes and is stored. Clips enter the store by
atomic rename and the build record is written per shot as it completes, so an
interrupted build keeps everything it finished.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Literal

from ..errors import BuildError, MediaError, StoryboardError
from ..media.frames import tail_clip, write_last_frame
from ..media.probe import ClipInfo, probe_clip
from ..plan import Plan, PlannedShot
from ..plan.select import matches
from ..store import Claim, Store
from ..store.versions import put_version
from .job import Job, Provider, Report
from .slots import Rank, Slots
from .team import TeamRun

Status = Literal["built", "cached", "failed", "skipped", "unselected"]
EXTEND_MAX_SECONDS = 15.0
CLAIM_POLL_SECONDS = 0.2  # how often a build waiting on another's claim looks again


@dataclass
class ShotResult:
    """One take's outcome in a run: the report, the cut and the sidecars read it (``id`` is the
    shot's label: its id for take 1, ``shot#k`` for take k)."""

    id: str
    status: Status
    clip: Path | None = None
    error: str | None = None
    cost: Decimal = Decimal(0)
    wall_seconds: float = 0.0


@dataclass
class RunResult:
    """Every take's outcome by label; ``ok`` unless one failed or was skipped for a failed parent."""

    shots: dict[str, ShotResult] = field(default_factory=dict)  # by label: `a`, `a#2`, ...
    picked: dict[str, str] = field(default_factory=dict)  # shot id -> the label of the take it uses

    @property
    def ok(self) -> bool:
        """Unselected and cached shots count as fine, so a build of a selection can be ok."""
        return not any(r.status in ("failed", "skipped") for r in self.shots.values())

    @property
    def spent(self) -> Decimal:
        """USD this run paid: the reported cost, else the list price; a resumed job counts 0 (an earlier build paid)."""
        return sum((r.cost for r in self.shots.values()), Decimal(0))

    def clip(self, shot_id: str) -> Path | None:
        """The shot's picked take's clip, built or cached; None when it has none (failed, skipped,
        unselected, or no such shot)."""
        result = self.shots.get(self.picked.get(shot_id, shot_id))
        return result.clip if result is not None else None


Stored = Callable[[PlannedShot, Path], None]  # a shot's take and its clip, once stored (on the loop's thread)


def _silent(shot: str, state: str, detail: str) -> None:
    return None


class Pool:
    """What the runs of one build's films share: the limits (per provider and ``--jobs``) and the
    takes one film makes for another (a take two deliverables share is one job, the first film's)."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = jobs
        self.total = Slots(jobs) if jobs else None
        self._limits: dict[str, Slots] = {}
        self._made: dict[tuple[str, int], asyncio.Event] = {}

    def limit(self, provider: Provider) -> Slots:
        """At most the provider's own concurrency (and ``--jobs``) at a time, across every film; a freed
        slot goes to the waiting shot with the longest remaining path (slots.py)."""
        if provider.id not in self._limits:
            n = min(self.jobs, provider.concurrency) if self.jobs else provider.concurrency
            self._limits[provider.id] = Slots(n)
        return self._limits[provider.id]

    def made(self, key: str, take: int) -> asyncio.Event:
        """Set once the film that generates (key, take) is done with it, made or not."""
        return self._made.setdefault((key, take), asyncio.Event())


class Runner:
    """Runs one plan's jobs over the DAG, bounded per provider and overall (``jobs``)."""

    def __init__(
        self,
        plan: Plan,
        store: Store,
        providers: dict[str, Provider],
        *,
        jobs: int | None = None,
        selection: set[str] | None = None,
        report: Report = _silent,
        pool: Pool | None = None,
        stored: Stored | None = None,
    ) -> None:
        self.plan = plan
        # told of each clip this run brings (made, fetched, or made meanwhile by another build or film) as soon
        # as it is stored: the cut's work on it starts then (ops/ahead.py); one in the store before is not
        self.stored = stored
        self.store = store
        self.providers = providers
        self.selection = selection
        self.report = report
        self.result = RunResult()
        self._done: dict[str, asyncio.Event] = {}
        self.pool = pool if pool is not None else Pool(jobs)
        self._takes: dict[str, tuple[int, ...]] = {}  # shot id -> its takes this build generates
        self.team: TeamRun | None = None  # the team store's claims, fetches and uploads (run/team.py)
        self._background: list[asyncio.Task[None]] = []  # clips going up to the team store
        self._ranks: dict[str, Rank] = {}  # shot id -> its place in the queue for a slot (critical path first)

    def _provider(self, shot: PlannedShot) -> Provider:
        provider = self.providers.get(shot.provider)
        if provider is None:
            raise BuildError(f"no adapter for provider `{shot.provider}` (shot `{shot.label}`); nothing was sent")
        return provider

    async def run(self) -> RunResult:
        """A shot's failure is recorded in the result, not raised (a missing provider is a BuildError before any work).

        The providers are the caller's: several films' runs share them, and the caller closes them."""
        compiled = self.plan.compiled
        todo = self.plan.selected(self.selection)
        self._takes = {s.id: tuple(t.take for t in todo if t.id == s.id) for s in todo}
        self._ranks = ranks(self.plan, {s.id for s in todo})
        for shot in todo:
            self._provider(shot)  # fail before any work when a provider is missing
        self.store.ensure()
        if self.store.team is not None:
            self.team = TeamRun(self.store, self.store.team, self.plan.storyboard, self.report)
        waits: list[PlannedShot] = []  # takes an earlier film generates for this one
        fetches: list[PlannedShot] = []  # cached in the team store, not in this folder
        for shot in self.plan.shots:
            self._done[shot.label] = asyncio.Event()
            if shot.picked:
                self.result.picked[shot.id] = shot.label
            if shot.action == "cached" and self.team is not None and not self._whole_or_set_aside(shot):
                fetches.append(shot)
            elif shot.action == "cached":
                clip = self.store.clip_path(shot.key, take=shot.take)
                self.result.shots[shot.label] = ShotResult(shot.label, "cached", clip)
                self.report(shot.label, "cached", "in the store")  # stored before: not told (`stored`)
                self._done[shot.label].set()
                if self.team is not None and self.team.lacks(shot):  # write-through of what never went up
                    self._background.append(asyncio.ensure_future(self._send(shot, clip)))
            elif not matches(self.selection, shot.id, shot.take):
                self.result.shots[shot.label] = ShotResult(shot.label, "unselected")
                self._done[shot.label].set()
            elif shot.shared is not None:
                waits.append(shot)
        for shot in todo + waits:
            self.report(shot.label, "waiting", "")
        renewing = asyncio.ensure_future(self.team.renewing()) if self.team is not None else None
        try:
            # return_exceptions: on Ctrl-C gather then waits for every shot to finish its own
            # cleanup (a submit waits for its answer) instead of ending at the first cancellation
            await asyncio.gather(
                *(self._one(shot) for shot in todo),
                *(self._shared(shot) for shot in waits),
                *(self._fetch(shot) for shot in fetches),
                return_exceptions=True,
            )
            await asyncio.gather(*self._background, return_exceptions=True)
        finally:
            if renewing is not None:
                renewing.cancel()
            if self.team is not None:
                self.team.close()
        assert all(self.result.picked[sid] in self.result.shots for sid in compiled.shots)
        return self.result

    async def _shared(self, shot: PlannedShot) -> None:
        """A take an earlier deliverable's run generates (the plan shared it): its clip once that run is
        done with it, never a job of this film's."""
        try:
            await self.pool.made(shot.key, shot.take).wait()
            if self._whole_or_set_aside(shot):
                clip = self.store.clip_path(shot.key, take=shot.take)
                self.result.shots[shot.label] = ShotResult(shot.label, "cached", clip)
                self.report(shot.label, "cached", f"made for deliverable `{shot.shared}`")
                self._tell_stored(shot, clip)
            else:
                why = f"its clip was to be made for deliverable `{shot.shared}`, which did not make it"
                self.result.shots[shot.label] = ShotResult(shot.label, "skipped", error=why)
                self.report(shot.label, "skipped", why)
        finally:
            self._done[shot.label].set()

    async def _fetch(self, shot: PlannedShot) -> None:
        """A take plan found in the team store: its clip comes down (verified) instead of being generated."""
        assert self.team is not None
        try:
            clip = await self.team.fetch(shot)
            self.result.shots[shot.label] = ShotResult(shot.label, "cached", clip)
            self.report(shot.label, "cached", "fetched from the team store")
            self._tell_stored(shot, clip)
        except Exception as exc:
            message = str(exc) if isinstance(exc, StoryboardError) else f"{type(exc).__name__}: {exc}"
            self.result.shots[shot.label] = ShotResult(shot.label, "failed", error=message)
            self.report(shot.label, "failed", message)
        finally:
            self._done[shot.label].set()

    async def _send(self, shot: PlannedShot, clip: Path) -> None:
        """A cached clip the team store lacks goes up; a failure is said, never fatal (the film has its clip)."""
        assert self.team is not None
        try:
            await self.team.send(shot, clip, {"provider": shot.provider, "shot": shot.id})
        except StoryboardError as exc:
            self.report(shot.label, "cached", f"in the store; not sent to the team store: {exc}")

    async def _one(self, shot: PlannedShot) -> None:
        compiled = self.plan.compiled
        edges = compiled.shots[shot.id].edges
        label = shot.label
        try:
            for edge in edges:  # a dependant waits for the take its parent picked, not for the others
                await self._done[self.plan.shot(edge.parent).label].wait()
            for edge in edges:
                parent = self.result.shots[self.plan.shot(edge.parent).label]
                if parent.clip is None:
                    why = (
                        f"upstream shot `{parent.id}` {parent.status}"
                        if parent.status != "unselected"
                        else f"upstream shot `{parent.id}` has no clip and is not selected (select it with +{shot.id})"
                    )
                    self.result.shots[label] = ShotResult(label, "skipped", error=why)
                    self.report(label, "skipped", why)
                    return
            provider = self._provider(shot)
            claim = await self._claim(shot)
            try:
                if not shot.replace and self._whole_or_set_aside(shot):  # another build made it while this one waited
                    clip = self.store.clip_path(shot.key, take=shot.take)
                    self.result.shots[label] = ShotResult(label, "cached", clip)
                    self.report(label, "cached", "made by another build meanwhile")
                    self._tell_stored(shot, clip)
                    return
                if self.team is not None and not shot.replace:
                    fetched = await self.team.acquire(shot)  # the remote claim, or the clip another machine made
                    if fetched is not None:
                        self.result.shots[label] = ShotResult(label, "cached", fetched)
                        self.report(label, "cached", "made on another machine meanwhile (team store)")
                        self._tell_stored(shot, fetched)
                        return
                rank = self._ranks.get(shot.id, ())
                async with self.pool.limit(provider).take(rank):
                    if self.pool.total is not None:
                        async with self.pool.total.take(rank):
                            await self._generate(shot, provider)
                    else:
                        await self._generate(shot, provider)
            finally:
                if self.team is not None:
                    self.team.ended(shot)  # a no-op once the clip went up
                claim.release()
        except Exception as exc:  # one shot's failure must not stop the others
            message = str(exc) if isinstance(exc, StoryboardError) else f"{type(exc).__name__}: {exc}"
            self.result.shots[label] = ShotResult(label, "failed", error=message)
            self.report(label, "failed", message)
        finally:
            self._done[label].set()
            self.pool.made(shot.key, shot.take).set()

    def _tell_stored(self, shot: PlannedShot, clip: Path) -> None:
        if self.stored is not None:
            self.stored(shot, clip)

    def _whole_or_set_aside(self, shot: PlannedShot) -> bool:
        """Under the claim: is the clip stored and whole? A damaged one is moved to quarantine/ first,
        so what is generated next never meets it and nothing is cut from it."""
        try:
            damaged = self.store.clip_damage(shot.key, take=shot.take)
        except (FileNotFoundError, NotADirectoryError):
            return False
        if damaged is None:
            return True
        moved = self.store.quarantine_clip(shot.key, take=shot.take)
        self.report(shot.label, "waiting", f"{damaged}; moved to {moved}" if moved else damaged)
        return False

    async def _claim(self, shot: PlannedShot) -> Claim:
        """The store's claim on the shot's key: one build at a time generates a key."""
        claim = self.store.try_claim(shot.key, take=shot.take)
        if claim is None:
            self.report(shot.label, "waiting", "another build is generating this shot")
        while claim is None:
            await asyncio.sleep(CLAIM_POLL_SECONDS)
            claim = self.store.try_claim(shot.key, take=shot.take)
        return claim

    async def _generate(self, shot: PlannedShot, provider: Provider) -> None:
        compiled = self.plan.compiled
        cs = compiled.shots[shot.id]
        assert cs.request is not None
        label = shot.label
        started = time.time()
        self.store.tmp.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"{shot.id}-{shot.take}-", dir=self.store.tmp))
        try:
            clips: dict[str, Path] = {}
            frames: dict[str, Path] = {}
            for edge in cs.edges:
                parent_clip = self.result.clip(edge.parent)
                assert parent_clip is not None
                if edge.kind in ("continues", "extends"):
                    frames[edge.parent] = await asyncio.to_thread(
                        write_last_frame, parent_clip, work / f"{edge.parent}.last.png"
                    )
                if edge.kind in ("extends", "motion"):
                    clips[edge.parent] = await asyncio.to_thread(self._handed_clip, edge.kind, parent_clip, work)
            job = Job(
                shot=shot.id,
                key=shot.key,
                take=shot.take,
                version=shot.version,
                batch=self._takes.get(shot.id, ()),
                request=cs.request,
                files=dict(cs.files),
                parent_clips=clips,
                parent_frames=frames,
                parent_keys={edge.parent: self.plan.shot(edge.parent).key for edge in cs.edges},
                work=work,
                expected_seconds=cs.seconds,
            )
            # the adapter reports by shot id; progress is by take
            produced = await provider.generate(job, lambda _sid, state, detail: self.report(label, state, detail))
            info: ClipInfo = (
                produced.info if produced.info is not None else await asyncio.to_thread(probe_clip, produced.clip)
            )
            if info.seconds <= 0:
                raise MediaError(f"the clip of `{shot.label}` has no length")
            # staged and renamed in a thread; recorded (size, sha256) on the loop's thread, which owns the database
            if shot.replace:  # the old clip kept under replaced/, the version bumped (store/versions.py)
                final, stored = await put_version(self.store, shot.key, shot.take, produced.clip)
            else:
                final, stored = await asyncio.to_thread(
                    partial(self.store.local.put_recorded, shot.key, produced.clip, take=shot.take)
                )
                self.store.record_clip(shot.key, stored, take=shot.take)
            self.store.remember_clip_info(shot.key, info.to_json(), take=shot.take)
            # what the clip cost (reported, else the list price); a resumed job was paid by an earlier build
            cost = produced.cost_usd if produced.cost_usd is not None else shot.list_price
            self.store.record_build(
                self.plan.storyboard,
                shot.id,
                shot.key,
                shot.inputs,
                shot.provider,
                status="built",
                job=produced.job_id,
                clip=str(final.relative_to(self.store.root)),
                cost_usd=float(cost),
                list_cost_usd=float(shot.list_price),
                started=started,
                finished=time.time(),
                take=shot.take,
            )
            # the ledger keeps every job paid (store/ledger.py); a resumed job's row too, once: its payer was killed
            self.store.record_spend(self.plan.storyboard, shot.id, shot.key, shot.provider, produced.job_id,
                take=shot.take, list_usd=shot.list_price, reported_usd=produced.cost_usd, seconds=shot.billed_seconds)  # fmt: skip
            spent = cost if produced.paid_here else Decimal(0)  # a resumed job was paid by an earlier build
            if self.team is not None and not shot.replace:
                about = {"provider": shot.provider, "shot": shot.id, "job": produced.job_id or ""}
                spend = {
                    "storyboard": self.plan.storyboard,
                    "shot": shot.id,
                    "provider": shot.provider,
                    "list_usd": float(shot.list_price),
                    "reported_usd": float(produced.cost_usd) if produced.cost_usd is not None else None,
                    "seconds": shot.billed_seconds,
                    "time": time.time(),
                }
                try:
                    await self.team.stored(shot, final, produced.job_id, spend, about)
                except StoryboardError as exc:
                    self.report(label, "uploading", f"kept here, not in the team store: {exc}")
            self.result.shots[label] = ShotResult(label, "built", final, cost=spent, wall_seconds=time.time() - started)
            self._done[label].set()  # its dependants wake now, before its slot frees: they compete for it (slots.py)
            self.report(label, "done", f"{info.seconds:.2f} s")
            self._tell_stored(shot, final)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @staticmethod
    def _handed_clip(kind: str, clip: Path, work: Path) -> Path:
        """An extension gets at most the last 15 s of its parent; a motion reference the clip."""
        if kind == "extends" and probe_clip(clip).seconds > EXTEND_MAX_SECONDS + 0.01:
            return tail_clip(clip, EXTEND_MAX_SECONDS, work / "extend-source.mp4")
        return clip


def ranks(plan: Plan, todo: set[str]) -> dict[str, Rank]:
    """Each shot to generate, ranked for a slot: the longest remaining path first (its own expected seconds
    plus its longest chain of dependants this build generates), then file order."""
    compiled = plan.compiled
    children: dict[str, list[str]] = {}
    for sid in todo:
        for edge in compiled.shots[sid].edges:
            children.setdefault(edge.parent, []).append(sid)
    remaining: dict[str, float] = {}
    for sid in reversed(compiled.order):  # dependants come later in the topological order
        if sid in todo:
            below = [remaining[c] for c in children.get(sid, ()) if c in remaining]
            remaining[sid] = compiled.shots[sid].seconds + max(below, default=0.0)
    place = {sid: i for i, sid in enumerate(compiled.shots)}
    return {sid: (-remaining[sid], place[sid]) for sid in remaining}
