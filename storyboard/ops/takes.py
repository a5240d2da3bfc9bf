"""The takes operation: a shot's takes, which are built, what each costs, and which is picked.

What ``storyboard takes`` shows before ``storyboard pick``: the store answers whether a take's
clip is there, the plan what generating it costs. Nothing is generated or written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InvalidStoryboard, PickError


@dataclass(frozen=True)
class Take:
    """One take of a shot."""

    number: int  # 1-based
    built: bool  # its clip is in the store
    picked: bool  # the take the cut uses
    price: Decimal  # the list price of generating it
    clip: str | None  # where its clip is, when built
    made: str | None = None  # when the clip was stored (its file's time, UTC, ISO 8601)


@dataclass(frozen=True)
class Takes:
    """The takes of one shot, 1..N."""

    shot: str
    key: str
    provider: str
    takes: list[Take]

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--format json`` (prices as strings: decimals stay exact)."""
        return {
            "shot": self.shot,
            "key": self.key,
            "provider": self.provider,
            "takes": [
                {
                    "take": t.number,
                    "built": t.built,
                    "picked": t.picked,
                    "price": str(t.price),
                    "clip": t.clip,
                    "made": t.made,
                }
                for t in self.takes
            ],
        }


def takes(path: str | os.PathLike[str], shot_id: str) -> Takes:
    """The takes of ``shot_id`` in the storyboard at ``path``; ``PickError`` for no such shot."""
    from ..store import Store
    from .checking import check
    from .pick import no_shot
    from .planning import plan

    checked = check(path, display=str(path))
    board, compiled = checked.loaded.storyboard, checked.compiled
    if board is None or compiled is None or not checked.valid:
        raise InvalidStoryboard(checked.diagnostics)
    shot = board.shot(shot_id)
    if shot is None:
        source = checked.loaded.source
        raise PickError(no_shot(source.display, source.locate(("shots",)), shot_id, [s.id for s in board.shots]))
    count, picked = compiled.shots[shot_id].takes, compiled.shots[shot_id].take  # as the compiler counts them
    with Store(compiled.root) as store:
        planned = next(s for s in plan(compiled, store=store).shots if s.id == shot_id)
        rows = []
        for k in range(1, count + 1):
            built = store.has_clip(planned.key, take=k)
            path_k = store.clip_path(planned.key, take=k)
            made = _made(path_k) if built else None
            rows.append(Take(k, built, k == picked, planned.list_price, str(path_k) if built else None, made))
    return Takes(shot_id, planned.key, planned.provider, rows)


def _made(path: Path) -> str | None:
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")
