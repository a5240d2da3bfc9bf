"""The build records: what was last built for each shot (and take) of each storyboard file.

Kept per storyboard file, while clips are shared by every storyboard in the folder: the
record is what lets ``plan`` say *why* a shot regenerates (which input changed since).
Rows of the ``builds`` table in ``state.db``, by (storyboard, shot, take).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .state import DEFAULT_TAKE, StateDB


@dataclass(frozen=True)
class BuildRecord:
    """What was last built for one shot of one storyboard."""

    storyboard: str
    shot: str
    key: str
    inputs_json: str
    provider: str
    job: str | None
    status: str  # built | failed | running
    clip: str | None
    cost_usd: float | None
    list_cost_usd: float | None
    started: float | None
    finished: float | None
    take: int = DEFAULT_TAKE

    @cached_property
    def inputs(self) -> dict[str, Any]:
        """Parsed only when plan needs the reasons (most records are for cached shots)."""
        result: dict[str, Any] = json.loads(self.inputs_json)
        return result


class BuildRecords:
    """The ``builds`` table; reads answer "nothing" while the store does not exist."""

    def __init__(self, state: StateDB) -> None:
        self.state = state

    def last_built(self, storyboard: str, *, take: int = DEFAULT_TAKE) -> dict[str, BuildRecord]:
        """Every shot's last build record of one take, for one storyboard file (empty if none)."""
        if not self.state.exists:
            return {}
        rows = self.state.rows("SELECT * FROM builds WHERE storyboard = ? AND take = ?", (storyboard, take))
        return {row["shot"]: _record(row) for row in rows}

    def takes(self, storyboard: str) -> dict[tuple[str, int], BuildRecord]:
        """Every (shot, take)'s last build record for one storyboard file."""
        if not self.state.exists:
            return {}
        rows = self.state.rows("SELECT * FROM builds WHERE storyboard = ?", (storyboard,))
        return {(row["shot"], row["take"]): _record(row) for row in rows}

    def of_shot(self, storyboard: str, shot: str) -> dict[int, BuildRecord]:
        """One shot's last build record of each take, by take (what ``storyboard takes`` shows)."""
        if not self.state.exists:
            return {}
        rows = self.state.rows("SELECT * FROM builds WHERE storyboard = ? AND shot = ?", (storyboard, shot))
        return {row["take"]: _record(row) for row in rows}

    def record(
        self,
        storyboard: str,
        shot: str,
        key: str,
        inputs: dict[str, Any],
        provider: str,
        *,
        status: str,
        take: int = DEFAULT_TAKE,
        job: str | None = None,
        clip: str | None = None,
        cost_usd: float | None = None,
        list_cost_usd: float | None = None,
        started: float | None = None,
        finished: float | None = None,
    ) -> None:
        """Replace the shot's (and take's) record with this build."""
        self.state.execute(
            "INSERT OR REPLACE INTO builds (storyboard, shot, take, key, inputs, provider, job, status, clip,"
            " cost_usd, list_cost_usd, started, finished) VALUES (:storyboard, :shot, :take, :key, :inputs,"
            " :provider, :job, :status, :clip, :cost_usd, :list_cost_usd, :started, :finished)",
            {
                "storyboard": storyboard,
                "shot": shot,
                "take": take,
                "key": key,
                "inputs": json.dumps(inputs, sort_keys=True),
                "provider": provider,
                "job": job,
                "status": status,
                "clip": clip,
                "cost_usd": cost_usd,
                "list_cost_usd": list_cost_usd,
                "started": started if started is not None else time.time(),
                "finished": finished,
            },
        )


def _record(row: sqlite3.Row) -> BuildRecord:
    return BuildRecord(
        storyboard=row["storyboard"],
        shot=row["shot"],
        key=row["key"],
        inputs_json=row["inputs"],
        provider=row["provider"],
        job=row["job"],
        status=row["status"],
        clip=row["clip"],
        cost_usd=row["cost_usd"],
        list_cost_usd=row["list_cost_usd"],
        started=row["started"],
        finished=row["finished"],
        take=row["take"],
    )
