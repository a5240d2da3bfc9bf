"""The job journal: every paid job, recorded before it is sent and right after each answer.

A crash never loses a job the provider accepted: the next build finds the entry and polls
that job instead of paying for it again. Entries are by (shot key, take), in the ``jobs``
table of ``state.db``.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

from .state import DEFAULT_TAKE, StateDB


@dataclass(frozen=True)
class JournalEntry:
    """One job sent (or about to be sent) to a hosted provider, by shot key.

    status: ``submitting`` (intent recorded, no answer yet), ``submitted`` (the provider
    gave its job id), ``done`` (finished; result URLs known, kept until the clip is
    stored), ``failed`` (the provider ended it without a clip), ``unknown`` (sent, but
    the answer was lost: it may be running and billed), ``lost`` (the provider says it
    has no such job, poll after poll: only ``--resubmit`` sends it again).
    """

    key: str
    provider: str
    job_id: str | None
    status: str
    request: str
    result_urls: tuple[str, ...]
    error: str | None
    cost_usd: float | None
    created: float
    updated: float
    take: int = DEFAULT_TAKE


class Journal:
    """The ``jobs`` table; reads answer "nothing" while the store does not exist."""

    def __init__(self, state: StateDB) -> None:
        self.state = state

    def get(self, key: str, *, take: int = DEFAULT_TAKE) -> JournalEntry | None:
        """The journalled job of one clip, if any."""
        if not self.state.exists:
            return None
        row = self.state.row("SELECT * FROM jobs WHERE key = ? AND take = ?", (key, take))
        return _entry(row) if row is not None else None

    def entries(self, *, take: int = DEFAULT_TAKE) -> dict[str, JournalEntry]:
        """Every journalled job of one take, by key (plan reads them once: which shots resume a paid job)."""
        if not self.state.exists:
            return {}
        return {row["key"]: _entry(row) for row in self.state.rows("SELECT * FROM jobs WHERE take = ?", (take,))}

    def all(self) -> dict[tuple[str, int], JournalEntry]:
        """Every journalled job of every take, by (key, take)."""
        if not self.state.exists:
            return {}
        return {(row["key"], row["take"]): _entry(row) for row in self.state.rows("SELECT * FROM jobs")}

    def intent(self, key: str, provider: str, job_id: str | None, request: str, *, take: int = DEFAULT_TAKE) -> None:
        """Before the submit: the job about to be sent (with its id when the client chooses it)."""
        now = time.time()
        self.state.execute(
            "INSERT OR REPLACE INTO jobs (key, take, provider, job_id, status, request, result_urls, error,"
            " cost_usd, created, updated) VALUES (?, ?, ?, ?, 'submitting', ?, NULL, NULL, NULL, ?, ?)",
            (key, take, provider, job_id, request, now, now),
        )

    def update(
        self,
        key: str,
        status: str,
        *,
        take: int = DEFAULT_TAKE,
        job_id: str | None = None,
        result_urls: tuple[str, ...] | None = None,
        error: str | None = None,
        cost_usd: float | None = None,
    ) -> None:
        """After an answer: the new status; a field given as None keeps its value (``error`` is cleared)."""
        self.state.execute(
            "UPDATE jobs SET status = :status, job_id = COALESCE(:job_id, job_id),"
            " result_urls = COALESCE(:urls, result_urls), error = :error,"
            " cost_usd = COALESCE(:cost, cost_usd), updated = :now WHERE key = :key AND take = :take",
            {
                "status": status,
                "job_id": job_id,
                "urls": json.dumps(list(result_urls)) if result_urls is not None else None,
                "error": error,
                "cost": cost_usd,
                "now": time.time(),
                "key": key,
                "take": take,
            },
        )

    def forget(self, key: str, *, take: int = DEFAULT_TAKE) -> None:
        """Drop the entry: its clip is stored, or no job exists at the provider."""
        self.state.execute("DELETE FROM jobs WHERE key = ? AND take = ?", (key, take))


def _entry(row: sqlite3.Row) -> JournalEntry:
    urls = row["result_urls"]
    return JournalEntry(
        key=row["key"],
        provider=row["provider"],
        job_id=row["job_id"],
        status=row["status"],
        request=row["request"],
        result_urls=tuple(json.loads(urls)) if urls else (),
        error=row["error"],
        cost_usd=row["cost_usd"],
        created=row["created"],
        updated=row["updated"],
        take=row["take"],
    )
