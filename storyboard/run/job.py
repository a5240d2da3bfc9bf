"""What the runner hands a provider: one shot's request with every input made concrete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..compile.request import MediaRef, Request

if TYPE_CHECKING:
    from ..media.probe import ClipInfo

# (shot id, state, detail): waiting, rendering, submitted, polling, downloading, done, cached, failed, skipped
Report = Callable[[str, str, str], None]


@dataclass(frozen=True)
class Job:
    """A shot made concrete for a provider: its files, and its parents' clips and frames, on disk."""

    shot: str
    key: str
    request: Request
    files: dict[str, Path]  # a request's relative file path -> the file
    parent_clips: dict[str, Path] = field(default_factory=dict)  # shot id -> its clip (at most the last 15 s)
    parent_frames: dict[str, Path] = field(default_factory=dict)  # shot id -> PNG of its clip's last frame
    parent_keys: dict[str, str] = field(default_factory=dict)  # shot id -> its key (to find its provider job)
    work: Path = Path(".")  # a private folder for temporary files
    expected_seconds: float = 0.0  # new seconds the clip should hold
    take: int = 1  # which variant of the shot: journalled, stored and (locally) drawn apart
    version: int = 0  # how often --replace made this take anew: the local previewer draws each apart
    batch: tuple[int, ...] = ()  # the shot's takes this build generates: one task may make them all (Runware)

    def local_path(self, ref: MediaRef | None) -> Path | None:
        """The local file behind a media reference, or None (a URL the previewer cannot fetch)."""
        if ref is None:
            return None
        if ref.file is not None:
            return self.files.get(ref.file)
        if ref.clip_of is not None:
            return self.parent_clips.get(ref.clip_of)
        if ref.last_frame_of is not None:
            return self.parent_frames.get(ref.last_frame_of)
        return None


@dataclass(frozen=True)
class Generated:
    """What a provider made, and what it reported: the runner stores, prices and journals it."""

    clip: Path  # inside ``job.work``; the runner moves it into the store
    cost_usd: Decimal | None = None  # what the provider reported charging, when it does
    job_id: str | None = None
    info: ClipInfo | None = None  # the clip's probe, when the provider already made it
    paid_here: bool = True  # False: the clip came from a job an earlier build submitted (and paid for)


class Provider(Protocol):
    """One way to turn a job into a clip (the local previewer, or a hosted API)."""

    id: str

    @property
    def concurrency(self) -> int:
        """Jobs it takes at once; the runner bounds each provider by it (and by ``--jobs``)."""
        ...

    async def generate(self, job: Job, report: Report) -> Generated:
        """Produce the clip (inside ``job.work``)."""
        ...

    async def aclose(self) -> None:
        """Release connections at the end of a build."""
        ...
