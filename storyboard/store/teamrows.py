"""The team store's ledger objects and claims as the rows ``cost`` and ``jobs`` read (ledger.py).

Each machine writes one ledger object per job it stored (team.py ``record_spend``) and holds a
claim while it generates (teamclaims.py): read here into :class:`~.ledger.Spend` and
:class:`~.ledger.LiveJob`, so the readers merge them with the local rows, a job known in both
counting once.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from .ledger import LiveJob, Spend
from .team import TeamStore
from .teamclaims import TeamClaims


def remote_spends(team: TeamStore) -> list[Spend]:
    """Every spend the team recorded (one GET per job)."""
    return [row for row in (_spend(body) for body in team.spends()) if row is not None]


def _spend(body: dict[str, Any]) -> Spend | None:
    try:
        reported = body.get("reported_usd")
        return Spend(
            time=float(body["time"]),
            storyboard=str(body["storyboard"]),
            shot=str(body["shot"]),
            take=int(body.get("take", 1)),
            key=str(body["key"]),
            provider=str(body["provider"]),
            job=str(body["job"]) if body.get("job") else None,
            list_usd=Decimal(str(body["list_usd"])),
            reported_usd=Decimal(str(reported)) if reported is not None else None,
            seconds=float(body["seconds"]) if body.get("seconds") is not None else None,
            host=str(body.get("host", "?")),
            source="remote",
        )
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None  # not a row this version wrote: left out rather than guessed


def remote_jobs(team: TeamStore) -> list[LiveJob]:
    """The team's claims: a take being generated on some machine (an expired one says so)."""
    now = time.time()
    rows: list[LiveJob] = []
    for seen in TeamClaims(team, "").live():
        body = seen.body
        status = str(body.get("status") or "claimed")
        rows.append(
            LiveJob(
                key=str(body.get("key", "")),
                take=int(body.get("take", 1)),
                provider=str(body.get("provider", "?")),
                job=seen.job_id,
                status=status if seen.live else f"{status} (claim expired: the next build resumes it)",
                created=float(body.get("since", now)),
                updated=now - seen.age_seconds,
                where="remote",
                holder=seen.host,
            )
        )
    return rows
