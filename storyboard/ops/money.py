"""The money operations: what was spent (``cost``) and what is being paid for now (``jobs``).

Both read the store beside a storyboard (or the current folder's, shared by every storyboard
in it) and compile nothing for ``cost``. ``extra`` is the seam for a team store: rows of the
same dataclasses (:class:`~storyboard.store.Spend`, :class:`~storyboard.store.LiveJob`) from
another source, merged so that a job both here and there counts once (by key, take and job).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .takes import ago

if TYPE_CHECKING:
    from ..store import JournalEntry, LiveJob, Spend, Store
    from ..store.team import TeamStore

GROUPINGS = ("storyboard", "shot", "provider", "day")
SINCE_FORMS = "a date (2026-11-30) or a date and time (2026-11-30T14:00, 2026-11-30T14:00:00+01:00; UTC unless it says)"


# -- where ------------------------------------------------------------------------------
def located(target: str | os.PathLike[str] | None) -> tuple[Path, str | None]:
    """The folder whose ``.storyboard/`` holds ``target``'s rows, and the storyboard's name in it (None: every
    storyboard of the folder). A file's store is beside it (as plan's and build's); a folder is its own;
    nothing is the current folder."""
    path = Path(target) if target is not None else Path.cwd()
    if path.is_dir():
        return path, None
    return path.resolve().parent, path.name


def team_of(target: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None) -> TeamStore | None:
    """The team store ``STORYBOARD_STORE`` names, else the storyboard file's ``settings.store``, else None."""
    from ..store.team import team_store

    setting = None
    path = Path(target) if target is not None else None
    if path is not None and path.is_file():
        from ..load import load

        board = load(path).storyboard
        setting = board.settings.store if board is not None else None
    return team_store(setting, environ)


# -- cost -------------------------------------------------------------------------------
def parse_since(text: str) -> float:
    """``--since``: a UTC epoch from an ISO date (midnight UTC) or datetime (UTC unless it has an offset);
    ``ValueError`` naming the forms it takes."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
        moment = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        raise ValueError(f"`{text}` is not {SINCE_FORMS}") from None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()


@dataclass
class Group:
    """The sums of a set of rows: jobs, seconds billed, list price, what providers reported, what was paid."""

    name: str
    jobs: int = 0
    seconds: float = 0.0
    list_usd: Decimal = Decimal(0)
    reported_usd: Decimal | None = None  # the sum of the reports; None when no row of the group had one
    reported_jobs: int = 0  # how many rows that sum covers
    paid_usd: Decimal = Decimal(0)  # each row's report, else its list price

    def add(self, row: Spend) -> None:
        self.jobs += 1
        self.seconds += row.seconds or 0.0
        self.list_usd += row.list_usd
        self.paid_usd += row.paid_usd
        if row.reported_usd is not None:
            self.reported_usd = (self.reported_usd or Decimal(0)) + row.reported_usd
            self.reported_jobs += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "jobs": self.jobs,
            "seconds": round(self.seconds, 3),
            "list_usd": float(self.list_usd),
            "reported_usd": float(self.reported_usd) if self.reported_usd is not None else None,
            "reported_jobs": self.reported_jobs,
            "paid_usd": float(self.paid_usd),
        }


@dataclass
class Cost:
    """What ``storyboard cost`` prints: the rows grouped, their total, and what the numbers leave out."""

    store: Path
    storyboard: str | None
    since: float | None
    by: str
    groups: list[Group]
    total: Group
    backfilled: int = 0  # rows copied from build records when the store gained the ledger (history incomplete)
    in_flight: int = 0  # jobs journalled, their clip not stored: paid or being paid, not counted yet
    rows: list[Spend] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        total = self.total.to_json()
        del total["name"]
        return {
            "store": str(self.store),
            "storyboard": self.storyboard,
            "since": _iso(self.since) if self.since is not None else None,
            "by": self.by,
            "groups": [g.to_json() for g in self.groups],
            "total": total,
            "backfilled": self.backfilled,
            "in_flight": self.in_flight,
        }


def cost(
    target: str | os.PathLike[str] | None = None,
    *,
    since: float | None = None,
    by: str = "storyboard",
    extra: Iterable[Spend] = (),
    environ: Mapping[str, str] | None = None,
) -> Cost:
    """What was spent from the ledger of ``target``'s store (a storyboard file: its rows only; a folder or
    None: every storyboard there), from ``since`` (UTC epoch), grouped ``by`` one of :data:`GROUPINGS`.

    ``extra``: rows from another source, filtered alike; a job in both counts once. With a team store
    (``STORYBOARD_STORE`` or the file's ``settings.store``) its ledger is read too: every machine's spending."""
    from ..store import Store
    from ..store.ledger import merged

    if by not in GROUPINGS:
        raise ValueError(f"--by takes one of {', '.join(GROUPINGS)}, not `{by}`")
    folder, name = located(target)
    team = team_of(target, environ)
    if team is not None:
        from ..store.teamrows import remote_spends

        extra = [*extra, *remote_spends(team)]
    with Store(folder) as store:
        local = store.spending(storyboard=name, since=since)
        in_flight = sum(1 for e in unstored(store) if e.status != "failed")
    wanted = [r for r in extra if (since is None or r.time >= since) and (name is None or _of(r.storyboard, name))]
    rows = merged(local, wanted)
    groups: dict[str, Group] = {}
    total = Group("total")
    for row in sorted(rows, key=lambda r: r.time):
        label = _GROUP_NAME[by](row)
        groups.setdefault(label, Group(label)).add(row)
        total.add(row)
    ordered = sorted(groups.values(), key=lambda g: g.name)
    backfilled = sum(1 for r in rows if r.source == "backfill")
    return Cost(folder / ".storyboard", name, since, by, ordered, total, backfilled, in_flight, rows)


def _of(storyboard: str, name: str) -> bool:
    """Whether a row's storyboard is the file ``name`` (or one of its deliverables' films)."""
    return storyboard == name or storyboard.startswith(f"{name}@")


_GROUP_NAME: dict[str, Callable[[Spend], str]] = {
    "storyboard": lambda r: r.storyboard,
    "shot": lambda r: f"{r.storyboard}:{r.shot}",
    "provider": lambda r: r.provider,
    "day": lambda r: datetime.fromtimestamp(r.time, UTC).date().isoformat(),
}


# -- jobs -------------------------------------------------------------------------------
@dataclass
class Jobs:
    """What ``storyboard jobs`` prints: each job in flight, named where the records tell, with its age."""

    store: Path
    storyboard: str | None
    jobs: list[LiveJob]
    now: float
    others: int = 0  # with a file: jobs in the store that are none of its shots as it is now

    def to_json(self) -> dict[str, Any]:
        return {
            "store": str(self.store),
            "storyboard": self.storyboard,
            "jobs": [
                {
                    "storyboard": j.storyboard,
                    "shot": j.shot,
                    "take": j.take,
                    "key": j.key,
                    "provider": j.provider,
                    "job": j.job,
                    "status": j.status,
                    "created": _iso(j.created),
                    "age_seconds": round(max(0.0, self.now - j.created), 3),
                    "age": ago(self.now - j.created),
                    "updated": _iso(j.updated),
                    "error": j.error,
                    "where": j.where,
                    "holder": j.holder,
                }
                for j in self.jobs
            ],
            "others": self.others,
        }


def jobs(
    target: str | os.PathLike[str] | None = None,
    *,
    now: float | None = None,
    extra: Iterable[LiveJob] = (),
    environ: Mapping[str, str] | None = None,
) -> Jobs:
    """Every job journalled in ``target``'s store and not stored yet, oldest first.

    With a storyboard file, only its shots' jobs (every film and take, keyed as the file is now:
    ``InvalidStoryboard`` when it does not compile), named by shot; without, every job, named
    from the build records and the ledger where they know the key. ``extra``: a team store's
    live claims (``where="remote"``), merged, a job known here and there listed once (the local row)."""
    from dataclasses import replace

    from ..store import LiveJob, Store
    from ..store.ledger import this_host

    folder, name = located(target)
    team = team_of(target, environ)
    if team is not None:  # every machine's claims: what the team is generating now
        from ..store.teamrows import remote_jobs

        extra = [*extra, *remote_jobs(team)]
    clock = time.time() if now is None else now
    host = this_host()
    with Store(folder) as store:
        local = [
            LiveJob(e.key, e.take, e.provider, e.job_id, e.status, e.created, e.updated, e.error, "local", host)
            for e in unstored(store)
        ]
        names = store.ledger.names()
        if name is not None:
            names = _planned_names(Path(folder) / name, store)
    seen: set[tuple[object, ...]] = set()
    rows: list[LiveJob] = []
    for row in [*local, *extra]:
        if row.identity in seen:
            continue
        seen.add(row.identity)
        named = names.get((row.key, row.take))
        rows.append(replace(row, storyboard=named[0], shot=named[1]) if named else row)
    shown = [r for r in rows if name is None or (r.key, r.take) in names]
    shown.sort(key=lambda r: (r.created, r.shot or "", r.take))
    return Jobs(folder / ".storyboard", name, shown, clock, len(rows) - len(shown))


def unstored(store: Store) -> list[JournalEntry]:
    """The journal's jobs whose clip is not stored: the journal keeps a finished job's entry after its clip is
    stored (a ``--replace`` tells by it whether a job made the clip it has, store/versions.py); a job journalled
    after its take's clip was stored is a re-roll in flight."""
    from ..store.versions import stale_job

    return [e for e in store.jobs.all().values() if not stale_job(e, store.records.get(e.key, take=e.take))]


def _planned_names(path: Path, store: Store) -> dict[tuple[str, int], tuple[str, str]]:
    """(storyboard, shot) of every (key, take) the file builds as it is now, every film."""
    from .planning import plans

    return {(s.key, s.take): (p.storyboard, s.id) for p in plans(path, store=store).films for s in p.shots}


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")
