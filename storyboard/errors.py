"""Every exception the library raises, in one place.

Problems in the user's storyboard are not exceptions but diagnostics
(:mod:`storyboard.diagnostics`); these classes are for the callers of the library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .diagnostics import Diagnostics


class StoryboardError(Exception):
    """Base class of everything storyboard raises on purpose."""


class InvalidStoryboard(StoryboardError):
    """The storyboard has errors; ``diagnostics`` says which, where and how to fix them."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        self.diagnostics = diagnostics
        n = len(diagnostics.errors)
        super().__init__(f"the storyboard has {n} error{'s' if n != 1 else ''}")


class StoreError(StoryboardError):
    """The store under .storyboard/ cannot be read or written."""


class MediaError(StoryboardError):
    """A media file cannot be probed or decoded."""


class RenderError(StoryboardError):
    """A clip could not be produced (the preview renderer or a provider failed)."""


class RenderStalled(RenderError):
    """ffmpeg stopped making progress and was killed; a fresh run usually finishes (the preview retries)."""


class BuildError(StoryboardError):
    """A build could not run at all (as opposed to single shots failing)."""


class StagingError(StoryboardError):
    """A local file could not be put where a provider can fetch it (the upload bucket)."""


class ProviderError(StoryboardError):
    """A hosted provider refused or failed a job; the message is the provider's own, key redacted."""


class Refused(ProviderError):
    """The provider refused a submit outright (an error envelope, even inside a 2xx): no job exists."""


class TransientError(ProviderError):
    """A provider answer worth retrying: 429, 5xx, a dropped connection before the request was sent."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnknownOutcome(ProviderError):
    """A submit was sent but no answer came back: the job may exist and be billed, so it is not resent."""


class SelectionError(StoryboardError):
    """A selector (``--only``) names no shot."""


class PlanFileError(StoryboardError):
    """``build --plan FILE``: the file is not a saved plan this version reads (malformed, foreign, another storyboard's)."""


class StalePlan(StoryboardError):
    """``build --plan``: an input changed since the plan was saved; ``changes`` names each. Nothing was sent."""

    def __init__(self, changes: list[str]) -> None:
        self.changes = changes
        super().__init__("the saved plan is stale, nothing was sent: " + "; ".join(changes))


class PickError(StoryboardError):
    """``storyboard pick`` cannot pick that take (no such shot, beyond its takes); the file is untouched."""


class GcRefused(StoryboardError):
    """``storyboard gc`` removed nothing: a storyboard of the folder cannot be read or compiled, so what it references is unknown."""


class ScaffoldExists(StoryboardError):
    """The target folder of ``storyboard init`` already holds a storyboard."""


class ReadAborted(Exception):
    """Internal to the loader: the file cannot be turned into data at all (a cap was hit).

    Never escapes ``load``: the diagnostic explaining why is already recorded when it is raised.
    """
