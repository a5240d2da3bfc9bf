"""plan: per shot, ``cached`` or ``generate``, the reasons, and the price.

A plan is what a build will do and pay for; the runner executes a plan and nothing
else, so nothing is sent that the user was not shown.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, partial
from pathlib import Path
from typing import Any, Literal

from ..compile import Compiled, CompiledShot
from ..errors import InvalidStoryboard
from ..store import BuildRecord, ClipRecord, FileHasher, JournalEntry, Store
from ..store.team import open_store
from ..store.versions import stale_job
from .keys import flat_inputs, key_of, split_identity, take_identity
from .price import price, rate
from .select import matches, replaces

Action = Literal["generate", "cached"]


@dataclass
class PlannedShot:
    """One shot's row of the plan: generate or cached, why, its key and price; the runner acts on this alone."""

    id: str
    action: Action
    reasons: list[str]
    key: str
    provider: str
    cost: Decimal  # what this build spends on it (0 when cached)
    list_price: Decimal  # what it costs to generate, cached or not
    billed_seconds: float
    estimate: bool
    request: dict[str, Any] = field(repr=False)
    resumes: str | None = None  # the journalled provider job this build picks up instead of paying again
    take: int = 1  # which variant of the shot this row is: its clip is (key, take) in the store
    takes: int = 1  # how many the shot has
    picked: bool = True  # the take the cut and the dependants use
    shared: str | None = None  # another deliverable generates this very clip (same key and take): it costs 0 here
    version: int = 0  # how often --replace made this take anew (its clip's version once built: store/versions.py)
    replace: bool = False  # --replace: a new version of a cached take, the old clip kept
    team: str | None = None  # the team store: "cached" (another machine made it) or who generates it now
    _inputs: Callable[[], dict[str, Any]] | dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def inputs(self) -> dict[str, Any]:
        """The flattened inputs the build record keeps (computed when first needed)."""
        if callable(self._inputs):
            self._inputs = self._inputs()
        return self._inputs

    @property
    def label(self) -> str:
        """The row's name in progress and messages: the shot id for take 1, ``shot#k`` (the selector) after."""
        return self.id if self.take == 1 else f"{self.id}#{self.take}"

    def to_json(self) -> dict[str, Any]:
        """A row of ``plan --format json``: USD as floats, ``resumes_job`` the journalled job a build picks up."""
        return {
            "id": self.id,
            "take": self.take,
            "takes": self.takes,
            "picked": self.picked,
            "action": self.action,
            "reasons": self.reasons,
            "cost_usd": float(self.cost),
            "request": self.request,
            "key": self.key,
            "provider": self.provider,
            "list_cost_usd": float(self.list_price),
            "billed_seconds": self.billed_seconds,
            "estimate": self.estimate,
            "resumes_job": self.resumes,
            "version": self.version,
            **({"shared_with": self.shared} if self.shared is not None else {}),
            **({"team_store": self.team} if self.team is not None else {}),
        }


@dataclass
class Plan:
    """What a build will do and pay for, shot by shot in file order; nothing is sent that is not in it."""

    compiled: Compiled
    storyboard: str  # the storyboard's name inside the store's folder (`name@deliverable` for a deliverable)
    provider: str
    shots: list[PlannedShot]  # file order, a shot's takes together in take order

    @property
    def deliverable(self) -> str | None:
        """Which film of the file this plan makes (None: the file has no deliverables)."""
        return self.compiled.deliverable

    @property
    def total(self) -> Decimal:
        """USD for every shot to generate (cached ones cost 0), before any ``--only`` selection."""
        return sum((s.cost for s in self.shots), Decimal(0))

    @property
    def to_generate(self) -> list[PlannedShot]:
        """The takes this plan sends, in file order, before any ``--only`` selection (not those another
        deliverable generates: they are shared)."""
        return [s for s in self.shots if s.action == "generate" and s.shared is None]

    @property
    def shared(self) -> list[PlannedShot]:
        """The takes with no clip yet that an earlier deliverable's plan generates: this film waits for them."""
        return [s for s in self.shots if s.action == "generate" and s.shared is not None]

    def selected(self, selection: set[str] | None) -> list[PlannedShot]:
        """The shots a build with ``selection`` (None: all) generates: the one answer the CLI,
        the build and the runner share, so what was priced is what is sent."""
        return [s for s in self.to_generate if matches(selection, s.id, s.take)]

    @property
    def has_estimates(self) -> bool:
        """Some shot's price rests on guessed seconds (a reference video behind a URL): the total is shown with ~."""
        return any(s.estimate for s in self.to_generate)

    def shot(self, shot_id: str) -> PlannedShot:
        """A shot's picked take by id (what the cut and the dependants use); a KeyError for an id not in the plan."""
        return self._by_id[shot_id]

    @cached_property
    def _by_id(self) -> dict[str, PlannedShot]:
        """The runner and the cut look shots up per edge and per cut entry: by id, not by scan."""
        return {s.id: s for s in self.shots if s.picked}

    def to_json(self) -> dict[str, Any]:
        """The ``plan --format json`` document: every shot and the total, USD as floats."""
        return {
            "provider": self.provider,
            "shots": [s.to_json() for s in self.shots],
            "total_cost_usd": float(self.total),
        }


def make_plan(
    compiled: Compiled, store: Store | None = None, *, resubmit: Collection[str] = (), replace: Collection[str] = ()
) -> Plan:
    """Price and diff every shot of a valid compiled storyboard against the store.

    ``resubmit``: shots whose journalled job a build forgets (``--resubmit``); they are
    priced as the new job the build pays for, not as the $0 resume the journal offers.
    ``replace``: takes (``shot``: its picked take, ``shot#k``) generated anew although
    cached (``--replace``); their dependants are keyed on the new version, so they show too.
    """
    if not compiled.ok:
        raise InvalidStoryboard(compiled.diagnostics)
    own_store = store is None
    store = store if store is not None else open_store(compiled.root, compiled.effective.settings.store)
    try:
        return _plan(compiled, store, set(resubmit), set(replace))
    finally:
        if own_store:
            store.close()


def _plan(compiled: Compiled, store: Store, resubmit: set[str], replace: set[str]) -> Plan:
    hasher = FileHasher(store)
    name = compiled.loaded.source.path.name
    if compiled.deliverable is not None:  # each film keeps its own build records: its reasons are its own
        name = f"{name}@{compiled.deliverable}"
    records = store.builds.takes(name)
    journal = store.jobs.all()
    versions = store.versions.all()
    clip_records: dict[int, dict[str, ClipRecord]] = {}
    team = _Team(store) if store.team is not None else None
    keys: dict[str, str] = {}  # shot id -> its picked take's identity (what dependants' keys hold)
    generating: set[str] = set()
    planned: dict[str, list[PlannedShot]] = {}
    for sid in compiled.order:
        shot = compiled.shots[sid]
        req = shot.request
        assert req is not None
        resolve = _resolver(shot, compiled.root)
        dump = req.model_dump(mode="json", exclude_none=True)
        key = key_of(dump, hasher, resolve, keys)
        inputs: Callable[[], dict[str, Any]] | dict[str, Any] = partial(flat_inputs, dump, hasher, resolve, keys)
        list_price = price(req.provider, req.tier, req.resolution, req.video_input, shot.billed_seconds)
        rows = planned[sid] = []
        for take in range(1, shot.takes + 1):
            if take not in clip_records:
                clip_records[take] = store.all_clip_records(take=take)
            row = PlannedShot(
                id=sid,
                action="cached",
                reasons=[],
                key=key,
                provider=req.provider,
                cost=Decimal(0),
                list_price=list_price,
                billed_seconds=shot.billed_seconds,
                estimate=shot.estimate,
                request=dump,
                take=take,
                takes=shot.takes,
                picked=take == shot.take,
                version=versions.get((key, take), 0),
                _inputs=inputs,
            )
            damaged = _diff(row, store, records.get((sid, take)), clip_records[take], hasher, resolve, keys, generating)
            entry = journal.get((key, take))
            if team is not None and not replaces(replace, sid, take, row.picked):
                team.look(row, damaged)
            if row.action == "cached" and replaces(replace, sid, take, row.picked):
                _replace(row, entry, clip_records[take].get(key), resubmit)
            else:
                _resume(row, entry, resubmit, damaged)
            rows.append(row)
            if row.action == "generate" and row.picked:
                generating.add(sid)
        keys[sid] = take_identity(key, shot.take, rows[shot.take - 1].version)
    shots = [row for sid in compiled.shots if sid in planned for row in planned[sid]]
    return Plan(compiled, name, compiled.provider, shots)


def _diff(
    row: PlannedShot,
    store: Store,
    record: BuildRecord | None,
    clip_records: dict[str, ClipRecord],
    hasher: FileHasher,
    resolve: Callable[[str], Path],
    keys: dict[str, str],
    generating: set[str],
) -> str | None:
    """Cached or generate, and why: the take's clip against the store, its last build's inputs against these.

    Returns what :func:`_damaged` said of the stored clip."""
    damaged = _damaged(store, row.key, row.take, clip_records)
    if damaged is None:
        row.reasons = [
            "up to date" if record is None or record.key == row.key else "this exact version is in the store"
        ]
        return None
    row.action, row.cost = "generate", row.list_price
    if damaged:
        row.reasons = [damaged]
    elif record is None:
        row.reasons = ["new shot: never built"] if row.take == 1 else [f"new take {row.take} of {row.takes}"]
    elif record.key == row.key:
        row.reasons = ["its clip is missing from the store"]
    else:
        row._inputs = flat_inputs(row.request, hasher, resolve, keys)
        row.reasons = _reasons(record.inputs, row._inputs, generating)
    return damaged


class _Team:
    """The team store as plan reads it: one listing of its clips and claims, a claim read only where one exists."""

    def __init__(self, store: Store) -> None:
        from ..store.teamclaims import TeamClaims

        assert store.team is not None
        self.index = store.team.index()
        self.claims = TeamClaims(store.team, str(store.root))

    def look(self, row: PlannedShot, damaged: str | None) -> None:
        """A take this folder lacks is cached when another machine stored it; one being generated says where."""
        if row.action != "generate":
            return
        if damaged is not None and self.index.has(row.key, row.take):  # a job journalled here is moot then
            row.action, row.cost, row.team = "cached", Decimal(0), "cached"
            row.reasons = [
                "in the team store (made on another machine): fetched, not generated"
                + (f"; the local copy {damaged}" if damaged else "")
            ]
            return
        if self.index.claimed(row.key, row.take):
            seen = self.claims.peek(row.key, row.take)
            if seen is not None and seen.live and not self.claims.mine_from_before(seen):
                row.team = seen.describe()
                row.reasons.append(f"{seen.describe()}: the build waits for that clip instead of paying again")


def _replace(row: PlannedShot, entry: JournalEntry | None, record: ClipRecord | None, resubmit: set[str]) -> None:
    """``--replace`` of a cached take: a new version at list price, the old clip kept. A job journalled since
    the clip was stored is that re-roll, already paid: resumed; the job that made the clip is not (stale_job)."""
    row.action, row.cost, row.replace, row.version = "generate", row.list_price, True, row.version + 1
    reason = f"--replace: a new version of take {row.take}; the old clip is kept"
    row.reasons = [reason]
    if not stale_job(entry, record):
        _resume(row, entry, resubmit, reason)


def _resume(row: PlannedShot, entry: JournalEntry | None, resubmit: set[str], damaged: str | None) -> None:
    """A take whose paid job is journalled resumes it at $0; what else the journal says is a reason."""
    if row.action != "generate" or entry is None:
        return
    if matches(resubmit, row.id, row.take):
        row.reasons.append(f"--resubmit: {entry.provider} job {entry.job_id or '?'} is forgotten, a new one is paid")
        return
    if entry.provider == row.provider and entry.job_id and entry.status in ("submitted", "done"):
        row.resumes, row.cost = entry.job_id, Decimal(0)
        row.reasons = ([damaged] if damaged else []) + [
            f"resumes {entry.provider} job {entry.job_id} ({entry.status}): already paid, not sent again"
        ]
    elif entry.status in ("submitting", "unknown"):
        row.reasons.append(f"a submit to {entry.provider} got no answer: the build looks it up or asks for --resubmit")
    elif entry.status == "lost":
        row.reasons.append(f"{entry.provider} says it has no job {entry.job_id}: the build asks for --resubmit")


def _damaged(store: Store, key: str, take: int, records: dict[str, ClipRecord]) -> str | None:
    """None when the stored clip is whole (a stat, see store/cliprecords.py); "" when there
    is none; else why it cannot be used, so plan says the shot regenerates and why."""
    try:
        return store.clip_damage(key, take=take, records=records)
    except (FileNotFoundError, NotADirectoryError):
        return ""


def _resolver(shot: CompiledShot, root: Path) -> Callable[[str], Path]:
    def resolve(relative: str) -> Path:
        return shot.files.get(relative) or root / relative

    return resolve


_DERIVED = {"model", "width", "height", "mode", "action"}  # follow from other inputs
_LABELS = {"prompt": "prompt", "duration": "duration", "resolution": "resolution", "aspect_ratio": "aspect ratio"}


def _reasons(old: dict[str, Any], inputs: dict[str, Any], generating: set[str]) -> list[str]:
    """What differs between the last build's inputs and this one's, in words."""
    reasons: list[str] = []
    seen_files: set[str] = set()
    for path in sorted(set(old) | set(inputs), key=_order):
        a, b = old.get(path), inputs.get(path)
        if a == b or path.endswith((".file", ".clip_of", ".last_frame_of")):
            continue
        if path.endswith(".sha256"):
            base = path[: -len("sha256")] + "file"
            shown = inputs.get(base) or old.get(base) or base
            if shown not in seen_files:
                seen_files.add(shown)
                if a is None:
                    reasons.append(f"new input file {shown}")
                elif b is None:
                    reasons.append(f"input file {shown} removed")
                else:
                    reasons.append(f"file {shown} changed (content)")
        elif path.endswith("@key"):
            parent = inputs.get(path[:-4]) or old.get(path[:-4])
            (was, was_take), (now, now_take) = split_identity(str(a)), split_identity(str(b))
            if a is not None and b is not None and was == now:
                if was_take == now_take:  # the same take made anew (store/versions.py)
                    reasons.append(f"upstream shot `{parent}` replaced")
                else:
                    reasons.append(f"upstream take changed: `{parent}` take {was_take} -> {now_take}")
                continue
            verb = "regenerates" if parent in generating else "changed"
            reasons.append(f"upstream shot `{parent}` {verb}")
        elif path == "prompt":
            reasons.append("prompt changed")
        elif path == "provider":
            reasons.append(f"provider changed: {a} -> {b}")
        elif a is None:
            reasons.append(f"{path} added: {_show(b)}")
        elif b is None:
            reasons.append(f"{path} removed (was {_show(a)})")
        else:
            reasons.append(f"{_LABELS.get(path, path)} changed: {_show(a)} -> {_show(b)}")
    primary = [r for r in reasons if r.split(" ", 1)[0] not in _DERIVED]
    return _dedupe(primary or reasons) or ["inputs changed"]


def _order(path: str) -> tuple[int, str]:
    first = ("provider", "tier", "model", "prompt")
    return (first.index(path) if path in first else len(first), path)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:37] + "..."
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


__all__ = ["make_plan", "Plan", "PlannedShot", "rate"]
