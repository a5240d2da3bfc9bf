"""The plan operation: what a build will generate, why, what it costs, and what it still needs.

A quote needs no key and no upload bucket (agencies price before they create the bucket):
``build_needs`` lists what to set before ``build`` instead of failing the plan.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .. import env
from .checking import compiled_of, project_of

if TYPE_CHECKING:
    from ..compile import Compiled, Project
    from ..plan import Plan, Plans
    from ..store import Store
    from .preparing import Prepared


def plan(target: Compiled | str | os.PathLike[str], *, store: Store | None = None, replace: str | None = None) -> Plan:
    """Price and diff every shot of ``target``'s first film (its only one without deliverables) against the store.

    ``replace``: ``--replace`` selectors (``SelectionError`` for one that names no shot or take)."""
    from ..plan import make_plan
    from ..plan.select import select

    compiled = compiled_of(target)
    return make_plan(compiled, store, replace=select(compiled, replace, "--replace") if replace is not None else ())


def plans(
    target: Project | Compiled | str | os.PathLike[str], *, store: Store | None = None, replace: str | None = None
) -> Plans:
    """Every film's plan of ``target`` (compiled, or a path checked first), a take films share priced once.

    ``replace``: ``--replace`` selectors, read against the first film (every film has the same shots)."""
    from ..plan import make_plans
    from ..plan.select import select

    project = project_of(target)
    replacing = select(project.films, replace, "--replace") if replace is not None else ()
    return make_plans(project, store, replace=replacing)


def quote(
    target: Project | Compiled | str | os.PathLike[str],
    *,
    only: str | Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    replace: str | None = None,
) -> Prepared:
    """Every film's plan with the selection ``only`` and ``exclude`` name: what a build would send, without
    asking for keys (``SelectionError`` for a selector that is empty or names nothing)."""
    from .preparing import prepare

    return prepare(target, only=only, exclude=exclude, replace=replace, ready=False)


def build_needs(plan: Plan | Plans, environ: Mapping[str, str] | None = None) -> list[str]:
    """What a build of ``plan`` still needs from its environment (keys, an upload bucket), in words.

    Empty when the build could start now.
    """
    from ..plan import Plans

    environ = os.environ if environ is None else environ
    films = plan.films if isinstance(plan, Plans) else [plan]
    todo = [s for p in films for s in p.to_generate]
    hosted = sorted({s.provider for s in todo} - {"local"})
    needs: list[str] = []
    for pid in hosted:
        key = env.for_provider(env.API_KEY, pid)  # each adapter's key_env (tests/test_env.py)
        if not environ.get(key, "").strip():
            needs.append(f"{key}: your {pid} API key")
    if not environ.get(env.UPLOAD_URL):
        # a shot's takes (and films) share its inputs: each counted once
        uploads = list(
            dict.fromkeys((s.id, what) for p in films for s in p.to_generate for what in p.compiled.shots[s.id].uploads)
        )
        if uploads:
            shots = sorted({sid for sid, _ in uploads})
            needs.append(
                f"STORYBOARD_UPLOAD_URL=s3://bucket/prefix: {len(uploads)} local input{'s' if len(uploads) != 1 else ''} "
                f"of {', '.join(f'`{sid}`' for sid in shots)} {'goes' if len(uploads) == 1 else 'go'} to a provider that takes only URLs"
            )
    return needs
