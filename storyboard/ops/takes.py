"""The takes operation: a shot's takes as the store recorded them, for a producer choosing one.

What ``storyboard takes`` shows before ``storyboard pick``: for each take, whether its clip is
there and whole, who made it (provider and job), when, how long it took, what it cost beside
the list price, and its length and size; or the job still in flight for it. Everything comes
from the store's own records (the build records, the job journal, the clip records and
probes), matched by the shot's *current* key: a take built before the shot changed is not
this take. Nothing is generated or written.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidStoryboard

if TYPE_CHECKING:
    from ..store import BuildRecord, JournalEntry, Store

BUILT, NOT_BUILT, IN_FLIGHT, DAMAGED = "built", "not built", "in flight", "damaged"
# journal statuses of a job that may still bring a clip (see store/journal.py), and a clip a
# build holds the claim on; `failed` and `lost` bring none: the take is not built, the entry says why
_FLYING = {"submitting", "submitted", "done", "unknown", "generating"}


@dataclass(frozen=True)
class Flight:
    """The journalled job of a take whose clip is not stored yet."""

    provider: str
    job: str | None
    status: str  # the journal's (submitting | submitted | done | unknown | failed | lost), or generating
    since: str | None  # when it was sent (UTC, ISO 8601); None for a clip a build is generating (no job)
    ago: str | None  # how long before now, in words ("4 min ago")
    error: str | None

    @property
    def summary(self) -> str:
        """One phrase: "submitted to wavespeed, job abc, 4 min ago"."""
        job = f", job {self.job}" if self.job else ""
        when = f", {self.ago}" if self.ago else ""
        said = {
            "generating": f"a build is generating it with {self.provider} now",
            "submitting": f"being submitted to {self.provider}",
            "submitted": f"submitted to {self.provider}",
            "done": f"finished at {self.provider}, not stored yet",
            "unknown": f"sent to {self.provider}, its answer lost",
            "failed": f"failed at {self.provider}",
            "lost": f"{self.provider} has no such job",
        }.get(self.status, f"{self.status} at {self.provider}")
        why = f" ({self.error})" if self.error and self.status in ("failed", "lost") else ""
        return f"{said}{job}{when}{why}"

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "job": self.job,
            "status": self.status,
            "since": self.since,
            "ago": self.ago,
            "error": self.error,
            "summary": self.summary,
        }


@dataclass(frozen=True)
class Take:
    """One take of a shot."""

    number: int  # 1-based
    built: bool  # its clip is in the store and whole
    picked: bool  # the take the cut uses
    price: Decimal  # the list price of generating it now
    clip: str | None  # where its clip is, when there is one (also a damaged one)
    made: str | None = None  # when it was made (UTC, ISO 8601): the build record's finish, else the file's time
    state: str = NOT_BUILT  # built | not built | in flight | damaged
    provider: str | None = None  # the provider that made the clip (or runs its job)
    job: str | None = None  # that provider's job id (``local`` has none)
    made_from: str | None = None  # "record" (the build record) or "file" (no record: the clip's file time)
    started: str | None = None  # when generating began (UTC, ISO 8601), from the build record
    generating_seconds: float | None = None  # finished - started
    paid: Decimal | None = None  # what the build record says it cost (the provider's report, else the list price)
    paid_list: Decimal | None = None  # the list price when it was built
    seconds: float | None = None  # the clip's length, as probed when stored
    width: int | None = None
    height: int | None = None
    bytes: int | None = None  # the clip file's size
    damage: str | None = None  # why the stored clip cannot be used
    flight: Flight | None = None  # its journalled job, while the clip is not stored
    versions: tuple[str, ...] = field(default=())  # earlier clips of this take (none kept yet)

    def to_json(self) -> dict[str, Any]:
        return {
            "take": self.number,
            "state": self.state,
            "built": self.built,
            "picked": self.picked,
            "provider": self.provider,
            "job": self.job,
            "made": self.made,
            "made_from": self.made_from,
            "started": self.started,
            "generating_seconds": self.generating_seconds,
            "price": _money(self.price),
            "paid": _money(self.paid),
            "paid_list": _money(self.paid_list),
            "clip": self.clip,
            "seconds": self.seconds,
            "width": self.width,
            "height": self.height,
            "bytes": self.bytes,
            "damage": self.damage,
            "flight": self.flight.to_json() if self.flight is not None else None,
            "versions": list(self.versions),
        }


@dataclass(frozen=True)
class Takes:
    """The takes of one shot, 1..N, and the commands that act on them."""

    shot: str
    key: str
    provider: str
    takes: list[Take]
    file: str = ""  # the storyboard as given (what the commands name)
    deliverable: str | None = None  # whose film's takes these are (a file with deliverables)

    @property
    def picked(self) -> int:
        return next((t.number for t in self.takes if t.picked), 1)

    @property
    def pick_command(self) -> str:
        """The command that picks another take (``K`` stands for its number)."""
        return f"storyboard pick {shlex.quote(self.file)} {self.shot} K"

    @property
    def _film(self) -> str:
        return f" --deliverable {self.deliverable}" if self.deliverable is not None else ""

    @property
    def build_command(self) -> str | None:
        """The build that makes (or resumes) every take not built, None when all are."""
        todo = [t for t in self.takes if t.state != BUILT]
        if not todo:
            return None
        if len(todo) == len(self.takes):
            only = self.shot
        else:
            only = ",".join(f"{self.shot}#{t.number}" for t in todo)
        lost = any(t.flight is not None and t.flight.status == "lost" for t in todo)
        return f"storyboard build {shlex.quote(self.file)}{self._film} --only {only}" + (" --resubmit" if lost else "")

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--format json`` (money as strings: decimals stay exact)."""
        return {
            "shot": self.shot,
            "deliverable": self.deliverable,
            "key": self.key,
            "provider": self.provider,
            "picked": self.picked,
            "takes": [t.to_json() for t in self.takes],
            "commands": {"pick": self.pick_command, "build": self.build_command},
        }


def takes(
    path: str | os.PathLike[str], shot_id: str, *, now: float | None = None, deliverable: str | None = None
) -> Takes:
    """The takes of ``shot_id`` in the storyboard at ``path``; ``PickError`` for no such shot.

    ``now``: the time "ago" is measured from (the clock's, unless a test fixes it). In a file
    with deliverables a shot's takes are each film's own (an aspect ratio changes the key):
    ``deliverable`` names the film, by default the first; ``SelectionError`` for one the file lacks.
    """
    import time

    from ..store import Store
    from .checking import check
    from .pick import films_building
    from .planning import plan

    checked = check(path, display=str(path), deliverables=[deliverable] if deliverable is not None else None)
    board, compiled = checked.loaded.storyboard, checked.compiled
    if board is None or compiled is None or not checked.valid:
        raise InvalidStoryboard(checked.diagnostics)
    compiled = films_building(checked, shot_id)[1][0]  # the first film that builds the shot
    count, picked = compiled.shots[shot_id].takes, compiled.shots[shot_id].take  # as the compiler counts them
    clock = time.time() if now is None else now
    with Store(compiled.root) as store:
        planned = plan(compiled, store=store)
        row = next(s for s in planned.shots if s.id == shot_id)
        records = store.builds.of_shot(planned.storyboard, shot_id)
        rows = [
            _take(store, row.key, k, k == picked, row.provider, row.list_price, records.get(k), clock)
            for k in range(1, count + 1)
        ]
    return Takes(shot_id, row.key, row.provider, rows, str(path), compiled.deliverable)


def _take(
    store: Store,
    key: str,
    k: int,
    picked: bool,
    provider: str,
    price: Decimal,
    record: BuildRecord | None,
    now: float,
) -> Take:
    """One take from the store: its clip (whole or damaged), its build record, else its journalled job."""
    if record is not None and (record.key != key or record.status != "built"):
        record = None  # built under another key (the shot changed since), or not a build: not this take
    entry = store.journal(key, take=k)
    path = store.clip_path(key, take=k)
    try:
        damage, _ = store.check_clip_file(key, store.records.get(key, take=k), take=k)  # reads; writes nothing
    except FileNotFoundError:
        flight = _flight(entry, now) if entry is not None else None
        if (flight is None or flight.status not in _FLYING) and store.claimed(key, take=k):
            flight = Flight(provider, None, "generating", None, None, None)  # a build holds it: local, or no job yet
        state = IN_FLIGHT if flight is not None and flight.status in _FLYING else NOT_BUILT
        return Take(
            k,
            False,
            picked,
            price,
            None,
            state=state,
            provider=flight.provider if flight else None,
            job=flight.job if flight else None,
            flight=flight,
        )
    made, made_from = (_iso(record.finished), "record") if record and record.finished else (_file_time(path), "file")
    info = store.clip_info(key, take=k) if damage is None else None
    began = _began(record, entry)
    took = record.finished - began if record and record.finished and began else None
    return Take(
        k,
        damage is None,
        picked,
        price,
        str(path),
        made,
        state=BUILT if damage is None else DAMAGED,
        provider=record.provider if record else provider,  # the key names the provider: a clip of it is its
        job=record.job if record else (entry.job_id if entry is not None else None),
        made_from=made_from if made else None,
        started=_iso(began) if began else None,
        generating_seconds=round(took, 3) if took is not None else None,
        paid=_decimal(record.cost_usd) if record else None,
        paid_list=_decimal(record.list_cost_usd) if record else None,
        seconds=float(info["seconds"]) if info and isinstance(info.get("seconds"), int | float) else None,
        width=_int(info, "width"),
        height=_int(info, "height"),
        bytes=_size(path),
        damage=damage,
    )


def _began(record: BuildRecord | None, entry: JournalEntry | None) -> float | None:
    """When generating the clip began: its job's journalling, when a build resumed it after a crash
    (the record's start is the resuming build's), else the record's start."""
    if record is None:
        return None
    if entry is not None and record.job and entry.job_id == record.job and record.started:
        return min(record.started, entry.created)
    return record.started


def _flight(entry: JournalEntry, now: float) -> Flight:
    return Flight(
        entry.provider, entry.job_id, entry.status, _iso(entry.created), ago(now - entry.created), entry.error
    )


def ago(seconds: float) -> str:
    """A span in the words a person reads at a glance ("just now", "4 min ago", "3 h ago")."""
    s = max(0, int(seconds))
    if s < 10:
        return "just now"
    if s < 60:
        return f"{s} s ago"
    if s < 3600:
        return f"{s // 60} min ago"
    if s < 2 * 86400:
        return f"{s // 3600} h ago"
    return f"{s // 86400} days ago"


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")


def _file_time(path: Path) -> str | None:
    try:
        return _iso(path.stat().st_mtime)
    except OSError:
        return None


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _decimal(value: float | None) -> Decimal | None:
    """The float the store keeps as the decimal it was: its shortest repr (0.35, not 0.34999...)."""
    return Decimal(str(value)) if value is not None else None


def _money(value: Decimal | None) -> str | None:
    """Exact, and one spelling per amount (the plan's 0.330 and the record's 0.33 are both "0.33")."""
    if value is None:
        return None
    plain = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return f"{plain:f}"


def _int(info: dict[str, Any] | None, name: str) -> int | None:
    value = info.get(name) if info else None
    return int(value) if isinstance(value, int | float) else None
