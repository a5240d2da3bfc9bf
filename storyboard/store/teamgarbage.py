"""The team store as a :class:`~.garbage.GarbageSource`: its clips, which ``storyboard gc --remote`` may prune.

Only clips live there (conformed copies and cut pieces are each machine's own). A clip a claim
names stays whatever its age: live, a machine is generating it; expired, its job waits to be
resumed. Ages are the objects' Last-Modified (when the clip went up). The ledger and the claims
are never removed: the ledger is what ``cost`` reads, the claims are the coordination.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .garbage import CLIP, CLIP_NAME, Item, Items
from .state import DEFAULT_TAKE
from .team import TeamStore
from .teamclaims import TeamClaims


class TeamGarbage:
    """The clips of a team store."""

    def __init__(self, team: TeamStore) -> None:
        self.team = team
        self.claims = TeamClaims(team, "")

    @property
    def where(self) -> str:
        """``s3://bucket/prefix``."""
        return self.team.describe()

    def list(self) -> Iterable[Item]:
        """Every clip object (one listing)."""
        for obj in self.team.objects.list("clips"):
            found = CLIP_NAME.fullmatch(obj.key.rsplit("/", 1)[-1].removesuffix(".mp4"))
            if found is None:
                continue  # not a clip this tool named: left alone
            take = int(found["take"]) if found["take"] else DEFAULT_TAKE
            yield Item(self.where, CLIP, obj.key, obj.size, obj.modified.timestamp(), found["key"], take)

    def busy(self, item: Item) -> str | None:
        """A clip a claim names (read now, not from the listing)."""
        if item.key is None:
            return None
        seen = self.claims.peek(item.key, item.take or DEFAULT_TAKE)
        if seen is None:
            return None
        if seen.live:
            return f"{seen.describe()} (team store)"
        return f"an expired claim of {seen.host} names it: its job waits to be resumed"

    def remove(self, items: Sequence[Item]) -> Items:
        """Delete each clip still not busy; the ones removed."""
        done: Items = []
        for item in items:
            if self.busy(item) is None and self.team.objects.delete(item.name):
                done.append(item)
        return done
