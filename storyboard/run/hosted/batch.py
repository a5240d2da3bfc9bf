"""The takes of a shot as one task (Runware's numberResults): which takes go, and which result is whose.

Each take keeps its own journal entry; a batched take's entry holds the shared task id and a
note of the batch (its takes, and the index of this take's result), so a rebuild after a crash
polls that one task for every take, and sends nothing new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ...store import JournalEntry, Store
from ..job import Job
from .api import Adapter


@dataclass(frozen=True)
class Batch:
    """The takes one task makes, in result order; ``index`` is this take's result."""

    takes: tuple[int, ...]
    index: int


def missing_takes(adapter: Adapter, store: Store, job: Job) -> tuple[int, ...]:
    """This take, then the shot's other takes this build generates that have no journalled job yet
    (a journalled one is resumed, never paid twice), up to the adapter's results per task."""
    if adapter.max_results <= 1:
        return (job.take,)
    others = [t for t in job.batch if t != job.take and store.journal(job.key, take=t) is None]
    return (job.take, *others)[: adapter.max_results]


def note(body_text: str, takes: tuple[int, ...], index: int) -> str:
    """The journal's request text for one take of a batch: the body as sent, and the batch."""
    return json.dumps({"batch": {"takes": list(takes), "result": index}, "body": json.loads(body_text)}, sort_keys=True)


def batch_of(entry: JournalEntry | None) -> Batch | None:
    """The batch a journalled take belongs to, or None (a job of its own, journalled as its body)."""
    if entry is None:
        return None
    try:
        found = json.loads(entry.request).get("batch")
        takes, index = tuple(int(t) for t in found["takes"]), int(found["result"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return Batch(takes, index) if 0 <= index < len(takes) and len(takes) > 1 else None
