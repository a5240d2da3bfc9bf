"""The spend ledger: one row per generation paid, appended, never replaced.

The build records keep only the last build of each (storyboard, shot, take), so a rebuilt
shot forgets what its earlier clip cost; the ledger keeps every one, for ``storyboard cost``.
A row is written when a clip is stored (the runner, beside ``record_build``), also for a job
resumed after a crash: the build that paid was killed before it could write, and the unique
(key, take, job) index makes the row count once however many builds store that job's clip.
The local previewer's clips are rows too, at $0 (provider ``local``, no job id): ``cost``
shows what previews were made, and every total is what was really paid.

:class:`Spend` is the row as ``cost`` reads it, and :class:`LiveJob` a job in flight as
``jobs`` reads it: a remote (team) store produces the same rows, and the readers merge them.
Rows of the ``spend`` table in ``state.db`` (schema 7, state.py).
"""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from .state import DEFAULT_TAKE, StateDB

Source = Literal["build", "backfill", "remote"]


@dataclass(frozen=True)
class Spend:
    """One generation paid: what it was, what it cost at list price, what the provider reported."""

    time: float  # when its clip was stored (UTC epoch)
    storyboard: str  # the storyboard's name in its folder (``name@deliverable`` for a deliverable's film)
    shot: str
    take: int
    key: str
    provider: str
    job: str | None  # the provider's job id (``local`` has none)
    list_usd: Decimal  # storyboard's list price of the job
    reported_usd: Decimal | None  # what the provider said it charged; None when it said nothing
    seconds: float | None  # seconds of video billed (None: not known, a backfilled row of an old store)
    host: str  # the machine that stored the clip
    source: Source = "build"  # ``backfill``: copied from a build record when the store gained the ledger

    @property
    def paid_usd(self) -> Decimal:
        """What it cost: the provider's report, else the list price (as the build's "spent")."""
        return self.reported_usd if self.reported_usd is not None else self.list_usd

    @property
    def identity(self) -> tuple[object, ...]:
        """One job, wherever the row comes from: (key, take, job); a job-less row (local) by host and time."""
        if self.job:
            return (self.key, self.take, self.job)
        return (self.key, self.take, None, self.host, round(self.time, 3))


@dataclass(frozen=True)
class LiveJob:
    """A job sent and its clip not stored yet: from this store's journal, or a team store's live claim."""

    key: str
    take: int
    provider: str
    job: str | None
    status: str  # the journal's (submitting | submitted | done | unknown | failed | lost), or a claim's
    created: float  # when it was sent (UTC epoch)
    updated: float  # its last answer (or the claim's renewal)
    error: str | None = None
    where: Literal["local", "remote"] = "local"
    holder: str | None = None  # the machine that holds it (a remote claim's holder; local: this host)
    storyboard: str | None = None  # filled by the reader from the records, when it can tell
    shot: str | None = None

    @property
    def identity(self) -> tuple[object, ...]:
        return (self.key, self.take, self.job or None)


_COLUMNS = "time, storyboard, shot, take, key, provider, job, list_usd, reported_usd, seconds, host, source"


class Ledger:
    """The ``spend`` table; reads answer "nothing" while the store does not exist."""

    def __init__(self, state: StateDB) -> None:
        self.state = state

    def add(self, spend: Spend) -> bool:
        """Append one row; False when that job (key, take, job) is already in the ledger."""
        before = self.state.connection.total_changes
        self.state.execute(f"INSERT OR IGNORE INTO spend ({_COLUMNS}) VALUES ({', '.join('?' * 12)})", _params(spend))
        return self.state.connection.total_changes > before

    def rows(self, *, storyboard: str | None = None, since: float | None = None) -> list[Spend]:
        """Every row in the order written; ``storyboard``: that file's (its deliverables' films too)."""
        if not self.state.exists:
            return []
        sql = f"SELECT {_COLUMNS} FROM spend WHERE time >= ?"
        params: list[object] = [since if since is not None else float("-inf")]
        if storyboard is not None:
            sql += " AND (storyboard = ? OR substr(storyboard, 1, ?) = ?)"
            params += [storyboard, len(storyboard) + 1, f"{storyboard}@"]
        return [_spend(row) for row in self.state.rows(sql + " ORDER BY id", params)]

    def names(self) -> dict[tuple[str, int], tuple[str, str]]:
        """(storyboard, shot) of each (key, take) the records know (the ledger's, then the build records'), so
        a job in flight is named without compiling anything; later writes win."""
        if not self.state.exists:
            return {}
        rows = self.state.rows(
            "SELECT key, take, storyboard, shot FROM spend UNION ALL SELECT key, take, storyboard, shot FROM builds"
        )
        return {(row["key"], row["take"]): (row["storyboard"], row["shot"]) for row in rows}


def spend_now(
    storyboard: str,
    shot: str,
    key: str,
    provider: str,
    job: str | None,
    *,
    take: int = DEFAULT_TAKE,
    list_usd: Decimal,
    reported_usd: Decimal | None,
    seconds: float | None,
) -> Spend:
    """The row of a clip stored now, on this machine."""
    return Spend(
        time.time(), storyboard, shot, take, key, provider, job or None, list_usd, reported_usd, seconds, this_host()
    )


def this_host() -> str:
    return socket.gethostname()


def backfill(db: sqlite3.Connection) -> None:
    """Schema 7, inside the upgrade's transaction: a row for each build record of a clip built (its
    cost, its time, its clip's probed length), marked ``backfill``.

    Only each shot's last build is there to copy: what earlier builds of a rebuilt shot cost is
    gone. The record keeps the reported cost, else the list price, in one column: where the two
    are equal the provider may or may not have reported, so the row says "not reported" (what it
    paid is the same either way).
    """
    host = this_host()
    infos = {(key, take): info for key, take, info in db.execute("SELECT key, take, info FROM clip_info")}
    rows = db.execute(
        "SELECT storyboard, shot, take, key, provider, job, cost_usd, list_cost_usd, started, finished FROM builds"
        " WHERE status = 'built' ORDER BY COALESCE(finished, started, 0)"
    ).fetchall()
    for storyboard, shot, take, key, provider, job, cost, listed, started, finished in rows:
        listed = listed if listed is not None else (cost if cost is not None else 0.0)
        reported = cost if cost is not None and cost != listed else None
        spend = Spend(
            finished or started or 0.0,
            storyboard,
            shot,
            take,
            key,
            provider,
            job or None,
            _decimal(listed),
            _decimal(reported) if reported is not None else None,
            _seconds(infos.get((key, take))),
            host,
            "backfill",
        )
        db.execute(f"INSERT OR IGNORE INTO spend ({_COLUMNS}) VALUES ({', '.join('?' * 12)})", _params(spend))


def merged(*sources: Iterable[Spend]) -> list[Spend]:
    """Every row once: a job both local and remote (same identity) counts once, the first source's row kept."""
    seen: set[tuple[object, ...]] = set()
    out: list[Spend] = []
    for source in sources:
        for row in source:
            if row.identity not in seen:
                seen.add(row.identity)
                out.append(row)
    return out


def _params(s: Spend) -> tuple[object, ...]:
    reported = float(s.reported_usd) if s.reported_usd is not None else None
    return (s.time, s.storyboard, s.shot, s.take, s.key, s.provider, s.job, float(s.list_usd), reported, s.seconds,
            s.host, s.source)  # fmt: skip


def _spend(row: sqlite3.Row) -> Spend:
    reported = row["reported_usd"]
    return Spend(
        time=row["time"],
        storyboard=row["storyboard"],
        shot=row["shot"],
        take=row["take"],
        key=row["key"],
        provider=row["provider"],
        job=row["job"],
        list_usd=_decimal(row["list_usd"]),
        reported_usd=_decimal(reported) if reported is not None else None,
        seconds=row["seconds"],
        host=row["host"],
        source=row["source"],
    )


def _decimal(value: float) -> Decimal:
    """The float SQLite keeps as the decimal it was written from (0.33, not 0.33000000000000001554)."""
    return Decimal(str(value))


def _seconds(info: str | None) -> float | None:
    import json

    try:
        value = json.loads(info)["seconds"] if info else None
    except (ValueError, KeyError, TypeError):
        return None
    return float(value) if isinstance(value, int | float) else None
