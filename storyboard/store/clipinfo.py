"""What probing a clip said when it was stored, by (shot key, take).

A no-op build must open no clip: the cut needs each clip's size, length and streams, and
re-probing every clip would make "nothing changed" cost a PyAV open per shot. Rows of the
``clip_info`` table in ``state.db``, JSON as the prober wrote it.
"""

from __future__ import annotations

import json
from typing import Any

from .state import DEFAULT_TAKE, StateDB


class ClipInfos:
    """The ``clip_info`` table; reads answer None while the store does not exist."""

    def __init__(self, state: StateDB) -> None:
        self.state = state

    def get(self, key: str, *, take: int = DEFAULT_TAKE) -> dict[str, Any] | None:
        """The probe result remembered for the clip, if any."""
        if not self.state.exists:
            return None
        row = self.state.row("SELECT info FROM clip_info WHERE key = ? AND take = ?", (key, take))
        if row is None:
            return None
        info: dict[str, Any] = json.loads(row["info"])
        return info

    def put(self, key: str, info: dict[str, Any], *, take: int = DEFAULT_TAKE) -> None:
        """Remember the probe result (replacing an older one)."""
        self.state.execute(
            "INSERT OR REPLACE INTO clip_info (key, take, info) VALUES (?, ?, ?)", (key, take, json.dumps(info))
        )
