"""run: jobs -> clips in the store. The Runner, the provider clients, the local renderer.

It runs the jobs of a plan it is handed and nothing else: planning is ``plan``'s, the film
is ``cut``'s, and the sequence of a build is ``ops``'s.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..store import Store
from .job import Generated, Job, Provider, Report
from .runner import Pool, Runner, RunResult, ShotResult

__all__ = [
    "check_ready",
    "Generated",
    "Job",
    "Pool",
    "Provider",
    "Report",
    "Runner",
    "RunResult",
    "ShotResult",
    "providers",
]


def providers(
    ids: set[str], store: Store, jobs: int | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Provider]:
    """The clients a build needs; a missing key or bad setting is a BuildError before anything is sent."""
    from .local import LocalProvider

    out: dict[str, Provider] = {"local": LocalProvider(jobs)} if "local" in ids else {}
    hosted = ids - {"local"}
    if hosted:
        from .hosted import hosted_providers

        out.update(hosted_providers(hosted, store, environ))
    return out


def check_ready(ids: set[str], environ: Mapping[str, str] | None = None) -> None:
    """Raise BuildError naming every provider key or setting a build of ``ids`` lacks."""
    hosted = ids - {"local"}
    if hosted:
        from .hosted import settings_for

        settings_for(hosted, environ)
